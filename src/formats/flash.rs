//! Flash geometry every ESP8266 structure sits on: the erase unit, the erased value, and the
//! size / frequency / SPI-mode codes of the image header at offset 0 (esptool
//! `targets/esp8266.py`; `docs/structures.md` §1).

/// Flash erase unit (one sector).
pub const SECTOR_SIZE: usize = 0x1000;
/// Value of erased NOR flash.
pub const ERASED: u8 = 0xFF;
/// (code, esptool name, bytes) for every known size code.
pub const SIZES: &[(u8, &str, u32)] = &[
    (0x0, "512KB", 512 * 1024),
    (0x1, "256KB", 256 * 1024),
    (0x2, "1MB", 1024 * 1024),
    (0x3, "2MB", 2 * 1024 * 1024),
    (0x4, "4MB", 4 * 1024 * 1024),
    (0x5, "2MB-c1", 2 * 1024 * 1024),
    (0x6, "4MB-c1", 4 * 1024 * 1024),
    (0x8, "8MB", 8 * 1024 * 1024),
    (0x9, "16MB", 16 * 1024 * 1024),
];
/// (code, esptool name) for every known frequency code.
pub const FREQS: &[(u8, &str)] = &[(0x0, "40m"), (0x1, "26m"), (0x2, "20m"), (0xF, "80m")];
/// (code, esptool name) for every known SPI mode.
pub const MODES: &[(u8, &str)] = &[(0, "QIO"), (1, "QOUT"), (2, "DIO"), (3, "DOUT")];
/// Smallest real ESP8266 flash.
pub const MIN_FLASH: usize = 512 * 1024;
/// Largest ESP8266 flash.
pub const MAX_FLASH: usize = 16 * 1024 * 1024;
