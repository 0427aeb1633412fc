//! ESP8266 firmware images: the v1 ROM image (magic 0xE9), the v2 OTA image (0xEA) with its optional
//! CRC32 trailer, and the Arduino whole-file CRC.
//!
//! Reference: `esp8266-layout.md` §1–2 (esptool `bin_image.py`, SDK `gen_appbin.py`, esptool2).
//! Parsing never fails on a damaged checksum: it records stored and computed values. It fails only
//! when the bytes are not an image at all (bad magic, impossible segment count, truncated data).

use crate::binparse::read_at;
use crate::flash;
use crate::flash::SECTOR_SIZE;
use crate::image_consts as c;
use crate::image_consts::XOR_CHECKSUM_SEED;
use binrw::{BinRead, BinWrite};
use serde::Serialize;

/// The 8-byte header shared by v1 images and the outer header of v2 images. Raw bytes are kept so
/// that writing it back is byte-exact; meanings are exposed by accessors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct RawHeader {
    /// 0xE9 or 0xEA.
    pub magic: u8,
    /// Segment count (v1) or the constant 0x04 (v2).
    pub segment_count: u8,
    /// SPI flash mode code.
    pub flash_mode: u8,
    /// Flash size code (high nibble) and frequency code (low nibble).
    pub size_freq: u8,
    /// Entry point.
    pub entry: u32,
}

impl RawHeader {
    /// Encoded length.
    pub const SIZE: usize = c::HEADER_LEN;

    /// Parse from the start of `b`.
    pub fn parse(b: &[u8]) -> Option<Self> {
        read_at(b, 0)
    }

    /// The SPI mode (esptool name), or `None` when the code is unknown.
    pub fn mode_name(&self) -> Option<&'static str> {
        lookup(flash::MODES, self.flash_mode)
    }
    /// The flash size code (high nibble).
    pub fn size_code(&self) -> u8 {
        self.size_freq >> 4
    }
    /// The flash frequency code (low nibble).
    pub fn freq_code(&self) -> u8 {
        self.size_freq & 0x0F
    }
    /// Flash size name and bytes, if the code is known.
    pub fn flash_size(&self) -> Option<(&'static str, u32)> {
        flash::SIZES
            .iter()
            .find(|(code, _, _)| *code == self.size_code())
            .map(|(_, n, b)| (*n, *b))
    }
    /// Flash frequency name, if the code is known.
    pub fn freq_name(&self) -> Option<&'static str> {
        lookup(flash::FREQS, self.freq_code())
    }
}

fn lookup(table: &[(u8, &'static str)], code: u8) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// An 8-byte segment header. In a v2 image the outer header is followed by one for the IROM
/// block (address 0, length of the block): the 16-byte v2 header is a `RawHeader` and this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct SegmentHeader {
    /// Load address.
    pub addr: u32,
    /// Data length in bytes.
    pub len: u32,
}

impl SegmentHeader {
    /// Encoded length.
    pub const SIZE: usize = c::SEGMENT_HEADER_LEN;
}

/// Arduino's two link-time words at 0x1010 (core ≥ 2.5, `elf2bin.py`): `__crc_len`, `__crc_val`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct ArduinoCrcWords {
    /// Bytes of flash the CRC covers, from offset 0.
    pub len: u32,
    /// The CRC-32/MPEG-2 value.
    pub val: u32,
}

/// A segment as found in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Load address (0 for the IROM block of a v2 image, as esptool shows it).
    pub addr: u32,
    /// Data length as stored.
    pub len: u32,
    /// Offset of the data in the input.
    #[serde(skip)]
    pub data_offset: usize,
}

/// Memory class of a load address (esptool's `MEMORY_MAP` names).
pub fn memory_class(addr: u32) -> Option<&'static str> {
    match addr {
        c::DRAM_START..c::DRAM_END => Some("DRAM"),
        c::IRAM_START..c::IRAM_PROPER_END => Some("IRAM"),
        c::IRAM_PROPER_END..c::IRAM_END => Some("IRAM_CACHE"),
        c::IROM_START..c::IROM_END => Some("IROM"),
        _ => None,
    }
}

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

/// The ESP8266 XOR checksum of data, seeded with 0xEF: image segment data (esptool), and the
/// SDK's system-parameter copies ([`crate::sdk::param_checksum`]). Eight bytes at a time: XOR
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

/// Parse the v1 segment list starting at `at` (just after a header), returning the segments and
/// the offset after the last segment's data.
fn parse_segments(
    data: &[u8],
    at: usize,
    count: u8,
    out: &mut Vec<Segment>,
) -> Result<usize, ImageError> {
    let mut pos = at;
    for _ in 0..count {
        let sh: SegmentHeader = read_at(data, pos).ok_or(ImageError::TruncatedSegment {
            index: out.len(),
            offset: pos,
            len: SegmentHeader::SIZE as u32,
            available: data.len().saturating_sub(pos),
        })?;
        let dstart = pos + c::SEGMENT_HEADER_LEN;
        let available = data.len().saturating_sub(dstart);
        if sh.len as usize > available {
            return Err(ImageError::TruncatedSegment {
                index: out.len(),
                offset: dstart,
                len: sh.len,
                available,
            });
        }
        out.push(Segment {
            addr: sh.addr,
            len: sh.len,
            data_offset: dstart,
        });
        pos = dstart + sh.len as usize;
    }
    Ok(pos)
}

