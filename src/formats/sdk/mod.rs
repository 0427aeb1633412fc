//! The SDK's sectors at the end of flash: RF calibration, PHY init data, the two system-parameter
//! copies and the flag sector that names the current copy (`docs/structures.md` §5).
//!
//! The SDK places them relative to the flash size in the header at offset 0, which is not always
//! the real chip size (Tasmota's 1 MB header on a 2 MiB Shelly), so [`find`] probes both.

use crate::formats::binparse::read_at;
use crate::formats::evidence::MacEvidence;
use crate::formats::flash::{ERASED, SECTOR_SIZE};
use crate::report::Finding;
use binrw::{BinRead, BinWrite};
use serde::Serialize;

mod params;
mod text;
use params::parse_copy;
pub use params::{softap_names_unit, ParamChecksum, ParamCopy, RawApRecord, RawParams};
pub use text::{mac_string, mac_text, version_in};

// Layout of the SDK tail (`docs/structures.md` §5).
/// RF calibration sector (SDK/mOS layout), from the end of flash.
pub const RF_CAL_FROM_END: usize = 0x5000;
/// PHY init data sector (SDK/mOS) or RF cal (Arduino), from the end.
pub const PHY_FROM_END: usize = 0x4000;
/// System parameters copy 0, from the end.
pub const PARAM0_FROM_END: usize = 0x3000;
/// System parameters copy 1, from the end.
pub const PARAM1_FROM_END: usize = 0x2000;
/// System-parameter flag sector, from the end.
pub const FLAG_FROM_END: usize = 0x1000;
/// Magic at flag +0x04 (`AA 55 AA 55`).
pub const FLAG_MAGIC1: u32 = 0x55AA_55AA;
/// Magic at flag +0x1C (`55 AA 55 AA`).
pub const FLAG_MAGIC2: u32 = 0xAA55_AA55;
/// The SDK checksums this many bytes of the active copy.
pub const PARAM_CHECKSUM_LEN: u32 = 32;
/// PHY init data byte 0.
pub const PHY_INIT_MAGIC: u8 = 0x05;
/// PHY init data length.
pub const PHY_INIT_LEN: usize = 128;
/// Offsets inside a saved-parameter copy.
pub const OFF_OPMODE: usize = 0x008;
/// Station SSID length (u32).
pub const OFF_STA_SSID_LEN: usize = 0x00C;
/// Station SSID (32 bytes).
pub const OFF_STA_SSID: usize = 0x010;
/// Station password (64 bytes, unaligned).
pub const OFF_STA_PASSWORD: usize = 0x037;
/// Cached PMK (32 bytes).
pub const OFF_STA_PMK: usize = 0x078;
/// Station BSSID set flag.
pub const OFF_STA_BSSID_SET: usize = 0x0A9;
/// Station BSSID (6 bytes).
pub const OFF_STA_BSSID: usize = 0x0AA;
/// softAP SSID length (u32).
pub const OFF_AP_SSID_LEN: usize = 0x0B0;
/// softAP SSID (32 bytes).
pub const OFF_AP_SSID: usize = 0x0B4;
/// softAP password (64 bytes).
pub const OFF_AP_PASSWORD: usize = 0x0D4;
/// softAP channel.
pub const OFF_AP_CHANNEL: usize = 0x135;
/// softAP auth mode.
pub const OFF_AP_AUTHMODE: usize = 0x136;
/// Cached AP records: first record.
pub const OFF_AP_RECORDS: usize = 0x140;
/// Size of one cached AP record (len u32 + SSID 32 + password 64).
pub const AP_RECORD_LEN: usize = 100;
/// Number of cached AP records.
pub const AP_RECORD_COUNT: usize = 5;
/// Cached AP BSSIDs: bssid_set + 6 bytes each.
pub const OFF_AP_RECORD_BSSIDS: usize = 0x348;
/// Stored station MAC (kept by `system_restore`).
pub const OFF_STA_MAC: usize = 0x492;
/// Length of the saved block in SDK 3.0.x.
pub const PARAM_BLOCK_LEN: usize = 0x4A4;

