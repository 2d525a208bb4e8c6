//! Saved Automerge documents read and reshaped at the byte level, without loading them (a load
//! builds the whole operation set: about 0.1 ms for a session document).
//!
//! A saved document starts with a *document chunk* (see the Automerge binary format): magic
//! bytes, a 4-byte checksum, the chunk type (0), the data length, then the data: the actors,
//! the heads (32-byte change hashes), the metadata of the change columns and of the operation
//! columns (a column specification and a length each), the column data, and the head indexes.
//! Incremental changes saved later follow as further chunks.
//!
//! Two things are needed here:
//!
//! - [`document_heads`]: the heads of a whole document received in a batch, so that the
//!   receiver knows the sender's heads without them being sent again.
//! - [`inflate_columns`]: the same document with its deflated columns stored plainly, so that
//!   the batch's deflate sees the text of many documents at once (a stored document deflates
//!   each large column on its own, which leaves the second pass little to find). It gives what
//!   `AutoCommit::save_nocompress` gives, at a fraction of the cost.

use std::io::Read;

/// The magic bytes that start every chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// The chunk type of a document chunk.
const DOCUMENT: u8 = 0;

/// The bit of a column specification that says the column is deflated.
const DEFLATED: u64 = 0b1000;

/// The largest inflated document accepted (a safety bound; session documents are a few KiB).
const MAX_INFLATED: u64 = 64 * 1024 * 1024;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn uleb(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.pos)?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        let end = self.pos.checked_add(n)?;
        let out = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }
}

/// The parts of a document chunk.
struct DocumentChunk<'a> {
    /// Actors and heads, as stored.
    prefix: &'a [u8],
    heads: Vec<[u8; 32]>,
    change_columns: Vec<(u64, u64)>,
    op_columns: Vec<(u64, u64)>,
    change_data: &'a [u8],
    op_data: &'a [u8],
    /// Head indexes, as stored.
    suffix: &'a [u8],
    /// Chunks after this one (incremental changes), as stored.
    rest: &'a [u8],
}

fn columns(reader: &mut Reader<'_>) -> Option<Vec<(u64, u64)>> {
    let count = reader.uleb()?;
    // Each column takes at least two bytes of metadata: no allocation beyond the input.
    if count > (reader.bytes.len() / 2) as u64 {
        return None;
    }
    (0..count).map(|_| Some((reader.uleb()?, reader.uleb()?))).collect()
}

fn total(columns: &[(u64, u64)]) -> Option<u64> {
    columns.iter().try_fold(0u64, |sum, (_, len)| sum.checked_add(*len))
}

fn parse(bytes: &[u8]) -> Option<DocumentChunk<'_>> {
    let mut outer = Reader::new(bytes);
    if outer.take(4)? != MAGIC {
        return None;
    }
    outer.take(4)?; // checksum
    if outer.take(1)? != [DOCUMENT] {
        return None;
    }
    let len = outer.uleb()?;
    let data = outer.take(len)?;
    let rest = &bytes[outer.pos..];

    let mut reader = Reader::new(data);
    let actors = reader.uleb()?;
    for _ in 0..actors {
        let len = reader.uleb()?;
        reader.take(len)?;
    }
    let head_count = reader.uleb()?;
    let mut heads = Vec::new();
    for _ in 0..head_count {
        let mut head = [0u8; 32];
        head.copy_from_slice(reader.take(32)?);
        heads.push(head);
    }
    let prefix = &data[..reader.pos];
    let change_columns = columns(&mut reader)?;
    let op_columns = columns(&mut reader)?;
    let change_data = reader.take(total(&change_columns)?)?;
    let op_data = reader.take(total(&op_columns)?)?;
    let suffix = &data[reader.pos..];
    Some(DocumentChunk { prefix, heads, change_columns, op_columns, change_data, op_data, suffix, rest })
}

/// The heads recorded in the document chunk that starts `bytes`; `None` when `bytes` do not
/// start with a well-formed document chunk (changes, for example). The checksum is not
/// verified: loading the document does that.
pub fn document_heads(bytes: &[u8]) -> Option<Vec<[u8; 32]>> {
    parse(bytes).map(|chunk| chunk.heads)
}

/// The chunk type of an uncompressed change.
const CHANGE: u8 = 1;

