//! Day aggregates (schema 4, `report_days`): the figures of the performance, satisfaction and
//! period-total reports pre-summed per local day, category and officer, so that a report over
//! years reads a few tens of thousands of rows instead of every session.
//!
//! They are a cache of the session projection, kept exact like this:
//! - the session projection notes the UTC day (`arrived_at / 86400000`) of every row it
//!   inserts or changes, before and after, in `report_dirty` (an `INSERT OR IGNORE` into a
//!   small table, once per day and transaction: the write and sync paths pay about a
//!   microsecond and never compute anything; schema 5 replaced the triggers that did this),
//!   and a trigger notes the day of a row deleted (by a repair or by hand);
//! - a report first looks, in its read transaction, whether anything is dirty; if so it takes
//!   a write transaction, recomputes the local days those UTC days touch from the projection
//!   (one range read through the report index per run of days), clears the list, and reads the
//!   aggregates in that same transaction, so what it sums is never older than the projection;
//! - the local days follow the office's time zone; when it changes (or on the first report
//!   after the migration) everything is rebuilt once.
//!
//! Durations and waiting times are kept as exact multisets (sorted values with their counts,
//! varint-encoded), so medians stay exact. A row's day is the local date of its arrival, which
//! is exactly the rule [`super::Period::bounds`] applies to the projection.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, TimeZone};
use rusqlite::{params, Transaction};

use super::{Period, ReportFilter};
use crate::model::Coded;
use crate::store::{day_start, get_meta_str, set_meta};
use crate::{Result, Store};

const DAY_MS: i64 = 86_400_000;
/// The day of arrivals before year 1 and from year 10000 on (dates chrono cannot name here):
/// outside every bounded period, inside open-ended ones, as with the projection's bounds.
const DAY_BEFORE: i64 = i64::MIN / 4;
const DAY_AFTER: i64 = i64::MAX / 4;
/// The meta key holding the time zone the aggregates were computed in.
const BUILT_TZ: &str = "report_tz";

/// Status columns in `report_days` order; the last one counts codes this build does not know.
pub(crate) const STATUSES: [&str; 6] =
    ["registered", "assigned", "in_service", "finished", "rated", "cancelled"];

fn status_index(status: &str) -> usize {
    STATUSES.iter().position(|s| *s == status).unwrap_or(STATUSES.len())
}

/// Whether a status counts as served (finished or rated).
pub(crate) fn served(status_index: usize) -> bool {
    status_index == 3 || status_index == 4
}

/// One aggregate row, as reports read it.
pub(crate) struct DayRow<'a> {
    pub category: &'a str,
    /// `""` when unassigned.
    pub officer: &'a str,
    /// Sessions by status, [`STATUSES`] order, then unknown codes.
    pub status: [i64; 7],
    /// Waiting time of every session: sum, count, flagged.
    pub wait: [i64; 3],
    /// Duration of every session: sum, count, flagged.
    pub duration: [i64; 3],
    /// Every session's ratings per score.
    pub scores: [i64; 5],
    /// Served sessions' ratings per score.
    pub served_scores: [i64; 5],
    /// Served sessions without a plausible waiting time.
    pub served_wait_flagged: i64,
    /// Served sessions' waiting times (see [`Multiset::add_encoded`]).
    pub served_waits: &'a [u8],
    /// Served sessions' durations.
    pub served_durations: &'a [u8],
    /// Sessions per stage, package type, method, OPD and subject (see [`decode_counts`]).
    pub topic_values: &'a [u8],
    /// Sessions per visitor.
    pub visitors: &'a [u8],
    /// Words of subjects and notes: occurrences, sessions with it in the subject, in the notes.
    pub words: &'a [u8],
}

impl DayRow<'_> {
    /// All sessions of the row.
    pub fn sessions(&self) -> i64 {
        self.status.iter().sum()
    }
}