/// The fixed head of the flag sector as stored (SDK `struct save_flag`, `docs/structures.md` §5):
/// which copy is current, the first magic, the save counter, then per copy the checksummed length
/// and the checksum, and (newer SDKs) the second magic. A sector without the first magic is not a
/// flag sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct RawFlag {
    /// 0: copy 0 is current; anything else: copy 1.
    pub flag: u8,
    /// Padding (erased on the SDK's sectors).
    pub pad: [u8; 3],
    /// Save counter (after the magic `AA 55 AA 55` at +0x04).
    #[brw(magic = 0x55AA_55AAu32)]
    pub counter: u32,
    /// Checksummed length of each copy.
    pub lengths: [u32; 2],
    /// Stored checksum of each copy.
    pub checksums: [u32; 2],
    /// [`FLAG_MAGIC2`] on newer SDKs.
    pub magic2: u32,
}
const _: () = assert!(FLAG_MAGIC1 == 0x55AA_55AA);

/// The flag sector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagSector {
    /// Offset in the input.
    pub offset: u64,
    /// Which copy is current (0 or 1).
    pub current: u8,
    /// Save counter.
    pub counter: u32,
    /// Checksummed length of each copy.
    pub lengths: [u32; 2],
    /// Stored checksum of each copy.
    pub checksums: [u32; 2],
    /// Whether the second magic (`55 AA 55 AA` at +0x1C) is present (newer SDKs).
    pub second_magic: bool,
}

/// What the sector at size − 0x4000 holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TailLayout {
    /// NONOS SDK / Mongoose OS: RF cal at −0x5000, PHY init at −0x4000.
    Sdk,
    /// Arduino core: EEPROM at −0x5000, RF cal at −0x4000.
    Arduino,
}

/// The SDK tail found for one flash size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdkTail {
    /// The flash size the tail was found for.
    pub flash_size: u64,
    /// Where that size came from: `header` (byte 3 at offset 0) or `dump` (the input length).
    pub size_source: &'static str,
    /// Layout of the two sectors below the parameters.
    pub layout: TailLayout,
    /// Offset of the RF calibration sector.
    pub rf_cal_offset: u64,
    /// Whether the RF calibration sector holds data.
    pub rf_cal_present: bool,
    /// Offset of the PHY init data (SDK layout only).
    pub phy_init_offset: Option<u64>,
    /// The flag sector, if it carries the magic.
    pub flag: Option<FlagSector>,
    /// The two copies.
    pub copies: Vec<ParamCopy>,
    /// Problems found.
    pub findings: Vec<Finding>,
}

impl SdkTail {
    /// The copy the flag names (copy 0 when there is no flag sector).
    pub fn active_copy(&self) -> Option<&ParamCopy> {
        self.copies.iter().find(|c| c.active)
    }
    /// Start of the lowest sector of the tail (RF cal or EEPROM).
    pub fn start(&self) -> u64 {
        self.flash_size - RF_CAL_FROM_END as u64
    }
}

fn is_erased(b: &[u8]) -> bool {
    let (chunks, rest) = b.split_at(b.len() - b.len() % 8);
    chunks.chunks_exact(8).all(|c| c == [ERASED; 8]) && rest.iter().all(|&x| x == ERASED)
}

/// True when `b` is entirely 0xFF (fast, 8 bytes at a time).
pub fn all_erased(b: &[u8]) -> bool {
    is_erased(b)
}

fn parse_flag(sector: &[u8], offset: usize) -> Option<FlagSector> {
    let f: RawFlag = read_at(sector, 0)?;
    Some(FlagSector {
        offset: offset as u64,
        current: u8::from(f.flag != 0),
        counter: f.counter,
        lengths: f.lengths,
        checksums: f.checksums,
        second_magic: f.magic2 == FLAG_MAGIC2,
    })
}

/// The system-parameter checksum: the XOR checksum ([`crate::formats::image::xor_checksum`], seed 0xEF)
/// of the first `len` bytes, as the flag sector stores it (a u32).
pub fn param_checksum(b: &[u8], len: usize) -> u32 {
    u32::from(crate::formats::image::xor_checksum(
        [&b[..len.min(b.len())]],
    ))
}

fn is_phy_init(sector: &[u8]) -> bool {
    sector.first() == Some(&PHY_INIT_MAGIC)
        && !is_erased(&sector[1..PHY_INIT_LEN.min(sector.len())])
        && is_erased(sector.get(PHY_INIT_LEN..).unwrap_or(&[]))
}

