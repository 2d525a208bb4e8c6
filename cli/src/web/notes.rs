//! The notes editor's save: the browser sends the text it started from (`base`) and its text
//! now (`mine`); the edit between them is applied to the stored text (`current`), which may
//! already hold edits from another PC. The result goes to the library's `edit_notes`, which
//! rewrites only the changed part of the Automerge text, so concurrent edits elsewhere merge.

/// Byte length of the common prefix of `a` and `b`, on a character boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices().zip(b.chars()).find(|((_, x), y)| x != y).map_or(a.len().min(b.len()), |((i, _), _)| i)
}

/// Byte length of the common suffix, not overlapping `limit_a`/`limit_b` bytes of prefix.
fn common_suffix(a: &str, b: &str, limit_a: usize, limit_b: usize) -> usize {
    let mut n = 0;
    for (x, y) in a[limit_a..].chars().rev().zip(b[limit_b..].chars().rev()) {
        if x != y {
            break;
        }
        n += x.len_utf8();
    }
    n
}

/// The last `n` characters of `s`.
fn tail(s: &str, n: usize) -> &str {
    let start = s.char_indices().rev().nth(n.saturating_sub(1)).map_or(0, |(i, _)| i);
    if n == 0 {
        ""
    } else {
        &s[start..]
    }
}

/// The first `n` characters of `s`.
fn head(s: &str, n: usize) -> &str {
    let end = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// The occurrence of `needle` in `hay` nearest to byte `near`.
fn find_near(hay: &str, needle: &str, near: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    hay.match_indices(needle).map(|(i, _)| i).min_by_key(|i| i.abs_diff(near))
}

/// Applies the edit `base → mine` to `current`.
pub fn merge(base: &str, mine: &str, current: &str) -> String {
    if mine == base {
        return current.to_string();
    }
    if current == base {
        return mine.to_string();
    }
    let p = common_prefix(base, mine);
    let s = common_suffix(base, mine, p, p);
    let del = &base[p..base.len() - s];
    let ins = &mine[p..mine.len() - s];
    const CONTEXT: usize = 24;
    let before = tail(&base[..p], CONTEXT);
    let after = head(&base[base.len() - s..], CONTEXT);
    // Where the deleted text (or the insertion point) sits in the current text.
    let pos = find_near(current, &format!("{before}{del}{after}"), p.saturating_sub(before.len()))
        .map(|i| i + before.len())
        .or_else(|| find_near(current, &format!("{before}{del}"), p - before.len()).map(|i| i + before.len()))
        .or_else(|| find_near(current, &format!("{del}{after}"), p))
        .filter(|&i| current.get(i..i + del.len()) == Some(del));
    match pos {
        Some(i) => format!("{}{ins}{}", &current[..i], &current[i + del.len()..]),
        // The edited place changed elsewhere too: keep the other text and add what was typed
        // here at the end, on its own line (nothing typed here is lost).
        None if ins.is_empty() => current.to_string(),
        None => {
            let sep = if current.is_empty() || current.ends_with('\n') { "" } else { "\n" };
            format!("{current}{sep}{ins}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merge;

    #[test]
    fn merges_edits_from_two_places() {
        let base = "Pertama.\nKedua.\nKetiga.";
        // This editor changed the second line; another PC appended a line meanwhile.
        let mine = "Pertama.\nKedua diubah.\nKetiga.";
        let current = "Pertama.\nKedua.\nKetiga.\nDari PC lain.";
        assert_eq!(merge(base, mine, current), "Pertama.\nKedua diubah.\nKetiga.\nDari PC lain.");
        // The other PC inserted before the edited place.
        let current = "Awal.\nPertama.\nKedua.\nKetiga.";
        assert_eq!(merge(base, mine, current), "Awal.\nPertama.\nKedua diubah.\nKetiga.");
    }

    #[test]
    fn no_change_keeps_the_stored_text_and_deletions_apply() {
        assert_eq!(merge("a", "a", "ab"), "ab");
        assert_eq!(merge("satu dua tiga", "satu tiga", "satu dua tiga empat"), "satu tiga empat");
        assert_eq!(merge("", "baru", ""), "baru");
        // Multibyte text.
        assert_eq!(merge("é ü", "é x ü", "é ü ñ"), "é x ü ñ");
    }

    #[test]
    fn a_conflicting_edit_loses_nothing_typed_here() {
        let out = merge("abc", "abXc", "zzz");
        assert_eq!(out, "zzz\nX");
    }
}
