//! Shared set-up: offices of nodes with file-backed stores on loopback.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use amer_core::model::{Member, Nip, StaffRole};
use amer_core::store::{Actor, FeedKind, InitOptions, JoinOptions, NewSession, NewStaff, VisitorInput};
use amer_core::Store;
use amer_sync::events::SyncEvent;
use amer_sync::node::{NodeConfig, SyncNode};
use amer_sync::protocol::harness::fingerprint;
use amer_sync::transport::TransportSettings;
use amer_sync::NodeIdentity;
use tokio::sync::broadcast;

pub const ADMIN: &str = "198503122010011003";
pub const KASUBAG: &str = "197901152005012001";
pub const OFFICER: &str = "199002202015031002";
pub const OFFICER2: &str = "199105102016041001";

pub fn actor(nip: &str) -> Actor {
    Actor::staff(Nip::parse(nip).unwrap())
}

pub fn loopback() -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
}

pub async fn within<T>(seconds: u64, test: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(seconds), test).await.expect("test took too long")
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
pub async fn eventually(seconds: u64, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Fast timeouts and reconnects for tests.
pub fn config() -> NodeConfig {
    let mut config = NodeConfig::new(loopback());
    config.transport =
        TransportSettings { keep_alive: Duration::from_millis(300), idle_timeout: Duration::from_secs(2) };
    config.reconnect_min = Duration::from_millis(50);
    config.reconnect_max = Duration::from_millis(800);
    config.poll_interval = Duration::from_millis(50);
    // Most tests are about who syncs with whom: LAN discovery would connect PCs a test keeps
    // apart. The discovery tests turn it on, on a port of their own.
    config.mdns = false;
    config
}

/// A PC: a database file, a key, and (once started) a node.
pub struct Pc {
    pub dir: tempfile::TempDir,
    pub store: Arc<Store>,
    pub identity: NodeIdentity,
    pub node: Option<SyncNode>,
    pub events: Option<broadcast::Receiver<SyncEvent>>,
}

impl Pc {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path().join("amer.db")).unwrap());
        Self { dir, store, identity: NodeIdentity::generate().unwrap(), node: None, events: None }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("amer.db")
    }

    pub fn hex(&self) -> String {
        self.identity.node_id().full_hex()
    }

    /// Founds an office with four staff members.
    pub fn found(&self, office_name: &str) {
        self.store
            .init(InitOptions {
                office_name: office_name.into(),
                device_name: "PC Loket".into(),
                timezone: None,
                node_id: Some(self.hex()),
                public_key: None,
            })
            .unwrap();
        self.store
            .add_staff(
                &Actor::device(),
                NewStaff {
                    nip: ADMIN.into(),
                    name: "Andi Admin".into(),
                    title: None,
                    role: StaffRole::Admin,
                },
            )
            .unwrap();
        for (nip, name, role) in [
            (KASUBAG, "Sari Kasubag", StaffRole::Kasubag),
            (OFFICER, "Budi Petugas", StaffRole::Petugas),
            (OFFICER2, "Dewi Petugas", StaffRole::Petugas),
        ] {
            self.store
                .add_staff(&actor(ADMIN), NewStaff { nip: nip.into(), name: name.into(), title: None, role })
                .unwrap();
        }
    }

    /// Makes this PC a member of `founder`'s office without the network: the founder records
    /// it, and this store gets the founder's documents (as if it had synced once).
    pub fn admit_directly(&self, founder: &Pc, device_code: &str) {
        founder
            .store
            .put_member(&Member {
                node_id: self.hex(),
                name: format!("PC {device_code}"),
                device_code: device_code.into(),
                public_key: String::new(),
                invited_by: Some(founder.hex()),
                added_at: 1,
                removed_at: None,
                addresses: Vec::new(),
            })
            .unwrap();
        self.store
            .join(JoinOptions {
                office_id: founder.store.local().unwrap().office_id,
                device_code: device_code.into(),
                node_id: self.hex(),
                device_name: format!("PC {device_code}"),
            })
            .unwrap();
        copy_all(&founder.store, &self.store);
    }

    pub async fn start(&mut self, config: NodeConfig) -> SyncNode {
        let node = SyncNode::start(self.store.clone(), self.identity.clone(), config).await.unwrap();
        self.events = Some(node.events());
        self.node = Some(node.clone());
        node
    }

    pub fn node(&self) -> &SyncNode {
        self.node.as_ref().unwrap()
    }

    pub fn addr(&self) -> SocketAddr {
        self.node().local_addr()
    }

    /// Waits for an event matching `pred`, collecting everything seen.
    pub async fn wait_event(
        &mut self,
        seconds: u64,
        what: &str,
        pred: impl Fn(&SyncEvent) -> bool,
    ) -> SyncEvent {
        let events = self.events.as_mut().unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
        loop {
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Ok(event)) if pred(&event) => return event,
                Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
                Ok(Err(e)) => panic!("event stream ended while waiting for {what}: {e}"),
                Err(_) => panic!("timed out waiting for {what}"),
            }
        }
    }

    pub async fn shutdown(&self) {
        if let Some(node) = &self.node {
            node.shutdown().await;
        }
    }
}

/// Sends every document and key record of `from` to `to` through the feed API.
pub fn copy_all(from: &Store, to: &Store) {
    let items = from.changes_since(0, usize::MAX).unwrap();
    let mut docs = Vec::new();
    let mut keys = Vec::new();
    for item in items {
        match item.kind {
            FeedKind::Doc { id, .. } => docs.push((id, Vec::new())),
            FeedKind::Key(v) => keys.push(v),
        }
    }
    to.apply_key_records(&from.key_records(&keys).unwrap()).unwrap();
    to.apply_docs(&from.docs_for_peer(&docs).unwrap()).unwrap();
}

pub fn session_input(subject: &str) -> NewSession {
    NewSession {
        category: "konsultasi".into(),
        visitor: VisitorInput {
            name: "Rina Wulandari".into(),
            org: Some("CV Maju Jaya".into()),
            role: Some("penyedia".into()),
            ..Default::default()
        },
        subject: subject.into(),
        description: Some("Pertanyaan tentang dokumen pemilihan".into()),
        ..Default::default()
    }
}

pub fn register(store: &Store, count: usize, tag: &str) -> Vec<String> {
    (0..count)
        .map(|i| store.register(&Actor::device(), session_input(&format!("{tag} topik {i}"))).unwrap().ticket)
        .collect()
}

pub fn same(a: &Store, b: &Store) -> bool {
    fingerprint(a).unwrap() == fingerprint(b).unwrap()
}

/// An office of `n` PCs admitted directly, all started, each dialling the founder.
pub async fn office(n: usize) -> Vec<Pc> {
    let founder = Pc::new();
    founder.found("Bagian Pengadaan Barang/Jasa");
    let mut pcs = vec![founder];
    for i in 1..n {
        let pc = Pc::new();
        pc.admit_directly(&pcs[0], &format!("A{i}"));
        pcs.push(pc);
    }
    // Everyone learns the full member list before starting.
    for i in 1..n {
        let (head, tail) = pcs.split_at(i);
        copy_all(&head[0].store, &tail[0].store);
    }
    pcs[0].start(config()).await;
    let founder_addr = pcs[0].addr();
    for pc in pcs.iter_mut().skip(1) {
        let mut c = config();
        c.static_peers = vec![founder_addr];
        pc.start(c).await;
    }
    pcs
}

pub async fn shutdown_all(pcs: &[Pc]) {
    for pc in pcs {
        pc.shutdown().await;
    }
}
