//! The most frequent words in subjects and officers' notes, from the full-text index, without
//! Indonesian stop words.
//!
//! The counts come from an `fts5vocab` table over `session_fts` (created per connection in the
//! `temp` schema, so the database file is not changed). The vocabulary covers every indexed
//! session, so a report over part of them tokenises the smaller side itself: the sessions in
//! scope, or the vocabulary minus the sessions out of scope (which also removes invalid
//! sessions). The tokeniser below follows the index's (`unicode61 remove_diacritics 2`):
//! letters and digits form words, everything else separates them, case and Latin accents fold.

use std::collections::HashMap;

use rusqlite::Transaction;
use serde::Serialize;

use super::Scope;
use crate::Result;

/// Words that say nothing about the matter discussed: function words, pronouns, forms of
/// address and common chat abbreviations.
pub const STOP_WORDS: &[&str] = &[
    "ada",
    "adalah",
    "agar",
    "akan",
    "anda",
    "antara",
    "apa",
    "apabila",
    "apakah",
    "atas",
    "atau",
    "bagaimana",
    "bagi",
    "bahwa",
    "bapak",
    "beliau",
    "belum",
    "bisa",
    "bu",
    "dalam",
    "dan",
    "dapat",
    "dari",
    "dengan",
    "dgn",
    "di",
    "dia",
    "dll",
    "dsb",
    "hal",
    "hanya",
    "harus",
    "hingga",
    "ia",
    "ibu",
    "ingin",
    "ini",
    "itu",
    "jika",
    "juga",
    "kah",
    "kami",
    "kapan",
    "karena",
    "ke",
    "kenapa",
    "kepada",
    "ketika",
    "kita",
    "lah",
    "lalu",
    "lebih",
    "maka",
    "mana",
    "masih",
    "melalui",
    "mengapa",
    "mengenai",
    "mereka",
    "mohon",
    "namun",
    "nya",
    "oleh",
    "pada",
    "pak",
    "para",
    "per",
    "perlu",
    "pun",
    "saat",
    "sama",
    "sampai",
    "sangat",
    "saya",
    "sdh",
    "se",
    "sebagai",
    "sebelum",
    "secara",
    "sedang",
    "sehingga",
    "sejak",
    "serta",
    "setelah",
    "siapa",
    "sudah",
    "supaya",
    "tapi",
    "tdk",
    "telah",
    "tentang",
    "terhadap",
    "terkait",
    "tersebut",
    "tetapi",
    "tidak",
    "tsb",
    "untuk",
    "utk",
    "ya",
    "yaitu",
    "yakni",
    "yang",
    "yg",
];

/// Whether a word is left out of the counts: a stop word, shorter than three characters, or
/// only digits (codes and years).
pub fn is_ignored(word: &str) -> bool {
    let short = if word.is_ascii() { word.len() < 3 } else { word.chars().count() < 3 };
    short || word.chars().all(|c| c.is_numeric()) || STOP_WORDS.binary_search(&word).is_ok()
}

/// How often a word occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordCount {
    /// The word, folded as the index folds it (lower case, without accents).
    pub word: String,
    /// Occurrences in subjects and notes together.
    pub occurrences: i64,
    /// Sessions whose subject contains it.
    pub in_subjects: i64,
    /// Sessions whose notes contain it.
    pub in_notes: i64,
}

fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    // Latin-1 and Latin Extended-A letters with diacritics, as remove_diacritics folds them.
    const FROM: &str =
        "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżž";
    const TO: &str =
        "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnoooooooooorrrsssstttuuuuuuuuuuwyyyzzz";
    match FROM.chars().position(|f| f == c) {
        Some(i) => TO.chars().nth(i).unwrap_or(c),
        None => c,
    }
}

/// The words of a text as the index sees them.
pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| {
        let mut out = String::with_capacity(w.len());
        fold_into(w, &mut out);
        out
    })
}

fn fold_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
    } else {
        out.extend(word.chars().flat_map(char::to_lowercase).map(fold_char));
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    occurrences: i64,
    in_subjects: i64,
    in_notes: i64,
    /// The last row (numbered from 1) whose subject, and whose notes, counted this word.
    last_subject: u64,
    last_notes: u64,
}

impl Counts {
    fn subtract(&mut self, o: &Counts) {
        self.occurrences -= o.occurrences;
        self.in_subjects -= o.in_subjects;
        self.in_notes -= o.in_notes;
    }
}

/// Adds the words of one session's subject and notes; `row` numbers the sessions from 1.
/// `buf` is reused so that known words cost no allocation.
/// A token folded as the index folds it (lower case, Latin accents removed).
pub(crate) fn fold_word(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    fold_into(word, &mut out);
    out
}