/// Calls `f` for every aggregate row of the valid sessions that arrived in `period` and match
/// `filter`, after bringing the aggregates up to date with the projection.
/// The topic columns (`topic_values`, `visitors`, `words`) are left empty: see
/// [`for_each_with_topics`].
pub(crate) fn for_each(
    store: &Store,
    period: &Period,
    filter: &ReportFilter,
    f: impl FnMut(&DayRow<'_>) -> Result<()>,
) -> Result<()> {
    for_each_in(store, period, filter, false, f)
}

/// [`for_each`] with the topic columns read too (they are the long ones: the other reports
/// do not read them, so SQLite does not read the pages they overflow to).
pub(crate) fn for_each_with_topics(
    store: &Store,
    period: &Period,
    filter: &ReportFilter,
    f: impl FnMut(&DayRow<'_>) -> Result<()>,
) -> Result<()> {
    for_each_in(store, period, filter, true, f)
}

fn for_each_in(
    store: &Store,
    period: &Period,
    filter: &ReportFilter,
    topics: bool,
    mut f: impl FnMut(&DayRow<'_>) -> Result<()>,
) -> Result<()> {
    let scanned = store.read(|tx| {
        if !is_clean(tx)? {
            return Ok(false);
        }
        scan(tx, period, filter, topics, &mut f)?;
        Ok(true)
    })?;
    if !scanned {
        store.write(|ctx| {
            refresh(ctx.tx)?;
            scan(ctx.tx, period, filter, topics, &mut f)
        })?;
    }
    Ok(())
}

/// Brings the aggregates up to date now (e.g. after a bulk import, so that the next report
/// does not pay for it). Returns the number of local days recomputed.
pub fn refresh_days(store: &Store) -> Result<usize> {
    store.write(|ctx| refresh(ctx.tx))
}

fn zone(tx: &Transaction<'_>) -> Result<chrono_tz::Tz> {
    Ok(get_meta_str(tx, "timezone")?.and_then(|t| t.parse().ok()).unwrap_or(chrono_tz::Asia::Makassar))
}

fn is_clean(tx: &Transaction<'_>) -> Result<bool> {
    let dirty: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM report_dirty)", [], |r| r.get(0))?;
    Ok(!dirty && get_meta_str(tx, BUILT_TZ)?.as_deref() == Some(zone(tx)?.name()))
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default()
}

fn end_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(10000, 1, 1).unwrap_or_default()
}

/// The day number of a date.
pub(crate) fn day_number(d: NaiveDate) -> i64 {
    (d - epoch()).num_days()
}

fn date_of(n: i64) -> Option<NaiveDate> {
    epoch().checked_add_signed(chrono::Duration::try_days(n)?)
}

/// The local day of an instant.
fn local_day(tz: chrono_tz::Tz, at: i64) -> i64 {
    if at < day_start(tz, first_day()) {
        return DAY_BEFORE;
    }
    if at >= day_start(tz, end_day()) {
        return DAY_AFTER;
    }
    match tz.timestamp_millis_opt(at).single() {
        Some(t) => day_number(t.date_naive()),
        None => DAY_AFTER,
    }
}

/// The instants `[start, end)` a dirty UTC day number stands for (SQLite's integer division
/// truncates toward zero, so day 0 spans both sides of the epoch).
fn utc_range(u: i64) -> (i64, i64) {
    let d = DAY_MS;
    match u {
        u if u > 0 => (u.saturating_mul(d), u.saturating_add(1).saturating_mul(d)),
        0 => (-d + 1, d),
        u => (u.saturating_sub(1).saturating_mul(d).saturating_add(1), u.saturating_mul(d).saturating_add(1)),
    }
}

/// Recomputes the local days touched by the dirty list (everything when the time zone
/// changed), then the months of those days, and empties the list. Returns the number of days
/// recomputed.
fn refresh(tx: &Transaction<'_>) -> Result<usize> {
    let tz = zone(tx)?;
    if get_meta_str(tx, BUILT_TZ)?.as_deref() != Some(tz.name()) {
        tx.execute("DELETE FROM report_days", [])?;
        tx.execute("DELETE FROM report_months", [])?;
        tx.execute(
            "INSERT OR IGNORE INTO report_dirty(utc_day) SELECT DISTINCT arrived_at / 86400000 FROM sessions",
            [],
        )?;
        set_meta(tx, BUILT_TZ, tz.name().as_bytes())?;
    }
    let dirty: Vec<i64> = {
        let mut st = tx.prepare("SELECT utc_day FROM report_dirty")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut days: BTreeSet<i64> = BTreeSet::new();
    for u in dirty {
        let (start, end) = utc_range(u);
        let (a, b) = (local_day(tz, start), local_day(tz, end - 1));
        days.insert(a);
        days.insert(b);
        if a != DAY_BEFORE && b != DAY_AFTER {
            days.extend(a..=b);
        }
    }
    let count = days.len();
    // Runs of consecutive days, each read with one range query.
    let mut runs: Vec<(i64, i64)> = Vec::new();
    let mut months: BTreeSet<i64> = BTreeSet::new();
    for d in days {
        if let Some(m) = date_of(d).filter(|_| d != DAY_BEFORE && d != DAY_AFTER).map(month_number) {
            months.insert(m);
        }
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == d => *last = d,
            _ => runs.push((d, d)),
        }
    }
    let mut terms = Terms::default();
    for (first, last) in runs {
        recompute(tx, tz, &mut terms, first, last)?;
    }
    for m in months {
        roll_up(tx, m)?;
    }
    tx.execute("DELETE FROM report_dirty", [])?;
    Ok(count)
}

/// `year * 12 + month - 1`.
fn month_number(d: NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

/// The first and last day numbers of a month number.
fn month_days(m: i64) -> Option<(i64, i64)> {
    let (y, m0) = (i32::try_from(m.div_euclid(12)).ok()?, m.rem_euclid(12) as u32);
    let first = NaiveDate::from_ymd_opt(y, m0 + 1, 1)?;
    let next =
        if m0 == 11 { NaiveDate::from_ymd_opt(y + 1, 1, 1)? } else { NaiveDate::from_ymd_opt(y, m0 + 2, 1)? };
    Some((day_number(first), day_number(next) - 1))
}

/// Per (day or month, category, officer): the sums of one aggregate row.
#[derive(Default)]
struct Acc {
    status: [i64; 7],
    wait: [i64; 3],
    duration: [i64; 3],
    scores: [i64; 5],
    served_scores: [i64; 5],
    served_wait_flagged: i64,
    waits: Vec<i64>,
    durations: Vec<i64>,
    values: HashMap<i64, i64>,
    visitors: HashMap<i64, i64>,
    words: HashMap<i64, [i64; 3]>,
}

type Groups = HashMap<(i64, String, String), Acc>;

/// Recomputes the days `first..=last` from the projection.
fn recompute(
    tx: &Transaction<'_>,
    tz: chrono_tz::Tz,
    terms: &mut Terms,
    first: i64,
    last: i64,
) -> Result<()> {
    // The instants of the run and the start of each of its days (for the day of each row).
    let start_of = |n: i64| -> i64 {
        match n {
            DAY_BEFORE => i64::MIN,
            DAY_AFTER => day_start(tz, end_day()),
            n => date_of(n).map_or(i64::MAX, |d| day_start(tz, d)),
        }
    };
    let end_of = |n: i64| -> i64 {
        match n {
            DAY_BEFORE => day_start(tz, first_day()),
            DAY_AFTER => i64::MAX,
            n => start_of(n + 1),
        }
    };
    let (from, to) = (start_of(first), end_of(last));
    let starts: Vec<i64> = (first..=last).map(start_of).collect();
    tx.execute("DELETE FROM report_days WHERE day BETWEEN ?1 AND ?2", params![first, last])?;
    let mut acc: Groups = HashMap::new();
    {
        let content: bool = tx.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'session_fts_content'",
            [],
            |r| r.get(0),
        )?;
        let fts = if content {
            "LEFT JOIN session_fts_content f ON f.id = s.rowid"
        } else {
            "LEFT JOIN session_fts f ON f.rowid = s.rowid"
        };
        let fts_columns = if content { "f.c0, f.c2" } else { "f.subject, f.notes" };
        let mut st = tx.prepare_cached(&format!(
            "SELECT s.arrived_at, s.category, s.officer_nip, s.status, s.started_at IS NOT NULL,
                    s.waiting_s, s.duration_s, s.score, s.stage, s.package_type, s.package_method, s.opd,
                    s.subject, s.visitor_id, {fts_columns}
             FROM sessions s {fts}
             WHERE s.invalid_reason IS NULL AND s.arrived_at >= ?1 AND s.arrived_at < ?2"
        ))?;
        let mut rows = st.query(params![from, to])?;
        let mut seen: Vec<(i64, [i64; 2])> = Vec::new();
        while let Some(r) = rows.next()? {
            let at: i64 = r.get(0)?;
            let i = starts.partition_point(|s| *s <= at).saturating_sub(1);
            let day = first + i as i64;
            let (category, officer) = (super::row_str(r, 1)?, super::row_str(r, 2)?);
            let key = (day, category.to_string(), officer.to_string());
            let a = acc.entry(key).or_default();
            let status = status_index(super::row_str(r, 3)?);
            a.status[status] += 1;
            let started: bool = r.get(4)?;
            let (waiting, duration, score): (Option<i64>, Option<i64>, Option<i64>) =
                (r.get(5)?, r.get(6)?, r.get(7)?);
            match waiting {
                Some(w) => (a.wait[0], a.wait[1]) = (a.wait[0] + w, a.wait[1] + 1),
                None if started => a.wait[2] += 1,
                None => {}
            }
            match duration {
                Some(d) => (a.duration[0], a.duration[1]) = (a.duration[0] + d, a.duration[1] + 1),
                None if served(status) => a.duration[2] += 1,
                None => {}
            }
            if let Some(s) = score.filter(|s| (1..=5).contains(s)) {
                a.scores[(s - 1) as usize] += 1;
            }
            for (kind, i) in [("g", 8), ("t", 9), ("m", 10), ("o", 11), ("s", 12)] {
                let id = terms.term(tx, kind, super::row_str(r, i)?.trim())?;
                *a.values.entry(id).or_default() += 1;
            }
            let visitor = terms.visitor(tx, super::row_str(r, 13)?)?;
            *a.visitors.entry(visitor).or_default() += 1;
            // Words of the subject and the notes, each counted once per session per column.
            seen.clear();
            for (col, text) in [(0usize, super::row_str(r, 14)?), (1, super::row_str(r, 15)?)] {
                for token in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                    let Some(id) = terms.word(tx, token)? else { continue };
                    match seen.iter_mut().find(|(w, _)| *w == id) {
                        Some((_, n)) => n[col] += 1,
                        None => {
                            let mut n = [0i64; 2];
                            n[col] = 1;
                            seen.push((id, n));
                        }
                    }
                }
            }
            for (id, [subject, notes]) in &seen {
                let c = a.words.entry(*id).or_default();
                c[0] += subject + notes;
                c[1] += (*subject > 0) as i64;
                c[2] += (*notes > 0) as i64;
            }
            if served(status) {
                match waiting {
                    Some(w) => a.waits.push(w),
                    None => a.served_wait_flagged += 1,
                }
                if let Some(d) = duration {
                    a.durations.push(d);
                }
                if let Some(s) = score.filter(|s| (1..=5).contains(s)) {
                    a.served_scores[(s - 1) as usize] += 1;
                }
            }
        }
    }
    insert(tx, "report_days", "day", acc)
}

