//! Tuya stock firmware (ESP8266 Tuya IoT SDK): the factory record, the firmware name, version and
//! build date the image states, the product key, and the user-configuration sectors.
//!
//! The factory record is written by Tuya's production tool: NUL-padded JSON objects at the start
//! of one sector (the one the SDK layout would use for RF calibration, size − 0x5000; Tuya moves
//! RF calibration elsewhere with `user_rf_cal_sector_set`). The first object holds the MAC
//! (`mac_addr` or `mac`), `prod_idx` (the unit's uuid), `auz_key` and `pskKey` (the keys the unit
//! authenticates to the Tuya cloud with) and `prod_test`; the next ones the softAP settings
//! (`ap_ssid`, `ap_pwd`) and the country code (`CC`). Public write-ups: tuya-convert's wiki and
//! issue logs, tuya-cloudcutter. See `docs/firmware.md`.

use crate::formats::flash::SECTOR_SIZE;
use crate::report::{Class, ConfigItem, ConfigSection, Finding};
use memchr::memmem;
use serde::Serialize;
use serde_json::Value;

use super::{c_string, is_c_date, is_c_time, is_dotted3, strings_after, strings_before, Found};

/// Keys that mark a factory record object (at least two must be present).
pub const RECORD_KEYS: &[&str] = &[
    "prod_idx",
    "auz_key",
    "auzkey",
    "pskKey",
    "uuid",
    "prod_test",
];
/// Size of one JSON slot in the record sector: objects start on these boundaries.
pub const SLOT: usize = 0x80;

/// One JSON object of the record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordObject {
    /// Offset of the `{`.
    pub offset: u64,
    /// The raw text (untrusted).
    pub raw: String,
    /// The parsed object.
    pub value: serde_json::Map<String, Value>,
}

/// The factory record sector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactoryRecord {
    /// Offset of the sector.
    pub offset: u64,
    /// Bytes in use (up to the last byte that is not 0xFF).
    pub used: u64,
    /// The objects in order.
    pub objects: Vec<RecordObject>,
}

impl FactoryRecord {
    /// A value of any object.
    pub fn get(&self, key: &str) -> Option<(&RecordObject, &Value)> {
        self.objects
            .iter()
            .find_map(|o| o.value.get(key).map(|v| (o, v)))
    }
}

/// Parse the JSON objects at the start of slots in a sector. None unless one of them is a
/// factory record object (two of [`RECORD_KEYS`]).
pub fn parse_record(sector: &[u8], offset: u64) -> Option<FactoryRecord> {
    let mut objects = Vec::new();
    for slot in (0..sector.len()).step_by(SLOT) {
        if sector[slot] != b'{' {
            continue;
        }
        let n = sector[slot..]
            .iter()
            .take(SECTOR_SIZE)
            .position(|&b| b == 0 || b == 0xFF);
        let Some(n) = n else { continue };
        let raw = &sector[slot..slot + n];
        if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(raw) {
            objects.push(RecordObject {
                offset: offset + slot as u64,
                raw: super::text(raw),
                value: m,
            });
        }
    }
    let is_record = objects.iter().any(|o| {
        RECORD_KEYS
            .iter()
            .filter(|k| o.value.contains_key(**k))
            .count()
            >= 2
    });
    if !is_record {
        return None;
    }
    let used = sector.iter().rposition(|&b| b != 0xFF).map_or(0, |i| i + 1);
    Some(FactoryRecord {
        offset,
        used: used as u64,
        objects,
    })
}

/// Every factory record on a sector boundary of `data`.
pub fn find_records(data: &[u8]) -> Vec<FactoryRecord> {
    (0..data.len())
        .step_by(SECTOR_SIZE)
        .filter(|&o| data[o] == b'{')
        .filter_map(|o| parse_record(&data[o..(o + SECTOR_SIZE).min(data.len())], o as u64))
        .collect()
}

/// How a record key is classed.
pub fn classify(key: &str) -> Class {
    match key {
        "prod_idx" | "uuid" | "mac" | "mac_addr" => Class::Identity,
        "auz_key" | "auzkey" | "pskKey" | "psk_key" | "ap_pwd" => Class::Secret,
        "ap_ssid" | "CC" | "prod_test" => Class::Factory,
        _ => Class::Factory,
    }
}

/// Offset of a key's value inside an object's raw text (the first quote or digit after `"key":`).
fn value_offset(o: &RecordObject, key: &str) -> Option<u64> {
    let pat = format!("\"{key}\":");
    let p = memmem::find(o.raw.as_bytes(), pat.as_bytes())? + pat.len();
    let q = if o.raw.as_bytes().get(p) == Some(&b'"') {
        p + 1
    } else {
        p
    };
    Some(o.offset + q as u64)
}

