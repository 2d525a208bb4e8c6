//! A loopback UDP relay for fault tests: it forwards datagrams between clients and one server
//! address, and can drop a fraction of them or cut the link, changed while it runs.
//!
//! Only built with the `fault-injection` feature. Clients dial [`UdpRelay::local_addr`]
//! instead of the server; each client address gets its own upstream socket, so the server
//! sees one peer per client. Drops are decided by a seeded generator, so a test that fails
//! can be rerun with the same sequence of decisions (timing aside).

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Largest datagram forwarded; QUIC datagrams are far smaller.
const MAX_DATAGRAM: usize = 65_535;

/// Starting conditions of a relay.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayConfig {
    /// Fraction of datagrams dropped in each direction, from 0.0 to 1.0.
    pub loss: f64,
    /// Seed of the drop decisions.
    pub seed: u64,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self { loss: 0.0, seed: 0x5eed_a11e_c0de_0001 }
    }
}

/// Datagrams counted by a relay, both directions together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RelayStats {
    /// Datagrams passed on.
    pub forwarded: u64,
    /// Datagrams dropped (by loss or a cut).
    pub dropped: u64,
}

/// A running relay; stops when dropped.
#[derive(Debug)]
pub struct UdpRelay {
    local_addr: SocketAddr,
    control: Arc<Control>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug)]
struct Control {
    /// Drop when a random `u64` falls below this.
    loss_threshold: AtomicU64,
    rng_counter: AtomicU64,
    cut: Mutex<Cut>,
    forwarded: AtomicU64,
    dropped: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
enum Cut {
    Open,
    Until(Instant),
    Forever,
}

impl Control {
    fn new(config: &RelayConfig) -> Self {
        let control = Self {
            loss_threshold: AtomicU64::new(0),
            rng_counter: AtomicU64::new(config.seed),
            cut: Mutex::new(Cut::Open),
            forwarded: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        };
        control.set_loss(config.loss);
        control
    }

    fn set_loss(&self, fraction: f64) {
        let fraction = if fraction.is_nan() { 0.0 } else { fraction.clamp(0.0, 1.0) };
        // The float-to-int cast saturates, so 1.0 becomes u64::MAX (drop all but 1 in 2^64).
        let threshold = (fraction * u64::MAX as f64) as u64;
        self.loss_threshold.store(threshold, Ordering::Relaxed);
    }

    fn set_cut(&self, cut: Cut) {
        *self.cut.lock().unwrap_or_else(PoisonError::into_inner) = cut;
    }

    fn is_cut(&self) -> bool {
        let mut cut = self.cut.lock().unwrap_or_else(PoisonError::into_inner);
        match *cut {
            Cut::Open => false,
            Cut::Forever => true,
            Cut::Until(when) if Instant::now() < when => true,
            Cut::Until(_) => {
                *cut = Cut::Open;
                false
            }
        }
    }

    /// Splitmix64 over a shared counter: lock-free and reproducible from the seed.
    fn next_random(&self) -> u64 {
        let mut z = self
            .rng_counter
            .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
            .wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Decides the fate of one datagram and counts it.
    fn pass(&self) -> bool {
        let threshold = self.loss_threshold.load(Ordering::Relaxed);
        let lost = threshold > 0 && self.next_random() < threshold;
        let pass = !lost && !self.is_cut();
        let counter = if pass { &self.forwarded } else { &self.dropped };
        counter.fetch_add(1, Ordering::Relaxed);
        pass
    }
}

impl UdpRelay {
    /// Starts a relay on 127.0.0.1 towards `server`, forwarding everything.
    pub async fn start(server: SocketAddr) -> io::Result<Self> {
        Self::start_with(server, RelayConfig::default()).await
    }

    /// Starts a relay on 127.0.0.1 towards `server`.
    pub async fn start_with(server: SocketAddr, config: RelayConfig) -> io::Result<Self> {
        let front = Arc::new(UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?);
        let local_addr = front.local_addr()?;
        let control = Arc::new(Control::new(&config));
        let task = tokio::spawn(run(front, server, control.clone()));
        Ok(Self { local_addr, control, task })
    }

    /// The address clients should dial instead of the server's.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Sets the fraction of datagrams dropped from now on (clamped to 0.0..=1.0).
    pub fn set_loss(&self, fraction: f64) {
        self.control.set_loss(fraction);
    }

