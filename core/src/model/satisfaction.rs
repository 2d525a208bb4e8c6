//! The satisfaction index: AMER's 1–5 rating mapped onto the IKM range of PermenPAN-RB 14/2017.

use serde::Serialize;

/// The IKM grade (mutu pelayanan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IkmGrade {
    /// 88.31–100, sangat baik.
    A,
    /// 76.61–88.30, baik.
    B,
    /// 65.00–76.60, kurang baik.
    C,
    /// 25.00–64.99, tidak baik.
    D,
}

impl IkmGrade {
    /// The grade for an index value (rounded to two decimals first, as the regulation tabulates).
    pub fn of(index: f64) -> IkmGrade {
        let v = (index * 100.0).round() / 100.0;
        if v >= 88.31 {
            IkmGrade::A
        } else if v >= 76.61 {
            IkmGrade::B
        } else if v >= 65.0 {
            IkmGrade::C
        } else {
            IkmGrade::D
        }
    }
    /// The letter.
    pub fn letter(self) -> &'static str {
        match self {
            IkmGrade::A => "A",
            IkmGrade::B => "B",
            IkmGrade::C => "C",
            IkmGrade::D => "D",
        }
    }
    /// The Indonesian label of the quality of service.
    pub fn label_id(self) -> &'static str {
        match self {
            IkmGrade::A => "Sangat Baik",
            IkmGrade::B => "Baik",
            IkmGrade::C => "Kurang Baik",
            IkmGrade::D => "Tidak Baik",
        }
    }
    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            IkmGrade::A => "Very good",
            IkmGrade::B => "Good",
            IkmGrade::C => "Poor",
            IkmGrade::D => "Very poor",
        }
    }
}

/// The label printed next to the converted index.
pub const IKM_CONVERSION_LABEL: &str = "setara IKM (konversi skala 1–5)";

/// Maps a mean 1–5 rating linearly onto 25..100: `25 + (mean − 1) × 18.75`.
pub fn ikm_from_mean(mean: f64) -> f64 {
    25.0 + (mean - 1.0) * 18.75
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_vectors() {
        // (mean, index, grade): computed by hand from the formula and the regulation's intervals.
        let vectors = [
            (1.0, 25.0, IkmGrade::D),
            (3.0, 62.5, IkmGrade::D),
            (3.16, 65.5, IkmGrade::C),
            (3.5, 71.875, IkmGrade::C),
            (4.0, 81.25, IkmGrade::B),
            (4.37, 88.1875, IkmGrade::B),
            (4.38, 88.375, IkmGrade::A),
            (5.0, 100.0, IkmGrade::A),
        ];
        for (mean, index, grade) in vectors {
            let got = ikm_from_mean(mean);
            assert!((got - index).abs() < 1e-9, "mean {mean}: {got} != {index}");
            assert_eq!(IkmGrade::of(got), grade, "mean {mean}");
        }
        assert_eq!(IkmGrade::of(88.30), IkmGrade::B);
        assert_eq!(IkmGrade::of(88.31), IkmGrade::A);
        assert_eq!(IkmGrade::of(76.60), IkmGrade::C);
        assert_eq!(IkmGrade::of(64.99), IkmGrade::D);
    }
}
