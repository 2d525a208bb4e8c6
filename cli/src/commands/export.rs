//! `amer export`: sessions (the list's columns, one row each) or the risk register to a JSON, CSV
//! or XLSX file, with times in the office's time zone.

use amer_core::export::{export_risks, export_sessions, ExportFormat};
use amer_core::model::{Category, Coded, Nip, SessionStatus};
use amer_core::store::SessionFilter;
use anyhow::Context;

use super::report::{period, refuse_existing};
use super::Ctx;
use crate::args::{ExportArgs, ExportWhat};
use crate::exit::refuse;

pub fn run(ctx: &Ctx, a: ExportArgs) -> anyhow::Result<()> {
    let format = match &a.format {
        Some(f) => ExportFormat::parse(f)?,
        None => ExportFormat::from_path(&a.out).ok_or_else(|| {
            refuse(format!("cannot tell the format of {}: add --format json, csv or xlsx", a.out.display()))
        })?,
    };
    let period = period(&a.period)?;
    let filtered = period.from.is_some()
        || period.to.is_some()
        || a.category.is_some()
        || a.status.is_some()
        || a.officer.is_some();
    if a.what == ExportWhat::Risks && filtered {
        return Err(refuse(
            "--from, --to, --category, --status and --officer select sessions; the risk export is the whole \
             register (see `amer report risk-register --from ... --xlsx FILE` for the risks of a period)",
        ));
    }
    refuse_existing(&a.out, a.force)?;
    let store = ctx.open()?;
    let done = match a.what {
        ExportWhat::Sessions => {
            let filter = SessionFilter {
                status: a.status.as_deref().map(SessionStatus::parse).transpose()?,
                category: a.category.as_deref().map(Category::parse).transpose()?,
                officer: a
                    .officer
                    .as_deref()
                    .map(|o| Nip::parse(o).map(|n| n.as_str().to_string()))
                    .transpose()
                    .context("the NIP given with --officer")?,
                from: period.from,
                to: period.to,
                ..Default::default()
            };
            export_sessions(&store, format, &a.out, &filter)?
        }
        ExportWhat::Risks => export_risks(&store, format, &a.out)?,
    };
    tracing::info!(rows = done.rows, format = format.extension(), "exported");
    ctx.out.emit(&done, |w| {
        let what = match a.what {
            ExportWhat::Sessions => "sessions",
            ExportWhat::Risks => "risks",
        };
        for f in &done.files {
            writeln!(w, "{} {what} written to {}", done.rows, f.display())?;
        }
        Ok(())
    })
}
