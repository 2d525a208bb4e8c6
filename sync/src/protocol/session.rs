//! The sans-I/O sync session with one peer: messages in ([`Session::handle`]), messages out
//! ([`Session::poll_transmit`]), blocking store calls in between, no sockets, no clocks, no
//! async. The node drives it over a QUIC stream; the harness drives it in memory.

use std::collections::{HashMap, VecDeque};

use amer_core::store::{FeedBody, FeedItem, FeedKind, FeedRecord, KeyRecord};
use amer_core::{DocId, Store, VisitorId};
use automerge::sync::SyncDoc;
use automerge::{AutoCommit, ChangeHash};

use super::docbytes;
use super::message::{
    uuid_from, BatchBody, BatchCodec, BatchItem, Blob, Checkpoint, Data, Digest, DocSync, Hello, Message,
    Need, NeedDoc, Offer, OfferItem, TextId, WireDoc, WireHash, WireId, WireKey, WireKind, MAX_NEED_ITEMS,
    MAX_OFFER_ITEMS, PROTOCOL_VERSION,
};
use crate::error::{RefusalReason, SessionError};
use crate::identity::NodeId;

/// The `peer_state` key under which a peer's checkpoint is kept.
pub const CHECKPOINT_KEY: &str = "checkpoint";

/// Documents at most in Automerge sync exchanges at once with one peer.
const MAX_EXCHANGES: usize = 4096;

/// An Automerge sync exchange about one document that changed on both sides.
struct Exchange {
    kind: WireKind,
    doc: AutoCommit,
    state: automerge::sync::State,
    /// This side answers a need with this exchange: the round's DataEnd waits for it.
    gate: bool,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange").field("kind", &self.kind).field("gate", &self.gate).finish_non_exhaustive()
    }
}

/// Entries the echo filter keeps before it starts over (about 40 bytes each).
const ECHO_FILTER_CAPACITY: usize = 400_000;

/// Tunables of a session. The defaults suit a LAN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// The protocol version announced in Hello (only tests change it).
    pub version: u16,
    /// Raw (uncompressed) bytes of documents gathered before a batch is deflated and sent.
    pub batch_bytes: usize,
    /// Feed items read per offer chunk.
    pub offer_chunk: usize,
    /// Documents read from the store per call while building a batch.
    pub read_chunk: usize,
    /// Deflate level for batches (0–9).
    pub compression: u32,
    /// Send whole documents with their columns uncompressed, so that the batch's deflate sees
    /// the text of many documents at once (stored documents compress each column alone, which
    /// leaves little for a second pass). Done on the bytes, without loading the documents
    /// (see `docbytes`).
    pub expand_documents: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            version: PROTOCOL_VERSION,
            batch_bytes: 1024 * 1024,
            offer_chunk: 1024,
            read_chunk: 64,
            compression: 6,
            expand_documents: true,
        }
    }
}

/// Counters of one session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SessionStats {
    /// Documents sent in batches.
    pub docs_sent: u64,
    /// Documents received in batches.
    pub docs_received: u64,
    /// Received documents that changed something here.
    pub docs_changed: u64,
    /// Key records sent.
    pub keys_sent: u64,
    /// Key records received.
    pub keys_received: u64,
    /// Bytes sent (messages with their frame headers).
    pub bytes_sent: u64,
    /// Bytes received (messages with their frame headers).
    pub bytes_received: u64,
    /// Messages sent.
    pub messages_sent: u64,
    /// Messages received.
    pub messages_received: u64,
    /// Microseconds spent in the store applying received batches (`apply_docs`,
    /// `apply_key_records`).
    pub apply_micros: u64,
}

/// Something the driver may want to tell the user or other sessions about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// Received documents and keys were applied; `docs_changed + keys_changed > 0` means the
    /// store changed (other sessions should offer it onward).
    Applied {
        /// Documents received in the batch.
        docs: usize,
        /// Of which changed something here.
        docs_changed: usize,
        /// Key records received.
        keys: usize,
        /// Of which changed something here.
        keys_changed: usize,
    },
    /// Everything the peer offered up to its position `upto` is applied and recorded.
    CheckpointSaved {
        /// The peer's feed position.
        upto: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitingHello,
    Running,
}

/// What the peer asked of us, answered in order.
#[derive(Debug)]
enum Work {
    Need { docs: VecDeque<NeedDoc>, keys: VecDeque<WireId> },
    End(u64),
}

/// An offer round in progress: everything after `cursor` up to at least `now` gets offered.
#[derive(Debug)]
struct Round {
    now: u64,
    replies: Vec<u64>,
}

/// Pushing the whole feed without offers, to a peer whose store is empty.
#[derive(Debug)]
struct Push {
    cursor: u64,
    now: u64,
    pending: VecDeque<FeedRecord>,
    exhausted: bool,
}

/// What the peer is known to hold, so that its own items are not offered back to it.
#[derive(Debug, Default)]
struct EchoFilter {
    docs: HashMap<WireId, Digest>,
    keys: HashMap<WireId, u64>,
}

impl EchoFilter {
    fn room(&mut self) {
        if self.docs.len() + self.keys.len() >= ECHO_FILTER_CAPACITY {
            self.docs.clear();
            self.keys.clear();
        }
    }
    fn record_doc(&mut self, id: WireId, digest: Digest) {
        self.room();
        self.docs.insert(id, digest);
    }
    fn record_key(&mut self, id: WireId, digest: u64) {
        self.room();
        self.keys.insert(id, digest);
    }
    fn peer_has_doc(&self, id: &WireId, digest: &Digest) -> bool {
        self.docs.get(id) == Some(digest)
    }
    fn peer_has_key(&self, id: &WireId, digest: u64) -> bool {
        self.keys.get(id) == Some(&digest)
    }
}