fn tally(into: &mut HashMap<String, Counts>, row: u64, subject: &str, notes: &str, buf: &mut String) {
    for (text, is_subject) in [(subject, true), (notes, false)] {
        for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            buf.clear();
            fold_into(w, buf);
            if is_ignored(buf) {
                continue;
            }
            let c = match into.get_mut(buf.as_str()) {
                Some(c) => c,
                None => into.entry(buf.clone()).or_default(),
            };
            c.occurrences += 1;
            if is_subject && c.last_subject != row {
                c.last_subject = row;
                c.in_subjects += 1;
            } else if !is_subject && c.last_notes != row {
                c.last_notes = row;
                c.in_notes += 1;
            }
        }
    }
}

/// Tokenises the subject and notes of the indexed sessions that match `cond` (alias `s` for
/// `sessions`).
///
/// The text is read from the index's content table (`session_fts_content`, columns c0..c2 in
/// the order subject, description, notes): a plain B-tree join, several times faster than a
/// lookup through the full-text table per row. CROSS JOIN keeps `sessions` outside, so only
/// the rows in scope are read.
fn tokenise_where(tx: &Transaction<'_>, cond: &str, scope: &Scope) -> Result<HashMap<String, Counts>> {
    let mut out = HashMap::new();
    let (mut row, mut buf) = (0u64, String::new());
    let content: bool = tx.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'session_fts_content'",
        [],
        |r| r.get(0),
    )?;
    let source = if content {
        "sessions s CROSS JOIN session_fts_content f ON f.id = s.rowid"
    } else {
        "sessions s CROSS JOIN session_fts f ON f.rowid = s.rowid"
    };
    let columns = if content { "f.c0, f.c2" } else { "f.subject, f.notes" };
    let mut st = tx.prepare(&format!("SELECT {columns} FROM {source} WHERE {cond}"))?;
    let mut rows = st.query(scope.params())?;
    while let Some(r) = rows.next()? {
        let subject = super::row_str(r, 0)?;
        let notes = super::row_str(r, 1)?;
        row += 1;
        tally(&mut out, row, subject, notes, &mut buf);
    }
    Ok(out)
}

/// Counts from the whole index through the vocabulary table.
fn vocabulary(tx: &Transaction<'_>) -> Result<HashMap<String, Counts>> {
    tx.execute_batch(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.session_vocab USING fts5vocab(main, session_fts, 'col');",
    )?;
    let mut out: HashMap<String, Counts> = HashMap::new();
    let mut st =
        tx.prepare("SELECT term, col, doc, cnt FROM temp.session_vocab WHERE col IN ('subject', 'notes')")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let term = super::row_str(r, 0)?;
        if is_ignored(term) {
            continue;
        }
        let c = match out.get_mut(term) {
            Some(c) => c,
            None => out.entry(term.to_string()).or_default(),
        };
        let (doc, cnt): (i64, i64) = (r.get(2)?, r.get(3)?);
        c.occurrences += cnt;
        if super::row_str(r, 1)? == "subject" {
            c.in_subjects += doc;
        } else {
            c.in_notes += doc;
        }
    }
    Ok(out)
}

/// The `limit` most frequent words of the sessions in `scope`.
pub(crate) fn top_words(tx: &Transaction<'_>, scope: &Scope, limit: usize) -> Result<Vec<WordCount>> {
    let in_scope: i64 =
        tx.query_row(&format!("SELECT COUNT(*) FROM sessions s WHERE {}", scope.sql), scope.params(), |r| {
            r.get(0)
        })?;
    let indexed: i64 = tx.query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))?;
    let counts = if in_scope * 2 <= indexed {
        tokenise_where(tx, &scope.sql, scope)?
    } else {
        let mut all = vocabulary(tx)?;
        // COALESCE: a NULL comparison (an unassigned session under an officer filter) is out of
        // scope too.
        let outside = tokenise_where(tx, &format!("NOT COALESCE(({}), 0)", scope.sql), scope)?;
        for (w, c) in outside {
            all.entry(w).or_default().subtract(&c);
        }
        all
    };
    let mut words: Vec<WordCount> = counts
        .into_iter()
        .filter(|(_, c)| c.occurrences > 0)
        .map(|(word, c)| WordCount {
            word,
            occurrences: c.occurrences,
            in_subjects: c.in_subjects.max(0),
            in_notes: c.in_notes.max(0),
        })
        .collect();
    words.sort_by(|a, b| b.occurrences.cmp(&a.occurrences).then_with(|| a.word.cmp(&b.word)));
    words.truncate(limit);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_fold_like_the_index() {
        let t: Vec<String> = tokens("E-Purchasing: Katalog  Élektronik, PAKET-2026!").collect();
        assert_eq!(t, ["e", "purchasing", "katalog", "elektronik", "paket", "2026"]);
        assert!(is_ignored("yang") && is_ignored("e") && is_ignored("2026") && is_ignored("terkait"));
        assert!(!is_ignored("katalog"));
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]), "sorted for binary search");
    }
}
