//! One system-parameter copy of the SDK tail: its stored form (`RawParams`, `docs/structures.md`
//! §5), what espdump reads from it and the configuration items it reports.

use super::*;
use crate::formats::binparse::read_at;
use crate::report::{Class, ConfigItem, ConfigSection};
use binrw::{BinRead, BinWrite};
use serde::Serialize;
use std::io::SeekFrom;

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

pub(super) fn parse_copy(sector: &[u8], index: u8, offset: usize) -> ParamCopy {
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

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
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
    if s.starts_with(b"ESP_") || s.starts_with(crate::formats::vendors::ewelink::AP_PREFIX) {
        return true;
    }
    let tail = match s.iter().rposition(|&b| b == b'-' || b == b'_') {
        Some(i) => &s[i + 1..],
        None => return false,
    };
    tail.len() >= 4 && tail.iter().all(u8::is_ascii_hexdigit)
}
