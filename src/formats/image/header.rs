//! The on-flash headers of an image: the 8-byte image header (v1, and the outer header of v2),
//! segment headers, Arduino's CRC words, and the memory map segments load into.

use crate::formats::binparse::read_at;
use crate::formats::flash;
use crate::formats::image::consts as c;
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
