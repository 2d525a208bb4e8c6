//! Real-socket tests of sync nodes on loopback: convergence of 2, 3 and 5 nodes, concurrent
//! edits, multi-hop, live push, changes by another process, membership (invite, join,
//! removal), every refusal, LAN discovery with mDNS, and cuts through a lossy relay during a large sync.

#![allow(clippy::unwrap_used)]

#[path = "sync/support.rs"]
mod support;

#[path = "sync/convergence.rs"]
mod convergence;
#[path = "sync/discovery.rs"]
mod discovery;
#[path = "sync/faults.rs"]
mod faults;
#[path = "sync/live.rs"]
mod live;
#[path = "sync/membership.rs"]
mod membership;
