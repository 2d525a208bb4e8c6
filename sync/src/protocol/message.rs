//! The sync protocol's messages and their codec: postcard (serde) for every message, a
//! hand-checked set of limits on top, and deflated document batches.
//!
//! Why postcard: the messages are small structs and enums whose shape changes with the protocol
//! version; serde derive keeps the encoder and decoder in step, postcard's varints keep them
//! compact (an empty offer is a few bytes), and its decoder is driven by the input alone (it
//! never trusts an announced length for more than the bytes that are actually there). What
//! serde cannot express (how many items a message may carry, how long a text may be) is checked
//! by [`Message::decode`] before anything else sees the message.

use serde::{Deserialize, Serialize};

use crate::error::DecodeError;

/// The version of the sync protocol this build speaks, sent in [`Hello`]. The transport's ALPN
/// (`amer/1`) names the family; this number must match exactly within it.
///
/// Version 2: batches hold documents and key records in feed order, with their ids as text
/// (the form the documents themselves hold, which the batch's deflate then finds twice), and a
/// whole document's heads digest only when its bytes do not say its heads.
pub const PROTOCOL_VERSION: u16 = 2;

/// The largest encoded message accepted or sent (the frame limit of the session's stream).
pub const MAX_MESSAGE_LEN: usize = 16 * 1024 * 1024;

/// The largest document batch once inflated.
pub const MAX_BATCH_RAW_LEN: usize = 64 * 1024 * 1024;

/// At most this many items in one [`Offer`].
pub const MAX_OFFER_ITEMS: usize = 4096;

/// At most this many documents (and as many key ids) in one [`Need`].
pub const MAX_NEED_ITEMS: usize = 4096;

/// At most this many documents or key records in one batch.
pub const MAX_BATCH_ITEMS: usize = 65_536;

/// At most this many heads for one document.
pub const MAX_HEADS: usize = 256;

/// The longest text field (epochs, erasure details) accepted.
pub const MAX_TEXT_LEN: usize = 1024;

/// At most this many session ids in one erasure record.
pub const MAX_KNOWN_SESSIONS: usize = 100_000;

/// A 16-byte id on the wire (document, office or visitor UUID).
pub type WireId = [u8; 16];

/// A 32-byte automerge change hash on the wire.
pub type WireHash = [u8; 32];

/// A digest of a document's heads or of a key record's state (first 16 bytes of SHA-256).
pub type Digest = [u8; 16];

/// Owned bytes that serde encodes as one byte string (a length and the bytes) instead of a
/// sequence of numbers, so that decoding a 256 KiB blob is one copy.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Blob(pub Vec<u8>);

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Blob;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Blob, E> {
                Ok(Blob(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Blob, E> {
                Ok(Blob(v))
            }
        }
        deserializer.deserialize_byte_buf(Visitor)
    }
}

/// A UUID (document or visitor id) written as its 36-character text inside deflated batches:
/// the documents hold their ids (and their visitors' ids) in that form, so the batch's deflate
/// finds the repeat and the id costs a few bytes instead of 16 random ones.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextId(pub WireId);

impl std::fmt::Debug for TextId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", uuid_from(self.0))
    }
}

impl Serialize for TextId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        serializer.serialize_str(uuid_from(self.0).hyphenated().encode_lower(&mut buf))
    }
}

impl<'de> Deserialize<'de> for TextId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = TextId;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a UUID in its hyphenated text form")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TextId, E> {
                if v.len() != uuid::fmt::Hyphenated::LENGTH {
                    return Err(E::custom("an id is not a hyphenated UUID"));
                }
                uuid::Uuid::try_parse(v)
                    .map(|u| TextId(*u.as_bytes()))
                    .map_err(|_| E::custom("an id is not a valid UUID"))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// The kind of a document on the wire (mirrors `amer_core::DocKind`, kept separate so that the
/// wire format changes only with the protocol version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WireKind {
    /// The office document.
    Office,
    /// A staff member.
    Staff,
    /// A service session.
    Session,
    /// A risk record.
    Risk,
}

