//! How the audit facts of any record are printed: stamps (who, which PC, when), the change
//! history and fields with concurrent values.

use amer_core::doc::HistoryEntry;
use amer_core::model::{Conflict, ConflictValue, Stamp};
use serde::Serialize;

use crate::output::{Clock, Table};

/// Who recorded a fact, on which PC, when (office time).
#[derive(Debug, Serialize)]
pub struct StampView {
    pub at: String,
    pub by: Option<String>,
    pub device: String,
}

impl StampView {
    pub fn of(s: &Stamp, clock: &Clock) -> Self {
        StampView { at: clock.rfc3339(s.at), by: s.by.clone(), device: s.device.clone() }
    }
}

/// One entry of a record's history.
#[derive(Debug, Serialize)]
pub struct HistoryView {
    pub op: String,
    pub by: Option<String>,
    pub device: String,
    pub at: String,
    pub detail: Option<String>,
    pub change: String,
    #[serde(skip)]
    at_human: String,
}

impl HistoryView {
    pub fn list(entries: &[HistoryEntry], clock: &Clock) -> Vec<HistoryView> {
        entries
            .iter()
            .map(|h| HistoryView {
                op: h.op.clone(),
                by: h.by.clone(),
                device: h.device.clone(),
                at: clock.rfc3339(h.at),
                detail: h.detail.clone(),
                change: h.change.clone(),
                at_human: clock.human(h.at),
            })
            .collect()
    }

    /// The history as a table.
    pub fn write_table(list: &[HistoryView], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut t = Table::new(&["WHEN", "WHAT", "BY", "PC", "DETAIL"]);
        for h in list {
            t.row(vec![
                h.at_human.clone(),
                h.op.clone(),
                h.by.clone().unwrap_or_else(|| "-".into()),
                h.device.clone(),
                h.detail.clone().unwrap_or_default(),
            ]);
        }
        t.write(w)
    }
}

/// A field that two PCs wrote at the same time: the value every PC shows, and the others.
#[derive(Debug, Serialize)]
pub struct ConflictView {
    pub field: String,
    pub winner: ConflictValueView,
    pub others: Vec<ConflictValueView>,
}

/// One of the concurrent values.
#[derive(Debug, Serialize)]
pub struct ConflictValueView {
    pub value: serde_json::Value,
    pub stamp: Option<StampView>,
}

impl ConflictView {
    pub fn list(conflicts: &[Conflict], clock: &Clock) -> Vec<ConflictView> {
        let value = |v: &ConflictValue| ConflictValueView {
            value: v.value.clone(),
            stamp: v.stamp.as_ref().map(|s| StampView::of(s, clock)),
        };
        conflicts
            .iter()
            .map(|c| ConflictView {
                field: c.field.clone(),
                winner: value(&c.winner),
                others: c.others.iter().map(value).collect(),
            })
            .collect()
    }

    /// One line per conflict: the field, the shown value and the others.
    pub fn write_lines(list: &[ConflictView], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let show = |v: &ConflictValueView| {
            let who = v
                .stamp
                .as_ref()
                .map(|s| {
                    format!(
                        " (PC {}, {}{})",
                        s.device,
                        s.at,
                        s.by.as_deref().map(|b| format!(", {b}")).unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            format!("{}{who}", v.value)
        };
        for c in list {
            let others: Vec<String> = c.others.iter().map(show).collect();
            writeln!(w, "  {}: shown {}; also {}", c.field, show(&c.winner), others.join("; "))?;
        }
        Ok(())
    }
}
