//! ESP8266 firmware images: the v1 ROM image (magic 0xE9), the v2 OTA image (0xEA) with its optional
//! CRC32 trailer, and the Arduino whole-file CRC.
//!
//! Reference: `docs/structures.md` §2 (esptool `bin_image.py`, SDK `gen_appbin.py`, esptool2).
//! Parsing never fails on a damaged checksum: it records stored and computed values. It fails only
//! when the bytes are not an image at all (bad magic, impossible segment count, truncated data).

//!
//! The parts: [`header`] (on-flash headers, memory map), [`checksum`] (XOR checksum, CRC32
//! trailer, Arduino CRC), [`parse`](mod@parse) (v1 and v2 parsing).

pub mod checksum;
pub mod consts;
pub mod header;
pub mod parse;

pub use checksum::{
    arduino_crc, crc32_mpeg2, v2_crc_transform, xor_checksum, Checksum, Crc32Check,
};
pub use header::{memory_class, ArduinoCrcWords, RawHeader, Segment, SegmentHeader};
pub use parse::parse;

use crate::formats::flash::SECTOR_SIZE;
use crate::formats::image::consts as c;
use serde::Serialize;

/// Extra facts of a v2 (0xEA) image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct V2Info {
    /// Length of the IROM block after the 16-byte outer header.
    pub irom_len: u32,
    /// Offset of the inner v1 header in the input.
    pub inner_offset: usize,
    /// The inner v1 header.
    #[serde(skip)]
    pub inner: RawHeader,
    /// The CRC32 trailer, when the image carries one (SDK gen_appbin, esptool `--version 2`) or
    /// when its layout says it should (then `valid` is false).
    pub crc32: Option<Crc32Check>,
}

/// A parsed firmware image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// Offset of the first header byte in the input.
    pub offset: usize,
    /// 1 for 0xE9, 2 for 0xEA.
    pub image_version: u8,
    /// The first header as stored.
    #[serde(skip)]
    pub header: RawHeader,
    /// Entry point (the inner header's for v2, as esptool reports it).
    pub entry: u32,
    /// Segments in file order (for v2 the IROM block first, with address 0).
    pub segments: Vec<Segment>,
    /// The XOR checksum.
    pub checksum: Checksum,
    /// v2 facts.
    pub v2: Option<V2Info>,
    /// One past the last byte of the image (checksum byte, or CRC trailer when valid).
    pub end: usize,
}

/// Why bytes are not an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Fewer bytes than a header.
    #[error("truncated header at 0x{0:x}")]
    TruncatedHeader(usize),
    /// First byte is not 0xE9/0xEA.
    #[error("invalid magic number 0x{found:02x} at 0x{offset:x}")]
    BadMagic {
        /// Where.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// Zero or more than 16 segments.
    #[error("invalid segment count {count} at 0x{offset:x} (1..16)")]
    BadSegmentCount {
        /// Where.
        offset: usize,
        /// The count found.
        count: u8,
    },
    /// A v2 image whose byte 1 is not 0x04 or whose inner header is missing.
    #[error("invalid v2 image at 0x{offset:x}: {reason}")]
    BadV2 {
        /// Where.
        offset: usize,
        /// Why.
        reason: &'static str,
    },
    /// Segment data runs past the end of the input.
    #[error("segment {index} at 0x{offset:x} needs {len} bytes, only {available} left")]
    TruncatedSegment {
        /// Segment number (0-based).
        index: usize,
        /// Offset of its data.
        offset: usize,
        /// Stored length.
        len: u32,
        /// Bytes available.
        available: usize,
    },
    /// The checksum byte lies past the end of the input.
    #[error("checksum byte at 0x{0:x} is past the end of the input")]
    TruncatedChecksum(usize),
}

impl Image {
    /// The header that carries the flash parameters esptool reports (the inner one for v2).
    pub fn effective_header(&self) -> RawHeader {
        self.v2.as_ref().map(|v| v.inner).unwrap_or(self.header)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.offset
    }

    /// Always false: an image has at least a header.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// True when every segment loads into a known memory area and the entry point is in IRAM
    /// (or unset). Used to tell a real image from a stray 0xE9 byte in code.
    pub fn is_plausible(&self) -> bool {
        let entry_ok = self.entry == 0 || (c::IRAM_START..c::IRAM_END).contains(&self.entry);
        let segs_ok = self.segments.iter().enumerate().all(|(i, s)| {
            (self.image_version == 2 && i == 0) || (memory_class(s.addr).is_some() && s.len > 0)
        });
        let mode_ok =
            self.effective_header().flash_mode <= 3 || self.effective_header().flash_mode == 0xFF;
        entry_ok && segs_ok && mode_ok
    }

