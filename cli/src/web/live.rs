//! Live updates: changes of the store (written here, by another process on this PC such as the
//! CLI, or received from a peer) and the sync node's events, as server-sent events. Events carry
//! ids, kinds and counts only, never personal data.

use std::convert::Infallible;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use amer_core::store::FeedKind;
use amer_sync::SyncEvent;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast;

use super::Shared;

/// One event for the browsers.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// `change` or `sync`.
    pub name: &'static str,
    /// JSON.
    pub data: String,
}

/// How often the store's feed position is checked for changes made by other processes.
const POLL: Duration = Duration::from_millis(250);

/// Starts forwarding changes into the app's event channel; the handle stops it.
pub fn start(app: Shared) -> tokio::task::JoinHandle<()> {
    let last = Arc::new(AtomicI64::new(app.store.current_seq().unwrap_or(0)));
    // Writes through this process's store object arrive at once…
    {
        let tx = app.events.clone();
        let last = last.clone();
        app.store.subscribe(move |e| {
            if last.fetch_max(e.seq, Ordering::SeqCst) < e.seq {
                let data = serde_json::json!({"seq": e.seq, "id": e.id, "kind": e.kind, "origin": e.origin});
                let _ = tx.send(LiveEvent { name: "change", data: data.to_string() });
            }
        });
    }
    // The node may start later (see `NodeSlot`): subscribe once it is there.
    let mut subscribed = false;
    let mut closed = false;
    let mut sync_events: Option<broadcast::Receiver<SyncEvent>> = None;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if !subscribed {
                if let Some(node) = app.node.get() {
                    sync_events = Some(node.events());
                    subscribed = true;
                }
            }
            let next_sync = async {
                match sync_events.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = tick.tick() => poll(&app, &last).await,
                ev = next_sync => match ev {
                    Ok(ev) => {
                        if let Some(data) = sync_json(&ev) {
                            let _ = app.events.send(LiveEvent { name: "sync", data });
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        // The node stopped: keep polling the store.
                        closed = true;
                    }
                },
            }
            if closed {
                sync_events = None;
                closed = false;
            }
        }
    })
}

/// …and changes by other processes (the CLI) and peers are found in the feed.
async fn poll(app: &Shared, last: &Arc<AtomicI64>) {
    let after = last.load(Ordering::SeqCst);
    let Ok(items) = app
        .run(move |s| if s.current_seq()? > after { s.changes_since(after, 500) } else { Ok(Vec::new()) })
        .await
    else {
        return;
    };
    for item in items {
        if last.fetch_max(item.seq, Ordering::SeqCst) >= item.seq {
            continue;
        }
        let (id, kind) = match &item.kind {
            FeedKind::Doc { id, kind, .. } => (id.to_text(), kind.code()),
            FeedKind::Key(v) => (v.to_text(), "key"),
        };
        let data = serde_json::json!({"seq": item.seq, "id": id, "kind": kind, "origin": "store"});
        let _ = app.events.send(LiveEvent { name: "change", data: data.to_string() });
    }
}

fn sync_json(ev: &SyncEvent) -> Option<String> {
    let v = match ev {
        SyncEvent::Connected { node_id, .. } => {
            serde_json::json!({"type": "connected", "peer": node_id.to_string()})
        }
        SyncEvent::Disconnected { node_id, .. } => {
            serde_json::json!({"type": "disconnected", "peer": node_id.to_string()})
        }
        SyncEvent::Progress { node_id, fraction, .. } => {
            serde_json::json!({"type": "progress", "peer": node_id.to_string(), "fraction": fraction})
        }
        SyncEvent::Synced(r) => serde_json::json!({"type": "synced", "peer": r.node_id.to_string()}),
        SyncEvent::RemoteChangeApplied { node_id, docs, .. } => {
            serde_json::json!({"type": "received", "peer": node_id.to_string(), "docs": docs})
        }
        SyncEvent::MemberJoined { node_id, .. } => {
            serde_json::json!({"type": "joined", "peer": node_id.to_string()})
        }
        SyncEvent::Refused { .. } => serde_json::json!({"type": "refused"}),
    };
    Some(v.to_string())
}

/// `GET /peristiwa`.
pub async fn stream(State(app): State<Shared>) -> Response {
    let rx = app.events.subscribe();
    let mut stopping = app.stopping.subscribe();
    // The stream ends when the server stops (a graceful shutdown waits for open responses).
    let stop = async move {
        let _ = stopping.wait_for(|s| *s).await;
    };
    let stream = futures_util::StreamExt::take_until(events(rx), Box::pin(stop));
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("ping"))
        .into_response()
}

fn events(rx: broadcast::Receiver<LiveEvent>) -> impl Stream<Item = Result<Event, Infallible>> {
    let hello = stream::once(async { Ok(Event::default().event("hello").data("{}")) });
    let rest = stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(e) => return Some((Ok(Event::default().event(e.name).data(e.data)), rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    futures_util::StreamExt::chain(hello, rest)
}
