//! Real-socket tests of the transport on loopback: pinned keys, refusals, frame limits, and
//! faults injected through a lossy UDP relay.

#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::{Duration, Instant};

use amer_sync::error::{AcceptError, ConnectError, FrameError, LinkError};
use amer_sync::transport::relay::{RelayConfig, UdpRelay};
use amer_sync::transport::{
    read_frame, write_frame, AllowList, CloseCode, PeerConnection, PeerRole, Transport, TransportSettings,
    MAX_FRAME_LEN,
};
use amer_sync::{NodeId, NodeIdentity};
use tokio::sync::mpsc;

/// Frames the echo server accepts.
const ECHO_MAX: usize = 1024 * 1024;

fn loopback() -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
}

/// Short timeouts so that fault tests finish quickly.
fn fast_settings() -> TransportSettings {
    TransportSettings { keep_alive: Duration::from_millis(300), idle_timeout: Duration::from_secs(2) }
}

async fn within<T>(seconds: u64, test: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(seconds), test).await.expect("test took too long")
}

struct Node {
    identity: NodeIdentity,
    policy: Arc<AllowList>,
    transport: Transport,
}

impl Node {
    fn new() -> Self {
        Self::with_settings(TransportSettings::default())
    }

    fn with_settings(settings: TransportSettings) -> Self {
        let identity = NodeIdentity::generate().unwrap();
        let policy = Arc::new(AllowList::new());
        let transport = Transport::bind_with(loopback(), &identity, policy.clone(), settings).unwrap();
        Self { identity, policy, transport }
    }

    fn id(&self) -> NodeId {
        self.identity.node_id()
    }

    fn addr(&self) -> SocketAddr {
        self.transport.local_addr().unwrap()
    }

    fn trust(&self, other: &Node) {
        self.policy.insert(other.id());
    }
}

/// Two nodes that pin each other's keys.
fn pinned_pair() -> (Node, Node) {
    let (a, b) = (Node::new(), Node::new());
    a.trust(&b);
    b.trust(&a);
    (a, b)
}

/// Serves `node`: every incoming connection's outcome goes to the returned channel, and every
/// bidirectional stream on an established connection is echoed frame by frame.
fn serve_echo(node: &Node) -> mpsc::UnboundedReceiver<Result<PeerConnection, AcceptError>> {
    let (outcomes, receiver) = mpsc::unbounded_channel();
    let transport = node.transport.clone();
    tokio::spawn(async move {
        while let Some(incoming) = transport.accept().await {
            let outcomes = outcomes.clone();
            // One task per handshake and per stream (see TOOLING.md on flow control).
            tokio::spawn(async move {
                let result = incoming.establish().await;
                if let Ok(connection) = &result {
                    let connection = connection.clone();
                    tokio::spawn(async move {
                        while let Ok((mut send, mut recv)) = connection.accept_bi().await {
                            tokio::spawn(async move {
                                while let Ok(Some(frame)) = read_frame(&mut recv, ECHO_MAX).await {
                                    if write_frame(&mut send, &frame).await.is_err() {
                                        return;
                                    }
                                }
                                let _ = send.finish();
                            });
                        }
                    });
                }
                let _ = outcomes.send(result);
            });
        }
    });
    receiver
}

