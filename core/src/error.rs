//! Errors of the core library. Messages say what went wrong and what to do, and never contain
//! personal data (names, phone numbers, NIK): callers may log them.

/// Everything that can go wrong in `amer-core`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule of the domain; nothing was stored.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which field or value was refused.
        field: &'static str,
        /// Why, and what would be accepted.
        reason: String,
    },
    /// A lifecycle step that is not allowed in the record's current state; nothing was stored.
    #[error("cannot {step}: {reason}")]
    IllegalStep {
        /// The step that was refused ("rate", "start"...).
        step: &'static str,
        /// Why.
        reason: String,
    },
    /// The acting person lacks the role for this action; nothing was stored.
    #[error("not allowed to {action}: {reason}")]
    Forbidden {
        /// The action that was refused.
        action: &'static str,
        /// Which role would be needed.
        reason: String,
    },
    /// A record that does not exist in this store.
    #[error("{what} '{key}' not found{hint}")]
    NotFound {
        /// What was looked for ("session", "staff"...).
        what: &'static str,
        /// The key that was given (a ticket, id or NIP; never personal data).
        key: String,
        /// A hint on what to do, starting with "; " or empty.
        hint: &'static str,
    },
    /// The store has not been initialised (no office, no device).
    #[error("this store is not initialised: run `amer init --office NAME --device NAME` first")]
    NotInitialised,
    /// The store was already initialised.
    #[error("this store is already initialised for office '{0}'")]
    AlreadyInitialised(String),
    /// A stored or received document could not be read.
    #[error("document {doc} is damaged: {reason}")]
    Corrupt {
        /// The document id.
        doc: String,
        /// What is wrong.
        reason: String,
    },
    /// An Automerge operation failed.
    #[error("document operation failed: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// The SQLite database failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file could not be read or written.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The database file was written by a newer AMER.
    #[error("the database has schema version {found}, newer than this program understands ({supported}); update AMER")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// Encryption or decryption of personal data failed.
    #[error("personal-data encryption failed: {0}")]
    Crypto(&'static str),
    /// Printing a document failed.
    #[error("printing failed: {0}")]
    Print(String),
    /// Exporting failed.
    #[error("export failed: {0}")]
    Export(String),
}

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid { field, reason: reason.into() }
    }
    pub(crate) fn illegal(step: &'static str, reason: impl Into<String>) -> Self {
        Error::IllegalStep { step, reason: reason.into() }
    }
    pub(crate) fn not_found(what: &'static str, key: impl Into<String>) -> Self {
        Error::NotFound { what, key: key.into(), hint: "" }
    }
    /// Whether the error is a refusal of the caller's input (as opposed to a failure of the
    /// machine); the CLI maps refusals to exit code 1.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Invalid { .. }
                | Error::IllegalStep { .. }
                | Error::Forbidden { .. }
                | Error::NotFound { .. }
                | Error::NotInitialised
                | Error::AlreadyInitialised(_)
        )
    }
}

/// Result alias of the core library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
