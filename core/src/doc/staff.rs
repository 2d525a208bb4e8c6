//! The staff member document. Its id derives from the NIP, so the same person added on two PCs
//! while apart is one record after merging (with any differing fields reported as conflicts).

use super::fields::{MapReader, MapWriter};
use super::{Document, SCHEMA_VERSION};
use crate::model::staff::pin::PinHash;
use crate::model::{Coded, Nip, Staff, StaffRole, Stamp};
use crate::Result;

/// Writes a new staff member.
pub fn create(
    d: &mut Document,
    nip: &Nip,
    name: &str,
    title: Option<&str>,
    role: StaffRole,
    stamp: &Stamp,
) -> Result<()> {
    let mut w = MapWriter::root(&mut d.doc);
    w.i64("schema", SCHEMA_VERSION)?;
    w.str("kind", "staff")?;
    w.str("nip", nip.as_str())?;
    w.str("name", name)?;
    w.opt_str("title", title)?;
    w.str("role", role.code())?;
    w.bool("active", true)?;
    w.fact("created", stamp, |_| Ok(()))?;
    d.commit("staff_add", stamp, Some(format!("nip {nip} role {}", role.code())));
    Ok(())
}

/// Changes role, title, name or the active flag.
pub fn update(
    d: &mut Document,
    name: Option<&str>,
    title: Option<Option<&str>>,
    role: Option<StaffRole>,
    active: Option<bool>,
    stamp: &Stamp,
) -> Result<()> {
    let mut w = MapWriter::root(&mut d.doc);
    if let Some(n) = name {
        w.str("name", n)?;
    }
    if let Some(t) = title {
        w.opt_str("title", t)?;
    }
    if let Some(r) = role {
        w.str("role", r.code())?;
    }
    if let Some(a) = active {
        w.bool("active", a)?;
    }
    let detail = match (role, active) {
        (Some(r), _) => Some(format!("role {}", r.code())),
        (_, Some(a)) => Some(format!("active {a}")),
        _ => None,
    };
    d.commit("staff_update", stamp, detail);
    Ok(())
}

/// Reads a staff member.
pub fn read(d: &Document) -> Result<Staff> {
    let r = MapReader::root(&d.doc);
    let corrupt =
        |what: &str| crate::Error::Corrupt { doc: d.id.to_text(), reason: format!("missing or bad {what}") };
    Ok(Staff {
        nip: r.str("nip").and_then(|n| Nip::parse(&n).ok()).ok_or_else(|| corrupt("NIP"))?,
        name: r.str("name").ok_or_else(|| corrupt("name"))?,
        title: r.str("title"),
        role: r.str("role").and_then(|c| StaffRole::from_code(&c)).ok_or_else(|| corrupt("role"))?,
        active: r.bool("active").unwrap_or(false),
        created: r.map("created").and_then(|m| m.stamp()).ok_or_else(|| corrupt("creation"))?,
        has_pin: read_pin(d).is_some(),
        // The PIN fact is left out: its values are hashes, of no use to a person choosing.
        conflicts: r.conflicts(&["schema", "kind", "created", "pin"]),
    })
}

/// Sets (replaces) the PIN hash: a fact, so two PCs setting it at once converge on one winner.
pub fn set_pin(d: &mut Document, pin: &PinHash, stamp: &Stamp) -> Result<()> {
    let mut w = MapWriter::root(&mut d.doc);
    w.fact("pin", stamp, |m| {
        m.str("alg", &pin.algorithm)?;
        m.i64("iter", i64::from(pin.iterations))?;
        m.bytes("salt", pin.salt.clone())?;
        m.bytes("hash", pin.hash.clone())
    })?;
    d.commit("staff_pin", stamp, None);
    Ok(())
}

/// The stored PIN hash, if any.
pub fn read_pin(d: &Document) -> Option<PinHash> {
    let m = MapReader::root(&d.doc).map("pin")?;
    Some(PinHash {
        algorithm: m.str("alg")?,
        iterations: u32::try_from(m.i64("iter")?).ok()?,
        salt: m.bytes("salt")?,
        hash: m.bytes("hash")?,
    })
}
