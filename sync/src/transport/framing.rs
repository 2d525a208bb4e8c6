//! Length-delimited frames: a 4-byte big-endian payload length, then the payload. Async
//! helpers for quinn streams, and a sans-I/O [`FrameDecoder`] for tests and fuzzing.
//!
//! Memory is bounded by what actually arrives, not by what a peer announces: a header
//! claiming 16 MiB followed by nothing costs a few bytes, and a header above the limit is
//! refused before any payload is read.

use quinn::{ReadError, RecvStream, SendStream, WriteError};

use crate::error::FrameError;

/// Bytes in a frame header (the big-endian `u32` payload length).
pub const FRAME_HEADER_LEN: usize = 4;

/// The largest payload ever sent or accepted (16 MiB); readers may set a lower limit.
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// How much a reader reserves before payload bytes arrive.
const INITIAL_RESERVE: usize = 64 * 1024;

/// Sends one frame. Refuses payloads above [`MAX_FRAME_LEN`] before sending anything.
pub async fn write_frame(send: &mut SendStream, payload: &[u8]) -> Result<(), FrameError> {
    let header = frame_header(payload.len())?;
    send.write_all(&header).await.map_err(write_error)?;
    send.write_all(payload).await.map_err(write_error)?;
    Ok(())
}

/// Receives one frame of at most `max_len` bytes (and never more than [`MAX_FRAME_LEN`]).
///
/// Returns `Ok(None)` when the stream ends cleanly between frames;
/// [`FrameError::Truncated`] when it ends inside one; [`FrameError::Oversized`] as soon as a
/// header announces more than the limit (the stream is then unusable: close it, or the
/// connection).
pub async fn read_frame(recv: &mut RecvStream, max_len: usize) -> Result<Option<Vec<u8>>, FrameError> {
    let mut header = [0u8; FRAME_HEADER_LEN];
    let mut filled = 0;
    while filled < FRAME_HEADER_LEN {
        match recv.read(&mut header[filled..]).await.map_err(read_error)? {
            Some(n) => filled += n,
            None if filled == 0 => return Ok(None),
            None => {
                return Err(FrameError::Truncated {
                    expected: FRAME_HEADER_LEN as u64,
                    received: filled as u64,
                })
            }
        }
    }
    let len = checked_len(header, max_len)?;
    let mut payload = Vec::with_capacity(len.min(INITIAL_RESERVE));
    while payload.len() < len {
        let wanted = len - payload.len();
        match recv.read_chunk(wanted, true).await.map_err(read_error)? {
            Some(chunk) => {
                reserve_within(&mut payload, chunk.bytes.len(), len);
                payload.extend_from_slice(&chunk.bytes);
            }
            None => {
                return Err(FrameError::Truncated {
                    expected: (FRAME_HEADER_LEN + len) as u64,
                    received: (FRAME_HEADER_LEN + payload.len()) as u64,
                })
            }
        }
    }
    Ok(Some(payload))
}

