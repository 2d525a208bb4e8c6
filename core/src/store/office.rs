//! The office and this node: initialisation, joining, members, settings and holidays.

use rusqlite::params;
use serde::Serialize;

use super::docs::{self, Loaded};
use super::CachedExt;
use super::{get_meta_str, set_meta, Actor, Origin, Store};
use crate::doc;
use crate::ids::{DocId, DocKind, OfficeId};
use crate::model::{Holiday, HolidayKind, HolidayTable, Member, Office, RiskMatrix, StaffRole};
use crate::privacy::DataKey;
use crate::{Error, Result};

/// What `init` needs.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The office's name.
    pub office_name: String,
    /// This PC's name.
    pub device_name: String,
    /// IANA time zone; default Asia/Makassar.
    pub timezone: Option<String>,
    /// This node's id (from its key pair); random when the caller has no identity.
    pub node_id: Option<String>,
    /// This node's public key (hex DER), if any.
    pub public_key: Option<String>,
}

/// What joining an existing office needs (given by the inviting member).
#[derive(Debug, Clone)]
pub struct JoinOptions {
    /// The office.
    pub office_id: OfficeId,
    /// The device code the inviter allotted.
    pub device_code: String,
    /// This node's id.
    pub node_id: String,
    /// This PC's name.
    pub device_name: String,
}

/// This node's identity within its office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalInfo {
    /// The node id.
    pub node_id: String,
    /// The device code used in ticket numbers.
    pub device_code: String,
    /// The office id.
    pub office_id: OfficeId,
    /// This PC's name.
    pub device_name: String,
}

/// The device code of the `n`-th device invited by a device with code `parent`: the parent's
/// code plus one token, a single character for the first 32 invitations (`A` → `A1`…`AY`) and
/// `Z` plus two characters after that. The tokens form a prefix-free code, so every code reads
/// back to one chain of inviters: codes are unique by construction, even for PCs that join
/// through different members while apart, because each device numbers only its own invitations.
pub fn child_device_code(parent: &str, n: i64) -> String {
    const SINGLE: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXY";
    const FULL: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let n = n.max(1) as usize;
    if n <= SINGLE.len() {
        return format!("{parent}{}", SINGLE[n - 1] as char);
    }
    let m = (n - SINGLE.len() - 1) % (FULL.len() * FULL.len());
    format!("{parent}Z{}{}", FULL[m / FULL.len()] as char, FULL[m % FULL.len()] as char)
}

