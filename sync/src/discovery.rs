//! LAN discovery with mDNS (DNS-SD, the `mdns-sd` crate): each node announces
//! `_amer-sync._udp.local.` with its office id and node id in the TXT record, and browses for
//! the same service; a member of its own office found that way is dialled like a static peer.
//!
//! Discovery only ever adds addresses to try: who may connect is still decided by the pinned
//! member keys of the transport, so an announcement from another office or a stranger is
//! ignored, and a forged one leads to a refused handshake, never to data. Where multicast is
//! blocked (many office networks and sandboxes) nothing is found and nothing breaks: static
//! peers and the addresses members publish in the office document work as before.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use mdns_sd::{DaemonEvent, ResolvedService, ServiceDaemon, ServiceEvent, ServiceInfo};

use crate::identity::NodeId;

/// The DNS-SD service type AMER nodes announce.
pub const SERVICE_TYPE: &str = "_amer-sync._udp.local.";

/// The standard mDNS port.
pub const MDNS_PORT: u16 = mdns_sd::MDNS_PORT;

/// TXT keys: office id, node id (hex), protocol version.
const TXT_OFFICE: &str = "office";
const TXT_NODE: &str = "node";
const TXT_VERSION: &str = "v";

/// A peer announced on the LAN by a node of the same office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The node id it announces (checked again by the TLS handshake).
    pub node_id: NodeId,
    /// Where it listens.
    pub addrs: Vec<SocketAddr>,
}

/// A running mDNS announcer and browser. Dropping it without [`Discovery::shutdown`] leaves
/// the daemon thread to end with the process.
pub struct Discovery {
    daemon: ServiceDaemon,
    fullname: String,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovery").field("fullname", &self.fullname).finish_non_exhaustive()
    }
}

/// What the browser reports.
pub type Events = mdns_sd::Receiver<ServiceEvent>;

/// Why discovery could not start (the node runs on without it).
pub type DiscoveryError = mdns_sd::Error;

impl Discovery {
    /// Starts announcing `node_id` of `office` listening on `port` at `ips` (none: every
    /// address of the host, followed as interfaces come and go) and browsing for the office's
    /// other nodes. `mdns_port` is 5353 on a real LAN; tests use another to stay apart.
    pub fn start(
        office: &str,
        node_id: NodeId,
        ips: &[IpAddr],
        port: u16,
        mdns_port: u16,
        protocol_version: u16,
    ) -> Result<(Self, Events, mdns_sd::Receiver<DaemonEvent>), DiscoveryError> {
        let daemon = ServiceDaemon::new_with_port(mdns_port)?;
        let monitor = daemon.monitor()?;
        let hex = node_id.full_hex();
        let short = &hex[..hex.len().min(16)];
        let instance = format!("amer-{short}");
        let host = format!("amer-{short}.local.");
        let version = protocol_version.to_string();
        let properties = [(TXT_OFFICE, office), (TXT_NODE, hex.as_str()), (TXT_VERSION, version.as_str())];
        let addr_list: Vec<IpAddr> = ips.iter().copied().filter(|ip| !ip.is_unspecified()).collect();
        let mut info =
            ServiceInfo::new(SERVICE_TYPE, &instance, &host, &addr_list[..], port, &properties[..])?;
        if addr_list.is_empty() {
            info = info.enable_addr_auto();
        }
        let fullname = info.get_fullname().to_owned();
        let events = daemon.browse(SERVICE_TYPE)?;
        daemon.register(info)?;
        Ok((Self { daemon, fullname }, events, monitor))
    }

    /// Stops announcing (a goodbye packet) and ends the daemon thread.
    pub fn shutdown(&self) {
        if let Ok(status) = self.daemon.unregister(&self.fullname) {
            let _ = status.recv_timeout(std::time::Duration::from_millis(200));
        }
        if let Ok(status) = self.daemon.shutdown() {
            let _ = status.recv_timeout(std::time::Duration::from_millis(500));
        }
    }
}

/// What a resolved announcement says, when it is another node of `office` speaking
/// `protocol_version`: its id and addresses (IPv4 and routable IPv6 with the announced port).
pub fn accept(
    service: &ResolvedService,
    office: &str,
    own: NodeId,
    protocol_version: u16,
) -> Option<Discovered> {
    if service.get_property_val_str(TXT_OFFICE) != Some(office) {
        return None;
    }
    if service.get_property_val_str(TXT_VERSION) != Some(protocol_version.to_string().as_str()) {
        return None;
    }
    let node_id: NodeId = service.get_property_val_str(TXT_NODE)?.parse().ok()?;
    if node_id == own {
        return None;
    }
    let port = service.get_port();
    if port == 0 {
        return None;
    }
    let mut addrs: Vec<SocketAddr> = service
        .get_addresses()
        .iter()
        .map(|ip| ip.to_ip_addr())
        .filter(|ip| match ip {
            IpAddr::V4(v4) => !v4.is_unspecified() && !v4.is_multicast(),
            // Link-local IPv6 needs a scope the socket address would lose.
            IpAddr::V6(v6) => {
                !v6.is_unspecified() && !v6.is_multicast() && (v6.segments()[0] & 0xffc0) != 0xfe80
            }
        })
        .map(|ip| SocketAddr::new(ip, port))
        .collect();
    addrs.sort();
    addrs.dedup();
    (!addrs.is_empty()).then_some(Discovered { node_id, addrs })
}

/// The addresses found so far, per node (the latest announcement wins).
#[derive(Debug, Default)]
pub struct Found {
    peers: HashMap<NodeId, Vec<SocketAddr>>,
}

impl Found {
    /// Records an announcement; returns whether it brought an address not known before.
    pub fn record(&mut self, found: &Discovered) -> bool {
        let known = self.peers.entry(found.node_id).or_default();
        let new = found.addrs.iter().any(|a| !known.contains(a));
        if new {
            known.extend(found.addrs.iter().filter(|a| !known.contains(a)).copied().collect::<Vec<_>>());
        }
        new
    }

    /// Every address found, with its node.
    pub fn all(&self) -> Vec<(NodeId, SocketAddr)> {
        self.peers.iter().flat_map(|(id, addrs)| addrs.iter().map(move |a| (*id, *a))).collect()
    }
}
