//! Work on other threads ahead of the one holding the write transaction: received documents
//! checked before they are stored (`feed`), stored documents decoded before their projections
//! are written (`projection`). The CPU half runs on `threads` other threads; the SQL half
//! takes the results on the calling thread, in order.

/// Runs `work` on every item of `items` on `threads` threads of its own while the calling
/// thread hands each item and its result, in order, to `take`. False, with nothing handed
/// over, when no thread can be had (a process or memory limit): the caller does the work
/// itself then.
///
/// Items go over in groups of `group` (a hand-off per item, a futex wake-up each, was an
/// eighth of a decoding thread's time); group k goes to thread k % `threads`, and each thread
/// may run `ahead` groups ahead of `take`. Results are built and dropped where `take` leaves
/// them: only what `work` returns crosses threads, so give it something small (an Automerge
/// document freed on another thread than the one that built it costs a sixth of the writer's
/// time). An error from `take` stops the other threads and is returned.
pub(crate) fn in_order<T, R, W, F>(
    name: &str,
    items: &[T],
    threads: usize,
    group: usize,
    ahead: usize,
    work: W,
    mut take: F,
) -> crate::Result<bool>
where
    T: Sync,
    R: Send,
    W: Fn(&T) -> R + Sync,
    F: FnMut(&T, R) -> crate::Result<()>,
{
    std::thread::scope(|scope| {
        let work = &work;
        let mut receivers = Vec::with_capacity(threads);
        for k in 0..threads {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<R>>(ahead);
            let worker = std::thread::Builder::new().name(name.into()).spawn_scoped(scope, move || {
                for chunk in items.chunks(group).skip(k).step_by(threads) {
                    // The receiver goes away early only on an error; nothing is left to do then.
                    if tx.send(chunk.iter().map(work).collect()).is_err() {
                        return;
                    }
                }
            });
            if let Err(error) = worker {
                tracing::debug!(%error, thread = name, "no thread to work ahead; the work is done in line");
                return Ok(false);
            }
            receivers.push(rx);
        }
        for (chunk, rx) in items.chunks(group).zip(receivers.iter().cycle()) {
            // A closed channel here means its thread panicked: the scope raises that panic.
            let Ok(results) = rx.recv() else { break };
            for (item, result) in chunk.iter().zip(results) {
                take(item, result)?;
            }
        }
        Ok(true)
    })
}
