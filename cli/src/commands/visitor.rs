//! `amer visitor find|erase|export`: one visitor's personal data (UU 27/2022).

use std::io::Write;

use amer_core::VisitorId;
use anyhow::Context;
use serde::Serialize;

use super::Ctx;
use crate::args::VisitorCommand;
use crate::exit::refuse;
use crate::output::{write_fields, Table};

#[derive(Debug, Serialize)]
struct Found {
    id: String,
    name: String,
    org: Option<String>,
    role: Option<String>,
    phone: Option<String>,
    nik: Option<String>,
    sessions: i64,
    last_visit: Option<String>,
}

#[derive(Debug, Serialize)]
struct Erased {
    visitor_id: String,
    sessions: usize,
}

#[derive(Debug, Serialize)]
struct Exported {
    visitor_id: String,
    out: String,
    sessions: usize,
}

pub fn run(ctx: &Ctx, cmd: VisitorCommand) -> anyhow::Result<()> {
    let store = ctx.open()?;
    match cmd {
        VisitorCommand::Find { phone, nik } => {
            let clock = ctx.clock(&store)?;
            let found: Vec<Found> = store
                .find_visitors(phone.as_deref(), nik.as_deref())?
                .into_iter()
                .map(|v| Found {
                    id: v.id.to_text(),
                    name: v.name,
                    org: v.org,
                    role: v.role,
                    phone: v.phone,
                    nik: v.nik,
                    sessions: v.sessions,
                    last_visit: clock.rfc3339_opt(v.last_visit),
                })
                .collect();
            ctx.out.emit(&found, |w| {
                let mut t = Table::new(&[
                    "VISITOR ID",
                    "NAME",
                    "ORGANISATION",
                    "PHONE",
                    "NIK",
                    "SESSIONS",
                    "LAST VISIT",
                ]);
                for v in &found {
                    t.row(vec![
                        v.id.clone(),
                        v.name.clone(),
                        v.org.clone().unwrap_or_default(),
                        v.phone.clone().unwrap_or_default(),
                        v.nik.clone().unwrap_or_default(),
                        v.sessions.to_string(),
                        v.last_visit.clone().unwrap_or_else(|| "-".into()),
                    ]);
                }
                t.write(w)
            })
        }
        VisitorCommand::Erase { visitor_id, reason } => {
            let id = VisitorId::parse(&visitor_id)?;
            let n = store.erase_visitor(&ctx.actor()?, &id, &reason)?;
            tracing::info!(visitor = %id, sessions = n, "visitor's personal data erased");
            let out = Erased { visitor_id: id.to_text(), sessions: n };
            ctx.out.emit(&out, |w| {
                writeln!(
                    w,
                    "Erased the personal data of visitor {} from {} session(s).",
                    out.visitor_id, out.sessions
                )
            })
        }
        VisitorCommand::Export { visitor_id, out: file, force } => {
            let id = VisitorId::parse(&visitor_id)?;
            if file.exists() && !force {
                return Err(refuse(format!("{} exists; choose another file or add --force", file.display())));
            }
            let data = store.export_visitor(&id)?;
            let pdf = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
            if pdf {
                // The printed form of the same data (Data Pribadi Pengunjung).
                let by = ctx.actor()?.nip.map(|n| n.to_string());
                let bytes = store.print_visitor_data(&ctx.printer(), &id, by.as_deref())?;
                std::fs::write(&file, bytes).with_context(|| format!("cannot write {}", file.display()))?;
            } else {
                let mut f = std::fs::File::create(&file)
                    .with_context(|| format!("cannot create {}", file.display()))?;
                serde_json::to_writer_pretty(&mut f, &data)
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(f))
                    .and_then(|()| f.sync_all())
                    .with_context(|| format!("cannot write {}", file.display()))?;
            }
            tracing::info!(visitor = %id, "visitor's data exported");
            let out = Exported {
                visitor_id: id.to_text(),
                out: file.display().to_string(),
                sessions: data.sessions.len(),
            };
            ctx.out.emit(&out, |w| {
                write_fields(
                    w,
                    &[
                        ("visitor", Some(out.visitor_id.clone())),
                        ("written to", Some(out.out.clone())),
                        ("sessions", Some(out.sessions.to_string())),
                    ],
                )?;
                ctx.out
                    .note(w, "The file holds personal data in full: hand it to the visitor, then delete it.")
            })
        }
    }
}
