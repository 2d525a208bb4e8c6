//! Printing to PDF (cargo feature `print`, on by default): a session's intake form or service
//! report, and a visitor's personal-data sheet, as PDF bytes or written to a file.
//!
//! The typst engine behind it is created on the first print and kept with the store (it holds
//! the parsed fonts and templates). Edited templates in the store's folder, under `templates/`
//! (as with the `amer` command), replace the built-in ones. A render takes milliseconds in a
//! release build and noticeably longer in a debug one: UI code should use the `*_async` forms.

use std::path::Path;
use std::sync::Arc;

use amer_core::print::{Printer, SessionForm};
use amer_core::{Lang, Store, VisitorId};

use crate::error::{ApiError, ApiResult};
use crate::runtime::off_thread;
use crate::store::AmerStore;

/// A document printed for a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SessionDocument {
    /// *Formulir Pendaftaran Layanan*, printed at registration.
    Intake,
    /// *Laporan Hasil Layanan*, printed once the service finished (with the rating).
    ServiceReport,
}

impl From<SessionDocument> for SessionForm {
    fn from(d: SessionDocument) -> Self {
        match d {
            SessionDocument::Intake => SessionForm::Intake,
            SessionDocument::ServiceReport => SessionForm::Report,
        }
    }
}

/// The language a printed document is labelled in (Indonesian when not given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
pub enum Language {
    /// Bahasa Indonesia, what the office files.
    #[default]
    Indonesian,
    /// English.
    English,
}

impl From<Language> for Lang {
    fn from(l: Language) -> Self {
        match l {
            Language::Indonesian => Lang::Id,
            Language::English => Lang::En,
        }
    }
}

fn print_session(
    store: &Store,
    printer: &Printer,
    session: &str,
    document: SessionDocument,
    language: Option<Language>,
) -> ApiResult<Vec<u8>> {
    Ok(store.print_session(printer, session, document.into(), language.unwrap_or_default().into())?)
}

fn print_visitor(store: &Store, printer: &Printer, visitor: &str, by: Option<&str>) -> ApiResult<Vec<u8>> {
    let visitor = VisitorId::parse(visitor)?;
    let by = by.map(str::trim).filter(|b| !b.is_empty());
    Ok(store.print_visitor_data(printer, &visitor, by)?)
}

/// Writes `bytes` beside `path` and renames it into place, so a failure never leaves half a file
/// under the asked name.
fn write_file(path: &str, bytes: &[u8]) -> ApiResult<u64> {
    let path = Path::new(path);
    let name = path.file_name().ok_or_else(|| ApiError::invalid("path", "give a file name"))?;
    let mut part = std::ffi::OsString::from(".");
    part.push(name);
    part.push(".part");
    let part = path.with_file_name(part);
    let failed =
        |e: std::io::Error| ApiError::Output { reason: format!("cannot write {}: {e}", path.display()) };
    let written = std::fs::write(&part, bytes).and_then(|()| std::fs::rename(&part, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&part);
        return Err(failed(e));
    }
    Ok(bytes.len() as u64)
}

/// The engine and the store, for work moved to a background thread.
fn parts(store: &AmerStore) -> (Arc<Store>, Arc<Printer>) {
    (store.core().clone(), store.printer())
}

#[uniffi::export]
impl AmerStore {
    /// A session's intake form or service report as PDF bytes (the service report once the
    /// session finished), labelled in `language` (Indonesian when not given).
    #[uniffi::method(default(language = None))]
    pub fn print_session(
        &self,
        session: String,
        document: SessionDocument,
        language: Option<Language>,
    ) -> ApiResult<Vec<u8>> {
        print_session(self.core(), &self.printer(), &session, document, language)
    }

    /// [`print_session`](Self::print_session) on a background thread.
    #[uniffi::method(default(language = None))]
    pub async fn print_session_async(
        &self,
        session: String,
        document: SessionDocument,
        language: Option<Language>,
    ) -> ApiResult<Vec<u8>> {
        let (store, printer) = parts(self);
        off_thread(move || print_session(&store, &printer, &session, document, language)).await
    }

    /// Prints a session's document to a PDF file; returns the number of bytes written.
    #[uniffi::method(default(language = None))]
    pub fn print_session_to_file(
        &self,
        session: String,
        document: SessionDocument,
        path: String,
        language: Option<Language>,
    ) -> ApiResult<u64> {
        write_file(&path, &print_session(self.core(), &self.printer(), &session, document, language)?)
    }

    /// [`print_session_to_file`](Self::print_session_to_file) on a background thread.
    #[uniffi::method(default(language = None))]
    pub async fn print_session_to_file_async(
        &self,
        session: String,
        document: SessionDocument,
        path: String,
        language: Option<Language>,
    ) -> ApiResult<u64> {
        let (store, printer) = parts(self);
        off_thread(move || write_file(&path, &print_session(&store, &printer, &session, document, language)?))
            .await
    }

    /// The sheet of everything held on one visitor (their access request), as PDF bytes; `by`
    /// is the staff member handling the request.
    #[uniffi::method(default(by = None))]
    pub fn print_visitor_data(&self, visitor_id: String, by: Option<String>) -> ApiResult<Vec<u8>> {
        print_visitor(self.core(), &self.printer(), &visitor_id, by.as_deref())
    }

    /// [`print_visitor_data`](Self::print_visitor_data) on a background thread.
    #[uniffi::method(default(by = None))]
    pub async fn print_visitor_data_async(
        &self,
        visitor_id: String,
        by: Option<String>,
    ) -> ApiResult<Vec<u8>> {
        let (store, printer) = parts(self);
        off_thread(move || print_visitor(&store, &printer, &visitor_id, by.as_deref())).await
    }
}