/// Each copy's checksum over the length the flag sector names; a warning when the current copy's
/// does not match.
fn check_copies<'a>(
    copies: &mut [ParamCopy],
    f: &FlagSector,
    current: usize,
    sec: &dyn Fn(usize) -> &'a [u8],
    findings: &mut Vec<Finding>,
) {
    for (i, copy) in copies.iter_mut().enumerate() {
        let len = f.lengths[i];
        if len == 0 || len as usize > SECTOR_SIZE {
            continue;
        }
        let bytes = sec(if i == 0 {
            PARAM0_FROM_END
        } else {
            PARAM1_FROM_END
        });
        let computed = param_checksum(bytes, len as usize);
        let ck = ParamChecksum {
            stored: f.checksums[i],
            computed,
            valid: computed == f.checksums[i],
        };
        if i == current && !ck.valid {
            findings.push(Finding::warning(
                "sdk_param_checksum_mismatch",
                Some(copy.offset),
                format!(
                    "SDK system parameters copy {i}: checksum 0x{:02x} stored, 0x{:02x} computed (the SDK says \"system param error\" and uses them anyway)",
                    ck.stored, ck.computed
                ),
            ));
        }
        copy.checksum = Some(ck);
    }
}

/// Probe the tail for one flash size. `None` when nothing there looks like the SDK's.
///
/// `layout` is the tail layout the flash layout model decided (Arduino: EEPROM and RF cal; SDK:
/// RF cal and PHY init); `None` decides from the contents (PHY init data at size − 0x4000 means
/// the SDK layout). Under a decided Arduino layout, PHY init data at size − 0x4000 is left over
/// from an earlier SDK firmware: reported as stale, the sector is still the RF calibration one.
pub fn probe(
    data: &[u8],
    flash_size: usize,
    size_source: &'static str,
    layout: Option<TailLayout>,
) -> Option<SdkTail> {
    if flash_size > data.len() || flash_size < RF_CAL_FROM_END + SECTOR_SIZE {
        return None;
    }
    let sec = |from_end: usize| &data[flash_size - from_end..flash_size - from_end + SECTOR_SIZE];
    let flag = parse_flag(sec(FLAG_FROM_END), flash_size - FLAG_FROM_END);
    let phy = is_phy_init(sec(PHY_FROM_END));
    let mut copies = vec![
        parse_copy(sec(PARAM0_FROM_END), 0, flash_size - PARAM0_FROM_END),
        parse_copy(sec(PARAM1_FROM_END), 1, flash_size - PARAM1_FROM_END),
    ];
    if flag.is_none() && !phy {
        return None;
    }
    let mut findings = Vec::new();
    let current = flag.as_ref().map_or(0, |f| f.current) as usize;
    copies[current].active = true;
    if let Some(f) = &flag {
        check_copies(&mut copies, f, current, &sec, &mut findings);
    }
    let layout = layout.unwrap_or(if phy {
        TailLayout::Sdk
    } else {
        TailLayout::Arduino
    });
    if phy && layout == TailLayout::Arduino {
        let at = flash_size - PHY_FROM_END;
        findings.push(Finding::info(
            "stale_phy_init",
            Some(at as u64),
            format!("PHY init data at 0x{at:x} is left from an earlier SDK firmware; under the Arduino layout this is the RF calibration sector"),
        ));
    }
    let (rf_off, phy_off) = match layout {
        TailLayout::Sdk => (
            flash_size - RF_CAL_FROM_END,
            Some((flash_size - PHY_FROM_END) as u64),
        ),
        TailLayout::Arduino => (flash_size - PHY_FROM_END, None),
    };
    let rf_cal_present = !is_erased(&data[rf_off..rf_off + SECTOR_SIZE]);
    Some(SdkTail {
        flash_size: flash_size as u64,
        size_source,
        layout,
        rf_cal_offset: rf_off as u64,
        rf_cal_present,
        phy_init_offset: phy_off,
        flag,
        copies,
        findings,
    })
}

/// Probe at the header's nominal size and at the real input size (each once).
pub fn find(data: &[u8], header_size: Option<usize>, layout: Option<TailLayout>) -> Vec<SdkTail> {
    let mut out = Vec::new();
    if let Some(n) = header_size.filter(|&n| n < data.len()) {
        out.extend(probe(data, n, "header", layout));
    }
    out.extend(probe(data, data.len(), "dump", layout));
    out
}

#[cfg(test)]
mod tests;