impl From<amer_core::DocKind> for WireKind {
    fn from(kind: amer_core::DocKind) -> Self {
        match kind {
            amer_core::DocKind::Office => Self::Office,
            amer_core::DocKind::Staff => Self::Staff,
            amer_core::DocKind::Session => Self::Session,
            amer_core::DocKind::Risk => Self::Risk,
        }
    }
}

impl From<WireKind> for amer_core::DocKind {
    fn from(kind: WireKind) -> Self {
        match kind {
            WireKind::Office => Self::Office,
            WireKind::Staff => Self::Staff,
            WireKind::Session => Self::Session,
            WireKind::Risk => Self::Risk,
        }
    }
}

/// One message of a sync session. See the walkthrough in [`crate::protocol`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// The first message, both ways.
    Hello(Hello),
    /// Feed items the sender has after the checkpoint the receiver declared.
    Offer(Offer),
    /// The sender has offered everything up to `upto` (its feed position).
    OfferEnd {
        /// The sender's feed position this round covers.
        upto: u64,
    },
    /// What the receiver of offers lacks.
    Need(Need),
    /// Every need for the offers up to `upto` has been sent.
    NeedEnd {
        /// The `upto` of the offer round answered.
        upto: u64,
    },
    /// A deflated batch of documents and key records.
    Data(Data),
    /// Every batch answering the needs before the `NeedEnd { upto }` has been sent.
    DataEnd {
        /// The `upto` of the offer round answered.
        upto: u64,
    },
    /// The receiver applied everything up to `upto` and recorded it as its checkpoint.
    Applied {
        /// The sender's feed position now held by the receiver.
        upto: u64,
    },
    /// Asks the peer to offer what it has now and say up to where ([`Message::SyncReply`]).
    SyncRequest {
        /// Echoed in the reply.
        token: u64,
    },
    /// The peer's offers up to `upto` have been sent (answers [`Message::SyncRequest`]).
    SyncReply {
        /// The request's token.
        token: u64,
        /// The peer's feed position its offers now cover.
        upto: u64,
    },
    /// A message of Automerge's sync protocol about one document that changed on both sides
    /// (see [`crate::protocol`]).
    DocSync(DocSync),
}

/// One Automerge sync message about one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSync {
    /// Document id.
    pub id: WireId,
    /// Its kind.
    pub kind: WireKind,
    /// The encoded `automerge::sync::Message`.
    pub message: Blob,
}

