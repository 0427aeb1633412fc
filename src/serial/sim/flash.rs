//! NOR flash model: erase sets a whole 4 KiB sector to 0xFF, programming can only clear bits
//! (`new = old & data`), so a missing erase shows up as wrong data instead of being hidden.

use crate::formats::flash::{ERASED, SECTOR_SIZE};

/// An in-memory NOR flash chip.
#[derive(Debug, Clone)]
pub struct NorFlash {
    data: Vec<u8>,
    /// Sectors erased so far (statistics for tests and benchmarks).
    pub sector_erases: u64,
    /// Bytes programmed so far.
    pub bytes_programmed: u64,
}

impl NorFlash {
    /// A flash holding `data` (its length is the chip size).
    pub fn new(data: Vec<u8>) -> Self {
        NorFlash {
            data,
            sector_erases: 0,
            bytes_programmed: 0,
        }
    }

    /// Chip size in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True for a zero-size chip.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The whole contents.
    pub fn contents(&self) -> &[u8] {
        &self.data
    }

    /// Bytes `[addr, addr+len)`, or `None` when out of range.
    pub fn get(&self, addr: usize, len: usize) -> Option<&[u8]> {
        self.data.get(addr..addr.checked_add(len)?)
    }

    /// Erase sector number `n` (ignored past the end).
    pub fn erase_sector(&mut self, n: usize) {
        let start = n.saturating_mul(SECTOR_SIZE);
        if let Some(s) = self.data.get_mut(start..start.saturating_add(SECTOR_SIZE)) {
            s.fill(ERASED);
            self.sector_erases += 1;
        }
    }

    /// Erase every sector.
    pub fn erase_all(&mut self) {
        self.data.fill(ERASED);
        self.sector_erases += (self.data.len() / SECTOR_SIZE) as u64;
    }

    /// Program bytes at `addr` (AND semantics). Returns false when out of range.
    pub fn program(&mut self, addr: usize, bytes: &[u8]) -> bool {
        let Some(end) = addr.checked_add(bytes.len()) else {
            return false;
        };
        let Some(dst) = self.data.get_mut(addr..end) else {
            return false;
        };
        for (d, s) in dst.iter_mut().zip(bytes) {
            *d &= *s;
        }
        self.bytes_programmed += bytes.len() as u64;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_only_clears_bits() {
        let mut f = NorFlash::new(vec![0xF0; 0x2000]);
        assert!(f.program(1, &[0x0F, 0xFF]));
        assert_eq!(f.get(0, 3), Some(&[0xF0, 0x00, 0xF0][..]));
        f.erase_sector(0);
        assert_eq!(f.get(0, 3), Some(&[0xFF, 0xFF, 0xFF][..]));
        assert_eq!(f.get(0x1000, 1), Some(&[0xF0][..]));
        assert!(!f.program(0x1FFF, &[0, 0]));
        assert_eq!(f.get(0x1FFF, 2), None);
    }
}
