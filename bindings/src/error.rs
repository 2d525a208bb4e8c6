//! The one error every foreign call can raise, [`ApiError`], and the single place where the
//! library's rich errors become it.
//!
//! Every variant carries `reason`: a sentence for people, saying what went wrong and what to do.
//! The other fields name the refused field, action, step or record so that a frontend can react
//! (highlight a form field, offer to add a staff member). No variant carries personal data: the
//! core never puts visitors' names, phone numbers or NIKs into its errors, and storage failures
//! are reduced to their kind here, so an app may log any `ApiError` as it is. The sync crate's
//! errors (one enum per operation) are mapped here too.

use amer_core::Error as CoreError;

/// What went wrong in a call to AMER. Python raises `ApiError.<Variant>`, Kotlin throws
/// `ApiException.<Variant>`, Swift throws `ApiError.<variant>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ApiError {
    /// Input that breaks a rule (a NIP that is not 18 digits, an empty subject, a rating of 6);
    /// nothing was stored.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The refused field or value ("NIP", "visitor name", "rating"...).
        field: String,
        /// Why, and what would be accepted.
        reason: String,
    },
    /// The acting staff member lacks the role, is inactive, or no staff member was named where
    /// one must be; nothing was stored.
    #[error("not allowed to {action}: {reason}")]
    NotAllowed {
        /// The refused action.
        action: String,
        /// Which role would be needed, or who must act.
        reason: String,
    },
    /// No such record in this store (a ticket, risk code, NIP or id that is unknown here).
    #[error("{what} '{key}' not found: {reason}")]
    NotFound {
        /// What was looked for ("session", "staff member", "risk"...).
        what: String,
        /// The key that was given: a ticket, code, NIP or id, never personal data.
        key: String,
        /// What to do about it.
        reason: String,
    },
    /// A step that the record's state does not allow (rating before the service finished,
    /// starting twice, initialising a store that already belongs to an office); nothing was
    /// stored.
    #[error("cannot {step}: {reason}")]
    IllegalStep {
        /// The refused step ("rate", "start", "initialise"...).
        step: String,
        /// Why.
        reason: String,
    },
    /// The store belongs to no office yet: call `init` (founding PC) or join an office first.
    #[error("{reason}")]
    NotInitialised {
        /// What to do.
        reason: String,
    },
    /// The database, a file or the encryption of personal data failed; the operation did not
    /// happen. Retrying rarely helps: check the disk, the folder's permissions, or restore a
    /// backup.
    #[error("storage failed: {reason}")]
    Storage {
        /// What failed, without personal data.
        reason: String,
    },
    /// Writing an export file (or, later, a printout) failed.
    #[error("output failed: {reason}")]
    Output {
        /// What failed.
        reason: String,
    },
    /// Synchronisation with another PC failed (raised by the sync node).
    #[error("sync failed: {reason}")]
    Sync {
        /// What failed.
        reason: String,
    },
}

impl ApiError {
    /// An invalid argument of the bindings themselves (a date that is not `YYYY-MM-DD`...).
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        ApiError::Invalid { field: field.to_string(), reason: reason.into() }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid { field, reason } => ApiError::Invalid { field: field.into(), reason },
            CoreError::IllegalStep { step, reason } => ApiError::IllegalStep { step: step.into(), reason },
            CoreError::Forbidden { action, reason } => ApiError::NotAllowed { action: action.into(), reason },
            CoreError::NotFound { what, key, hint } => {
                let hint = hint.trim_start_matches(';').trim();
                // Hints written for the command line name its commands; say it in API terms.
                let reason = if hint.is_empty() || hint.contains("amer ") {
                    format!("no {what} with this key in this store")
                } else {
                    hint.to_string()
                };
                ApiError::NotFound { what: what.into(), key, reason }
            }
            CoreError::NotInitialised => ApiError::NotInitialised {
                reason:
                    "this store belongs to no office yet: call init_office() on the founding PC, or join an \
                         office"
                        .into(),
            },
            CoreError::AlreadyInitialised(_) => ApiError::IllegalStep {
                step: "initialise".into(),
                reason: "this store is already initialised for an office".into(),
            },
            CoreError::SchemaTooNew { found, supported } => ApiError::Storage {
                reason: format!(
                    "the database has schema version {found}, newer than this library understands \
                     ({supported}); update AMER"
                ),
            },
            CoreError::Corrupt { doc, .. } => ApiError::Storage {
                reason: format!("record {doc} is damaged; restore it from another PC or a backup"),
            },
            CoreError::Sqlite(e) => {
                tracing::warn!(error = %e, "database error");
                ApiError::Storage { reason: "the database failed (see the log for details)".into() }
            }
            CoreError::Automerge(e) => {
                tracing::warn!(error = %e, "document error");
                ApiError::Storage { reason: "a document operation failed (see the log for details)".into() }
            }
            CoreError::Io(e) => ApiError::Storage { reason: format!("file error: {}", e.kind()) },
            CoreError::Crypto(what) => {
                ApiError::Storage { reason: format!("personal-data encryption: {what}") }
            }
            CoreError::Export(reason) | CoreError::Print(reason) => ApiError::Output { reason },
        }
    }
}