/// Recomputes the month row of month number `m` from its day rows.
fn roll_up(tx: &Transaction<'_>, m: i64) -> Result<()> {
    tx.execute("DELETE FROM report_months WHERE month = ?1", [m])?;
    let Some((first, last)) = month_days(m) else { return Ok(()) };
    let mut acc: Groups = HashMap::new();
    let mut st = tx.prepare_cached(&format!("{COLUMNS} FROM report_days WHERE day BETWEEN ?1 AND ?2"))?;
    let mut rows = st.query(params![first, last])?;
    while let Some(r) = rows.next()? {
        let row = day_row(r)?;
        let a = acc.entry((m, row.category.to_string(), row.officer.to_string())).or_default();
        let add = |into: &mut [i64], from: &[i64]| into.iter_mut().zip(from).for_each(|(a, b)| *a += b);
        add(&mut a.status, &row.status);
        add(&mut a.wait, &row.wait);
        add(&mut a.duration, &row.duration);
        add(&mut a.scores, &row.scores);
        add(&mut a.served_scores, &row.served_scores);
        a.served_wait_flagged += row.served_wait_flagged;
        decode_into(row.served_waits, &mut a.waits)?;
        decode_into(row.served_durations, &mut a.durations)?;
        decode_counts(row.topic_values, |id, n| *a.values.entry(id).or_default() += n)?;
        decode_counts(row.visitors, |id, n| *a.visitors.entry(id).or_default() += n)?;
        decode_words(row.words, |id, c| {
            let w = a.words.entry(id).or_default();
            for (x, y) in w.iter_mut().zip(c) {
                *x += y;
            }
        })?;
    }
    drop(rows);
    drop(st);
    insert(tx, "report_months", "month", acc)
}

