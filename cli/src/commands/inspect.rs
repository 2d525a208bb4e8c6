//! `amer inspect doc|conflicts|feed` and `amer doctor`: looking inside the store.

use amer_core::model::Nip;
use amer_core::store::{FeedKind, SessionFilter};
use amer_core::{DocId, Store};
use serde::Serialize;

use super::audit::{ConflictView, HistoryView};
use super::Ctx;
use crate::args::InspectCommand;
use crate::output::{write_fields, Table};

pub fn run(ctx: &Ctx, cmd: InspectCommand) -> anyhow::Result<()> {
    let store = ctx.open()?;
    match cmd {
        InspectCommand::Doc { key } => doc(ctx, &store, &key),
        InspectCommand::Conflicts => conflicts(ctx, &store),
        InspectCommand::Feed { since, limit } => feed(ctx, &store, since, limit),
    }
}

/// The document behind a ticket, session id, risk code, staff NIP or document id.
fn resolve(store: &Store, key: &str) -> anyhow::Result<DocId> {
    if let Ok(id) = DocId::parse(key) {
        return Ok(id);
    }
    if let Ok(nip) = Nip::parse(key) {
        return Ok(amer_core::StaffDocId::for_nip(&nip).doc());
    }
    match store.risk(key) {
        Ok(r) => return Ok(r.id.doc()),
        Err(amer_core::Error::NotFound { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    match store.session(key) {
        Ok(s) => Ok(s.id.doc()),
        Err(amer_core::Error::NotFound { .. }) => Err(amer_core::Error::NotFound {
            what: "record",
            key: key.to_string(),
            hint: "; give a ticket, session id, risk code, staff NIP or document id",
        }
        .into()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Serialize)]
struct DocView {
    id: String,
    kind: &'static str,
    size_bytes: usize,
    heads: Vec<String>,
    changes: usize,
    history: Vec<HistoryView>,
}

fn doc(ctx: &Ctx, store: &Store, key: &str) -> anyhow::Result<()> {
    let id = resolve(store, key)?;
    let not_found = || amer_core::Error::NotFound { what: "document", key: id.to_text(), hint: "" };
    let (kind, bytes) = store.doc_bytes(&id)?.ok_or_else(not_found)?;
    let heads = store.doc_heads(&id)?.unwrap_or_default();
    let history = HistoryView::list(&store.history(&id.to_text())?, &ctx.clock(store)?);
    let v = DocView {
        id: id.to_text(),
        kind: kind.code(),
        size_bytes: bytes.len(),
        heads: heads.iter().map(|h| h.to_string()).collect(),
        changes: history.len(),
        history,
    };
    ctx.out.emit(&v, |w| {
        write_fields(
            w,
            &[
                ("document", Some(v.id.clone())),
                ("kind", Some(v.kind.to_string())),
                ("size", Some(format!("{} bytes", v.size_bytes))),
                ("changes", Some(v.changes.to_string())),
                ("heads", Some(v.heads.join("\n"))),
            ],
        )?;
        writeln!(w, "\nHistory:")?;
        HistoryView::write_table(&v.history, w)
    })
}

#[derive(Debug, Serialize)]
struct ConflictedRecord {
    kind: &'static str,
    id: String,
    /// Ticket, risk code or NIP.
    key: String,
    conflicts: Vec<ConflictView>,
}

fn conflicts(ctx: &Ctx, store: &Store) -> anyhow::Result<()> {
    let clock = ctx.clock(store)?;
    let mut found = Vec::new();
    let sessions = store.list_sessions(&SessionFilter { include_invalid: true, ..Default::default() })?;
    for row in sessions.iter().filter(|r| r.conflicts > 0) {
        let s = store.session(&row.id.to_text())?;
        found.push(ConflictedRecord {
            kind: "session",
            id: s.id.to_text(),
            key: s.ticket.clone(),
            conflicts: ConflictView::list(&s.conflicts, &clock),
        });
    }
    for row in store.list_risks()?.iter().filter(|r| r.conflicts > 0) {
        let r = store.risk(&row.id.to_text())?;
        found.push(ConflictedRecord {
            kind: "risk",
            id: r.id.to_text(),
            key: r.code.clone(),
            conflicts: ConflictView::list(&r.conflicts, &clock),
        });
    }
    for row in store.list_staff()?.iter().filter(|r| r.conflicts > 0) {
        let s = store.staff(&row.nip)?;
        found.push(ConflictedRecord {
            kind: "staff",
            id: amer_core::StaffDocId::for_nip(&s.nip).to_text(),
            key: s.nip.to_string(),
            conflicts: ConflictView::list(&s.conflicts, &clock),
        });
    }
    ctx.out.emit(&found, |w| {
        if found.is_empty() {
            return writeln!(w, "No record has concurrent values.");
        }
        for rec in &found {
            writeln!(w, "{} {}:", rec.kind, rec.key)?;
            ConflictView::write_lines(&rec.conflicts, w)?;
        }
        Ok(())
    })
}

#[derive(Debug, Serialize)]
struct FeedView {
    seq: i64,
    kind: &'static str,
    id: String,
    heads: Vec<String>,
}

fn feed(ctx: &Ctx, store: &Store, since: i64, limit: usize) -> anyhow::Result<()> {
    let items: Vec<FeedView> = store
        .changes_since(since, limit)?
        .into_iter()
        .map(|item| match item.kind {
            FeedKind::Doc { id, kind, heads } => FeedView {
                seq: item.seq,
                kind: kind.code(),
                id: id.to_text(),
                heads: heads.iter().map(|h| h.to_string()).collect(),
            },
            FeedKind::Key(v) => FeedView { seq: item.seq, kind: "key", id: v.to_text(), heads: Vec::new() },
        })
        .collect();
    ctx.out.emit(&items, |w| {
        let mut t = Table::new(&["SEQ", "KIND", "ID", "HEADS"]);
        for i in &items {
            let heads: Vec<String> = i.heads.iter().map(|h| h.chars().take(12).collect()).collect();
            t.row(vec![i.seq.to_string(), i.kind.into(), i.id.clone(), heads.join(" ")]);
        }
        t.write(w)
    })
}

#[derive(Debug, Serialize)]
struct DoctorReport {
    ok: bool,
    items: i64,
    problems: Vec<String>,
}

/// `amer doctor`: prints the report, then fails with exit code 4 when something is damaged.
pub fn doctor(ctx: &Ctx) -> anyhow::Result<()> {
    let store = ctx.open_uninitialised()?;
    let problems = store.doctor()?;
    let report = DoctorReport { ok: problems.is_empty(), items: store.item_count()?, problems };
    ctx.out.emit(&report, |w| {
        if report.ok {
            writeln!(w, "The database and all {} documents and keys are in order.", report.items)
        } else {
            for p in &report.problems {
                writeln!(w, "problem: {p}")?;
            }
            Ok(())
        }
    })?;
    if !report.ok {
        anyhow::bail!(
            "{} problem(s) found; restore from a backup, or let the other PCs send their copies at the next sync",
            report.problems.len()
        );
    }
    Ok(())
}
