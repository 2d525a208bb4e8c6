//! The tabular form of lists and reports: titled tables with Indonesian column headers and typed
//! cells, which the CSV and XLSX writers render each in their own way.

use chrono::{NaiveDate, NaiveDateTime};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing (a value that does not apply or is unknown).
    Empty,
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A decimal number shown with this many decimals.
    Num(f64, u8),
    /// A fraction 0..1 shown as a percentage (CSV: the percentage number, one decimal).
    Percent(f64),
    /// A date in the office's time zone.
    Date(NaiveDate),
    /// A wall-clock time in the office's time zone.
    DateTime(NaiveDateTime),
}

impl Cell {
    /// Text, or empty.
    pub fn text(v: impl Into<String>) -> Cell {
        Cell::Text(v.into())
    }
    /// Optional text.
    pub fn opt_text(v: Option<impl Into<String>>) -> Cell {
        v.map_or(Cell::Empty, |v| Cell::Text(v.into()))
    }
    /// Optional whole number.
    pub fn opt_int(v: Option<i64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Int)
    }
    /// Optional decimal.
    pub fn opt_num(v: Option<f64>, decimals: u8) -> Cell {
        v.map_or(Cell::Empty, |v| Cell::Num(v, decimals))
    }
    /// Optional fraction shown as a percentage.
    pub fn opt_percent(v: Option<f64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Percent)
    }
    /// Optional date.
    pub fn opt_date(v: Option<NaiveDate>) -> Cell {
        v.map_or(Cell::Empty, Cell::Date)
    }
    /// Optional local time.
    pub fn opt_datetime(v: Option<NaiveDateTime>) -> Cell {
        v.map_or(Cell::Empty, Cell::DateTime)
    }
    /// "Ya" / "Tidak", or empty.
    pub fn yes_no(v: Option<bool>) -> Cell {
        v.map_or(Cell::Empty, |b| Cell::text(if b { "Ya" } else { "Tidak" }))
    }
}

/// A column: its Indonesian header and a display width in characters (XLSX).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text, in Indonesian.
    pub header: String,
    /// Width in characters.
    pub width: f64,
}

/// A titled table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Short name: the XLSX sheet name (at most 31 characters) and the CSV file suffix.
    pub name: String,
    /// Title printed above the table.
    pub title: String,
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with columns given as `(header, width)`.
    pub fn new(name: &str, title: &str, columns: &[(&str, f64)]) -> Table {
        Table {
            name: name.to_string(),
            title: title.to_string(),
            columns: columns.iter().map(|(h, w)| Column { header: h.to_string(), width: *w }).collect(),
            rows: Vec::new(),
        }
    }
    /// Appends a row.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len(), "row width of table {}", self.name);
        self.rows.push(row);
    }
}

/// Something that can be written as one or more tables (a list, a report).
pub trait Tabular {
    /// The tables, the main one first.
    fn tables(&self) -> Vec<Table>;
}
