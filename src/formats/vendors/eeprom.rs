//! The Arduino EEPROM sector: the ESP8266 Arduino core emulates EEPROM in one flash sector at
//! `_EEPROM_start` (size − 0x5000 in every layout of the core's linker scripts). `EEPROM.commit()`
//! erases the sector and writes the sketch's `EEPROM.begin(size)` bytes from offset 0, so the
//! bytes in use end at the last byte that is not 0xFF.

use crate::formats::flash::SECTOR_SIZE;
use serde::Serialize;

/// Distance of the EEPROM sector from the end of the flash.
pub const FROM_END: usize = 0x5000;

/// The sector and its used extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Eeprom {
    /// Offset of the sector.
    pub offset: u64,
    /// Bytes from the start of the sector up to the last byte that is not 0xFF (0: erased).
    pub used: u64,
}

/// The EEPROM sector of a flash of `flash_size` bytes, if `data` holds it.
pub fn at(data: &[u8], flash_size: usize) -> Option<Eeprom> {
    let o = flash_size.checked_sub(FROM_END)?;
    let sector = data.get(o..o + SECTOR_SIZE)?;
    Some(Eeprom {
        offset: o as u64,
        used: used_extent(sector) as u64,
    })
}

/// Bytes in use: up to and including the last byte that is not 0xFF.
pub fn used_extent(sector: &[u8]) -> usize {
    sector.iter().rposition(|&b| b != 0xFF).map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent() {
        let mut d = vec![0xFFu8; 0x10_0000];
        assert_eq!(
            at(&d, d.len()),
            Some(Eeprom {
                offset: 0xFB000,
                used: 0
            })
        );
        d[0xFB000 + 0x1FF] = 0;
        assert_eq!(at(&d, d.len()).unwrap().used, 0x200);
        assert!(at(&d[..0xFB800], 0x10_0000).is_none());
        assert!(at(&d, 0x1000).is_none());
    }
}
