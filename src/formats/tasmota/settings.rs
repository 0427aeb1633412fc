//! The Tasmota settings block on flash: header, both checksums, and the scan for copies.
//!
//! Tasmota keeps its 4096-byte `TSettings` struct plain (no XOR) in one of several flash sectors:
//! an "EEPROM" slot and 7 rotating slots (1M layout 0xF4000..0xFB000; file-system builds
//! 0xF7000..0xFD000 plus 0x1FB000 / 0x3FB000), and older firmware wrote the 8 sectors below
//! 0xFC000. [`scan`] looks at every 4 KiB sector of a dump, keeps the ones whose header is
//! plausible, checks `cfg_crc` (weighted byte sum) and `cfg_crc32` (Tasmota's CRC32 variant), and
//! picks the copy the firmware would load: the valid one with the highest `save_flag`, ties going
//! to Tasmota's scan order (EEPROM slot first, then downwards). Reference `docs/tasmota-settings.md` "Where the copies are", "Checksums and when a copy counts".

use crate::formats::flash::SECTOR_SIZE;
use crate::formats::tasmota::consts as c;
use serde::Serialize;

/// Read a little-endian u16 at `off`, if in range.
pub(crate) fn le16(d: &[u8], off: usize) -> Option<u16> {
    let b = d.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// Read a little-endian u32 at `off`, if in range.
pub(crate) fn le32(d: &[u8], off: usize) -> Option<u32> {
    let b = d.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Tasmota's CRC32 (`GetCfgCrc32`): reflected 0xEDB88320, register starts at 0, final NOT.
/// Equals `zlib.crc32(data, 0xFFFFFFFF)`; "123456789" gives 0xD202D277.
pub fn crc32(data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(c::CRC32_INIT);
    h.update(data);
    h.finalize()
}

/// How many bytes `cfg_crc` covers for a block of this version (3584, or 4096 in 6.6.0.7..=6.6.0.10).
pub fn crc16_len(version: u32) -> usize {
    if (c::CRC16_FULL_FIRST..=c::CRC16_FULL_LAST).contains(&version) {
        c::SETTINGS_SIZE
    } else {
        c::CRC16_LEN
    }
}

/// Tasmota's 16-bit `cfg_crc` (`GetCfgCrc16`): Σ `byte[i]·(i+1)` mod 65536 over `len` bytes,
/// skipping bytes 14 and 15 (the field itself). Bytes beyond the slice count as absent.
pub fn crc16(block: &[u8], len: usize) -> u16 {
    let mut sum: u32 = 0;
    for (i, &b) in block.iter().take(len).enumerate() {
        if i == c::OFF_CRC16 || i == c::OFF_CRC16 + 1 {
            continue;
        }
        // (i + 1) < 4097, b < 256: no overflow before the wrapping add.
        sum = sum.wrapping_add(u32::from(b) * (i as u32 + 1));
    }
    (sum & 0xFFFF) as u16
}

/// The CRC32 a block should carry: over bytes 0..0xFFC.
pub fn crc32_of_block(block: &[u8]) -> u32 {
    crc32(block.get(..c::OFF_CRC32).unwrap_or(block))
}

/// Format a settings/firmware version word 0xMMmmppbb as Tasmota's `GetVersion()` does:
/// "M.m.p", plus ".b" when b != 0 from 6.0 on, or a letter (1 = `a`) before 6.0 (5.x builds
/// named sub-releases 5.10.0a, 5.14.0b; decode-config prints them the same way).
pub fn version_string(v: u32) -> String {
    let [b, p, m, mj] = v.to_le_bytes();
    if b == 0 {
        format!("{mj}.{m}.{p}")
    } else if mj < 6 && (1..=26).contains(&b) {
        format!("{mj}.{m}.{p}{}", char::from(b'a' + b - 1))
    } else {
        format!("{mj}.{m}.{p}.{b}")
    }
}

/// One stored checksum and what it should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Check<T> {
    /// The value in the block.
    pub stored: T,
    /// The value computed from the block.
    pub computed: T,
    /// Whether they agree (for `cfg_crc32`: also not 0 and not 0xFFFFFFFF, as the loader requires).
    pub valid: bool,
}

/// Which known sector a copy sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "index")]
pub enum Slot {
    /// The EEPROM slot of the 1M layout (0xFB000), also slot 0 of the legacy loader.
    #[serde(rename = "eeprom_1m")]
    Eeprom1M,
    /// A rotating slot of the 1M layout: 0 = 0xFA000 (`SETTINGS_LOCATION`) .. 6 = 0xF4000.
    #[serde(rename = "rotating_1m")]
    Rotating1M(u8),
    /// A rotating slot of file-system builds: 0 = 0xFD000 .. 6 = 0xF7000 (0xF7000..0xF9000 are
    /// also rotating slots of the 1M layout: the scheme is told apart by where the other copies sit).
    #[serde(rename = "rotating_fs")]
    RotatingFs(u8),
    /// The EEPROM slot of a 2M1M build (0x1FB000).
    #[serde(rename = "eeprom_2m1m")]
    Eeprom2M1M,
    /// The EEPROM slot of a 4M2M build (0x3FB000).
    #[serde(rename = "eeprom_4m2m")]
    Eeprom4M2M,
    /// Anywhere else (a `/.settings` file in LittleFS, a stale or relocated copy).
    #[serde(rename = "other")]
    Other,
}

impl Slot {
    /// Classify a sector offset.
    pub fn of(offset: usize) -> Slot {
        match offset {
            c::EEPROM_1M => Slot::Eeprom1M,
            c::EEPROM_2M1M => Slot::Eeprom2M1M,
            c::EEPROM_4M2M => Slot::Eeprom4M2M,
            o if o <= c::SETTINGS_LOCATION_1M
                && o + c::CFG_ROTATES * SECTOR_SIZE > c::SETTINGS_LOCATION_1M =>
            {
                Slot::Rotating1M(((c::SETTINGS_LOCATION_1M - o) / SECTOR_SIZE) as u8)
            }
            o if o <= c::SETTINGS_LOCATION_FS
                && o + c::CFG_ROTATES * SECTOR_SIZE > c::SETTINGS_LOCATION_FS =>
            {
                Slot::RotatingFs(((c::SETTINGS_LOCATION_FS - o) / SECTOR_SIZE) as u8)
            }
            _ => Slot::Other,
        }
    }

    /// True for an EEPROM slot of any layout.
    pub fn is_eeprom(self) -> bool {
        matches!(self, Slot::Eeprom1M | Slot::Eeprom2M1M | Slot::Eeprom4M2M)
    }
}

/// The fixed header of a settings block, in either form (read with binrw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// `cfg_holder` (u16 since 6.0.0; the low half of the u32 before, which is how 6.x reads it).
    pub cfg_holder: u16,
    /// `cfg_holder` as the 5.x u32 (`None` from 6.0.0 on).
    pub cfg_holder_5x: Option<u32>,
    /// `cfg_size` (`None` before 6.0.0).
    pub cfg_size: Option<u16>,
    /// `save_flag`.
    pub save_flag: u32,
    /// `version`.
    pub version: u32,
    /// `bootcount` (u32 before 6.0.0, u16 after).
    pub bootcount: u32,
    /// `cfg_crc` (`None` before 6.0.0).
    pub cfg_crc: Option<u16>,
    /// `flag` (SetOption0..31).
    pub flag: u32,
}