fn insert(tx: &Transaction<'_>, table: &str, key: &str, groups: Groups) -> Result<()> {
    let mut ins = tx.prepare_cached(&format!(
        "INSERT INTO {table}({key}, category, officer, n_registered, n_assigned, n_in_service, n_finished,
           n_rated, n_cancelled, n_other, wait_sum, wait_n, wait_flagged, dur_sum, dur_n, dur_flagged,
           score_1, score_2, score_3, score_4, score_5, served_score_1, served_score_2, served_score_3,
           served_score_4, served_score_5, served_wait_flagged, served_waits, served_durations, topic_values,
           visitors, words)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
           ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)"
    ))?;
    for ((at, category, officer), mut a) in groups {
        let (s, sc, ss) = (a.status, a.scores, a.served_scores);
        ins.execute(params![
            at,
            category,
            officer,
            s[0],
            s[1],
            s[2],
            s[3],
            s[4],
            s[5],
            s[6],
            a.wait[0],
            a.wait[1],
            a.wait[2],
            a.duration[0],
            a.duration[1],
            a.duration[2],
            sc[0],
            sc[1],
            sc[2],
            sc[3],
            sc[4],
            ss[0],
            ss[1],
            ss[2],
            ss[3],
            ss[4],
            a.served_wait_flagged,
            encode(&mut a.waits),
            encode(&mut a.durations),
            encode_counts(&a.values),
            encode_counts(&a.visitors),
            encode_words(&a.words),
        ])?;
    }
    Ok(())
}