/// Appends one encoded frame (header and payload) to `out`.
pub fn encode_frame(payload: &[u8], out: &mut Vec<u8>) -> Result<(), FrameError> {
    let header = frame_header(payload.len())?;
    out.reserve(FRAME_HEADER_LEN + payload.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
    Ok(())
}

fn frame_header(len: usize) -> Result<[u8; FRAME_HEADER_LEN], FrameError> {
    match u32::try_from(len) {
        Ok(len32) if len <= MAX_FRAME_LEN => Ok(len32.to_be_bytes()),
        _ => Err(FrameError::Oversized { len: len as u64, max: MAX_FRAME_LEN }),
    }
}

/// The payload length of a header, if within the limit.
fn checked_len(header: [u8; FRAME_HEADER_LEN], max_len: usize) -> Result<usize, FrameError> {
    let max = max_len.min(MAX_FRAME_LEN);
    let len = u32::from_be_bytes(header);
    match usize::try_from(len) {
        Ok(len) if len <= max => Ok(len),
        _ => Err(FrameError::Oversized { len: u64::from(len), max }),
    }
}

/// Makes room for `additional` more bytes, doubling as a `Vec` would but never beyond `limit`.
fn reserve_within(buf: &mut Vec<u8>, additional: usize, limit: usize) {
    let needed = buf.len() + additional;
    if needed > buf.capacity() {
        let target = needed.max(buf.capacity().saturating_mul(2)).min(limit);
        buf.reserve_exact(target.max(needed) - buf.len());
    }
}

fn read_error(error: ReadError) -> FrameError {
    match error {
        ReadError::Reset(code) => FrameError::Reset { code: code.into_inner() },
        ReadError::ConnectionLost(e) => FrameError::Link(e.into()),
        ReadError::ClosedStream | ReadError::IllegalOrderedRead | ReadError::ZeroRttRejected => {
            FrameError::StreamClosed
        }
    }
}

fn write_error(error: WriteError) -> FrameError {
    match error {
        WriteError::Stopped(code) => FrameError::Stopped { code: code.into_inner() },
        WriteError::ConnectionLost(e) => FrameError::Link(e.into()),
        WriteError::ClosedStream | WriteError::ZeroRttRejected => FrameError::StreamClosed,
    }
}

/// Sans-I/O frame decoder: push bytes in, pop whole frames out.
///
/// It holds at most one frame at a time, so its memory never exceeds the header plus the
/// limit: [`FrameDecoder::push`] stops consuming once a frame is complete, until that frame is
/// taken with [`FrameDecoder::pop`].
///
/// ```
/// # use amer_sync::transport::{encode_frame, FrameDecoder};
/// let mut wire = Vec::new();
/// encode_frame(b"hello", &mut wire)?;
/// encode_frame(b"world", &mut wire)?;
/// let mut decoder = FrameDecoder::new(1024);
/// let mut input = &wire[..];
/// let mut frames = Vec::new();
/// loop {
///     let used = decoder.push(input)?;
///     input = &input[used..];
///     match decoder.pop() {
///         Some(frame) => frames.push(frame),
///         None => break, // needs more input
///     }
/// }
/// assert_eq!(frames, [b"hello".to_vec(), b"world".to_vec()]);
/// decoder.finish()?; // no partial frame left
/// # Ok::<(), amer_sync::error::FrameError>(())
/// ```
#[derive(Debug)]
pub struct FrameDecoder {
    max_len: usize,
    state: DecoderState,
}

#[derive(Debug)]
enum DecoderState {
    Header {
        bytes: [u8; FRAME_HEADER_LEN],
        filled: usize,
    },
    Body {
        len: usize,
        payload: Vec<u8>,
    },
    Ready(Vec<u8>),
    /// An oversized header was seen; the stream cannot be resynchronised.
    Failed {
        len: u64,
        max: usize,
    },
}

impl DecoderState {
    const EMPTY: Self = Self::Header { bytes: [0; FRAME_HEADER_LEN], filled: 0 };
}

impl FrameDecoder {
    /// A decoder accepting payloads up to `max_len` bytes (capped at [`MAX_FRAME_LEN`]).
    pub fn new(max_len: usize) -> Self {
        Self { max_len: max_len.min(MAX_FRAME_LEN), state: DecoderState::EMPTY }
    }

    /// The payload limit in force.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Consumes bytes from `input` until a frame is complete or `input` is used up, and returns
    /// how many were consumed (0 while a completed frame waits to be popped).
    ///
    /// After [`FrameError::Oversized`] the decoder stays failed: every later call returns the
    /// same error.
    pub fn push(&mut self, input: &[u8]) -> Result<usize, FrameError> {
        let mut rest = input;
        loop {
            match &mut self.state {
                DecoderState::Failed { len, max } => {
                    return Err(FrameError::Oversized { len: *len, max: *max })
                }
                DecoderState::Ready(_) => break,
                DecoderState::Header { bytes, filled } => {
                    if rest.is_empty() {
                        break;
                    }
                    let n = (FRAME_HEADER_LEN - *filled).min(rest.len());
                    bytes[*filled..*filled + n].copy_from_slice(&rest[..n]);
                    *filled += n;
                    rest = &rest[n..];
                    if *filled == FRAME_HEADER_LEN {
                        let header = *bytes;
                        self.state = match checked_len(header, self.max_len) {
                            Ok(0) => DecoderState::Ready(Vec::new()),
                            Ok(len) => DecoderState::Body { len, payload: Vec::new() },
                            Err(error) => {
                                if let FrameError::Oversized { len, max } = error {
                                    self.state = DecoderState::Failed { len, max };
                                }
                                return Err(error);
                            }
                        };
                    }
                }
                DecoderState::Body { len, payload } => {
                    if rest.is_empty() {
                        break;
                    }
                    let n = (*len - payload.len()).min(rest.len());
                    reserve_within(payload, n, *len);
                    payload.extend_from_slice(&rest[..n]);
                    rest = &rest[n..];
                    if payload.len() == *len {
                        let done = std::mem::take(payload);
                        self.state = DecoderState::Ready(done);
                    }
                }
            }
        }
        Ok(input.len() - rest.len())
    }

    /// Takes the completed frame, if any.
    pub fn pop(&mut self) -> Option<Vec<u8>> {
        match std::mem::replace(&mut self.state, DecoderState::EMPTY) {
            DecoderState::Ready(frame) => Some(frame),
            other => {
                self.state = other;
                None
            }
        }
    }

    /// Checks that the input ended on a frame boundary: [`FrameError::Truncated`] if a frame
    /// was only partly received, [`FrameError::Oversized`] if the decoder failed.
    pub fn finish(&self) -> Result<(), FrameError> {
        match &self.state {
            DecoderState::Header { filled: 0, .. } | DecoderState::Ready(_) => Ok(()),
            DecoderState::Header { filled, .. } => {
                Err(FrameError::Truncated { expected: FRAME_HEADER_LEN as u64, received: *filled as u64 })
            }
            DecoderState::Body { len, payload } => Err(FrameError::Truncated {
                expected: (FRAME_HEADER_LEN + len) as u64,
                received: (FRAME_HEADER_LEN + payload.len()) as u64,
            }),
            DecoderState::Failed { len, max } => Err(FrameError::Oversized { len: *len, max: *max }),
        }
    }

    /// Bytes of memory the decoder holds for a frame in progress (for tests of its bound).
    pub fn buffered_capacity(&self) -> usize {
        match &self.state {
            DecoderState::Body { payload, .. } | DecoderState::Ready(payload) => payload.capacity(),
            DecoderState::Header { .. } | DecoderState::Failed { .. } => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    /// Feeds `input` in pieces of the given sizes (cycled), collecting frames until an error.
    fn decode_in_pieces(
        decoder: &mut FrameDecoder,
        input: &[u8],
        pieces: &[usize],
    ) -> Result<Vec<Vec<u8>>, FrameError> {
        let mut frames = Vec::new();
        let mut offset = 0;
        let mut piece = 0;
        while offset < input.len() {
            let size = pieces.get(piece % pieces.len().max(1)).copied().unwrap_or(1);
            piece += 1;
            let end = (offset + size.max(1)).min(input.len());
            let mut chunk = &input[offset..end];
            offset = end;
            loop {
                let used = decoder.push(chunk)?;
                chunk = &chunk[used..];
                assert!(decoder.buffered_capacity() <= decoder.max_len());
                match decoder.pop() {
                    Some(frame) => frames.push(frame),
                    None => {
                        assert!(chunk.is_empty(), "a decoder without a frame consumes all");
                        break;
                    }
                }
            }
        }
        Ok(frames)
    }

    #[test]
    fn empty_and_small_frames() {
        let mut wire = Vec::new();
        encode_frame(b"", &mut wire).unwrap();
        encode_frame(b"a", &mut wire).unwrap();
        assert_eq!(wire, [0, 0, 0, 0, 0, 0, 0, 1, b'a']);
        let mut decoder = FrameDecoder::new(16);
        let frames = decode_in_pieces(&mut decoder, &wire, &[1]).unwrap();
        assert_eq!(frames, vec![Vec::new(), b"a".to_vec()]);
        decoder.finish().unwrap();
    }

    #[test]
    fn oversized_header_is_refused_before_the_payload_and_stays_refused() {
        let mut decoder = FrameDecoder::new(10);
        let err = decoder.push(&[0, 0, 0, 11]).unwrap_err();
        assert!(matches!(err, FrameError::Oversized { len: 11, max: 10 }));
        assert!(err.to_string().contains("11 bytes"), "{err}");
        assert!(matches!(decoder.push(&[1, 2, 3]), Err(FrameError::Oversized { len: 11, .. })));
        assert_eq!(decoder.buffered_capacity(), 0);
    }

    #[test]
    fn a_huge_announcement_costs_nothing_up_front() {
        let mut decoder = FrameDecoder::new(MAX_FRAME_LEN);
        let header = (MAX_FRAME_LEN as u32).to_be_bytes();
        assert_eq!(decoder.push(&header).unwrap(), 4);
        assert_eq!(decoder.buffered_capacity(), 0);
        decoder.push(&[7; 100]).unwrap();
        assert!(decoder.buffered_capacity() < 1024);
        assert!(matches!(decoder.finish(), Err(FrameError::Truncated { received: 104, .. })));
    }

    #[test]
    fn truncated_header_is_reported() {
        let mut decoder = FrameDecoder::new(10);
        decoder.push(&[0, 0]).unwrap();
        assert!(matches!(decoder.finish(), Err(FrameError::Truncated { expected: 4, received: 2 })));
    }

    #[test]
    fn encoder_refuses_payloads_over_the_hard_limit() {
        let payload = vec![0u8; MAX_FRAME_LEN + 1];
        let mut out = Vec::new();
        assert!(matches!(
            encode_frame(&payload, &mut out),
            Err(FrameError::Oversized { len, max: MAX_FRAME_LEN }) if len == (MAX_FRAME_LEN + 1) as u64
        ));
        assert!(out.is_empty());
    }

    proptest! {
        /// Arbitrary bytes in arbitrary pieces: the decoder never panics, never yields a frame
        /// over its limit, and never holds more than the limit.
        #[test]
        fn decoder_survives_arbitrary_input(
            input in proptest::collection::vec(any::<u8>(), 0..4096),
            pieces in proptest::collection::vec(1usize..64, 1..8),
            max_len in 0usize..2048,
        ) {
            let mut decoder = FrameDecoder::new(max_len);
            if let Ok(frames) = decode_in_pieces(&mut decoder, &input, &pieces) {
                for frame in frames {
                    prop_assert!(frame.len() <= max_len);
                }
            }
            prop_assert!(decoder.buffered_capacity() <= max_len);
            let _ = decoder.finish();
        }

        /// Encoded frames come back unchanged whatever the piece sizes.
        #[test]
        fn frames_round_trip(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..512), 0..16),
            pieces in proptest::collection::vec(1usize..100, 1..8),
        ) {
            let mut wire = Vec::new();
            for payload in &payloads {
                encode_frame(payload, &mut wire).unwrap();
            }
            let mut decoder = FrameDecoder::new(512);
            let frames = decode_in_pieces(&mut decoder, &wire, &pieces).unwrap();
            prop_assert_eq!(frames, payloads);
            prop_assert!(decoder.finish().is_ok());
        }

        /// Headers announcing more than the limit are always refused, wherever they fall.
        #[test]
        fn oversized_frames_are_always_refused(
            prefix in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..4),
            len in 65u32..,
        ) {
            let mut wire = Vec::new();
            for payload in &prefix {
                encode_frame(payload, &mut wire).unwrap();
            }
            wire.extend_from_slice(&len.to_be_bytes());
            let mut decoder = FrameDecoder::new(64);
            let result = decode_in_pieces(&mut decoder, &wire, &[3]);
            let is_oversized = matches!(result, Err(FrameError::Oversized { len: l, max: 64 }) if l == u64::from(len));
            prop_assert!(is_oversized);
        }
    }
}
