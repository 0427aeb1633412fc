//! Loader responses (chip → host): header, value word, payload and status bytes.
//!
//! The status length is *passed in* (2 on the ESP8266, ROM and stub alike), never guessed from
//! the packet length. Status decoding (`docs/serial.md` §P3): `status[0] == 0` ok;
//! `status[0] == 1` ROM error `status[1]`; `status[0] >= 0xC0` stub error `status[0]`.

use crate::serial::protocol as c;
use std::fmt;

/// A decoded response frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Opcode being answered.
    pub op: u8,
    /// The value word (READ_REG result, SYNC magic).
    pub value: u32,
    /// Payload before the status bytes.
    pub data: Vec<u8>,
    /// The status bytes.
    pub status: Vec<u8>,
}

/// What the status bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Ok,
    /// ROM failure with its error code.
    Rom(u8),
    /// Stub failure with its error code.
    Stub(u8),
    /// Anything else (raw bytes).
    Other(u8, u8),
}

impl Status {
    /// Decode two status bytes.
    pub fn decode(s0: u8, s1: u8) -> Status {
        match s0 {
            0 => Status::Ok,
            c::STATUS_ROM_FAIL => Status::Rom(s1),
            x if x >= 0xC0 => Status::Stub(x),
            _ => Status::Other(s0, s1),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Ok => f.write_str("ok"),
            Status::Rom(code) => write!(f, "ROM error 0x{code:02x} ({})", rom_error_text(*code)),
            Status::Stub(code) => write!(f, "stub error 0x{code:02x} ({})", stub_error_text(*code)),
            Status::Other(a, b) => write!(f, "unknown status {a:02x} {b:02x}"),
        }
    }
}

/// Meaning of a ROM error code.
pub fn rom_error_text(code: u8) -> &'static str {
    match code {
        0x00 => "undefined error",
        0x01 => "invalid input parameter",
        0x02 => "malloc failed",
        0x03 => "send failed",
        0x04 => "receive failed",
        0x05 => "malformed message or unsupported command",
        0x06 => "result wrong",
        0x07 => "checksum error",
        0x08 => "flash write error",
        0x09 => "flash read error",
        0x0A => "flash read length error",
        0x0E => "invalid RAM binary size",
        0x0F => "invalid RAM binary address",
        _ => "unknown ROM error",
    }
}

/// Meaning of a stub error code.
pub fn stub_error_text(code: u8) -> &'static str {
    match code {
        0xC0 => "bad data length",
        0xC1 => "bad data checksum",
        0xC2 => "bad block size",
        0xC3 => "invalid command",
        0xC4 => "SPI operation failed",
        0xC5 => "SPI unlock failed",
        0xC6 => "not in flash mode",
        0xC7 => "inflate error",
        0xC8 => "not enough data",
        0xC9 => "too much data",
        0xFF => "command not implemented",
        _ => "unknown stub error",
    }
}

impl Response {
    /// Decode a frame as a response. `None` when it is not one (too short, wrong direction,
    /// length field inconsistent, fewer bytes than `data_len + status_len`).
    pub fn decode(frame: &[u8], data_len: usize, status_len: usize) -> Option<Response> {
        let header = frame.get(..c::HEADER_LEN)?;
        if header[0] != c::DIR_RESPONSE {
            return None;
        }
        let op = header[1];
        let size = usize::from(u16::from_le_bytes([header[2], header[3]]));
        let value = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let body = frame.get(c::HEADER_LEN..)?;
        if body.len() < size {
            return None;
        }
        let body = &body[..size];
        let need = data_len.checked_add(status_len)?;
        if body.len() < need {
            // A short error reply (status only) to a command that expects data.
            if body.len() >= status_len && status_len > 0 {
                let st = &body[body.len() - status_len..];
                if st[0] != 0 {
                    return Some(Response {
                        op,
                        value,
                        data: Vec::new(),
                        status: st.to_vec(),
                    });
                }
            }
            return None;
        }
        Some(Response {
            op,
            value,
            data: body[..data_len].to_vec(),
            status: body[data_len..need].to_vec(),
        })
    }

