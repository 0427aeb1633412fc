//! SLIP framing (RFC 1055 as used by the Espressif serial loader): every packet is wrapped in
//! `0xC0 … 0xC0`, with `0xC0` sent as `0xDB 0xDC` and `0xDB` as `0xDB 0xDD`.
//!
//! The decoder is a streaming state machine: bytes outside a frame (boot banner, application
//! output) are counted as noise and skipped; an invalid escape drops the frame and is counted.
//! Reference: `docs/serial.md` §P1.

use crate::serial::protocol::{SLIP_END, SLIP_ESC, SLIP_ESC_END, SLIP_ESC_ESC};

/// Longest frame the decoder accepts (a 16 KiB data block plus headers, with room to spare).
pub const MAX_FRAME: usize = 0x4000 + 0x400;

/// Encode one packet as a SLIP frame (delimiters included).
pub fn encode(packet: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(packet.len() + 2 + packet.len() / 64);
    encode_into(packet, &mut out);
    out
}

/// Append the SLIP frame of `packet` to `out`.
pub fn encode_into(packet: &[u8], out: &mut Vec<u8>) {
    out.push(SLIP_END);
    for &b in packet {
        match b {
            SLIP_END => out.extend_from_slice(&[SLIP_ESC, SLIP_ESC_END]),
            SLIP_ESC => out.extend_from_slice(&[SLIP_ESC, SLIP_ESC_ESC]),
            _ => out.push(b),
        }
    }
    out.push(SLIP_END);
}

/// Streaming SLIP decoder.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    in_frame: bool,
    escape: bool,
    broken: bool,
    buf: Vec<u8>,
    /// Bytes seen outside any frame.
    pub noise: u64,
    /// Frames dropped for an invalid escape or excessive length.
    pub bad_frames: u64,
}

impl Decoder {
    /// A fresh decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forget any partial frame (after a flush of the input).
    pub fn reset(&mut self) {
        self.in_frame = false;
        self.escape = false;
        self.broken = false;
        self.buf.clear();
    }

    /// True while a frame has been opened but not closed.
    pub fn in_frame(&self) -> bool {
        self.in_frame
    }

    /// Feed one byte; returns a complete frame when this byte closes one.
    pub fn push(&mut self, b: u8) -> Option<Vec<u8>> {
        if !self.in_frame {
            if b == SLIP_END {
                self.in_frame = true;
                self.buf.clear();
                self.escape = false;
                self.broken = false;
            } else {
                self.noise = self.noise.saturating_add(1);
            }
            return None;
        }
        if b == SLIP_END {
            if self.buf.is_empty() && !self.broken {
                // `C0 C0`: an empty frame is just two delimiters; stay in frame.
                return None;
            }
            let broken = self.broken || self.escape;
            self.escape = false;
            self.broken = false;
            if broken {
                self.bad_frames = self.bad_frames.saturating_add(1);
                self.buf.clear();
                return None;
            }
            // The closing delimiter may also open the next frame; stay in frame mode.
            return Some(std::mem::take(&mut self.buf));
        }
        if self.broken {
            return None;
        }
        let byte = if self.escape {
            self.escape = false;
            match b {
                SLIP_ESC_END => SLIP_END,
                SLIP_ESC_ESC => SLIP_ESC,
                _ => {
                    self.broken = true;
                    return None;
                }
            }
        } else if b == SLIP_ESC {
            self.escape = true;
            return None;
        } else {
            b
        };
        if self.buf.len() >= MAX_FRAME {
            self.broken = true;
            return None;
        }
        self.buf.push(byte);
        None
    }

    /// Feed many bytes, collecting every completed frame.
    pub fn push_all(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        bytes.iter().filter_map(|&b| self.push(b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_exact_bytes() {
        assert_eq!(
            encode(&[0x01, 0xC0, 0xDB, 0x02]),
            vec![0xC0, 0x01, 0xDB, 0xDC, 0xDB, 0xDD, 0x02, 0xC0]
        );
        assert_eq!(encode(&[]), vec![0xC0, 0xC0]);
    }

    #[test]
    fn decodes_sync_reply_after_noise() {
        let mut d = Decoder::new();
        let mut wire = b"ets Jan  8 2013,rst cause:2".to_vec();
        wire.extend_from_slice(&[
            0xC0, 0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0, 0, 0xC0,
        ]);
        let frames = d.push_all(&wire);
        assert_eq!(
            frames,
            vec![vec![0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0, 0]]
        );
        assert_eq!(d.noise, 27);
    }

    #[test]
    fn invalid_escape_drops_frame_and_recovers() {
        let mut d = Decoder::new();
        let frames = d.push_all(&[0xC0, 0x01, 0xDB, 0x00, 0x02, 0xC0, 0x05, 0xC0]);
        assert_eq!(frames, vec![vec![0x05]]);
        assert_eq!(d.bad_frames, 1);
    }

    #[test]
    fn back_to_back_frames_share_delimiters() {
        let mut d = Decoder::new();
        let frames = d.push_all(&[0xC0, 1, 0xC0, 2, 0xC0, 0xC0, 3, 0xC0]);
        assert_eq!(frames, vec![vec![1], vec![2], vec![3]]);
    }

    #[test]
    fn overlong_frame_is_dropped() {
        let mut d = Decoder::new();
        let mut wire = vec![0xC0];
        wire.resize(MAX_FRAME + 2, 0x11);
        wire.push(0xC0);
        wire.extend_from_slice(&[7, 0xC0]);
        assert_eq!(d.push_all(&wire), vec![vec![7]]);
        assert_eq!(d.bad_frames, 1);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn decode_encode_is_identity(p in proptest::collection::vec(any::<u8>(), 1..600)) {
            let mut d = Decoder::new();
            let frames = d.push_all(&encode(&p));
            prop_assert_eq!(frames, vec![p]);
        }

        #[test]
        fn arbitrary_bytes_never_panic(p in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let mut d = Decoder::new();
            for f in d.push_all(&p) {
                prop_assert!(f.len() <= MAX_FRAME);
                prop_assert!(!f.is_empty());
            }
        }
    }
}
