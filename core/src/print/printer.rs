//! `Printer`: turns a template and its JSON data into PDF bytes, reusing fonts and parsed templates.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{Datelike, Timelike};
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use super::error::{PrintError, Result};
use super::template::{self, Template, DATA_FILE};
use super::world::RenderWorld;

/// How many renders a memoized layout result survives without being used again (typst's cache is
/// process-wide; this bounds its memory in a long-running app).
const CACHE_MAX_AGE: usize = 10;

/// The PDF engine. Create it once and share it (`&Printer` is `Send + Sync`): it holds the parsed
/// fonts, the standard library and the parsed templates, so each render only lays out.
pub struct Printer {
    pub(super) library: LazyHash<Library>,
    pub(super) book: LazyHash<FontBook>,
    pub(super) fonts: Vec<Font>,
    overrides: Option<PathBuf>,
    /// Parsed templates by virtual path, reused while their text is unchanged.
    sources: Mutex<HashMap<FileId, Source>>,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("fonts", &self.fonts.len())
            .field("overrides", &self.overrides)
            .finish_non_exhaustive()
    }
}

impl Printer {
    /// Creates the engine with the embedded fonts and templates.
    ///
    /// `overrides` is a folder the office may fill with edited templates: a file there named like a
    /// template (`intake.typ`, …, or `common.typ`) replaces the built-in one, and other files there
    /// (a logo image, say) become readable by the templates. The folder is read at each render, so
    /// an edit shows on the next print without restarting; a missing folder means "no overrides".
    pub fn new(overrides: Option<PathBuf>) -> Self {
        let fonts = super::fonts::load();
        Self {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            overrides,
            sources: Mutex::new(HashMap::new()),
        }
    }

    /// The override folder, if one was given.
    pub fn overrides(&self) -> Option<&Path> {
        self.overrides.as_deref()
    }

    /// Renders `template` with `data` (the JSON shape documented at the top of the template and in
    /// `TEMPLATES.md`) and returns the PDF bytes.
    pub fn render(&self, template: Template, data: &serde_json::Value) -> Result<Vec<u8>> {
        let data = Bytes::new(data.to_string().into_bytes());
        let main = file_id(template.file_name());
        let world = RenderWorld::new(self, main, data);
        let compiled = typst::compile::<PagedDocument>(&world).output;
        typst::comemo::evict(CACHE_MAX_AGE);
        let document =
            compiled.map_err(|diags| PrintError::Compile { template, message: describe(&world, &diags) })?;
        let options = PdfOptions { timestamp: now_timestamp(), ..PdfOptions::default() };
        typst_pdf::pdf(&document, &options)
            .map_err(|diags| PrintError::Pdf { template, message: describe(&world, &diags) })
    }

    /// The text of the file at `id`: from the override folder if present there, else built in.
    /// The parsed `Source` is cached and reused as long as the text does not change.
    pub(super) fn source(&self, id: FileId) -> typst::diag::FileResult<Source> {
        let name = id.vpath().get_without_slash();
        let text = match self.read_override(id)? {
            Some(bytes) => String::from_utf8(bytes).map_err(|_| typst::diag::FileError::InvalidUtf8)?,
            None => template::embedded_file(name)
                .ok_or_else(|| typst::diag::FileError::NotFound(PathBuf::from(name)))?
                .to_owned(),
        };
        let mut cache = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(source) = cache.get(&id) {
            if source.text() == text {
                return Ok(source.clone());
            }
        }
        let source = Source::new(id, text);
        cache.insert(id, source.clone());
        Ok(source)
    }

    /// The bytes of a non-data file at `id` (an image or a template read with `read(...)`).
    pub(super) fn file(&self, id: FileId) -> typst::diag::FileResult<Bytes> {
        if let Some(bytes) = self.read_override(id)? {
            return Ok(Bytes::new(bytes));
        }
        let name = id.vpath().get_without_slash();
        template::embedded_file(name)
            .map(|text| Bytes::new(text.as_bytes()))
            .ok_or_else(|| typst::diag::FileError::NotFound(PathBuf::from(name)))
    }

