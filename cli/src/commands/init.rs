//! `amer init`: creates the office on the founding PC.

use std::path::Path;

use amer_core::store::InitOptions;
use amer_core::Store;
use anyhow::Context;
use serde::Serialize;

use super::Ctx;
use crate::args::InitArgs;
use crate::output::write_fields;

/// The node's identity as `init` records it in the office.
#[derive(Debug, Default)]
struct NodeKeys {
    /// The node id; `None` lets the library pick a random one.
    node_id: Option<String>,
    /// The public key (hex DER), if the node has a key pair.
    public_key: Option<String>,
}

/// The identity of this node: its key pair in `HOME/node.key` (created, readable only by the
/// user); the node id is derived from the public key.
fn node_identity(home: &Path) -> anyhow::Result<NodeKeys> {
    let identity = super::sync::identity(home)?;
    Ok(NodeKeys { node_id: Some(identity.node_id().full_hex()), public_key: None })
}

#[derive(Debug, Serialize)]
struct Initialised {
    node_id: String,
    device_code: String,
    office_id: String,
    home: String,
}

pub fn run(ctx: &Ctx, a: InitArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&ctx.home)
        .with_context(|| format!("cannot create the folder {}", ctx.home.display()))?;
    let db = ctx.db_path();
    let key = ctx.home.join("secret.key");
    let fresh = (!db.exists(), !key.exists());
    let created = Store::open(&db)
        .with_context(|| format!("cannot create the store in {}", ctx.home.display()))
        .and_then(|store| {
            let keys = node_identity(&ctx.home)?;
            let local = store.init(InitOptions {
                office_name: a.office,
                device_name: a.device,
                timezone: Some(a.timezone),
                node_id: keys.node_id,
                public_key: keys.public_key,
            })?;
            Ok(local)
        });
    let local = match created {
        Ok(local) => local,
        Err(e) => {
            // A refused init leaves the folder as it found it.
            if fresh.0 {
                let _ = crate::home::remove_scratch(&db);
            }
            if fresh.1 {
                let _ = std::fs::remove_file(&key);
            }
            return Err(e);
        }
    };
    tracing::info!(node = %local.node_id, device = %local.device_code, "office created");
    let result = Initialised {
        node_id: local.node_id,
        device_code: local.device_code,
        office_id: local.office_id.to_text(),
        home: ctx.home.display().to_string(),
    };
    ctx.out.emit(&result, |w| {
        write_fields(
            w,
            &[
                ("office id", Some(result.office_id.clone())),
                ("node id", Some(result.node_id.clone())),
                ("device code", Some(result.device_code.clone())),
                ("home", Some(result.home.clone())),
            ],
        )?;
        ctx.out.note(
            w,
            "Next: add the first staff member, e.g. `amer staff add --nip NIP --name NAME --role admin`",
        )
    })
}
