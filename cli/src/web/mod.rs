//! The front desk: a local web app over the library, served by `amer serve` next to the sync
//! node. Server-rendered pages (askama templates compiled into the binary), embedded assets,
//! a little JavaScript for ticking timers, live updates (server-sent events) and the notes
//! editor's autosave. See `ROUTES.md` for every route, form field and test selector.
//!
//! Decisions: staff sign in with a PIN (hashed in their staff record by the library); the
//! session cookie is a random token kept in memory (HttpOnly, SameSite=Strict); every POST must
//! come from this app's own origin (Origin/Referer check) and every request must name a
//! loopback host (DNS rebinding); nothing personal is put in a URL or a log line.

// Handlers return a ready response as the error of their guard helpers (sign-in redirects).
#![allow(clippy::result_large_err)]

mod auth;
mod charts;
mod i18n;
mod live;
mod notes;
mod pages;
mod render;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use amer_core::model::Lang;
use amer_core::Store;
use amer_sync::SyncNode;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::broadcast;

/// Everything the handlers share.
pub struct App {
    /// The store, shared with the sync node.
    pub store: Arc<Store>,
    /// The sync node, once it runs (the web app works without it).
    pub node: Arc<NodeSlot>,
    /// The node's folder (templates overrides).
    pub home: PathBuf,
    /// Where the web app listens.
    pub http_addr: SocketAddr,
    /// Signed-in staff by cookie token.
    logins: Mutex<HashMap<String, auth::Login>>,
    /// Wrong PINs per NIP: (count, locked until).
    failures: Mutex<HashMap<String, (u32, Option<std::time::Instant>)>>,
    /// Intake form tokens already used → the session they created (double submit = one session).
    intake: tokio::sync::Mutex<HashMap<String, (String, std::time::Instant)>>,
    /// Sessions registered on this kiosk recently: their ticket page and intake PDF may be
    /// opened without signing in for a while.
    recent: Mutex<HashMap<String, std::time::Instant>>,
    /// Live events for the SSE stream (JSON lines with an event name).
    events: broadcast::Sender<live::LiveEvent>,
    /// Recent returning-visitor lookups (a kiosk must not become a phone-number directory).
    lookups: Mutex<std::collections::VecDeque<std::time::Instant>>,
    /// Becomes true when the server stops: open event streams end so the shutdown completes.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "App({})", self.http_addr)
    }
}

/// How long a kiosk's registration stays printable without signing in.
const RECENT_FOR: std::time::Duration = std::time::Duration::from_secs(2 * 3600);

impl App {
    /// Runs a store call on the blocking pool (SQLite, PDF rendering).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> amer_core::Result<T> + Send + 'static,
    ) -> amer_core::Result<T> {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(r) => r,
            Err(_) => Err(amer_core::Error::Io(std::io::Error::other("a background task failed"))),
        }
    }

    /// The PDF printer; templates in `HOME/templates/` replace the built-in ones.
    pub fn printer(&self) -> amer_core::print::Printer {
        amer_core::print::Printer::new(Some(self.home.join("templates")))
    }

    /// Whether another returning-visitor lookup is allowed now (at most 10 a minute).
    fn lookup_allowed(&self) -> bool {
        let mut q = self.lookups.lock().unwrap_or_else(|p| p.into_inner());
        while q.front().is_some_and(|t| t.elapsed() > std::time::Duration::from_secs(60)) {
            q.pop_front();
        }
        if q.len() >= 10 {
            return false;
        }
        q.push_back(std::time::Instant::now());
        true
    }

    fn mark_recent(&self, session_id: &str) {
        let mut m = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|_, t| t.elapsed() < RECENT_FOR);
        m.insert(session_id.to_string(), std::time::Instant::now());
    }

    fn is_recent(&self, session_id: &str) -> bool {
        let m = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        m.get(session_id).is_some_and(|t| t.elapsed() < RECENT_FOR)
    }
}