/// Which generator `poll_transmit` tries first, so that data and offers interleave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    Data,
    Offers,
}

/// One sync session with one peer, from Hello to the end of the connection.
///
/// Both directions run at once: this side offers its feed to the peer (outbound) and asks for
/// what the peer offers (inbound). See the walkthrough in [`crate::protocol`].
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    peer: NodeId,
    peer_hex: String,
    office: WireId,
    local_node: NodeId,
    epoch: String,
    phase: Phase,
    outbox: VecDeque<Message>,
    turn: Turn,
    echo: EchoFilter,
    stats: SessionStats,
    events: Vec<SessionEvent>,
    codec: BatchCodec,
    exchanges: HashMap<WireId, Exchange>,

    // Inbound: the peer's feed.
    peer_epoch: String,
    /// The peer's feed position up to which everything is applied here.
    checkpoint: u64,
    inbound_base: u64,
    inbound_target: u64,
    inbound_through: u64,
    awaiting_data_end: VecDeque<u64>,
    last_offer_end: Option<u64>,
    sync_token: u64,
    outstanding_syncs: Vec<u64>,

    // Outbound: our feed.
    cursor: u64,
    round: Option<Round>,
    want_round: bool,
    force_round: bool,
    pending_replies: Vec<u64>,
    push: Option<Push>,
    work: VecDeque<Work>,
    peer_applied: u64,
    outbound_target: u64,
    /// Received data changed the store since the last offer round: the resulting feed
    /// positions must be offered too. Their items hold nothing the peer lacks (echoes, filtered
    /// out of the offers, or merges of what both sides already exchanged), so the catch-up
    /// does not wait for the peer to confirm them; but the peer's checkpoint must move past
    /// them, or the next session would offer them all again.
    applied_since_target: bool,
    /// The checkpoint moved and is not recorded in the store yet.
    checkpoint_dirty: bool,
    /// A Need was sent since the last OfferEnd.
    needs_in_round: bool,
}

impl Session {
    /// Starts a session with `peer` (whose key the transport checked): reads what Hello needs
    /// from the store and queues it.
    pub fn new(
        store: &Store,
        peer: NodeId,
        local_node: NodeId,
        config: SessionConfig,
    ) -> Result<Self, SessionError> {
        let local = store.local()?;
        let epoch = store.epoch()?;
        let seq = seq_u64(store.current_seq()?);
        let peer_hex = peer.full_hex();
        let recorded = load_checkpoint(store, &peer_hex)?;
        let hello = Hello {
            version: config.version,
            office_id: *local.office_id.0.as_bytes(),
            node_id: *local_node.as_bytes(),
            epoch: epoch.clone(),
            seq,
            checkpoint_for_you: recorded.clone(),
        };
        let codec = BatchCodec::new(config.compression);
        let mut session = Self {
            config,
            peer,
            peer_hex,
            office: *local.office_id.0.as_bytes(),
            local_node,
            epoch,
            phase: Phase::AwaitingHello,
            outbox: VecDeque::from([Message::Hello(hello)]),
            turn: Turn::Offers,
            echo: EchoFilter::default(),
            stats: SessionStats::default(),
            events: Vec::new(),
            codec,
            exchanges: HashMap::new(),
            peer_epoch: String::new(),
            checkpoint: 0,
            inbound_base: 0,
            inbound_target: 0,
            inbound_through: 0,
            awaiting_data_end: VecDeque::new(),
            last_offer_end: None,
            sync_token: 0,
            outstanding_syncs: Vec::new(),
            cursor: 0,
            round: None,
            want_round: false,
            force_round: false,
            pending_replies: Vec::new(),
            push: None,
            work: VecDeque::new(),
            peer_applied: 0,
            outbound_target: seq,
            applied_since_target: false,
            checkpoint_dirty: false,
            needs_in_round: false,
        };
        // What we told the peer we hold of its feed; confirmed against its Hello.
        if let Some(recorded) = recorded {
            session.peer_epoch = recorded.epoch;
            session.checkpoint = recorded.seq;
        }
        Ok(session)
    }

    /// The peer.
    pub fn peer(&self) -> NodeId {
        self.peer
    }

    /// Counters so far.
    pub fn stats(&self) -> SessionStats {
        self.stats
    }

    /// Takes the events since the last call.
    pub fn take_events(&mut self) -> Vec<SessionEvent> {
        std::mem::take(&mut self.events)
    }

    /// Whether both Hellos are exchanged.
    pub fn is_running(&self) -> bool {
        self.phase == Phase::Running
    }

    /// Whether this side holds everything the peer had when the session started (or at the
    /// last [`Session::request_sync`]) and the peer holds everything this side had then.
    pub fn is_caught_up(&self) -> bool {
        self.inbound_done() && self.outbound_done()
    }

    /// Whether everything the peer offered up to the current target is applied here.
    pub fn inbound_done(&self) -> bool {
        self.phase == Phase::Running
            && self.outstanding_syncs.is_empty()
            && self.checkpoint >= self.inbound_target
    }

    /// Whether the peer confirmed holding everything this side had at the current target.
    pub fn outbound_done(&self) -> bool {
        self.phase == Phase::Running && self.peer_applied >= self.outbound_target
    }

