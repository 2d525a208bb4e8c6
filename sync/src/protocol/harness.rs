//! A deterministic in-memory harness for the sync protocol: named peers, each with its own
//! store, linked by in-memory message queues instead of sockets, run by a seeded scheduler
//! until nothing is left to do. Links can be cut at any point and re-made, as a dropped
//! connection would be.
//!
//! Built for tests (and with the `fault-injection` feature, for integration tests).

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use amer_core::store::FeedKind;
use amer_core::Store;

use super::session::{Session, SessionConfig, SessionStats};
use crate::error::SessionError;
use crate::identity::NodeId;

/// A session failure inside the harness, naming the peers.
#[derive(Debug, thiserror::Error)]
#[error("session of {local} with {remote} failed: {source}")]
pub struct HarnessError {
    /// The side whose session failed.
    pub local: String,
    /// Its peer.
    pub remote: String,
    /// Why.
    #[source]
    pub source: Box<SessionError>,
}

struct Peer {
    name: String,
    store: Arc<Store>,
    node: NodeId,
    changed: Arc<AtomicBool>,
}

struct Link {
    ends: [usize; 2],
    sessions: [Session; 2],
    /// `queues[i]`: messages on their way to side `i`.
    queues: [VecDeque<Vec<u8>>; 2],
    idle: [bool; 2],
}

/// What one scheduler step did.
#[derive(Debug, Clone, Copy)]
enum Action {
    Deliver(usize, usize),
    Transmit(usize, usize),
}

/// Peers, links and a seeded scheduler.
pub struct Harness {
    peers: Vec<Peer>,
    links: Vec<Link>,
    rng: u64,
    config: SessionConfig,
    steps: u64,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("peers", &self.peers.iter().map(|p| &p.name).collect::<Vec<_>>())
            .field("links", &self.links.len())
            .finish_non_exhaustive()
    }
}

impl Harness {
    /// An empty harness whose scheduling decisions come from `seed`.
    pub fn new(seed: u64) -> Self {
        Self::with_config(seed, SessionConfig::default())
    }

    /// An empty harness whose sessions use `config`.
    pub fn with_config(seed: u64, config: SessionConfig) -> Self {
        Self { peers: Vec::new(), links: Vec::new(), rng: seed ^ 0x9e37_79b9_7f4a_7c15, config, steps: 0 }
    }

    /// Adds a peer with its (initialised or joined) store; its node id is derived from `name`.
    /// Returns its index.
    pub fn add_peer(&mut self, name: &str, store: Arc<Store>) -> usize {
        let node = Self::node_id_of(name);
        let changed = Arc::new(AtomicBool::new(false));
        let flag = changed.clone();
        store.subscribe(move |_| flag.store(true, Ordering::SeqCst));
        self.peers.push(Peer { name: name.to_owned(), store, node, changed });
        self.peers.len() - 1
    }

    /// The node id a peer named `name` gets.
    pub fn node_id_of(name: &str) -> NodeId {
        let digest = ring::digest::digest(&ring::digest::SHA256, name.as_bytes());
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(digest.as_ref());
        NodeId::from_bytes(bytes)
    }

    /// A peer's store.
    pub fn store(&self, peer: usize) -> &Arc<Store> {
        &self.peers[peer].store
    }

    /// A peer's name.
    pub fn name(&self, peer: usize) -> &str {
        &self.peers[peer].name
    }

    /// How many peers there are.
    pub fn peer_count(&self) -> usize {
        self.peers.len()
    }

    /// Scheduler steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Connects two peers (a new session on each side), unless they are already linked.
    pub fn connect(&mut self, a: usize, b: usize) -> Result<(), HarnessError> {
        if a == b || self.link_index(a, b).is_some() {
            return Ok(());
        }
        let session = |local: usize, remote: usize| {
            Session::new(
                &self.peers[local].store,
                self.peers[remote].node,
                self.peers[local].node,
                self.config.clone(),
            )
            .map_err(|source| self.error(local, remote, source))
        };
        let sessions = [session(a, b)?, session(b, a)?];
        self.links.push(Link {
            ends: [a, b],
            sessions,
            queues: [VecDeque::new(), VecDeque::new()],
            idle: [false; 2],
        });
        Ok(())
    }

    /// Cuts the link between two peers, dropping every message in flight.
    pub fn disconnect(&mut self, a: usize, b: usize) {
        if let Some(index) = self.link_index(a, b) {
            self.links.swap_remove(index);
        }
    }

    /// Cuts every link.
    pub fn disconnect_all(&mut self) {
        self.links.clear();
    }

    /// Whether two peers are linked.
    pub fn is_connected(&self, a: usize, b: usize) -> bool {
        self.link_index(a, b).is_some()
    }

    /// The counters of `a`'s session with `b`, if linked.
    pub fn stats(&self, a: usize, b: usize) -> Option<SessionStats> {
        let link = &self.links[self.link_index(a, b)?];
        let side = usize::from(link.ends[0] != a);
        Some(link.sessions[side].stats())
    }

    /// Whether `a`'s session with `b` reports being caught up both ways.
    pub fn is_caught_up(&self, a: usize, b: usize) -> bool {
        self.link_index(a, b).is_some_and(|index| {
            let link = &self.links[index];
            let side = usize::from(link.ends[0] != a);
            link.sessions[side].is_caught_up()
        })
    }

    /// Asks `a`'s session with `b` for a catch-up both ways ([`Session::request_sync`]).
    pub fn request_sync(&mut self, a: usize, b: usize) -> Result<(), HarnessError> {
        let Some(index) = self.link_index(a, b) else { return Ok(()) };
        let side = usize::from(self.links[index].ends[0] != a);
        let store = self.peers[a].store.clone();
        let result = self.links[index].sessions[side].request_sync(&store);
        self.links[index].idle[side] = false;
        result.map_err(|source| self.error(a, b, source))
    }

