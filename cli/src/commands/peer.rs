//! `amer peer invite|join|list|add|remove`: the office's member PCs.

use std::net::{SocketAddr, SocketAddrV4};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use amer_sync::{InviteCode, NodeConfig, NodeId, ShortNodeId, SyncNode};
use serde::Serialize;

use super::sync::{failure, identity, runtime, start, transient_config};
use super::Ctx;
use crate::args::PeerCommand;
use crate::output::Table;

#[derive(Debug, Serialize)]
struct Invitation {
    code: String,
    expires_in_seconds: u64,
    inviter_addr: String,
}

#[derive(Debug, Serialize)]
struct Joined {
    node_id: String,
    device_code: String,
    office_id: String,
}

#[derive(Debug, Serialize)]
struct MemberView {
    node_id: String,
    name: String,
    device_code: String,
    addresses: Vec<String>,
    active: bool,
    this_pc: bool,
}

pub fn run(ctx: &Ctx, cmd: PeerCommand) -> anyhow::Result<()> {
    match cmd {
        PeerCommand::Invite { ttl, addr } => invite(ctx, ttl, addr),
        PeerCommand::Join { code, device, listen, timeout, no_mdns } => {
            join(ctx, &code, device, listen, timeout, !no_mdns)
        }
        PeerCommand::List => list(ctx),
        PeerCommand::Add { node_id, addr } => add(ctx, &node_id, addr),
        PeerCommand::Remove { node_id } => remove(ctx, &node_id),
    }
}

/// Parses `10m`, `90s`, `2h`, or plain seconds.
pub fn parse_ttl(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| format!("'{s}' is not a duration like 10m, 90s or 2h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("'{s}' is not a duration like 10m, 90s or 2h")),
    };
    if secs == 0 || secs > 7 * 24 * 3600 {
        return Err("an invitation lasts between 1 second and 7 days".into());
    }
    Ok(Duration::from_secs(secs))
}

fn invite(ctx: &Ctx, ttl: Duration, addr: Option<SocketAddrV4>) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let me = store.local()?;
    // Where the joining PC reaches this one: given, or the address `sync serve` published.
    let addr = match addr {
        Some(a) => a,
        None => store
            .office()?
            .member(&me.node_id)
            .and_then(|m| m.addresses.iter().find_map(|a| SocketAddrV4::from_str(a).ok()))
            .filter(|a| !a.ip().is_unspecified())
            .ok_or_else(|| {
                crate::exit::refuse(
                    "this PC has no published address yet: run `amer sync serve --listen IP:PORT` here, \
                     or give the address the new PC should reach with --addr IP:PORT",
                )
            })?,
    };
    let id = identity(&ctx.home)?.node_id();
    let code = amer_sync::membership::create_invite(&store, addr, id, ttl).map_err(failure)?;
    let result = Invitation {
        code: code.to_string(),
        expires_in_seconds: ttl.as_secs(),
        inviter_addr: addr.to_string(),
    };
    ctx.out.emit(&result, |w| {
        writeln!(w, "Invite code (one use, valid {} minutes):\n\n    {}\n", ttl.as_secs() / 60, result.code)?;
        ctx.out.note(w, "On the new PC: amer peer join CODE --device \"PC name\" (this PC must be running `amer sync serve`)")
    })
}

