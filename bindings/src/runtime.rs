//! The background threads behind the `*_async` methods and the sync node: a small tokio runtime,
//! started on first use, whose blocking pool runs SQLite work so that the foreign event loop
//! (asyncio, a Kotlin coroutine dispatcher, Swift's cooperative pool) only waits on a future and
//! is never blocked, and whose workers drive the sync node's network I/O.
//!
//! [`shutdown_background`] stops it for good. The Python package calls it when the interpreter
//! exits: a worker that completes a future wakes the awaiting coroutine through a Python
//! callback, and a worker doing so while the interpreter finalises would be terminated inside
//! Rust code and abort the process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::runtime::{Handle, Runtime};

use crate::error::{ApiError, ApiResult};

/// At most this many blocking calls run at once; further ones queue.
const MAX_BLOCKING_THREADS: usize = 4;
/// How long [`shutdown_background`] waits for work in progress.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

static RUNTIME: OnceLock<Mutex<Option<Runtime>>> = OnceLock::new();
static STOPPED: AtomicBool = AtomicBool::new(false);

fn stopped() -> ApiError {
    ApiError::Storage { reason: "AMER's background threads were stopped (the program is exiting)".into() }
}

/// A handle of the runtime, started on first use.
pub(crate) fn runtime() -> ApiResult<Handle> {
    if STOPPED.load(Ordering::SeqCst) {
        return Err(stopped());
    }
    let cell = RUNTIME.get_or_init(|| Mutex::new(None));
    let mut rt = cell.lock().unwrap_or_else(|p| p.into_inner());
    if STOPPED.load(Ordering::SeqCst) {
        return Err(stopped());
    }
    if rt.is_none() {
        let built = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(MAX_BLOCKING_THREADS)
            .thread_name("amer-worker")
            .enable_all()
            .build()
            .map_err(|e| ApiError::Storage { reason: format!("cannot start the background threads: {e}") })?;
        *rt = Some(built);
    }
    rt.as_ref().map(|r| r.handle().clone()).ok_or_else(stopped)
}

/// Stops AMER's background threads for good: running sync nodes stop, listeners are no longer
/// called, `*_async` calls fail. Waits up to two seconds for work in progress. The Python package
/// calls it at interpreter exit; other programs need not call it.
#[uniffi::export]
pub fn shutdown_background() {
    STOPPED.store(true, Ordering::SeqCst);
    crate::listener::close_callbacks();
    let taken = RUNTIME.get().and_then(|cell| cell.lock().unwrap_or_else(|p| p.into_inner()).take());
    if let Some(rt) = taken {
        rt.shutdown_timeout(SHUTDOWN_WAIT);
    }
}

/// Runs the future `work` on AMER's runtime (network I/O of the sync node) and waits for it
/// from whatever executor polls the returned future.
pub(crate) async fn on_runtime<T, F>(work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = ApiResult<T>> + Send + 'static,
{
    match runtime()?.spawn(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(stopped()),
    }
}

/// Runs `work` on a background thread and waits for it without blocking the caller's executor.
pub(crate) async fn off_thread<T, F>(work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> ApiResult<T> + Send + 'static,
{
    match runtime()?.spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(stopped()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_work_off_the_calling_thread() {
        let caller = std::thread::current().id();
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("test runtime");
        let other = rt.block_on(off_thread(move || Ok(std::thread::current().id()))).expect("ran");
        assert_ne!(other, caller);
        let err =
            rt.block_on(off_thread(|| Err::<(), _>(ApiError::invalid("x", "y")))).expect_err("error passes");
        assert_eq!(err, ApiError::invalid("x", "y"));
        let sum = rt.block_on(on_runtime(async { Ok(2 + 2) })).expect("ran on the runtime");
        assert_eq!(sum, 4);
    }
}
