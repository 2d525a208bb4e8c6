//! The sync node: drives the protocol over the transport with tokio. It serves incoming
//! connections, dials static peers and the addresses members publish, keeps one session per
//! peer, reconnects with exponential backoff (resuming from checkpoints), pushes local changes
//! live (store commits in this process, and a cheap poll for writes by other processes),
//! follows membership changes, answers invite codes, and reports status and events.
//!
//! Blocking store work never runs on the executor: each session step (handle the frames that
//! arrived, then produce as many outgoing messages as the writer has room for) runs in
//! `spawn_blocking`. Every connection has a reader task and a writer task, with bounded
//! channels, and the session's driver never blocks on either: a full writer only pauses the
//! production of new messages, so two peers sending large batches at once cannot deadlock.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use amer_core::store::JoinOptions;
use amer_core::Store;
use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify};
use tokio::task::JoinSet;

use crate::discovery::{self, Discovery, Found};
use crate::error::{
    AcceptError, ConnectError, FrameError, InviteError, JoinError, LinkError, NodeError, RefusalReason,
    SessionError,
};
use crate::events::{PeerStatus, SyncEvent, SyncReport};
use crate::identity::{NodeId, NodeIdentity};
use crate::membership::{self, InviteCode, JoinMessage, MAX_JOIN_MESSAGE_LEN};
use crate::protocol::message::uuid_from;
use crate::protocol::{
    Session, SessionConfig, SessionEvent, SessionStats, MAX_MESSAGE_LEN, PROTOCOL_VERSION,
};
use crate::transport::{
    read_frame, write_frame, AllowList, CloseCode, PeerConnection, PeerPolicy, PeerRole, Transport,
    TransportSettings,
};

/// `peer_state` owner of the peer lists this node keeps.
const STATIC_PEERS: &str = "~peers";

/// Key of the static peers added with [`SyncNode::add_static_peer`].
const STATIC_INDEX: &str = "static";

/// Key of the inviting PC recorded by [`SyncNode::join`], trusted until the office document
/// (and with it the member list) arrives.
const BOOTSTRAP_INDEX: &str = "bootstrap";

/// Frames handled per blocking step at most.
const FRAMES_PER_STEP: usize = 16;

/// Messages queued towards the writer at most.
const WRITER_QUEUE: usize = 8;

/// How long a new connection may take to open its stream.
const STREAM_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the background catch-up of projections waits after a sync completes.
const PROJECTION_PAUSE: Duration = Duration::from_millis(20);

/// How long a node that shuts down waits for a peer to take its last messages.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(300);

/// How a node runs. [`NodeConfig::new`] gives LAN defaults.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where to listen (UDP). Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Peers to dial whatever the office document says (always work, mDNS or not).
    pub static_peers: Vec<SocketAddr>,
    /// LAN discovery with mDNS (on by default): announce this node and dial the office's
    /// members found on the LAN. Harmless where multicast is blocked: static peers and the
    /// addresses members publish work with it on or off.
    pub mdns: bool,
    /// The UDP port mDNS uses: 5353 on a real LAN ([`crate::discovery::MDNS_PORT`]); tests
    /// pick another so that parallel runs stay apart.
    pub mdns_port: u16,
    /// Addresses published in this PC's member entry and put into invite codes. Empty: the
    /// listen address, when it is a specific address.
    pub advertise: Vec<SocketAddr>,
    /// Dial the addresses other members publish.
    pub dial_members: bool,
    /// Publish this node's addresses in its member entry of the office document.
    pub publish_address: bool,
    /// QUIC timing.
    pub transport: TransportSettings,
    /// Protocol tunables.
    pub session: SessionConfig,
    /// How often to look for writes by other processes.
    pub poll_interval: Duration,
    /// First reconnection delay.
    pub reconnect_min: Duration,
    /// Longest reconnection delay.
    pub reconnect_max: Duration,
}

impl NodeConfig {
    /// Defaults for a node listening on `listen`.
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            static_peers: Vec::new(),
            mdns: true,
            mdns_port: crate::discovery::MDNS_PORT,
            advertise: Vec::new(),
            dial_members: true,
            publish_address: true,
            transport: TransportSettings::default(),
            session: SessionConfig::default(),
            poll_interval: Duration::from_millis(150),
            reconnect_min: Duration::from_millis(200),
            reconnect_max: Duration::from_secs(30),
        }
    }
}

/// A command to a connection's driver.
enum Command {
    SyncNow(oneshot::Sender<SyncReport>),
}

struct LiveConnection {
    id: u64,
    connection: PeerConnection,
    dialler: NodeId,
    commands: mpsc::UnboundedSender<Command>,
    running: bool,
}

#[derive(Default)]
struct PeerRecord {
    addr: Option<SocketAddr>,
    live: Option<LiveConnection>,
    last_sync: Option<i64>,
    closed_totals: SessionStats,
    current: SessionStats,
    progress: f64,
    connections: u64,
}

#[derive(Default)]
struct State {
    peers: HashMap<NodeId, PeerRecord>,
    dialers: HashSet<SocketAddr>,
    /// Addresses being dialled right now (see [`DialClaim`]).
    connecting: HashSet<SocketAddr>,
    addr_ids: HashMap<SocketAddr, NodeId>,
    members: HashSet<NodeId>,
    discovered: Found,
}

struct Inner {
    store: Arc<Store>,
    identity: NodeIdentity,
    node_id: NodeId,
    transport: Transport,
    policy: Arc<AllowList>,
    config: NodeConfig,
    listen_addr: SocketAddr,
    events: broadcast::Sender<SyncEvent>,
    state: Mutex<State>,
    changes: watch::Sender<u64>,
    office_changed: watch::Sender<u64>,
    /// The `office_changed` value the allow-list and the open connections last reflected
    /// (see [`membership_loop`]); sessions send nothing while it lags behind.
    membership_seen: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
    connection_ended: Notify,
    /// A dial ended (its [`DialClaim`] was released).
    dial_ended: Notify,
    tasks: Mutex<JoinSet<()>>,
    subscription: AtomicU64,
    next_connection: AtomicU64,
    discovery: Mutex<Option<Discovery>>,
    /// A background catch-up of deferred projections runs.
    catching_up: std::sync::atomic::AtomicBool,
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn emit(&self, event: SyncEvent) {
        let _ = self.events.send(event);
    }

    fn spawn(self: &Arc<Self>, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget finished connection tasks, so that a long-running node does not accumulate them.
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }
}

/// A running sync node. Cheap to clone; clones share the node. Stop it with
/// [`SyncNode::shutdown`].
#[derive(Clone)]
pub struct SyncNode {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SyncNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncNode")
            .field("node_id", &self.inner.node_id)
            .field("listen", &self.inner.listen_addr)
            .finish_non_exhaustive()
    }
}

impl SyncNode {
    /// Starts a node for an initialised store whose node id is `identity`'s: listens, dials
    /// static peers (from `config` and those added earlier) and members' published addresses,
    /// and publishes its own address in the office document. Must be called within a tokio
    /// runtime.
    pub async fn start(
        store: Arc<Store>,
        identity: NodeIdentity,
        config: NodeConfig,
    ) -> Result<Self, NodeError> {
        let local = blocking(&store, |s| s.local()).await.map_err(|e| match e {
            amer_core::Error::NotInitialised => NodeError::NotInitialised,
            other => NodeError::Store(other),
        })?;
        if local.node_id != identity.node_id().full_hex() {
            return Err(NodeError::IdentityMismatch { expected: local.node_id, actual: identity.node_id() });
        }
        let policy = Arc::new(AllowList::new());
        let transport =
            Transport::bind_with(config.listen, &identity, policy.clone(), config.transport.clone())?;
        let listen_addr = transport.local_addr().map_err(|source| {
            NodeError::Bind(crate::error::BindError::Socket { addr: config.listen, source })
        })?;
        let (events, _) = broadcast::channel(1024);
        let inner = Arc::new(Inner {
            store: store.clone(),
            node_id: identity.node_id(),
            identity,
            transport,
            policy,
            config,
            listen_addr,
            events,
            state: Mutex::new(State::default()),
            changes: watch::channel(0).0,
            office_changed: watch::channel(0).0,
            membership_seen: watch::channel(0).0,
            shutdown: watch::channel(false).0,
            connection_ended: Notify::new(),
            dial_ended: Notify::new(),
            tasks: Mutex::new(JoinSet::new()),
            subscription: AtomicU64::new(0),
            next_connection: AtomicU64::new(1),
            discovery: Mutex::new(None),
            catching_up: std::sync::atomic::AtomicBool::new(false),
        });
        let changes = inner.changes.clone();
        let office_changed = inner.office_changed.clone();
        let subscription = store.subscribe(move |event| {
            // The office first: a session woken by the change must already see that the
            // members may have changed (see `membership_current`).
            if event.kind == "office" {
                office_changed.send_modify(|n| *n = n.wrapping_add(1));
            }
            changes.send_modify(|n| *n = n.wrapping_add(1));
        });
        inner.subscription.store(subscription, Ordering::SeqCst);

        let publish = refresh_membership(&inner).await;
        publish_address(&inner, publish).await;
        inner.spawn(accept_loop(inner.clone()));
        inner.spawn(external_poll_loop(inner.clone()));
        inner.spawn(membership_loop(inner.clone()));
        let mut statics: Vec<(SocketAddr, Option<NodeId>)> =
            inner.config.static_peers.iter().map(|addr| (*addr, None)).collect();
        statics.extend(load_static_peers(&inner.store).await);
        for (addr, id) in statics {
            ensure_dialer(&inner, addr, id);
        }
        if inner.config.mdns {
            start_discovery(&inner, &local.office_id.to_text());
        }
        tracing::info!(node = %inner.node_id, listen = %listen_addr, "sync node started");
        Ok(Self { inner })
    }

