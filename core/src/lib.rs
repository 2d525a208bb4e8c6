//! # amer-core
//!
//! The office's records as Automerge CRDT documents in a durable SQLite store.
//!
//! - [`model`]: plain domain types and their rules (no Automerge, no SQL).
//! - [`doc`]: the mapping between the domain and Automerge documents, one document per record.
//! - [`privacy`]: sealing visitors' personal data under per-visitor keys (crypto-shredding).
//! - [`store`]: the SQLite store: document bytes, projections for SQL queries, the change feed
//!   that sync reads, and the operations the frontends call.

pub mod doc;
pub mod error;
pub mod ids;
pub mod model;
pub mod privacy;
pub mod store;

pub use error::{Error, Result};
pub use ids::{DocId, DocKind, OfficeId, RiskId, SessionId, StaffDocId, VisitorId};
pub use store::Store;
