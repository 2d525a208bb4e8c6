//! Visitors' personal data: per-visitor keys outside the CRDT, recognition by keyed hashes,
//! erasure (crypto-shredding) and export of one visitor's data.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::CachedExt;
use super::{docs, Actor, ChangeEvent, Origin, Store, WriteCtx};
use crate::doc::{self, session::SessionOp};
use crate::ids::{SessionId, VisitorId};
use crate::model::{Nik, PersonalFields, Phone, StaffRole, VisitorPersonal};
use crate::privacy::{lookup_hash, DataKey};
use crate::{Error, Result};

type Sealed = Option<Vec<u8>>;
/// (sealed fields, org, role, arrival ms, session count) of a visitor's latest session.
type LatestVisit = (Sealed, Option<String>, Option<String>, i64, i64);
/// A returning visitor: id, personal fields, organisation and role of the latest visit.
pub type ReturningVisitor = (VisitorId, PersonalFields, Option<String>, Option<String>);

/// The state of a visitor's key on this PC.
pub(crate) enum KeyState {
    Known(DataKey),
    Erased,
    Missing,
}

/// A visitor found by phone or NIK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitorSummary {
    /// The visitor id.
    pub id: VisitorId,
    /// The name (or why it cannot be shown).
    pub name: String,
    /// Organisation of the latest session.
    pub org: Option<String>,
    /// Role of the latest session.
    pub role: Option<String>,
    /// Phone, national form.
    pub phone: Option<String>,
    /// NIK, masked.
    pub nik: Option<String>,
    /// Number of sessions.
    pub sessions: i64,
    /// Latest visit (ms).
    pub last_visit: Option<i64>,
}

/// All that AMER holds on one visitor (the access right of UU 27/2022).
#[derive(Debug, Clone, Serialize)]
pub struct VisitorExport {
    /// The visitor id.
    pub id: VisitorId,
    /// Personal fields as stored (NIK in full: it is the visitor's own data).
    pub personal: VisitorPersonal,
    /// Their sessions: ticket, date, category, subject, status.
    pub sessions: Vec<super::SessionRow>,
}

impl Store {
    pub(crate) fn key_state(&self, tx: &Transaction<'_>, visitor: &VisitorId) -> Result<KeyState> {
        let row: Option<(Option<Vec<u8>>, Option<i64>)> = tx
            .query_row(
                "SELECT wrapped_key, erased_at FROM visitor_keys WHERE visitor_id = ?1",
                [visitor.to_text()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            Some((_, Some(_))) => KeyState::Erased,
            Some((Some(w), None)) => {
                KeyState::Known(self.master.unwrap_key(visitor.to_text().as_bytes(), &w)?)
            }
            _ => KeyState::Missing,
        })
    }

    /// Opens a visitor's sealed fields as this PC can.
    pub(crate) fn open_personal(
        &self,
        tx: &Transaction<'_>,
        visitor: &VisitorId,
        sealed: Option<&[u8]>,
    ) -> Result<VisitorPersonal> {
        Ok(match (self.key_state(tx, visitor)?, sealed) {
            (KeyState::Erased, _) => VisitorPersonal::Erased,
            (_, None) => VisitorPersonal::Erased,
            (KeyState::Missing, _) => VisitorPersonal::Pending,
            (KeyState::Known(k), Some(sealed)) => {
                let plain = k.open(visitor.to_text().as_bytes(), sealed)?;
                let fields: PersonalFields = serde_json::from_slice(&plain)
                    .map_err(|_| Error::Crypto("sealed personal data is not readable"))?;
                VisitorPersonal::Known(Box::new(fields))
            }
        })
    }