    /// Reads `id` from the override folder; `Ok(None)` when there is no folder or no such file.
    /// Packages (`@preview/…`) are refused: printing never touches the network.
    fn read_override(&self, id: FileId) -> typst::diag::FileResult<Option<Vec<u8>>> {
        if !matches!(id.root(), VirtualRoot::Project) {
            return Err(typst::diag::FileError::Other(Some(
                "packages are not available offline: keep templates self-contained".into(),
            )));
        }
        let Some(dir) = &self.overrides else {
            return Ok(None);
        };
        // `realize` refuses paths that would leave the folder.
        let path = id.vpath().realize(dir).map_err(typst::diag::FileError::Realize)?;
        if path.is_dir() {
            return Err(typst::diag::FileError::IsDirectory);
        }
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(typst::diag::FileError::Other(Some(format!("{}: {e}", path.display()).into()))),
        }
    }
}

/// The interned id of a file at the root of the virtual project (templates and `data.json`).
pub(super) fn file_id(name: &str) -> FileId {
    let vpath = VirtualPath::new(name).unwrap_or_else(|_| unreachable_path(name));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

#[cold]
fn unreachable_path(name: &str) -> VirtualPath {
    // Only called with our own constant file names, which are valid virtual paths.
    panic!("invalid built-in virtual path {name:?}")
}

/// The id of the per-render data file.
pub(super) fn data_file_id() -> FileId {
    file_id(DATA_FILE)
}

/// One line per error (warnings are dropped): `file:line:col: message (hint: …)`.
fn describe(world: &RenderWorld<'_>, diags: &[SourceDiagnostic]) -> String {
    let mut out = String::new();
    for diag in diags.iter().filter(|d| d.severity == Severity::Error) {
        if !out.is_empty() {
            out.push('\n');
        }
        if let Some(id) = diag.span.id() {
            let file = id.vpath().get_without_slash();
            let line_col = world
                .range(diag.span)
                .and_then(|range| world.printer.source(id).ok()?.lines().byte_to_line_column(range.start));
            match line_col {
                Some((line, col)) => {
                    let _ = write!(out, "{file}:{}:{}: ", line + 1, col + 1);
                }
                None => {
                    let _ = write!(out, "{file}: ");
                }
            }
        }
        out.push_str(&diag.message);
        // Hints about typst's command line (`--root`, …) do not apply here.
        for hint in diag.hints.iter().filter(|h| !h.v.contains("--")) {
            let _ = write!(out, " (hint: {})", hint.v);
        }
    }
    if out.is_empty() {
        out.push_str("unknown error");
    }
    out
}

/// The PDF creation date: now, in the PC's local offset.
fn now_timestamp() -> Option<Timestamp> {
    let now = chrono::Local::now();
    let dt = Datetime::from_ymd_hms(
        now.year(),
        u8::try_from(now.month()).ok()?,
        u8::try_from(now.day()).ok()?,
        u8::try_from(now.hour()).ok()?,
        u8::try_from(now.minute()).ok()?,
        u8::try_from(now.second()).ok()?,
    )?;
    Timestamp::new_local(dt, now.offset().local_minus_utc() / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Printer>();
    }

    #[test]
    fn built_in_files_resolve_and_unknown_ones_do_not() {
        let printer = Printer::new(None);
        let common = printer.source(file_id("common.typ")).expect("common.typ");
        assert!(common.text().contains("#let letterhead"));
        assert!(printer.source(file_id("nope.typ")).is_err());
        // A second lookup serves the same text (from the cache).
        let again = printer.source(file_id("common.typ")).expect("common.typ");
        assert_eq!(common.lines().len_bytes(), again.lines().len_bytes());
    }
}
