//! The office document: identity, letterhead, time zone, member PCs (with their device codes and
//! public keys), the holiday table, the risk matrix and the lookup key for recognising visitors.
//! Members live in a map keyed by node id, so PCs added through different members merge.

use chrono::NaiveDate;

use super::fields::{MapReader, MapWriter};
use super::{Document, SCHEMA_VERSION};
use crate::ids::OfficeId;
use crate::model::{Holiday, HolidayKind, Member, Office, RiskMatrix, Stamp};
use crate::Result;

/// Writes a new office.
pub fn create(
    d: &mut Document,
    name: &str,
    timezone: &str,
    lookup_key: &[u8],
    founder: &Member,
    holidays: &[Holiday],
    stamp: &Stamp,
) -> Result<()> {
    let mut w = MapWriter::root(&mut d.doc);
    w.i64("schema", SCHEMA_VERSION)?;
    w.str("kind", "office")?;
    w.str("name", name)?;
    w.str("timezone", timezone)?;
    w.bytes("lookup_key", lookup_key.to_vec())?;
    w.new_map("members")?;
    w.new_map("holidays")?;
    drop(w);
    put_member(d, founder)?;
    set_holidays(d, holidays)?;
    d.commit("office_create", stamp, None);
    Ok(())
}

fn put_member(d: &mut Document, m: &Member) -> Result<()> {
    let mut w = MapWriter::root(&mut d.doc);
    let mut members = w.map("members")?;
    let mut e = members.map(&m.node_id)?;
    e.str("name", &m.name)?;
    e.str("device_code", &m.device_code)?;
    e.str("public_key", &m.public_key)?;
    e.opt_str("invited_by", m.invited_by.as_deref())?;
    e.i64("added_at", m.added_at)?;
    e.opt_i64("removed_at", m.removed_at)?;
    e.str("addresses", &m.addresses.join(","))?;
    Ok(())
}

/// Adds or updates a member.
pub fn upsert_member(d: &mut Document, m: &Member, stamp: &Stamp) -> Result<()> {
    put_member(d, m)?;
    d.commit("member_put", stamp, Some(format!("node {} device {}", m.node_id, m.device_code)));
    Ok(())
}

/// Replaces only a member's published addresses, so that it never rewrites what another PC
/// may have changed in the same entry meanwhile (a removal above all). Returns whether the
/// entry exists.
pub fn set_member_addresses(
    d: &mut Document,
    node_id: &str,
    addresses: &[String],
    stamp: &Stamp,
) -> Result<bool> {
    let exists = MapReader::root(&d.doc).map("members").and_then(|m| m.map(node_id)).is_some();
    if !exists {
        return Ok(false);
    }
    let mut w = MapWriter::root(&mut d.doc);
    let mut members = w.map("members")?;
    members.map(node_id)?.str("addresses", &addresses.join(","))?;
    d.commit("member_addresses", stamp, Some(format!("node {node_id}")));
    Ok(true)
}

/// Marks a member removed, touching nothing else of its entry.
pub fn remove_member(d: &mut Document, node_id: &str, stamp: &Stamp) -> Result<()> {
    let mut w = MapWriter::root(&mut d.doc);
    let mut members = w.map("members")?;
    members.map(node_id)?.i64("removed_at", stamp.at)?;
    d.commit("member_remove", stamp, Some(format!("node {node_id}")));
    Ok(())
}

/// Counts an invitation issued by `node_id` and returns the new count (used to derive the
/// invitee's device code; only that node ever writes its own counter, so it never conflicts).
pub fn next_invite_number(d: &mut Document, node_id: &str, stamp: &Stamp) -> Result<i64> {
    let current = MapReader::root(&d.doc)
        .map("members")
        .and_then(|m| m.map(node_id))
        .and_then(|e| e.i64("invites"))
        .unwrap_or(0);
    let mut w = MapWriter::root(&mut d.doc);
    w.map("members")?.map(node_id)?.i64("invites", current + 1)?;
    d.commit("invite", stamp, None);
    Ok(current + 1)
}