/// 6.0.0 and later: `cfg_holder` u16, `cfg_size` u16, `save_flag`, `version`, `bootcount` u16,
/// `cfg_crc` u16, `flag` (arendst/Tasmota `settings.h`, decode-config `SETTING_6_0_0`).
#[derive(binrw::BinRead)]
#[br(little)]
struct RawHeaderV6 {
    cfg_holder: u16,
    cfg_size: u16,
    save_flag: u32,
    version: u32,
    bootcount: u16,
    cfg_crc: u16,
    flag: u32,
}

/// 5.x: `cfg_holder`, `save_flag`, `version`, `bootcount`, `flag`, all u32
/// (decode-config `SETTING_5_10_0`).
#[derive(binrw::BinRead)]
#[br(little)]
struct RawHeader5x {
    cfg_holder: u32,
    save_flag: u32,
    version: u32,
    bootcount: u32,
    flag: u32,
}

impl Header {
    /// Read the header of a block; the form is chosen by the `version` word at 0x008.
    pub fn read(block: &[u8]) -> Option<Header> {
        use binrw::BinRead;
        let version = le32(block, c::OFF_VERSION)?;
        let mut cur = std::io::Cursor::new(block.get(..c::HEADER_LEN)?);
        if version >= c::HEADER_V6 {
            let h = RawHeaderV6::read(&mut cur).ok()?;
            Some(Header {
                cfg_holder: h.cfg_holder,
                cfg_holder_5x: None,
                cfg_size: Some(h.cfg_size),
                save_flag: h.save_flag,
                version: h.version,
                bootcount: u32::from(h.bootcount),
                cfg_crc: Some(h.cfg_crc),
                flag: h.flag,
            })
        } else {
            let h = RawHeader5x::read(&mut cur).ok()?;
            Some(Header {
                cfg_holder: (h.cfg_holder & 0xFFFF) as u16,
                cfg_holder_5x: Some(h.cfg_holder),
                cfg_size: None,
                save_flag: h.save_flag,
                version: h.version,
                bootcount: h.bootcount,
                cfg_crc: None,
                flag: h.flag,
            })
        }
    }

