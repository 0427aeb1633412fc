//! The SDK's sectors at the end of flash: RF calibration, PHY init data, the two system-parameter
//! copies and the flag sector that names the current copy (`docs/structures.md` §5).
//!
//! The SDK places them relative to the flash size in the header at offset 0, which is not always
//! the real chip size (Tasmota's 1 MB header on a 2 MiB Shelly), so [`find`] probes both.

use crate::binparse::read_at;
use crate::evidence::MacEvidence;
use crate::flash::{ERASED, SECTOR_SIZE};
use crate::report::{Class, ConfigItem, ConfigSection, Finding};
use binrw::{BinRead, BinWrite};
use serde::Serialize;
use std::io::SeekFrom;

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

/// A cached AP record of a parameter copy: SSID length, SSID, password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct RawApRecord {
    /// SSID length.
    pub ssid_len: u32,
    /// SSID bytes.
    pub ssid: [u8; 32],
    /// Password, NUL-terminated.
    pub password: [u8; 64],
}
const _: () = assert!(4 + 32 + 64 == AP_RECORD_LEN);

/// The fields espdump reads from a system-parameter copy (SDK `struct softap_config` /
/// `station_config` as saved), each at its offset in [`c`].
#[derive(Debug, Clone, PartialEq, Eq, BinRead)]
#[br(little)]
pub struct RawParams {
    /// Station SSID length.
    #[br(seek_before = SeekFrom::Start(OFF_STA_SSID_LEN as u64))]
    pub sta_ssid_len: u32,
    /// Station SSID.
    #[br(seek_before = SeekFrom::Start(OFF_STA_SSID as u64))]
    pub sta_ssid: [u8; 32],
    /// Station password, NUL-terminated.
    #[br(seek_before = SeekFrom::Start(OFF_STA_PASSWORD as u64))]
    pub sta_password: [u8; 64],
    /// softAP SSID length.
    #[br(seek_before = SeekFrom::Start(OFF_AP_SSID_LEN as u64))]
    pub ap_ssid_len: u32,
    /// softAP SSID.
    #[br(seek_before = SeekFrom::Start(OFF_AP_SSID as u64))]
    pub ap_ssid: [u8; 32],
    /// softAP password, NUL-terminated.
    #[br(seek_before = SeekFrom::Start(OFF_AP_PASSWORD as u64))]
    pub ap_password: [u8; 64],
    /// Cached AP records.
    #[br(seek_before = SeekFrom::Start(OFF_AP_RECORDS as u64))]
    pub ap_records: [RawApRecord; AP_RECORD_COUNT],
    /// Stored station MAC.
    #[br(seek_before = SeekFrom::Start(OFF_STA_MAC as u64))]
    pub sta_mac: [u8; 6],
}

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

/// A 32-bit value checked against the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ParamChecksum {
    /// From the flag sector.
    pub stored: u32,
    /// XOR of the checksummed bytes, seeded with 0xEF.
    pub computed: u32,
    /// Equal.
    pub valid: bool,
}

/// One system-parameter copy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamCopy {
    /// 0 or 1.
    pub index: u8,
    /// Offset in the input.
    pub offset: u64,
    /// True when the flag sector names this copy.
    pub active: bool,
    /// True when the sector is all 0xFF.
    pub erased: bool,
    /// Checksum of the first `length` bytes, if a flag sector exists.
    pub checksum: Option<ParamChecksum>,
    /// Station SSID (raw bytes, untrusted).
    #[serde(skip)]
    pub sta_ssid: Option<Vec<u8>>,
    /// Station password (raw bytes; secret).
    #[serde(skip)]
    pub sta_password: Option<Vec<u8>>,
    /// softAP SSID.
    #[serde(skip)]
    pub ap_ssid: Option<Vec<u8>>,
    /// softAP password (secret).
    #[serde(skip)]
    pub ap_password: Option<Vec<u8>>,
    /// Cached AP records (SSID, password).
    #[serde(skip)]
    pub ap_records: Vec<(Vec<u8>, Vec<u8>)>,
    /// Stored station MAC.
    pub mac: Option<[u8; 6]>,
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

fn c_string(b: &[u8]) -> Vec<u8> {
    let n = b.iter().position(|&x| x == 0).unwrap_or(b.len());
    b[..n].to_vec()
}