impl Message {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Hello(_) => "Hello",
            Self::Offer(_) => "Offer",
            Self::OfferEnd { .. } => "OfferEnd",
            Self::Need(_) => "Need",
            Self::NeedEnd { .. } => "NeedEnd",
            Self::Data(_) => "Data",
            Self::DataEnd { .. } => "DataEnd",
            Self::Applied { .. } => "Applied",
            Self::SyncRequest { .. } => "SyncRequest",
            Self::SyncReply { .. } => "SyncReply",
            Self::DocSync(_) => "DocSync",
        }
    }

    /// Encodes the message. Fails only if it would exceed [`MAX_MESSAGE_LEN`].
    pub fn encode(&self) -> Result<Vec<u8>, DecodeError> {
        let bytes = postcard::to_allocvec(self)
            .map_err(|e| DecodeError::Malformed { detail: format!("cannot encode: {e}") })?;
        if bytes.len() > MAX_MESSAGE_LEN {
            return Err(DecodeError::TooLarge { len: bytes.len(), max: MAX_MESSAGE_LEN });
        }
        Ok(bytes)
    }

    /// Decodes and checks one message. Never panics; any input that is not exactly one valid
    /// message within the limits is an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() > MAX_MESSAGE_LEN {
            return Err(DecodeError::TooLarge { len: bytes.len(), max: MAX_MESSAGE_LEN });
        }
        let (message, rest): (Message, &[u8]) =
            postcard::take_from_bytes(bytes).map_err(|e| DecodeError::Malformed { detail: e.to_string() })?;
        if !rest.is_empty() {
            return Err(DecodeError::Malformed {
                detail: format!("{} unexpected bytes after a {} message", rest.len(), message.name()),
            });
        }
        message.check_limits()?;
        Ok(message)
    }

    fn check_limits(&self) -> Result<(), DecodeError> {
        let limit = |what: &'static str, count: usize, max: usize| {
            if count > max {
                Err(DecodeError::Limit { what, count, max })
            } else {
                Ok(())
            }
        };
        match self {
            Self::Hello(hello) => {
                limit("epoch characters", hello.epoch.len(), MAX_TEXT_LEN)?;
                if let Some(checkpoint) = &hello.checkpoint_for_you {
                    limit("epoch characters", checkpoint.epoch.len(), MAX_TEXT_LEN)?;
                }
            }
            Self::Offer(offer) => {
                limit("offered items", offer.items.len(), MAX_OFFER_ITEMS)?;
                for item in &offer.items {
                    if let OfferItem::Doc { heads, .. } = item {
                        limit("heads of one document", heads.len(), MAX_HEADS)?;
                    }
                }
            }
            Self::Need(need) => {
                limit("needed documents", need.docs.len(), MAX_NEED_ITEMS)?;
                limit("needed keys", need.keys.len(), MAX_NEED_ITEMS)?;
                for doc in &need.docs {
                    limit("heads of one document", doc.heads.len(), MAX_HEADS)?;
                }
            }
            Self::Data(data) => {
                limit("documents in a batch", data.docs as usize, MAX_BATCH_ITEMS)?;
                limit("key records in a batch", data.keys as usize, MAX_BATCH_ITEMS)?;
                limit("items in a batch", data.docs as usize + data.keys as usize, MAX_BATCH_ITEMS)?;
                limit("inflated batch bytes", data.raw_len as usize, MAX_BATCH_RAW_LEN)?;
            }
            Self::DocSync(_)
            | Self::OfferEnd { .. }
            | Self::NeedEnd { .. }
            | Self::DataEnd { .. }
            | Self::Applied { .. }
            | Self::SyncRequest { .. }
            | Self::SyncReply { .. } => {}
        }
        Ok(())
    }
}

/// The opening message: who the sender is and what it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`] of the sender.
    pub version: u16,
    /// The sender's office.
    pub office_id: WireId,
    /// The sender's node id (must match its certificate).
    pub node_id: [u8; 32],
    /// The sender's feed epoch (changes when its database is restored from a backup).
    pub epoch: String,
    /// The sender's feed position.
    pub seq: u64,
    /// What the sender holds of the receiver's feed: the receiver's epoch as the sender
    /// recorded it, and the receiver's feed position up to which it applied everything.
    pub checkpoint_for_you: Option<Checkpoint>,
}

/// A position in a peer's feed, valid only within that feed's epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The feed's epoch.
    pub epoch: String,
    /// The position.
    pub seq: u64,
}

/// A chunk of feed items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// The sender's feed position this chunk reaches (for progress figures).
    pub through: u64,
    /// The items.
    pub items: Vec<OfferItem>,
}

/// One offered feed item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OfferItem {
    /// A document and its heads at the sender.
    Doc {
        /// Document id.
        id: WireId,
        /// Its kind.
        kind: WireKind,
        /// Its heads at the sender.
        heads: Vec<WireHash>,
    },
    /// A visitor key record and a digest of its state at the sender.
    Key {
        /// Visitor id.
        id: WireId,
        /// Digest of the record's replicated state (never of the key itself).
        digest: u64,
    },
}

/// What the receiver of offers asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Need {
    /// Documents, each with the heads the asker has (empty: it has none of it).
    pub docs: Vec<NeedDoc>,
    /// Visitor key records.
    pub keys: Vec<WireId>,
}

/// One needed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedDoc {
    /// Document id.
    pub id: WireId,
    /// The heads the asker has.
    pub heads: Vec<WireHash>,
}

/// A deflated batch of documents and key records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Data {
    /// The sender's feed position this batch reaches, when it is pushed without offers (0
    /// otherwise); for progress figures.
    pub through: u64,
    /// Documents in the batch.
    pub docs: u32,
    /// Key records in the batch.
    pub keys: u32,
    /// Length of the batch once inflated.
    pub raw_len: u32,
    /// The deflated [`BatchBody`].
    pub deflated: Blob,
}

