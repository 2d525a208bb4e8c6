//! # amer-core
//!
//! The office's records as Automerge CRDT documents in a durable SQLite store.
//!
//! - [`model`]: plain domain types and their rules (no Automerge, no SQL).
//! - [`doc`]: the mapping between the domain and Automerge documents, one document per record.
//! - [`privacy`]: sealing visitors' personal data under per-visitor keys (crypto-shredding).
//! - [`store`]: the SQLite store: document bytes, projections for SQL queries, the change feed
//!   that sync reads, and the operations the frontends call.
//! - [`report`]: analytics over the projections (performance, satisfaction index, topics,
//!   objections, risk register and map, period summary), as serialisable tables.
//! - [`export`]: sessions, risks and reports to CSV, XLSX and JSON files.
//! - `print` (cargo feature `print`): A4 PDF documents from typst templates, with embedded fonts.

pub mod doc;
pub mod error;
pub mod export;
pub mod ids;
pub mod model;
#[cfg(feature = "print")]
pub mod print;
pub mod privacy;
pub mod report;
pub mod store;

pub use error::{Error, Result};
pub use ids::{DocId, DocKind, OfficeId, RiskId, SessionId, StaffDocId, VisitorId};
pub use model::Lang;
pub use store::Store;