    /// Joins an office with an invite code on a fresh store: reaches the inviting PC (pinned
    /// by the id prefix in the code), presents the secret, records the office and the device
    /// code it allots, then starts the node and catches up with the inviting PC (within
    /// `timeout`) before returning it.
    pub async fn join(
        store: Arc<Store>,
        identity: NodeIdentity,
        code: &InviteCode,
        device_name: &str,
        config: NodeConfig,
        timeout: Duration,
    ) -> Result<Self, JoinError> {
        if let Ok(local) = blocking(&store, |s| s.local()).await {
            return Err(JoinError::AlreadyInitialised { office: local.office_id.to_text() });
        }
        let bind: SocketAddr = match config.listen.ip() {
            IpAddr::V4(ip) if !ip.is_unspecified() => SocketAddr::new(IpAddr::V4(ip), 0),
            _ => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        };
        let transport =
            Transport::bind_with(bind, &identity, Arc::new(AllowList::new()), config.transport.clone())?;
        let inviter_addr = SocketAddr::V4(code.addr);
        let result = join_handshake(&transport, code, device_name).await;
        transport.close().await;
        let (inviter, office_id, device_code) = result?;
        let options = JoinOptions {
            office_id: amer_core::OfficeId(uuid_from(office_id)),
            device_code: device_code.clone(),
            node_id: identity.node_id().full_hex(),
            device_name: device_name.to_owned(),
        };
        blocking(&store, move |s| s.join(options)).await?;
        blocking(&store, move |s| remember_peer(s, BOOTSTRAP_INDEX, inviter_addr, Some(inviter))).await?;
        tracing::info!(office = %uuid_from(office_id), device_code = %device_code, inviter = %inviter, "joined the office");
        let node = Self::start(store, identity, config).await?;
        if let Err(error) = node.sync_now(Some(inviter_addr), timeout).await {
            tracing::warn!(%error, "joined, but the first sync with the inviting PC did not complete; it continues in the background");
        }
        Ok(node)
    }

    /// Records, in a store that joined an office but has not received its documents yet, the
    /// member to trust and dial until the office document (and with it the member list)
    /// arrives. [`SyncNode::join`] does this with the inviting PC; use it directly when a PC
    /// was admitted another way. Blocking (one small write).
    pub fn add_bootstrap_peer(store: &Store, node_id: NodeId, addr: SocketAddr) -> Result<(), NodeError> {
        Ok(remember_peer(store, BOOTSTRAP_INDEX, addr, Some(node_id))?)
    }

    /// This node's id.
    pub fn node_id(&self) -> NodeId {
        self.inner.node_id
    }