/// Parse the image whose header starts at `offset` of `data`.
pub fn parse(data: &[u8], offset: usize) -> Result<Image, ImageError> {
    let header = RawHeader::parse(data.get(offset..).unwrap_or(&[]))
        .ok_or(ImageError::TruncatedHeader(offset))?;
    match header.magic {
        c::MAGIC_V1 => parse_v1(data, offset, header),
        c::MAGIC_V2 => parse_v2(data, offset, header),
        found => Err(ImageError::BadMagic { offset, found }),
    }
}

fn parse_v1(data: &[u8], offset: usize, header: RawHeader) -> Result<Image, ImageError> {
    if header.segment_count == 0 || header.segment_count > c::MAX_SEGMENTS {
        return Err(ImageError::BadSegmentCount {
            offset,
            count: header.segment_count,
        });
    }
    let mut segments = Vec::with_capacity(header.segment_count as usize);
    let seg_end = parse_segments(
        data,
        offset + c::HEADER_LEN,
        header.segment_count,
        &mut segments,
    )?;
    let checksum = checksum_at(data, offset, seg_end, &segments)?;
    Ok(Image {
        offset,
        image_version: 1,
        header,
        entry: header.entry,
        segments,
        checksum,
        v2: None,
        end: checksum.offset + 1,
    })
}

fn checksum_at(
    data: &[u8],
    image_start: usize,
    seg_end: usize,
    segments: &[Segment],
) -> Result<Checksum, ImageError> {
    let off = image_start + ((seg_end - image_start) | c::CHECKSUM_ALIGN_MASK);
    let stored = *data.get(off).ok_or(ImageError::TruncatedChecksum(off))?;
    let computed = xor_checksum(
        segments
            .iter()
            .map(|s| &data[s.data_offset..s.data_offset + s.len as usize]),
    );
    Ok(Checksum {
        stored,
        computed,
        valid: stored == computed,
        offset: off,
    })
}

fn parse_v2(data: &[u8], offset: usize, header: RawHeader) -> Result<Image, ImageError> {
    if header.segment_count != c::V2_BYTE1 {
        return Err(ImageError::BadV2 {
            offset,
            reason: "byte 1 is not 0x04",
        });
    }
    let irom_len = read_at::<SegmentHeader>(data, offset + RawHeader::SIZE)
        .ok_or(ImageError::TruncatedHeader(offset))?
        .len;
    let irom_start = offset + RawHeader::SIZE + SegmentHeader::SIZE;
    let inner_offset = irom_start
        .checked_add(irom_len as usize)
        .filter(|&e| e <= data.len())
        .ok_or(ImageError::TruncatedSegment {
            index: 0,
            offset: irom_start,
            len: irom_len,
            available: data.len().saturating_sub(irom_start),
        })?;
    let inner = RawHeader::parse(data.get(inner_offset..).unwrap_or(&[]))
        .ok_or(ImageError::TruncatedHeader(inner_offset))?;
    if inner.magic != c::MAGIC_V1 {
        return Err(ImageError::BadV2 {
            offset,
            reason: "no 0xE9 header after the IROM block",
        });
    }
    if inner.segment_count == 0 || inner.segment_count > c::MAX_SEGMENTS {
        return Err(ImageError::BadSegmentCount {
            offset: inner_offset,
            count: inner.segment_count,
        });
    }
    let mut segments = vec![Segment {
        addr: 0,
        len: irom_len,
        data_offset: irom_start,
    }];
    let seg_end = parse_segments(
        data,
        inner_offset + c::HEADER_LEN,
        inner.segment_count,
        &mut segments,
    )?;
    let checksum = checksum_at(data, offset, seg_end, &segments[1..])?;
    let mut end = checksum.offset + 1;
    let crc_computed = || {
        let mut h = crc32fast::Hasher::new();
        h.update(&data[offset..=checksum.offset]);
        v2_crc_transform(h.finalize())
    };
    let crc32 = match read_at::<u32>(data, end) {
        Some(stored) => {
            let computed = crc_computed();
            // gen_appbin writes byte 2 = 0 and byte 3 = the user-bin number (1 or 2).
            let expects_crc = header.flash_mode == 0 && matches!(header.size_freq, 1 | 2);
            if stored == computed {
                end += 4;
                Some(Crc32Check {
                    stored,
                    computed,
                    valid: true,
                })
            } else if expects_crc {
                Some(Crc32Check {
                    stored,
                    computed,
                    valid: false,
                })
            } else {
                None
            }
        }
        None => None,
    };
    Ok(Image {
        offset,
        image_version: 2,
        header,
        entry: inner.entry,
        segments,
        checksum,
        v2: Some(V2Info {
            irom_len,
            inner_offset,
            inner,
            crc32,
        }),
        end,
    })
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

    /// The first segment whose load address is in IROM (Arduino sketches keep IROM inside a v1 image).
    pub fn irom_segment(&self) -> Option<&Segment> {
        if self.image_version == 2 {
            return self.segments.first();
        }
        self.segments
            .iter()
            .find(|s| memory_class(s.addr) == Some("IROM"))
    }

    /// The byte range of the image rounded up to whole sectors (how much flash it occupies).
    pub fn sector_end(&self) -> usize {
        self.end.div_ceil(SECTOR_SIZE) * SECTOR_SIZE
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// The worked example of `esp8266-layout.md` §1.5 (esptool calls it valid).
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
