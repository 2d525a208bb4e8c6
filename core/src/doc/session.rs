//! The service session document.
//!
//! Layout (schema 2): scalar keys `schema`, `kind`, `id`, `ticket`, `category`, `channel`,
//! `stage`, `subject`, `description`; maps `visitor` {id, org, role, sealed}, `package`,
//! `objection`; fact maps `registered`, `assignment`, `started`, `finish`, `rating`,
//! `cancellation`, `erasure` (each with at/by/device); text `notes`.
//! Schema 1 kept `arrived` (seconds) instead of the `registered` fact.

use automerge::ReadDoc;
use chrono::NaiveDate;

use super::fields::{MapReader, MapWriter};
use super::{Document, SCHEMA_VERSION};
use crate::ids::{SessionId, VisitorId};
use crate::model::*;
use crate::Result;

/// The validated facts of a registration.
#[derive(Debug, Clone)]
pub struct SessionInit {
    /// Ticket number.
    pub ticket: String,
    /// Category.
    pub category: Category,
    /// Channel.
    pub channel: Channel,
    /// Visitor id.
    pub visitor: VisitorId,
    /// Organisation.
    pub org: Option<String>,
    /// Visitor role.
    pub role: Option<VisitorRole>,
    /// Personal fields sealed under the visitor's key.
    pub sealed: Vec<u8>,
    /// Package.
    pub package: Option<Package>,
    /// Stage.
    pub stage: Option<Stage>,
    /// Subject.
    pub subject: String,
    /// Description.
    pub description: Option<String>,
    /// Objection detail.
    pub objection: Option<Objection>,
    /// Initial notes.
    pub notes: String,
}

fn write_package(w: &mut MapWriter<'_>, p: &Package) -> Result<()> {
    let mut m = w.new_map("package")?;
    m.opt_str("code", p.code.as_deref())?;
    m.opt_str("name", p.name.as_deref())?;
    m.opt_str("opd", p.opd.as_deref())?;
    m.opt_i64("year", p.year.map(i64::from))?;
    m.opt_str("type", p.kind.map(|k| k.code()))?;
    m.opt_str("method", p.method.map(|k| k.code()))?;
    m.opt_i64("value", p.value)
}

pub(crate) fn read_package(r: &MapReader<'_>) -> Option<Package> {
    let m = r.map("package")?;
    let p = Package {
        code: m.str("code"),
        name: m.str("name"),
        opd: m.str("opd"),
        year: m.i64("year").and_then(|y| i32::try_from(y).ok()),
        kind: m.str("type").and_then(|c| PackageType::from_code(&c)),
        method: m.str("method").and_then(|c| Method::from_code(&c)),
        value: m.i64("value"),
    };
    (!p.is_empty()).then_some(p)
}

fn write_objection(w: &mut MapWriter<'_>, o: &Objection) -> Result<()> {
    let mut m = w.new_map("objection")?;
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    m.opt_str("mode", o.mode.map(|x| x.code()))?;
    m.opt_str("announced_on", date(o.announced_on).as_deref())?;
    m.opt_str("filed_on", date(o.filed_on).as_deref())?;
    m.bool("via_spse", o.via_spse)?;
    let grounds: Vec<&str> = o.grounds.iter().map(|g| g.code()).collect();
    m.str("grounds", &grounds.join(","))?;
    m.opt_str("answered_on", date(o.answered_on).as_deref())?;
    m.opt_str("outcome", o.outcome.map(|x| x.code()))
}

fn read_objection(r: &MapReader<'_>) -> Option<Objection> {
    let m = r.map("objection")?;
    let date = |k: &str| m.str(k).and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
    Some(Objection {
        mode: m.str("mode").and_then(|c| ObjectionMode::from_code(&c)),
        announced_on: date("announced_on"),
        filed_on: date("filed_on"),
        via_spse: m.bool("via_spse").unwrap_or(false),
        grounds: m
            .str("grounds")
            .unwrap_or_default()
            .split(',')
            .filter_map(ObjectionGround::from_code)
            .collect(),
        answered_on: date("answered_on"),
        outcome: m.str("outcome").and_then(|c| ObjectionOutcome::from_code(&c)),
    })
}