/// Replaces the holiday table entries for the given dates (others stay).
fn set_holidays(d: &mut Document, holidays: &[Holiday]) -> Result<()> {
    let mut w = MapWriter::root(&mut d.doc);
    let mut map = w.map("holidays")?;
    for h in holidays {
        let mut e = map.new_map(&h.date.format("%Y-%m-%d").to_string())?;
        e.str("kind", h.kind.code())?;
        e.str("name", &h.name)?;
    }
    Ok(())
}

/// Adds or replaces holidays.
pub fn put_holidays(d: &mut Document, holidays: &[Holiday], stamp: &Stamp) -> Result<()> {
    set_holidays(d, holidays)?;
    d.commit("holidays_put", stamp, Some(format!("{} days", holidays.len())));
    Ok(())
}

/// Removes a holiday.
pub fn remove_holiday(d: &mut Document, date: NaiveDate, stamp: &Stamp) -> Result<()> {
    MapWriter::root(&mut d.doc).map("holidays")?.delete(&date.format("%Y-%m-%d").to_string())?;
    d.commit("holiday_remove", stamp, Some(date.to_string()));
    Ok(())
}

/// Updates letterhead and settings.
pub fn update_settings(
    d: &mut Document,
    name: Option<&str>,
    unit: Option<&str>,
    address: Option<&str>,
    timezone: Option<&str>,
    matrix: Option<&RiskMatrix>,
    stamp: &Stamp,
) -> Result<()> {
    let mut w = MapWriter::root(&mut d.doc);
    if let Some(v) = name {
        w.str("name", v)?;
    }
    if let Some(v) = unit {
        w.str("unit", v)?;
    }
    if let Some(v) = address {
        w.str("address", v)?;
    }
    if let Some(v) = timezone {
        w.str("timezone", v)?;
    }
    if let Some(m) = matrix {
        w.str("matrix", &serde_json::to_string(m).unwrap_or_default())?;
    }
    d.commit("office_settings", stamp, None);
    Ok(())
}

/// The lookup key (HMAC key for visitor recognition).
pub fn lookup_key(d: &Document) -> Option<Vec<u8>> {
    MapReader::root(&d.doc).bytes("lookup_key")
}

/// Reads the office.
pub fn read(d: &Document) -> Result<Office> {
    let r = MapReader::root(&d.doc);
    let mut members = Vec::new();
    if let Some(ms) = r.map("members") {
        for node_id in ms.keys() {
            if let Some(e) = ms.map(&node_id) {
                members.push(Member {
                    name: e.str("name").unwrap_or_default(),
                    device_code: e.str("device_code").unwrap_or_default(),
                    public_key: e.str("public_key").unwrap_or_default(),
                    invited_by: e.str("invited_by"),
                    added_at: e.i64("added_at").unwrap_or(0),
                    removed_at: e.i64("removed_at"),
                    addresses: e
                        .str("addresses")
                        .map(|a| a.split(',').filter(|s| !s.is_empty()).map(String::from).collect())
                        .unwrap_or_default(),
                    node_id,
                });
            }
        }
    }
    let mut holidays = Vec::new();
    if let Some(hs) = r.map("holidays") {
        for key in hs.keys() {
            let (Ok(date), Some(e)) = (NaiveDate::parse_from_str(&key, "%Y-%m-%d"), hs.map(&key)) else {
                continue;
            };
            let kind = match e.str("kind").as_deref() {
                Some("cuti_bersama") => HolidayKind::CutiBersama,
                _ => HolidayKind::LiburNasional,
            };
            holidays.push(Holiday { date, kind, name: e.str("name").unwrap_or_default() });
        }
    }
    holidays.sort_by_key(|h| h.date);
    let matrix = r
        .str("matrix")
        .and_then(|m| serde_json::from_str::<RiskMatrix>(&m).ok())
        .filter(|m| m.validate().is_ok())
        .unwrap_or_default();
    Ok(Office {
        id: OfficeId(d.id.0),
        name: r.str("name").unwrap_or_default(),
        unit: r.str("unit"),
        address: r.str("address"),
        timezone: r.str("timezone").unwrap_or_else(|| crate::model::office::DEFAULT_TIMEZONE.into()),
        members,
        holidays,
        matrix,
    })
}