    /// Drops everything until [`UdpRelay::restore`].
    pub fn cut(&self) {
        self.control.set_cut(Cut::Forever);
    }

    /// Drops everything for `period`, then forwards again.
    pub fn cut_for(&self, period: Duration) {
        self.control.set_cut(Cut::Until(Instant::now() + period));
    }

    /// Ends a cut.
    pub fn restore(&self) {
        self.control.set_cut(Cut::Open);
    }

    /// Datagrams forwarded and dropped so far.
    pub fn stats(&self) -> RelayStats {
        RelayStats {
            forwarded: self.control.forwarded.load(Ordering::Relaxed),
            dropped: self.control.dropped.load(Ordering::Relaxed),
        }
    }
}

impl Drop for UdpRelay {
    fn drop(&mut self) {
        // Aborting the main task drops its JoinSet, which aborts the per-client tasks.
        self.task.abort();
    }
}

async fn run(front: Arc<UdpSocket>, server: SocketAddr, control: Arc<Control>) {
    let mut upstreams: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
    let mut tasks = JoinSet::new();
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let (len, client) = match front.recv_from(&mut buf).await {
            Ok(received) => received,
            Err(e) => {
                // ICMP errors from a vanished client surface here on some systems; keep going,
                // without spinning if the error persists.
                tracing::debug!(error = %e, "relay: receive from a client failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let upstream = match upstreams.get(&client) {
            Some(upstream) => upstream.clone(),
            None => match connect_upstream(server).await {
                Ok(upstream) => {
                    let upstream = Arc::new(upstream);
                    upstreams.insert(client, upstream.clone());
                    tasks.spawn(backward(upstream.clone(), front.clone(), client, control.clone()));
                    upstream
                }
                Err(e) => {
                    tracing::warn!(error = %e, "relay: could not open an upstream socket");
                    continue;
                }
            },
        };
        if control.pass() {
            let _ = upstream.send(&buf[..len]).await;
        }
    }
}

async fn connect_upstream(server: SocketAddr) -> io::Result<UdpSocket> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    socket.connect(server).await?;
    Ok(socket)
}

/// Forwards the server's datagrams back to one client.
async fn backward(
    upstream: Arc<UdpSocket>,
    front: Arc<UdpSocket>,
    client: SocketAddr,
    control: Arc<Control>,
) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        match upstream.recv(&mut buf).await {
            Ok(len) => {
                if control.pass() {
                    let _ = front.send_to(&buf[..len], client).await;
                }
            }
            // The server's port may be closed for a while (ICMP port unreachable); keep going.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    async fn echo_server() -> (SocketAddr, tokio::task::JoinHandle<()>) {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = socket.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while let Ok((len, from)) = socket.recv_from(&mut buf).await {
                let _ = socket.send_to(&buf[..len], from).await;
            }
        });
        (addr, task)
    }

    async fn round_trip(client: &UdpSocket, payload: &[u8]) -> bool {
        client.send(payload).await.unwrap();
        let mut buf = [0u8; 2048];
        matches!(
            tokio::time::timeout(Duration::from_millis(200), client.recv(&mut buf)).await,
            Ok(Ok(len)) if &buf[..len] == payload
        )
    }

    #[tokio::test]
    async fn forwards_cuts_and_restores() {
        let (server, _echo) = echo_server().await;
        let relay = UdpRelay::start(server).await.unwrap();
        let client = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        client.connect(relay.local_addr()).await.unwrap();

        assert!(round_trip(&client, b"one").await);
        relay.cut();
        assert!(!round_trip(&client, b"two").await);
        relay.restore();
        assert!(round_trip(&client, b"three").await);
        relay.cut_for(Duration::from_millis(300));
        assert!(!round_trip(&client, b"four").await);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(round_trip(&client, b"five").await);
        let stats = relay.stats();
        assert_eq!(stats.forwarded, 6, "{stats:?}");
        assert_eq!(stats.dropped, 2, "{stats:?}");
    }

    #[test]
    fn loss_fraction_is_roughly_respected() {
        let control = Control::new(&RelayConfig { loss: 0.1, seed: 42 });
        let passed = (0..100_000).filter(|_| control.pass()).count();
        assert!((88_000..92_000).contains(&passed), "{passed}");
        control.set_loss(1.0);
        assert!((0..1000).all(|_| !control.pass()));
        control.set_loss(f64::NAN);
        assert!((0..1000).all(|_| control.pass()));
    }
}
