//! CSV as RFC 4180 describes it: a header row, comma separators, CRLF line ends, fields quoted
//! when they hold a comma, quote or line break (quotes doubled). UTF-8 with a byte-order mark,
//! which Excel needs to read "Perihal", "Nilai ≥ 4" or a visitor's name correctly.
//!
//! Numbers use a dot as decimal separator (a data file, not a display); dates are ISO
//! (`2026-03-02`, `2026-03-02 09:15`), which Excel reads as dates in any locale. Text that a
//! spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a
//! leading `'`: a visitor's subject must never execute in the office's Excel.

use std::io::Write;

use super::table::{Cell, Table};
use crate::{Error, Result};

/// The UTF-8 byte-order mark.
pub const BOM: &str = "\u{feff}";

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// One cell as CSV text (not yet quoted).
pub fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(s) => {
            if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{s}")
            } else {
                s.clone()
            }
        }
        Cell::Int(n) => n.to_string(),
        Cell::Num(v, d) => format!("{v:.*}", *d as usize),
        Cell::Percent(v) => format!("{:.1}", v * 100.0),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M").to_string(),
    }
}

fn line(w: &mut impl Write, fields: impl Iterator<Item = String>) -> std::io::Result<()> {
    let fields: Vec<String> = fields.map(|f| quote(&f)).collect();
    w.write_all(fields.join(",").as_bytes())?;
    w.write_all(b"\r\n")
}

/// Writes a table: BOM, header row, one line per row.
pub fn write(w: &mut impl Write, t: &Table) -> Result<()> {
    let io = |e: std::io::Error| Error::Export(format!("cannot write the CSV file: {e}"));
    w.write_all(BOM.as_bytes()).map_err(io)?;
    line(w, t.columns.iter().map(|c| c.header.clone())).map_err(io)?;
    for row in &t.rows {
        line(w, row.iter().map(cell_text)).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4180_quoting_and_formula_guard() {
        let mut t = Table::new("x", "x", &[("Perihal", 10.0), ("Nilai", 5.0)]);
        t.push(vec![Cell::text("Tender \"cepat\", ulang\nbaris 2"), Cell::Num(4.5, 2)]);
        t.push(vec![Cell::text("=HYPERLINK(\"x\")"), Cell::Percent(0.755)]);
        let mut out = Vec::new();
        write(&mut out, &t).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(
            text,
            "\u{feff}Perihal,Nilai\r\n\"Tender \"\"cepat\"\", ulang\nbaris 2\",4.50\r\n\"'=HYPERLINK(\"\"x\"\")\",75.5\r\n"
        );
    }
}
