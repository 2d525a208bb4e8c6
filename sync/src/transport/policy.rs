//! Peer policy: which node ids a transport lets in, and whether it admits would-be members
//! (joiners) while an invitation is open.

use std::collections::HashSet;
use std::sync::{PoisonError, RwLock};
use std::time::Instant;

use crate::identity::NodeId;

/// Decides, at each handshake, which keys are let in. The node keeps it up to date as members
/// are added and removed; the transport asks it anew for every connection.
///
/// Implementations must be quick and must not block: they run inside the TLS handshake.
pub trait PeerPolicy: Send + Sync + 'static {
    /// Whether `id` is a member that may connect (and be connected to).
    fn allows(&self, id: &NodeId) -> bool;

    /// Whether a server should, for now, let in a client whose key is not a member, so that it
    /// can present an invite code. Such connections are [`PeerRole::Joiner`]. Off by default.
    fn admits_joiners(&self) -> bool {
        false
    }
}

/// What a connected peer may do, as decided when its connection was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeerRole {
    /// A member of the office: the full sync protocol is allowed.
    Member,
    /// An unknown key let in because an invitation is open: only the join handshake is allowed,
    /// and the connection must be closed if the invite code is not valid.
    Joiner,
}

/// A simple [`PeerPolicy`]: a set of member ids and an optional join window.
///
/// Cheap to share behind an `Arc`; all methods take `&self`.
#[derive(Debug, Default)]
pub struct AllowList {
    members: RwLock<HashSet<NodeId>>,
    join_window_until: RwLock<Option<Instant>>,
}

impl AllowList {
    /// An empty list with the join window closed.
    pub fn new() -> Self {
        Self::default()
    }

    /// A list holding `members`.
    pub fn with_members(members: impl IntoIterator<Item = NodeId>) -> Self {
        let list = Self::new();
        list.replace(members);
        list
    }

    /// Adds a member; returns whether it was new.
    pub fn insert(&self, id: NodeId) -> bool {
        self.members.write().unwrap_or_else(PoisonError::into_inner).insert(id)
    }

    /// Removes a member; returns whether it was there. Established connections are not
    /// closed by this: the caller closes them.
    pub fn remove(&self, id: &NodeId) -> bool {
        self.members.write().unwrap_or_else(PoisonError::into_inner).remove(id)
    }

    /// Replaces all members at once.
    pub fn replace(&self, members: impl IntoIterator<Item = NodeId>) {
        let members: HashSet<NodeId> = members.into_iter().collect();
        *self.members.write().unwrap_or_else(PoisonError::into_inner) = members;
    }

    /// Whether `id` is a member.
    pub fn contains(&self, id: &NodeId) -> bool {
        self.members.read().unwrap_or_else(PoisonError::into_inner).contains(id)
    }

    /// Lets unknown keys connect as joiners until `until`.
    pub fn open_join_window(&self, until: Instant) {
        *self.join_window_until.write().unwrap_or_else(PoisonError::into_inner) = Some(until);
    }

    /// Stops letting unknown keys connect.
    pub fn close_join_window(&self) {
        *self.join_window_until.write().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

impl PeerPolicy for AllowList {
    fn allows(&self, id: &NodeId) -> bool {
        self.contains(id)
    }

    fn admits_joiners(&self) -> bool {
        self.join_window_until
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|until| Instant::now() < until)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn membership_and_join_window() {
        let a = NodeId::from_bytes([1; 32]);
        let b = NodeId::from_bytes([2; 32]);
        let list = AllowList::with_members([a]);
        assert!(list.allows(&a));
        assert!(!list.allows(&b));
        assert!(list.insert(b));
        assert!(list.allows(&b));
        assert!(list.remove(&a));
        assert!(!list.allows(&a));

        assert!(!list.admits_joiners());
        list.open_join_window(Instant::now() + Duration::from_secs(60));
        assert!(list.admits_joiners());
        list.close_join_window();
        assert!(!list.admits_joiners());
        list.open_join_window(Instant::now());
        assert!(!list.admits_joiners(), "an expired window admits no one");
    }
}