impl Store {
    /// Creates the office on this founding PC: office document, this device as the first member
    /// (device code `A`), the 2026 holiday table, a fresh lookup key.
    pub fn init(&self, opts: InitOptions) -> Result<LocalInfo> {
        let name = crate::model::required_text("office name", &opts.office_name, 200)?;
        let device_name = crate::model::required_text("device name", &opts.device_name, 100)?;
        let timezone = opts.timezone.unwrap_or_else(|| crate::model::office::DEFAULT_TIMEZONE.into());
        if timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(Error::invalid(
                "time zone",
                format!("'{timezone}' is not an IANA time zone such as Asia/Makassar"),
            ));
        }
        let node_id = opts.node_id.unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        self.write(|ctx| {
            if let Some(existing) = get_meta_str(ctx.tx, "office_id")? {
                return Err(Error::AlreadyInitialised(existing));
            }
            let office_id = OfficeId::random();
            let device_code = "A".to_string();
            set_meta(ctx.tx, "office_id", office_id.to_text().as_bytes())?;
            set_meta(ctx.tx, "device_code", device_code.as_bytes())?;
            set_meta(ctx.tx, "node_id", node_id.as_bytes())?;
            set_meta(ctx.tx, "device_name", device_name.as_bytes())?;
            let stamp = ctx.stamp(&Actor::device())?;
            let founder = Member {
                node_id: node_id.clone(),
                name: device_name.clone(),
                device_code: device_code.clone(),
                public_key: opts.public_key.clone().unwrap_or_default(),
                invited_by: None,
                added_at: stamp.at,
                removed_at: None,
                addresses: Vec::new(),
            };
            let lookup = DataKey::generate()?;
            let mut l = docs::new_for_write(ctx, office_id.doc(), DocKind::Office);
            doc::office::create(
                &mut l.doc,
                &name,
                &timezone,
                lookup.bytes(),
                &founder,
                &HolidayTable::default_2026(),
                &stamp,
            )?;
            docs::commit(ctx, &mut l, Origin::Local)?;
            Ok(LocalInfo { node_id, device_code, office_id, device_name })
        })
    }

    /// Records that this PC joined an existing office; its documents arrive by sync.
    pub fn join(&self, opts: JoinOptions) -> Result<LocalInfo> {
        self.write(|ctx| {
            if let Some(existing) = get_meta_str(ctx.tx, "office_id")? {
                if existing != opts.office_id.to_text() {
                    return Err(Error::AlreadyInitialised(existing));
                }
            }
            set_meta(ctx.tx, "office_id", opts.office_id.to_text().as_bytes())?;
            set_meta(ctx.tx, "device_code", opts.device_code.as_bytes())?;
            set_meta(ctx.tx, "node_id", opts.node_id.as_bytes())?;
            set_meta(ctx.tx, "device_name", opts.device_name.as_bytes())?;
            Ok(LocalInfo {
                node_id: opts.node_id,
                device_code: opts.device_code,
                office_id: opts.office_id,
                device_name: opts.device_name,
            })
        })
    }

    /// This node's identity, or `NotInitialised`.
    pub fn local(&self) -> Result<LocalInfo> {
        self.read_raw(|tx| {
            let get = |k: &str| get_meta_str(tx, k);
            let office_id = get("office_id")?.ok_or(Error::NotInitialised)?;
            Ok(LocalInfo {
                node_id: get("node_id")?.unwrap_or_default(),
                device_code: get("device_code")?.unwrap_or_default(),
                office_id: OfficeId::parse(&office_id)?,
                device_name: get("device_name")?.unwrap_or_default(),
            })
        })
    }

    /// Whether `init` or `join` has run.
    pub fn is_initialised(&self) -> Result<bool> {
        self.read_raw(|tx| Ok(get_meta_str(tx, "office_id")?.is_some()))
    }

    fn office_doc_id(&self) -> Result<DocId> {
        Ok(self.local()?.office_id.doc())
    }

    /// The office (`NotFound` on a joined PC until the first sync brings it).
    pub fn office(&self) -> Result<Office> {
        let id = self.office_doc_id()?;
        self.read_raw(|tx| {
            let d = docs::load_doc(tx, &id.to_text(), &self.actor).map_err(|e| match e {
                Error::NotFound { .. } => Error::NotFound {
                    what: "office document",
                    key: id.to_text(),
                    hint: "; sync with a member first",
                },
                e => e,
            })?;
            doc::office::read(&d)
        })
    }

    /// The office's lookup key for recognising visitors.
    pub(crate) fn lookup_key(&self, tx: &rusqlite::Transaction<'_>) -> Result<Vec<u8>> {
        let id = get_meta_str(tx, "office_id")?.ok_or(Error::NotInitialised)?;
        let d = docs::load_doc(tx, &id, &self.actor)?;
        doc::office::lookup_key(&d)
            .ok_or_else(|| Error::Corrupt { doc: id, reason: "the office has no lookup key".into() })
    }

    fn office_write<T>(
        &self,
        actor: &Actor,
        roles: &[StaffRole],
        action: &'static str,
        f: impl FnOnce(&mut Loaded, &crate::model::Stamp) -> Result<T>,
    ) -> Result<T> {
        let id = self.office_doc_id()?;
        self.write(|ctx| {
            // The PC itself may do internal bookkeeping (invitations, member entries) and set the
            // office up before its first staff member exists; after that a person with the role
            // must act (removing a member, changing settings or holidays).
            let staff: i64 = ctx.tx.row("SELECT COUNT(*) FROM staff", [], |r| r.get(0))?;
            ctx.require_role(actor, action, roles, roles.is_empty() || staff == 0)?;
            let stamp = ctx.stamp(actor)?;
            let mut l = docs::load_for_write(ctx, id)?;
            let out = f(&mut l, &stamp)?;
            docs::commit(ctx, &mut l, Origin::Local)?;
            Ok(out)
        })
    }

    /// Allots the device code for the next PC this node invites.
    pub fn next_invite_device_code(&self) -> Result<String> {
        let me = self.local()?;
        self.office_write(&Actor::device(), &[], "invite a PC", |l, stamp| {
            let n = doc::office::next_invite_number(&mut l.doc, &me.node_id, stamp)?;
            Ok(child_device_code(&me.device_code, n))
        })
    }

    /// Adds or updates a member PC.
    pub fn put_member(&self, member: &Member) -> Result<()> {
        self.office_write(&Actor::device(), &[], "add a member", |l, stamp| {
            doc::office::upsert_member(&mut l.doc, member, stamp)
        })
    }

    /// Removes a member PC: every PC refuses its key once this change reaches it.
    pub fn remove_member(&self, actor: &Actor, node_id: &str) -> Result<()> {
        let office = self.office()?;
        let m = office.member(node_id).cloned().ok_or_else(|| Error::not_found("member", node_id))?;
        if m.node_id == self.local()?.node_id {
            return Err(Error::illegal(
                "remove member",
                "a PC cannot remove itself; remove it from another member",
            ));
        }
        self.office_write(actor, &[StaffRole::Admin, StaffRole::Pimpinan], "remove a member", |l, stamp| {
            doc::office::remove_member(&mut l.doc, &m.node_id, stamp)
        })
    }

    /// Publishes where a member PC can be reached (`host:port` each), writing only the
    /// addresses of its entry: a removal made meanwhile, here or on another PC, always stands.
    /// Refused, with nothing stored, for an unknown or removed member or an address that is
    /// not `IP:port`.
    pub fn set_member_addresses(&self, node_id: &str, addresses: &[String]) -> Result<()> {
        for address in addresses {
            if address.parse::<std::net::SocketAddr>().is_err() {
                return Err(Error::invalid(
                    "member address",
                    format!("'{address}' is not an address with a port such as 192.168.1.20:7450"),
                ));
            }
        }
        self.office_write(&Actor::device(), &[], "publish a member's address", |l, stamp| {
            // Read inside the write transaction: a removal applied a moment ago is seen here.
            let office = doc::office::read(&l.doc)?;
            match office.member(node_id) {
                None => Err(Error::not_found("member", node_id)),
                Some(m) if !m.is_active() => {
                    Err(Error::illegal("publish a member's address", "this PC was removed from the office"))
                }
                Some(_) => {
                    doc::office::set_member_addresses(&mut l.doc, node_id, addresses, stamp)?;
                    Ok(())
                }
            }
        })
    }

    /// Changes the letterhead, time zone or risk matrix (admin).
    pub fn update_office(
        &self,
        actor: &Actor,
        name: Option<&str>,
        unit: Option<&str>,
        address: Option<&str>,
        timezone: Option<&str>,
        matrix: Option<&RiskMatrix>,
    ) -> Result<()> {
        if let Some(tz) = timezone {
            if tz.parse::<chrono_tz::Tz>().is_err() {
                return Err(Error::invalid(
                    "time zone",
                    format!("'{tz}' is not an IANA time zone such as Asia/Makassar"),
                ));
            }
        }
        if let Some(m) = matrix {
            m.validate()?;
        }
        self.office_write(actor, &[StaffRole::Admin], "change office settings", |l, stamp| {
            doc::office::update_settings(&mut l.doc, name, unit, address, timezone, matrix, stamp)
        })
    }

    /// Imports holidays from CSV (`date,kind,name`); all lines or none.
    pub fn import_holidays(&self, actor: &Actor, csv: &str) -> Result<usize> {
        let days = HolidayTable::parse_csv(csv)?;
        let n = days.len();
        self.office_write(
            actor,
            &[StaffRole::Admin, StaffRole::Kasubag, StaffRole::Pimpinan],
            "edit holidays",
            |l, stamp| doc::office::put_holidays(&mut l.doc, &days, stamp),
        )?;
        Ok(n)
    }

    /// Adds one holiday.
    pub fn add_holiday(&self, actor: &Actor, holiday: Holiday) -> Result<()> {
        self.office_write(
            actor,
            &[StaffRole::Admin, StaffRole::Kasubag, StaffRole::Pimpinan],
            "edit holidays",
            |l, stamp| doc::office::put_holidays(&mut l.doc, &[holiday], stamp),
        )
    }

    /// Removes one holiday.
    pub fn remove_holiday(&self, actor: &Actor, date: chrono::NaiveDate) -> Result<()> {
        self.office_write(
            actor,
            &[StaffRole::Admin, StaffRole::Kasubag, StaffRole::Pimpinan],
            "edit holidays",
            |l, stamp| doc::office::remove_holiday(&mut l.doc, date, stamp),
        )
    }

    /// The holiday table (from the projection).
    pub fn holidays(&self) -> Result<HolidayTable> {
        self.read(|tx| {
            let mut st = tx.prepare("SELECT date, kind, name FROM holidays ORDER BY date")?;
            let rows = st
                .query_map(params![], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(HolidayTable::new(rows.into_iter().filter_map(|(d, k, n)| {
                Some(Holiday {
                    date: chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()?,
                    kind: if k == "cuti_bersama" {
                        HolidayKind::CutiBersama
                    } else {
                        HolidayKind::LiburNasional
                    },
                    name: n,
                })
            })))
        })
    }

    /// The office's time zone (from the projection; WITA by default).
    pub fn timezone(&self) -> Result<chrono_tz::Tz> {
        self.read(|tx| {
            Ok(get_meta_str(tx, "timezone")?
                .and_then(|t| t.parse().ok())
                .unwrap_or(chrono_tz::Asia::Makassar))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::child_device_code;
    use crate::model::Member;
    use crate::store::{Actor, FeedKind, InitOptions, JoinOptions};
    use crate::Store;

    /// Sends every document of `from` to `to`, as sync would.
    fn send_all(from: &Store, to: &Store) {
        let ids: Vec<_> = from
            .changes_since(0, usize::MAX)
            .unwrap()
            .into_iter()
            .filter_map(|item| match item.kind {
                FeedKind::Doc { id, .. } => Some((id, Vec::new())),
                FeedKind::Key(_) => None,
            })
            .collect();
        to.apply_docs(&from.docs_for_peer(&ids).unwrap()).unwrap();
    }

    /// A founding PC with a second member `B1`, and that member's own store.
    fn office_of_two() -> (Store, Store, String) {
        let a = Store::open_in_memory().unwrap();
        a.init(InitOptions {
            office_name: "Bagian Pengadaan Barang/Jasa".into(),
            device_name: "PC Loket".into(),
            timezone: None,
            node_id: Some("aa".repeat(32)),
            public_key: None,
        })
        .unwrap();
        let b_node = "bb".repeat(32);
        a.put_member(&Member {
            node_id: b_node.clone(),
            name: "PC Kasubag".into(),
            device_code: "A1".into(),
            public_key: String::new(),
            invited_by: Some("aa".repeat(32)),
            added_at: 1,
            removed_at: None,
            addresses: Vec::new(),
        })
        .unwrap();
        let b = Store::open_in_memory().unwrap();
        b.join(JoinOptions {
            office_id: a.local().unwrap().office_id,
            device_code: "A1".into(),
            node_id: b_node.clone(),
            device_name: "PC Kasubag".into(),
        })
        .unwrap();
        send_all(&a, &b);
        (a, b, b_node)
    }

    #[test]
    fn a_removal_wins_over_a_concurrent_address_publish() {
        // Each store writes with a random Automerge actor, so repeat: a whole-entry rewrite
        // would lose the removal in about half of the runs.
        for _ in 0..12 {
            let (a, b, b_node) = office_of_two();
            // Apart: A removes B while B publishes its address.
            a.remove_member(&Actor::device(), &b_node).unwrap();
            b.set_member_addresses(&b_node, &["192.168.1.20:7450".into()]).unwrap();
            send_all(&a, &b);
            send_all(&b, &a);
            for store in [&a, &b] {
                let office = store.office().unwrap();
                let member = office.member(&b_node).unwrap();
                assert!(member.removed_at.is_some(), "the removal stands");
                assert_eq!(member.addresses, vec!["192.168.1.20:7450".to_string()]);
            }
        }
    }

    #[test]
    fn an_address_publish_after_a_removal_arrived_is_refused_and_changes_nothing() {
        let (a, b, b_node) = office_of_two();
        a.remove_member(&Actor::device(), &b_node).unwrap();
        send_all(&a, &b);
        let before = b.current_seq().unwrap();
        let err = b.set_member_addresses(&b_node, &["192.168.1.20:7450".into()]).unwrap_err();
        assert!(err.to_string().contains("removed"), "{err}");
        assert_eq!(b.current_seq().unwrap(), before);
        assert!(b.office().unwrap().member(&b_node).unwrap().removed_at.is_some());
    }

    #[test]
    fn bad_member_addresses_are_refused_and_change_nothing() {
        let (_a, b, b_node) = office_of_two();
        let before = b.current_seq().unwrap();
        let err = b.set_member_addresses(&b_node, &["pc-kasubag".into()]).unwrap_err();
        assert!(err.to_string().contains("pc-kasubag"), "{err}");
        let err = b.set_member_addresses(&"cc".repeat(32), &["10.0.0.2:7450".into()]).unwrap_err();
        assert!(matches!(err, crate::Error::NotFound { .. }), "{err}");
        assert_eq!(b.current_seq().unwrap(), before);
        assert!(b.office().unwrap().member(&b_node).unwrap().addresses.is_empty());
    }

    #[test]
    fn device_codes_are_hierarchical() {
        assert_eq!(child_device_code("A", 1), "A1");
        assert_eq!(child_device_code("A", 9), "A9");
        assert_eq!(child_device_code("A", 10), "AA");
        assert_eq!(child_device_code("A", 33), "AZ11");
        assert_eq!(child_device_code("A1", 2), "A12");
        // Three generations of up to 60 invitations each never collide.
        let mut all: Vec<String> = vec!["A".into()];
        for parent in ["A", "A1", "AZ11", "A11", "A1Z11"] {
            all.extend((1..60).map(|n| child_device_code(parent, n)));
        }
        let before = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), before, "no two invitations give the same code");
    }
}