    /// How far the catch-up from the peer is, from 0.0 to 1.0.
    pub fn progress(&self) -> f64 {
        if self.inbound_done() {
            return 1.0;
        }
        let span = self.inbound_target.saturating_sub(self.inbound_base);
        if span == 0 {
            return if self.phase == Phase::Running { 1.0 } else { 0.0 };
        }
        let done = self.inbound_through.max(self.checkpoint).min(self.inbound_target);
        (done.saturating_sub(self.inbound_base) as f64 / span as f64).min(0.999)
    }

    /// The peer's feed position this side is waiting to reach (for progress figures).
    pub fn inbound_target(&self) -> u64 {
        self.inbound_target
    }

    /// Whether the checkpoint moved since it was last recorded ([`Session::flush_checkpoint`]).
    pub fn checkpoint_dirty(&self) -> bool {
        self.checkpoint_dirty
    }

    /// Records the checkpoint in the store if it moved. The driver calls this after sending
    /// what a step produced, so that the disk write is off the critical path.
    pub fn flush_checkpoint(&mut self, store: &Store) -> Result<(), SessionError> {
        if std::mem::take(&mut self.checkpoint_dirty) {
            save_checkpoint(store, &self.peer_hex, &self.peer_epoch, self.checkpoint)?;
        }
        Ok(())
    }

    /// The store changed here: offer what is new (live push).
    pub fn local_changed(&mut self) {
        self.want_round = true;
    }

    /// Starts a catch-up both ways from now: offers everything new and asks the peer to do the
    /// same and say up to where; [`Session::is_caught_up`] turns true once both are done.
    pub fn request_sync(&mut self, store: &Store) -> Result<(), SessionError> {
        self.outbound_target = self.outbound_target.max(seq_u64(store.current_seq()?));
        self.force_round = true;
        if self.phase == Phase::Running {
            self.sync_token += 1;
            self.outstanding_syncs.push(self.sync_token);
            self.outbox.push_back(Message::SyncRequest { token: self.sync_token });
        }
        Ok(())
    }

    /// Decodes and handles one received message (a frame's payload).
    pub fn handle_bytes(&mut self, store: &Store, payload: &[u8]) -> Result<(), SessionError> {
        self.stats.bytes_received += payload.len() as u64 + crate::transport::FRAME_HEADER_LEN as u64;
        let message = Message::decode(payload)?;
        self.handle(store, message)
    }

    /// Handles one received message.
    pub fn handle(&mut self, store: &Store, message: Message) -> Result<(), SessionError> {
        self.stats.messages_received += 1;
        tracing::trace!(peer = %self.peer, message = message.name(), "received");
        if self.phase == Phase::AwaitingHello {
            return match message {
                Message::Hello(hello) => self.on_hello(store, hello),
                other => Err(unexpected(format!("expected Hello first, got {}", other.name()))),
            };
        }
        match message {
            Message::Hello(_) => Err(unexpected("a second Hello".to_owned())),
            Message::Offer(offer) => self.on_offer(store, offer),
            Message::OfferEnd { upto } => {
                if self.last_offer_end.is_some_and(|last| upto < last) || upto < self.checkpoint {
                    return Err(unexpected(format!("OfferEnd {upto} goes back in the peer's feed")));
                }
                self.last_offer_end = Some(upto);
                self.inbound_through = self.inbound_through.max(upto);
                if !std::mem::take(&mut self.needs_in_round) && self.awaiting_data_end.is_empty() {
                    // Nothing asked for in this round and nothing outstanding: everything up to
                    // `upto` is here already, so skip NeedEnd/DataEnd and confirm at once.
                    self.reached(upto);
                } else {
                    self.outbox.push_back(Message::NeedEnd { upto });
                    self.awaiting_data_end.push_back(upto);
                }
                Ok(())
            }
            Message::Need(need) => {
                self.work.push_back(Work::Need { docs: need.docs.into(), keys: need.keys.into() });
                Ok(())
            }
            Message::NeedEnd { upto } => {
                self.work.push_back(Work::End(upto));
                Ok(())
            }
            Message::Data(data) => self.on_data(store, data),
            Message::DataEnd { upto } => {
                if self.awaiting_data_end.front() != Some(&upto) {
                    return Err(unexpected(format!("DataEnd {upto} answers no NeedEnd")));
                }
                self.awaiting_data_end.pop_front();
                self.reached(upto);
                Ok(())
            }
            Message::Applied { upto } => {
                self.peer_applied = self.peer_applied.max(upto);
                Ok(())
            }
            Message::SyncRequest { token } => {
                self.force_round = true;
                self.pending_replies.push(token);
                Ok(())
            }
            Message::DocSync(message) => self.on_doc_sync(store, message),
            Message::SyncReply { token, upto } => {
                let Some(index) = self.outstanding_syncs.iter().position(|t| *t == token) else {
                    return Err(unexpected(format!("SyncReply to unknown request {token}")));
                };
                self.outstanding_syncs.remove(index);
                self.inbound_target = self.inbound_target.max(upto);
                Ok(())
            }
        }
    }

    /// Produces the next message to send, doing a bounded amount of store work; `None` when
    /// there is nothing to send until something is received or the store changes.
    pub fn poll_transmit_bytes(&mut self, store: &Store) -> Result<Option<Vec<u8>>, SessionError> {
        let Some(message) = self.poll_transmit(store)? else {
            return Ok(None);
        };
        let bytes = message.encode()?;
        tracing::trace!(peer = %self.peer, message = message.name(), len = bytes.len(), "sending");
        self.stats.bytes_sent += bytes.len() as u64 + crate::transport::FRAME_HEADER_LEN as u64;
        Ok(Some(bytes))
    }