const FIGURES: &str = "SELECT category, officer, n_registered, n_assigned, n_in_service, n_finished, n_rated,
    n_cancelled, n_other, wait_sum, wait_n, wait_flagged, dur_sum, dur_n, dur_flagged, score_1, score_2,
    score_3, score_4, score_5, served_score_1, served_score_2, served_score_3, served_score_4,
    served_score_5, served_wait_flagged, served_waits, served_durations";
const COLUMNS: &str = "SELECT category, officer, n_registered, n_assigned, n_in_service, n_finished, n_rated,
    n_cancelled, n_other, wait_sum, wait_n, wait_flagged, dur_sum, dur_n, dur_flagged, score_1, score_2,
    score_3, score_4, score_5, served_score_1, served_score_2, served_score_3, served_score_4,
    served_score_5, served_wait_flagged, served_waits, served_durations, topic_values, visitors, words";

fn day_row<'r>(r: &'r rusqlite::Row<'_>) -> Result<DayRow<'r>> {
    let wide = r.as_ref().column_count() > 28;
    let n = |i: usize| -> rusqlite::Result<i64> { r.get(i) };
    let blob = |i: usize| -> Result<&[u8]> {
        let v = r.get_ref(i)?;
        v.as_blob()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, v.data_type(), Box::new(e)).into())
    };
    Ok(DayRow {
        category: super::row_str(r, 0)?,
        officer: super::row_str(r, 1)?,
        status: [n(2)?, n(3)?, n(4)?, n(5)?, n(6)?, n(7)?, n(8)?],
        wait: [n(9)?, n(10)?, n(11)?],
        duration: [n(12)?, n(13)?, n(14)?],
        scores: [n(15)?, n(16)?, n(17)?, n(18)?, n(19)?],
        served_scores: [n(20)?, n(21)?, n(22)?, n(23)?, n(24)?],
        served_wait_flagged: n(25)?,
        served_waits: blob(26)?,
        served_durations: blob(27)?,
        topic_values: if wide { blob(28)? } else { &[] },
        visitors: if wide { blob(29)? } else { &[] },
        words: if wide { blob(30)? } else { &[] },
    })
}

