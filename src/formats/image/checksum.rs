//! Image checksums: the XOR of segment data seeded with 0xEF (v1 and the inner image of v2), the
//! CRC32 trailer of v2 images (SDK `gen_appbin.py`), and Arduino's whole-file CRC-32/MPEG-2.

use super::header::ArduinoCrcWords;
use crate::formats::binparse::read_at;
use crate::formats::image::consts as c;
use crate::formats::image::consts::XOR_CHECKSUM_SEED;
use serde::Serialize;

/// Stored vs computed checksum (XOR of segment data seeded with 0xEF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Checksum {
    /// The byte in the image.
    pub stored: u8,
    /// What the data gives.
    pub computed: u8,
    /// `stored == computed`.
    pub valid: bool,
    /// Offset of the checksum byte in the input.
    #[serde(skip)]
    pub offset: usize,
}

/// A 32-bit CRC check: stored vs computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Crc32Check {
    /// Value in the input.
    pub stored: u32,
    /// Value computed from the data.
    pub computed: u32,
    /// `stored == computed`.
    pub valid: bool,
}

/// The ESP8266 XOR checksum of data, seeded with 0xEF: image segment data (esptool), and the
/// SDK's system-parameter copies ([`crate::formats::sdk::param_checksum`]). Eight bytes at a time: XOR
/// does not care in which lane a byte is folded.
pub fn xor_checksum<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u8 {
    let mut acc64 = 0u64;
    let mut acc8 = XOR_CHECKSUM_SEED;
    for p in parts {
        let mut chunks = p.chunks_exact(8);
        for ch in chunks.by_ref() {
            acc64 ^= u64::from_ne_bytes([ch[0], ch[1], ch[2], ch[3], ch[4], ch[5], ch[6], ch[7]]);
        }
        for b in chunks.remainder() {
            acc8 ^= b;
        }
    }
    acc64.to_ne_bytes().iter().fold(acc8, |a, x| a ^ x)
}

/// The CRC32 trailer transform used by SDK `gen_appbin.py` (Python 2 signed crc32).
pub fn v2_crc_transform(crc: u32) -> u32 {
    if crc & 0x8000_0000 != 0 {
        !crc
    } else {
        crc.wrapping_add(1)
    }
}

/// CRC-32/MPEG-2 (poly 0x04C11DB7, not reflected, init 0xFFFFFFFF, no final XOR) as Arduino's
/// `elf2bin.py` and `ESP.checkFlashCRC()` use it.
pub fn crc32_mpeg2(parts: &[&[u8]]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let t = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut r = (i as u32) << 24;
            for _ in 0..8 {
                r = if r & 0x8000_0000 != 0 {
                    (r << 1) ^ 0x04C1_1DB7
                } else {
                    r << 1
                };
            }
            *e = r;
        }
        t
    });
    let mut crc = 0xFFFF_FFFFu32;
    for p in parts {
        for &b in *p {
            crc = (crc << 8) ^ t[((crc >> 24) as u8 ^ b) as usize];
        }
    }
    crc
}

/// The Arduino whole-file CRC (core ≥ 2.5): `__crc_len` at 0x1010, `__crc_val` at 0x1014, CRC over
/// `[0, len)` of the flash with those two words taken as zero. `None` when the words are not a
/// plausible length (older cores keep other data there).
pub fn arduino_crc(data: &[u8]) -> Option<Crc32Check> {
    let words: ArduinoCrcWords = read_at(data, c::ARDUINO_CRC_LEN_OFFSET)?;
    let (len, stored) = (words.len as usize, words.val);
    if len <= c::ARDUINO_CRC_VAL_OFFSET + 4 || len > data.len() {
        return None;
    }
    let computed = crc32_mpeg2(&[
        &data[..c::ARDUINO_CRC_LEN_OFFSET],
        &[0u8; 8],
        &data[c::ARDUINO_CRC_VAL_OFFSET + 4..len],
    ]);
    Some(Crc32Check {
        stored,
        computed,
        valid: stored == computed,
    })
}
