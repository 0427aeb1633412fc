//! ITEAD stock firmware (eWeLink, "iotgo"): the factory record and what the image states.
//!
//! The factory record is one 4 KiB sector written by ITEAD's production tool (see
//! `docs/firmware.md`): the factory test network's SSID and password (firmware constants
//! `IOTGO_DEVICE_DEFAULT_SSID`/`_PASSWORD`), then the `FactoryData` struct of the iotgo sources
//! (`device_model[21]`, `deviceid[11]`, `factory_apikey[37]`, `sta_mac[6]`, `sap_mac[6]`), then
//! the softAP IP settings, SSID (`ITEAD-<deviceid>`) and password. The record is found by its two
//! leading constants, wherever the flash map puts it (0x78000 on the 1 MiB map the corpus shows).

use crate::formats::flash::SECTOR_SIZE;
use crate::report::{Class, ConfigItem, ConfigSection, Finding};
use memchr::memmem;
use serde::Serialize;

use super::{c_string, field_string, is_dotted3, strings_after, strings_before, Found};
use crate::formats::sdk::mac_string as mac_text;

/// The factory test network SSID, first field of the record (and a literal in the image).
pub const TEST_SSID: &[u8; 8] = b"8DB0839D";
/// The factory test network password, second field.
pub const TEST_PASSWORD: &[u8; 8] = b"094FAFE8";
/// Field offsets in the record sector (production tool layout).
pub const OFF_TEST_PASSWORD: usize = 0x20;
/// `device_model[21]`.
pub const OFF_MODEL: usize = 0x67;
/// `deviceid[11]`.
pub const OFF_DEVICE_ID: usize = 0x7C;
/// `factory_apikey[37]`.
pub const OFF_APIKEY: usize = 0x87;
/// `sta_mac[6]`.
pub const OFF_STA_MAC: usize = 0xAC;
/// `sap_mac[6]`.
pub const OFF_SAP_MAC: usize = 0xB2;
/// softAP IP, netmask, gateway (3 x 4 bytes).
pub const OFF_AP_IP: usize = 0xB8;
/// softAP SSID (32 bytes, `ITEAD-<deviceid>`).
pub const OFF_AP_SSID: usize = 0xC4;
/// softAP password (64 bytes).
pub const OFF_AP_PASSWORD: usize = 0xE4;
/// Bytes the tool writes before the 0xFF fill.
pub const RECORD_LEN: usize = 0x174;
/// Prefix of the softAP SSID.
pub const AP_PREFIX: &[u8] = b"ITEAD-";

/// The decoded factory record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactoryRecord {
    /// Offset of the sector.
    pub offset: u64,
    /// `device_model` (the ITEAD module/product code).
    pub model: Option<String>,
    /// `deviceid`: the eWeLink cloud id of this unit.
    pub device_id: Option<String>,
    /// `factory_apikey`: the key the unit authenticates to the cloud with.
    pub apikey: Option<String>,
    /// Station MAC.
    pub sta_mac: [u8; 6],
    /// softAP MAC.
    pub sap_mac: [u8; 6],
    /// softAP IPv4 address.
    pub ap_ip: [u8; 4],
    /// softAP SSID.
    pub ap_ssid: Option<String>,
    /// softAP password.
    pub ap_password: Option<String>,
}

/// Decode a record sector (`sector` starts at the record; `offset` is its place in the dump).
pub fn parse_record(sector: &[u8], offset: u64) -> Option<FactoryRecord> {
    if sector.len() < RECORD_LEN
        || !sector.starts_with(TEST_SSID)
        || &sector[OFF_TEST_PASSWORD..OFF_TEST_PASSWORD + 8] != TEST_PASSWORD
    {
        return None;
    }
    let f = |o: usize, n: usize| field_string(&sector[o..o + n]).filter(|s| !s.is_empty());
    let mac = |o: usize| -> [u8; 6] { sector[o..o + 6].try_into().unwrap_or([0; 6]) };
    Some(FactoryRecord {
        offset,
        model: f(OFF_MODEL, 21),
        device_id: f(OFF_DEVICE_ID, 11),
        apikey: f(OFF_APIKEY, 37),
        sta_mac: mac(OFF_STA_MAC),
        sap_mac: mac(OFF_SAP_MAC),
        ap_ip: sector[OFF_AP_IP..OFF_AP_IP + 4]
            .try_into()
            .unwrap_or([0; 4]),
        ap_ssid: f(OFF_AP_SSID, 32),
        ap_password: f(OFF_AP_PASSWORD, 64),
    })
}