/// The content of a [`Data`] message once inflated: documents and key records in feed order
/// (a session's visitor key right after the session, whose document holds the visitor's id).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BatchBody {
    /// The items.
    pub items: Vec<BatchItem>,
}

impl BatchBody {
    /// Documents in the batch.
    pub fn doc_count(&self) -> usize {
        self.items.iter().filter(|i| matches!(i, BatchItem::Doc(_))).count()
    }

    /// Key records in the batch.
    pub fn key_count(&self) -> usize {
        self.items.len() - self.doc_count()
    }
}

/// One item of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchItem {
    /// A document.
    Doc(WireDoc),
    /// A visitor key record.
    Key(WireKey),
}

/// One document in a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireDoc {
    /// Document id.
    pub id: TextId,
    /// Its kind.
    pub kind: WireKind,
    /// Digest of the sender's heads for these bytes, when they are pushed without an offer
    /// (so that the receiver does not offer the document back) and do not say them
    /// themselves (a whole document saved in one piece carries its heads).
    pub heads_digest: Option<Digest>,
    /// Automerge bytes (a saved document, or changes).
    pub bytes: Blob,
}

/// A visitor key record on the wire (mirrors `amer_core::store::KeyRecord`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireKey {
    /// Visitor id.
    pub id: TextId,
    /// The data key, unless erased.
    pub key: Option<Blob>,
    /// Keyed hash of the phone number.
    pub phone_hash: Option<Blob>,
    /// Keyed hash of the NIK.
    pub nik_hash: Option<Blob>,
    /// Creation time (ms).
    pub created_at: i64,
    /// The tombstone, once erased.
    pub erased: Option<WireErasure>,
}

/// The tombstone of an erased visitor key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireErasure {
    /// When (ms).
    pub at: i64,
    /// Who (NIP).
    pub by: Option<String>,
    /// Request reference.
    pub request: Option<String>,
    /// Session ids the eraser knew.
    pub known_sessions: Vec<String>,
}

impl WireKey {
    /// The wire form of a key record.
    pub fn from_record(record: amer_core::store::KeyRecord) -> Self {
        Self {
            id: TextId(*record.visitor_id.0.as_bytes()),
            key: record.key.map(Blob),
            phone_hash: record.phone_hash.map(Blob),
            nik_hash: record.nik_hash.map(Blob),
            created_at: record.created_at,
            erased: record.erased.map(|e| WireErasure {
                at: e.at,
                by: e.by,
                request: e.request,
                known_sessions: e.known_sessions,
            }),
        }
    }

    /// The key record, after checking the sizes of its fields.
    pub fn into_record(self) -> Result<amer_core::store::KeyRecord, DecodeError> {
        let text_ok = |t: &Option<String>| t.as_ref().is_none_or(|t| t.len() <= MAX_TEXT_LEN);
        if let Some(e) = &self.erased {
            if !text_ok(&e.by) || !text_ok(&e.request) || e.known_sessions.len() > MAX_KNOWN_SESSIONS {
                return Err(DecodeError::Malformed { detail: "an erasure record is too large".to_owned() });
            }
        }
        let blob_ok = |b: &Option<Blob>| b.as_ref().is_none_or(|b| b.0.len() <= 64);
        if !blob_ok(&self.key) || !blob_ok(&self.phone_hash) || !blob_ok(&self.nik_hash) {
            return Err(DecodeError::Malformed { detail: "a key record field is too long".to_owned() });
        }
        Ok(amer_core::store::KeyRecord {
            visitor_id: amer_core::VisitorId(uuid_from(self.id.0)),
            key: self.key.map(|b| b.0),
            phone_hash: self.phone_hash.map(|b| b.0),
            nik_hash: self.nik_hash.map(|b| b.0),
            created_at: self.created_at,
            erased: self.erased.map(|e| amer_core::store::Erasure {
                at: e.at,
                by: e.by,
                request: e.request,
                known_sessions: e.known_sessions,
            }),
        })
    }
}