    /// Finds or creates the visitor for a registration: recognised by the keyed hash of the NIK,
    /// else of the phone. Returns the id and key.
    pub(crate) fn visitor_for(
        &self,
        ctx: &mut WriteCtx<'_, '_>,
        phone: Option<&Phone>,
        nik: Option<&Nik>,
    ) -> Result<(VisitorId, DataKey)> {
        let lookup = self.lookup_key(ctx.tx)?;
        let nik_hash = nik.map(|n| lookup_hash(&lookup, "nik", n.expose()));
        let phone_hash = phone.map(|p| lookup_hash(&lookup, "phone", p.expose()));
        for (col, hash) in [("nik_hash", &nik_hash), ("phone_hash", &phone_hash)] {
            let Some(hash) = hash else { continue };
            let sql = format!(
                "SELECT visitor_id, wrapped_key FROM visitor_keys WHERE {col} = ?1 AND wrapped_key IS NOT NULL ORDER BY created_at DESC LIMIT 1"
            );
            let found: Option<(String, Vec<u8>)> =
                ctx.tx.row(&sql, [hash], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            if let Some((id, wrapped)) = found {
                let id = VisitorId::parse(&id)?;
                let key = self.master.unwrap_key(id.to_text().as_bytes(), &wrapped)?;
                // Learn the other identifier too (a returning visitor who now gives a NIK).
                ctx.tx.exec(
                    "UPDATE visitor_keys SET phone_hash = COALESCE(phone_hash, ?2), nik_hash = COALESCE(nik_hash, ?3) WHERE visitor_id = ?1",
                    params![id.to_text(), phone_hash, nik_hash],
                )?;
                return Ok((id, key));
            }
        }
        let id = VisitorId::random();
        let key = DataKey::generate()?;
        let seq = ctx.next_seq()?;
        ctx.tx.exec(
            "INSERT INTO visitor_keys(visitor_id, wrapped_key, phone_hash, nik_hash, created_at, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id.to_text(), self.master.wrap(id.to_text().as_bytes(), &key)?, phone_hash, nik_hash, crate::model::now_millis(), seq],
        )?;
        ctx.events.push(ChangeEvent { seq, id: id.to_text(), kind: "key", origin: Origin::Local });
        Ok((id, key))
    }

    /// Visitors whose phone or NIK matches (by keyed hash).
    pub fn find_visitors(&self, phone: Option<&str>, nik: Option<&str>) -> Result<Vec<VisitorSummary>> {
        let phone = phone.map(Phone::parse).transpose()?;
        let nik = nik.map(Nik::parse).transpose()?;
        if phone.is_none() && nik.is_none() {
            return Err(Error::invalid("search", "give a phone number or a NIK"));
        }
        self.read(|tx| {
            let lookup = self.lookup_key(tx)?;
            let mut ids: Vec<String> = Vec::new();
            if let Some(p) = &phone {
                let h = lookup_hash(&lookup, "phone", p.expose());
                let mut st = tx.prepare("SELECT visitor_id FROM visitor_keys WHERE phone_hash = ?1")?;
                ids.extend(st.query_map([h], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?);
            }
            if let Some(n) = &nik {
                let h = lookup_hash(&lookup, "nik", n.expose());
                let mut st = tx.prepare("SELECT visitor_id FROM visitor_keys WHERE nik_hash = ?1")?;
                ids.extend(st.query_map([h], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?);
            }
            ids.sort();
            ids.dedup();
            let mut out = Vec::new();
            for id in ids {
                let vid = VisitorId::parse(&id)?;
                let latest: Option<LatestVisit> = tx
                    .query_row(
                        "SELECT visitor_sealed, visitor_org, visitor_role, arrived_at, (SELECT COUNT(*) FROM sessions WHERE visitor_id = ?1)
                         FROM sessions WHERE visitor_id = ?1 ORDER BY arrived_at DESC LIMIT 1",
                        [&id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .optional()?;
                let (sealed, org, role, last, count) = latest.unwrap_or((None, None, None, 0, 0));
                let view = crate::model::VisitorView { id: vid, org: org.clone(), role: None, personal: self.open_personal(tx, &vid, sealed.as_deref())? };
                out.push(VisitorSummary {
                    id: vid,
                    name: view.name(),
                    org,
                    role,
                    phone: view.show(|p| p.phone.as_deref().and_then(|x| Phone::parse(x).ok()).map(|x| x.national())),
                    nik: view.nik_masked(),
                    sessions: count,
                    last_visit: (count > 0).then_some(last),
                });
            }
            Ok(out)
        })
    }

    /// The personal data of a visitor, for a returning visitor's form (recognised by phone).
    pub fn returning_visitor(&self, phone: &str) -> Result<Option<ReturningVisitor>> {
        let found = self.find_visitors(Some(phone), None)?;
        let Some(v) = found.into_iter().filter(|v| v.sessions > 0).max_by_key(|v| v.last_visit) else {
            return Ok(None);
        };
        self.read(|tx| {
            let row: Option<(Sealed, Option<String>, Option<String>)> = tx
                .query_row(
                    "SELECT visitor_sealed, visitor_org, visitor_role FROM sessions WHERE visitor_id = ?1 ORDER BY arrived_at DESC LIMIT 1",
                    [v.id.to_text()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((sealed, org, role)) = row else { return Ok(None) };
            Ok(match self.open_personal(tx, &v.id, sealed.as_deref())? {
                VisitorPersonal::Known(p) => Some((v.id, *p, org, role)),
                _ => None,
            })
        })
    }

    /// Erases one visitor's personal data everywhere (admin only): deletes the key (a tombstone
    /// that sync spreads and that always wins), removes the sealed fields from the current state
    /// of each of their sessions and records the erasure in each session's audit trail. Old
    /// document versions still hold the ciphertext, which no PC can open any more.
    pub fn erase_visitor(&self, actor: &Actor, visitor: &VisitorId, request: &str) -> Result<usize> {
        let request = crate::model::required_text("request", request, 300)?;
        let n = self.write(|ctx| {
            ctx.require_role(actor, "erase a visitor's data", &[StaffRole::Admin], false)?;
            let exists: Option<Option<i64>> = ctx
                .tx
                .row("SELECT erased_at FROM visitor_keys WHERE visitor_id = ?1", [visitor.to_text()], |r| r.get(0))
                .optional()?;
            match exists {
                None => return Err(Error::not_found("visitor", visitor.to_text())),
                Some(Some(_)) => return Err(Error::illegal("erase", "this visitor's data was already erased")),
                Some(None) => {}
            }
            let sessions: Vec<String> = {
                let mut st = ctx.tx.prepare("SELECT id FROM sessions WHERE visitor_id = ?1 ORDER BY arrived_at")?;
                let rows = st.query_map([visitor.to_text()], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
                rows
            };
            let stamp = ctx.stamp(actor)?;
            let seq = ctx.next_seq()?;
            ctx.tx.exec(
                "UPDATE visitor_keys SET wrapped_key = NULL, phone_hash = NULL, nik_hash = NULL, erased_at = ?2, erased_by = ?3,
                   erase_request = ?4, known_sessions = ?5, seq = ?6 WHERE visitor_id = ?1",
                params![visitor.to_text(), stamp.at, stamp.by, request, sessions.join(","), seq],
            )?;
            ctx.events.push(ChangeEvent { seq, id: visitor.to_text(), kind: "key", origin: Origin::Local });
            for id in &sessions {
                let sid = SessionId::parse(id)?;
                let mut l = docs::load_for_write(ctx, sid.doc())?;
                doc::session::apply(&mut l.doc, &SessionOp::EraseVisitor { request: request.clone() }, &stamp)?;
                docs::commit(ctx, &mut l, Origin::Local)?;
            }
            Ok(sessions.len())
        })?;
        self.purge_free_pages()?;
        Ok(n)
    }

    /// Moves the WAL into the main file and truncates it, so deleted keys leave no copy behind
    /// (secure_delete zeroes the freed pages).
    pub(crate) fn purge_free_pages(&self) -> Result<()> {
        let conn = self.lock();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Everything held on one visitor.
    pub fn export_visitor(&self, visitor: &VisitorId) -> Result<VisitorExport> {
        let sessions =
            self.list_sessions(&super::SessionFilter { visitor: Some(*visitor), ..Default::default() })?;
        let personal = self.read(|tx| {
            let exists: Option<i64> = tx.query_row("SELECT 1 FROM visitor_keys WHERE visitor_id = ?1", [visitor.to_text()], |r| r.get(0)).optional()?;
            if exists.is_none() && sessions.is_empty() {
                return Err(Error::not_found("visitor", visitor.to_text()));
            }
            let sealed: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT visitor_sealed FROM sessions WHERE visitor_id = ?1 AND visitor_sealed IS NOT NULL ORDER BY arrived_at DESC LIMIT 1",
                    [visitor.to_text()],
                    |r| r.get(0),
                )
                .optional()?;
            self.open_personal(tx, visitor, sealed.as_deref())
        })?;
        Ok(VisitorExport { id: *visitor, personal, sessions })
    }
}