/// Where, in stored document bytes (a document chunk followed by the changes saved since, in
/// the order they were made), the changes after `heads` start: the bytes from there on are
/// exactly what a peer at `heads` lacks, found without loading the document. `None` when
/// `heads` is not a state these bytes pass through (the peer has changes this PC lacks, or
/// is at a state older than the document chunk), or the bytes are not laid out so: the
/// caller then loads the document.
pub fn changes_after(bytes: &[u8], heads: &[[u8; 32]]) -> Option<usize> {
    let chunk = parse(bytes)?;
    let mut wanted: Vec<[u8; 32]> = heads.to_vec();
    wanted.sort_unstable();
    let mut current = chunk.heads;
    let mut at = bytes.len() - chunk.rest.len();
    loop {
        current.sort_unstable();
        if current == wanted {
            return Some(at);
        }
        // The next change: its hash (SHA-256 of its type, length and data) replaces its
        // dependencies among the heads.
        let mut reader = Reader::new(&bytes[at..]);
        if reader.take(4)? != MAGIC {
            return None;
        }
        reader.take(4)?;
        if reader.take(1)? != [CHANGE] {
            return None;
        }
        let len_start = reader.pos;
        let len = reader.uleb()?;
        let len_bytes = &bytes[at + len_start..at + reader.pos];
        let data = reader.take(len)?;
        let mut deps_reader = Reader::new(data);
        let dep_count = deps_reader.uleb()?;
        for _ in 0..dep_count {
            let dep = deps_reader.take(32)?;
            current.retain(|h| h[..] != *dep);
        }
        let mut context = ring::digest::Context::new(&ring::digest::SHA256);
        context.update(&[CHANGE]);
        context.update(len_bytes);
        context.update(data);
        let mut hash = [0u8; 32];
        hash.copy_from_slice(context.finish().as_ref());
        current.push(hash);
        at += reader.pos;
    }
}

fn write_uleb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Inflates the columns of one block of column data into `data_out` and writes their new
/// metadata into `meta_out`.
fn inflate_block(
    columns: &[(u64, u64)],
    block: &[u8],
    meta_out: &mut Vec<u8>,
    data_out: &mut Vec<u8>,
) -> Option<()> {
    write_uleb(meta_out, columns.len() as u64);
    let mut reader = Reader::new(block);
    for (spec, len) in columns {
        let column = reader.take(*len)?;
        let written = if spec & DEFLATED == 0 {
            data_out.extend_from_slice(column);
            column.len()
        } else {
            let before = data_out.len();
            flate2::read::DeflateDecoder::new(column).take(MAX_INFLATED).read_to_end(data_out).ok()?;
            data_out.len() - before
        };
        write_uleb(meta_out, spec & !DEFLATED);
        write_uleb(meta_out, written as u64);
    }
    Some(())
}

/// `bytes` with the deflated columns of the leading document chunk stored plainly (a new
/// header and checksum; following chunks kept as they are). Bytes that are not a document
/// chunk, or that have no deflated column, come back unchanged.
pub fn inflate_columns(bytes: Vec<u8>) -> Vec<u8> {
    match parse(&bytes) {
        Some(chunk)
            if chunk.change_columns.iter().chain(&chunk.op_columns).any(|(spec, _)| spec & DEFLATED != 0) =>
        {
            rebuild(&chunk).unwrap_or(bytes)
        }
        _ => bytes,
    }
}