/// The sync node of `amer serve`, or why it is not running: the web app keeps working when
/// the QUIC socket cannot be created, and `amer serve` keeps trying to start the node.
#[derive(Debug, Default)]
pub struct NodeSlot {
    node: Mutex<Option<SyncNode>>,
    error: Mutex<Option<String>>,
}

impl NodeSlot {
    /// The running node, if any.
    pub fn get(&self) -> Option<SyncNode> {
        self.node.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The node started.
    pub fn set(&self, node: SyncNode) {
        *self.node.lock().unwrap_or_else(|p| p.into_inner()) = Some(node);
        *self.error.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The node could not start (the message has no personal data: an address and an OS error).
    pub fn fail(&self, reason: String) {
        *self.error.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
    }

    /// Why the node is not running, while it is not.
    pub fn error(&self) -> Option<String> {
        if self.get().is_some() {
            return None;
        }
        self.error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Shared state of the handlers.
pub type Shared = Arc<App>;

/// Starts the web app on `listener` and serves until `stop` resolves.
pub async fn serve(
    store: Arc<Store>,
    node: Arc<NodeSlot>,
    home: PathBuf,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let http_addr = listener.local_addr()?;
    let (events, _) = broadcast::channel(256);
    let app = Arc::new(App {
        store,
        node,
        home,
        http_addr,
        logins: Mutex::new(HashMap::new()),
        failures: Mutex::new(HashMap::new()),
        intake: tokio::sync::Mutex::new(HashMap::new()),
        recent: Mutex::new(HashMap::new()),
        events,
        stopping: tokio::sync::watch::channel(false).0,
        lookups: Mutex::new(std::collections::VecDeque::new()),
    });
    let watcher = live::start(app.clone());
    let router = router(app.clone());
    let stopper = app.clone();
    let stop = async move {
        stop.await;
        stopper.stopping.send_replace(true);
    };
    let result = axum::serve(listener, router).with_graceful_shutdown(stop).await;
    watcher.abort();
    result.map_err(|e| anyhow::anyhow!("the web app stopped: {e}"))
}

fn router(app: Shared) -> Router {
    use pages::{dashboard, intake, queue, risk, service, sync};
    Router::new()
        .route("/", get(|| async { Redirect::to("/pendaftaran") }))
        .route("/api/status", get(status))
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
        .route("/peristiwa", get(live::stream))
        .route("/masuk", get(auth::login_page).post(auth::login))
        .route("/keluar", post(auth::logout))
        .route("/bahasa", post(set_lang))
        .route("/pendaftaran", get(intake::form).post(intake::submit))
        .route("/pendaftaran/kenali", post(intake::recognise))
        .route("/tiket/{id}", get(intake::ticket))
        .route("/sesi/{id}/formulir.pdf", get(intake::intake_pdf))
        .route("/sesi/{id}/laporan.pdf", get(service::report_pdf))
        .route("/antrian", get(queue::board))
        .route("/antrian/isi", get(queue::fragment))
        .route("/antrian/{id}/tugaskan", post(queue::assign))
        .route("/antrian/{id}/batal", post(queue::cancel))
        .route("/layanan", get(service::list))
        .route("/layanan/isi", get(service::list_fragment))
        .route("/layanan/{id}", get(service::detail))
        .route("/layanan/{id}/mulai", post(service::start))
        .route("/layanan/{id}/catatan", get(service::notes_get).post(service::notes_save))
        .route("/layanan/{id}/selesai", post(service::finish))
        .route("/layanan/{id}/nilai", get(service::rate_page).post(service::rate))
        .route("/layanan/{id}/terima-kasih", get(service::thanks))
        .route("/dasbor", get(dashboard::page))
        .route("/dasbor/unduh/{file}", get(dashboard::download))
        .route("/risiko", get(risk::list).post(risk::add))
        .route("/risiko/{id}", get(risk::detail))
        .route("/risiko/{id}/{action}", post(risk::act))
        .route("/sinkronisasi", get(sync::page))
        .route("/sinkronisasi/undang", post(sync::invite))
        .route("/sinkronisasi/sekarang", post(sync::now))
        .route("/sinkronisasi/konflik", post(sync::choose))
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// The language of a request: `?lang=` first, then the cookie, else Indonesian.
#[derive(Debug, Clone, Copy)]
pub struct ReqLang(pub Lang);

fn lang_from_query(q: Option<&str>) -> Option<Lang> {
    q?.split('&').find_map(|kv| match kv {
        "lang=en" => Some(Lang::En),
        "lang=id" => Some(Lang::Id),
        _ => None,
    })
}

/// Every request: a loopback Host, POSTs from this origin only, the language.
async fn guard(State(app): State<Shared>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let host_name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if !matches!(host_name, "127.0.0.1" | "localhost" | "[::1]") {
        return (StatusCode::FORBIDDEN, "this app answers on 127.0.0.1 only").into_response();
    }
    if req.method() == Method::POST {
        let own = format!("http://{host}");
        let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
        let referer = headers.get(header::REFERER).and_then(|h| h.to_str().ok());
        let ok = match (origin, referer) {
            (Some(o), _) => o == own,
            (None, Some(r)) => r == own || r.starts_with(&format!("{own}/")),
            // No browser sends a cross-site form without an Origin; plain clients may omit both.
            (None, None) => true,
        };
        if !ok {
            tracing::warn!("refused a request from another origin");
            return (StatusCode::FORBIDDEN, "refused: the request did not come from this app")
                .into_response();
        }
    }
    let from_query = lang_from_query(req.uri().query());
    let lang = from_query.or_else(|| {
        cookie(req.headers(), "amer_lang").and_then(|v| match v {
            "en" => Some(Lang::En),
            "id" => Some(Lang::Id),
            _ => None,
        })
    });
    req.extensions_mut().insert(ReqLang(lang.unwrap_or_default()));
    let _ = &app;
    let mut resp = next.run(req).await;
    if let Some(l) = from_query {
        set_lang_cookie(resp.headers_mut(), l);
    }
    // Only this app's own scripts, styles and forms; never framed; no referrer to elsewhere.
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    resp
}

fn set_lang_cookie(h: &mut HeaderMap, l: Lang) {
    let v = match l {
        Lang::En => "en",
        Lang::Id => "id",
    };
    if let Ok(v) = HeaderValue::from_str(&format!("amer_lang={v}; Path=/; Max-Age=31536000; SameSite=Strict"))
    {
        h.append(header::SET_COOKIE, v);
    }
}

/// A cookie's value.
pub fn cookie<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        v.split(';').find_map(|kv| {
            let (k, val) = kv.trim().split_once('=')?;
            (k == name).then_some(val)
        })
    })
}

async fn set_lang(axum::Form(f): axum::Form<HashMap<String, String>>) -> Response {
    let lang = if f.get("lang").map(String::as_str) == Some("en") { Lang::En } else { Lang::Id };
    let next = f.get("next").filter(|n| n.starts_with('/') && !n.starts_with("//")).cloned();
    let mut r = Redirect::to(next.as_deref().unwrap_or("/")).into_response();
    set_lang_cookie(r.headers_mut(), lang);
    r
}

async fn status(State(app): State<Shared>) -> Response {
    let node = app.node.get();
    axum::Json(serde_json::json!({
        "ok": true,
        "node_id": node.as_ref().map(|n| n.node_id().to_string()),
        "quic_addr": node.as_ref().map(|n| n.local_addr().to_string()),
        "sync": node.is_some(),
        "http_addr": app.http_addr.to_string(),
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .into_response()
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("assets/app.css")).into_response()
}

async fn js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("assets/app.js"))
        .into_response()
}
