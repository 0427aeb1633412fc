//! The vendor decoders on the real corpus files: offsets, kinds, versions, presence and classes.
//! Never the owners' values (device ids, keys, SSIDs): only their lengths, places and classes.

use crate::common;

use espdump::formats::vendors::{esphome, espurna, ewelink, supla, tuya, wled};
use espdump::report::Class;

#[test]
fn ewelink_factory_record_and_version() {
    require_corpus!();
    let d = common::corpus_bytes("dump_sonoff-ewelink_stock_1MB.bin");
    let recs = ewelink::find_records(&d);
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(r.offset, 0x78000);
    assert_eq!(r.device_id.as_ref().map(String::len), Some(10));
    assert_eq!(r.apikey.as_ref().map(String::len), Some(36));
    assert_eq!(r.model.as_ref().map(String::len), Some(10));
    assert!(
        ewelink::ap_ssid_matches_id(r),
        "softAP SSID is ITEAD-<deviceid>"
    );
    assert_eq!(r.sap_mac[..5], r.sta_mac[..5]);
    let sec = ewelink::section(r);
    let item = |k: &str| sec.items.iter().find(|i| i.key == k).unwrap().clone();
    assert_eq!(item("deviceid").class, Class::Identity);
    assert_eq!(item("deviceid").offset, Some(0x7807C));
    assert_eq!(item("factory_apikey").class, Class::Secret);
    assert_eq!(item("factory_apikey").offset, Some(0x78087));
    assert_eq!(item("ap_ssid").class, Class::Identity);
    assert_eq!(item("sta_mac").offset, Some(0x780AC));
    let img = ewelink::scan_image(&d[0x1000..0x68000], 0x1000).unwrap();
    assert_eq!(img.markers.len(), ewelink::MARKERS.len());
    let v = img.version.unwrap();
    assert_eq!((v.offset, v.text.as_str()), (0x65B46, "2.6.0"));
}

#[test]
fn tuya_factory_records_and_image_facts() {
    require_corpus!();
    // (file, version, firmware name, build, product key offset)
    let table: &[(&str, &str, &str, &str, Option<u64>)] = &[
        (
            "dump_tuya-switch_factory_1MB.bin",
            "1.0.7",
            "oem_esp_curtain_ruijie",
            "Apr 14 2020 10:46:17",
            Some(0x1051),
        ),
        (
            "dump_tuya-curtain-motor_stock_1MB.bin",
            "3.1.1",
            "esp_common_raw",
            "Feb 27 2019 17:34:27",
            None,
        ),
        (
            "dump_tuya-thermostat-ME102H_stock_1MB.bin",
            "3.1.4",
            "esp_common_raw",
            "Feb 27 2020 14:04:40",
            None,
        ),
    ];
    for &(file, version, name, build, pk) in table {
        let d = common::corpus_bytes(file);
        let recs = tuya::find_records(&d);
        assert_eq!(recs.len(), 1, "{file}");
        let r = &recs[0];
        assert_eq!(
            (r.offset, r.used, r.objects.len()),
            (0xFB000, 0x200, 3),
            "{file}"
        );
        assert_eq!(r.objects[1].offset, 0xFB100, "{file}");
        assert_eq!(r.objects[2].offset, 0xFB180, "{file}");
        let sec = tuya::section(r);
        let class = |k: &str| sec.items.iter().find(|i| i.key == k).map(|i| i.class);
        assert_eq!(class("prod_idx"), Some(Class::Identity), "{file}");
        assert_eq!(class("auz_key"), Some(Class::Secret), "{file}");
        assert_eq!(class("ap_pwd"), Some(Class::Secret), "{file}");
        let key = sec.items.iter().find(|i| i.key == "auz_key").unwrap();
        assert_eq!(key.value.as_str().map(str::len), Some(32), "{file}");
        let at = key.offset.unwrap() as usize;
        assert_eq!(
            d[at - 1],
            b'"',
            "{file}: value offset points inside the quotes"
        );
        let img = tuya::scan_image(&d[0x1000..0x78000], 0x1000).unwrap();
        assert_eq!(img.version.as_ref().unwrap().text, version, "{file}");
        assert_eq!(img.firmware_name.as_ref().unwrap().text, name, "{file}");
        assert_eq!(img.build.as_ref().unwrap().text, build, "{file}");
        assert_eq!(img.sdk_versions.len(), 3, "{file}");
        assert_eq!(img.product_key.as_ref().map(|k| k.offset), pk, "{file}");
    }
    // The switch also has the PSK key and a 12-hex-digit MAC; the curtain motor's record is older.
    let d = common::corpus_bytes("dump_tuya-switch_factory_1MB.bin");
    let r = &tuya::find_records(&d)[0];
    assert_eq!(r.get("pskKey").unwrap().1.as_str().map(str::len), Some(37));
    assert_eq!(
        r.get("mac_addr").unwrap().1.as_str().map(str::len),
        Some(12)
    );
    // The areas between the app and the record: encrypted key-value sectors and the RF record.
    assert_eq!(
        tuya::classify_area(&d[0x7B000..0x7C000]),
        tuya::AreaKind::Encrypted
    );
    assert_eq!(
        tuya::classify_area(&d[0x79000..0x7A000]),
        tuya::AreaKind::RfCal
    );
    assert_eq!(
        tuya::classify_area(&d[0x80000..0x81000]),
        tuya::AreaKind::Json
    );
}

