//! What comes up most: sessions counted by category, topic (the subject, normalised), procurement
//! stage, OPD, package type and method; repeat visitors (a count only: no one is named); the most
//! frequent words in subjects and notes; and a search over them.

use std::collections::HashMap;

use serde::Serialize;

pub use super::words::WordCount;
use super::{share, words, Context, Period, ReportFilter, ReportHeader, Scope, NOT_FILLED};
use crate::export::{Cell, Table, Tabular};
use crate::model::{Category, Coded, Method, PackageType, Stage};
use crate::store::{SessionFilter, SessionRow};
use crate::{Error, Result, Store};

/// Sessions with one value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountRow {
    /// The stable code, for coded values; `None` for free text and for "not filled".
    pub code: Option<String>,
    /// The Indonesian label (or the text itself).
    pub label: String,
    /// Sessions.
    pub count: i64,
    /// Share of the report's sessions (0..1).
    pub share: Option<f64>,
}

/// Visitors who came more than once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepeatVisitors {
    /// Distinct visitors in the period.
    pub visitors: i64,
    /// Of those, visitors with two sessions or more.
    pub repeat_visitors: i64,
    /// Sessions of those repeat visitors.
    pub repeat_sessions: i64,
    /// Share of visitors who came again (0..1).
    pub share: Option<f64>,
}

/// The "what comes up most" report (*Permasalahan yang paling sering muncul*).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicsReport {
    /// Title, office, period, filter.
    pub header: ReportHeader,
    /// Sessions counted.
    pub sessions: i64,
    /// By category (all categories).
    pub by_category: Vec<CountRow>,
    /// By topic, most frequent first; the rest summed as "(lainnya)".
    pub by_topic: Vec<CountRow>,
    /// By procurement stage (all stages, then not filled).
    pub by_stage: Vec<CountRow>,
    /// By OPD, most frequent first.
    pub by_opd: Vec<CountRow>,
    /// By package type.
    pub by_package_type: Vec<CountRow>,
    /// By procurement method.
    pub by_method: Vec<CountRow>,
    /// Repeat visitors.
    pub repeat_visitors: RepeatVisitors,
    /// Most frequent words in subjects and notes (stop words left out).
    pub top_words: Vec<WordCount>,
}

/// Shown for the topics beyond the top ones.
pub const OTHERS: &str = "(lainnya)";

/// A topic or OPD as grouped: lower case, inner spaces collapsed, end punctuation dropped.
pub fn normalise_topic(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .join(" ")
        .trim_matches(|c: char| c.is_ascii_punctuation() && !matches!(c, '(' | ')'))
        .trim()
        .to_lowercase()
}

/// Counts per stored value (NULL or blank as one group), for few distinct values: a linear
/// search allocates nothing per row.
#[derive(Default)]
struct Few(Vec<(Option<String>, i64)>);

impl Few {
    fn add(&mut self, v: &str) {
        let v = v.trim();
        let v = (!v.is_empty()).then_some(v);
        match self.0.iter_mut().find(|(k, _)| k.as_deref() == v) {
            Some(e) => e.1 += 1,
            None => self.0.push((v.map(String::from), 1)),
        }
    }
}

/// Counts per stored text, for many distinct values.
#[derive(Default)]
struct Many(HashMap<String, i64>, i64);

impl Many {
    fn add(&mut self, v: &str) {
        let v = v.trim();
        if v.is_empty() {
            self.1 += 1;
        } else if let Some(n) = self.0.get_mut(v) {
            *n += 1;
        } else {
            self.0.insert(v.to_string(), 1);
        }
    }
    fn groups(self) -> Vec<(Option<String>, i64)> {
        let mut out: Vec<(Option<String>, i64)> = self.0.into_iter().map(|(k, n)| (Some(k), n)).collect();
        if self.1 > 0 {
            out.push((None, self.1));
        }
        out
    }
}

