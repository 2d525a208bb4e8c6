//! Staff members: add, update, list.

use rusqlite::{params, OptionalExtension};

use super::docs;
use super::CachedExt;
use super::{Actor, Origin, Store};
use crate::doc;
use crate::ids::{DocKind, StaffDocId};
use crate::model::{Coded, Nip, Staff, StaffRole};
use crate::{Error, Result};

/// A new staff member.
#[derive(Debug, Clone)]
pub struct NewStaff {
    /// NIP (validated).
    pub nip: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Role.
    pub role: StaffRole,
}

const STAFF_ADMINS: &[StaffRole] = &[StaffRole::Admin, StaffRole::Pimpinan, StaffRole::Kasubag];

impl Store {
    /// Adds a staff member. The first staff member of an office may be added by the device
    /// itself (bootstrap); after that an admin, pimpinan or kasubag must act.
    pub fn add_staff(&self, actor: &Actor, s: NewStaff) -> Result<Staff> {
        let nip = Nip::parse(&s.nip)?;
        let name = crate::model::required_text("name", &s.name, 120)?;
        let title = crate::model::optional_text("title", s.title.as_deref().unwrap_or(""), 120)?;
        let id = StaffDocId::for_nip(&nip);
        self.write(|ctx| {
            let count: i64 = ctx.tx.row("SELECT COUNT(*) FROM staff", [], |r| r.get(0))?;
            ctx.require_role(actor, "add staff", STAFF_ADMINS, count == 0)?;
            if count > 0 && actor.nip.is_none() {
                return Err(Error::Forbidden {
                    action: "add staff",
                    reason: "give the NIP of an admin, pimpinan or kasubag (--by)".into(),
                });
            }
            let exists: Option<String> = ctx
                .tx
                .row("SELECT nip FROM staff WHERE nip = ?1", [nip.as_str()], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                return Err(Error::invalid(
                    "NIP",
                    format!("staff member {nip} already exists; use `amer staff update`"),
                ));
            }
            let stamp = ctx.stamp(actor)?;
            let mut l = docs::new_for_write(ctx, id.doc(), DocKind::Staff);
            doc::staff::create(&mut l.doc, &nip, &name, title.as_deref(), s.role, &stamp)?;
            docs::commit(ctx, &mut l, Origin::Local)?;
            doc::staff::read(&l.doc)
        })
    }

    /// Changes a staff member's name, title, role or active flag.
    pub fn update_staff(
        &self,
        actor: &Actor,
        nip: &str,
        name: Option<&str>,
        title: Option<Option<&str>>,
        role: Option<StaffRole>,
        active: Option<bool>,
    ) -> Result<Staff> {
        let nip = Nip::parse(nip)?;
        if let Some(n) = name {
            crate::model::required_text("name", n, 120)?;
        }
        let id = StaffDocId::for_nip(&nip);
        self.write(|ctx| {
            ctx.require_role(actor, "change staff", STAFF_ADMINS, false)?;
            let mut l = docs::load_for_write(ctx, id.doc()).map_err(|e| match e {
                Error::NotFound { .. } => Error::NotFound {
                    what: "staff member",
                    key: nip.to_string(),
                    hint: "; add them with `amer staff add`",
                },
                e => e,
            })?;
            let stamp = ctx.stamp(actor)?;
            doc::staff::update(&mut l.doc, name, title, role, active, &stamp)?;
            docs::commit(ctx, &mut l, Origin::Local)?;
            doc::staff::read(&l.doc)
        })
    }

    /// One staff member.
    pub fn staff(&self, nip: &str) -> Result<Staff> {
        let nip = Nip::parse(nip)?;
        let id = StaffDocId::for_nip(&nip);
        self.read(|tx| {
            let d = docs::load_doc(tx, &id.to_text(), &self.actor).map_err(|e| match e {
                Error::NotFound { .. } => Error::NotFound {
                    what: "staff member",
                    key: nip.to_string(),
                    hint: "; add them with `amer staff add`",
                },
                e => e,
            })?;
            doc::staff::read(&d)
        })
    }