    /// The address the node listens on (with the actual port).
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.listen_addr
    }

    /// The event stream (connected, disconnected, progress, synced, refused, remote change
    /// applied, member joined). Late subscribers miss earlier events; a slow subscriber that
    /// falls more than 1,024 events behind misses some (`RecvError::Lagged`).
    pub fn events(&self) -> broadcast::Receiver<SyncEvent> {
        self.inner.events.subscribe()
    }

    /// The state of every peer seen since the node started.
    pub fn status(&self) -> Vec<PeerStatus> {
        let state = self.inner.state();
        let mut out: Vec<PeerStatus> = state
            .peers
            .iter()
            .map(|(id, record)| {
                let totals = add_stats(record.closed_totals, record.current);
                PeerStatus {
                    node_id: *id,
                    addr: record.addr,
                    connected: record.live.as_ref().is_some_and(|l| l.running),
                    last_sync: record.last_sync,
                    docs_sent: totals.docs_sent,
                    docs_received: totals.docs_received,
                    bytes_sent: totals.bytes_sent,
                    bytes_received: totals.bytes_received,
                    progress: record.progress,
                    connections: record.connections,
                }
            })
            .collect();
        out.sort_by_key(|s| s.node_id);
        out
    }

    /// Catches up both ways with one peer (`peer_addr`, dialled now if not connected) or with
    /// every connected peer (`None`; dialers are woken first), and returns one report per peer
    /// that completed within `timeout`.
    pub async fn sync_now(
        &self,
        peer_addr: Option<SocketAddr>,
        timeout: Duration,
    ) -> Result<Vec<SyncReport>, NodeError> {
        let inner = &self.inner;
        if inner.is_shut_down() {
            return Err(NodeError::Stopped);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let targets: Vec<NodeId> = match peer_addr {
            Some(addr) => loop {
                if let Some(id) = live_peer_at(&inner.state(), addr) {
                    break vec![id];
                }
                let expected = inner.state().addr_ids.get(&addr).copied();
                // Listening before looking, so that a dial ending in between is not missed.
                let dial_ended = inner.dial_ended.notified();
                let Some(claim) = DialClaim::take(inner, addr, expected) else {
                    // A dialer is connecting to this PC right now: its connection serves this
                    // request too once it is registered. (A second connection of our own
                    // would be a duplicate that the peer may resolve the other way round,
                    // and both would be dropped.)
                    if tokio::time::timeout_at(deadline, dial_ended).await.is_err() {
                        return Err(NodeError::Connect(ConnectError::TimedOut { addr }));
                    }
                    continue;
                };
                drop(dial_ended);
                // The session with the expected peer is made while connecting.
                let prepared = expected.map(|id| (id, prepare_session(inner, id)));
                let connection = tokio::time::timeout_at(deadline, inner.transport.connect(addr, expected))
                    .await
                    .map_err(|_| NodeError::Connect(ConnectError::TimedOut { addr }))??;
                let id = connection.peer();
                let prepared = prepared.filter(|(expected, _)| *expected == id).map(|(_, p)| p);
                inner.state().addr_ids.insert(addr, id);
                // Registered now, so that the request below finds the connection instead of
                // polling for it.
                let registered = register(inner, &connection, true, addr);
                drop(claim);
                let task_inner = inner.clone();
                inner.spawn(async move {
                    run_registered(task_inner, connection, true, addr, registered, prepared).await;
                });
                break vec![id];
            },
            None => {
                inner.connection_ended.notify_waiters();
                // Give dialers that are between attempts a moment to connect.
                let settle = tokio::time::Instant::now() + Duration::from_millis(300).min(timeout / 2);
                loop {
                    let live: Vec<NodeId> = inner
                        .state()
                        .peers
                        .iter()
                        .filter(|(_, r)| r.live.is_some())
                        .map(|(id, _)| *id)
                        .collect();
                    if !live.is_empty() || tokio::time::Instant::now() >= settle {
                        break live;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        };
        let mut waits = Vec::new();
        for id in targets {
            let inner = inner.clone();
            waits.push(tokio::spawn(async move { sync_with(&inner, id, deadline).await }));
        }
        let mut reports = Vec::new();
        for wait in waits {
            if let Ok(Some(report)) = wait.await {
                reports.push(report);
            }
        }
        Ok(reports)
    }

    /// Makes a one-time invite code valid for `ttl` and opens the door for unknown keys to
    /// present it. The code carries this node's advertised IPv4 address.
    pub async fn invite(&self, ttl: Duration) -> Result<InviteCode, InviteError> {
        let inner = &self.inner;
        if inner.is_shut_down() {
            return Err(InviteError::Stopped);
        }
        let addr = inner
            .config
            .advertise
            .iter()
            .chain(std::iter::once(&inner.listen_addr))
            .find_map(|a| match a {
                SocketAddr::V4(v4) if !v4.ip().is_unspecified() => Some(*v4),
                _ => None,
            })
            .ok_or(InviteError::NoAddress { listen: inner.listen_addr })?;
        let node = inner.node_id;
        let code = blocking(&inner.store, move |s| membership::create_invite(s, addr, node, ttl)).await?;
        inner.policy.open_join_window(Instant::now() + ttl + membership::INVITE_GRACE);
        Ok(code)
    }

    /// Adds a peer address to dial from now on and after restarts; `node_id` pins the key
    /// expected there, if known.
    pub async fn add_static_peer(&self, node_id: Option<NodeId>, addr: SocketAddr) -> Result<(), NodeError> {
        blocking(&self.inner.store, move |s| remember_peer(s, STATIC_INDEX, addr, node_id)).await?;
        ensure_dialer(&self.inner, addr, node_id);
        Ok(())
    }

    /// Stops the node: closes every connection (telling peers), stops its tasks and its store
    /// listener. Idempotent.
    pub async fn shutdown(&self) {
        let inner = &self.inner;
        if inner.shutdown.send_replace(true) {
            return;
        }
        inner.store.unsubscribe(inner.subscription.load(Ordering::SeqCst));
        let discovery = inner.discovery.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(discovery) = discovery {
            // The daemon's goodbye waits a little: keep it off the executor.
            let _ = tokio::task::spawn_blocking(move || discovery.shutdown()).await;
        }
        // Sessions leave gracefully (see `drive`): wait for them, a little, before closing.
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE + Duration::from_millis(100);
        loop {
            let ended = inner.connection_ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            if !inner.state().peers.values().any(|r| r.live.is_some()) {
                break;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                break;
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), inner.transport.close()).await;
        let mut tasks =
            std::mem::take(&mut *inner.tasks.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        tracing::info!(node = %inner.node_id, "sync node stopped");
    }

    /// This node's identity (for callers that need its certificate or id).
    pub fn identity(&self) -> &NodeIdentity {
        &self.inner.identity
    }
}

/// Runs a store call on a blocking thread.
async fn blocking<T: Send + 'static, E: From<amer_core::Error> + Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, E> + Send + 'static,
) -> Result<T, E> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || f(&store)).await {
        Ok(result) => result,
        Err(e) => {
            Err(E::from(amer_core::Error::Io(std::io::Error::other(format!("a database task failed: {e}")))))
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn add_stats(a: SessionStats, b: SessionStats) -> SessionStats {
    SessionStats {
        docs_sent: a.docs_sent + b.docs_sent,
        docs_received: a.docs_received + b.docs_received,
        docs_changed: a.docs_changed + b.docs_changed,
        keys_sent: a.keys_sent + b.keys_sent,
        keys_received: a.keys_received + b.keys_received,
        bytes_sent: a.bytes_sent + b.bytes_sent,
        bytes_received: a.bytes_received + b.bytes_received,
        messages_sent: a.messages_sent + b.messages_sent,
        messages_received: a.messages_received + b.messages_received,
        apply_micros: a.apply_micros + b.apply_micros,
    }
}

fn report(
    node_id: NodeId,
    addr: SocketAddr,
    now: SessionStats,
    since: SessionStats,
    started: Instant,
) -> SyncReport {
    SyncReport {
        node_id,
        addr,
        docs_sent: now.docs_sent - since.docs_sent,
        docs_received: now.docs_received - since.docs_received,
        bytes_sent: now.bytes_sent - since.bytes_sent,
        bytes_received: now.bytes_received - since.bytes_received,
        apply_millis: (now.apply_micros - since.apply_micros) / 1000,
        millis: started.elapsed().as_millis() as u64,
    }
}

/// Asks the live session with `id` to catch up and waits for its report (retrying on a new
/// connection if the current one ends).
async fn sync_with(inner: &Arc<Inner>, id: NodeId, deadline: tokio::time::Instant) -> Option<SyncReport> {
    loop {
        let commands = inner.state().peers.get(&id).and_then(|r| r.live.as_ref().map(|l| l.commands.clone()));
        if let Some(commands) = commands {
            let (tx, rx) = oneshot::channel();
            if commands.send(Command::SyncNow(tx)).is_ok() {
                match tokio::time::timeout_at(deadline, rx).await {
                    Ok(Ok(report)) => return Some(report),
                    Ok(Err(_)) => {}
                    Err(_) => return None,
                }
            }
        }
        if tokio::time::Instant::now() >= deadline || inner.is_shut_down() {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

// ----- Membership -----

async fn membership_loop(inner: Arc<Inner>) {
    let mut office = inner.office_changed.subscribe();
    let mut shutdown = inner.shutdown.subscribe();
    loop {
        // Compared by value, so that a change made before this loop subscribed is not missed.
        let wanted = *office.borrow_and_update();
        if wanted != *inner.membership_seen.borrow() {
            let publish = refresh_membership(&inner).await;
            // The allow-list and the connections now reflect the office as of `wanted`:
            // sessions may send again (what they send can no longer reach a removed member).
            inner.membership_seen.send_replace(wanted);
            publish_address(&inner, publish).await;
            continue;
        }
        tokio::select! {
            changed = office.changed() => if changed.is_err() { return },
            _ = shutdown.changed() => return,
        }
    }
}

/// Whether the allow-list and the open connections reflect the latest office document this
/// node knows of. A session sends nothing until they do: otherwise a member's removal could
/// reach that member (which then closes the connection itself, as if it had refused this PC)
/// before this PC closes its connection and reports the removal.
fn membership_current(inner: &Inner) -> bool {
    *inner.office_changed.borrow() == *inner.membership_seen.borrow()
}

/// Reads the office's members: updates the allow-list, closes connections of removed members,
/// dials members' published addresses. Returns this node's published addresses when it is an
/// active member that publishes them (for [`publish_address`]).
async fn refresh_membership(inner: &Arc<Inner>) -> Option<Vec<SocketAddr>> {
    let office = match blocking(&inner.store, |s| s.office()).await {
        Ok(office) => office,
        Err(amer_core::Error::NotFound { .. }) => {
            // A PC that just joined: trust the inviting PC until the office document arrives.
            let bootstrap =
                blocking(&inner.store, |s| list_peers(s, BOOTSTRAP_INDEX)).await.unwrap_or_default();
            for (addr, id) in bootstrap {
                if let Some(id) = id {
                    inner.policy.insert(id);
                    ensure_dialer(inner, addr, Some(id));
                }
            }
            return None;
        }
        Err(error) => {
            tracing::warn!(%error, "could not read the office's members");
            return None;
        }
    };
    let members = membership::members_of(&office);
    let me = members.iter().find(|m| m.node_id == inner.node_id);
    // A PC removed from the office syncs with no one. (One not listed yet, whose copy of the
    // office predates its admission, still trusts the members it knows.)
    let active: HashSet<NodeId> = if me.is_some_and(|m| !m.active) {
        tracing::warn!("this PC was removed from the office; it syncs with no one");
        HashSet::new()
    } else {
        members.iter().filter(|m| m.active && m.node_id != inner.node_id).map(|m| m.node_id).collect()
    };
    inner.policy.replace(active.iter().copied());
    if let Ok(Some(window)) = blocking(&inner.store, membership::join_window).await {
        inner.policy.open_join_window(Instant::now() + window);
    }
    // Close sessions with members no longer allowed.
    let removed: Vec<(NodeId, PeerConnection)> = {
        let mut state = inner.state();
        state.members = active.clone();
        state
            .peers
            .iter()
            .filter(|(id, _)| !active.contains(id))
            .filter_map(|(id, r)| r.live.as_ref().map(|l| (*id, l.connection.clone())))
            .collect()
    };
    for (id, connection) in removed {
        let detail =
            "this PC was removed from the office; its connections are refused from now on".to_owned();
        tracing::warn!(peer = %id, "closing the connection of a removed member");
        connection.close(CloseCode::Removed, &detail);
        inner.emit(SyncEvent::Refused {
            node_id: Some(id),
            addr: Some(connection.remote_address()),
            reason: RefusalReason::NotAMember,
            detail,
            by_peer: false,
        });
    }
    if inner.config.dial_members {
        for member in members.iter().filter(|m| active.contains(&m.node_id)) {
            for addr in &member.addresses {
                ensure_dialer(inner, *addr, Some(member.node_id));
            }
        }
    }
    // Members found on the LAN before they were members here (a PC that joined elsewhere).
    let found = inner.state().discovered.all();
    for (id, addr) in found.into_iter().filter(|(id, _)| active.contains(id)) {
        ensure_dialer(inner, addr, Some(id));
    }
    me.filter(|m| m.active && inner.config.publish_address).map(|m| m.addresses.clone())
}

/// Publishes this node's addresses in the office document when `published` (what it lists
/// now) differs from them.
async fn publish_address(inner: &Arc<Inner>, published: Option<Vec<SocketAddr>>) {
    if let Some(published) = published {
        let advertise = advertised(inner);
        let mut current = published;
        current.sort();
        let mut wanted = advertise.clone();
        wanted.sort();
        if !wanted.is_empty() && current != wanted {
            // Only the addresses: a removal arriving meanwhile must stand.
            let node = inner.node_id.full_hex();
            let addresses: Vec<String> = advertise.iter().map(|a| a.to_string()).collect();
            if let Err(error) =
                blocking(&inner.store, move |s| s.set_member_addresses(&node, &addresses)).await
            {
                tracing::warn!(%error, "could not publish this PC's address");
            }
        }
    }
}

fn advertised(inner: &Inner) -> Vec<SocketAddr> {
    if !inner.config.advertise.is_empty() {
        return inner.config.advertise.clone();
    }
    if inner.listen_addr.ip().is_unspecified() {
        Vec::new()
    } else {
        vec![inner.listen_addr]
    }
}

/// Reads a peer list kept in `peer_state` under [`STATIC_PEERS`]: `index_key` lists the
/// addresses, one per line; each address's value is the node id expected there (hex) or empty.
fn list_peers(store: &Store, index_key: &str) -> amer_core::Result<Vec<(SocketAddr, Option<NodeId>)>> {
    let index = store.peer_state(STATIC_PEERS, index_key)?.unwrap_or_default();
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(&index).lines() {
        let mut parts = line.split(' ');
        if let Some(Ok(addr)) = parts.next().map(str::parse::<SocketAddr>) {
            let id = parts.next().and_then(|hex| hex.parse::<NodeId>().ok());
            out.push((addr, id));
        }
    }
    Ok(out)
}

/// Adds or replaces an address in a peer list (see [`list_peers`]).
fn remember_peer(
    store: &Store,
    index_key: &str,
    addr: SocketAddr,
    id: Option<NodeId>,
) -> amer_core::Result<()> {
    let mut peers = list_peers(store, index_key)?;
    peers.retain(|(a, _)| *a != addr);
    peers.push((addr, id));
    let text: String = peers
        .iter()
        .map(|(a, id)| format!("{a} {}\n", id.map(|i| i.full_hex()).unwrap_or_default()))
        .collect();
    store.set_peer_state(STATIC_PEERS, index_key, text.as_bytes())
}

async fn load_static_peers(store: &Arc<Store>) -> Vec<(SocketAddr, Option<NodeId>)> {
    blocking(store, |s| list_peers(s, STATIC_INDEX)).await.unwrap_or_default()
}

// ----- Deferred projections -----

/// Projects the documents received from peers in the background (one task at a time), so that
/// the next query finds the work done.
fn catch_up_in_background(inner: &Arc<Inner>) {
    if inner.catching_up.swap(true, Ordering::SeqCst) {
        return;
    }
    let task_inner = inner.clone();
    inner.spawn(async move {
        // A moment first: whoever waited for the sync (a `sync_now` about to return, the next
        // batch of a live session) gets the CPU and the store before this longer work.
        tokio::time::sleep(PROJECTION_PAUSE).await;
        let store = task_inner.store.clone();
        let result = tokio::task::spawn_blocking(move || store.catch_up_projections()).await;
        task_inner.catching_up.store(false, Ordering::SeqCst);
        if let Ok(Err(error)) = result {
            tracing::warn!(%error, "could not bring the lists up to date with what peers sent; the next query retries");
        }
    });
}

// ----- LAN discovery -----

/// Starts mDNS announcing and browsing; on failure (no multicast, the port taken) logs why and
/// carries on without it.
fn start_discovery(inner: &Arc<Inner>, office: &str) {
    let ips: Vec<IpAddr> = {
        let advertise = advertised(inner);
        if advertise.is_empty() {
            Vec::new()
        } else {
            advertise.iter().map(SocketAddr::ip).collect()
        }
    };
    let port = advertised(inner).first().map_or(inner.listen_addr.port(), SocketAddr::port);
    match Discovery::start(office, inner.node_id, &ips, port, inner.config.mdns_port, PROTOCOL_VERSION) {
        Ok((discovery, events, monitor)) => {
            tracing::debug!(?discovery, "mDNS discovery started");
            *inner.discovery.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(discovery);
            inner.spawn(browse_loop(inner.clone(), office.to_owned(), events));
            inner.spawn(monitor_loop(inner.clone(), monitor));
        }
        Err(error) => {
            tracing::warn!(%error, "LAN discovery (mDNS) is unavailable; static peers and published addresses still work");
        }
    }
}

/// Dials the office's members announced on the LAN.
async fn browse_loop(inner: Arc<Inner>, office: String, events: discovery::Events) {
    let mut shutdown = inner.shutdown.subscribe();
    loop {
        let event = tokio::select! {
            event = events.recv_async() => match event {
                Ok(event) => event,
                Err(_) => return,
            },
            _ = shutdown.changed() => return,
        };
        let mdns_sd::ServiceEvent::ServiceResolved(service) = event else { continue };
        let Some(found) = discovery::accept(&service, &office, inner.node_id, PROTOCOL_VERSION) else {
            continue;
        };
        let (new, member) = {
            let mut state = inner.state();
            (state.discovered.record(&found), state.members.contains(&found.node_id))
        };
        if new {
            tracing::debug!(peer = %found.node_id, addrs = ?found.addrs, member, "found on the LAN (mDNS)");
        }
        if member && inner.policy.allows(&found.node_id) {
            for addr in &found.addrs {
                ensure_dialer(&inner, *addr, Some(found.node_id));
            }
        }
    }
}

/// Logs the mDNS daemon's errors once each (for example multicast not permitted here).
async fn monitor_loop(inner: Arc<Inner>, monitor: mdns_sd::Receiver<mdns_sd::DaemonEvent>) {
    let mut shutdown = inner.shutdown.subscribe();
    let mut seen = HashSet::new();
    loop {
        let event = tokio::select! {
            event = monitor.recv_async() => match event {
                Ok(event) => event,
                Err(_) => return,
            },
            _ = shutdown.changed() => return,
        };
        if let mdns_sd::DaemonEvent::Error(error) = event {
            let text = error.to_string();
            if seen.insert(text.clone()) {
                tracing::info!(error = %text, "mDNS: LAN discovery may not work here; static peers still do");
            }
        }
    }
}

// ----- Change notification -----

async fn external_poll_loop(inner: Arc<Inner>) {
    let mut shutdown = inner.shutdown.subscribe();
    let mut interval = tokio::time::interval(inner.config.poll_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = shutdown.changed() => return,
        }
        match blocking(&inner.store, |s| s.changed_externally()).await {
            Ok(true) => {
                tracing::debug!("the database was changed by another process");
                inner.office_changed.send_modify(|n| *n = n.wrapping_add(1));
                inner.changes.send_modify(|n| *n = n.wrapping_add(1));
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "could not check the database for outside changes"),
        }
    }
}

// ----- Connections -----

async fn accept_loop(inner: Arc<Inner>) {
    let mut shutdown = inner.shutdown.subscribe();
    loop {
        let incoming = tokio::select! {
            incoming = inner.transport.accept() => incoming,
            _ = shutdown.changed() => return,
        };
        let Some(incoming) = incoming else { return };
        let task_inner = inner.clone();
        inner.spawn(async move {
            let remote = incoming.remote_address();
            match incoming.establish().await {
                Ok(connection) if connection.role() == PeerRole::Joiner => {
                    serve_join(task_inner, connection).await
                }
                Ok(connection) => {
                    run_accepted(task_inner, connection).await;
                }
                Err(AcceptError::NotAMember { remote }) => task_inner.emit(SyncEvent::Refused {
                    node_id: None,
                    addr: Some(remote),
                    reason: RefusalReason::NotAMember,
                    detail: "refused a PC whose key is not a member of this office".to_owned(),
                    by_peer: false,
                }),
                Err(AcceptError::IncompatibleProtocol { remote }) => task_inner.emit(SyncEvent::Refused {
                    node_id: None,
                    addr: Some(remote),
                    reason: RefusalReason::IncompatibleVersion,
                    detail: "refused a PC that speaks another sync protocol".to_owned(),
                    by_peer: false,
                }),
                Err(error) => tracing::debug!(%remote, %error, "an incoming connection failed"),
            }
        });
    }
}

/// Starts a dialer for `addr` unless one runs.
fn ensure_dialer(inner: &Arc<Inner>, addr: SocketAddr, expected: Option<NodeId>) {
    if addr == inner.listen_addr || addr.port() == 0 {
        return;
    }
    {
        let mut state = inner.state();
        if !state.dialers.insert(addr) {
            return;
        }
        if let Some(id) = expected {
            state.addr_ids.insert(addr, id);
        }
    }
    let task_inner = inner.clone();
    inner.spawn(dial_loop(task_inner, addr));
}

async fn dial_loop(inner: Arc<Inner>, addr: SocketAddr) {
    let mut backoff = inner.config.reconnect_min;
    let mut last_refusal: Option<String> = None;
    let mut shutdown = inner.shutdown.subscribe();
    loop {
        if inner.is_shut_down() {
            return;
        }
        let expected = inner.state().addr_ids.get(&addr).copied();
        // Wait while the peer behind this address is connected (by us or by it).
        if let Some(id) = expected {
            let connected = inner.state().peers.get(&id).is_some_and(|r| r.live.is_some());
            let allowed = inner.policy.allows(&id);
            if connected || !allowed {
                tokio::select! {
                    _ = inner.connection_ended.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                    _ = shutdown.changed() => return,
                }
                continue;
            }
        }
        let dial_ended = inner.dial_ended.notified();
        let Some(claim) = DialClaim::take(&inner, addr, expected) else {
            // `sync_now` or another dialer is connecting to this PC: look again when it is done.
            tokio::select! {
                _ = dial_ended => {}
                _ = shutdown.changed() => return,
            }
            continue;
        };
        drop(dial_ended);
        match inner.transport.connect(addr, expected).await {
            Ok(connection) => {
                inner.state().addr_ids.insert(addr, connection.peer());
                last_refusal = None;
                let registered = register(&inner, &connection, true, addr);
                drop(claim);
                let ended_well =
                    run_registered(inner.clone(), connection, true, addr, registered, None).await;
                backoff = if ended_well {
                    inner.config.reconnect_min
                } else {
                    (backoff * 2).min(inner.config.reconnect_max)
                };
            }
            Err(error) => {
                drop(claim);
                let refusal = match &error {
                    ConnectError::NotAMember { presented, .. } => {
                        Some((Some(*presented), RefusalReason::NotAMember, false))
                    }
                    ConnectError::RefusedByPeer { .. } => Some((expected, RefusalReason::NotAMember, true)),
                    ConnectError::IncompatibleProtocol { .. } => {
                        Some((expected, RefusalReason::IncompatibleVersion, true))
                    }
                    _ => None,
                };
                let text = error.to_string();
                if let Some((node_id, reason, by_peer)) = refusal {
                    if last_refusal.as_deref() != Some(text.as_str()) {
                        tracing::warn!(%addr, error = %text, "connection refused");
                        inner.emit(SyncEvent::Refused {
                            node_id,
                            addr: Some(addr),
                            reason,
                            detail: text.clone(),
                            by_peer,
                        });
                        last_refusal = Some(text);
                    }
                } else {
                    tracing::debug!(%addr, error = %text, "could not connect");
                }
                backoff = (backoff * 2).min(inner.config.reconnect_max);
            }
        }
        // A little jitter keeps two PCs from redialling each other in lockstep.
        let jitter = Duration::from_millis(u64::from(inner.node_id.as_bytes()[0]) % 50);
        tokio::select! {
            _ = tokio::time::sleep(backoff + jitter) => {}
            _ = inner.connection_ended.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// The right to dial an address (and the PC expected there) now: one dial at a time per PC
/// from this node. Two connections dialled by the same side at once would be resolved by
/// each side keeping the one it registered last, which need not be the same one, and then
/// both are dropped (a lost reconnection delay). Released on drop.
struct DialClaim<'a> {
    inner: &'a Inner,
    addr: SocketAddr,
}

impl<'a> DialClaim<'a> {
    fn take(inner: &'a Inner, addr: SocketAddr, expected: Option<NodeId>) -> Option<Self> {
        let mut state = inner.state();
        let busy = state.connecting.contains(&addr)
            || expected.is_some_and(|id| {
                state.connecting.iter().any(|other| state.addr_ids.get(other) == Some(&id))
            });
        if busy {
            return None;
        }
        state.connecting.insert(addr);
        Some(Self { inner, addr })
    }
}

impl Drop for DialClaim<'_> {
    fn drop(&mut self) {
        self.inner.state().connecting.remove(&self.addr);
        self.inner.dial_ended.notify_waiters();
    }
}

/// The PC with a live connection reached at `addr`, if any.
fn live_peer_at(state: &State, addr: SocketAddr) -> Option<NodeId> {
    state.peers.iter().find(|(_, r)| r.live.is_some() && r.addr == Some(addr)).map(|(id, _)| *id).or_else(
        || {
            state
                .addr_ids
                .get(&addr)
                .copied()
                .filter(|id| state.peers.get(id).is_some_and(|r| r.live.is_some()))
        },
    )
}

/// What ended a session, for events and logs.
enum Ending {
    Local(SessionError),
    Link(LinkError),
    Frame(FrameError),
    StreamEnded,
    Shutdown,
    Duplicate,
}

enum Incoming {
    Frame(Vec<u8>),
    Ended(Option<FrameError>),
}

/// Registers a new connection with `peer`, resolving duplicates: of two connections between
/// the same pair, both sides keep the one dialled by the smaller node id. Returns whether this
/// one is kept, and the command channel's receiver.
fn register(
    inner: &Arc<Inner>,
    connection: &PeerConnection,
    dialled: bool,
    addr: SocketAddr,
) -> Result<(u64, mpsc::UnboundedReceiver<Command>), Refusal> {
    let peer = connection.peer();
    let dialler = if dialled { inner.node_id } else { peer };
    let preferred = inner.node_id.min(peer);
    let id = inner.next_connection.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = mpsc::unbounded_channel();
    let mut state = inner.state();
    // The transport checked the allow-list during the handshake, but a removal may have been
    // applied since (`refresh_membership` replaces the list, then closes the live connections
    // under this lock): checked again here, under the lock, a connection is either seen and
    // closed by that refresh or refused here, never kept.
    if !inner.policy.allows(&peer) {
        return Err(Refusal::NotAMember);
    }
    let record = state.peers.entry(peer).or_default();
    if let Some(existing) = &record.live {
        let keep_new = existing.dialler == dialler || dialler == preferred;
        if !keep_new {
            return Err(Refusal::Duplicate);
        }
        existing.connection.close(CloseCode::Duplicate, "another connection with this PC is kept");
    }
    record.addr = Some(addr);
    record.connections += 1;
    record.closed_totals = add_stats(record.closed_totals, record.current);
    record.current = SessionStats::default();
    record.live =
        Some(LiveConnection { id, connection: connection.clone(), dialler, commands: tx, running: false });
    Ok((id, rx))
}

/// Why [`register`] did not keep a connection.
enum Refusal {
    /// Another connection with the same PC is kept.
    Duplicate,
    /// The PC is no longer a member (removed while the connection was being established).
    NotAMember,
}

/// Registers a connection a member made to this node and runs its session until it ends.
async fn run_accepted(inner: Arc<Inner>, connection: PeerConnection) {
    let addr = connection.remote_address();
    let registered = register(&inner, &connection, false, addr);
    run_registered(inner, connection, false, addr, registered, None).await;
}

/// Runs a session on an established member connection, once [`register`]ed, until it ends.
/// Returns whether it ended without a refusal or a protocol error (so that a dialer reconnects
/// soon).
async fn run_registered(
    inner: Arc<Inner>,
    connection: PeerConnection,
    dialled: bool,
    addr: SocketAddr,
    registered: Result<(u64, mpsc::UnboundedReceiver<Command>), Refusal>,
    prepared: Option<Prepared>,
) -> bool {
    let peer = connection.peer();
    let (id, commands) = match registered {
        Ok(kept) => kept,
        Err(Refusal::Duplicate) => {
            tracing::debug!(%peer, "dropping a duplicate connection");
            connection.close(CloseCode::Duplicate, "another connection with this PC is kept");
            return true;
        }
        Err(Refusal::NotAMember) => {
            let detail =
                "this PC was removed from the office; its connections are refused from now on".to_owned();
            tracing::warn!(%peer, "refused the connection of a removed member");
            connection.close(CloseCode::Removed, &detail);
            inner.emit(SyncEvent::Refused {
                node_id: Some(peer),
                addr: Some(addr),
                reason: RefusalReason::NotAMember,
                detail,
                by_peer: false,
            });
            return false;
        }
    };
    let ending = drive(&inner, &connection, dialled, id, commands, prepared).await;
    let was_running = {
        let mut state = inner.state();
        let record = state.peers.entry(peer).or_default();
        let running = record.live.as_ref().is_some_and(|l| l.id == id && l.running);
        if record.live.as_ref().is_some_and(|l| l.id == id) {
            record.live = None;
            record.progress = 0.0;
        }
        running
    };
    inner.connection_ended.notify_waiters();
    report_ending(&inner, &connection, peer, addr, ending, was_running)
}

fn report_ending(
    inner: &Arc<Inner>,
    connection: &PeerConnection,
    peer: NodeId,
    addr: SocketAddr,
    ending: Ending,
    was_running: bool,
) -> bool {
    let refused = |reason: RefusalReason, detail: String, by_peer: bool| {
        if by_peer {
            tracing::warn!(%peer, %addr, %detail, "the peer refused this PC");
        } else {
            tracing::warn!(%peer, %addr, %detail, "refused the peer");
        }
        inner.emit(SyncEvent::Refused { node_id: Some(peer), addr: Some(addr), reason, detail, by_peer });
        false
    };
    let link_refusal = |link: &LinkError| -> Option<(RefusalReason, String)> {
        match link {
            LinkError::RefusedByPeer => Some((
                RefusalReason::NotAMember,
                "the peer refused this PC: it does not count this PC as a member of the office (removed, or \
                 it has not yet learned of the invitation)"
                    .to_owned(),
            )),
            LinkError::IncompatibleProtocol => Some((
                RefusalReason::IncompatibleVersion,
                "the peer speaks another version of the sync protocol; update AMER on both PCs".to_owned(),
            )),
            LinkError::ClosedByPeer { code, reason } => match CloseCode::from_code(*code) {
                Some(CloseCode::OtherOffice) => Some((RefusalReason::OtherOffice, reason.clone())),
                Some(CloseCode::IncompatibleVersion) => {
                    Some((RefusalReason::IncompatibleVersion, reason.clone()))
                }
                Some(CloseCode::Removed) => Some((RefusalReason::NotAMember, reason.clone())),
                Some(CloseCode::InviteRefused) => Some((RefusalReason::InviteRefused, reason.clone())),
                _ => None,
            },
            _ => None,
        }
    };
    let disconnected = |reason: String| {
        if was_running {
            inner.emit(SyncEvent::Disconnected { node_id: peer, addr, reason });
        }
    };
    match ending {
        Ending::Local(error) => {
            let code = error.close_code();
            let text = truncate(&error.to_string(), 400);
            connection.close(code, &text);
            match error {
                SessionError::Refused { reason, detail } => refused(reason, detail, false),
                other => {
                    tracing::warn!(%peer, %addr, error = %other, "closed the sync session");
                    disconnected(text);
                    false
                }
            }
        }
        Ending::Link(link) | Ending::Frame(FrameError::Link(link)) => {
            if let Some((reason, detail)) = link_refusal(&link) {
                return refused(reason, detail, true);
            }
            let ok = matches!(link, LinkError::ClosedByPeer { code, .. } if [CloseCode::Done.code(), CloseCode::ShuttingDown.code(), CloseCode::Duplicate.code()].iter().any(|c| u64::from(*c) == code))
                || matches!(link, LinkError::LocallyClosed);
            if !ok {
                tracing::info!(%peer, %addr, error = %link, "sync connection ended");
            }
            disconnected(link.to_string());
            ok || matches!(link, LinkError::TimedOut | LinkError::Reset)
        }
        Ending::Frame(error) => {
            let text = error.to_string();
            tracing::warn!(%peer, %addr, error = %text, "closing a connection that sent a bad frame");
            connection.close(CloseCode::ProtocolViolation, &truncate(&text, 400));
            disconnected(text);
            false
        }
        Ending::StreamEnded => {
            connection.close(CloseCode::Done, "session ended");
            disconnected("the peer ended the session".to_owned());
            true
        }
        Ending::Shutdown => {
            connection.close(CloseCode::ShuttingDown, "node shutting down");
            disconnected("this node is shutting down".to_owned());
            true
        }
        Ending::Duplicate => {
            disconnected(
                "closed by this PC (replaced by another connection with the same PC, or the PC was removed)"
                    .to_owned(),
            );
            true
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// A session being made on a blocking thread, with its Hello encoded.
type Prepared = tokio::task::JoinHandle<Result<(Session, Vec<u8>), SessionError>>;

/// Starts making the session with `peer` and its Hello (store reads) on a blocking thread.
fn prepare_session(inner: &Arc<Inner>, peer: NodeId) -> Prepared {
    let config = inner.config.session.clone();
    let local_node = inner.node_id;
    let store = inner.store.clone();
    tokio::task::spawn_blocking(move || {
        let mut session = Session::new(&store, peer, local_node, config)?;
        let hello = session
            .poll_transmit_bytes(&store)?
            .ok_or_else(|| SessionError::Unexpected { detail: "a new session has no Hello".to_owned() })?;
        Ok((session, hello))
    })
}

/// Opens the session's stream, starts the reader and writer tasks and drives the session.
async fn drive(
    inner: &Arc<Inner>,
    connection: &PeerConnection,
    dialled: bool,
    id: u64,
    mut commands: mpsc::UnboundedReceiver<Command>,
    prepared: Option<Prepared>,
) -> Ending {
    let peer = connection.peer();
    // The session reads what its Hello needs while the stream opens (the accepting side's
    // stream appears only once the dialler's Hello arrives), or while the connection was
    // being made (`sync_now`).
    let new_session = prepared.unwrap_or_else(|| prepare_session(inner, peer));
    let opened = if dialled {
        tokio::time::timeout(STREAM_TIMEOUT, connection.open_bi()).await
    } else {
        tokio::time::timeout(STREAM_TIMEOUT, connection.accept_bi()).await
    };
    let (mut send, mut recv) = match opened {
        Ok(Ok(streams)) => streams,
        Ok(Err(link)) => return Ending::Link(link),
        Err(_) => return Ending::Link(LinkError::TimedOut),
    };
    let (session, hello) = match new_session.await {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(error)) => return Ending::Local(error),
        Err(_) => return Ending::Shutdown,
    };

    let (in_tx, mut in_rx) = mpsc::channel::<Incoming>(FRAMES_PER_STEP);
    let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(WRITER_QUEUE);
    // The Hello goes out as soon as the writer runs.
    if out_tx.try_send(hello).is_err() {
        return Ending::StreamEnded;
    }
    let reader = tokio::spawn(async move {
        loop {
            match read_frame(&mut recv, MAX_MESSAGE_LEN).await {
                Ok(Some(frame)) => {
                    if in_tx.send(Incoming::Frame(frame)).await.is_err() {
                        return;
                    }
                }
                Ok(None) => {
                    let _ = in_tx.send(Incoming::Ended(None)).await;
                    return;
                }
                Err(error) => {
                    let _ = in_tx.send(Incoming::Ended(Some(error))).await;
                    return;
                }
            }
        }
    });
    let writer = tokio::spawn(async move {
        while let Some(bytes) = out_rx.recv().await {
            if write_frame(&mut send, &bytes).await.is_err() {
                return;
            }
        }
        let _ = send.finish();
    });
    let mut writer = writer;
    let ending = drive_session(inner, connection, id, session, &mut in_rx, &out_tx, &mut commands).await;
    if matches!(ending, Ending::Shutdown) {
        // Leave gracefully: send what is queued, end the stream, and give the peer a moment
        // to handle it (it closes the connection once it has) or to end its own stream (it is
        // leaving too). The last messages (an Applied, the offers that move the peer's
        // checkpoint) then take effect instead of being cut off by the close.
        drop(out_tx);
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
            let _ = (&mut writer).await;
            loop {
                tokio::select! {
                    _ = connection.closed() => break,
                    incoming = in_rx.recv() => match incoming {
                        Some(Incoming::Frame(_)) => {}
                        _ => break,
                    },
                }
            }
        })
        .await;
    } else {
        drop(out_tx);
    }
    reader.abort();
    writer.abort();
    ending
}

struct Waiter {
    reply: oneshot::Sender<SyncReport>,
    since: SessionStats,
    started: Instant,
}

#[allow(clippy::too_many_lines)]
async fn drive_session(
    inner: &Arc<Inner>,
    connection: &PeerConnection,
    id: u64,
    session: Session,
    in_rx: &mut mpsc::Receiver<Incoming>,
    out_tx: &mpsc::Sender<Vec<u8>>,
    commands: &mut mpsc::UnboundedReceiver<Command>,
) -> Ending {
    let peer = connection.peer();
    let addr =
        inner.state().peers.get(&peer).and_then(|r| r.addr).unwrap_or_else(|| connection.remote_address());
    let mut session = Some(session);
    let mut changes = inner.changes.subscribe();
    let mut shutdown = inner.shutdown.subscribe();
    let mut membership_seen = inner.membership_seen.subscribe();
    let mut pending: VecDeque<Vec<u8>> = VecDeque::new();
    let mut idle = false;
    let mut local_changed = false;
    let mut sync_requests = 0usize;
    let mut waiters: Vec<Waiter> = Vec::new();
    let mut new_waiters: Vec<oneshot::Sender<SyncReport>> = Vec::new();
    let mut running = false;
    let mut caught_up = false;
    let mut synced_since = (SessionStats::default(), Instant::now());
    // The first sync request on a connection reports the whole session (its catch-up may have
    // started before the request arrived); later ones report the round they asked for, or the
    // catch-up under way.
    let opened = synced_since;
    let mut first_waiter = true;
    let mut last_progress = (0.0f64, Instant::now());
    // The peer's stream ended (or failed) after the frames still in `pending`: they are
    // handled (and the checkpoint recorded) before the session ends, so that the last
    // messages of a peer that closes gracefully take effect.
    let mut stream_end: Option<Ending> = None;
    loop {
        // Requests already waiting go into the next step (a request taken before the session
        // runs needs no SyncRequest: the Hellos already say how far each side must get).
        while let Ok(Command::SyncNow(reply)) = commands.try_recv() {
            sync_requests += 1;
            new_waiters.push(reply);
            idle = false;
        }
        if stream_end.is_some() && (pending.is_empty() || !membership_current(inner)) {
            return stream_end.unwrap_or(Ending::StreamEnded);
        }
        // An idle session polls for output again once something arrives (what arrived usually
        // calls for an answer: in the same step, not in one more).
        let quiet = idle && pending.is_empty() && !local_changed && sync_requests == 0;
        let budget = if quiet || stream_end.is_some() { 0 } else { out_tx.capacity() };
        // Nothing is read from the store or sent while the members may have changed and the
        // membership refresh has not caught up (see `membership_current`).
        let members_known = membership_current(inner);
        if members_known && (!pending.is_empty() || budget > 0 || local_changed || sync_requests > 0) {
            let frames: Vec<Vec<u8>> = pending.drain(..pending.len().min(FRAMES_PER_STEP)).collect();
            let Some(mut s) = session.take() else { return Ending::Shutdown };
            let store = inner.store.clone();
            let changed = std::mem::take(&mut local_changed);
            let requests = std::mem::take(&mut sync_requests);
            tracing::trace!(%peer, frames = frames.len(), budget, "step");
            // Each message goes to the writer as soon as it is made: a step that makes several
            // batches (tens of milliseconds each) must not hold the first back until the last
            // is ready. The writer only drains the queue meanwhile, so the budget always fits.
            let writer_queue = out_tx.clone();
            let step = tokio::task::spawn_blocking(move || {
                let mut sent = 0usize;
                let mut writer_gone = false;
                let mut exhausted = false;
                let result = (|| {
                    if changed {
                        s.local_changed();
                    }
                    for _ in 0..requests {
                        s.request_sync(&store)?;
                    }
                    for frame in &frames {
                        s.handle_bytes(&store, frame)?;
                    }
                    while sent < budget {
                        match s.poll_transmit_bytes(&store)? {
                            Some(bytes) => {
                                if writer_queue.try_send(bytes).is_err() {
                                    writer_gone = true;
                                    break;
                                }
                                sent += 1;
                            }
                            None => {
                                exhausted = true;
                                break;
                            }
                        }
                    }
                    Ok::<(), SessionError>(())
                })();
                (s, sent, writer_gone, exhausted, result)
            })
            .await;
            let (s, sent, writer_gone, exhausted, result) = match step {
                Ok(step) => step,
                Err(_) => return Ending::Shutdown,
            };
            let events = {
                let mut s = s;
                let events = s.take_events();
                session = Some(s);
                events
            };
            if let Err(error) = result {
                return Ending::Local(error);
            }
            idle = exhausted;
            tracing::trace!(%peer, out = sent, "step done");
            if writer_gone {
                return Ending::StreamEnded;
            }
            let Some(s) = session.as_ref() else { return Ending::Shutdown };
            let stats = s.stats();
            // Promote new sync requests to waiters now that the session has taken them.
            for reply in new_waiters.drain(..) {
                let (since, started) = if first_waiter {
                    opened
                } else if caught_up {
                    (stats, Instant::now())
                } else {
                    synced_since
                };
                first_waiter = false;
                waiters.push(Waiter { reply, since, started });
            }
            let mut applied_docs = 0;
            let mut applied_keys = 0;
            for event in events {
                if let SessionEvent::Applied { docs_changed, keys_changed, .. } = event {
                    applied_docs += docs_changed;
                    applied_keys += keys_changed;
                }
            }
            if applied_docs + applied_keys > 0 {
                inner.emit(SyncEvent::RemoteChangeApplied {
                    node_id: peer,
                    docs: applied_docs,
                    keys: applied_keys,
                });
            }
            if !running && s.is_running() {
                running = true;
                tracing::info!(%peer, %addr, "sync session started");
                inner.emit(SyncEvent::Connected { node_id: peer, addr });
            }
            let now_caught_up = s.is_caught_up();
            let progress = s.progress();
            {
                let mut state = inner.state();
                if let Some(record) = state.peers.get_mut(&peer) {
                    if let Some(live) = record.live.as_mut().filter(|l| l.id == id) {
                        live.running = running;
                        record.current = stats;
                        record.progress = progress;
                        if now_caught_up && !caught_up {
                            record.last_sync = Some(now_ms());
                        }
                    }
                }
            }
            if running
                && !now_caught_up
                && (progress - last_progress.0 >= 0.05
                    || last_progress.1.elapsed() >= Duration::from_millis(500))
            {
                last_progress = (progress, Instant::now());
                inner.emit(SyncEvent::Progress {
                    node_id: peer,
                    fraction: progress,
                    docs_received: stats.docs_received,
                });
            }
            if now_caught_up {
                for waiter in waiters.drain(..) {
                    let _ = waiter.reply.send(report(peer, addr, stats, waiter.since, waiter.started));
                }
                if !caught_up {
                    let r = report(peer, addr, stats, synced_since.0, synced_since.1);
                    tracing::debug!(%peer, docs_sent = r.docs_sent, docs_received = r.docs_received, millis = r.millis, "caught up");
                    inner.emit(SyncEvent::Synced(r));
                }
                // Both ways applied: bring the projections of what arrived up to date now,
                // off the session's path, rather than in the first query.
                catch_up_in_background(inner);
            } else if caught_up {
                synced_since = (stats, Instant::now());
            }
            caught_up = now_caught_up;
            // The checkpoint is recorded after the answers are on their way and the waiters
            // told (what it covers is already committed; a checkpoint lost in a crash only
            // means a re-offer).
            if session.as_ref().is_some_and(Session::checkpoint_dirty) {
                let Some(mut s) = session.take() else { return Ending::Shutdown };
                let store = inner.store.clone();
                let flushed = tokio::task::spawn_blocking(move || {
                    let result = s.flush_checkpoint(&store);
                    (s, result)
                })
                .await;
                match flushed {
                    Ok((s, Ok(()))) => session = Some(s),
                    Ok((_, Err(error))) => return Ending::Local(error),
                    Err(_) => return Ending::Shutdown,
                }
            }
            if stream_end.is_some() || !pending.is_empty() || (!idle && out_tx.capacity() > 0) {
                continue;
            }
        }
        tokio::select! {
            biased;
            _ = shutdown.changed() => return Ending::Shutdown,
            incoming = in_rx.recv() => match incoming {
                Some(Incoming::Frame(frame)) => {
                    pending.push_back(frame);
                    while pending.len() < FRAMES_PER_STEP {
                        match in_rx.try_recv() {
                            Ok(Incoming::Frame(frame)) => pending.push_back(frame),
                            Ok(Incoming::Ended(error)) => {
                                stream_end = Some(ended(error));
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                }
                Some(Incoming::Ended(error)) => stream_end = Some(ended(error)),
                None => return Ending::StreamEnded,
            },
            permit = out_tx.reserve(), if !idle && members_known => match permit {
                Ok(permit) => drop(permit),
                Err(_) => return Ending::StreamEnded,
            },
            changed = changes.changed() => {
                if changed.is_err() {
                    return Ending::Shutdown;
                }
                local_changed = true;
                idle = false;
            }
            seen = membership_seen.changed(), if !members_known => {
                if seen.is_err() {
                    return Ending::Shutdown;
                }
            }
            command = commands.recv() => match command {
                Some(Command::SyncNow(reply)) => {
                    sync_requests += 1;
                    new_waiters.push(reply);
                    idle = false;
                }
                None => return Ending::Duplicate,
            },
            link = connection.closed() => {
                return match &link {
                    LinkError::ClosedByPeer { code, .. } if *code == u64::from(CloseCode::Duplicate.code()) => Ending::Duplicate,
                    LinkError::LocallyClosed => Ending::Duplicate,
                    _ => Ending::Link(link),
                };
            }
        }
    }
}

fn ended(error: Option<FrameError>) -> Ending {
    match error {
        None => Ending::StreamEnded,
        Some(FrameError::Link(link)) => Ending::Link(link),
        Some(other) => Ending::Frame(other),
    }
}

// ----- Invite and join -----

/// The inviting side of the join handshake, on a joiner's connection.
async fn serve_join(inner: Arc<Inner>, connection: PeerConnection) {
    let joiner = connection.peer();
    let remote = connection.remote_address();
    let refuse = |reason: String, code: CloseCode| {
        tracing::warn!(peer = %joiner, %remote, %reason, "refused a PC that tried to join");
        inner.emit(SyncEvent::Refused {
            node_id: Some(joiner),
            addr: Some(remote),
            reason: RefusalReason::InviteRefused,
            detail: reason.clone(),
            by_peer: false,
        });
        connection.close(code, &truncate(&reason, 400));
    };
    let (mut send, mut recv) = match tokio::time::timeout(STREAM_TIMEOUT, connection.accept_bi()).await {
        Ok(Ok(streams)) => streams,
        _ => return,
    };
    let request =
        match tokio::time::timeout(STREAM_TIMEOUT, read_frame(&mut recv, MAX_JOIN_MESSAGE_LEN)).await {
            Ok(Ok(Some(frame))) => JoinMessage::decode(&frame),
            _ => None,
        };
    let Some(JoinMessage::Request { version, secret, device_name }) = request else {
        refuse("the PC sent no valid join request".to_owned(), CloseCode::ProtocolViolation);
        return;
    };
    if version != PROTOCOL_VERSION {
        let reason = format!(
            "the joining PC speaks sync protocol version {version}, this PC speaks {PROTOCOL_VERSION}; update AMER"
        );
        let _ = write_frame(&mut send, &JoinMessage::Refused { reason: reason.clone() }.encode()).await;
        refuse(reason, CloseCode::IncompatibleVersion);
        return;
    }
    let device_name = device_name.trim().to_owned();
    let public_key: String =
        connection.public_key().unwrap_or_default().iter().map(|b| format!("{b:02x}")).collect();
    let me = inner.node_id.full_hex();
    let outcome = blocking(&inner.store, move |store| {
        let device_code = match membership::redeem_invite(store, &secret, &joiner) {
            Ok(Ok(code)) => code,
            Ok(Err(refusal)) => return Ok(Err(refusal.explain().to_owned())),
            Err(InviteError::Store(e)) => return Err(e),
            Err(other) => return Ok(Err(other.to_string())),
        };
        let name = if device_name.is_empty() { format!("PC {device_code}") } else { device_name };
        store.put_member(&amer_core::model::Member {
            node_id: joiner.full_hex(),
            name,
            device_code: device_code.clone(),
            public_key,
            invited_by: Some(me),
            added_at: now_ms(),
            removed_at: None,
            addresses: Vec::new(),
        })?;
        let office = store.local()?.office_id;
        Ok(Ok((device_code, office)))
    })
    .await;
    match outcome {
        Ok(Ok((device_code, office))) => {
            inner.policy.insert(joiner);
            let accepted =
                JoinMessage::Accepted { office_id: *office.0.as_bytes(), device_code: device_code.clone() };
            if write_frame(&mut send, &accepted.encode()).await.is_ok() {
                let _ = send.finish();
            }
            tracing::info!(peer = %joiner, device_code = %device_code, "a new PC joined the office");
            inner.emit(SyncEvent::MemberJoined { node_id: joiner, device_code });
            // Let the joiner read the answer and close.
            let _ = tokio::time::timeout(Duration::from_secs(5), connection.closed()).await;
        }
        Ok(Err(reason)) => {
            let _ = write_frame(&mut send, &JoinMessage::Refused { reason: reason.clone() }.encode()).await;
            let _ = send.finish();
            // Give the answer a moment to arrive before closing with the same reason.
            let _ = tokio::time::timeout(Duration::from_millis(300), connection.closed()).await;
            refuse(reason, CloseCode::InviteRefused);
        }
        Err(error) => {
            tracing::warn!(%error, "could not record a new member");
            connection.close(CloseCode::LocalError, "the inviting PC's database failed; try again");
        }
    }
}

/// The joining side of the handshake. Returns the inviter's id, the office and the device code.
async fn join_handshake(
    transport: &Transport,
    code: &InviteCode,
    device_name: &str,
) -> Result<(NodeId, [u8; 16], String), JoinError> {
    let addr = SocketAddr::V4(code.addr);
    let connection = transport.connect_to_inviter_by_short_id(addr, code.inviter).await?;
    let inviter = connection.peer();
    let refused_reason = |link: &LinkError| match link {
        LinkError::RefusedByPeer => Some(
            "the inviting PC has no open invitation (the code expired or was used, or it was made on \
             another PC); ask for a new code"
                .to_owned(),
        ),
        LinkError::ClosedByPeer { reason, .. } => Some(reason.clone()),
        _ => None,
    };
    let handshake = async {
        let (mut send, mut recv) = connection.open_bi().await.map_err(FrameError::Link)?;
        let request = JoinMessage::Request {
            version: PROTOCOL_VERSION,
            secret: code.secret(),
            device_name: device_name.to_owned(),
        };
        write_frame(&mut send, &request.encode()).await?;
        let _ = send.finish();
        read_frame(&mut recv, MAX_JOIN_MESSAGE_LEN).await
    };
    let reply = tokio::time::timeout(STREAM_TIMEOUT * 3, handshake).await;
    let result = match reply {
        Err(_) => Err(JoinError::Handshake { detail: "the inviting PC did not answer in time".to_owned() }),
        Ok(Err(FrameError::Link(link))) => Err(match refused_reason(&link) {
            Some(reason) => JoinError::Refused { reason },
            None => JoinError::Handshake { detail: link.to_string() },
        }),
        Ok(Err(other)) => Err(JoinError::Handshake { detail: other.to_string() }),
        Ok(Ok(None)) => Err(match connection.close_reason().as_ref().and_then(refused_reason) {
            Some(reason) => JoinError::Refused { reason },
            None => JoinError::Handshake {
                detail: "the inviting PC ended the handshake without an answer".to_owned(),
            },
        }),
        Ok(Ok(Some(frame))) => match JoinMessage::decode(&frame) {
            Some(JoinMessage::Accepted { office_id, device_code }) => Ok((inviter, office_id, device_code)),
            Some(JoinMessage::Refused { reason }) => Err(JoinError::Refused { reason }),
            _ => Err(JoinError::Handshake { detail: "the inviting PC sent an invalid answer".to_owned() }),
        },
    };
    match &result {
        Ok(_) => connection.close(CloseCode::Done, "joined"),
        Err(error) => {
            tracing::warn!(%error, "joining failed");
            connection.close(CloseCode::Done, "join failed");
        }
    }
    result
}