/// Reads the aggregate rows in scope: month rows for the months the period covers whole,
/// day rows for the days at its edges (and for arrivals at dates out of range, when open).
fn scan(
    tx: &Transaction<'_>,
    period: &Period,
    filter: &ReportFilter,
    topics: bool,
    f: &mut impl FnMut(&DayRow<'_>) -> Result<()>,
) -> Result<()> {
    use chrono::Datelike;
    let (from, to) = (period.from.map_or(i64::MIN, day_number), period.to.map_or(i64::MAX, day_number));
    // The whole months: from the first 1st of a month on or after `from` to the last month
    // ending on or before `to`; open ends take every month.
    let first_month = match period.from {
        None => i64::MIN,
        Some(d) if d.day() == 1 => month_number(d),
        Some(d) => month_number(d) + 1,
    };
    let last_month = match period.to {
        None => i64::MAX,
        Some(d) if d.succ_opt().is_some_and(|n| n.day() == 1) => month_number(d),
        Some(d) => month_number(d) - 1,
    };
    // The days those months cover (sentinel days are never in a month).
    let covered_from = if first_month == i64::MIN {
        DAY_BEFORE + 1
    } else {
        month_days(first_month).map_or(i64::MAX, |m| m.0)
    };
    let covered_to =
        if last_month == i64::MAX { DAY_AFTER - 1 } else { month_days(last_month).map_or(i64::MIN, |m| m.1) };
    let columns = if topics { COLUMNS } else { FIGURES };
    let mut extra = String::new();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(c) = filter.category {
        args.push(c.code().to_string().into());
        extra.push_str(&format!(" AND category = ?{}", args.len() + 2));
    }
    if let Some(o) = &filter.officer {
        args.push(o.as_str().to_string().into());
        extra.push_str(&format!(" AND officer = ?{}", args.len() + 2));
    }
    let queries = [
        (format!("{columns} FROM report_months WHERE month BETWEEN ?1 AND ?2{extra}"), first_month, last_month),
        (
            format!(
                "{columns} FROM report_days WHERE day BETWEEN ?1 AND ?2 AND (day < {covered_from} OR day > {covered_to}){extra}"
            ),
            from,
            to,
        ),
    ];
    for (sql, lo, hi) in queries {
        if lo > hi {
            continue;
        }
        let mut st = tx.prepare_cached(&sql)?;
        let params: Vec<rusqlite::types::Value> =
            [lo.into(), hi.into()].into_iter().chain(args.iter().cloned()).collect();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            f(&day_row(r)?)?;
        }
    }
    Ok(())
}

/// Appends the values of an encoded multiset to `out`.
fn decode_into(bytes: &[u8], out: &mut Vec<i64>) -> Result<()> {
    let mut pos = 0;
    let mut prev: Option<i64> = None;
    while pos < bytes.len() {
        let raw = get_varint(bytes, &mut pos).ok_or_else(damaged)?;
        let v = match prev {
            None => ((raw >> 1) as i64) ^ -((raw & 1) as i64),
            Some(p) => p.wrapping_add(raw as i64),
        };
        let n = get_varint(bytes, &mut pos).ok_or_else(damaged)?;
        out.extend(std::iter::repeat_n(v, n as usize));
        prev = Some(v);
    }
    Ok(())
}

/// Ids for the texts and visitors the aggregates count, created on first use.
#[derive(Default)]
struct Terms {
    terms: HashMap<String, i64>,
    visitors: HashMap<String, i64>,
    /// Raw tokens (as written) to their word's id, or `None` for a word reports ignore.
    tokens: HashMap<String, Option<i64>>,
    key: String,
}

impl Terms {
    /// The id of the word a token of a subject or notes counts as (folded as the full-text
    /// index folds it), or `None` when it is not counted (stop word, short, a number).
    fn word(&mut self, tx: &Transaction<'_>, token: &str) -> Result<Option<i64>> {
        if let Some(id) = self.tokens.get(token) {
            return Ok(*id);
        }
        let word = super::words::fold_word(token);
        let id = if super::words::is_ignored(&word) { None } else { Some(self.term(tx, "w", &word)?) };
        self.tokens.insert(token.to_string(), id);
        Ok(id)
    }

    fn term(&mut self, tx: &Transaction<'_>, kind: &str, value: &str) -> Result<i64> {
        self.key.clear();
        self.key.push_str(kind);
        self.key.push('\t');
        self.key.push_str(value);
        if let Some(id) = self.terms.get(&self.key) {
            return Ok(*id);
        }
        let id = lookup(tx, "report_terms", "term", &self.key)?;
        self.terms.insert(self.key.clone(), id);
        Ok(id)
    }

    fn visitor(&mut self, tx: &Transaction<'_>, visitor: &str) -> Result<i64> {
        if let Some(id) = self.visitors.get(visitor) {
            return Ok(*id);
        }
        let id = lookup(tx, "report_visitors", "visitor_id", visitor)?;
        self.visitors.insert(visitor.to_string(), id);
        Ok(id)
    }
}