    /// Like [`Session::poll_transmit_bytes`], without encoding.
    pub fn poll_transmit(&mut self, store: &Store) -> Result<Option<Message>, SessionError> {
        let message = self.next_message(store)?;
        if let Some(message) = &message {
            self.stats.messages_sent += 1;
            if let Message::Data(data) = message {
                self.stats.docs_sent += u64::from(data.docs);
                self.stats.keys_sent += u64::from(data.keys);
            }
        }
        Ok(message)
    }

    fn next_message(&mut self, store: &Store) -> Result<Option<Message>, SessionError> {
        if let Some(message) = self.outbox.pop_front() {
            return Ok(Some(message));
        }
        if self.phase != Phase::Running {
            return Ok(None);
        }
        for _ in 0..2 {
            let turn = self.turn;
            self.turn = match turn {
                Turn::Data => Turn::Offers,
                Turn::Offers => Turn::Data,
            };
            let message = match turn {
                Turn::Data => self.next_answer(store)?,
                Turn::Offers if self.push.is_some() => self.next_push(store)?,
                Turn::Offers => self.next_offer(store)?,
            };
            if message.is_some() {
                return Ok(message);
            }
        }
        Ok(self.outbox.pop_front())
    }

    // ----- Inbound -----

    /// Everything the peer offered up to `upto` is applied: move the checkpoint (recorded by
    /// `flush_checkpoint`, after Applied is on its way: the data is already durable, and a
    /// checkpoint lost in a crash only means a re-offer) and confirm.
    fn reached(&mut self, upto: u64) {
        self.checkpoint = upto;
        self.checkpoint_dirty = true;
        self.events.push(SessionEvent::CheckpointSaved { upto });
        self.outbox.push_back(Message::Applied { upto });
        if std::mem::take(&mut self.applied_since_target) {
            // What was applied got new feed positions here: offer them (an empty round once the
            // echoes are filtered out) in the same flight as Applied, so that the peer's
            // checkpoint moves past them. Not waited for: see `applied_since_target`.
            self.want_round = true;
        }
    }

    fn on_hello(&mut self, store: &Store, hello: Hello) -> Result<(), SessionError> {
        if hello.version != self.config.version {
            return Err(SessionError::Refused {
                reason: RefusalReason::IncompatibleVersion,
                detail: format!(
                    "the peer speaks sync protocol version {}, this PC speaks {}; update AMER so that \
                     both PCs run the same version",
                    hello.version, self.config.version
                ),
            });
        }
        if hello.office_id != self.office {
            return Err(SessionError::Refused {
                reason: RefusalReason::OtherOffice,
                detail: format!(
                    "the peer belongs to another office ({}) than this PC ({}); PCs of different \
                     offices never sync",
                    uuid_from(hello.office_id),
                    uuid_from(self.office)
                ),
            });
        }
        if hello.node_id != *self.peer.as_bytes() {
            return Err(SessionError::Refused {
                reason: RefusalReason::WrongIdentity,
                detail: "the peer's Hello names another node than the key it connected with".to_owned(),
            });
        }
        self.phase = Phase::Running;

        // Inbound: what we declared holds only within the peer's current epoch and feed.
        let recorded_valid = self.peer_epoch == hello.epoch && self.checkpoint <= hello.seq;
        if !recorded_valid {
            if !self.peer_epoch.is_empty() {
                tracing::info!(
                    peer = %self.peer,
                    "the peer's database was restored or reset since the last sync; catching up from the start"
                );
            }
            self.checkpoint = 0;
        }
        self.peer_epoch = hello.epoch;
        self.inbound_base = self.checkpoint;
        self.inbound_target = hello.seq;
        self.inbound_through = self.checkpoint;

        // Outbound: start after what the peer says it holds, if that is of our current feed.
        let now = seq_u64(store.current_seq()?);
        self.outbound_target = self.outbound_target.max(now);
        let start = match &hello.checkpoint_for_you {
            Some(c) if c.epoch == self.epoch && c.seq <= now => c.seq,
            _ => 0,
        };
        self.cursor = start;
        self.peer_applied = start;
        if hello.seq == 0 && start == 0 {
            // The peer's store is empty: send everything without offers.
            self.push = Some(Push { cursor: 0, now, pending: VecDeque::new(), exhausted: false });
        } else {
            self.force_round = true;
        }
        tracing::debug!(
            peer = %self.peer,
            offer_from = start,
            peer_seq = hello.seq,
            push = self.push.is_some(),
            "sync session running"
        );
        Ok(())
    }

