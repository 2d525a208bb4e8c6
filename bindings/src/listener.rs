//! Change notifications: the foreign [`ChangeListener`] trait, the [`ChangeEvent`] it receives,
//! and the [`Subscription`] handle that stops it (on `cancel()` or when the handle is dropped,
//! as in matrix-rust-sdk's `TaskHandle`).
//!
//! The same handle stops a sync node's event listener (`sync.rs`).
//!
//! The store calls listeners after a change has committed, on the thread that made the change
//! (the caller's thread for a local write, the sync node's thread for a change from another PC),
//! outside the database lock, so a listener may read the store. A listener must return quickly
//! and hop to its UI thread itself. An exception thrown by a listener is logged and swallowed:
//! it never undoes the change nor stops the other listeners.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amer_core::store::{ChangeEvent as CoreEvent, Origin};
use amer_core::{DocKind, Store};

/// What kind of record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChangeKind {
    /// The office: settings, members, holidays.
    Office,
    /// A staff member.
    Staff,
    /// A service session.
    Session,
    /// A risk record.
    Risk,
    /// A visitor's key (a new visitor, or an erasure); `id` is the visitor id.
    VisitorKey,
}

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChangeOrigin {
    /// Written on this PC.
    Local,
    /// Received from another PC.
    Remote,
}

/// One committed change.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChangeEvent {
    /// The position in this store's change feed after the change (increasing).
    pub seq: i64,
    /// The id of the record that changed (session id, risk id, staff document id, visitor id).
    pub id: String,
    /// What kind of record it is.
    pub kind: ChangeKind,
    /// Local or remote.
    pub origin: ChangeOrigin,
}

impl From<&CoreEvent> for ChangeEvent {
    fn from(e: &CoreEvent) -> Self {
        // Document kinds by their codes; the one other code the store emits is "key".
        let kind = match DocKind::from_code(e.kind) {
            Some(DocKind::Office) => ChangeKind::Office,
            Some(DocKind::Staff) => ChangeKind::Staff,
            Some(DocKind::Session) => ChangeKind::Session,
            Some(DocKind::Risk) => ChangeKind::Risk,
            None => ChangeKind::VisitorKey,
        };
        let origin = match e.origin {
            Origin::Local => ChangeOrigin::Local,
            Origin::Remote => ChangeOrigin::Remote,
        };
        ChangeEvent { seq: e.seq, id: e.id.clone(), kind, origin }
    }
}

/// Implemented by the app to hear about changes of the store.
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    /// Called once per committed change, on the thread that made it; return quickly.
    fn on_change(&self, event: ChangeEvent);
}

/// The handle of a registered listener (of a store's changes or of a sync node's events). The
/// listener is called until `cancel()` is called or the handle is dropped (garbage-collected in
/// Python, `close()`d in Kotlin, released in Swift): keep it for as long as you want events.
#[derive(uniffi::Object)]
pub struct Subscription {
    cancel: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    alive: Box<dyn Fn() -> bool + Send + Sync>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Subscription(active: {})", self.is_active())
    }
}

/// Set by [`close_callbacks`]: no listener is called any more.
static CALLBACKS_CLOSED: AtomicBool = AtomicBool::new(false);
/// Listener calls in progress, for [`close_callbacks`] to wait for.
static CALLBACKS_RUNNING: AtomicUsize = AtomicUsize::new(0);
/// How long [`close_callbacks`] waits for listener calls in progress.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// Calls a foreign listener. A foreign exception surfaces here as a panic; what it was told
/// about has happened already, so it must neither unwind into the library nor silence the
/// other listeners.
pub(crate) fn deliver(call: impl FnOnce()) {
    // Counted before the check, so that shutdown either sees this call or this call sees it.
    CALLBACKS_RUNNING.fetch_add(1, Ordering::SeqCst);
    if !CALLBACKS_CLOSED.load(Ordering::SeqCst) && std::panic::catch_unwind(AssertUnwindSafe(call)).is_err() {
        tracing::warn!("a listener failed; what it was told about happened all the same");
    }
    CALLBACKS_RUNNING.fetch_sub(1, Ordering::SeqCst);
}

/// Stops calling every listener in this process, for good, and waits (up to two seconds) for
/// calls in progress to return; part of [`crate::runtime::shutdown_background`].
pub(crate) fn close_callbacks() {
    CALLBACKS_CLOSED.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + SHUTDOWN_WAIT;
    while CALLBACKS_RUNNING.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

impl Subscription {
    /// A handle that runs `cancel` once, and reports active while `alive` says so.
    pub(crate) fn new(
        cancel: impl FnOnce() + Send + 'static,
        alive: impl Fn() -> bool + Send + Sync + 'static,
    ) -> Arc<Subscription> {
        Arc::new(Subscription { cancel: Mutex::new(Some(Box::new(cancel))), alive: Box::new(alive) })
    }

    /// Registers `listener` on `store`.
    pub(crate) fn on_store(store: &Arc<Store>, listener: Arc<dyn ChangeListener>) -> Arc<Subscription> {
        let id = store.subscribe(move |event: &CoreEvent| {
            let event = ChangeEvent::from(event);
            deliver(|| listener.on_change(event));
        });
        let (weak, alive) = (Arc::downgrade(store), Arc::downgrade(store));
        Subscription::new(
            move || {
                if let Some(store) = weak.upgrade() {
                    store.unsubscribe(id);
                }
            },
            move || alive.strong_count() > 0,
        )
    }

    fn take(&self) -> Option<Box<dyn FnOnce() + Send>> {
        self.cancel.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

#[uniffi::export]
impl Subscription {
    /// Stops the listener; calling it again does nothing.
    pub fn cancel(&self) {
        if let Some(cancel) = self.take() {
            cancel();
        }
    }

    /// Whether the listener is still called.
    pub fn is_active(&self) -> bool {
        self.cancel.lock().unwrap_or_else(|p| p.into_inner()).is_some() && (self.alive)()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}
