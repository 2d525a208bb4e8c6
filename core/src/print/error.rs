//! Errors of the printing engine: which document failed and why, in words the office's IT person can act on.

use std::path::PathBuf;

use super::Template;

/// Result alias for the printing engine.
pub type Result<T, E = PrintError> = std::result::Result<T, E>;

/// Why a document could not be printed.
///
/// Messages name the template file and carry typst's own diagnostic text (with `file:line:col` when
/// the error points into a template), never the data values, so they can be logged.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The template (embedded or from the override folder) did not compile with the given data:
    /// a syntax error, a field missing from the data, a type mismatch…
    #[error("template {file} could not be laid out: {message}", file = .template.file_name())]
    Compile {
        /// The document being printed.
        template: Template,
        /// typst's diagnostics, one per line, each prefixed with its location when known.
        message: String,
    },
    /// The laid-out document could not be written as PDF.
    #[error("template {file} could not be written as PDF: {message}", file = .template.file_name())]
    Pdf {
        /// The document being printed.
        template: Template,
        /// typst-pdf's diagnostics.
        message: String,
    },
    /// A file in the override folder exists but could not be read.
    #[error("override file {path} could not be read while printing {file}: {source}; fix its permissions or remove it to use the built-in template", file = .template.file_name())]
    Override {
        /// The document being printed.
        template: Template,
        /// The file that failed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl PrintError {
    /// The document whose printing failed.
    pub fn template(&self) -> Template {
        match self {
            Self::Compile { template, .. } | Self::Pdf { template, .. } | Self::Override { template, .. } => {
                *template
            }
        }
    }
}