    /// Could this be a settings header (before any checksum)? 6.x and later: `cfg_size` 3584 or
    /// 4096. 5.x (no checksum, no size): the default u32 `CFG_HOLDER` 0x20161209 and a 5.x version.
    pub fn plausible(&self) -> bool {
        if self.version == u32::MAX {
            return false;
        }
        match self.cfg_size {
            Some(size) => {
                usize::from(size) == c::SETTINGS_SIZE || usize::from(size) == c::SETTINGS_SIZE_OLD
            }
            None => {
                self.version >= c::MIN_HEADER_VERSION
                    && self.cfg_holder_5x == Some(c::CFG_HOLDER_5X)
            }
        }
    }

    /// The block length this header implies: `cfg_size` from 6.0.0 on, else the 5.x layout size
    /// (decode-config's template size; 0x670 below 5.10.0).
    pub fn block_len(&self) -> usize {
        match self.cfg_size {
            Some(n) => usize::from(n),
            None => super::fields::block_size(self.version).unwrap_or(c::SETTINGS_SIZE_5X_MIN),
        }
    }
}

/// One settings copy found in a dump (plausible header; checksums may or may not hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingsCopy {
    /// Offset of the sector in the dump.
    pub offset: u64,
    /// The known slot at that offset.
    pub slot: Slot,
    /// `cfg_holder` (4617 unless the build changed `CFG_HOLDER`; 5.x: the low half of 0x20161209).
    pub cfg_holder: u16,
    /// `cfg_size` (4096, or 3584 before 6.6.0.7); `None` before 6.0.0, which had no such field.
    pub cfg_size: Option<u16>,
    /// Length of the block in bytes (`cfg_size`, or the 5.x layout size: 0x670 / 0xA00).
    pub size: usize,
    /// `save_flag`: the save counter that orders copies.
    pub save_flag: u32,
    /// `version`, raw.
    pub version: u32,
    /// `version`, dotted.
    pub version_str: String,
    /// `bootcount`.
    pub bootcount: u32,
    /// `config_version` (0 = ESP8266); `None` before 8.2.0.4.
    pub config_version: Option<u8>,
    /// `cfg_timestamp` (UTC epoch of the save); `None` before 6.6.0.10.
    pub cfg_timestamp: Option<u32>,
    /// SetOption12: the firmware writes only the EEPROM slot.
    pub stop_flash_rotate: bool,
    /// `cfg_crc` check; `None` before 6.0.0 (5.x blocks carry no checksum).
    pub crc16: Option<Check<u16>>,
    /// `cfg_crc32` check; `None` before 6.6.0.10.
    pub crc32: Option<Check<u32>>,
    /// Whether the firmware would accept the copy: CRC32 from 6.6.0.11 on, `cfg_crc` above
    /// 6.0.0, and before that (no checksum) the `CFG_HOLDER` alone, as the 5.x loader did.
    pub valid: bool,
    /// Whether this is the copy the firmware loads (valid, highest `save_flag`).
    pub newest: bool,
}

/// Everything the settings scan found in a dump.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scan {
    /// Every plausible copy, in offset order.
    pub copies: Vec<SettingsCopy>,
    /// Index into `copies` of the copy the firmware loads.
    pub newest: Option<usize>,
    /// Offsets of quick power-cycle sectors (first word 0xFFA55AFF).
    pub qpc: Vec<u64>,
}

impl Scan {
    /// The copy the firmware loads, if any.
    pub fn newest_copy(&self) -> Option<&SettingsCopy> {
        self.newest.and_then(|i| self.copies.get(i))
    }
}