    /// All staff members, by name (from the projection; conflicts count only).
    pub fn list_staff(&self) -> Result<Vec<StaffRow>> {
        self.read(|tx| {
            let mut st =
                tx.prepare("SELECT nip, name, title, role, active, conflicts FROM staff ORDER BY name")?;
            let rows = st
                .query_map(params![], |r| {
                    Ok(StaffRow {
                        nip: r.get(0)?,
                        name: r.get(1)?,
                        title: r.get(2)?,
                        role: StaffRole::from_code(&r.get::<_, String>(3)?).unwrap_or(StaffRole::Viewer),
                        active: r.get(4)?,
                        conflicts: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    /// Sets a staff member's PIN for signing in to the front desk (stored hashed in their record,
    /// so it reaches every PC). The person themselves or an admin, pimpinan or kasubag must act.
    pub fn set_staff_pin(&self, actor: &Actor, nip: &str, pin: &str) -> Result<Staff> {
        let nip = Nip::parse(nip)?;
        let hash = crate::model::staff::pin::hash(pin)?;
        let id = StaffDocId::for_nip(&nip);
        self.write(|ctx| {
            if actor.nip.as_ref() == Some(&nip) {
                ctx.require_role(actor, "set a PIN", &[], false)?;
            } else {
                ctx.require_role(actor, "set another person's PIN", STAFF_ADMINS, false)?;
            }
            let mut l = docs::load_for_write(ctx, id.doc()).map_err(|e| match e {
                Error::NotFound { .. } => Error::NotFound {
                    what: "staff member",
                    key: nip.to_string(),
                    hint: "; add them with `amer staff add`",
                },
                e => e,
            })?;
            let stamp = ctx.stamp(actor)?;
            doc::staff::set_pin(&mut l.doc, &hash, &stamp)?;
            docs::commit(ctx, &mut l, Origin::Local)?;
            doc::staff::read(&l.doc)
        })
    }

    /// Checks a staff member's PIN; returns the member when it matches and they are active.
    /// Every refusal is [`Error::Forbidden`] and names neither the PIN nor why it failed beyond
    /// "wrong PIN", "no PIN set" or "inactive".
    pub fn verify_staff_pin(&self, nip: &str, pin: &str) -> Result<Staff> {
        let nip = Nip::parse(nip)?;
        let id = StaffDocId::for_nip(&nip);
        let (staff, stored) = self.read(|tx| {
            let d = docs::load_doc(tx, &id.to_text(), &self.actor).map_err(|e| match e {
                Error::NotFound { .. } => {
                    Error::Forbidden { action: "sign in", reason: "unknown staff member or wrong PIN".into() }
                }
                e => e,
            })?;
            Ok((doc::staff::read(&d)?, doc::staff::read_pin(&d)))
        })?;
        let Some(stored) = stored else {
            return Err(Error::Forbidden {
                action: "sign in",
                reason: format!("no PIN is set for {nip}; set one with `amer staff pin {nip}`"),
            });
        };
        if !crate::model::staff::pin::verify(&stored, pin) {
            return Err(Error::Forbidden {
                action: "sign in",
                reason: "unknown staff member or wrong PIN".into(),
            });
        }
        if !staff.active {
            return Err(Error::Forbidden {
                action: "sign in",
                reason: format!("staff member {nip} is inactive"),
            });
        }
        Ok(staff)
    }

    /// The name of a staff member, if known (for printouts).
    pub fn staff_name(&self, nip: &str) -> Result<Option<String>> {
        self.read(|tx| {
            Ok(tx.query_row("SELECT name FROM staff WHERE nip = ?1", [nip], |r| r.get(0)).optional()?)
        })
    }
}

/// A staff member as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaffRow {
    /// NIP.
    pub nip: String,
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// Role.
    pub role: StaffRole,
    /// Active.
    pub active: bool,
    /// Number of fields with concurrent values.
    pub conflicts: i64,
}
