//! Firmware image format numbers (esptool `bin_image.py`; `docs/structures.md` §2): magic bytes,
//! header and segment lengths, the ESP8266 memory map the segments load into, Arduino and gzip
//! markers, and the seed of the ESP8266 XOR checksum ([`crate::formats::image::xor_checksum`]).

/// Seed of the ESP8266 XOR checksum: image segment data (esptool `ESP_CHECKSUM_MAGIC`), the
/// SDK's system-parameter copies, and the data of the serial `*_DATA` commands.
pub const XOR_CHECKSUM_SEED: u8 = 0xEF;
/// Magic byte of a v1 (ROM) image.
pub const MAGIC_V1: u8 = 0xE9;
/// Magic byte of a v2 (OTA, IROM-first) image.
pub const MAGIC_V2: u8 = 0xEA;
/// Byte 1 of a v2 image: a constant, not a count.
pub const V2_BYTE1: u8 = 0x04;
/// Length of the image header.
pub const HEADER_LEN: usize = 8;
/// Segment header length (load address + length).
pub const SEGMENT_HEADER_LEN: usize = 8;
/// Most segments esptool accepts.
pub const MAX_SEGMENTS: u8 = 16;
/// The checksum byte sits at the last byte of a 16-byte block: `end | 0x0F`.
pub const CHECKSUM_ALIGN_MASK: usize = 0x0F;
/// Segments longer than this make esptool warn ("Suspicious segment").
pub const SUSPICIOUS_SEGMENT_LEN: u32 = 0x10000;
/// Start of the flash-mapped IROM window.
pub const IROM_START: u32 = 0x4020_0000;
/// End (exclusive) of the IROM window.
pub const IROM_END: u32 = 0x4030_0000;
/// Start of IRAM.
pub const IRAM_START: u32 = 0x4010_0000;
/// End (exclusive) of the IRAM the loaders use (IRAM + cache area).
pub const IRAM_END: u32 = 0x4011_0000;
/// End (exclusive) of IRAM proper (esptool's IRAM map entry).
pub const IRAM_PROPER_END: u32 = 0x4010_8000;
/// Start of DRAM.
pub const DRAM_START: u32 = 0x3FFE_8000;
/// End (exclusive) of DRAM.
pub const DRAM_END: u32 = 0x4000_0000;
/// Arduino eboot loads its `.text` here (top of IRAM cache area).
pub const EBOOT_TEXT_MIN: u32 = 0x4010_F000;
/// Arduino sketches keep `__crc_len` here (flash offset of the IROM segment data).
pub const ARDUINO_CRC_LEN_OFFSET: usize = 0x1010;
/// Arduino sketches keep `__crc_val` here.
pub const ARDUINO_CRC_VAL_OFFSET: usize = 0x1014;
/// Arduino `.bin` files pad eboot with this byte up to 0x1000.
pub const EBOOT_PAD: u8 = 0xAA;
/// gzip magic of a compressed OTA upload staged in flash.
pub const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];