/// Rows for a coded column: every code in order (zeros kept), unknown codes after, then "not
/// filled" when any.
fn coded_rows<C: Coded>(groups: Vec<(Option<String>, i64)>, total: i64, keep_zero: bool) -> Vec<CountRow> {
    let mut out: Vec<CountRow> = Vec::new();
    let mut counts: HashMap<Option<String>, i64> = groups.into_iter().collect();
    for c in C::ALL {
        let n = counts.remove(&Some(c.code().to_string())).unwrap_or(0);
        if n > 0 || keep_zero {
            out.push(CountRow {
                code: Some(c.code().into()),
                label: c.label_id().into(),
                count: n,
                share: share(n, total),
            });
        }
    }
    let none = counts.remove(&None);
    let mut unknown: Vec<(Option<String>, i64)> = counts.into_iter().collect();
    unknown.sort();
    for (code, n) in unknown {
        let code = code.unwrap_or_default();
        out.push(CountRow { code: Some(code.clone()), label: code, count: n, share: share(n, total) });
    }
    if let Some(n) = none {
        out.push(CountRow { code: None, label: NOT_FILLED.into(), count: n, share: share(n, total) });
    }
    out
}

/// Rows for free text grouped by [`normalise_topic`], labelled with the most used spelling;
/// the `limit` largest, then the rest as "(lainnya)", then "not filled".
fn text_rows(groups: Vec<(Option<String>, i64)>, total: i64, limit: usize) -> Vec<CountRow> {
    let mut merged: HashMap<String, (i64, String, i64)> = HashMap::new();
    let mut none = 0;
    for (text, n) in groups {
        let Some(text) = text else {
            none += n;
            continue;
        };
        let key = normalise_topic(&text);
        if key.is_empty() {
            none += n;
            continue;
        }
        let spelling = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let e = merged.entry(key).or_insert((0, spelling.clone(), 0));
        e.0 += n;
        if n > e.2 || (n == e.2 && spelling < e.1) {
            e.1 = spelling;
            e.2 = n;
        }
    }
    let mut rows: Vec<(String, i64)> = merged.into_values().map(|(n, label, _)| (label, n)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let rest: i64 = rows.iter().skip(limit).map(|r| r.1).sum();
    rows.truncate(limit);
    let mut out: Vec<CountRow> = rows
        .into_iter()
        .map(|(label, n)| CountRow { code: None, label, count: n, share: share(n, total) })
        .collect();
    if rest > 0 {
        out.push(CountRow { code: None, label: OTHERS.into(), count: rest, share: share(rest, total) });
    }
    if none > 0 {
        out.push(CountRow { code: None, label: NOT_FILLED.into(), count: none, share: share(none, total) });
    }
    out
}

/// What came up most among the sessions that arrived in `period` and match `filter`: the
/// `limit` most frequent topics, OPDs and words.
///
/// Summed from the day aggregates ([`super::days`]): counts per stage, package type, method,
/// OPD and subject, sessions per visitor and word counts are kept per day, category and
/// officer, so a report over years reads month rows instead of every session and its text.
pub fn topics(store: &Store, period: &Period, filter: &ReportFilter, limit: usize) -> Result<TopicsReport> {
    let ctx = Context::new(store, "Permasalahan yang Paling Sering Muncul", period, filter)?;
    let mut total = 0i64;
    let mut category: Vec<(Option<String>, i64)> = Vec::new();
    let mut values: HashMap<i64, i64> = HashMap::new();
    let mut visits: Vec<u32> = Vec::new();
    let mut word_counts: HashMap<i64, [i64; 3]> = HashMap::new();
    super::days::for_each_with_topics(store, period, filter, |row| {
        let n = row.sessions();
        total += n;
        match category.iter_mut().find(|(c, _)| c.as_deref() == Some(row.category)) {
            Some(e) => e.1 += n,
            None => category.push((Some(row.category.to_string()), n)),
        }
        super::days::decode_counts(row.topic_values, |id, n| *values.entry(id).or_default() += n)?;
        super::days::decode_counts(row.visitors, |id, n| {
            let i = id.max(0) as usize;
            if i >= visits.len() {
                visits.resize(i + 1, 0);
            }
            visits[i] += n as u32;
        })?;
        super::days::decode_words(row.words, |id, c| {
            let w = word_counts.entry(id).or_default();
            for (x, y) in w.iter_mut().zip(c) {
                *x += y;
            }
        })
    })?;
    let texts = store.read(super::days::term_texts)?;
    // Back to the groups the projection scan makes: (value or None when empty, count).
    let mut groups: HashMap<&str, Vec<(Option<String>, i64)>> = HashMap::new();
    for (id, n) in &values {
        let Some((kind, value)) = texts.get(id).and_then(|t| t.split_once('\t')) else { continue };
        groups.entry(kind).or_default().push(((!value.is_empty()).then(|| value.to_string()), *n));
    }
    let mut take = |kind: &str| groups.remove(kind).unwrap_or_default();
    let (stage, kind, method, opd, subject) = (take("g"), take("t"), take("m"), take("o"), take("s"));
    let (mut visitors, mut repeat_visitors, mut repeat_sessions) = (0i64, 0i64, 0i64);
    for n in visits.iter().filter(|n| **n > 0) {
        visitors += 1;
        if *n >= 2 {
            repeat_visitors += 1;
            repeat_sessions += i64::from(*n);
        }
    }
    let mut top_words: Vec<WordCount> = word_counts
        .into_iter()
        .filter(|(_, c)| c[0] > 0)
        .filter_map(|(id, c)| {
            let word = texts.get(&id)?.strip_prefix("w\t")?.to_string();
            Some(WordCount { word, occurrences: c[0], in_subjects: c[1], in_notes: c[2] })
        })
        .collect();
    top_words.sort_by(|a, b| b.occurrences.cmp(&a.occurrences).then_with(|| a.word.cmp(&b.word)));
    top_words.truncate(limit);
    Ok(TopicsReport {
        sessions: total,
        by_category: coded_rows::<Category>(category, total, true)
            .into_iter()
            .filter(|r| filter.category.is_none_or(|c| r.code.as_deref() == Some(c.code())))
            .collect(),
        by_topic: text_rows(subject, total, limit),
        by_stage: coded_rows::<Stage>(stage, total, true),
        by_opd: text_rows(opd, total, limit),
        by_package_type: coded_rows::<PackageType>(kind, total, true),
        by_method: coded_rows::<Method>(method, total, true),
        repeat_visitors: RepeatVisitors {
            visitors,
            repeat_visitors,
            repeat_sessions,
            share: share(repeat_visitors, visitors),
        },
        top_words,
        header: ctx.header,
    })
}

/// [`topics`] computed straight from the projection (every session row and the full-text
/// index), without the day aggregates: the reference the aggregates are tested against.
#[doc(hidden)]
pub fn topics_from_projection(
    store: &Store,
    period: &Period,
    filter: &ReportFilter,
    limit: usize,
) -> Result<TopicsReport> {
    let ctx = Context::new(store, "Permasalahan yang Paling Sering Muncul", period, filter)?;
    let scope = Scope::sessions(ctx.tz, period, filter);
    store.read(|tx| {
        // One pass over the period's rows, counted here: a GROUP BY per column would sort them
        // all, once per column.
        let (mut category, mut stage, mut kind, mut method) =
            (Few::default(), Few::default(), Few::default(), Few::default());
        let (mut subject, mut opd) = (Many::default(), Many::default());
        let mut visits: HashMap<u128, u32> = HashMap::new();
        let mut st = tx.prepare(&format!(
            "SELECT s.category, s.subject, s.stage, s.opd, s.package_type, s.package_method, s.visitor_id
             FROM sessions s WHERE {}",
            scope.sql
        ))?;
        let mut rows = st.query(scope.params())?;
        let mut total = 0i64;
        while let Some(r) = rows.next()? {
            total += 1;
            category.add(super::row_str(r, 0)?);
            subject.add(super::row_str(r, 1)?);
            stage.add(super::row_str(r, 2)?);
            opd.add(super::row_str(r, 3)?);
            kind.add(super::row_str(r, 4)?);
            method.add(super::row_str(r, 5)?);
            let v = super::row_str(r, 6)?;
            let key = uuid::Uuid::parse_str(v).map(|u| u.as_u128()).unwrap_or_else(|_| {
                use std::hash::{BuildHasher, BuildHasherDefault};
                BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(v) as u128
            });
            *visits.entry(key).or_default() += 1;
        }
        let repeat = visits.values().filter(|n| **n >= 2);
        let (repeat_visitors, repeat_sessions) =
            repeat.fold((0i64, 0i64), |(v, s), n| (v + 1, s + *n as i64));
        let visitors = visits.len() as i64;
        Ok(TopicsReport {
            sessions: total,
            by_category: coded_rows::<Category>(category.0, total, true)
                .into_iter()
                .filter(|r| filter.category.is_none_or(|c| r.code.as_deref() == Some(c.code())))
                .collect(),
            by_topic: text_rows(subject.groups(), total, limit),
            by_stage: coded_rows::<Stage>(stage.0, total, true),
            by_opd: text_rows(opd.groups(), total, limit),
            by_package_type: coded_rows::<PackageType>(kind.0, total, true),
            by_method: coded_rows::<Method>(method.0, total, true),
            repeat_visitors: RepeatVisitors {
                visitors,
                repeat_visitors,
                repeat_sessions,
                share: share(repeat_visitors, visitors),
            },
            top_words: words::top_words(tx, &scope, limit)?,
            header: ctx.header,
        })
    })
}

/// Sessions whose subject, description or notes contain every word of `query` (a trailing `*`
/// searches a prefix), newest first, within `period` and `filter`. Punctuation and FTS syntax in
/// the query are read as word separators, so any text is safe; a query without any word is
/// refused. Visitors' names are resolved as the store shows them.
pub fn search(
    store: &Store,
    query: &str,
    period: &Period,
    filter: &ReportFilter,
    limit: Option<usize>,
) -> Result<Vec<SessionRow>> {
    period.check()?;
    let text = search_words(query);
    if text.is_empty() {
        return Err(Error::invalid("search", "give at least one word (letters or digits) to search for"));
    }
    store.list_sessions(&SessionFilter {
        category: filter.category,
        officer: filter.officer.as_ref().map(|n| n.to_string()),
        from: period.from,
        to: period.to,
        text: Some(text),
        limit,
        ..Default::default()
    })
}

/// The words of a query as the index splits them ("e-purchasing" is "e" and "purchasing"),
/// each keeping a trailing `*`.
fn search_words(query: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in query.chars() {
        if c.is_alphanumeric() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            if c == '*' {
                word.push('*');
            }
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out.join(" ")
}

fn count_table(name: &str, title: &str, what: &str, rows: &[CountRow]) -> Table {
    let mut t = Table::new(name, title, &[(what, 36.0), ("Jumlah layanan", 12.0), ("Persentase", 12.0)]);
    for r in rows {
        t.push(vec![Cell::text(&r.label), Cell::Int(r.count), Cell::opt_percent(r.share)]);
    }
    t
}

impl Tabular for TopicsReport {
    fn tables(&self) -> Vec<Table> {
        let mut words = Table::new(
            "Kata tersering",
            "Kata yang paling sering muncul (perihal dan catatan)",
            &[("Kata", 24.0), ("Kemunculan", 12.0), ("Dalam perihal", 12.0), ("Dalam catatan", 12.0)],
        );
        for w in &self.top_words {
            words.push(vec![
                Cell::text(&w.word),
                Cell::Int(w.occurrences),
                Cell::Int(w.in_subjects),
                Cell::Int(w.in_notes),
            ]);
        }
        let r = &self.repeat_visitors;
        let mut repeat = Table::new(
            "Pengunjung berulang",
            "Pengunjung yang datang lebih dari sekali",
            &[
                ("Pengunjung", 14.0),
                ("Datang ≥ 2 kali", 14.0),
                ("Layanan mereka", 14.0),
                ("Persentase", 12.0),
            ],
        );
        repeat.push(vec![
            Cell::Int(r.visitors),
            Cell::Int(r.repeat_visitors),
            Cell::Int(r.repeat_sessions),
            Cell::opt_percent(r.share),
        ]);
        vec![
            count_table("Perihal", "Perihal yang paling sering", "Perihal", &self.by_topic),
            count_table("Kategori", "Layanan per kategori", "Kategori", &self.by_category),
            count_table("Tahapan", "Layanan per tahapan pengadaan", "Tahapan pengadaan", &self.by_stage),
            count_table("OPD", "Layanan per OPD", "OPD", &self.by_opd),
            count_table(
                "Jenis paket",
                "Layanan per jenis pengadaan",
                "Jenis pengadaan",
                &self.by_package_type,
            ),
            count_table("Metode", "Layanan per metode pemilihan", "Metode pemilihan", &self.by_method),
            words,
            repeat,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_and_queries_normalise() {
        assert_eq!(normalise_topic("  Tata  cara E-Purchasing. "), "tata cara e-purchasing");
        assert_eq!(search_words("e-purchasing \"katalog\" OR NEAR(x"), "e purchasing katalog OR NEAR x");
        assert_eq!(search_words("tend* -- ;"), "tend*");
        assert_eq!(search_words("\"*()"), "");
    }
}
