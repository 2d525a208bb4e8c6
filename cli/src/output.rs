//! What a command prints on stdout: one JSON document with `--json`, otherwise text for people
//! (key/value blocks and aligned tables). Times are shown in the office's time zone.

use std::io::{IsTerminal, Write};

use amer_core::model::{Coded, Lang, Millis, TimingFigure};
use anyhow::Context;
use chrono::{SecondsFormat, TimeZone};
use serde::Serialize;

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// One JSON document on stdout and nothing else.
    pub json: bool,
    /// The language of labels.
    pub lang: Lang,
    /// Fewer words (`-q`): no confirmations, data only.
    pub quiet: bool,
}

impl Output {
    /// Prints `value` as JSON, or calls `human` to write text.
    pub fn emit<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> anyhow::Result<()> {
        let stdout = std::io::stdout();
        let mut w = stdout.lock();
        let written = if self.json {
            serde_json::to_writer_pretty(&mut w, value)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(w))
        } else {
            human(&mut w)
        }
        .and_then(|()| w.flush());
        match written {
            // The reader went away (`amer session list | head`): not a failure of ours.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other.context("cannot write to standard output")?),
        }
    }

    /// The label of a coded value in the chosen language.
    pub fn label<C: Coded>(&self, c: C) -> &'static str {
        c.label(self.lang)
    }

    /// Writes a hint for people after the data (what to do next); left out with `-q`.
    pub fn note(&self, w: &mut dyn Write, text: impl std::fmt::Display) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        writeln!(w, "\n{text}")
    }

    /// Whether a progress bar may be drawn: on a terminal, not for JSON, not when quiet.
    pub fn progress_allowed(&self) -> bool {
        !self.json && !self.quiet && std::io::stderr().is_terminal()
    }

    /// A waiting time or duration for people.
    pub fn duration(&self, f: TimingFigure) -> String {
        match (self.lang, f) {
            (Lang::Id, f) => f.text_id(),
            (Lang::En, TimingFigure::Seconds(s)) => format_duration_en(s),
            (Lang::En, TimingFigure::Unknown) => "-".into(),
            (Lang::En, TimingFigure::Negative) => "CHECK: PC clocks disagree (negative time)".into(),
            (Lang::En, TimingFigure::Absurd) => {
                "CHECK: more than 12 hours (PC clock, or not finished)".into()
            }
        }
    }
}

/// "1 h 5 min", "12 min", "40 s".
fn format_duration_en(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// Turns stored instants (milliseconds, UTC) into the office's local time.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    tz: chrono_tz::Tz,
}

impl Clock {
    /// A clock for the office's time zone.
    pub fn new(tz: chrono_tz::Tz) -> Self {
        Clock { tz }
    }

    /// RFC 3339 with the office's offset: `2026-11-27T09:15:00+08:00`.
    pub fn rfc3339(&self, ms: Millis) -> String {
        match self.tz.timestamp_millis_opt(ms).single() {
            Some(t) => t.to_rfc3339_opts(SecondsFormat::Secs, false),
            None => String::new(),
        }
    }

    /// [`Clock::rfc3339`] of an optional instant.
    pub fn rfc3339_opt(&self, ms: Option<Millis>) -> Option<String> {
        ms.map(|m| self.rfc3339(m))
    }

    /// For people: `2026-11-27 09:15 WITA`.
    pub fn human(&self, ms: Millis) -> String {
        match self.tz.timestamp_millis_opt(ms).single() {
            Some(t) => t.format("%Y-%m-%d %H:%M %Z").to_string(),
            None => "-".into(),
        }
    }

    /// [`Clock::human`] of an optional instant, `-` when absent.
    pub fn human_opt(&self, ms: Option<Millis>) -> String {
        ms.map(|m| self.human(m)).unwrap_or_else(|| "-".into())
    }
}

/// A text table with aligned columns.
#[derive(Debug)]
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&'static str]) -> Self {
        Table { headers: headers.to_vec(), rows: Vec::new() }
    }

    /// Adds a row (one cell per header).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Writes the table; cells longer than 40 characters are shortened with `…`.
    pub fn write(&self, w: &mut dyn Write) -> std::io::Result<()> {
        const MAX: usize = 40;
        let clip = |s: &str| -> String {
            let one_line = s.replace(['\n', '\r', '\t'], " ");
            if one_line.chars().count() > MAX {
                let mut t: String = one_line.chars().take(MAX - 1).collect();
                t.push('…');
                t
            } else {
                one_line
            }
        };
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| r.iter().map(|c| clip(c)).collect()).collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(c.chars().count());
                }
            }
        }
        let line = |w: &mut dyn Write, cells: &[String]| -> std::io::Result<()> {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i > 0 {
                    s.push_str("  ");
                }
                let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(c.chars().count());
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
            writeln!(w, "{}", s.trim_end())
        };
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        line(w, &headers)?;
        for r in &rows {
            line(w, r)?;
        }
        if rows.is_empty() {
            writeln!(w, "(none)")?;
        }
        Ok(())
    }
}

/// Writes `label: value` lines with the values aligned; `None` values are skipped.
pub fn write_fields(w: &mut dyn Write, fields: &[(&str, Option<String>)]) -> std::io::Result<()> {
    let width = fields.iter().filter(|(_, v)| v.is_some()).map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    for (k, v) in fields {
        if let Some(v) = v {
            let pad = width - k.chars().count();
            let mut lines = v.lines();
            writeln!(w, "{k}:{} {}", " ".repeat(pad), lines.next().unwrap_or(""))?;
            for more in lines {
                writeln!(w, "{} {more}", " ".repeat(width + 1))?;
            }
        }
    }
    Ok(())
}

/// Writes bytes to stdout as they are (a completion script); a closed pipe is not an error.
pub fn write_raw(bytes: &[u8]) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    match w.write_all(bytes).and_then(|()| w.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other.context("cannot write to standard output")?),
    }
}
