//! The rBoot config sector, in raburton's layout and in the Mongoose OS layout
//! (`esp8266-layout.md` §3.4–3.5, `shelly-stock.md` §1.3). Found at 0x1000 or 0x7000.

use crate::consts::boot as c;
use crate::consts::SECTOR_SIZE;
use serde::Serialize;

/// Which struct layout the config uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RbootLayout {
    /// raburton/rboot: roms[] at 0x08.
    Raburton,
    /// Mongoose OS: roms[] at 0x0C, sizes, FS addresses and sizes.
    Mgos,
}

/// A parsed rBoot config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RbootConfig {
    /// Offset of the config in the input.
    pub offset: u64,
    /// Layout.
    pub layout: RbootLayout,
    /// Boot mode byte.
    pub mode: u8,
    /// The slot that boots.
    pub current_rom: u8,
    /// Slots in use.
    pub count: u8,
    /// Slot addresses (`count` entries).
    pub roms: Vec<u32>,
    /// Slot sizes (Mongoose OS only).
    pub rom_sizes: Vec<u32>,
    /// File-system addresses per slot (Mongoose OS only).
    pub fs_addresses: Vec<u32>,
    /// File-system sizes per slot (Mongoose OS only).
    pub fs_sizes: Vec<u32>,
    /// Slot booted before the last update (Mongoose OS only).
    pub previous_rom: Option<u8>,
    /// First boot after an update not yet confirmed (Mongoose OS only).
    pub is_first_boot: Option<u8>,
    /// Boot attempts of an unconfirmed update (Mongoose OS only).
    pub boot_attempts: Option<u8>,
    /// Firmware-updated flag (Mongoose OS only).
    pub fw_updated: Option<u8>,
}

impl RbootConfig {
    /// Address of the active slot.
    pub fn active_rom(&self) -> Option<u32> {
        self.roms.get(self.current_rom as usize).copied()
    }
    /// Length of the struct in flash.
    pub fn len(&self) -> usize {
        match self.layout {
            RbootLayout::Mgos => c::RBOOT_MGOS_CONFIG_LEN,
            RbootLayout::Raburton => c::RBOOT_CONFIG_LEN,
        }
    }
    /// Always false.
    pub fn is_empty(&self) -> bool {
        false
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn words(b: &[u8], at: usize, n: usize) -> Option<Vec<u32>> {
    (0..n).map(|i| u32_at(b, at + 4 * i)).collect()
}

/// Parse a config at `offset`. `flash_len` bounds the addresses (the dump length or 16 MiB).
pub fn parse(data: &[u8], offset: usize, flash_len: usize) -> Option<RbootConfig> {
    let b = data.get(offset..offset + c::RBOOT_MGOS_CONFIG_LEN)?;
    if b[0] != c::RBOOT_CONFIG_MAGIC || b[1] != c::RBOOT_CONFIG_VERSION {
        return None;
    }
    let count = b[5];
    if count == 0 || count as usize > c::RBOOT_MAX_ROMS || b[3] >= count {
        return None;
    }
    let n = count as usize;
    let aligned_in = |a: u32| a as usize % SECTOR_SIZE == 0 && (a as usize) < flash_len;
    let roms = words(b, 0x0C, n)?;
    let rom_sizes = words(b, 0x1C, n)?;
    let fs_addresses = words(b, 0x2C, n)?;
    let fs_sizes = words(b, 0x3C, n)?;
    let mgos_ok = roms.iter().all(|&a| aligned_in(a) && a != 0)
        && b[6..10].iter().all(|&x| x < 16)
        && fs_sizes.iter().all(|&s| s as usize % SECTOR_SIZE == 0)
        && roms
            .iter()
            .zip(&rom_sizes)
            .zip(&fs_addresses)
            .all(|((&r, &s), &f)| f == 0 || r.saturating_add(s) <= f);
    if mgos_ok {
        return Some(RbootConfig {
            offset: offset as u64,
            layout: RbootLayout::Mgos,
            mode: b[2],
            current_rom: b[3],
            count,
            roms,
            rom_sizes,
            fs_addresses,
            fs_sizes,
            previous_rom: Some(b[6]),
            is_first_boot: Some(b[7]),
            boot_attempts: Some(b[8]),
            fw_updated: Some(b[9]),
        });
    }
    let roms = words(b, 0x08, n)?;
    if roms.iter().all(|&a| aligned_in(a) && a != 0) {
        return Some(RbootConfig {
            offset: offset as u64,
            layout: RbootLayout::Raburton,
            mode: b[2],
            current_rom: b[3],
            count,
            roms,
            rom_sizes: vec![],
            fs_addresses: vec![],
            fs_sizes: vec![],
            previous_rom: None,
            is_first_boot: None,
            boot_attempts: None,
            fw_updated: None,
        });
    }
    None
}

/// Look for a config at 0x1000, then at 0x7000.
pub fn find(data: &[u8]) -> Option<RbootConfig> {
    let bound = data.len().max(crate::consts::flash::MAX_FLASH);
    [c::RBOOT_CONFIG_ADDR, c::RBOOT_CONFIG_ADDR_MGOS_ALT]
        .iter()
        .find_map(|&o| parse(data, o, bound))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mgos_config(current: u8) -> Vec<u8> {
        let mut v = vec![0xFFu8; 0x8000];
        let mut cfg = vec![0xE1, 0x01, 0, current, 0, 2, 0, 0, 0, 0, 0, 0];
        for w in [
            0x8000u32, 0x108000, 0, 0, 0xB2FF0, 0xB2FF0, 0, 0, 0xBB000, 0x1BB000, 0, 0, 0x40000,
            0x40000, 0, 0, 0,
        ] {
            cfg.extend_from_slice(&w.to_le_bytes());
        }
        v[0x7000..0x7000 + cfg.len()].copy_from_slice(&cfg);
        v
    }

    #[test]
    fn mgos_layout_at_0x7000() {
        let v = mgos_config(1);
        let c = find(&v).unwrap();
        assert_eq!(c.offset, 0x7000);
        assert_eq!(c.layout, RbootLayout::Mgos);
        assert_eq!(c.roms, vec![0x8000, 0x108000]);
        assert_eq!(c.fs_addresses, vec![0xBB000, 0x1BB000]);
        assert_eq!(c.fs_sizes, vec![0x40000, 0x40000]);
        assert_eq!(c.active_rom(), Some(0x108000));
    }

    #[test]
    fn raburton_layout_at_0x1000() {
        let mut v = vec![0xFFu8; 0x2000];
        let mut cfg = vec![0xE1, 0x01, 0, 0, 0, 2, 0, 0];
        cfg.extend_from_slice(&0x2000u32.to_le_bytes());
        cfg.extend_from_slice(&0x102000u32.to_le_bytes());
        cfg.extend_from_slice(&[0; 8]);
        v[0x1000..0x1000 + cfg.len()].copy_from_slice(&cfg);
        let c = find(&v).unwrap();
        assert_eq!(c.layout, RbootLayout::Raburton);
        assert_eq!(c.roms, vec![0x2000, 0x102000]);
        assert_eq!(c.active_rom(), Some(0x2000));
    }

    #[test]
    fn rejects_bad_counts_and_erased() {
        let mut v = mgos_config(0);
        v[0x7005] = 0;
        assert!(find(&v).is_none());
        let mut v = mgos_config(0);
        v[0x7003] = 2; // current >= count
        assert!(find(&v).is_none());
        assert!(find(&vec![0xFF; 0x8000]).is_none());
    }
}