/// Every factory record on a sector boundary of `data`.
pub fn find_records(data: &[u8]) -> Vec<FactoryRecord> {
    (0..data.len())
        .step_by(SECTOR_SIZE)
        .filter_map(|o| parse_record(&data[o..(o + SECTOR_SIZE).min(data.len())], o as u64))
        .collect()
}

/// Marker strings of the iotgo firmware (protocol strings of the eWeLink cloud).
pub const MARKERS: &[&[u8]] = &[
    b"iotgo_tree_",
    b"factory_apikey",
    b"POST /dispatch/device",
    b"Host: iotgo.iteadstudio.com",
    b"User-Agent: itead-device",
];

/// What the application image states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    /// Marker strings found (at least two for a match).
    pub markers: Vec<Found>,
    /// `IOTGO_FM_VERSION`, when the image states it unambiguously.
    pub version: Option<Found>,
}

/// Look for the iotgo markers in an application image (`base`: its offset in the dump).
pub fn scan_image(app: &[u8], base: u64) -> Option<ImageInfo> {
    let markers = super::two_markers(app, base, MARKERS)?;
    Some(ImageInfo {
        version: fm_version(app, base),
        markers,
    })
}

/// `IOTGO_FM_VERSION` (5 characters, `x.y.z`): the iotgo sources define the JSON tree strings
/// `json_device = "device"` and `json_fw_version = IOTGO_FM_VERSION` one after the other, so the
/// literal sits next to a NUL-delimited `"device"`. Only an `x.y.z` neighbour that is unique
/// counts; otherwise the version is not stated in a way espdump can trust.
pub fn fm_version(app: &[u8], base: u64) -> Option<Found> {
    let mut cands: Vec<(usize, &[u8])> = Vec::new();
    for at in memmem::find_iter(app, b"\0device\0").map(|o| o + 1) {
        if let Some((o, s)) = strings_before(app, at, 1, 8).into_iter().next() {
            if s.len() == 5 && is_dotted3(s) {
                cands.push((o, s));
            }
        }
        if let Some((o, s)) = strings_after(app, at, 1, 8).into_iter().next() {
            if s.len() == 5 && is_dotted3(s) && c_string(app, o, 5).is_some() {
                cands.push((o, s));
            }
        }
    }
    // The first neighbour in string order: `json_fw_version` directly follows `json_device` in
    // the source, and the compiler emitted the pair together.
    cands.sort_by_key(|&(o, _)| o);
    cands.dedup_by_key(|c| c.0);
    cands.first().map(|&(o, s)| Found {
        offset: base + o as u64,
        text: super::text(s),
    })
}

/// The record as a config section, every value classed.
pub fn section(r: &FactoryRecord) -> ConfigSection {
    let o = r.offset;
    let mut items = Vec::new();
    let mut push = |k: &str, v: &Option<String>, c: Class, off: usize| {
        if let Some(v) = v {
            items.push(ConfigItem::new(k, v.as_str(), c, Some(o + off as u64)));
        }
    };
    push("device_model", &r.model, Class::Factory, OFF_MODEL);
    push("deviceid", &r.device_id, Class::Identity, OFF_DEVICE_ID);
    push("factory_apikey", &r.apikey, Class::Secret, OFF_APIKEY);
    push("ap_ssid", &r.ap_ssid, Class::Identity, OFF_AP_SSID);
    push(
        "ap_password",
        &r.ap_password,
        Class::Secret,
        OFF_AP_PASSWORD,
    );
    items.push(ConfigItem::new(
        "sta_mac",
        mac_text(&r.sta_mac),
        Class::Identity,
        Some(o + OFF_STA_MAC as u64),
    ));
    items.push(ConfigItem::new(
        "sap_mac",
        mac_text(&r.sap_mac),
        Class::Identity,
        Some(o + OFF_SAP_MAC as u64),
    ));
    items.push(ConfigItem::new(
        "ap_ip",
        r.ap_ip
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join("."),
        Class::Setting,
        Some(o + OFF_AP_IP as u64),
    ));
    ConfigSection {
        source: format!("ewelink factory record @0x{o:06x}"),
        live: true,
        items,
    }
}