    /// The decoded status (ok when there are fewer than 2 status bytes).
    pub fn status(&self) -> Status {
        match (self.status.first(), self.status.get(1)) {
            (Some(&a), Some(&b)) => Status::decode(a, b),
            (Some(&a), None) => Status::decode(a, 0),
            _ => Status::Ok,
        }
    }
}

/// Encode a response packet (used by the simulator).
pub fn encode_response(op: u8, value: u32, data: &[u8], status: [u8; 2]) -> Vec<u8> {
    let len = u16::try_from(data.len() + 2).unwrap_or(u16::MAX);
    let mut v = Vec::with_capacity(c::HEADER_LEN + data.len() + 2);
    v.push(c::DIR_RESPONSE);
    v.push(op);
    v.extend_from_slice(&len.to_le_bytes());
    v.extend_from_slice(&value.to_le_bytes());
    v.extend_from_slice(data);
    v.extend_from_slice(&status);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_rom_sync_reply() {
        let f = [0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00];
        let r = Response::decode(&f, 0, 2).expect("response");
        assert_eq!(r.op, 0x08);
        assert_eq!(r.value, 0x2012_0707);
        assert_eq!(r.status(), Status::Ok);
    }

    #[test]
    fn decodes_read_reg_magic() {
        let f = [0x01, 0x0a, 0x02, 0x00, 0x01, 0xc1, 0xf0, 0xff, 0x00, 0x00];
        let r = Response::decode(&f, 0, 2).expect("response");
        assert_eq!(r.value, 0xFFF0_C101);
    }

    #[test]
    fn status_codes() {
        assert_eq!(Status::decode(1, 5), Status::Rom(5));
        assert_eq!(Status::decode(0xC1, 0), Status::Stub(0xC1));
        assert_eq!(Status::decode(0, 0), Status::Ok);
        assert_eq!(Status::decode(2, 3), Status::Other(2, 3));
        assert_eq!(
            Status::Rom(7).to_string(),
            "ROM error 0x07 (checksum error)"
        );
    }

    #[test]
    fn md5_reply_and_short_error() {
        let mut f = encode_response(0x13, 0, &[0xAB; 16], [0, 0]);
        let r = Response::decode(&f, 16, 2).expect("md5");
        assert_eq!(r.data, vec![0xAB; 16]);
        f = encode_response(0x13, 0, &[], [0xC4, 0]);
        let r = Response::decode(&f, 16, 2).expect("error reply");
        assert_eq!(r.status(), Status::Stub(0xC4));
        // Short success reply to a command expecting data: not a valid response.
        f = encode_response(0x13, 0, &[], [0, 0]);
        assert_eq!(Response::decode(&f, 16, 2), None);
    }

    #[test]
    fn rejects_requests_and_short_frames() {
        assert_eq!(
            Response::decode(&[0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0], 0, 2),
            None
        );
        assert_eq!(Response::decode(&[0x01, 0x08, 0, 0], 0, 2), None);
        assert_eq!(
            Response::decode(&[0x01, 0x08, 9, 0, 0, 0, 0, 0, 0, 0], 0, 2),
            None
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn arbitrary_frames_never_panic(f in proptest::collection::vec(any::<u8>(), 0..64),
                                        dl in 0usize..40, sl in 0usize..5) {
            let _ = Response::decode(&f, dl, sl);
        }

        #[test]
        fn encode_decode_roundtrip(op: u8, value: u32, data in proptest::collection::vec(any::<u8>(), 0..32), s0: u8) {
            let f = encode_response(op, value, &data, [s0, 0]);
            let r = Response::decode(&f, data.len(), 2).expect("roundtrip");
            prop_assert_eq!(r.op, op);
            prop_assert_eq!(r.value, value);
            prop_assert_eq!(r.data, data);
            prop_assert_eq!(r.status, vec![s0, 0]);
        }
    }
}
