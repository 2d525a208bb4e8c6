//! `amer staff add|list|update|show|pin`.

use amer_core::model::{Coded, Staff, StaffRole};
use amer_core::store::{NewStaff, StaffRow};
use serde::Serialize;

use super::Ctx;
use crate::args::StaffCommand;
use crate::output::{write_fields, Output, Table};

/// A staff member as printed.
#[derive(Debug, Serialize)]
struct StaffView {
    nip: String,
    name: String,
    title: Option<String>,
    role: &'static str,
    role_label: &'static str,
    active: bool,
    conflicts: usize,
    /// Whether a front-desk PIN is set (known when one record is read, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pin_set: Option<bool>,
}

impl StaffView {
    fn of(s: &Staff, out: &Output) -> Self {
        StaffView {
            nip: s.nip.to_string(),
            name: s.name.clone(),
            title: s.title.clone(),
            role: s.role.code(),
            role_label: out.label(s.role),
            active: s.active,
            conflicts: s.conflicts.len(),
            pin_set: Some(s.has_pin),
        }
    }

    fn of_row(s: &StaffRow, out: &Output) -> Self {
        StaffView {
            nip: s.nip.clone(),
            name: s.name.clone(),
            title: s.title.clone(),
            role: s.role.code(),
            role_label: out.label(s.role),
            active: s.active,
            conflicts: s.conflicts.max(0) as usize,
            pin_set: None,
        }
    }

    fn write(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        write_fields(
            w,
            &[
                ("NIP", Some(self.nip.clone())),
                ("name", Some(self.name.clone())),
                ("title", self.title.clone()),
                ("role", Some(self.role_label.to_string())),
                ("active", Some(if self.active { "yes" } else { "no" }.into())),
                ("conflicts", (self.conflicts > 0).then(|| self.conflicts.to_string())),
                ("PIN", self.pin_set.map(|p| if p { "set" } else { "not set" }.to_string())),
            ],
        )
    }
}

fn role(code: &str) -> anyhow::Result<StaffRole> {
    Ok(StaffRole::parse(code)?)
}

pub fn run(ctx: &Ctx, cmd: StaffCommand) -> anyhow::Result<()> {
    let store = ctx.open()?;
    match cmd {
        StaffCommand::Add { nip, name, role: r, title } => {
            let actor = ctx.actor()?;
            let s = store.add_staff(&actor, NewStaff { nip, name, title, role: role(&r)? })?;
            tracing::info!(nip = %s.nip, role = s.role.code(), "staff member added");
            let v = StaffView::of(&s, &ctx.out);
            ctx.out.emit(&v, |w| v.write(w))
        }
        StaffCommand::List => {
            let rows: Vec<StaffView> =
                store.list_staff()?.iter().map(|s| StaffView::of_row(s, &ctx.out)).collect();
            ctx.out.emit(&rows, |w| {
                let mut t = Table::new(&["NIP", "NAME", "ROLE", "TITLE", "ACTIVE"]);
                for s in &rows {
                    t.row(vec![
                        s.nip.clone(),
                        s.name.clone(),
                        s.role_label.into(),
                        s.title.clone().unwrap_or_default(),
                        if s.active { "yes" } else { "no" }.into(),
                    ]);
                }
                t.write(w)
            })
        }
        StaffCommand::Update { nip, name, title, role: r, active, inactive } => {
            let actor = ctx.actor()?;
            let r = r.as_deref().map(role).transpose()?;
            let flag = if active {
                Some(true)
            } else if inactive {
                Some(false)
            } else {
                None
            };
            let title = title.as_deref().map(|t| Some(t).filter(|t| !t.trim().is_empty()));
            let s = store.update_staff(&actor, &nip, name.as_deref(), title, r, flag)?;
            tracing::info!(nip = %s.nip, "staff member updated");
            let v = StaffView::of(&s, &ctx.out);
            ctx.out.emit(&v, |w| v.write(w))
        }
        StaffCommand::Pin { nip } => {
            let actor = ctx.actor()?;
            let pin = read_pin()?;
            let s = store.set_staff_pin(&actor, &nip, &pin)?;
            tracing::info!(nip = %s.nip, "staff PIN set");
            let v = StaffView::of(&s, &ctx.out);
            ctx.out.emit(&v, |w| v.write(w))
        }
        StaffCommand::Show { nip } => {
            let v = StaffView::of(&store.staff(&nip)?, &ctx.out);
            ctx.out.emit(&v, |w| v.write(w))
        }
    }
}

/// Reads a PIN: typed on a terminal, without echo (prompt on the terminal); piped, one line
/// from stdin.
fn read_pin() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    let line = if stdin.is_terminal() {
        rpassword::prompt_password("PIN (4-12 digits): ")
            .map_err(|e| anyhow::anyhow!("cannot read the PIN: {e}"))?
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map_err(|e| anyhow::anyhow!("cannot read the PIN: {e}"))?;
        line
    };
    Ok(line.trim().to_string())
}
