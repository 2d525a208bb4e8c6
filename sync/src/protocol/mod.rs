//! The sync protocol: how two members find what differs between their stores and move it,
//! written as a sans-I/O state machine ([`Session`]) and a message codec ([`message`]).
//!
//! # Walkthrough
//!
//! Every store keeps a *feed*: each time a document's heads change (a local edit or a merge
//! of something received) or a visitor key record changes, the item gets a new local sequence
//! number (`seq`). Each PC also remembers, per peer, a *checkpoint*: the peer's feed epoch and
//! the position in the peer's feed up to which it has applied everything the peer offered.
//!
//! A session runs over one bidirectional QUIC stream, with a reader and a writer task apart.
//! Both directions are symmetric and run at once; below, A offers and B receives.
//!
//! 1. **Hello**, both ways, without waiting for the other: protocol version, office id, node
//!    id, the sender's feed epoch and position, and `checkpoint_for_you`: the receiver's epoch
//!    as the sender recorded it and the receiver's position it has fully applied. A different
//!    version or office ends the session with a reason both sides show; a node id that is not
//!    the key the transport verified is a protocol violation.
//! 2. A checks B's `checkpoint_for_you`: if its epoch is A's current epoch and its position is
//!    not beyond A's feed, A offers from there; otherwise (A's database was restored from a
//!    backup, or reset) A offers everything, from 0. This is also the fallback whenever a
//!    checkpoint is lost. B applies the same rule to decide where it stands.
//! 3. **Offer** chunks (document id, kind, heads; visitor key id and a digest of the record's
//!    state), then **OfferEnd { upto }**, where `upto` is A's feed position the round covers
//!    (feed numbers have gaps, so `upto` can be past the last item).
//! 4. B checks each offered document: same heads: nothing to do. Otherwise B answers **Need**
//!    (document id, B's heads; or no heads if B lacks the document), without loading the
//!    document to check whether B is ahead (rare, and then A's answer changes nothing), and
//!    asks for key records it lacks or that differ. After the needs of a round, B sends
//!    **NeedEnd { upto }** — or, when it needed nothing in the round and waits for nothing
//!    earlier, skips steps 5–6 and answers **Applied** at once.
//! 5. A answers the needs in order with **Data**: batches of about 1 MiB (raw) of documents
//!    and key records in feed order, deflated as one batch (many small documents compress far
//!    better together than one by one). A document is the changes after B's heads when A
//!    knows all of them. Usually B is at a state A's stored bytes
//!    pass through (what it had at the last sync), and those changes are the stored bytes from
//!    there on, found without loading the document ([`docbytes::changes_after`]). Whole
//!    documents go with their columns uncompressed ([`docbytes::inflate_columns`]), and ids as
//!    text, the form the documents hold, so that the batch's deflate finds them twice.
//!
//!    When A lacks some of B's heads, the document changed on both sides (or B is ahead).
//!    Neither knows what the other lacks, so instead of the whole document the two run
//!    Automerge's sync protocol on it: **DocSync** messages (heads, Bloom filters of the
//!    changes each has, the changes the other lacks), both ways, until both report the same
//!    heads; what arrives is stored like any received changes. After the batches of a round,
//!    and once its exchanges are over (B then holds everything), **DataEnd { upto }**.
//! 6. B applies each batch as it arrives, keys first, with one store transaction per batch
//!    (all or nothing), so memory holds one batch at a time. On DataEnd everything up to
//!    `upto` is applied: B records the checkpoint `(A's epoch, upto)` and says **Applied
//!    { upto }**, which tells A how far B holds A's feed.
//!
//! Two stores already in sync: A's checkpoint for B equals B's position and the other way
//! round, so each side knows it from the other's Hello — one round trip, and the whole
//! exchange (Hellos, then an OfferEnd and an Applied each way) is under 300 bytes whatever the
//! stores' sizes.
//!
//! A peer whose store is empty (position 0) is sent everything without offers: A *pushes*
//! Data batches straight from its feed, then OfferEnd; the rest is as above. B learns each
//! pushed document's heads from its bytes (a document saved whole carries them), or from a
//! digest sent along when the bytes do not say them (changes saved after the document).
//!
//! Applying what A sent gives the documents new positions in B's feed. B offers them to A in
//! the same flight as its Applied (filtered out as echoes: an empty round), so that A's
//! checkpoint moves past them, but does not wait for A's answer: they hold nothing A lacks.
//!
//! **Live push.** The session stays open after catch-up. When the store changes (a commit in
//! this process, or a write by another process noticed by polling), the node calls
//! [`Session::local_changed`], and the next [`Session::poll_transmit`] offers the new feed
//! items; steps 3–6 follow. Applied remote changes get new local feed positions, so they are
//! offered onward to other peers: that is how a change reaches C through B when A and C never
//! meet. Each side remembers the heads (and key digests) the peer told it about, in offers or
//! pushed batches, and does not offer an item back whose state the peer is known to have.
//!
//! **Catching up on demand.** [`Session::request_sync`] sends **SyncRequest** (unless the
//! session is only starting: the Hellos then say how far each side must get); the peer runs
//! an offer round and answers **SyncReply { upto }** after its OfferEnd. The session is caught
//! up when its checkpoint reaches that `upto` and the peer's Applied reaches this side's
//! position at the request.
//!
//! **Bad input.** Every message is length-delimited (4-byte length, 16 MiB at most) and
//! checked by [`Message::decode`]: unknown tags, trailing bytes, too many items, oversized
//! text or batches are errors. A batch that does not inflate to its announced size, or whose
//! documents the store refuses, is applied not at all (the store applies a batch in one
//! transaction). Any such error ends the session: the driver logs it and closes the
//! connection with a [`CloseCode`](crate::transport::CloseCode) and the reason.
//!
//! **Cuts.** Nothing is recorded until it is applied, and a checkpoint only moves on a
//! DataEnd, so a connection cut at any point loses nothing: the next session re-offers from the
//! last checkpoint, and re-applying a document is harmless (merging is idempotent). A node
//! that shuts down sends what it has queued and ends its stream, and its peer handles what
//! came before the end, so the last Applied and offers of a sync still take effect.
//!
//! # Driving a session
//!
//! The session does blocking store calls (SQLite); an async driver runs it on a blocking
//! thread. The driver feeds received frames to [`Session::handle_bytes`], calls
//! [`Session::poll_transmit_bytes`] whenever its writer has room until it returns `None`, and
//! calls [`Session::local_changed`] when the store changes. [`harness`] does exactly this in
//! memory, deterministically, for tests.

pub mod docbytes;
pub mod message;
mod session;

#[cfg(any(test, feature = "fault-injection"))]
pub mod harness;

#[cfg(test)]
mod tests;

pub use message::{Message, MAX_MESSAGE_LEN, PROTOCOL_VERSION};
pub use session::{load_checkpoint, Session, SessionConfig, SessionEvent, SessionStats, CHECKPOINT_KEY};
