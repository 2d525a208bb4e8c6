//! What every page shares: the page context of the layout, rendering a template, the error page
//! and the mapping of library refusals to messages next to form fields.

use std::collections::HashMap;

use amer_core::model::{Coded, Lang};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::auth::Login;
use super::i18n;

/// The layout's data: language, who is signed in, which menu entry is current.
#[derive(Debug, Clone)]
pub struct Page {
    /// Language of the labels.
    pub lang: Lang,
    /// The signed-in staff member, if any.
    pub user: Option<Login>,
    /// The current menu entry (`intake`, `queue`…).
    pub nav: &'static str,
    /// The page's own GET path (for the language links), without a query.
    pub path: String,
    /// A one-line success message.
    pub flash: Option<String>,
    /// `kiosk` pages hide the staff menu.
    pub kiosk: bool,
    /// Pages without a live region reload themselves on record changes (`reload`) or also on
    /// sync events (`sync`), unless the user is typing; "" = no reload.
    pub live: &'static str,
}

impl Page {
    pub fn new(lang: Lang, user: Option<Login>, nav: &'static str, path: impl Into<String>) -> Self {
        Page { lang, user, nav, path: path.into(), flash: None, kiosk: false, live: "" }
    }
    /// A label.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::tr(self.lang, key)
    }
    /// The `lang` attribute.
    pub fn lang_code(&self) -> &'static str {
        match self.lang {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
    /// A coded value's label in the page's language.
    pub fn label<C: Coded>(&self, c: C) -> &'static str {
        c.label(self.lang)
    }
    /// The label of a download on the dashboard.
    pub fn download_label(&self, what: &str) -> &'static str {
        i18n::tr(
            self.lang,
            match what {
                "sessions" => "dl.sessions",
                "performance" => "dl.performance",
                "satisfaction" => "dl.satisfaction",
                "topics" => "dl.topics",
                "risks" => "dl.risks",
                _ => "dl.riskmap",
            },
        )
    }
    /// Whether the signed-in person may assign officers.
    pub fn can_assign(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.can_assign())
    }
}

/// Renders a template as an HTML response with `status`.
pub fn html<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    p: &'a Page,
    message: String,
    back: &'a str,
}

/// An error page with a message (library messages carry no personal data).
pub fn error_page(p: &Page, status: StatusCode, message: impl Into<String>, back: &str) -> Response {
    html(status, &ErrorPage { p, message: message.into(), back })
}

/// The HTTP status for a library error: refusals are the caller's (4xx), the rest are ours.
pub fn status_of(e: &amer_core::Error) -> StatusCode {
    use amer_core::Error as E;
    match e {
        E::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        E::IllegalStep { .. } => StatusCode::CONFLICT,
        E::Forbidden { .. } => StatusCode::FORBIDDEN,
        E::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A library error as an error page; failures of the machine are logged (without personal data:
/// the library's messages leave it out).
pub fn core_error(p: &Page, e: &amer_core::Error, back: &str) -> Response {
    let status = status_of(e);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %e, "request failed");
    } else {
        tracing::info!(error = %e, "request refused");
    }
    error_page(p, status, i18n::error_message(p.lang, e), back)
}

/// Messages next to form fields, by field `name`.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub HashMap<String, String>);

impl FieldErrors {
    /// The message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
    /// Adds a message.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.insert(field.to_string(), message.into());
    }
    /// The message as HTML next to the field (empty when none): `data-testid="error-FIELD"`, or
    /// `form-error` for the form's own message.
    pub fn html(&self, field: &str) -> String {
        match self.get(field) {
            // A message of no field: the form's own (ROUTES.md: `form-error`).
            Some(m) if field == "form" => format!(
                r#"<p class="form-error" data-testid="form-error" id="form-error" role="alert">{}</p>"#,
                super::charts::esc(m)
            ),
            Some(m) => format!(
                r#"<p class="field-error" data-testid="error-{f}" id="error-{f}" role="alert">{m}</p>"#,
                f = super::charts::esc(field),
                m = super::charts::esc(m)
            ),
            None => String::new(),
        }
    }
    /// Messages for fields that `shown` does not list move to the form's message ("form"), so
    /// no refusal is lost on a form without that field.
    pub fn within(self, shown: &[&str]) -> Self {
        let mut out = FieldErrors::default();
        for (k, m) in self.0 {
            let key = if shown.contains(&k.as_str()) { k.as_str() } else { "form" };
            out.add(key, m);
        }
        out
    }
    /// A library refusal placed next to its field (or as the form's message, key "form").
    pub fn from_core(lang: Lang, e: &amer_core::Error) -> Self {
        let mut f = FieldErrors::default();
        let (name, message) = i18n::refusal(lang, e);
        f.add(if name.is_empty() { "form" } else { name }, message);
        f
    }
}

/// Submitted form fields.
#[derive(Debug, Clone, Default)]
pub struct Fields(pub HashMap<String, String>);

impl Fields {
    /// A field's value, "" when absent.
    pub fn get(&self, k: &str) -> &str {
        self.0.get(k).map(String::as_str).unwrap_or("")
    }
    /// A trimmed non-empty value.
    pub fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k).trim().to_string()).filter(|v| !v.is_empty())
    }
    /// Whether a checkbox is ticked.
    pub fn checked(&self, k: &str) -> bool {
        matches!(self.get(k), "1" | "on" | "true")
    }
}