fn join(
    ctx: &Ctx,
    code: &str,
    device: String,
    listen: SocketAddr,
    timeout: u64,
    mdns: bool,
) -> anyhow::Result<()> {
    let code = InviteCode::from_str(code)
        .map_err(|e| crate::exit::refuse(format!("the invite code is not valid: {e}")))?;
    std::fs::create_dir_all(&ctx.home)?;
    let db = ctx.db_path();
    let secret = ctx.home.join("secret.key");
    let fresh = (!db.exists(), !secret.exists());
    let store = amer_core::Store::open(&db)?;
    if store.is_initialised()? {
        return Err(crate::exit::refuse(format!(
            "{} already belongs to an office; join from an empty folder (--home DIR)",
            ctx.home.display()
        )));
    }
    let rt = runtime()?;
    let joined = rt.block_on(async {
        let id = identity(&ctx.home)?;
        let mut config = NodeConfig::new(listen);
        config.publish_address = listen.port() != 0;
        config.mdns = mdns;
        let node = SyncNode::join(Arc::new(store), id, &code, &device, config, Duration::from_secs(timeout))
            .await
            .map_err(failure)?;
        node.shutdown().await;
        anyhow::Ok(node.node_id())
    });
    let joined = match joined {
        Ok(id) => id,
        Err(e) => {
            // A refused join leaves the folder as it found it.
            if fresh.0 {
                let _ = crate::home::remove_scratch(&db);
            }
            if fresh.1 {
                let _ = std::fs::remove_file(&secret);
            }
            return Err(e);
        }
    };
    let store = ctx.open()?;
    let local = store.local()?;
    let result = Joined {
        node_id: joined.full_hex(),
        device_code: local.device_code,
        office_id: local.office_id.to_text(),
    };
    ctx.out.emit(&result, |w| {
        writeln!(w, "Joined office {} as device {} (node {})", result.office_id, result.device_code, joined)
    })
}

fn list(ctx: &Ctx) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let me = store.local()?;
    let office = store.office()?;
    let members: Vec<MemberView> = office
        .members
        .iter()
        .map(|m| MemberView {
            node_id: m.node_id.clone(),
            name: m.name.clone(),
            device_code: m.device_code.clone(),
            addresses: m.addresses.clone(),
            active: m.is_active(),
            this_pc: m.node_id == me.node_id,
        })
        .collect();
    ctx.out.emit(&members, |w| {
        let mut t = Table::new(&["device", "name", "node", "addresses", "active"]);
        for m in &members {
            let short =
                NodeId::from_str(&m.node_id).map(|n| n.to_string()).unwrap_or_else(|_| m.node_id.clone());
            t.row(vec![
                format!("{}{}", m.device_code, if m.this_pc { " (this PC)" } else { "" }),
                m.name.clone(),
                short,
                m.addresses.join(", "),
                if m.active { "yes".into() } else { "removed".into() },
            ]);
        }
        t.write(w)
    })
}

/// The full node id of a member given by its short form, full hex, or device code.
fn member_id(store: &amer_core::Store, given: &str) -> anyhow::Result<String> {
    let office = store.office()?;
    let short = ShortNodeId::from_str(given).ok();
    let found: Vec<&amer_core::model::Member> = office
        .members
        .iter()
        .filter(|m| {
            m.node_id.eq_ignore_ascii_case(given)
                || m.device_code.eq_ignore_ascii_case(given)
                || short.as_ref().is_some_and(|s| NodeId::from_str(&m.node_id).is_ok_and(|n| s.matches(&n)))
        })
        .collect();
    match found.as_slice() {
        [m] => Ok(m.node_id.clone()),
        [] => Err(crate::exit::refuse(format!("no member PC '{given}'; `amer peer list` shows them"))),
        _ => Err(crate::exit::refuse(format!("'{given}' matches several PCs; give the full node id"))),
    }
}

fn add(ctx: &Ctx, node_id: &str, addr: SocketAddr) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let pinned = match NodeId::from_str(node_id) {
        Ok(id) => Some(id),
        Err(_) => Some(NodeId::from_str(&member_id(&store, node_id)?).map_err(failure)?),
    };
    let rt = runtime()?;
    rt.block_on(async {
        let node = start(ctx, store, transient_config(Vec::new())).await?;
        let r = node.add_static_peer(pinned, addr).await.map_err(failure);
        node.shutdown().await;
        r
    })?;
    let result = serde_json::json!({ "node_id": pinned.map(|p| p.full_hex()), "addr": addr.to_string() });
    ctx.out.emit(&result, |w| writeln!(w, "{addr} will be dialled by `amer sync serve` and `amer sync now`"))
}

fn remove(ctx: &Ctx, node_id: &str) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let id = member_id(&store, node_id)?;
    store.remove_member(&ctx.actor()?, &id)?;
    let result = serde_json::json!({ "removed": id });
    ctx.out.emit(&result, |w| {
        writeln!(w, "Removed {id}: every PC refuses it once this change reaches it (next sync)")
    })
}
