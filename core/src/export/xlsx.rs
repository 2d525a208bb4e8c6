//! XLSX through rust_xlsxwriter: one sheet per table, the Indonesian header row bold, frozen and
//! filterable, typed cells.
//!
//! Dates and times are real Excel dates (serial numbers) shown as `dd/mm/yyyy` and
//! `dd/mm/yyyy hh:mm`, holding the office's local wall-clock time (the zone is named in the
//! column header, e.g. "Datang (WITA)"): the office sorts, filters and pivots by them, which
//! text dates would not allow, and Excel has no time zones to get wrong. Numbers are numbers,
//! so Excel shows them with the reader's decimal comma.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use super::table::{Cell, Table};
use crate::{Error, Result};

/// Excel's last row is 1,048,576; one is the header.
pub const MAX_ROWS: usize = 1_048_575;

fn xlsx_error(e: XlsxError) -> Error {
    Error::Export(format!("cannot write the XLSX file: {e}"))
}

/// A valid, unique sheet name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name.chars().map(|c| if "[]:*?/\\".contains(c) { '-' } else { c }).take(31).collect();
    let clean = if clean.trim().is_empty() { "Tabel".to_string() } else { clean };
    let mut candidate = clean.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        let suffix = format!(" ({n})");
        candidate = format!("{}{suffix}", clean.chars().take(31 - suffix.len()).collect::<String>());
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

fn excel_datetime(d: chrono::NaiveDateTime) -> std::result::Result<ExcelDateTime, XlsxError> {
    use chrono::{Datelike, Timelike};
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?.and_hms(
        d.hour() as u16,
        d.minute() as u8,
        d.second(),
    )
}

fn excel_date(d: chrono::NaiveDate) -> std::result::Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// The workbook of `tables`, as bytes.
pub fn workbook(tables: &[Table]) -> Result<Vec<u8>> {
    if let Some(t) = tables.iter().find(|t| t.rows.len() > MAX_ROWS) {
        return Err(Error::Export(format!(
            "table '{}' has {} rows, more than Excel's limit of {MAX_ROWS}; export a shorter period or use CSV",
            t.name,
            t.rows.len()
        )));
    }
    let header = Format::new().set_bold().set_text_wrap().set_background_color("D9E1F2");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let datetime = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let percent = Format::new().set_num_format("0.0%");
    let decimals = [
        Format::new().set_num_format("0"),
        Format::new().set_num_format("0.0"),
        Format::new().set_num_format("0.00"),
        Format::new().set_num_format("0.000"),
    ];
    let mut wb = Workbook::new();
    let mut used = Vec::new();
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.name, &mut used)).map_err(xlsx_error)?;
        for (c, col) in t.columns.iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, &col.header, &header).map_err(xlsx_error)?;
            ws.set_column_width(c, col.width).map_err(xlsx_error)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Empty => Ok(&mut *ws),
                    Cell::Text(s) => ws.write_string(r, c, s),
                    Cell::Int(n) => ws.write_number(r, c, *n as f64),
                    Cell::Num(v, d) => ws.write_number_with_format(r, c, *v, &decimals[(*d as usize).min(3)]),
                    Cell::Percent(v) => ws.write_number_with_format(r, c, *v, &percent),
                    Cell::Date(d) => {
                        ws.write_datetime_with_format(r, c, excel_date(*d).map_err(xlsx_error)?, &date)
                    }
                    Cell::DateTime(d) => ws.write_datetime_with_format(
                        r,
                        c,
                        excel_datetime(*d).map_err(xlsx_error)?,
                        &datetime,
                    ),
                }
                .map_err(xlsx_error)?;
            }
        }
        if !t.columns.is_empty() {
            ws.set_freeze_panes(1, 0).map_err(xlsx_error)?;
            let last_row = t.rows.len() as u32;
            ws.autofilter(0, 0, last_row.max(1), t.columns.len() as u16 - 1).map_err(xlsx_error)?;
        }
    }
    wb.save_to_buffer().map_err(xlsx_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut used = Vec::new();
        assert_eq!(sheet_name("Kinerja petugas", &mut used), "Kinerja petugas");
        assert_eq!(sheet_name("Kinerja petugas", &mut used), "Kinerja petugas (2)");
        assert_eq!(sheet_name("a/b:c", &mut used), "a-b-c");
        assert_eq!(sheet_name(&"x".repeat(40), &mut used).chars().count(), 31);
    }
}
