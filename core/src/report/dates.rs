//! Dates, times and durations as the office reads them: local times in the office's time zone,
//! Indonesian month names, "1 jam 5 menit".

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};

use super::Period;
use crate::model::session::format_duration_id;
use crate::model::{Lang, Millis, TimingFigure};

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// "2 Maret 2026".
pub fn date_id(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{} {} {}", d.day(), MONTHS_ID[d.month0() as usize], d.year())
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "2 March 2026".
pub fn date_en(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{} {} {}", d.day(), MONTHS_EN[d.month0() as usize], d.year())
}

/// A long date in `lang`: "2 Maret 2026" or "2 March 2026".
pub fn date_long(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Id => date_id(d),
        Lang::En => date_en(d),
    }
}

/// The month and year in `lang`: "Maret 2026", "March 2026".
pub fn month_year(d: NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    let months = match lang {
        Lang::Id => &MONTHS_ID,
        Lang::En => &MONTHS_EN,
    };
    format!("{} {}", months[d.month0() as usize], d.year())
}

/// "1 h 5 min", "12 min", "40 s".
pub fn format_duration_en(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// A whole number of seconds as words in `lang`.
pub fn format_duration(seconds: i64, lang: Lang) -> String {
    match lang {
        Lang::Id => format_duration_id(seconds),
        Lang::En => format_duration_en(seconds),
    }
}

/// A waiting time or duration in `lang`, or its warning.
pub fn timing_text(f: TimingFigure, lang: Lang) -> String {
    match (lang, f) {
        (Lang::Id, f) => f.text_id(),
        (Lang::En, TimingFigure::Seconds(s)) => format_duration_en(s),
        (Lang::En, TimingFigure::Unknown) => "-".into(),
        (Lang::En, TimingFigure::Negative) => "CHECK: PC clocks disagree (negative time)".into(),
        (Lang::En, TimingFigure::Absurd) => "CHECK: more than 12 hours (PC clock, or not finished)".into(),
    }
}

/// "1 Maret 2026 s.d. 31 Maret 2026", "sejak …", "sampai dengan …", "Semua periode".
pub fn period_label(p: &Period) -> String {
    match (p.from, p.to) {
        (Some(f), Some(t)) if f == t => date_id(f),
        (Some(f), Some(t)) => format!("{} s.d. {}", date_id(f), date_id(t)),
        (Some(f), None) => format!("sejak {}", date_id(f)),
        (None, Some(t)) => format!("sampai dengan {}", date_id(t)),
        (None, None) => "Semua periode".to_string(),
    }
}

/// The period in English: "1 March 2026 to 31 March 2026", "since …", "until …", "All periods".
pub fn period_label_en(p: &Period) -> String {
    match (p.from, p.to) {
        (Some(f), Some(t)) if f == t => date_en(f),
        (Some(f), Some(t)) => format!("{} to {}", date_en(f), date_en(t)),
        (Some(f), None) => format!("since {}", date_en(f)),
        (None, Some(t)) => format!("until {}", date_en(t)),
        (None, None) => "All periods".to_string(),
    }
}

/// The instant in the office's time zone.
pub fn local(tz: chrono_tz::Tz, at: Millis) -> Option<DateTime<chrono_tz::Tz>> {
    tz.timestamp_millis_opt(at).single()
}

/// The local wall-clock time (what a spreadsheet shows; the zone is named in the header).
pub fn local_naive(tz: chrono_tz::Tz, at: Millis) -> Option<NaiveDateTime> {
    local(tz, at).map(|t| t.naive_local())
}

/// RFC 3339 with the office's offset, to the second: `2026-03-02T09:15:00+08:00`.
pub fn rfc3339(tz: chrono_tz::Tz, at: Millis) -> Option<String> {
    local(tz, at).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

/// Now, RFC 3339 in the office's time zone.
pub fn now_rfc3339(tz: chrono_tz::Tz) -> String {
    rfc3339(tz, crate::model::now_millis()).unwrap_or_default()
}

/// Today's date in the office's time zone.
pub fn today(tz: chrono_tz::Tz) -> NaiveDate {
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

/// The zone's abbreviation ("WITA" for Asia/Makassar, "WIB", "WIT").
pub fn tz_abbr(tz: chrono_tz::Tz) -> String {
    chrono::Utc::now().with_timezone(&tz).format("%Z").to_string()
}

/// "12 menit" for a whole number of seconds (rounded), or `None`.
pub fn duration_text(seconds: Option<f64>) -> Option<String> {
    seconds.map(|s| format_duration_id(s.round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_dates() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(date_id(d(2026, 8, 17)), "17 Agustus 2026");
        let p = Period { from: Some(d(2026, 3, 1)), to: Some(d(2026, 3, 31)) };
        assert_eq!(period_label(&p), "1 Maret 2026 s.d. 31 Maret 2026");
        assert_eq!(period_label(&Period::all()), "Semua periode");
        assert_eq!(tz_abbr(chrono_tz::Asia::Makassar), "WITA");
        assert_eq!(tz_abbr(chrono_tz::Asia::Jakarta), "WIB");
        // 1 March 2026 01:30 UTC is 09:30 WITA.
        assert_eq!(
            rfc3339(chrono_tz::Asia::Makassar, 1_772_328_600_000).as_deref(),
            Some("2026-03-01T09:30:00+08:00")
        );
    }
}