impl From<amer_sync::error::NodeError> for ApiError {
    fn from(e: amer_sync::error::NodeError) -> Self {
        use amer_sync::error::NodeError;
        match e {
            NodeError::NotInitialised => CoreError::NotInitialised.into(),
            NodeError::Store(e) => e.into(),
            other => ApiError::Sync { reason: other.to_string() },
        }
    }
}

impl From<amer_sync::error::JoinError> for ApiError {
    fn from(e: amer_sync::error::JoinError) -> Self {
        use amer_sync::error::JoinError;
        match e {
            JoinError::AlreadyInitialised { .. } => ApiError::IllegalStep {
                step: "join".into(),
                reason: "this store already belongs to an office; joining needs a fresh folder".into(),
            },
            JoinError::Store(e) => e.into(),
            JoinError::Start(e) => e.into(),
            other => ApiError::Sync { reason: other.to_string() },
        }
    }
}

impl From<amer_sync::error::InviteError> for ApiError {
    fn from(e: amer_sync::error::InviteError) -> Self {
        match e {
            amer_sync::error::InviteError::Store(e) => e.into(),
            other => ApiError::Sync { reason: other.to_string() },
        }
    }
}

impl From<amer_sync::error::InviteCodeError> for ApiError {
    fn from(e: amer_sync::error::InviteCodeError) -> Self {
        ApiError::Invalid { field: "invite code".into(), reason: e.to_string() }
    }
}

impl From<amer_sync::error::NodeIdParseError> for ApiError {
    fn from(e: amer_sync::error::NodeIdParseError) -> Self {
        ApiError::Invalid { field: "node id".into(), reason: e.to_string() }
    }
}

impl From<amer_sync::error::IdentityError> for ApiError {
    fn from(e: amer_sync::error::IdentityError) -> Self {
        ApiError::Storage { reason: format!("this PC's key: {e}") }
    }
}

/// Result alias of the bindings.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_map_to_clear_public_ones() {
        let e: ApiError = CoreError::NotFound {
            what: "session",
            key: "K-260101-A-009".into(),
            hint: "; give a ticket number like K-261127-A-001 or a session id",
        }
        .into();
        assert_eq!(
            e.to_string(),
            "session 'K-260101-A-009' not found: give a ticket number like K-261127-A-001 or a session id"
        );
        let e: ApiError = CoreError::NotFound {
            what: "officer",
            key: "1".into(),
            hint: "; add them with `amer staff add`",
        }
        .into();
        assert!(matches!(&e, ApiError::NotFound { reason, .. } if !reason.contains("amer ")), "{e}");
        let e: ApiError = CoreError::AlreadyInitialised("office-id".into()).into();
        assert!(matches!(e, ApiError::IllegalStep { .. }));
        let e: ApiError = CoreError::Io(std::io::Error::other("/home/rina/secret")).into();
        assert!(!e.to_string().contains("rina"), "{e}");
    }
}