fn rebuild(chunk: &DocumentChunk<'_>) -> Option<Vec<u8>> {
    let mut data = Vec::with_capacity((chunk.change_data.len() + chunk.op_data.len()) * 3);
    data.extend_from_slice(chunk.prefix);
    let mut column_data = Vec::with_capacity(data.capacity());
    inflate_block(&chunk.change_columns, chunk.change_data, &mut data, &mut column_data)?;
    inflate_block(&chunk.op_columns, chunk.op_data, &mut data, &mut column_data)?;
    data.extend_from_slice(&column_data);
    data.extend_from_slice(chunk.suffix);
    if data.len() as u64 > MAX_INFLATED {
        return None;
    }

    // The checksum: the first 4 bytes of SHA-256 over the chunk type, the length and the data.
    let mut len = Vec::with_capacity(5);
    write_uleb(&mut len, data.len() as u64);
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    context.update(&[DOCUMENT]);
    context.update(&len);
    context.update(&data);
    let hash = context.finish();

    let mut out = Vec::with_capacity(4 + 4 + 1 + len.len() + data.len() + chunk.rest.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&hash.as_ref()[..4]);
    out.push(DOCUMENT);
    out.extend_from_slice(&len);
    out.extend_from_slice(&data);
    out.extend_from_slice(chunk.rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ReadDoc, ROOT};

    use super::*;

    fn document(changes: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "notes", ObjType::Text).unwrap();
        doc.put(ROOT, "id", "0b8e5f52-7a7c-4a36-9a55-2a3cb1c5a3f1").unwrap();
        for i in 0..changes {
            doc.splice_text(&text, 0, 0, &"Penyedia menanyakan jadwal pemasukan dokumen. ".repeat(8))
                .unwrap();
            doc.put(ROOT, "round", i as i64).unwrap();
            doc.commit();
        }
        doc
    }

    #[test]
    fn inflated_documents_load_to_the_same_document() {
        for changes in [1, 3, 12] {
            let mut doc = document(changes);
            let saved = doc.save();
            let inflated = inflate_columns(saved.clone());
            assert!(inflated.len() > saved.len(), "{changes}: columns were deflated");
            assert_eq!(inflated, doc.save_nocompress(), "{changes}: what save_nocompress gives");
            let mut loaded = AutoCommit::load(&inflated).unwrap();
            assert_eq!(loaded.get_heads(), doc.get_heads());
            assert_eq!(loaded.save(), saved);
            let heads: Vec<[u8; 32]> = doc.get_heads().iter().map(|h| h.0).collect();
            assert_eq!(document_heads(&saved).unwrap(), heads);
            assert_eq!(document_heads(&inflated).unwrap(), heads);
        }
    }

    #[test]
    fn incremental_changes_after_the_document_are_kept() {
        let mut doc = document(2);
        let mut bytes = doc.save();
        doc.put(ROOT, "status", "finished").unwrap();
        bytes.extend(doc.save_incremental());
        let inflated = inflate_columns(bytes.clone());
        let mut loaded = AutoCommit::load(&inflated).unwrap();
        assert_eq!(loaded.get_heads(), doc.get_heads());
        assert_eq!(loaded.get(ROOT, "status").unwrap().unwrap().0.as_str(), Some("finished"));
    }

    #[test]
    fn changes_after_a_state_the_stored_bytes_pass_through_are_found_without_loading() {
        let mut doc = document(2);
        let mut stored = doc.save();
        let mut states = vec![(doc.get_heads(), stored.len())];
        for step in 0..4 {
            let before = doc.get_heads();
            doc.put(ROOT, "status", format!("step {step}")).unwrap();
            if step == 2 {
                // Two changes saved together.
                doc.commit();
                doc.put(ROOT, "other", step).unwrap();
            }
            doc.commit();
            stored.extend(doc.save_after(&before));
            states.push((doc.get_heads(), stored.len()));
        }
        for (heads, at) in &states {
            let wanted: Vec<[u8; 32]> = heads.iter().map(|h| h.0).collect();
            assert_eq!(changes_after(&stored, &wanted), Some(*at));
            // What the peer lacks brings it to the same document.
            let mut peer = AutoCommit::load(&stored[..*at]).unwrap();
            peer.load_incremental(&stored[*at..]).unwrap();
            assert_eq!(peer.get_heads(), doc.get_heads());
        }
        // A state these bytes do not pass through (a branch), no heads, junk: not found.
        let mut between = AutoCommit::load(&stored[..states[3].1]).unwrap();
        between.put(ROOT, "status", "elsewhere").unwrap();
        between.commit();
        let unknown: Vec<[u8; 32]> = between.get_heads().iter().map(|h| h.0).collect();
        assert_eq!(changes_after(&stored, &unknown), None);
        assert_eq!(changes_after(&stored, &[]), None);
        assert_eq!(changes_after(b"junk", &[[0; 32]]), None);
    }

    #[test]
    fn other_bytes_come_back_unchanged() {
        let mut doc = document(1);
        let heads = doc.get_heads();
        doc.put(ROOT, "status", "open").unwrap();
        let changes = doc.save_after(&heads);
        assert_eq!(inflate_columns(changes.clone()), changes);
        assert!(document_heads(&changes).is_none());
        for junk in [vec![], vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0, 0xff], vec![1, 2, 3]] {
            assert_eq!(inflate_columns(junk.clone()), junk);
            assert!(document_heads(&junk).is_none());
        }
        // Truncated documents are left alone (loading them fails with a clear error).
        let saved = document(2).save();
        for cut in [10, saved.len() / 2, saved.len() - 1] {
            assert_eq!(inflate_columns(saved[..cut].to_vec()), saved[..cut].to_vec());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        /// A peer's bytes go through `document_heads` before anything checks them: damaged or
        /// random input gives `None` or some answer, never a panic or a huge allocation.
        #[test]
        fn damaged_or_random_bytes_never_panic(
            cut in 0usize..4096,
            flips in proptest::collection::vec((0usize..4096, 0u8..=255), 0..6),
            noise in proptest::collection::vec(0u8..=255, 0..512),
            random in proptest::prelude::any::<bool>(),
        ) {
            let mut bytes = if random {
                noise
            } else {
                let mut doc = document(3);
                let mut b = doc.save();
                b.extend(doc.save_incremental());
                b
            };
            for (at, value) in flips {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] ^= value;
                }
            }
            bytes.truncate(cut.max(1).min(bytes.len()));
            let heads = document_heads(&bytes);
            let _ = changes_after(&bytes, &heads.unwrap_or_default());
            let _ = changes_after(&bytes, &[[7u8; 32]]);
            let _ = inflate_columns(bytes);
        }
    }
}