#[test]
fn tuya_ota_container() {
    require_corpus!();
    let d = common::corpus_bytes("tuya-convert_intermediate_upgrade_1.5.bin");
    let o = tuya::parse_ota(&d).unwrap();
    assert_eq!(o.version, "9.0.0");
    assert_eq!(o.header_len, 0x33);
    let e: Vec<(u64, u64, bool)> = o
        .entries
        .iter()
        .map(|e| (e.offset, e.len, e.sum_valid))
        .collect();
    assert_eq!(e, vec![(0x33, 0x3DF44, true), (0x3DF77, 0x3D894, true)]);
    assert_eq!(d[0x33], 0xEA, "each payload is a v2 OTA image");
    assert_eq!(d[0x3DF77], 0xEA);
}

#[test]
fn wled_version() {
    require_corpus!();
    let d = common::corpus_bytes("wled_0.8.5_esp8266_apa102.bin");
    let i = wled::scan_image(&d[0x1000..], 0x1000).unwrap();
    assert_eq!(i.markers.len(), 4);
    let v = i.version.unwrap();
    assert_eq!((v.offset, v.text.as_str()), (0x888E8, "0.8.5"));
}

#[test]
fn esphome_node_name() {
    require_corpus!();
    let d = common::corpus_bytes("esphome_shelly-1-esp8266_2023-06.bin");
    let i = esphome::scan_image(&d[0x1000..], 0x1000);
    let n = i.node_name.unwrap();
    assert_eq!((n.offset, n.text.as_str()), (0x68CDC, "shelly-1"));
    assert_eq!(i.build.unwrap().text, "Jun 11 2023, 20:10:10");
}

#[test]
fn supla_sdk_version() {
    require_corpus!();
    let d = common::corpus_bytes("supla_H801_v23.11.28.bin");
    let i = supla::scan_image(&d[0x1000..], 0x1000).unwrap();
    assert_eq!(i.markers.len(), supla::MARKERS.len());
    let v = i.sdk_version.unwrap();
    assert_eq!((v.offset, v.text.as_str()), (0x8433C, "23.11.02-dev"));
}

#[test]
fn no_vendor_matches_elsewhere() {
    require_corpus!();
    // Each detector answers only for its own firmware across the whole corpus.
    for p in common::corpus_bins() {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let d = std::fs::read(&p).unwrap();
        let e = ewelink::scan_image(&d, 0).is_some() || !ewelink::find_records(&d).is_empty();
        assert_eq!(e, name.contains("ewelink"), "ewelink on {name}");
        assert_eq!(
            tuya::parse_ota(&d).is_some(),
            name.starts_with("tuya-convert"),
            "tuya ota on {name}"
        );
        let t = tuya::scan_image(&d, 0).is_some() || !tuya::find_records(&d).is_empty();
        assert_eq!(t, name.starts_with("dump_tuya"), "tuya on {name}");
        assert_eq!(
            wled::scan_image(&d, 0).is_some(),
            name.starts_with("wled"),
            "wled on {name}"
        );
        assert_eq!(
            supla::scan_image(&d, 0).is_some(),
            name.starts_with("supla"),
            "supla on {name}"
        );
        let node = esphome::scan_image(&d, 0).node_name.is_some();
        assert_eq!(node, name.starts_with("esphome"), "esphome on {name}");
        if d.len() >= 0x10_0000 {
            let eeprom = d.len() - 0x5000;
            assert!(
                espurna::find(&d, eeprom).is_empty(),
                "espurna settings on {name}"
            );
            assert!(
                wled::decode_eeprom(&d[eeprom..eeprom + 0x1000], 0).is_none(),
                "{name}"
            );
        }
    }
}