    fn on_offer(&mut self, store: &Store, offer: Offer) -> Result<(), SessionError> {
        self.inbound_through = self.inbound_through.max(offer.through);
        let mut need = Need::default();
        // The heads of every offered document, read in one transaction.
        let offered: Vec<DocId> = offer
            .items
            .iter()
            .filter_map(|item| match item {
                OfferItem::Doc { id, .. } => Some(DocId(uuid_from(*id))),
                OfferItem::Key { .. } => None,
            })
            .collect();
        let mut stored_heads = store.doc_heads_many(&offered)?.into_iter();
        for item in offer.items {
            match item {
                OfferItem::Doc { id, kind: _, heads } => {
                    let theirs: Vec<ChangeHash> = heads.iter().map(|h| ChangeHash(*h)).collect();
                    self.echo.record_doc(id, heads_digest(&theirs));
                    // Different heads: ask, with ours, without first checking whether ours
                    // already contain theirs (that check loads the document, ~0.1 ms each,
                    // and the answer is nearly always no: the peer changed it). When this side
                    // is ahead after all, the peer, which lacks some of our heads, answers with
                    // an Automerge sync exchange for it (`DocSync`) that finds nothing to move.
                    let needed = match stored_heads.next().flatten() {
                        None => Some(Vec::new()),
                        Some(ours) if same_heads(&ours, &theirs) => None,
                        Some(ours) => Some(ours),
                    };
                    if let Some(ours) = needed {
                        need.docs.push(NeedDoc { id, heads: ours.iter().map(|h| h.0).collect() });
                    }
                }
                OfferItem::Key { id, digest } => {
                    self.echo.record_key(id, digest);
                    let needed = match store.key_record_state(&VisitorId(uuid_from(id)))? {
                        None => true,
                        Some(ours) => key_digest(&ours) != digest,
                    };
                    if needed {
                        need.keys.push(id);
                    }
                }
            }
            if need.docs.len() >= MAX_NEED_ITEMS || need.keys.len() >= MAX_NEED_ITEMS {
                self.needs_in_round = true;
                self.outbox.push_back(Message::Need(std::mem::take(&mut need)));
            }
        }
        if !need.docs.is_empty() || !need.keys.is_empty() {
            self.needs_in_round = true;
            self.outbox.push_back(Message::Need(need));
        }
        Ok(())
    }

    fn on_data(&mut self, store: &Store, data: Data) -> Result<(), SessionError> {
        let body = self.codec.inflate(&data)?;
        self.inbound_through = self.inbound_through.max(data.through);
        let mut keys = Vec::with_capacity(data.keys as usize);
        let mut docs = Vec::with_capacity(data.docs as usize);
        for item in body.items {
            match item {
                BatchItem::Key(key) => {
                    let id = key.id.0;
                    let record = key.into_record()?;
                    self.echo.record_key(id, key_digest(&record));
                    keys.push(record);
                }
                BatchItem::Doc(doc) => {
                    // The sender's heads for these bytes: given, or said by a document saved
                    // whole (which carries its heads).
                    let digest = doc.heads_digest.or_else(|| {
                        docbytes::document_heads(&doc.bytes.0)
                            .map(|heads| heads_digest(&heads.into_iter().map(ChangeHash).collect::<Vec<_>>()))
                    });
                    if let Some(digest) = digest {
                        self.echo.record_doc(doc.id.0, digest);
                    }
                    docs.push((DocId(uuid_from(doc.id.0)), doc.kind.into(), doc.bytes.0));
                }
            }
        }
        // Keys first: a session's projection looks at its visitor's key.
        let started = std::time::Instant::now();
        let keys_changed = if keys.is_empty() {
            0
        } else {
            store.apply_key_records(&keys).map_err(SessionError::from_apply)?
        };
        let outcomes = if docs.is_empty() {
            Vec::new()
        } else {
            store.apply_docs(&docs).map_err(SessionError::from_apply)?
        };
        let micros = started.elapsed().as_micros() as u64;
        self.stats.apply_micros += micros;
        tracing::trace!(peer = %self.peer, docs = docs.len(), keys = keys.len(), micros, "batch applied");
        let docs_changed = outcomes.iter().filter(|o| o.changed).count();
        self.stats.docs_received += docs.len() as u64;
        self.stats.docs_changed += docs_changed as u64;
        if docs_changed + keys_changed > 0 {
            self.applied_since_target = true;
        }
        self.stats.keys_received += keys.len() as u64;
        self.events.push(SessionEvent::Applied {
            docs: docs.len(),
            docs_changed,
            keys: keys.len(),
            keys_changed,
        });
        Ok(())
    }

    // ----- Outbound -----

    /// The next offer chunk or end of round, if a round is due.
    fn next_offer(&mut self, store: &Store) -> Result<Option<Message>, SessionError> {
        if self.round.is_none() {
            if !self.want_round && !self.force_round {
                return Ok(None);
            }
            let now = seq_u64(store.current_seq()?);
            let forced = std::mem::take(&mut self.force_round);
            self.want_round = false;
            if !forced && now <= self.cursor {
                return Ok(None);
            }
            self.round = Some(Round { now, replies: std::mem::take(&mut self.pending_replies) });
        }
        let mut items = Vec::new();
        loop {
            let feed = store.changes_since(seq_i64(self.cursor), self.config.offer_chunk)?;
            let reached_end = feed.len() < self.config.offer_chunk;
            for item in feed {
                self.cursor = self.cursor.max(seq_u64(item.seq));
                if let Some(offered) = self.offer_item(store, item)? {
                    items.push(offered);
                }
            }
            if reached_end {
                let Some(round) = self.round.take() else { break };
                self.cursor = self.cursor.max(round.now);
                self.outbox.push_back(Message::OfferEnd { upto: self.cursor });
                for token in round.replies {
                    self.outbox.push_back(Message::SyncReply { token, upto: self.cursor });
                }
                break;
            }
            if items.len() >= MAX_OFFER_ITEMS / 2 {
                break;
            }
        }
        if items.is_empty() {
            return Ok(self.outbox.pop_front());
        }
        Ok(Some(Message::Offer(Offer { through: self.cursor, items })))
    }

