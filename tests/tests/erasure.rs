//! A visitor's erasure across PCs that sync over real QUIC sockets: after the erasure and a sync,
//! no PC's database file (WAL included), no document's full history and no report holds the
//! visitor's name, phone number or NIK, while the sessions are still counted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use amer_core::model::{Nip, StaffRole, VisitorPersonal};
use amer_core::store::{Actor, FeedKind, InitOptions, NewSession, NewStaff, SessionFilter, VisitorInput};
use amer_core::Store;
use amer_sync::{NodeConfig, NodeIdentity, SyncNode};

const ADMIN: &str = "198503122010011003";
const NAME: &str = "Fransiska Hanyeq Lung";
const PHONE_LOCAL: &str = "081377788899";
const PHONE_E164: &str = "+6281377788899";
const NIK: &str = "6407024507850003";

struct Pc {
    dir: PathBuf,
    store: Arc<Store>,
    identity: NodeIdentity,
}

fn pc(root: &Path, name: &str) -> anyhow::Result<Pc> {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir)?;
    Ok(Pc {
        store: Arc::new(Store::open(dir.join("amer.db"))?),
        identity: NodeIdentity::load_or_create(dir.join("node.key"))?,
        dir,
    })
}

fn holds(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            found.push(entry.path().display().to_string());
        }
    }
    found
}

fn history_holds(store: &Store, needle: &str) -> anyhow::Result<bool> {
    for item in store.changes_since(0, usize::MAX)? {
        if let FeedKind::Doc { id, .. } = item.kind {
            if let Some((_, bytes)) = store.doc_bytes(&id)? {
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_reaches_every_pc_and_leaves_no_personal_data() -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    let (a, b) = (pc(root.path(), "a")?, pc(root.path(), "b")?);
    a.store.init(InitOptions {
        office_name: "Bagian Pengadaan Barang/Jasa".into(),
        device_name: "A".into(),
        timezone: None,
        node_id: Some(a.identity.node_id().full_hex()),
        public_key: None,
    })?;
    a.store.add_staff(
        &Actor::device(),
        NewStaff { nip: ADMIN.into(), name: "Admin".into(), title: None, role: StaffRole::Admin },
    )?;
    let loopback = "127.0.0.1:0".parse()?;
    let node_a = SyncNode::start(a.store.clone(), a.identity.clone(), NodeConfig::new(loopback)).await?;
    let code = node_a.invite(Duration::from_secs(60)).await?;
    let node_b = SyncNode::join(
        b.store.clone(),
        b.identity.clone(),
        &code,
        "B",
        NodeConfig::new(loopback),
        Duration::from_secs(30),
    )
    .await?;

    // Two visits of the same visitor, one on each PC.
    let visitor = VisitorInput {
        name: NAME.into(),
        phone: Some(PHONE_LOCAL.into()),
        nik: Some(NIK.into()),
        ..Default::default()
    };
    let first = a.store.register(
        &Actor::device(),
        NewSession {
            category: "pengaduan".into(),
            visitor: visitor.clone(),
            subject: "Dugaan pungutan".into(),
            ..Default::default()
        },
    )?;
    node_a.sync_now(Some(node_b.local_addr()), Duration::from_secs(30)).await?;
    let second = b.store.register(
        &Actor::device(),
        NewSession {
            category: "konsultasi".into(),
            visitor,
            subject: "Tindak lanjut".into(),
            ..Default::default()
        },
    )?;
    assert_eq!(first.visitor_id, second.visitor_id, "recognised by the keyed hash on the other PC");
    node_b.sync_now(Some(node_a.local_addr()), Duration::from_secs(30)).await?;
    assert_eq!(b.store.session(&first.ticket)?.visitor.name(), NAME);
    let counted = a.store.list_sessions(&SessionFilter::default())?.len();
    assert_eq!(counted, 2);

    a.store.erase_visitor(
        &Actor::staff(Nip::parse(ADMIN)?),
        &first.visitor_id,
        "Permohonan penghapusan 7/2026",
    )?;
    node_a.sync_now(Some(node_b.local_addr()), Duration::from_secs(30)).await?;
    for s in [&a.store, &b.store] {
        for t in [&first.ticket, &second.ticket] {
            assert_eq!(s.session(t)?.visitor.personal, VisitorPersonal::Erased, "{t}");
        }
        assert_eq!(s.list_sessions(&SessionFilter::default())?.len(), counted, "still counted");
        for needle in [NAME, PHONE_LOCAL, PHONE_E164, NIK] {
            assert!(!history_holds(s, needle)?, "a document's history holds {needle}");
        }
    }
    node_a.shutdown().await;
    node_b.shutdown().await;
    drop(node_a);
    drop(node_b);
    for p in [&a, &b] {
        for needle in [NAME, PHONE_LOCAL, PHONE_E164, NIK, "Hanyeq"] {
            let found = holds(&p.dir, needle);
            assert!(found.is_empty(), "{needle} found in {found:?}");
        }
    }
    Ok(())
}