    /// The byte range of the image rounded up to whole sectors (how much flash it occupies).
    pub fn sector_end(&self) -> usize {
        self.end.div_ceil(SECTOR_SIZE) * SECTOR_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use binrw::BinWrite;
    use std::io::Cursor;

    /// The worked example of `docs/structures.md` §2 (esptool calls it valid).
    fn worked_example() -> Vec<u8> {
        let mut v = vec![0xE9, 0x02, 0x02, 0x30, 0x04, 0x00, 0x10, 0x40];
        v.extend_from_slice(&0x4010_0000u32.to_le_bytes());
        v.extend_from_slice(&0x40u32.to_le_bytes());
        v.extend((0u8..0x40).collect::<Vec<_>>());
        v.extend_from_slice(&0x3FFE_8000u32.to_le_bytes());
        v.extend_from_slice(&0x0Cu32.to_le_bytes());
        v.extend_from_slice(&[0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 0, 0, 0, 0]);
        v.resize(0x6F, 0);
        let ck = xor_checksum([&v[0x10..0x50], &v[0x58..0x64]]);
        v.push(ck);
        v
    }

    #[test]
    fn parses_worked_example() {
        let v = worked_example();
        let img = parse(&v, 0).unwrap();
        assert_eq!(img.image_version, 1);
        assert_eq!(img.entry, 0x4010_0004);
        assert_eq!(
            img.segments
                .iter()
                .map(|s| (s.addr, s.len))
                .collect::<Vec<_>>(),
            vec![(0x4010_0000, 0x40), (0x3FFE_8000, 0x0C)]
        );
        assert_eq!(img.checksum.offset, 0x6F);
        assert!(img.checksum.valid);
        assert_eq!(img.end, 0x70);
        assert_eq!(img.header.mode_name(), Some("DIO"));
        assert_eq!(img.header.flash_size(), Some(("2MB", 2 * 1024 * 1024)));
        assert_eq!(img.header.freq_name(), Some("40m"));
        assert!(img.is_plausible());
    }

    #[test]
    fn bad_checksum_is_reported_not_rejected() {
        let mut v = worked_example();
        let last = v.len() - 1;
        v[last] ^= 0x55;
        let img = parse(&v, 0).unwrap();
        assert!(!img.checksum.valid);
        assert_eq!(img.checksum.stored ^ 0x55, img.checksum.computed);
    }

    #[test]
    fn xor_checksum_matches_bytewise() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let slow = data.iter().fold(0xEFu8, |a, b| a ^ b);
        assert_eq!(xor_checksum([&data[..]]), slow);
        assert_eq!(xor_checksum([&data[..3], &data[3..]]), slow);
    }

    #[test]
    fn rejects_non_images() {
        assert_eq!(parse(&[], 0), Err(ImageError::TruncatedHeader(0)));
        assert_eq!(
            parse(&[0x12; 16], 0),
            Err(ImageError::BadMagic {
                offset: 0,
                found: 0x12
            })
        );
        assert_eq!(
            parse(&[0xE9, 17, 0, 0, 0, 0, 0, 0], 0),
            Err(ImageError::BadSegmentCount {
                offset: 0,
                count: 17
            })
        );
        let mut v = worked_example();
        v.truncate(0x30);
        assert!(matches!(
            parse(&v, 0),
            Err(ImageError::TruncatedSegment { index: 0, .. })
        ));
    }

    #[test]
    fn crc_mpeg2_check_value() {
        assert_eq!(crc32_mpeg2(&[b"123456789"]), 0x0376_E6E7);
    }

    #[test]
    fn v2_crc_transform_follows_gen_appbin() {
        assert_eq!(v2_crc_transform(0x8000_0000), 0x7FFF_FFFF);
        assert_eq!(v2_crc_transform(0x1234_5678), 0x1234_5679);
    }

    #[test]
    fn seed_is_esptools() {
        assert_eq!(xor_checksum([]), 0xEF);
        assert_eq!(xor_checksum([&[0xEFu8][..]]), 0);
    }

    #[test]
    fn header_round_trips_byte_exact() {
        let raw = [0xEA, 0x04, 0xFF, 0xF0, 0x7C, 0x02, 0x10, 0x40];
        let h = RawHeader::parse(&raw).unwrap();
        let mut out = Cursor::new(Vec::new());
        h.write(&mut out).unwrap();
        assert_eq!(out.into_inner(), raw);
        assert_eq!(h.mode_name(), None);
        assert_eq!(h.flash_size(), None);
        assert_eq!(h.freq_name(), Some("40m"));
    }
}
