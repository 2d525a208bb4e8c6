//! # amer-bindings
//!
//! AMER for other languages: a [uniffi](https://mozilla.github.io/uniffi-rs/) surface over
//! `amer-core` and `amer-sync`, built as a shared library (`libamer_bindings.so`, `.dylib`, `.dll`) from which
//! `uniffi-bindgen` generates Python, Kotlin and Swift sources (library mode). The Python
//! package `amer` (maturin, `bindings/pyproject.toml`) ships the library with its sources.
//!
//! - [`store`]: [`AmerStore`], a node's store and every operation on it.
//! - [`records`]: the records that cross the boundary (sessions, staff, risks, visitors,
//!   filters); instants are `SystemTime`, calendar dates `YYYY-MM-DD` strings.
//! - [`codes`]: the closed sets (category, status, roles, stages...) as enums with their codes
//!   and Indonesian/English labels, and [`code_list`] for drop-down lists.
//! - [`listener`]: the [`ChangeListener`] foreign trait and its [`Subscription`] handle, which
//!   stops the listener when cancelled or dropped.
//! - [`reports`]: reports as JSON, and exports to CSV, XLSX and JSON files.
//! - `print` (cargo feature `print`, default): a session's forms and a visitor's data sheet as
//!   PDF bytes or files.
//! - [`sync`]: [`AmerSyncNode`], the store's sync node (start, join with an invite code, invite,
//!   sync now, status, events), on the background runtime.
//! - [`error`]: [`ApiError`], the one public error, mapped from the core's errors in one place,
//!   never carrying personal data.
//! - [`runtime`]: the background threads behind the `*_async` methods and the sync node, and
//!   [`runtime::shutdown_background`], which the Python package calls at exit.
//!
//! Threading: every object is thread-safe. Blocking methods are short SQLite transactions;
//! methods whose cost grows with the data have `*_async` forms that run on background threads,
//! and network operations are async only (Python `async def`, Kotlin `suspend fun`, Swift
//! `async`). See `bindings/README.md`.

pub mod codes;
pub mod error;
pub mod listener;
#[cfg(feature = "print")]
pub mod print;
pub mod records;
pub mod reports;
pub mod runtime;
pub mod store;
pub mod sync;

pub use codes::{code_list, CodeList, Label};
pub use error::{ApiError, ApiResult};
pub use listener::{ChangeEvent, ChangeKind, ChangeListener, ChangeOrigin, Subscription};
pub use store::AmerStore;
pub use sync::AmerSyncNode;

uniffi::setup_scaffolding!("amer");