/// Writes a new session.
pub fn create(d: &mut Document, init: &SessionInit, stamp: &Stamp) -> Result<()> {
    let mut w = MapWriter::root(&mut d.doc);
    w.i64("schema", SCHEMA_VERSION)?;
    w.str("kind", "session")?;
    w.str("id", &d.id.to_text())?;
    w.str("ticket", &init.ticket)?;
    w.str("category", init.category.code())?;
    w.str("channel", init.channel.code())?;
    {
        let mut v = w.new_map("visitor")?;
        v.str("id", &init.visitor.to_text())?;
        v.opt_str("org", init.org.as_deref())?;
        v.opt_str("role", init.role.map(|r| r.code()))?;
        v.bytes("sealed", init.sealed.clone())?;
    }
    if let Some(p) = &init.package {
        write_package(&mut w, p)?;
    }
    w.opt_str("stage", init.stage.map(|s| s.code()))?;
    w.str("subject", &init.subject)?;
    w.opt_str("description", init.description.as_deref())?;
    if let Some(o) = &init.objection {
        write_objection(&mut w, o)?;
    }
    w.fact("registered", stamp, |_| Ok(()))?;
    // The notes text exists from the start so that every PC edits the same object.
    w.new_text("notes", &init.notes)?;
    d.commit("register", stamp, Some(format!("ticket {}", init.ticket)));
    Ok(())
}

/// Upgrades an older document in place before a write (no-op when current).
fn upgrade(d: &mut Document) -> Result<()> {
    let r = MapReader::root(&d.doc);
    let schema = r.i64("schema").unwrap_or(1);
    if schema >= SCHEMA_VERSION {
        return Ok(());
    }
    let arrived = r.i64("arrived").map(|s| s * 1000);
    let has_registered = r.map("registered").is_some();
    let has_notes_text = matches!(
        d.doc.get(automerge::ROOT, "notes").ok().flatten(),
        Some((automerge::Value::Object(automerge::ObjType::Text), _))
    );
    let old_notes = r.text("notes").unwrap_or_default();
    let mut w = MapWriter::root(&mut d.doc);
    if !has_registered {
        let stamp = Stamp { at: arrived.unwrap_or(0), by: None, device: "-".into() };
        w.fact("registered", &stamp, |_| Ok(()))?;
    }
    if !has_notes_text {
        w.new_text("notes", &old_notes)?;
    }
    w.delete("arrived")?;
    w.i64("schema", SCHEMA_VERSION)?;
    Ok(())
}

/// Applies one lifecycle or edit operation and commits it.
pub fn apply(d: &mut Document, op: &SessionOp, stamp: &Stamp) -> Result<()> {
    upgrade(d)?;
    let detail;
    {
        let mut w = MapWriter::root(&mut d.doc);
        detail = match op {
            SessionOp::Assign { officer } => {
                w.fact("assignment", stamp, |m| m.str("officer", officer))?;
                Some(format!("officer {officer}"))
            }
            SessionOp::Start => {
                w.fact("started", stamp, |_| Ok(()))?;
                None
            }
            SessionOp::Finish { recommendation, follow_up } => {
                w.fact("finish", stamp, |m| {
                    m.opt_str("recommendation", recommendation.as_deref())?;
                    if let Some(f) = follow_up {
                        m.opt_str("follow_target", f.target.map(|t| t.code()))?;
                        m.opt_str("follow_tracking", f.tracking.as_deref())?;
                        m.opt_str("follow_note", f.note.as_deref())?;
                    }
                    Ok(())
                })?;
                None
            }
            SessionOp::Rate { score, comment, signed } => {
                w.fact("rating", stamp, |m| {
                    m.i64("score", i64::from(score.value()))?;
                    m.opt_str("comment", comment.as_deref())?;
                    m.bool("signed", *signed)
                })?;
                Some(format!("score {}", score.value()))
            }
            SessionOp::Cancel { reason } => {
                w.fact("cancellation", stamp, |m| m.str("reason", reason))?;
                None
            }
            SessionOp::AppendNotes { text } | SessionOp::ReplaceNotes { text } => {
                let append = matches!(op, SessionOp::AppendNotes { .. });
                drop(w);
                edit_notes(d, text, append)?;
                None
            }
            SessionOp::Edit { subject, description, stage, package, objection } => {
                if let Some(s) = subject {
                    w.str("subject", s)?;
                }
                if let Some(s) = description {
                    w.opt_str("description", s.as_deref())?;
                }
                if let Some(s) = stage {
                    w.opt_str("stage", s.map(|s| s.code()))?;
                }
                if let Some(p) = package {
                    write_package(&mut w, p)?;
                }
                if let Some(o) = objection {
                    write_objection(&mut w, o)?;
                }
                None
            }
            SessionOp::EraseVisitor { request } => {
                w.map("visitor")?.delete("sealed")?;
                w.fact("erasure", stamp, |m| m.str("request", request))?;
                Some("visitor personal data erased".into())
            }
        };
    }
    d.commit(op.name(), stamp, detail);
    Ok(())
}