/// A UUID from its 16 wire bytes.
pub(crate) fn uuid_from(bytes: WireId) -> uuid::Uuid {
    uuid::Uuid::from_bytes(bytes)
}

/// Deflates and inflates batches, keeping its compressor and decompressor (and their buffers,
/// a few hundred KiB) from one batch to the next instead of allocating them for each.
pub struct BatchCodec {
    compress: flate2::Compress,
    decompress: flate2::Decompress,
}

impl std::fmt::Debug for BatchCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BatchCodec")
    }
}

impl BatchCodec {
    /// A codec deflating at `level` (0–9).
    pub fn new(level: u32) -> Self {
        Self {
            compress: flate2::Compress::new(flate2::Compression::new(level.min(9)), false),
            decompress: flate2::Decompress::new(false),
        }
    }

    /// Deflates a batch body; returns the raw length and the deflated bytes.
    pub fn deflate(&mut self, body: &BatchBody) -> Result<(u32, Vec<u8>), DecodeError> {
        let raw = postcard::to_allocvec(body)
            .map_err(|e| DecodeError::Malformed { detail: format!("cannot encode a batch: {e}") })?;
        let raw_len = u32::try_from(raw.len())
            .ok()
            .filter(|len| (*len as usize) <= MAX_BATCH_RAW_LEN)
            .ok_or(DecodeError::TooLarge { len: raw.len(), max: MAX_BATCH_RAW_LEN })?;
        let failed = |e: &dyn std::fmt::Display| DecodeError::Malformed {
            detail: format!("cannot deflate a batch: {e}"),
        };
        self.compress.reset();
        let mut out = Vec::with_capacity(raw.len() / 3 + 64);
        loop {
            let consumed = self.compress.total_in() as usize;
            let status = self
                .compress
                .compress_vec(&raw[consumed..], &mut out, flate2::FlushCompress::Finish)
                .map_err(|e| failed(&e))?;
            match status {
                flate2::Status::StreamEnd => return Ok((raw_len, out)),
                _ => out.reserve(out.capacity().max(1024)),
            }
        }
    }

    /// Inflates and decodes a batch, checking it against what the message announced. Memory
    /// grows with what actually inflates, never beyond the announced length.
    pub fn inflate(&mut self, data: &Data) -> Result<BatchBody, DecodeError> {
        let raw_len = data.raw_len as usize;
        if raw_len > MAX_BATCH_RAW_LEN {
            return Err(DecodeError::Limit {
                what: "inflated batch bytes",
                count: raw_len,
                max: MAX_BATCH_RAW_LEN,
            });
        }
        let malformed = |detail: String| DecodeError::Malformed { detail };
        self.decompress.reset(false);
        let input = &data.deflated.0[..];
        // One byte more than announced, to notice a batch that inflates to more.
        let limit = raw_len + 1;
        let mut raw = Vec::with_capacity(limit.min(1024 * 1024));
        loop {
            let consumed = self.decompress.total_in() as usize;
            let produced = self.decompress.total_out();
            let status = self
                .decompress
                .decompress_vec(
                    &input[consumed.min(input.len())..],
                    &mut raw,
                    flate2::FlushDecompress::Finish,
                )
                .map_err(|e| malformed(format!("the batch does not inflate: {e}")))?;
            if status == flate2::Status::StreamEnd {
                break;
            }
            if raw.len() >= limit {
                break;
            }
            if raw.len() == raw.capacity() {
                raw.reserve((raw.capacity() * 2).min(limit) - raw.len());
            } else if self.decompress.total_out() == produced
                && self.decompress.total_in() as usize == consumed
            {
                return Err(malformed("the batch does not inflate: it ends early".to_owned()));
            }
        }
        if raw.len() != raw_len {
            return Err(malformed(format!(
                "the batch inflates to {}{} bytes, not the announced {raw_len}",
                if raw.len() > raw_len { "more than " } else { "" },
                raw.len().min(raw_len)
            )));
        }
        let (body, rest): (BatchBody, &[u8]) = postcard::take_from_bytes(&raw)
            .map_err(|e| malformed(format!("the batch cannot be read: {e}")))?;
        if !rest.is_empty() {
            return Err(malformed("unexpected bytes after a batch".to_owned()));
        }
        let (docs, keys) = (body.doc_count(), body.key_count());
        if docs != data.docs as usize || keys != data.keys as usize {
            return Err(malformed(format!(
                "the batch holds {docs} documents and {keys} keys, not the announced {} and {}",
                data.docs, data.keys
            )));
        }
        Ok(body)
    }
}