    /// The offer for one feed item, unless the peer is known to have it.
    fn offer_item(&mut self, store: &Store, item: FeedItem) -> Result<Option<OfferItem>, SessionError> {
        Ok(match item.kind {
            FeedKind::Doc { id, kind, heads } => {
                let wire_id = *id.0.as_bytes();
                if self.echo.peer_has_doc(&wire_id, &heads_digest(&heads)) {
                    None
                } else {
                    Some(OfferItem::Doc {
                        id: wire_id,
                        kind: kind.into(),
                        heads: heads.iter().map(|h| h.0).collect(),
                    })
                }
            }
            FeedKind::Key(visitor) => {
                let wire_id = *visitor.0.as_bytes();
                // The digest needs the record's state, not the key itself.
                match store.key_record_state(&visitor)? {
                    Some(record) => {
                        let digest = key_digest(&record);
                        if self.echo.peer_has_key(&wire_id, digest) {
                            None
                        } else {
                            Some(OfferItem::Key { id: wire_id, digest })
                        }
                    }
                    None => None,
                }
            }
        })
    }

    /// The next pushed batch, or the end of the push.
    fn next_push(&mut self, store: &Store) -> Result<Option<Message>, SessionError> {
        let Some(push) = self.push.as_mut() else { return Ok(None) };
        let mut body = BatchBody::default();
        let mut raw = 0usize;
        while raw < self.config.batch_bytes {
            let Some(record) = push.pending.pop_front() else {
                if push.exhausted {
                    break;
                }
                // The next entries with their bytes and key records, in one read (memory
                // holds at most `read_chunk` of them besides the batch).
                let records = store.feed_records(seq_i64(push.cursor), self.config.read_chunk)?;
                push.exhausted = records.len() < self.config.read_chunk;
                for record in records {
                    push.cursor = push.cursor.max(seq_u64(record.seq));
                    push.pending.push_back(record);
                }
                continue;
            };
            // In feed order: a session's visitor key follows the session.
            match record.body {
                FeedBody::Doc { id, kind, heads, bytes } => {
                    let bytes =
                        if self.config.expand_documents { docbytes::inflate_columns(bytes) } else { bytes };
                    // Bytes that say the heads need no digest.
                    let said = docbytes::document_heads(&bytes).is_some_and(|said| {
                        same_heads(&said.into_iter().map(ChangeHash).collect::<Vec<_>>(), &heads)
                    });
                    let digest = if said { None } else { Some(heads_digest(&heads)) };
                    raw += add_doc(&mut body, id, kind, bytes, digest);
                }
                FeedBody::Key(record) => raw += add_key(&mut body, record),
            }
        }
        if body.items.is_empty() {
            let (cursor, now) = (push.cursor, push.now);
            self.push = None;
            self.cursor = cursor.max(now);
            return Ok(Some(Message::OfferEnd { upto: self.cursor }));
        }
        let through = push.cursor;
        Ok(Some(self.batch_message(body, through)?))
    }

    /// The next batch answering the peer's needs, or the end of an answered round.
    fn next_answer(&mut self, store: &Store) -> Result<Option<Message>, SessionError> {
        let mut body = BatchBody::default();
        let mut raw = 0usize;
        while raw < self.config.batch_bytes {
            match self.work.front_mut() {
                None => break,
                Some(Work::End(upto)) => {
                    // After the batches, and after the sync exchanges that answer needs: the
                    // peer must hold everything before it records its checkpoint.
                    if !body.items.is_empty() || self.exchanges.values().any(|e| e.gate) {
                        break;
                    }
                    let upto = *upto;
                    self.work.pop_front();
                    return Ok(Some(Message::DataEnd { upto }));
                }
                Some(Work::Need { docs, keys }) => {
                    if docs.is_empty() && keys.is_empty() {
                        self.work.pop_front();
                        continue;
                    }
                    let take = docs.len().min(self.config.read_chunk);
                    let requests: Vec<(DocId, Vec<ChangeHash>)> = docs
                        .drain(..take)
                        .map(|d| (DocId(uuid_from(d.id)), d.heads.iter().map(|h| ChangeHash(*h)).collect()))
                        .collect();
                    let take = keys.len().min(self.config.read_chunk);
                    let key_ids: Vec<VisitorId> =
                        keys.drain(..take).map(|k| VisitorId(uuid_from(k))).collect();
                    if !requests.is_empty() {
                        let started = std::time::Instant::now();
                        let (docs, diverged) = docs_for_peer(store, requests)?;
                        for (id, kind, doc) in diverged {
                            self.start_exchange(*id.0.as_bytes(), kind.into(), doc)?;
                        }
                        tracing::trace!(peer = %self.peer, docs = docs.len(), micros = started.elapsed().as_micros() as u64, "documents read");
                        for (id, kind, bytes) in docs {
                            // Whole documents expanded (changes are left as they are).
                            let bytes = if self.config.expand_documents {
                                docbytes::inflate_columns(bytes)
                            } else {
                                bytes
                            };
                            raw += add_doc(&mut body, id, kind, bytes, None);
                        }
                    }
                    if !key_ids.is_empty() {
                        for record in store.key_records(&key_ids)? {
                            raw += add_key(&mut body, record);
                        }
                    }
                }
            }
        }
        if body.items.is_empty() {
            return Ok(None);
        }
        let started = std::time::Instant::now();
        let message = self.batch_message(body, 0)?;
        tracing::trace!(peer = %self.peer, micros = started.elapsed().as_micros() as u64, "batch deflated");
        Ok(Some(message))
    }

