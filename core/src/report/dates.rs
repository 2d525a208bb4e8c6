//! Dates, times and durations as the office reads them: local times in the office's time zone,
//! Indonesian month names, "1 jam 5 menit".

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};

use super::Period;
use crate::model::session::format_duration_id;
use crate::model::Millis;

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