fn edit_notes(d: &mut Document, text: &str, append: bool) -> Result<()> {
    use automerge::transaction::Transactable;
    use automerge::ReadDoc;
    let id = match d.doc.get(automerge::ROOT, "notes")? {
        Some((automerge::Value::Object(automerge::ObjType::Text), id)) => id,
        _ => d.doc.put_object(automerge::ROOT, "notes", automerge::ObjType::Text)?,
    };
    let current = d.doc.text(&id)?;
    if append {
        // Every paragraph ends with a line break, so paragraphs appended on two PCs at the same
        // time merge as two lines instead of running together.
        let sep = if current.is_empty() || current.ends_with('\n') { "" } else { "\n" };
        let len = d.doc.length(&id);
        d.doc.splice_text(&id, len, 0, &format!("{sep}{text}\n"))?;
        return Ok(());
    }
    // Replace by splicing only the changed middle, so concurrent edits elsewhere survive. The
    // stored text keeps its final line break (see append).
    let text = if text.is_empty() || text.ends_with('\n') { text.to_string() } else { format!("{text}\n") };
    let old: Vec<char> = current.chars().collect();
    let new: Vec<char> = text.chars().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix =
        old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let del = old.len() - prefix - suffix;
    let ins: String = new[prefix..new.len() - suffix].iter().collect();
    // Positions in the document's text encoding: measure the prefix in that encoding.
    let pos = encoded_len(&d.doc, &old[..prefix]);
    let del_len = encoded_len(&d.doc, &old[prefix..prefix + del]);
    d.doc.splice_text(&id, pos, del_len as isize, &ins)?;
    Ok(())
}

fn encoded_len(doc: &automerge::AutoCommit, chars: &[char]) -> usize {
    match doc.text_encoding() {
        automerge::TextEncoding::Utf8CodeUnit => chars.iter().map(|c| c.len_utf8()).sum(),
        automerge::TextEncoding::Utf16CodeUnit => chars.iter().map(|c| c.len_utf16()).sum(),
        _ => chars.len(),
    }
}

/// An operation on a session.
#[derive(Debug, Clone)]
pub enum SessionOp {
    /// Assign an officer (NIP).
    Assign {
        /// Officer NIP.
        officer: String,
    },
    /// Start the service.
    Start,
    /// Finish the service.
    Finish {
        /// Recommendation.
        recommendation: Option<String>,
        /// Follow-up.
        follow_up: Option<FollowUp>,
    },
    /// Record the rating.
    Rate {
        /// Score.
        score: Score,
        /// Comment.
        comment: Option<String>,
        /// Signed on paper.
        signed: bool,
    },
    /// Cancel.
    Cancel {
        /// Reason.
        reason: String,
    },
    /// Append a paragraph to the notes.
    AppendNotes {
        /// Text.
        text: String,
    },
    /// Replace the notes (minimal splice).
    ReplaceNotes {
        /// Text.
        text: String,
    },
    /// Edit descriptive fields (`None` leaves a field as it is).
    Edit {
        /// Subject.
        subject: Option<String>,
        /// Description.
        description: Option<Option<String>>,
        /// Stage.
        stage: Option<Option<Stage>>,
        /// Package.
        package: Option<Package>,
        /// Objection.
        objection: Option<Objection>,
    },
    /// Remove the sealed personal data and record the erasure.
    EraseVisitor {
        /// The request reference (no personal data).
        request: String,
    },
}