    /// Starts (or joins) an Automerge sync exchange about a document the peer needs but that
    /// changed on both sides: instead of the whole document, the exchange moves only the
    /// changes each side lacks (Bloom filters of what each has), in a few messages.
    fn start_exchange(&mut self, id: WireId, kind: WireKind, doc: AutoCommit) -> Result<(), SessionError> {
        if !self.exchanges.contains_key(&id) {
            if self.exchanges.len() >= MAX_EXCHANGES {
                return Err(unexpected("too many documents in sync exchanges at once".to_owned()));
            }
            self.exchanges
                .insert(id, Exchange { kind, doc, state: automerge::sync::State::new(), gate: false });
        }
        if let Some(exchange) = self.exchanges.get_mut(&id) {
            exchange.gate = true;
            self.stats.docs_sent += 1;
            if let Some(message) = exchange.doc.sync().generate_sync_message(&mut exchange.state) {
                self.outbox.push_back(Message::DocSync(DocSync {
                    id,
                    kind,
                    message: Blob(message.encode()),
                }));
            }
        }
        Ok(())
    }

    /// A message of an exchange: apply what it brings (stored like any received changes),
    /// answer, and end the exchange once both sides have the same heads.
    fn on_doc_sync(&mut self, store: &Store, sync: DocSync) -> Result<(), SessionError> {
        let corrupt =
            |reason: String| amer_core::Error::Corrupt { doc: uuid_from(sync.id).to_string(), reason };
        let message = automerge::sync::Message::decode(&sync.message.0).map_err(|e| {
            SessionError::Malformed(crate::error::DecodeError::Malformed {
                detail: format!("an Automerge sync message cannot be read: {e}"),
            })
        })?;
        if !self.exchanges.contains_key(&sync.id) {
            if settled(&message)
                && store
                    .doc_heads(&DocId(uuid_from(sync.id)))?
                    .is_some_and(|ours| same_heads(&ours, &message.heads))
            {
                // The peer says "we are equal" and knows it (it has heard our heads), and we
                // hold exactly those heads: its exchange is over and ours too. Answering would
                // open a fresh exchange whose first message always goes out, and a peer in the
                // same position would answer it the same way, forever.
                self.echo.record_doc(sync.id, heads_digest(&message.heads));
                return Ok(());
            }
            if self.exchanges.len() >= MAX_EXCHANGES {
                return Err(unexpected("too many documents in sync exchanges at once".to_owned()));
            }
            let doc = match store.doc_bytes(&DocId(uuid_from(sync.id)))? {
                Some((kind, _)) if WireKind::from(kind) != sync.kind => {
                    return Err(SessionError::BadData {
                        source: corrupt(
                            "a sync message names another kind than the stored document's".to_owned(),
                        ),
                    })
                }
                Some((_, bytes)) => AutoCommit::load(&bytes)
                    .map_err(|e| SessionError::Store { source: corrupt(e.to_string()) })?,
                None => AutoCommit::new(),
            };
            let exchange =
                Exchange { kind: sync.kind, doc, state: automerge::sync::State::new(), gate: false };
            self.exchanges.insert(sync.id, exchange);
        }
        let Some(exchange) = self.exchanges.get_mut(&sync.id) else { return Ok(()) };
        let before = exchange.doc.get_heads();
        exchange
            .doc
            .sync()
            .receive_sync_message(&mut exchange.state, message)
            .map_err(|e| SessionError::BadData { source: corrupt(e.to_string()) })?;
        let after = exchange.doc.get_heads();
        let kind = exchange.kind;
        let changes = (after != before).then(|| exchange.doc.save_after(&before));
        let reply = exchange.doc.sync().generate_sync_message(&mut exchange.state);
        let in_sync = exchange.state.their_heads.as_ref().is_some_and(|theirs| same_heads(theirs, &after));
        if let Some(reply) = reply {
            self.outbox.push_back(Message::DocSync(DocSync {
                id: sync.id,
                kind,
                message: Blob(reply.encode()),
            }));
        }
        if in_sync {
            self.exchanges.remove(&sync.id);
            self.echo.record_doc(sync.id, heads_digest(&after));
        }
        if let Some(changes) = changes {
            let started = std::time::Instant::now();
            let outcomes = store
                .apply_docs(&[(DocId(uuid_from(sync.id)), kind.into(), changes)])
                .map_err(SessionError::from_apply)?;
            self.stats.apply_micros += started.elapsed().as_micros() as u64;
            let changed = outcomes.iter().filter(|o| o.changed).count();
            self.stats.docs_received += 1;
            self.stats.docs_changed += changed as u64;
            if changed > 0 {
                self.applied_since_target = true;
            }
            self.events.push(SessionEvent::Applied {
                docs: 1,
                docs_changed: changed,
                keys: 0,
                keys_changed: 0,
            });
        }
        Ok(())
    }

    fn batch_message(&mut self, body: BatchBody, through: u64) -> Result<Message, SessionError> {
        let docs = u32::try_from(body.doc_count()).unwrap_or(u32::MAX);
        let keys = u32::try_from(body.key_count()).unwrap_or(u32::MAX);
        let (raw_len, deflated) = self.codec.deflate(&body)?;
        Ok(Message::Data(Data { through, docs, keys, raw_len, deflated: Blob(deflated) }))
    }

    /// This side's node id.
    pub fn local_node(&self) -> NodeId {
        self.local_node
    }
}

/// A document (kind, bytes) for the peer.
type PeerDoc = (DocId, amer_core::DocKind, Vec<u8>);

/// A document changed on both sides, loaded for a sync exchange.
type Diverged = (DocId, amer_core::DocKind, AutoCommit);

