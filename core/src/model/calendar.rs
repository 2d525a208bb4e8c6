//! Working days and objection (sanggah) deadlines. Holidays are data, not code: the office loads or
//! edits them each year; the 2026 list ships as the default.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The kind of a non-working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// A national public holiday.
    LiburNasional,
    /// A collective leave day for civil servants.
    CutiBersama,
}

impl HolidayKind {
    /// The stable code used in CSV files.
    pub fn code(self) -> &'static str {
        match self {
            HolidayKind::LiburNasional => "libur_nasional",
            HolidayKind::CutiBersama => "cuti_bersama",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "libur_nasional" => Some(HolidayKind::LiburNasional),
            "cuti_bersama" => Some(HolidayKind::CutiBersama),
            _ => None,
        }
    }
}

/// One non-working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// The date in the office's time zone.
    pub date: NaiveDate,
    /// National holiday or cuti bersama.
    pub kind: HolidayKind,
    /// Its Indonesian name.
    pub name: String,
}

/// The set of holidays; weekends are always non-working.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayTable {
    days: BTreeMap<NaiveDate, Holiday>,
}

/// Indonesia's 2026 holidays and cuti bersama (SKB 3 Menteri, 19 September 2025).
pub const HOLIDAYS_2026_CSV: &str = include_str!("../../data/holidays-ID-2026.csv");

impl HolidayTable {
    /// A table from a list.
    pub fn new(days: impl IntoIterator<Item = Holiday>) -> Self {
        HolidayTable { days: days.into_iter().map(|h| (h.date, h)).collect() }
    }
    /// Parses the CSV format `date,kind,name` (with a header line). A bad line is reported with its
    /// number and nothing is returned.
    pub fn parse_csv(text: &str) -> Result<Vec<Holiday>> {
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || (n == 0 && line.starts_with("date")) {
                continue;
            }
            let mut parts = line.splitn(3, ',');
            let (Some(date), Some(kind), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(Error::invalid(
                    "holiday file",
                    format!("line {}: expected date,kind,name", n + 1),
                ));
            };
            let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
                Error::invalid("holiday file", format!("line {}: date must be YYYY-MM-DD", n + 1))
            })?;
            let kind = HolidayKind::parse(kind).ok_or_else(|| {
                Error::invalid(
                    "holiday file",
                    format!("line {}: kind must be libur_nasional or cuti_bersama", n + 1),
                )
            })?;
            let name = name.trim().trim_matches('"').to_string();
            out.push(Holiday { date, kind, name });
        }
        Ok(out)
    }
    /// The shipped default for 2026.
    pub fn default_2026() -> Vec<Holiday> {
        Self::parse_csv(HOLIDAYS_2026_CSV).unwrap_or_default()
    }
    /// The holiday on a date, if any.
    pub fn get(&self, date: NaiveDate) -> Option<&Holiday> {
        self.days.get(&date)
    }
    /// All holidays in date order.
    pub fn iter(&self) -> impl Iterator<Item = &Holiday> {
        self.days.values()
    }
    /// Whether civil servants work on this date (Monday–Friday and not a holiday).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.days.contains_key(&date)
    }
    /// The date itself if it is a working day, else the next working day.
    pub fn roll_forward(&self, mut date: NaiveDate) -> NaiveDate {
        while !self.is_working_day(date) {
            date += Duration::days(1);
        }
        date
    }
    /// The deadlines of an objection announced on `announced`.
    pub fn objection_deadlines(&self, announced: NaiveDate) -> ObjectionDeadlines {
        let filing = self.roll_forward(announced + Duration::days(5));
        let answer = self.roll_forward(filing + Duration::days(3));
        ObjectionDeadlines { announced, filing_deadline: filing, answer_deadline: answer }
    }
}

/// The two deadlines of an objection (Perpres 16/2018 jo. 12/2021; Peraturan LKPP 12/2021): file
/// within 5 calendar days of the announcement, the pokja answers within 3 calendar days after the
/// filing window; a deadline on a non-working day moves to the next working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ObjectionDeadlines {
    /// The announcement of the tender result.
    pub announced: NaiveDate,
    /// The last day to file.
    pub filing_deadline: NaiveDate,
    /// The last day for the pokja's answer.
    pub answer_deadline: NaiveDate,
}

impl ObjectionDeadlines {
    /// Whether a filing on `filed` was late.
    pub fn filed_late(&self, filed: NaiveDate) -> bool {
        filed > self.filing_deadline
    }
    /// Whether an answer on `answered` was late.
    pub fn answered_late(&self, answered: NaiveDate) -> bool {
        answered > self.answer_deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn ships_2026_table() {
        let days = HolidayTable::default_2026();
        assert_eq!(days.iter().filter(|h| h.kind == HolidayKind::LiburNasional).count(), 17);
        assert_eq!(days.iter().filter(|h| h.kind == HolidayKind::CutiBersama).count(), 8);
    }

    #[test]
    fn deadline_vectors_by_hand() {
        let t = HolidayTable::new(HolidayTable::default_2026());
        // Plain case: Mon 2 Nov 2026 + 5 = Sat 7 Nov -> Mon 9 Nov; +3 = Thu 12 Nov.
        let dl = t.objection_deadlines(d("2026-11-02"));
        assert_eq!(dl.filing_deadline, d("2026-11-09"));
        assert_eq!(dl.answer_deadline, d("2026-11-12"));
        // Weekday, no roll: Tue 3 Nov + 5 = Sun 8 -> Mon 9... take Wed 4 Nov + 5 = Mon 9 Nov; +3 = Thu 12.
        let dl = t.objection_deadlines(d("2026-11-04"));
        assert_eq!(dl.filing_deadline, d("2026-11-09"));
        assert_eq!(dl.answer_deadline, d("2026-11-12"));
        // Holiday roll-over: Thu 12 Mar + 5 = Tue 17 Mar (working); +3 = Fri 20 Mar (cuti bersama),
        // Sat 21, Sun 22 (Idulfitri), Mon 23, Tue 24 (cuti bersama) -> Wed 25 Mar.
        let dl = t.objection_deadlines(d("2026-03-12"));
        assert_eq!(dl.filing_deadline, d("2026-03-17"));
        assert_eq!(dl.answer_deadline, d("2026-03-25"));
        // Filing deadline on a holiday: Fri 14 Aug + 5 = Wed 19 Aug (working); Wed 12 Aug + 5 =
        // Mon 17 Aug (Proklamasi) -> Tue 18 Aug; +3 = Fri 21 Aug.
        let dl = t.objection_deadlines(d("2026-08-12"));
        assert_eq!(dl.filing_deadline, d("2026-08-18"));
        assert_eq!(dl.answer_deadline, d("2026-08-21"));
        assert!(dl.filed_late(d("2026-08-19")));
        assert!(!dl.filed_late(d("2026-08-18")));
        // Christmas: Sat 19 Dec + 5 = Thu 24 Dec (cuti bersama), Fri 25 (Natal), weekend -> Mon 28.
        let dl = t.objection_deadlines(d("2026-12-19"));
        assert_eq!(dl.filing_deadline, d("2026-12-28"));
        assert_eq!(dl.answer_deadline, d("2026-12-31"));
    }

    #[test]
    fn csv_errors_name_the_line() {
        let err =
            HolidayTable::parse_csv("date,kind,name\n2027-01-01,libur_nasional,Tahun Baru\n2027-13-01,x,y\n")
                .expect_err("bad line");
        assert!(err.to_string().contains("line 3"), "{err}");
    }
}
