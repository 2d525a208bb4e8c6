//! `RenderWorld`: the typst `World` of one render: the printer's fonts and templates plus this render's data.

use chrono::{Datelike, Duration as ChronoDuration, Utc};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::printer::{data_file_id, Printer};

/// The view typst compiles against during one [`Printer::render`] call.
pub(super) struct RenderWorld<'a> {
    pub(super) printer: &'a Printer,
    main: FileId,
    data_id: FileId,
    data: Bytes,
}

impl<'a> RenderWorld<'a> {
    pub(super) fn new(printer: &'a Printer, main: FileId, data: Bytes) -> Self {
        Self { printer, main, data_id: data_file_id(), data }
    }
}

impl World for RenderWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.printer.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.printer.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.data_id {
            return Err(FileError::NotSource);
        }
        self.printer.source(id)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            return Ok(self.data.clone());
        }
        self.printer.file(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.printer.fonts.get(index).cloned()
    }

    /// Templates should print `printed_at` from the data; this only backs typst's `datetime.today()`.
    fn today(&self, offset: Option<Duration>) -> Option<Datetime> {
        let date = match offset {
            Some(offset) => {
                let hours = offset.hours() as i64;
                (Utc::now() + ChronoDuration::hours(hours)).date_naive()
            }
            None => chrono::Local::now().date_naive(),
        };
        Datetime::from_ymd(date.year(), u8::try_from(date.month()).ok()?, u8::try_from(date.day()).ok()?)
    }
}