/// Parse one settings block (a flash sector, or a decoded `.dmp`) as a copy at `offset`, if its
/// header is plausible and the slice holds the whole block. Never panics; `newest` is left false.
pub fn parse_copy(sector: &[u8], offset: u64) -> Option<SettingsCopy> {
    let h = Header::read(sector)?;
    if !h.plausible() {
        return None;
    }
    let size = h.block_len();
    if sector.len() < size {
        return None;
    }
    let version = h.version;
    let crc16 = h.cfg_crc.map(|stored| {
        let computed = crc16(sector, crc16_len(version));
        Check {
            stored,
            computed,
            valid: stored == computed,
        }
    });
    let crc32 = if version >= c::CRC32_FIRST && size >= c::SETTINGS_SIZE {
        let stored = le32(sector, c::OFF_CRC32)?;
        let computed = crc32_of_block(sector);
        Some(Check {
            stored,
            computed,
            valid: stored == computed && stored != 0 && stored != u32::MAX,
        })
    } else {
        None
    };
    let valid = if version >= c::CRC32_CHECKED_FIRST {
        crc32.is_some_and(|k| k.valid)
    } else if version > c::CRC16_CHECKED_ABOVE {
        crc16.is_some_and(|k| k.valid)
    } else {
        true // 5.x and 6.0.0: no checksum; the plausible header is all the loader checked
    };
    Some(SettingsCopy {
        offset,
        slot: usize::try_from(offset).map_or(Slot::Other, Slot::of),
        cfg_holder: h.cfg_holder,
        cfg_size: h.cfg_size,
        size,
        save_flag: h.save_flag,
        version,
        version_str: version_string(version),
        bootcount: h.bootcount,
        config_version: (version >= 0x0802_0004)
            .then(|| sector.get(c::OFF_CONFIG_VERSION).copied())
            .flatten(),
        cfg_timestamp: (version >= c::CRC32_FIRST)
            .then(|| le32(sector, c::OFF_TIMESTAMP))
            .flatten(),
        stop_flash_rotate: h.flag & c::FLAG_STOP_FLASH_ROTATE != 0,
        crc16,
        crc32,
        valid,
        newest: false,
    })
}

/// Index of the copy Tasmota loads: a valid EEPROM-slot copy with SetOption12 stops the scan;
/// otherwise the highest `save_flag` (>= 1) wins, ties going to the higher offset (Tasmota scans
/// the EEPROM slot first, then `SETTINGS_LOCATION` downwards).
fn pick_newest(copies: &[SettingsCopy]) -> Option<usize> {
    if let Some(i) = copies
        .iter()
        .position(|k| k.valid && k.slot.is_eeprom() && k.stop_flash_rotate && k.save_flag >= 1)
    {
        return Some(i);
    }
    let mut best: Option<usize> = None;
    for (i, k) in copies.iter().enumerate() {
        if !k.valid || k.save_flag == 0 {
            continue;
        }
        match best.and_then(|b| copies.get(b)) {
            Some(b) if (b.save_flag, b.offset) >= (k.save_flag, k.offset) => {}
            _ => best = Some(i),
        }
    }
    best
}

/// Scan a whole dump (any length; only whole 4 KiB sectors are looked at).
pub fn scan(data: &[u8]) -> Scan {
    let mut out = Scan::default();
    for (n, sector) in data.chunks_exact(SECTOR_SIZE).enumerate() {
        let offset = (n * SECTOR_SIZE) as u64;
        if let Some(k) = parse_copy(sector, offset) {
            out.copies.push(k);
        } else if le32(sector, 0) == Some(c::QPC_MAGIC) {
            out.qpc.push(offset);
        }
    }
    out.newest = pick_newest(&out.copies);
    if let Some(k) = out.newest.and_then(|i| out.copies.get_mut(i)) {
        k.newest = true;
    }
    out
}

/// Every settings copy in a dump, with checksums checked and the newest valid one marked.
pub fn find_copies(data: &[u8]) -> Vec<SettingsCopy> {
    scan(data).copies
}

/// The copy the firmware loads and its 4096 bytes (for `extract`: write them plain, and through
/// [`super::dmp::to_dmp`] as a `.dmp`).
pub fn newest_block(data: &[u8]) -> Option<(SettingsCopy, &[u8])> {
    let s = scan(data);
    let k = s.newest_copy()?.clone();
    let o = usize::try_from(k.offset).ok()?;
    let b = data.get(o..o.checked_add(k.size)?)?;
    Some((k, b))
}