/// What the record means for cloning and sanitizing.
pub fn findings(r: &FactoryRecord) -> Vec<Finding> {
    vec![Finding::warning(
        "ewelink_cloud_identity",
        Some(r.offset),
        "the ITEAD factory record holds this unit's eWeLink device id and factory API key: a copy \
         of this dump on another unit presents itself to the eWeLink cloud as this unit, and a \
         factory reset does not regenerate them",
    )]
}

/// Where the iotgo firmware keeps the softAP SSID in the record (`ITEAD-` + device id) and
/// whether it agrees with the device id: a consistency check for the decoder.
pub fn ap_ssid_matches_id(r: &FactoryRecord) -> bool {
    match (&r.ap_ssid, &r.device_id) {
        (Some(s), Some(id)) => s.as_bytes().strip_prefix(AP_PREFIX) == Some(id.as_bytes()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the production tool lays it out, with made-up values.
    pub(crate) fn synthetic_record() -> Vec<u8> {
        let mut s = vec![0xFFu8; SECTOR_SIZE];
        s[..RECORD_LEN].fill(0);
        s[..8].copy_from_slice(TEST_SSID);
        s[OFF_TEST_PASSWORD..OFF_TEST_PASSWORD + 8].copy_from_slice(TEST_PASSWORD);
        s[OFF_MODEL..OFF_MODEL + 10].copy_from_slice(b"PSF-X00-GL");
        s[OFF_DEVICE_ID..OFF_DEVICE_ID + 10].copy_from_slice(b"1000abcdef");
        s[OFF_APIKEY..OFF_APIKEY + 36].copy_from_slice(b"00000000-1111-2222-3333-444444444444");
        s[OFF_STA_MAC..OFF_STA_MAC + 6].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
        s[OFF_SAP_MAC..OFF_SAP_MAC + 6].copy_from_slice(&[2, 0, 0, 0, 0, 2]);
        s[OFF_AP_IP..OFF_AP_IP + 12]
            .copy_from_slice(&[10, 10, 7, 1, 255, 255, 255, 0, 10, 10, 7, 1]);
        s[OFF_AP_SSID..OFF_AP_SSID + 16].copy_from_slice(b"ITEAD-1000abcdef");
        s[OFF_AP_PASSWORD..OFF_AP_PASSWORD + 8].copy_from_slice(b"12345678");
        s
    }

    #[test]
    fn decodes_the_production_layout() {
        let r = parse_record(&synthetic_record(), 0x78000).unwrap();
        assert_eq!(r.model.as_deref(), Some("PSF-X00-GL"));
        assert_eq!(r.device_id.as_deref(), Some("1000abcdef"));
        assert_eq!(r.apikey.as_deref().map(str::len), Some(36));
        assert_eq!(r.sta_mac, [2, 0, 0, 0, 0, 1]);
        assert_eq!(r.ap_ip, [10, 10, 7, 1]);
        assert!(ap_ssid_matches_id(&r));
        let sec = section(&r);
        let id = sec.items.iter().find(|i| i.key == "deviceid").unwrap();
        assert_eq!(id.class, Class::Identity);
        assert_eq!(id.offset, Some(0x78000 + OFF_DEVICE_ID as u64));
        let key = sec
            .items
            .iter()
            .find(|i| i.key == "factory_apikey")
            .unwrap();
        assert_eq!(key.class, Class::Secret);
    }

    #[test]
    fn rejects_other_sectors() {
        let mut s = synthetic_record();
        s[OFF_TEST_PASSWORD] = b'X';
        assert!(parse_record(&s, 0).is_none());
        assert!(parse_record(&[0xFF; 16], 0).is_none());
        let mut dump = vec![0xFFu8; 0x10000];
        dump[0x7000..0x8000].copy_from_slice(&synthetic_record());
        let found = find_records(&dump);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].offset, 0x7000);
    }

    #[test]
    fn version_beside_the_device_literal() {
        let mut app = b"xx\0%02X:%02X\0".to_vec();
        app.extend_from_slice(b"2.6.0\0device\x001.1.5\0");
        app.extend_from_slice(b"iotgo_tree_update\0factory_apikey\0");
        let info = scan_image(&app, 0x1000).unwrap();
        let v = info.version.unwrap();
        assert_eq!(v.text, "2.6.0");
        assert_eq!(v.offset, 0x1000 + 13);
        assert!(scan_image(b"factory_apikey only", 0).is_none());
    }
}
