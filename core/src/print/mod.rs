//! Printed A4 documents (PDF): typst templates filled with JSON data, rendered in-process.
//!
//! The office prints eight documents ([`Template`]). Each is a typst file compiled into the binary
//! (`templates/*.typ`) that imports the shared letterhead and page set-up from `common.typ` and reads
//! its data from a virtual `data.json`. The caller prepares that data (labels, preformatted times and
//! durations, a masked NIK) and [`Printer::render`] returns PDF bytes:
//!
//! ```no_run
//! # use amer_core::print::{Printer, Template};
//! let printer = Printer::new(None); // once; parses the embedded fonts
//! let data = serde_json::json!({ "office": { "name": "…" }, "printed_at": "27-11-2026 09:15 WITA", "session": {} });
//! let pdf: Vec<u8> = printer.render(Template::ServiceReport, &data)?;
//! # Ok::<(), amer_core::print::PrintError>(())
//! ```
//!
//! The JSON each template expects is documented at the top of its `.typ` file and in
//! `TEMPLATES.md` beside this module. Templates can be replaced without recompiling by putting an
//! edited copy in the override folder given to [`Printer::new`] ([`embedded_files`] gives the
//! originals). Fonts are DejaVu Sans, embedded: nothing is read from the system or the network.

mod error;
mod fonts;
pub mod forms;
mod printer;
pub mod reports;
mod template;
mod world;

pub use error::{PrintError, Result};
pub use fonts::FAMILY as FONT_FAMILY;
pub use forms::SessionForm;
pub use printer::Printer;
pub use template::{embedded_files, Template, COMMON_FILE, DATA_FILE};
