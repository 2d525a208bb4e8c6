//! `amer holidays import|list`: the non-working days that objection deadlines skip.

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::Ctx;
use crate::args::HolidaysCommand;
use crate::output::Table;

#[derive(Debug, Serialize)]
struct HolidayView {
    date: NaiveDate,
    kind: &'static str,
    name: String,
}

#[derive(Debug, Serialize)]
struct Imported {
    imported: usize,
}

pub fn run(ctx: &Ctx, cmd: HolidaysCommand) -> anyhow::Result<()> {
    let store = ctx.open()?;
    match cmd {
        HolidaysCommand::Import { file } => {
            let csv =
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let n = store.import_holidays(&ctx.actor()?, &csv)?;
            tracing::info!(days = n, "holidays imported");
            let out = Imported { imported: n };
            ctx.out.emit(&out, |w| writeln!(w, "Imported {n} holiday(s)."))
        }
        HolidaysCommand::List { year } => {
            let days: Vec<HolidayView> = store
                .holidays()?
                .iter()
                .filter(|h| year.is_none_or(|y| h.date.year() == y))
                .map(|h| HolidayView { date: h.date, kind: h.kind.code(), name: h.name.clone() })
                .collect();
            ctx.out.emit(&days, |w| {
                let mut t = Table::new(&["DATE", "DAY", "KIND", "NAME"]);
                for h in &days {
                    t.row(vec![
                        h.date.to_string(),
                        h.date.format("%a").to_string(),
                        h.kind.into(),
                        h.name.clone(),
                    ]);
                }
                t.write(w)
            })
        }
    }
}