/// Deflates a batch body with a new codec; returns the raw length and the deflated bytes.
pub fn deflate_batch(body: &BatchBody, level: u32) -> Result<(u32, Vec<u8>), DecodeError> {
    BatchCodec::new(level).deflate(body)
}

/// Inflates and decodes a batch with a new codec (see [`BatchCodec::inflate`]).
pub fn inflate_batch(data: &Data) -> Result<BatchBody, DecodeError> {
    BatchCodec::new(6).inflate(data)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    fn samples() -> Vec<Message> {
        vec![
            Message::Hello(Hello {
                version: PROTOCOL_VERSION,
                office_id: [7; 16],
                node_id: [9; 32],
                epoch: "4f7c0c8e-6a43-4a51-9d8e-0f1f2e3d4c5b".into(),
                seq: 123_456,
                checkpoint_for_you: Some(Checkpoint { epoch: "e".into(), seq: 5 }),
            }),
            Message::Offer(Offer {
                through: 10,
                items: vec![
                    OfferItem::Doc { id: [1; 16], kind: WireKind::Session, heads: vec![[2; 32]] },
                    OfferItem::Key { id: [3; 16], digest: 42 },
                ],
            }),
            Message::OfferEnd { upto: 10 },
            Message::Need(Need { docs: vec![NeedDoc { id: [1; 16], heads: vec![] }], keys: vec![[3; 16]] }),
            Message::NeedEnd { upto: 10 },
            Message::DataEnd { upto: 10 },
            Message::Applied { upto: 10 },
            Message::SyncRequest { token: 1 },
            Message::SyncReply { token: 1, upto: 10 },
            Message::DocSync(DocSync {
                id: [4; 16],
                kind: WireKind::Session,
                message: Blob(vec![0x42, 1, 2]),
            }),
        ]
    }

    #[test]
    fn messages_round_trip() {
        for message in samples() {
            let bytes = message.encode().unwrap();
            assert_eq!(Message::decode(&bytes).unwrap(), message);
        }
    }

    #[test]
    fn small_messages_are_small() {
        assert!(Message::OfferEnd { upto: 1_000_000 }.encode().unwrap().len() <= 5);
        let hello = &samples()[0];
        assert!(hello.encode().unwrap().len() < 140, "{}", hello.encode().unwrap().len());
    }

    #[test]
    fn trailing_bytes_and_unknown_tags_are_refused() {
        let mut bytes = Message::Applied { upto: 3 }.encode().unwrap();
        bytes.push(0);
        assert!(matches!(Message::decode(&bytes), Err(DecodeError::Malformed { .. })));
        assert!(matches!(Message::decode(&[200]), Err(DecodeError::Malformed { .. })));
        assert!(matches!(Message::decode(&[]), Err(DecodeError::Malformed { .. })));
    }

    #[test]
    fn limits_are_enforced() {
        let offer = Message::Offer(Offer {
            through: 0,
            items: vec![OfferItem::Key { id: [0; 16], digest: 0 }; MAX_OFFER_ITEMS + 1],
        });
        let bytes = postcard::to_allocvec(&offer).unwrap();
        assert!(matches!(Message::decode(&bytes), Err(DecodeError::Limit { what: "offered items", .. })));
    }

    #[test]
    fn batches_round_trip_and_bad_batches_are_refused() {
        let body = BatchBody {
            items: vec![
                BatchItem::Doc(WireDoc {
                    id: TextId([1; 16]),
                    kind: WireKind::Staff,
                    heads_digest: Some([4; 16]),
                    bytes: Blob(b"some bytes".repeat(100)),
                }),
                BatchItem::Key(WireKey {
                    id: TextId([2; 16]),
                    key: Some(Blob(vec![5; 32])),
                    phone_hash: None,
                    nik_hash: Some(Blob(vec![6; 32])),
                    created_at: 1,
                    erased: None,
                }),
            ],
        };
        let (raw_len, deflated) = deflate_batch(&body, 6).unwrap();
        let data = Data { through: 0, docs: 1, keys: 1, raw_len, deflated: Blob(deflated) };
        assert!(data.deflated.0.len() < raw_len as usize);
        let wire = Message::Data(data.clone()).encode().unwrap();
        let Message::Data(decoded) = Message::decode(&wire).unwrap() else { panic!("not data") };
        assert_eq!(inflate_batch(&decoded).unwrap(), body);

        let lying = Data { raw_len: raw_len - 1, ..data.clone() };
        assert!(inflate_batch(&lying).is_err());
        let miscounted = Data { docs: 2, ..data.clone() };
        assert!(inflate_batch(&miscounted).is_err());
        let garbage = Data { deflated: Blob(vec![0xff; 20]), ..data.clone() };
        assert!(inflate_batch(&garbage).is_err());
        let truncated =
            Data { deflated: Blob(data.deflated.0[..data.deflated.0.len() / 2].to_vec()), ..data.clone() };
        assert!(inflate_batch(&truncated).is_err());

        // One codec for many batches, both ways.
        let mut codec = BatchCodec::new(6);
        for round in 0..3u8 {
            let mut body = body.clone();
            if let BatchItem::Doc(doc) = &mut body.items[0] {
                doc.bytes = Blob(vec![round; 5000]);
            }
            let (raw_len, deflated) = codec.deflate(&body).unwrap();
            let data = Data { through: 0, docs: 1, keys: 1, raw_len, deflated: Blob(deflated) };
            assert_eq!(codec.inflate(&data).unwrap(), body);
        }
    }

    #[test]
    fn ids_in_batches_are_text_and_checked() {
        let id = TextId(*uuid::Uuid::new_v4().as_bytes());
        let text = uuid_from(id.0).to_string();
        let bytes = postcard::to_allocvec(&id).unwrap();
        assert_eq!(&bytes[1..], text.as_bytes());
        assert_eq!(postcard::from_bytes::<TextId>(&bytes).unwrap(), id);
        for bad in ["not a uuid", "0b8e5f52-7a7c-4a36-9a55-2a3cb1c5a3fz", "0b8e5f527a7c4a369a552a3cb1c5a3f1"]
        {
            let bytes = postcard::to_allocvec(bad).unwrap();
            assert!(postcard::from_bytes::<TextId>(&bytes).is_err(), "{bad}");
        }
    }

    /// Regression inputs found by the fuzz property below or written by hand.
    #[test]
    fn known_bad_inputs_do_not_panic() {
        let inputs: [&[u8]; 6] = [
            &[0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f],
            &[1, 0xff, 0xff, 0xff, 0xff, 0x0f],
            &[5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 1],
            &[3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            &[0xff, 0xff, 0xff, 0xff, 0x10],
            &[5, 0, 1, 1, 1],
        ];
        for input in inputs {
            if let Ok(Message::Data(data)) = Message::decode(input) {
                let _ = inflate_batch(&data);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Arbitrary bytes never panic the decoder, and what it accepts encodes again.
        #[test]
        fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(message) = Message::decode(&bytes) {
                prop_assert!(message.encode().is_ok());
                if let Message::Data(data) = message {
                    let _ = inflate_batch(&data);
                }
            }
        }

        /// Valid messages with bytes flipped never panic the decoder either.
        #[test]
        fn mutated_messages_never_panic(index in 0usize..10, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
            let mut bytes = samples()[index].encode().unwrap();
            for (at, value) in flips {
                let len = bytes.len();
                bytes[at % len] = value;
            }
            let _ = Message::decode(&bytes);
        }
    }
}
