//! The risk matrix: likelihood × impact → score → level. Configurable per office; the default is
//! the BPKP-style table of DOMAIN.md.

use serde::{Deserialize, Serialize};

use super::codes::{Impact, Likelihood, OneToFive, RiskLevel};
use crate::{Error, Result};

/// A 5×5 score table and the score bands of the five levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskMatrix {
    /// `scores[l-1][i-1]` is the score for likelihood `l` and impact `i`.
    pub scores: [[u8; 5]; 5],
    /// The lowest score of each level, from sangat rendah to sangat tinggi (ascending).
    pub band_floors: [u8; 5],
}

impl Default for RiskMatrix {
    fn default() -> Self {
        RiskMatrix {
            scores: [
                [1, 3, 5, 8, 20],
                [2, 7, 11, 13, 21],
                [4, 10, 14, 17, 22],
                [6, 12, 16, 19, 24],
                [9, 15, 18, 23, 25],
            ],
            band_floors: [1, 6, 12, 16, 20],
        }
    }
}

impl RiskMatrix {
    /// Checks that the table uses each score 1..=25 once and the bands ascend from 1.
    pub fn validate(&self) -> Result<()> {
        let mut seen = [false; 26];
        for row in &self.scores {
            for &s in row {
                if !(1..=25).contains(&s) || std::mem::replace(&mut seen[s as usize], true) {
                    return Err(Error::invalid(
                        "risk matrix",
                        "scores must use each number 1–25 exactly once",
                    ));
                }
            }
        }
        if self.band_floors[0] != 1
            || self.band_floors.windows(2).any(|w| w[0] >= w[1])
            || self.band_floors[4] > 25
        {
            return Err(Error::invalid("risk matrix", "band floors must start at 1 and ascend up to 25"));
        }
        Ok(())
    }
    /// The score of a cell.
    pub fn score(&self, l: Likelihood, i: Impact) -> u8 {
        self.scores[l.value() as usize - 1][i.value() as usize - 1]
    }
    /// The level of a score.
    pub fn level_of_score(&self, score: u8) -> RiskLevel {
        let idx = self.band_floors.iter().rposition(|&f| score >= f).unwrap_or(0);
        RiskLevel::ALL[idx]
    }
    /// Score and level of a cell.
    pub fn assess(&self, l: Likelihood, i: Impact) -> (u8, RiskLevel) {
        let s = self.score(l, i);
        (s, self.level_of_score(s))
    }
}

use super::codes::Coded;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_matrix_hand_vectors() {
        let m = RiskMatrix::default();
        m.validate().expect("default is valid");
        let l = |n| Likelihood::from_value(n).expect("1..5");
        let i = |n| Impact::from_value(n).expect("1..5");
        // (likelihood, impact, score, level)
        let vectors = [
            (1, 1, 1, RiskLevel::SangatRendah),
            (1, 3, 5, RiskLevel::SangatRendah),
            (2, 2, 7, RiskLevel::Rendah),
            (2, 3, 11, RiskLevel::Rendah),
            (4, 2, 12, RiskLevel::Sedang),
            (3, 3, 14, RiskLevel::Sedang),
            (4, 3, 16, RiskLevel::Tinggi),
            (4, 4, 19, RiskLevel::Tinggi),
            (1, 5, 20, RiskLevel::SangatTinggi),
            (5, 5, 25, RiskLevel::SangatTinggi),
        ];
        for (li, im, score, level) in vectors {
            assert_eq!(m.assess(l(li), i(im)), (score, level), "L{li} I{im}");
        }
    }

    #[test]
    fn invalid_matrix_refused() {
        let mut m = RiskMatrix::default();
        m.scores[0][0] = 25;
        assert!(m.validate().is_err());
        let m = RiskMatrix { band_floors: [1, 6, 6, 16, 20], ..RiskMatrix::default() };
        assert!(m.validate().is_err());
    }
}
