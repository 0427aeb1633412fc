//! Reply timeouts computed from the work a command asks of the chip (docs/serial.md, "Timeouts").
//!
//! The budgets are esptool 5.6's (`loader.py` `timeout_per_mb`, `cmds.py`
//! `_get_flash_defl_block_timeout`): seconds per *million* bytes, never below the 3 s default.
//! A compressed data block is budgeted by the bytes it inflates to plus one 64 KiB block erase
//! per 32 KiB inflate buffer and one more, because the stub erases and programs them *after*
//! it has replied: that work delays the reply to the next block or to the END command.

use crate::serial::protocol as c;
use std::time::Duration;

/// esptool's `timeout_per_mb`: `secs_per_mb * bytes / 1e6`, at least the 3 s default.
pub fn per_mb(secs_per_mb: u64, bytes: u64) -> Duration {
    let ms = (secs_per_mb as u128 * 1000 * bytes as u128 / 1_000_000) as u64;
    Duration::from_millis(ms.max(c::TIMEOUT_DEFAULT_MS))
}

/// Budget for the chip's work on one data block that inflates (or is) `uncompressed` bytes:
/// through the stub the erases of the inflate cycles are added (esptool's formula).
pub fn data_block_work(uncompressed: u64, stub: bool) -> Duration {
    let mut size = uncompressed;
    if stub {
        let erases = uncompressed.div_ceil(c::STUB_INFLATE_BUFFER as u64) + 1;
        size += erases * c::ERASE_BLOCK as u64;
    }
    per_mb(c::TIMEOUT_ERASE_WRITE_PER_SEC_MB, size)
}

/// Time `bytes` take on the wire at `baud` (8N1), plus SLIP escaping at worst (2×).
pub fn wire(bytes: usize, baud: u32) -> Duration {
    let bits = bytes as u128 * 2 * u128::from(c::BITS_PER_BYTE);
    Duration::from_micros((bits * 1_000_000 / u128::from(baud.max(1))) as u64)
}

/// SPI_FLASH_MD5 of `size` bytes.
pub fn md5(size: u32) -> Duration {
    per_mb(c::TIMEOUT_MD5_PER_SEC_MB, u64::from(size))
}

/// ERASE_REGION of `size` bytes, or a ROM FLASH_BEGIN erasing `size` bytes.
pub fn erase(size: u32) -> Duration {
    per_mb(c::TIMEOUT_ERASE_PER_SEC_MB, u64::from(size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esptool_numbers() {
        // Below 75 000 bytes the 3 s floor applies (40 s per 1e6 bytes).
        assert_eq!(per_mb(40, 70_000), Duration::from_secs(3));
        // 1 MiB erase: 40 * 1.048576 = 41.943 s (esptool uses 10^6, not MiB).
        assert_eq!(erase(0x10_0000), Duration::from_millis(41_943));
        assert_eq!(md5(0x20_0000), Duration::from_millis(16_777));
        // A block that inflates to 1 MiB of 0xFF: 1 MiB + 33 erases of 64 KiB = 3 211 264
        // bytes -> 128.45 s; the old flat 3 s / 9 s could not cover it.
        assert_eq!(
            data_block_work(0x10_0000, true),
            Duration::from_millis(128_450)
        );
        // Through the ROM no inflate-cycle erases are added.
        assert_eq!(data_block_work(0x400, false), Duration::from_secs(3));
        // 16 KiB at 115200 baud, escaped at worst: 2.84 s.
        assert_eq!(wire(0x4000, 115_200), Duration::from_micros(2_844_444));
    }
}