/// The record as a config section.
pub fn section(r: &FactoryRecord) -> ConfigSection {
    let mut items = Vec::new();
    for o in &r.objects {
        for (k, v) in &o.value {
            items.push(ConfigItem::new(
                k.as_str(),
                v.clone(),
                classify(k),
                value_offset(o, k),
            ));
        }
    }
    ConfigSection {
        source: format!("tuya factory record @0x{:06x}", r.offset),
        live: true,
        items,
    }
}

/// The finding every Tuya dump with a record gets.
pub fn findings(r: &FactoryRecord) -> Vec<Finding> {
    vec![Finding::warning(
        "tuya_cloud_identity",
        Some(r.offset),
        "the Tuya factory record holds this unit's uuid (prod_idx), auth key and PSK key: a copy of \
         this dump on another unit clones its Tuya cloud identity (both units would log in as one \
         device), and a factory reset keeps the record",
    )]
}

/// What the application image states (from `user_main.c` of Tuya's SDK template, which logs
/// `APP_BIN_NAME`, `USER_SW_VER` and `__DATE__ __TIME__` one after the other, so the literals sit
/// together: name, version, date, time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    /// Marker strings.
    pub markers: Vec<Found>,
    /// `APP_BIN_NAME`, e.g. `oem_esp_curtain_ruijie`, `esp_common_raw`.
    pub firmware_name: Option<Found>,
    /// `USER_SW_VER`, e.g. `1.0.7`.
    pub version: Option<Found>,
    /// Build date and time as `__DATE__ __TIME__`.
    pub build: Option<Found>,
    /// The short version strings that follow the build time (e.g. `5.57`, `2.2`, `3.3`; they
    /// look like the SDK base, protocol and LAN protocol versions, unconfirmed by a source).
    pub sdk_versions: Vec<String>,
    /// The product key compiled in (16 characters starting with `key`), when there is one.
    /// Generic modules driven by an MCU (TuyaMCU) have none: the MCU reports it.
    pub product_key: Option<Found>,
}

/// Marker strings of the Tuya IoT SDK.
pub const MARKERS: &[&[u8]] = &[
    b"tuya_mdev_test",
    b"tuya_ws_db.c",
    b"tuya_httpc.c",
    b"tuya_fw_ug.c",
    b"https://a3.tuyaeu.com/gw.json",
    b"smart_wf_frame.c",
];

/// Look for the Tuya SDK in an application image.
pub fn scan_image(app: &[u8], base: u64) -> Option<ImageInfo> {
    let markers = super::two_markers(app, base, MARKERS)?;
    let mut info = ImageInfo {
        markers,
        firmware_name: None,
        version: None,
        build: None,
        sdk_versions: Vec::new(),
        product_key: product_key(app, base),
    };
    let f = |(o, s): (usize, &[u8])| Found {
        offset: base + o as u64,
        text: super::text(s),
    };
    for at in memmem::find_iter(app, b"user_main.c\0") {
        // Within the strings of user_main.c: find `__DATE__`, `__TIME__`.
        let strings = strings_after(app, at, 8, 64);
        let Some(i) = strings
            .windows(2)
            .position(|w| is_c_date(w[0].1) && is_c_time(w[1].1))
        else {
            continue;
        };
        let (date_o, date) = strings[i];
        let time = strings[i + 1].1;
        info.build = Some(Found {
            offset: base + date_o as u64,
            text: format!("{} {}", super::text(date), super::text(time)),
        });
        let before = strings_before(app, date_o, 2, 64);
        if let Some(&(o, v)) = before.first().filter(|(_, v)| is_dotted3(v)) {
            info.version = Some(f((o, v)));
            info.firmware_name = before.get(1).copied().map(f);
        }
        info.sdk_versions = strings
            .iter()
            .skip(i + 2)
            .take(3)
            .take_while(|(_, s)| s.len() <= 6 && s.contains(&b'.') && s[0].is_ascii_digit())
            .map(|(_, s)| super::text(s))
            .collect();
        break;
    }
    Some(info)
}

/// A NUL-delimited 16-character `key[a-z0-9]{13}` string: the product key format Tuya assigns.
fn product_key(app: &[u8], base: u64) -> Option<Found> {
    memmem::find_iter(app, b"\0key").find_map(|p| {
        let s = c_string(app, p + 1, 16)?;
        (s.len() == 16
            && s.iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        .then(|| Found {
            offset: base + p as u64 + 1,
            text: super::text(s),
        })
    })
}

/// How a sector of the Tuya user-configuration window looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaKind {
    /// High-entropy data: the SDK's encrypted key-value store (Wi-Fi, local key, device id, schema).
    Encrypted,
    /// A little-endian length followed by JSON (timers, schedules).
    Json,
    /// The RF calibration record (same shape as the SDK's at size − 0x5000 elsewhere).
    RfCal,
    /// Anything else.
    Other,
}