/// Recompute `cfg_crc` and (from 6.6.0.10 on) `cfg_crc32` of a block in place, in that order
/// (the CRC32 covers `cfg_crc`). Blocks shorter than 4096 bytes get `cfg_crc` only; 5.x blocks
/// have no checksum and are left as they are.
pub fn fix_checksums(block: &mut [u8]) {
    let Some(version) = le32(block, c::OFF_VERSION) else {
        return;
    };
    if version < c::HEADER_V6 {
        return;
    }
    let s = crc16(block, crc16_len(version));
    if let Some(d) = block.get_mut(c::OFF_CRC16..c::OFF_CRC16 + 2) {
        d.copy_from_slice(&s.to_le_bytes());
    }
    if version >= c::CRC32_FIRST && block.len() >= c::SETTINGS_SIZE {
        let v = crc32_of_block(block);
        if let Some(d) = block.get_mut(c::OFF_CRC32..c::OFF_CRC32 + 4) {
            d.copy_from_slice(&v.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xD202_D277);
        assert_eq!(crc32(b""), 0xFFFF_FFFF);
        assert_ne!(crc32(b"123456789"), crc32fast::hash(b"123456789"));
    }

    #[test]
    fn reference_vectors_for_ramp_block() {
        let block: Vec<u8> = (0..4096).map(|i| (i & 0xFF) as u8).collect();
        assert_eq!(crc32_of_block(&block), 0xCA03_AC80);
        assert_eq!(crc16(&block, 3584), 0x243E);
        assert_eq!(crc16(&block, 4096), 0x4E3E);
        assert_eq!(crc32_of_block(&[0u8; 4096]), 0xFFFF_FFFF);
    }

    #[test]
    fn crc16_skips_its_own_field() {
        let mut b = vec![0u8; 4096];
        b[14] = 0xFF;
        b[15] = 0xFF;
        assert_eq!(crc16(&b, 3584), 0);
        b[0] = 1;
        b[1] = 2; // 1*1 + 2*2
        assert_eq!(crc16(&b, 3584), 5);
        b[3583] = 1; // weight 3584
        assert_eq!(crc16(&b, 3584), 5 + 3584);
        b[3584] = 1; // outside 3584-byte range
        assert_eq!(crc16(&b, 3584), 5 + 3584);
        assert_eq!(crc16(&b, 4096), 5 + 3584 + 3585);
    }

    #[test]
    fn crc16_len_follows_version() {
        assert_eq!(crc16_len(0x0606_0006), 3584);
        assert_eq!(crc16_len(0x0606_0007), 4096);
        assert_eq!(crc16_len(0x0606_000A), 4096);
        assert_eq!(crc16_len(0x0606_000B), 3584);
        assert_eq!(crc16_len(0x0F00_0100), 3584);
    }

    #[test]
    fn versions_format() {
        assert_eq!(version_string(0x0805_0000), "8.5.0");
        assert_eq!(version_string(0x0801_0002), "8.1.0.2");
        assert_eq!(version_string(0x0F00_0100), "15.0.1");
        assert_eq!(version_string(0x0C01_0101), "12.1.1.1");
        assert_eq!(version_string(0x050E_0002), "5.14.0b");
        assert_eq!(version_string(0x050A_0000), "5.10.0");
    }

    #[test]
    fn slots_classify() {
        assert_eq!(Slot::of(0xFB000), Slot::Eeprom1M);
        assert_eq!(Slot::of(0xFA000), Slot::Rotating1M(0));
        assert_eq!(Slot::of(0xF4000), Slot::Rotating1M(6));
        assert_eq!(Slot::of(0xF3000), Slot::Other);
        assert_eq!(Slot::of(0xFD000), Slot::RotatingFs(0));
        assert_eq!(Slot::of(0xFC000), Slot::RotatingFs(1));
        assert_eq!(Slot::of(0x1FB000), Slot::Eeprom2M1M);
        assert_eq!(Slot::of(0x3FB000), Slot::Eeprom4M2M);
        assert_eq!(Slot::of(0x100000), Slot::Other);
        let j = |s: Slot| serde_json::to_string(&s).unwrap();
        assert_eq!(j(Slot::Eeprom1M), r#"{"kind":"eeprom_1m"}"#);
        assert_eq!(
            j(Slot::Rotating1M(3)),
            r#"{"kind":"rotating_1m","index":3}"#
        );
        assert_eq!(j(Slot::Eeprom2M1M), r#"{"kind":"eeprom_2m1m"}"#);
    }
}
