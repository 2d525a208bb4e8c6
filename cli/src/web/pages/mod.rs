//! One file per page of ROUTES.md.

pub mod dashboard;
pub mod intake;
pub mod queue;
pub mod risk;
pub mod service;
pub mod sync;

use amer_core::model::{Coded, Lang};

/// A select's option: value, label.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
}

/// The options of a coded enumeration in `lang`.
pub fn options<C: Coded>(lang: Lang) -> Vec<Opt> {
    C::ALL.iter().map(|c| Opt { value: c.code().to_string(), label: c.label(lang).to_string() }).collect()
}

/// A session id from a path segment: only the library's id form is accepted (opaque, no
/// personal data), so tickets or other text never reach the URL handlers.
pub fn session_key(raw: &str) -> Option<String> {
    amer_core::SessionId::parse(raw).ok().map(|id| id.to_text())
}