/// Sends `frames` on a new stream and returns what comes back.
async fn echo(connection: &PeerConnection, frames: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, FrameError> {
    let (mut send, mut recv) = connection.open_bi().await?;
    for frame in frames {
        write_frame(&mut send, frame).await?;
    }
    send.finish().map_err(|_| FrameError::StreamClosed)?;
    let mut received = Vec::new();
    while let Some(frame) = read_frame(&mut recv, ECHO_MAX).await? {
        received.push(frame);
    }
    Ok(received)
}

/// The error a client sees on its first exchange after `attempt`: normally connect succeeds
/// and the first stream fails; if the server's refusal overtook the handshake, connect fails.
async fn first_exchange_error(attempt: Result<PeerConnection, ConnectError>, payload: &[u8]) -> FrameError {
    match attempt {
        Ok(connection) => echo(&connection, &[payload.to_vec()]).await.unwrap_err(),
        Err(ConnectError::RefusedByPeer { .. }) => FrameError::Link(LinkError::RefusedByPeer),
        Err(other) => panic!("unexpected connect error: {other}"),
    }
}

fn sample_frames() -> Vec<Vec<u8>> {
    vec![b"hello".to_vec(), Vec::new(), (0..=255u8).cycle().take(200_000).collect()]
}

mod pinned_keys {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn members_exchange_frames_over_a_bidirectional_stream() {
        within(20, async {
            let (server, client) = pinned_pair();
            let mut accepted = serve_echo(&server);

            let connection = client.transport.connect(server.addr(), Some(server.id())).await.unwrap();
            assert_eq!(connection.peer(), server.id());
            assert_eq!(connection.role(), PeerRole::Member);

            let frames = sample_frames();
            assert_eq!(echo(&connection, &frames).await.unwrap(), frames);

            let on_server = accepted.recv().await.unwrap().unwrap();
            assert_eq!(on_server.peer(), client.id());
            assert_eq!(on_server.role(), PeerRole::Member);

            // Without an expected id, any member will do.
            let again = client.transport.connect(server.addr(), None).await.unwrap();
            assert_eq!(echo(&again, &frames[..1]).await.unwrap(), &frames[..1]);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_is_not_a_member_is_refused_on_its_first_stream() {
        within(20, async {
            let server = Node::new();
            let stranger = Node::new();
            stranger.trust(&server); // the stranger trusts the server, not the other way round
            let mut accepted = serve_echo(&server);

            // TLS 1.3: the client's handshake completes before the server has judged it, so
            // connect succeeds and the refusal shows on the first stream.
            let connection = stranger.transport.connect(server.addr(), Some(server.id())).await.unwrap();
            let refusal = echo(&connection, &[b"let me in".to_vec()]).await.unwrap_err();
            assert!(matches!(refusal, FrameError::Link(LinkError::RefusedByPeer)), "{refusal:?}");
            assert!(refusal.to_string().contains("not count this PC as a member"));

            let outcome = accepted.recv().await.unwrap();
            assert!(matches!(outcome, Err(AcceptError::NotAMember { .. })), "{outcome:?}");
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_server_with_an_unexpected_key_is_refused_at_connect() {
        within(20, async {
            let (server, client) = pinned_pair();
            let _accepted = serve_echo(&server);
            let someone_else = NodeIdentity::generate().unwrap().node_id();

            let err = client.transport.connect(server.addr(), Some(someone_else)).await.unwrap_err();
            match &err {
                ConnectError::UnexpectedPeer { expected, presented, .. } => {
                    assert_eq!(*expected, someone_else);
                    assert_eq!(*presented, server.id());
                }
                other => panic!("unexpected error: {other}"),
            }

            // A server the client's policy does not list is refused too.
            client.policy.remove(&server.id());
            let err = client.transport.connect(server.addr(), None).await.unwrap_err();
            assert!(
                matches!(err, ConnectError::NotAMember { presented, .. } if presented == server.id()),
                "{err}"
            );
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn removing_a_member_refuses_its_next_connection() {
        within(20, async {
            let (server, client) = pinned_pair();
            let mut accepted = serve_echo(&server);

            let first = client.transport.connect(server.addr(), Some(server.id())).await.unwrap();
            assert_eq!(echo(&first, &[b"before".to_vec()]).await.unwrap().len(), 1);
            let first_on_server = accepted.recv().await.unwrap().unwrap();

            server.policy.remove(&client.id());

            let attempt = client.transport.connect(server.addr(), Some(server.id())).await;
            let refusal = first_exchange_error(attempt, b"after").await;
            assert!(matches!(refusal, FrameError::Link(LinkError::RefusedByPeer)), "{refusal:?}");
            assert!(matches!(accepted.recv().await.unwrap(), Err(AcceptError::NotAMember { .. })));

            // Closing the established connections of a removed member is the node's job; the
            // close code tells the peer why.
            first_on_server.close(CloseCode::NotAMember, "removed from the office");
            assert_eq!(first.closed().await, LinkError::RefusedByPeer);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_joiner_is_admitted_only_while_an_invitation_is_open() {
        within(20, async {
            let inviter = Node::new();
            let joiner = Node::new(); // knows no one; has the inviter's id from the invite code
            let mut accepted = serve_echo(&inviter);

            inviter.policy.open_join_window(Instant::now() + Duration::from_secs(60));
            let connection = joiner.transport.connect_to_inviter(inviter.addr(), inviter.id()).await.unwrap();
            assert_eq!(connection.peer(), inviter.id());
            assert_eq!(echo(&connection, &[b"invite code".to_vec()]).await.unwrap().len(), 1);
            let on_inviter = accepted.recv().await.unwrap().unwrap();
            assert_eq!(on_inviter.peer(), joiner.id());
            assert_eq!(on_inviter.role(), PeerRole::Joiner);

            // Joining pins the inviter exactly: another server is refused.
            let impostor = Node::new();
            let _impostor_accepts = serve_echo(&impostor);
            impostor.policy.open_join_window(Instant::now() + Duration::from_secs(60));
            let err = joiner.transport.connect_to_inviter(impostor.addr(), inviter.id()).await.unwrap_err();
            assert!(matches!(err, ConnectError::UnexpectedPeer { .. }), "{err}");

            // Once the invitation is closed, unknown keys are refused again.
            inviter.policy.close_join_window();
            let attempt = joiner.transport.connect_to_inviter(inviter.addr(), inviter.id()).await;
            let refusal = first_exchange_error(attempt, b"again").await;
            assert!(matches!(refusal, FrameError::Link(LinkError::RefusedByPeer)), "{refusal:?}");
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closing_a_transport_says_goodbye_and_stops_accepting() {
        within(20, async {
            let (server, client) = pinned_pair();
            let mut accepted = serve_echo(&server);
            let connection = client.transport.connect(server.addr(), Some(server.id())).await.unwrap();
            assert_eq!(echo(&connection, &[b"hi".to_vec()]).await.unwrap().len(), 1);
            assert!(accepted.recv().await.unwrap().is_ok());

            server.transport.close().await;
            let reason = connection.closed().await;
            assert_eq!(
                reason,
                LinkError::ClosedByPeer {
                    code: u64::from(CloseCode::ShuttingDown.code()),
                    reason: "node shutting down".to_owned(),
                }
            );
            assert!(server.transport.accept().await.is_none());
            assert!(matches!(
                server.transport.connect(client.addr(), None).await,
                Err(ConnectError::EndpointClosed)
            ));
        })
        .await;
    }
}

mod frames {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn frames_over_the_limit_are_refused() {
        within(20, async {
            let (server, client) = pinned_pair();
            let (verdicts, mut verdict) = mpsc::unbounded_channel();
            let transport = server.transport.clone();
            tokio::spawn(async move {
                let connection = transport.accept().await.unwrap().establish().await.unwrap();
                let (_send, mut recv) = connection.accept_bi().await.unwrap();
                let first = read_frame(&mut recv, 1024).await;
                let second = read_frame(&mut recv, 1024).await;
                let _ = verdicts.send((first, second));
                // Keep the connection open until the client has seen the verdict.
                connection.closed().await;
            });

            let connection = client.transport.connect(server.addr(), Some(server.id())).await.unwrap();
            let (mut send, _recv) = connection.open_bi().await.unwrap();
            write_frame(&mut send, &[1; 1024]).await.unwrap();
            write_frame(&mut send, &[2; 2000]).await.unwrap();

            let (first, second) = verdict.recv().await.unwrap();
            assert_eq!(first.unwrap().unwrap(), vec![1; 1024]);
            let err = second.unwrap_err();
            assert!(matches!(err, FrameError::Oversized { len: 2000, max: 1024 }), "{err:?}");
            assert!(err.to_string().contains("2000 bytes"), "{err}");

            // Nothing above the hard limit is ever sent.
            let too_big = vec![0u8; MAX_FRAME_LEN + 1];
            let err = write_frame(&mut send, &too_big).await.unwrap_err();
            assert!(matches!(err, FrameError::Oversized { max: MAX_FRAME_LEN, .. }), "{err:?}");
            connection.close(CloseCode::Done, "done");
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stream_ending_mid_frame_is_truncated_and_a_clean_end_is_none() {
        within(20, async {
            let (server, client) = pinned_pair();
            let (verdicts, mut verdict) = mpsc::unbounded_channel();
            let transport = server.transport.clone();
            tokio::spawn(async move {
                let connection = transport.accept().await.unwrap().establish().await.unwrap();
                for _ in 0..2 {
                    let (_send, mut recv) = connection.accept_bi().await.unwrap();
                    let mut results = Vec::new();
                    loop {
                        let result = read_frame(&mut recv, 1024).await;
                        let done = !matches!(result, Ok(Some(_)));
                        results.push(result);
                        if done {
                            break;
                        }
                    }
                    let _ = verdicts.send(results);
                }
                connection.closed().await;
            });

            let connection = client.transport.connect(server.addr(), Some(server.id())).await.unwrap();

            // A whole frame, then a clean end.
            let (mut send, _recv) = connection.open_bi().await.unwrap();
            write_frame(&mut send, b"whole").await.unwrap();
            send.finish().unwrap();
            let results = verdict.recv().await.unwrap();
            assert_eq!(results.len(), 2);
            assert_eq!(results[0].as_ref().unwrap().as_deref(), Some(&b"whole"[..]));
            assert!(matches!(results[1], Ok(None)));

            // A header announcing 10 bytes, 3 of them, then the end.
            let (mut send, _recv) = connection.open_bi().await.unwrap();
            send.write_all(&[0, 0, 0, 10, 1, 2, 3]).await.unwrap();
            send.finish().unwrap();
            let results = verdict.recv().await.unwrap();
            assert!(
                matches!(results[..], [Err(FrameError::Truncated { expected: 14, received: 7 })]),
                "{results:?}"
            );
            connection.close(CloseCode::Done, "done");
        })
        .await;
    }
}

mod faults {
    use super::*;

    fn fast_pinned_pair() -> (Node, Node) {
        let (a, b) = (Node::with_settings(fast_settings()), Node::with_settings(fast_settings()));
        a.trust(&b);
        b.trust(&a);
        (a, b)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn frames_cross_a_relay_that_loses_ten_percent_of_packets() {
        within(60, async {
            let (server, client) = fast_pinned_pair();
            let _accepted = serve_echo(&server);
            let relay =
                UdpRelay::start_with(server.addr(), RelayConfig { loss: 0.1, seed: 7 }).await.unwrap();

            let connection = client.transport.connect(relay.local_addr(), Some(server.id())).await.unwrap();
            let frames: Vec<Vec<u8>> = (0..8u8)
                .map(|i| (0..=255u8).cycle().skip(usize::from(i)).take(128 * 1024).collect())
                .collect();
            assert_eq!(echo(&connection, &frames).await.unwrap(), frames);

            let stats = relay.stats();
            assert!(stats.dropped > 0, "{stats:?}");
            let lost = stats.dropped as f64 / (stats.dropped + stats.forwarded) as f64;
            assert!((0.05..0.2).contains(&lost), "{stats:?}");
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_short_cut_is_bridged_by_retransmission() {
        within(30, async {
            let (server, client) = fast_pinned_pair();
            let _accepted = serve_echo(&server);
            let relay = UdpRelay::start(server.addr()).await.unwrap();
            let connection = client.transport.connect(relay.local_addr(), Some(server.id())).await.unwrap();
            assert_eq!(echo(&connection, &[b"before".to_vec()]).await.unwrap().len(), 1);

            // Shorter than the idle timeout (2 s): the connection survives.
            relay.cut_for(Duration::from_millis(800));
            let frames = vec![b"during".to_vec()];
            assert_eq!(echo(&connection, &frames).await.unwrap(), frames);
            assert!(connection.close_reason().is_none());
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cut_link_times_out_and_a_new_connection_succeeds_once_restored() {
        within(60, async {
            let (server, client) = fast_pinned_pair();
            let _accepted = serve_echo(&server);
            let relay = UdpRelay::start(server.addr()).await.unwrap();
            let connection = client.transport.connect(relay.local_addr(), Some(server.id())).await.unwrap();
            assert_eq!(echo(&connection, &[b"before".to_vec()]).await.unwrap().len(), 1);

            relay.cut();
            let started = Instant::now();
            let err = echo(&connection, &[b"into the void".to_vec()]).await.unwrap_err();
            assert!(matches!(err, FrameError::Link(LinkError::TimedOut)), "{err:?}");
            assert!(started.elapsed() < Duration::from_secs(10));

            // While the link is down, new connections time out as well.
            let err = client.transport.connect(relay.local_addr(), Some(server.id())).await.unwrap_err();
            assert!(matches!(err, ConnectError::TimedOut { .. }), "{err}");

            relay.restore();
            let connection = client.transport.connect(relay.local_addr(), Some(server.id())).await.unwrap();
            let frames = sample_frames();
            assert_eq!(echo(&connection, &frames).await.unwrap(), frames);
        })
        .await;
    }
}