    /// Runs until no message is in flight and no session has anything to send. Returns the
    /// number of steps taken. Fails if a session fails or `max_steps` is exceeded.
    pub fn run(&mut self, max_steps: u64) -> Result<u64, HarnessError> {
        self.run_with_cuts(max_steps, 0.0, 0)
    }

    /// Like [`Harness::run`], but before each step, with probability `cut_chance`, cuts a random
    /// link and connects it again at once (a dropped connection and its reconnection), at most
    /// `max_cuts` times.
    pub fn run_with_cuts(
        &mut self,
        max_steps: u64,
        cut_chance: f64,
        max_cuts: u32,
    ) -> Result<u64, HarnessError> {
        let mut cuts = 0;
        let mut taken = 0;
        loop {
            self.propagate_changes();
            if cuts < max_cuts && !self.links.is_empty() && self.chance(cut_chance) {
                let index = self.pick(self.links.len());
                let [a, b] = self.links[index].ends;
                self.links.swap_remove(index);
                self.connect(a, b)?;
                cuts += 1;
            }
            let actions = self.actions();
            if actions.is_empty() {
                return Ok(taken);
            }
            if taken >= max_steps {
                return Err(HarnessError {
                    local: "harness".into(),
                    remote: "-".into(),
                    source: Box::new(SessionError::Unexpected {
                        detail: format!("not quiescent after {max_steps} steps"),
                    }),
                });
            }
            let action = actions[self.pick(actions.len())];
            self.act(action)?;
            taken += 1;
            self.steps += 1;
        }
    }

    fn propagate_changes(&mut self) {
        for (peer_index, peer) in self.peers.iter().enumerate() {
            if peer.changed.swap(false, Ordering::SeqCst) {
                for link in &mut self.links {
                    for side in 0..2 {
                        if link.ends[side] == peer_index {
                            link.sessions[side].local_changed();
                            link.idle[side] = false;
                        }
                    }
                }
            }
        }
    }

    fn actions(&self) -> Vec<Action> {
        let mut actions = Vec::new();
        for (index, link) in self.links.iter().enumerate() {
            for side in 0..2 {
                if !link.queues[side].is_empty() {
                    actions.push(Action::Deliver(index, side));
                }
                if !link.idle[side] {
                    actions.push(Action::Transmit(index, side));
                }
            }
        }
        actions
    }

    fn act(&mut self, action: Action) -> Result<(), HarnessError> {
        match action {
            Action::Deliver(index, side) => {
                let local = self.links[index].ends[side];
                let remote = self.links[index].ends[1 - side];
                let store = self.peers[local].store.clone();
                let link = &mut self.links[index];
                let Some(bytes) = link.queues[side].pop_front() else { return Ok(()) };
                link.idle[side] = false;
                let result = link.sessions[side]
                    .handle_bytes(&store, &bytes)
                    .and_then(|()| link.sessions[side].flush_checkpoint(&store));
                link.sessions[side].take_events();
                result.map_err(|source| self.error(local, remote, source))
            }
            Action::Transmit(index, side) => {
                let local = self.links[index].ends[side];
                let remote = self.links[index].ends[1 - side];
                let store = self.peers[local].store.clone();
                let link = &mut self.links[index];
                match link.sessions[side].poll_transmit_bytes(&store) {
                    Ok(Some(bytes)) => {
                        link.queues[1 - side].push_back(bytes);
                        Ok(())
                    }
                    Ok(None) => {
                        link.idle[side] = true;
                        Ok(())
                    }
                    Err(source) => Err(self.error(local, remote, source)),
                }
            }
        }
    }

    fn link_index(&self, a: usize, b: usize) -> Option<usize> {
        self.links.iter().position(|l| l.ends == [a, b] || l.ends == [b, a])
    }

    fn error(&self, local: usize, remote: usize, source: SessionError) -> HarnessError {
        HarnessError {
            local: self.peers[local].name.clone(),
            remote: self.peers[remote].name.clone(),
            source: Box::new(source),
        }
    }

    /// Splitmix64.
    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick(&mut self, len: usize) -> usize {
        (self.next_random() % len.max(1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.next_random() as f64 / u64::MAX as f64) < p
    }
}

/// `n` characters of made-up lowercase words, which deflate cannot shrink much (test content
/// whose size on the wire says what moved).
pub fn incompressible_words(n: usize) -> String {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut out = String::with_capacity(n);
    while out.len() < n {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let c = (state >> 59) as u8 % 27;
        out.push(if c == 26 { ' ' } else { (b'a' + c) as char });
    }
    out
}

/// What a store holds, for comparing replicas: every document's heads and every key record's
/// state, by id.
pub fn fingerprint(store: &Store) -> Result<BTreeMap<String, String>, amer_core::Error> {
    let mut out = BTreeMap::new();
    for item in store.changes_since(0, usize::MAX)? {
        match item.kind {
            FeedKind::Doc { id, kind, mut heads } => {
                heads.sort();
                let heads: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
                out.insert(id.to_text(), format!("{} {}", kind.code(), heads.join(",")));
            }
            FeedKind::Key(visitor) => {
                let state = match store.key_record(&visitor)? {
                    Some(record) => {
                        let key = record.key.as_ref().map(|k| ring::digest::digest(&ring::digest::SHA256, k));
                        format!(
                            "key {:x} {:?}",
                            super::session::key_digest(&record),
                            key.map(|d| d.as_ref()[0])
                        )
                    }
                    None => "key missing".to_owned(),
                };
                out.insert(visitor.to_text(), state);
            }
        }
    }
    Ok(out)
}