/// Classify one non-erased sector of the user-configuration window.
pub fn classify_area(sector: &[u8]) -> AreaKind {
    if sector.len() >= 5 && (sector[4] == b'[' || sector[4] == b'{') {
        let n = u32::from_le_bytes([sector[0], sector[1], sector[2], sector[3]]) as usize;
        if n > 1 && n + 4 <= sector.len() {
            return AreaKind::Json;
        }
    }
    if sector.starts_with(&[0, 0, 0xFF, 0]) {
        return AreaKind::RfCal;
    }
    if ecb_repeats(sector) >= 4 || entropy(sector) > 7.0 {
        return AreaKind::Encrypted;
    }
    AreaKind::Other
}

/// How often the most frequent 16-byte block repeats, counting only blocks that look like
/// cipher text (at least 12 distinct byte values). The SDK encrypts its key-value store with
/// AES-128 in ECB mode (`flash_aes128_ecb_encrypt`), so its constant padding becomes one
/// high-entropy block repeated; plain data, code and erased flash do not look like that.
pub fn ecb_repeats(sector: &[u8]) -> usize {
    let mut blocks: Vec<&[u8]> = sector
        .chunks_exact(16)
        .filter(|b| {
            let mut seen = [false; 256];
            b.iter().for_each(|&x| seen[x as usize] = true);
            seen.iter().filter(|&&x| x).count() >= 12
        })
        .collect();
    blocks.sort_unstable();
    blocks
        .chunk_by(|a, b| a == b)
        .map(<[&[u8]]>::len)
        .max()
        .unwrap_or(0)
}

/// Shannon entropy in bits per byte.
pub fn entropy(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &x in b {
        counts[x as usize] += 1;
    }
    let n = b.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synthetic_sector() -> Vec<u8> {
        let mut s = vec![0xFFu8; SECTOR_SIZE];
        s[..0x200].fill(0);
        let rec = br#"{"mac_addr":"020000000001","prod_idx":"00000001","auz_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","pskKey":"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB","prod_test":false}"#;
        s[..rec.len()].copy_from_slice(rec);
        let ap = br#"{"ap_ssid":"SmartLife","ap_pwd":null}"#;
        s[0x100..0x100 + ap.len()].copy_from_slice(ap);
        let cc = br#"{"CC":"XX"}"#;
        s[0x180..0x180 + cc.len()].copy_from_slice(cc);
        s
    }

    #[test]
    fn decodes_the_record_objects() {
        let r = parse_record(&synthetic_sector(), 0xFB000).unwrap();
        assert_eq!(r.objects.len(), 3);
        assert_eq!(r.used, 0x200);
        assert_eq!(r.objects[1].offset, 0xFB100);
        let sec = section(&r);
        let class = |k: &str| sec.items.iter().find(|i| i.key == k).unwrap().class;
        assert_eq!(class("prod_idx"), Class::Identity);
        assert_eq!(class("mac_addr"), Class::Identity);
        assert_eq!(class("auz_key"), Class::Secret);
        assert_eq!(class("pskKey"), Class::Secret);
        assert_eq!(class("ap_pwd"), Class::Secret);
        let idx = sec.items.iter().find(|i| i.key == "prod_idx").unwrap();
        // `{"mac_addr":"020000000001","prod_idx":"` is 39 bytes long.
        assert_eq!(idx.offset, Some(0xFB000 + 39));
    }

    #[test]
    fn other_json_is_not_a_record() {
        let mut s = vec![0u8; 0x100];
        let j = br#"{"CC":"XX"}"#;
        s[..j.len()].copy_from_slice(j);
        assert!(parse_record(&s, 0).is_none());
        let mut dump = vec![0xFFu8; 0x4000];
        dump[0x2000..0x3000].copy_from_slice(&synthetic_sector());
        assert_eq!(find_records(&dump).len(), 1);
    }

    #[test]
    fn image_states_name_version_build_and_key() {
        let mut app = b"\0key0123456789abc\0tuya_mdev_test\0tuya_ws_db.c\0".to_vec();
        app.extend_from_slice(b"tuya_mdev_test1\0user_main.c\0oem_demo\x001.2.3\0Apr 14 2020\x0010:46:17\x005.57\x002.2\x003.3\0app_init_task\0");
        let i = scan_image(&app, 0x1000).unwrap();
        assert_eq!(i.version.as_ref().unwrap().text, "1.2.3");
        assert_eq!(i.firmware_name.as_ref().unwrap().text, "oem_demo");
        assert_eq!(i.build.as_ref().unwrap().text, "Apr 14 2020 10:46:17");
        assert_eq!(i.sdk_versions, vec!["5.57", "2.2", "3.3"]);
        assert_eq!(i.product_key.as_ref().unwrap().offset, 0x1001);
    }

    #[test]
    fn areas() {
        let mut j = vec![0xFFu8; 64];
        j[..4].copy_from_slice(&20u32.to_le_bytes());
        j[4] = b'[';
        assert_eq!(classify_area(&j), AreaKind::Json);
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(classify_area(&noise), AreaKind::Encrypted);
        assert_eq!(classify_area(&[0, 0, 0xFF, 0, 1, 2]), AreaKind::RfCal);
    }
}