fn lookup(tx: &Transaction<'_>, table: &str, column: &str, value: &str) -> Result<i64> {
    use rusqlite::OptionalExtension;
    let known: Option<i64> = tx
        .prepare_cached(&format!("SELECT id FROM {table} WHERE {column} = ?1"))?
        .query_row([value], |r| r.get(0))
        .optional()?;
    if let Some(id) = known {
        return Ok(id);
    }
    tx.prepare_cached(&format!("INSERT INTO {table}({column}) VALUES (?1)"))?.execute([value])?;
    Ok(tx.last_insert_rowid())
}

/// The texts behind term ids (kind and value), for a report's labels.
pub(crate) fn term_texts(tx: &Transaction<'_>) -> Result<HashMap<i64, String>> {
    let mut st = tx.prepare("SELECT id, term FROM report_terms")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// (id, count) pairs sorted by id, ids delta-encoded.
fn encode_counts(counts: &HashMap<i64, i64>) -> Vec<u8> {
    let mut ids: Vec<(&i64, &i64)> = counts.iter().filter(|(_, n)| **n != 0).collect();
    ids.sort_unstable();
    let mut out = Vec::with_capacity(ids.len() * 3);
    let mut prev = 0i64;
    for (id, n) in ids {
        put_varint(&mut out, (id - prev) as u64);
        put_varint(&mut out, *n as u64);
        prev = *id;
    }
    out
}

/// Calls `f(id, count)` for every pair of an [`encode_counts`] column.
pub(crate) fn decode_counts(bytes: &[u8], mut f: impl FnMut(i64, i64)) -> Result<()> {
    let (mut pos, mut id) = (0, 0i64);
    while pos < bytes.len() {
        id += get_varint(bytes, &mut pos).ok_or_else(damaged)? as i64;
        f(id, get_varint(bytes, &mut pos).ok_or_else(damaged)? as i64);
    }
    Ok(())
}

/// (id, occurrences, in subjects, in notes) sorted by id.
fn encode_words(words: &HashMap<i64, [i64; 3]>) -> Vec<u8> {
    let mut ids: Vec<(&i64, &[i64; 3])> = words.iter().filter(|(_, c)| c[0] != 0).collect();
    ids.sort_unstable();
    let mut out = Vec::with_capacity(ids.len() * 4);
    let mut prev = 0i64;
    for (id, c) in ids {
        put_varint(&mut out, (id - prev) as u64);
        for n in c {
            put_varint(&mut out, *n as u64);
        }
        prev = *id;
    }
    out
}

/// Calls `f(id, [occurrences, in subjects, in notes])` for every entry of a words column.
pub(crate) fn decode_words(bytes: &[u8], mut f: impl FnMut(i64, [i64; 3])) -> Result<()> {
    let (mut pos, mut id) = (0, 0i64);
    while pos < bytes.len() {
        id += get_varint(bytes, &mut pos).ok_or_else(damaged)? as i64;
        let mut c = [0i64; 3];
        for n in c.iter_mut() {
            *n = get_varint(bytes, &mut pos).ok_or_else(damaged)? as i64;
        }
        f(id, c);
    }
    Ok(())
}

fn damaged() -> crate::Error {
    crate::Error::Invalid {
        field: "report_days",
        reason: "a stored aggregate is damaged; delete the rows of tables report_days and report_months to rebuild them"
            .into(),
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f).checked_shl(shift)?;
        if b < 0x80 {
            return Some(v);
        }
        shift += 7;
    }
}

/// Sorted values as (delta, count) varint pairs; the first value zigzag-encoded.
fn encode(values: &mut [i64]) -> Vec<u8> {
    values.sort_unstable();
    let mut out = Vec::with_capacity(values.len() * 2);
    let mut i = 0;
    let mut prev: Option<i64> = None;
    while i < values.len() {
        let v = values[i];
        let mut j = i + 1;
        while j < values.len() && values[j] == v {
            j += 1;
        }
        match prev {
            None => put_varint(&mut out, ((v << 1) ^ (v >> 63)) as u64),
            Some(p) => put_varint(&mut out, v.wrapping_sub(p) as u64),
        }
        put_varint(&mut out, (j - i) as u64);
        prev = Some(v);
        i = j;
    }
    out
}

/// A multiset of whole seconds (waiting times or durations), merged from aggregate rows:
/// counts in a dense array for the plausible range, a map beyond it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Multiset {
    dense: Vec<u64>,
    sparse: BTreeMap<i64, u64>,
    count: i64,
    sum: i64,
}

