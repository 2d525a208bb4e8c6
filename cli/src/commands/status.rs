//! `amer status`: this node, its office, record counts and the other member PCs.

use serde::Serialize;

use super::Ctx;
use crate::output::{write_fields, Table};

#[derive(Debug, Serialize)]
struct Status {
    node_id: String,
    office: String,
    office_id: String,
    device_code: String,
    device_name: String,
    timezone: String,
    home: String,
    counts: Counts,
    feed_seq: i64,
    peers: Vec<Peer>,
}

#[derive(Debug, Serialize)]
struct Counts {
    sessions: i64,
    risks: i64,
    staff: i64,
}

/// Another member PC of the office, as the office record knows it.
#[derive(Debug, Serialize)]
struct Peer {
    node_id: String,
    name: String,
    device_code: String,
    addresses: Vec<String>,
    active: bool,
}

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let local = store.local()?;
    // A PC that joined gets the office record at its first sync; until then it has no name.
    let office = store.office().ok();
    let (sessions, risks, staff) = store.counts()?;
    let peers = office
        .as_ref()
        .map(|o| {
            o.members
                .iter()
                .filter(|m| m.node_id != local.node_id)
                .map(|m| Peer {
                    node_id: m.node_id.clone(),
                    name: m.name.clone(),
                    device_code: m.device_code.clone(),
                    addresses: m.addresses.clone(),
                    active: m.is_active(),
                })
                .collect()
        })
        .unwrap_or_default();
    let status = Status {
        node_id: local.node_id,
        office: office.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        office_id: local.office_id.to_text(),
        device_code: local.device_code,
        device_name: local.device_name,
        timezone: store.timezone()?.name().to_string(),
        home: ctx.home.display().to_string(),
        counts: Counts { sessions, risks, staff },
        feed_seq: store.current_seq()?,
        peers,
    };
    ctx.out.emit(&status, |w| {
        let office_name = if status.office.is_empty() {
            "(not received yet: synchronise with a member)".into()
        } else {
            status.office.clone()
        };
        write_fields(
            w,
            &[
                ("office", Some(office_name)),
                ("office id", Some(status.office_id.clone())),
                ("this PC", Some(format!("{} (device code {})", status.device_name, status.device_code))),
                ("node id", Some(status.node_id.clone())),
                ("time zone", Some(status.timezone.clone())),
                ("home", Some(status.home.clone())),
                (
                    "records",
                    Some(format!(
                        "{} sessions, {} risks, {} staff",
                        status.counts.sessions, status.counts.risks, status.counts.staff
                    )),
                ),
                ("feed position", Some(status.feed_seq.to_string())),
            ],
        )?;
        writeln!(w, "\nOther PCs of the office:")?;
        let mut t = Table::new(&["DEVICE", "NAME", "NODE ID", "ADDRESSES", "ACTIVE"]);
        for p in &status.peers {
            t.row(vec![
                p.device_code.clone(),
                p.name.clone(),
                p.node_id.clone(),
                p.addresses.join(", "),
                if p.active { "yes" } else { "removed" }.into(),
            ]);
        }
        t.write(w)
    })
}