/// Tuya's OTA container (what the cloud sends and tuya-convert's `upgrade.bin` imitates): magic
/// `55 AA 55 AA`, an 11-byte NUL-padded version, a big-endian u32 count, per image a big-endian
/// (offset, length, byte sum), a big-endian u32 byte sum of everything before it, magic
/// `AA 55 AA 55`, then the images (user1 and user2 OTA images).
pub const OTA_MAGIC: [u8; 4] = [0x55, 0xAA, 0x55, 0xAA];
/// Trailer of the container header.
pub const OTA_TRAILER: [u8; 4] = [0xAA, 0x55, 0xAA, 0x55];

/// One image of an OTA container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtaEntry {
    /// Offset in the file.
    pub offset: u64,
    /// Length.
    pub len: u64,
    /// The stored byte sum matches the data.
    pub sum_valid: bool,
}

/// A decoded OTA container header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ota {
    /// The version field.
    pub version: String,
    /// Length of the header (up to the first image).
    pub header_len: u64,
    /// The images.
    pub entries: Vec<OtaEntry>,
}

/// Parse an OTA container at the start of `d`. None unless the magic, the trailer and the header
/// byte sum all check.
pub fn parse_ota(d: &[u8]) -> Option<Ota> {
    let be =
        |o: usize| -> Option<u32> { Some(u32::from_be_bytes(d.get(o..o + 4)?.try_into().ok()?)) };
    if !d.starts_with(&OTA_MAGIC) {
        return None;
    }
    let count = be(0x0F)? as usize;
    if count == 0 || count > 8 {
        return None;
    }
    let sum_at = 0x13 + 12 * count;
    if d.get(sum_at + 4..sum_at + 8)? != OTA_TRAILER {
        return None;
    }
    let sum: u32 = d[..sum_at].iter().map(|&b| b as u32).sum();
    if sum != be(sum_at)? {
        return None;
    }
    let entries = (0..count)
        .map(|i| {
            let e = 0x13 + 12 * i;
            let (off, len, s) = (be(e)? as usize, be(e + 4)? as usize, be(e + 8)?);
            let data = d.get(off..off.checked_add(len)?);
            Some(OtaEntry {
                offset: off as u64,
                len: len as u64,
                sum_valid: data
                    .is_some_and(|b| b.iter().fold(0u32, |a, &x| a.wrapping_add(x as u32)) == s),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Ota {
        version: super::field_string(&d[4..0x0F]).unwrap_or_default(),
        header_len: (sum_at + 8) as u64,
        entries,
    })
}

#[cfg(test)]
mod ota_tests {
    use super::*;

    #[test]
    fn container_header() {
        let img1 = vec![0xEAu8, 4, 0, 0, 1, 2, 3];
        let img2 = vec![0xEAu8, 4, 9, 9];
        let mut h = OTA_MAGIC.to_vec();
        let mut ver = b"1.2.3".to_vec();
        ver.resize(11, 0);
        h.extend_from_slice(&ver);
        h.extend_from_slice(&2u32.to_be_bytes());
        let first = 0x13 + 24 + 8;
        let sum = |b: &[u8]| b.iter().map(|&x| x as u32).sum::<u32>();
        for (o, b) in [(first, &img1), (first + img1.len(), &img2)] {
            h.extend_from_slice(&(o as u32).to_be_bytes());
            h.extend_from_slice(&(b.len() as u32).to_be_bytes());
            h.extend_from_slice(&sum(b).to_be_bytes());
        }
        let hs = sum(&h);
        h.extend_from_slice(&hs.to_be_bytes());
        h.extend_from_slice(&OTA_TRAILER);
        h.extend_from_slice(&img1);
        h.extend_from_slice(&img2);
        let o = parse_ota(&h).unwrap();
        assert_eq!(o.version, "1.2.3");
        assert_eq!(o.header_len, first as u64);
        assert_eq!(o.entries.len(), 2);
        assert!(o.entries.iter().all(|e| e.sum_valid));
        assert_eq!(o.entries[1].offset, (first + img1.len()) as u64);
        let mut bad = h.clone();
        bad[5] ^= 1;
        assert!(parse_ota(&bad).is_none(), "header sum");
        let mut bad = h.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert!(!parse_ota(&bad).unwrap().entries[1].sum_valid);
    }
}