/// Values counted densely: up to the longest plausible timing (12 hours).
const DENSE: usize = 12 * 3600 + 1;

impl Multiset {
    fn add(&mut self, v: i64, n: u64) {
        self.count += n as i64;
        self.sum += v * n as i64;
        match usize::try_from(v) {
            Ok(i) if i < DENSE => {
                if self.dense.is_empty() {
                    self.dense = vec![0; DENSE];
                }
                self.dense[i] += n;
            }
            _ => *self.sparse.entry(v).or_default() += n,
        }
    }

    /// Adds the values of an encoded column; refuses a malformed one.
    pub fn add_encoded(&mut self, bytes: &[u8]) -> Result<()> {
        let mut pos = 0;
        let mut prev: Option<i64> = None;
        while pos < bytes.len() {
            let raw = get_varint(bytes, &mut pos).ok_or_else(damaged)?;
            let v = match prev {
                None => ((raw >> 1) as i64) ^ -((raw & 1) as i64),
                Some(p) => p.wrapping_add(raw as i64),
            };
            let n = get_varint(bytes, &mut pos).ok_or_else(damaged)?;
            self.add(v, n);
            prev = Some(v);
        }
        Ok(())
    }

    /// Adds another multiset.
    pub fn merge(&mut self, other: &Multiset) {
        if !other.dense.is_empty() {
            if self.dense.is_empty() {
                self.dense = vec![0; DENSE];
            }
            for (a, b) in self.dense.iter_mut().zip(&other.dense) {
                *a += b;
            }
        }
        for (v, n) in &other.sparse {
            *self.sparse.entry(*v).or_default() += n;
        }
        self.count += other.count;
        self.sum += other.sum;
    }

    /// How many values.
    pub fn count(&self) -> i64 {
        self.count
    }

    /// Their sum.
    pub fn sum(&self) -> i64 {
        self.sum
    }

    /// The value at `rank` (0-based) in ascending order.
    fn nth(&self, rank: u64) -> Option<i64> {
        let mut seen = 0u64;
        let below = self.sparse.range(..0).map(|(v, n)| (*v, *n));
        let dense = self.dense.iter().enumerate().filter(|(_, n)| **n > 0).map(|(v, n)| (v as i64, *n));
        let above = self.sparse.range(0..).map(|(v, n)| (*v, *n));
        for (v, n) in below.chain(dense).chain(above) {
            seen += n;
            if seen > rank {
                return Some(v);
            }
        }
        None
    }

    /// The median, as [`super::median`] computes it from the values themselves.
    pub fn median(&self) -> Option<f64> {
        let n = self.count as u64;
        if n == 0 {
            return None;
        }
        let upper = self.nth(n / 2)?;
        if n % 2 == 1 {
            return Some(upper as f64);
        }
        let lower = self.nth(n / 2 - 1)?;
        Some((lower + upper) as f64 / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multisets_round_trip_and_give_exact_medians() {
        let mut values = vec![600, 30, 43_200, 50_000, 600, 0, 1_500, 7];
        let mut m = Multiset::default();
        m.add_encoded(&encode(&mut values.clone())).expect("decode");
        assert_eq!(m.count(), 8);
        assert_eq!(m.sum(), values.iter().sum::<i64>());
        assert_eq!(m.median(), super::super::median(&mut values));
        let odd = vec![-5, 9, 9];
        let mut o = Multiset::default();
        o.add_encoded(&encode(&mut odd.clone())).expect("decode");
        assert_eq!(o.median(), Some(9.0));
        m.merge(&o);
        let mut all: Vec<i64> = values.iter().chain(&odd).copied().collect();
        assert_eq!(m.median(), super::super::median(&mut all));
        assert!(Multiset::default().median().is_none());
        assert!(Multiset::default().add_encoded(&[0x80]).is_err(), "a truncated varint is refused");
    }

    #[test]
    fn utc_days_cover_every_instant_once() {
        for at in [-DAY_MS - 5, -DAY_MS, -1, 0, 1, DAY_MS - 1, DAY_MS, 5 * DAY_MS + 7] {
            let u = at / DAY_MS;
            let (a, b) = utc_range(u);
            assert!(a <= at && at < b, "{at} in day {u}: [{a}, {b})");
        }
    }
}