impl SessionOp {
    /// The audit name of the operation.
    pub fn name(&self) -> &'static str {
        match self {
            SessionOp::Assign { .. } => "assign",
            SessionOp::Start => "start",
            SessionOp::Finish { .. } => "finish",
            SessionOp::Rate { .. } => "rate",
            SessionOp::Cancel { .. } => "cancel",
            SessionOp::AppendNotes { .. } => "notes_append",
            SessionOp::ReplaceNotes { .. } => "notes_edit",
            SessionOp::Edit { .. } => "edit",
            SessionOp::EraseVisitor { .. } => "erase_visitor",
        }
    }
}

/// Reads a session; the visitor's personal fields are left `Pending` and the sealed bytes are
/// returned for the store to open.
pub fn read(d: &Document) -> Result<(Session, Option<Vec<u8>>)> {
    let r = MapReader::root(&d.doc);
    let corrupt =
        |what: &str| crate::Error::Corrupt { doc: d.id.to_text(), reason: format!("missing or bad {what}") };
    let schema = r.i64("schema").unwrap_or(1);
    let category =
        r.str("category").and_then(|c| Category::from_code(&c)).ok_or_else(|| corrupt("category"))?;
    let v = r.map("visitor");
    let visitor_id = v
        .as_ref()
        .and_then(|v| v.str("id"))
        .and_then(|s| VisitorId::parse(&s).ok())
        .ok_or_else(|| corrupt("visitor"))?;
    let sealed = v.as_ref().and_then(|v| v.bytes("sealed"));
    let registered = match r.map("registered").and_then(|m| m.stamp()) {
        Some(s) => s,
        None => Stamp {
            at: r.i64("arrived").map(|s| s * 1000).ok_or_else(|| corrupt("arrival time"))?,
            by: None,
            device: "-".into(),
        },
    };
    let assignment =
        r.map("assignment").and_then(|m| Some(Assignment { officer: m.str("officer")?, stamp: m.stamp()? }));
    let finish = r.map("finish").and_then(|m| {
        let target = m.str("follow_target").and_then(|c| ReferralTarget::from_code(&c));
        let tracking = m.str("follow_tracking");
        let note = m.str("follow_note");
        let follow_up = (target.is_some() || tracking.is_some() || note.is_some()).then_some(FollowUp {
            target,
            tracking,
            note,
        });
        Some(Finish { recommendation: m.str("recommendation"), follow_up, stamp: m.stamp()? })
    });
    let rating = r.map("rating").and_then(|m| {
        Some(Rating {
            score: m.i64("score").and_then(|s| Score::from_value(s).ok())?,
            comment: m.str("comment"),
            signed: m.bool("signed").unwrap_or(false),
            stamp: m.stamp()?,
        })
    });
    let session = Session {
        id: SessionId(d.id.0),
        schema,
        ticket: r.str("ticket").ok_or_else(|| corrupt("ticket"))?,
        category,
        channel: r.str("channel").and_then(|c| Channel::from_code(&c)).unwrap_or(Channel::TatapMuka),
        visitor: VisitorView {
            id: visitor_id,
            org: v.as_ref().and_then(|v| v.str("org")),
            role: v.as_ref().and_then(|v| v.str("role")).and_then(|c| VisitorRole::from_code(&c)),
            personal: VisitorPersonal::Pending,
        },
        package: read_package(&r),
        stage: r.str("stage").and_then(|c| Stage::from_code(&c)),
        subject: r.str("subject").unwrap_or_default(),
        description: r.str("description"),
        objection: read_objection(&r),
        registered,
        assignment,
        started: r.map("started").and_then(|m| m.stamp()),
        finish,
        rating,
        cancellation: r
            .map("cancellation")
            .and_then(|m| Some(Cancellation { reason: m.str("reason")?, stamp: m.stamp()? })),
        notes: r.text("notes").map(|n| n.trim_end_matches('\n').to_string()).unwrap_or_default(),
        erasure: r.map("erasure").and_then(|m| Some((m.stamp()?, m.str("request").unwrap_or_default()))),
        conflicts: r.conflicts(&["notes", "schema", "kind", "id"]),
    };
    Ok((session, sealed))
}