/// What the peer needs of each requested document, as `Store::docs_for_peer` gives it, but
/// without loading the documents in the usual case: the peer is at a state this PC's stored
/// bytes pass through (what it had at the last sync), so the changes it lacks are the stored
/// bytes from there on (see [`docbytes::changes_after`]). The others are loaded: the changes
/// after the peer's heads when this PC knows them all; otherwise the document changed on both
/// sides (or the peer is ahead), and it comes back loaded, for an Automerge sync exchange.
fn docs_for_peer(
    store: &Store,
    requests: Vec<(DocId, Vec<ChangeHash>)>,
) -> Result<(Vec<PeerDoc>, Vec<Diverged>), SessionError> {
    let whole: Vec<(DocId, Vec<ChangeHash>)> = requests.iter().map(|(id, _)| (*id, Vec::new())).collect();
    let mut stored: HashMap<DocId, (amer_core::DocKind, Vec<u8>)> =
        store.docs_for_peer(&whole)?.into_iter().map(|(id, kind, bytes)| (id, (kind, bytes))).collect();
    let mut out = Vec::with_capacity(requests.len());
    let mut diverged = Vec::new();
    for (id, heads) in requests {
        let Some((kind, bytes)) = stored.remove(&id) else { continue };
        if heads.is_empty() {
            out.push((id, kind, bytes));
            continue;
        }
        let wanted: Vec<WireHash> = heads.iter().map(|h| h.0).collect();
        if let Some(at) = docbytes::changes_after(&bytes, &wanted) {
            out.push((id, kind, bytes[at..].to_vec()));
            continue;
        }
        let Ok(mut doc) = AutoCommit::load(&bytes) else {
            // Unreadable here: sent as it is (the peer refuses it with a clear error).
            out.push((id, kind, bytes));
            continue;
        };
        if heads.iter().all(|h| doc.get_change_meta_by_hash(h).is_some()) {
            out.push((id, kind, doc.save_after(&heads)));
        } else {
            diverged.push((id, kind, doc));
        }
    }
    Ok((out, diverged))
}

fn add_doc(
    body: &mut BatchBody,
    id: DocId,
    kind: amer_core::DocKind,
    bytes: Vec<u8>,
    digest: Option<Digest>,
) -> usize {
    let raw = bytes.len() + 60;
    body.items.push(BatchItem::Doc(WireDoc {
        id: TextId(*id.0.as_bytes()),
        kind: WireKind::from(kind),
        heads_digest: digest,
        bytes: Blob(bytes),
    }));
    raw
}

fn add_key(body: &mut BatchBody, record: KeyRecord) -> usize {
    body.items.push(BatchItem::Key(WireKey::from_record(record)));
    150
}

/// Whether an Automerge sync message only confirms that both sides are equal: it carries no
/// changes, asks for none, and its sender's record of what both sides share is its own heads
/// (so it has heard ours and found them equal to its own).
fn settled(message: &automerge::sync::Message) -> bool {
    message.changes.is_empty()
        && message.need.is_empty()
        && matches!(message.have.as_slice(), [have] if same_heads(&have.last_sync, &message.heads))
}

fn unexpected(detail: String) -> SessionError {
    SessionError::Unexpected { detail }
}

/// Feed positions are never negative.
fn seq_u64(seq: i64) -> u64 {
    u64::try_from(seq).unwrap_or(0)
}

fn seq_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

fn same_heads(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// A digest of a set of heads (order does not matter).
pub(crate) fn heads_digest(heads: &[ChangeHash]) -> Digest {
    let mut sorted: Vec<&WireHash> = heads.iter().map(|h| &h.0).collect();
    sorted.sort();
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for head in sorted {
        context.update(head);
    }
    let digest = context.finish();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest.as_ref()[..16]);
    out
}

/// A digest of what a key record says, without the key itself: equal digests mean applying
/// one record to the other changes nothing.
pub(crate) fn key_digest(record: &KeyRecord) -> u64 {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    context.update(&record.created_at.to_le_bytes());
    context.update(&[
        u8::from(record.key.is_some()),
        u8::from(record.phone_hash.is_some()),
        u8::from(record.nik_hash.is_some()),
    ]);
    if let Some(erased) = &record.erased {
        context.update(b"erased");
        context.update(&erased.at.to_le_bytes());
        let mut known: Vec<&String> = erased.known_sessions.iter().collect();
        known.sort();
        known.dedup();
        for session in known {
            context.update(session.as_bytes());
            context.update(b",");
        }
    }
    let digest = context.finish();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest.as_ref()[..8]);
    u64::from_le_bytes(out)
}

/// The checkpoint recorded for a peer: its epoch and the feed position applied here.
pub fn load_checkpoint(store: &Store, peer_hex: &str) -> Result<Option<Checkpoint>, SessionError> {
    let Some(value) = store.peer_state(peer_hex, CHECKPOINT_KEY)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&value);
    let mut parts = text.split('\n');
    let (Some(epoch), Some(seq)) = (parts.next(), parts.next().and_then(|s| s.parse::<u64>().ok())) else {
        tracing::warn!(peer = peer_hex, "ignoring a damaged sync checkpoint; catching up from the start");
        return Ok(None);
    };
    Ok(Some(Checkpoint { epoch: epoch.to_owned(), seq }))
}

fn save_checkpoint(store: &Store, peer_hex: &str, epoch: &str, seq: u64) -> Result<(), SessionError> {
    store.set_peer_state(peer_hex, CHECKPOINT_KEY, format!("{epoch}\n{seq}").as_bytes())?;
    Ok(())
}