/// An SSID stored with its length: 1..=32 bytes, none of them NUL or erased.
fn ssid_with_len(len: u32, raw: &[u8; 32]) -> Option<Vec<u8>> {
    let s = raw.get(..usize::try_from(len).ok().filter(|n| (1..=32).contains(n))?)?;
    s.iter().all(|&x| x != 0 && x != ERASED).then(|| s.to_vec())
}

/// A NUL-terminated text field that is neither empty nor erased.
fn text_field(raw: &[u8]) -> Option<Vec<u8>> {
    if matches!(raw.first(), None | Some(&ERASED) | Some(&0)) {
        return None;
    }
    Some(c_string(raw))
}

fn parse_copy(sector: &[u8], index: u8, offset: usize) -> ParamCopy {
    let erased = is_erased(sector);
    let mut copy = ParamCopy {
        index,
        offset: offset as u64,
        active: false,
        erased,
        checksum: None,
        sta_ssid: None,
        sta_password: None,
        ap_ssid: None,
        ap_password: None,
        ap_records: vec![],
        mac: None,
    };
    if erased {
        return copy;
    }
    let Some(p) = read_at::<RawParams>(sector, 0) else {
        return copy;
    };
    copy.sta_ssid = ssid_with_len(p.sta_ssid_len, &p.sta_ssid);
    if copy.sta_ssid.is_some() {
        copy.sta_password = text_field(&p.sta_password);
    }
    copy.ap_ssid = ssid_with_len(p.ap_ssid_len, &p.ap_ssid);
    if copy.ap_ssid.is_some() {
        copy.ap_password = text_field(&p.ap_password);
    }
    for r in &p.ap_records {
        if let Some(ssid) = ssid_with_len(r.ssid_len, &r.ssid) {
            let pw = text_field(&r.password).unwrap_or_default();
            copy.ap_records.push((ssid, pw));
        }
    }
    let m = p.sta_mac;
    let plausible = m.iter().any(|&x| x != 0xFF) && m.iter().any(|&x| x != 0) && m[0] & 1 == 0;
    copy.mac = plausible.then_some(m);
    copy
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

/// The system-parameter checksum: the XOR checksum ([`crate::image::xor_checksum`], seed 0xEF)
/// of the first `len` bytes, as the flag sector stores it (a u32).
pub fn param_checksum(b: &[u8], len: usize) -> u32 {
    u32::from(crate::image::xor_checksum([&b[..len.min(b.len())]]))
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

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The first Espressif SDK version string in `hay` and its offset: `d.d.d` (one or two digits
/// each), an optional `-dev`, then the 7-digit lower-case git hash in parentheses, as the SDK's
/// `system_get_sdk_version()` returns it (`2.2.2-dev(38a443e)`, `2.2.1(cfd48f3)`). The one SDK
/// version scan: firmware identification and the Tasmota image reader both call it.
pub fn version_in(hay: &[u8]) -> Option<(usize, String)> {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'(', &hay[i..]) {
        let at = i + p;
        i = at + 1;
        let hex = hay.get(at + 1..at + 9)?;
        if !(hex[..7]
            .iter()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && hex[7] == b')')
        {
            continue;
        }
        let mut st = at;
        while st > 0 && (hay[st - 1].is_ascii_digit() || b".-dev".contains(&hay[st - 1])) {
            st -= 1;
        }
        let head = &hay[st..at];
        let core = head.strip_suffix(b"-dev").unwrap_or(head);
        let parts: Vec<&[u8]> = core.split(|&b| b == b'.').collect();
        if parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 2 && p.iter().all(u8::is_ascii_digit))
        {
            return Some((st, String::from_utf8_lossy(&hay[st..at + 9]).into_owned()));
        }
    }
    None
}

/// MAC as `aa:bb:cc:dd:ee:ff`: the form every report prints.
pub fn mac_string(m: &[u8; 6]) -> String {
    mac_text(m, ":", false)
}

/// MAC as hex pairs joined by `sep`, lower or upper case (`aa:bb:..`, `AABB..`): the one MAC
/// formatter ([`mac_string`] is its report form).
pub fn mac_text(m: &[u8; 6], sep: &str, upper: bool) -> String {
    m.iter()
        .map(|b| {
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect::<Vec<_>>()
        .join(sep)
}

impl ParamCopy {
    /// The copy's values as configuration items.
    pub fn config(&self) -> ConfigSection {
        let o = self.offset;
        let mut items = Vec::new();
        if let Some(s) = &self.sta_ssid {
            items.push(ConfigItem::new(
                "sta_ssid",
                text(s),
                Class::Site,
                Some(o + OFF_STA_SSID as u64),
            ));
        }
        if let Some(p) = &self.sta_password {
            items.push(ConfigItem::new(
                "sta_password",
                text(p),
                Class::Secret,
                Some(o + OFF_STA_PASSWORD as u64),
            ));
        }
        if let Some(s) = &self.ap_ssid {
            let class = if softap_names_unit(s) {
                Class::Identity
            } else {
                Class::Site
            };
            items.push(ConfigItem::new(
                "ap_ssid",
                text(s),
                class,
                Some(o + OFF_AP_SSID as u64),
            ));
        }
        if let Some(p) = &self.ap_password {
            items.push(ConfigItem::new(
                "ap_password",
                text(p),
                Class::Secret,
                Some(o + OFF_AP_PASSWORD as u64),
            ));
        }
        for (i, (s, p)) in self.ap_records.iter().enumerate() {
            let base = o + (OFF_AP_RECORDS + i * AP_RECORD_LEN) as u64;
            items.push(ConfigItem::new(
                format!("ap_record[{i}].ssid"),
                text(s),
                Class::Site,
                Some(base + 4),
            ));
            if !p.is_empty() {
                items.push(ConfigItem::new(
                    format!("ap_record[{i}].password"),
                    text(p),
                    Class::Secret,
                    Some(base + 36),
                ));
            }
        }
        if let Some(m) = &self.mac {
            items.push(ConfigItem::new(
                "sta_mac",
                mac_string(m),
                Class::Identity,
                Some(o + OFF_STA_MAC as u64),
            ));
        }
        ConfigSection {
            source: format!(
                "sdk system params copy {} @0x{:x}{}",
                self.index,
                self.offset,
                if self.active {
                    " (current)"
                } else {
                    " (previous)"
                }
            ),
            live: self.active,
            items,
        }
    }

    /// Stored MAC as identity evidence.
    pub fn mac_evidence(&self) -> Option<MacEvidence> {
        self.mac.map(|mac| MacEvidence {
            mac,
            source: format!("sdk system params copy {}", self.index),
            offset: self.offset + OFF_STA_MAC as u64,
        })
    }
}

/// A softAP SSID that names this unit: the SDK default `ESP_<MAC tail>`, ITEAD's
/// `ITEAD-<deviceid>`, or any name ending in `-`/`_` and four or more hex digits (the MAC or id
/// tail vendors append: `SmartLife-1A2B`, `shelly1-A1B2C3`).
pub fn softap_names_unit(s: &[u8]) -> bool {
    if s.starts_with(b"ESP_") || s.starts_with(crate::vendors::ewelink::AP_PREFIX) {
        return true;
    }
    let tail = match s.iter().rposition(|&b| b == b'-' || b == b'_') {
        Some(i) => &s[i + 1..],
        None => return false,
    };
    tail.len() >= 4 && tail.iter().all(u8::is_ascii_hexdigit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softap_names() {
        assert!(softap_names_unit(b"ESP_0A1B2C"));
        assert!(softap_names_unit(b"ITEAD-1000abcdef"));
        assert!(softap_names_unit(b"SmartLife-1A2B"));
        assert!(!softap_names_unit(b"WLED-AP"));
        assert!(!softap_names_unit(b"MyNetwork"));
        assert!(!softap_names_unit(b"Net-abc"));
    }

    /// A 1 MiB image with an SDK tail holding fake credentials in copy 1.
    pub(crate) fn tail_fixture() -> Vec<u8> {
        let size = 0x10_0000;
        let mut v = vec![0xFFu8; size];
        let phy = size - PHY_FROM_END;
        v[phy..phy + 128].copy_from_slice(&[5u8; 128]);
        let p1 = size - PARAM1_FROM_END;
        v[p1..p1 + 0x4A4].fill(0);
        v[p1 + OFF_STA_SSID_LEN..p1 + OFF_STA_SSID_LEN + 4].copy_from_slice(&7u32.to_le_bytes());
        v[p1 + OFF_STA_SSID..p1 + OFF_STA_SSID + 7].copy_from_slice(b"FakeNet");
        v[p1 + OFF_STA_PASSWORD..p1 + OFF_STA_PASSWORD + 9].copy_from_slice(b"fakepass1");
        v[p1 + OFF_AP_SSID_LEN..p1 + OFF_AP_SSID_LEN + 4].copy_from_slice(&10u32.to_le_bytes());
        v[p1 + OFF_AP_SSID..p1 + OFF_AP_SSID + 10].copy_from_slice(b"ESP_0A0B0C");
        v[p1 + OFF_STA_MAC..p1 + OFF_STA_MAC + 6]
            .copy_from_slice(&[0x5C, 0xCF, 0x7F, 0x0A, 0x0B, 0x0C]);
        let f = size - FLAG_FROM_END;
        let ck = param_checksum(&v[p1..], 32);
        let mut flag = vec![1u8, 0xFF, 0xFF, 0xFF];
        for w in [FLAG_MAGIC1, 3, 32, 32, 0xEF, ck, FLAG_MAGIC2] {
            flag.extend_from_slice(&w.to_le_bytes());
        }
        v[f..f + flag.len()].copy_from_slice(&flag);
        v
    }

    #[test]
    fn finds_active_copy_and_fields() {
        let v = tail_fixture();
        let tails = find(&v, Some(0x10_0000), None);
        assert_eq!(tails.len(), 1);
        let t = &tails[0];
        assert_eq!(t.layout, TailLayout::Sdk);
        assert_eq!(t.rf_cal_offset, 0xFB000);
        let f = t.flag.as_ref().unwrap();
        assert_eq!((f.current, f.counter, f.second_magic), (1, 3, true));
        let a = t.active_copy().unwrap();
        assert_eq!(a.index, 1);
        assert_eq!(a.sta_ssid.as_deref(), Some(&b"FakeNet"[..]));
        assert_eq!(a.sta_password.as_deref(), Some(&b"fakepass1"[..]));
        assert_eq!(a.ap_ssid.as_deref(), Some(&b"ESP_0A0B0C"[..]));
        assert_eq!(a.mac, Some([0x5C, 0xCF, 0x7F, 0x0A, 0x0B, 0x0C]));
        assert!(a.checksum.unwrap().valid);
        assert!(t.copies[0].erased);
        let cfg = a.config().masked();
        let pw = cfg.items.iter().find(|i| i.key == "sta_password").unwrap();
        assert_eq!(pw.value, crate::report::MASK);
        assert_eq!(pw.offset, Some(0xFE000 + 0x37));
    }

    #[test]
    fn bad_checksum_is_a_finding() {
        let mut v = tail_fixture();
        v[0xFE000] ^= 1;
        let t = &find(&v, None, None)[0];
        assert!(!t.active_copy().unwrap().checksum.unwrap().valid);
        assert_eq!(t.findings[0].code, "sdk_param_checksum_mismatch");
    }

    #[test]
    fn erased_tail_is_not_sdk() {
        assert!(find(&vec![0xFF; 0x10_0000], Some(0x8_0000), None).is_empty());
        assert!(find(&[0u8; 100], Some(0x8_0000), None).is_empty());
    }

    #[test]
    fn mac_forms() {
        let m = [0x5C, 0xCF, 0x7F, 0x0A, 0x0B, 0x0C];
        assert_eq!(mac_string(&m), "5c:cf:7f:0a:0b:0c");
        assert_eq!(mac_text(&m, "", true), "5CCF7F0A0B0C");
        assert_eq!(mac_text(&m, "-", false), "5c-cf-7f-0a-0b-0c");
    }

    #[test]
    fn sdk_version_strings() {
        let hay = b"\0\x002.2.1(cfd48f3)\0";
        assert_eq!(version_in(hay), Some((2, "2.2.1(cfd48f3)".into())));
        assert_eq!(
            version_in(b"x3.0.4-dev(abcdef0)"),
            Some((1, "3.0.4-dev(abcdef0)".into()))
        );
        assert_eq!(version_in(b"2.2.1(CFD48F3)"), None);
        assert_eq!(version_in(b"123.2.1(cfd48f3)"), None);
        assert_eq!(version_in(b"2.2.1(cfd48f"), None);
    }
}
