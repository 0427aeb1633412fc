//! The rBoot config sector, in raburton's layout and in the Mongoose OS layout
//! (`docs/structures.md` §3). Found at 0x1000 or 0x7000.

use crate::formats::binparse::read_at;
use crate::formats::flash::SECTOR_SIZE;
use binrw::{BinRead, BinWrite};
use serde::Serialize;

// rBoot config numbers (raburton/rboot `rboot.h`; Mongoose OS `rboot.h`).
/// rBoot config magic (byte 0).
pub const RBOOT_CONFIG_MAGIC: u8 = 0xE1;
/// rBoot config version (byte 1).
pub const RBOOT_CONFIG_VERSION: u8 = 0x01;
/// rBoot config sector (raburton, Shelly 1/1PM/2/2.5).
pub const RBOOT_CONFIG_ADDR: usize = 0x1000;
/// Mongoose OS rBoot config on Plug S, Dimmer and later lines.
pub const RBOOT_CONFIG_ADDR_MGOS_ALT: usize = 0x7000;
/// Slots in an rBoot config (`MAX_ROMS`).
pub const RBOOT_MAX_ROMS: usize = 4;
/// Length of the Mongoose OS rBoot config struct.
pub const RBOOT_MGOS_CONFIG_LEN: usize = 0x50;
/// Length of raburton's rBoot config struct (with the optional checksum byte).
pub const RBOOT_CONFIG_LEN: usize = 0x19;
/// rBoot banner prefix.
pub const RBOOT_BANNER: &[u8] = b"rBoot v";
/// Strings only the Mongoose OS rBoot carries.
pub const RBOOT_MGOS_MARKERS: &[&[u8]] = &[b"First boot, attempt", b"Boot is unconfirmed"];
/// Mongoose OS app slots on a 2 MiB flash (used when the rBoot config is erased).
pub const MGOS_DEFAULT_SLOTS: [usize; 2] = [0x8000, 0x10_8000];
/// raburton rBoot's default ROM 0 when it writes a fresh config.
pub const RBOOT_DEFAULT_ROM0: usize = 0x2000;

/// The first six bytes both layouts share: magic `E1`, version `01`, mode, current ROM, GPIO ROM,
/// ROM count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little, magic = b"\xE1\x01")]
pub struct RawHead {
    /// Boot mode.
    pub mode: u8,
    /// The slot that boots.
    pub current_rom: u8,
    /// The slot a GPIO boot selects.
    pub gpio_rom: u8,
    /// Slots in use.
    pub count: u8,
}
const _: () = assert!(RBOOT_CONFIG_MAGIC == 0xE1 && RBOOT_CONFIG_VERSION == 0x01);

/// raburton/rboot `rboot_config` (without the optional checksum byte after the slots).
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct RawRaburton {
    /// Magic, version, mode, slots.
    pub head: RawHead,
    /// Padding.
    pub unused: [u8; 2],
    /// Slot addresses (`count` used).
    pub roms: [u32; RBOOT_MAX_ROMS],
}

/// Mongoose OS `rboot_config` up to the file-system sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct RawMgos {
    /// Magic, version, mode, slots.
    pub head: RawHead,
    /// Slot booted before the last update.
    pub previous_rom: u8,
    /// First boot after an update not yet confirmed.
    pub is_first_boot: u8,
    /// Boot attempts of an unconfirmed update.
    pub boot_attempts: u8,
    /// Firmware-updated flag.
    pub fw_updated: u8,
    /// Padding.
    pub padding: [u8; 2],
    /// Slot addresses.
    pub roms: [u32; RBOOT_MAX_ROMS],
    /// Slot sizes.
    pub rom_sizes: [u32; RBOOT_MAX_ROMS],
    /// File-system address per slot.
    pub fs_addresses: [u32; RBOOT_MAX_ROMS],
    /// File-system size per slot.
    pub fs_sizes: [u32; RBOOT_MAX_ROMS],
}

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
            RbootLayout::Mgos => RBOOT_MGOS_CONFIG_LEN,
            RbootLayout::Raburton => RBOOT_CONFIG_LEN,
        }
    }
    /// Always false.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Parse a config at `offset`. `flash_len` bounds the addresses (the dump length or 16 MiB).
/// Either layout needs the Mongoose OS struct's length of input (the sector holds it).
pub fn parse(data: &[u8], offset: usize, flash_len: usize) -> Option<RbootConfig> {
    let b = data.get(offset..offset.checked_add(RBOOT_MGOS_CONFIG_LEN)?)?;
    let m: RawMgos = read_at(b, 0)?;
    let h = m.head;
    if h.count == 0 || h.count as usize > RBOOT_MAX_ROMS || h.current_rom >= h.count {
        return None;
    }
    let n = h.count as usize;
    let aligned_in = |a: u32| a as usize % SECTOR_SIZE == 0 && (a as usize) < flash_len;
    let (roms, rom_sizes) = (&m.roms[..n], &m.rom_sizes[..n]);
    let (fs_addresses, fs_sizes) = (&m.fs_addresses[..n], &m.fs_sizes[..n]);
    let mgos_ok = roms.iter().all(|&a| aligned_in(a) && a != 0)
        && [
            m.previous_rom,
            m.is_first_boot,
            m.boot_attempts,
            m.fw_updated,
        ]
        .iter()
        .all(|&x| x < 16)
        && fs_sizes.iter().all(|&s| s as usize % SECTOR_SIZE == 0)
        && roms
            .iter()
            .zip(rom_sizes)
            .zip(fs_addresses)
            .all(|((&r, &s), &f)| f == 0 || r.saturating_add(s) <= f);
    if mgos_ok {
        return Some(RbootConfig {
            offset: offset as u64,
            layout: RbootLayout::Mgos,
            mode: h.mode,
            current_rom: h.current_rom,
            count: h.count,
            roms: roms.to_vec(),
            rom_sizes: rom_sizes.to_vec(),
            fs_addresses: fs_addresses.to_vec(),
            fs_sizes: fs_sizes.to_vec(),
            previous_rom: Some(m.previous_rom),
            is_first_boot: Some(m.is_first_boot),
            boot_attempts: Some(m.boot_attempts),
            fw_updated: Some(m.fw_updated),
        });
    }
    let r: RawRaburton = read_at(b, 0)?;
    let roms = &r.roms[..n];
    if roms.iter().all(|&a| aligned_in(a) && a != 0) {
        return Some(RbootConfig {
            offset: offset as u64,
            layout: RbootLayout::Raburton,
            mode: h.mode,
            current_rom: h.current_rom,
            count: h.count,
            roms: roms.to_vec(),
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
    let bound = data.len().max(crate::formats::flash::MAX_FLASH);
    [RBOOT_CONFIG_ADDR, RBOOT_CONFIG_ADDR_MGOS_ALT]
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
