//! Settings copies in whole dumps: ring scan, newest choice, both checksums, `.dmp`, sanitising.
//! All credentials are fake.

use espdump::formats::tasmota::builder::{place, qpc_sector};
use espdump::formats::tasmota::{
    build_settings, decode, find_copies, from_dmp, identity, newest_block, parse_copy, sanitize,
    scan, secrets_and_ids, secrets_and_ids_except, to_dmp, FieldValue, KeepPolicy, SanitizeError,
    SettingsBuilder, Slot,
};
use espdump::report::Class;
use serde_json::{json, Value};

const V12: u32 = 0x0C01_0106;
const MIB: usize = 1 << 20;

fn s(x: &str) -> FieldValue {
    FieldValue::Str(x.into())
}

fn n(x: u64) -> FieldValue {
    FieldValue::Int(x.into())
}

/// A donor block as a user would have it: credentials, literal names, template, calibration,
/// energy history.
fn donor(version: u32, save_flag: u32, tag: &str) -> [u8; 4096] {
    let mut f = vec![
        ("sta_ssid", 0, s(&format!("ssid-{tag}"))),
        ("sta_pwd", 0, s(&format!("wifipass-{tag}"))),
        ("sta_pwd", 1, s(&format!("wifipass2-{tag}"))),
        ("hostname", 0, s(&format!("kitchen-{tag}"))),
        ("mqtt_host", 0, s(&format!("broker-{tag}.example"))),
        ("mqtt_user", 0, s(&format!("mquser-{tag}"))),
        ("mqtt_pwd", 0, s(&format!("mqpass-{tag}"))),
        ("mqtt_topic", 0, s(&format!("topic-{tag}"))),
        ("mqtt_client", 0, s("DVES_A1B2C3")),
        ("friendlyname", 0, s(&format!("Lamp-{tag}"))),
        ("web_password", 0, s(&format!("webpass-{tag}"))),
        ("mqtt_port", 0, n(8883)),
        ("ip_address", 0, FieldValue::Ip([192, 168, 7, 50])),
        ("ip_address", 1, FieldValue::Ip([192, 168, 7, 1])),
        (
            "wifi_bssid",
            0,
            FieldValue::Bytes(vec![2, 0, 0, 0xAB, 0xCD, 0xEF]),
        ),
        ("wifi_channel", 0, n(11)),
        ("energy_power_calibration", 0, n(1540)),
        ("energy_voltage_calibration", 0, n(26000)),
        ("energy_current_calibration", 0, n(10000)),
        ("module", 0, n(255)),
        ("user_template.gpio", 0, n(0x140)),
        ("user_template.gpio", 5, n(0x2A0)),
        ("bootcount", 0, n(77)),
        ("pulse_counter", 1, n(1234)),
    ];
    if version >= 0x0803_0101 {
        f.push(("devicename", 0, s(&format!("Dev-{tag}"))));
        f.push(("templatename", 0, s("Shelly 2.5")));
        f.push(("energy_kWhtotal_ph", 0, n(555_000)));
        f.push(("telegram_token", 0, s(&format!("tgtoken-{tag}"))));
    }
    f.retain(|(name, _, _)| espdump::formats::tasmota::fields::field(version, name).is_some());
    build_settings(version, save_flag, &f).unwrap()
}

/// Tasmota 12.1.1.6 (1M layout) on a 2 MiB Shelly: EEPROM slot, three rotating copies (one
/// corrupt), a QPC counter, and the upper MiB erased.
fn shelly_dump() -> Vec<u8> {
    let mut d = vec![0xFFu8; 2 * MIB];
    place(&mut d, 0xFB000, &donor(V12, 10, "eeprom"));
    place(&mut d, 0xFA000, &donor(V12, 12, "newest"));
    place(&mut d, 0xF9000, &donor(V12, 11, "older"));
    let mut bad = donor(V12, 99, "corrupt");
    bad[0x500] ^= 1; // CRC32 no longer matches
    place(&mut d, 0xF8000, &bad);
    place(&mut d, 0xF3000, &qpc_sector(3));
    d
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn ring_scan_lists_every_copy_and_picks_the_newest_valid() {
    let d = shelly_dump();
    let sc = scan(&d);
    let offs: Vec<u64> = sc.copies.iter().map(|k| k.offset).collect();
    assert_eq!(offs, vec![0xF8000, 0xF9000, 0xFA000, 0xFB000]);
    let newest = sc.newest_copy().unwrap();
    assert_eq!(newest.offset, 0xFA000);
    assert_eq!(newest.save_flag, 12);
    assert_eq!(newest.slot, Slot::Rotating1M(0));
    assert_eq!(newest.version_str, "12.1.1.6");
    assert_eq!(newest.cfg_size, Some(4096));
    assert_eq!(newest.cfg_holder, 4617);
    assert_eq!(newest.config_version, Some(0));
    assert!(newest.newest && newest.valid);
    assert_eq!(sc.copies.iter().filter(|k| k.newest).count(), 1);
    let bad = &sc.copies[0];
    assert_eq!(bad.save_flag, 99);
    assert!(!bad.valid && !bad.newest);
    let c32 = bad.crc32.unwrap();
    assert_ne!(c32.stored, c32.computed);
    assert!(!bad.crc16.unwrap().valid);
    assert_eq!(sc.copies[3].slot, Slot::Eeprom1M);
    assert_eq!(sc.qpc, vec![0xF3000]);
    // stored checksums are the ones Tasmota computes
    for k in &sc.copies[1..] {
        let o = k.offset as usize;
        let b = &d[o..o + 4096];
        assert_eq!(
            k.crc32.unwrap().stored,
            espdump::formats::tasmota::crc32(&b[..0xFFC])
        );
        assert_eq!(
            k.crc16.unwrap().stored,
            espdump::formats::tasmota::crc16(b, 3584)
        );
    }
    assert_eq!(find_copies(&d), sc.copies);
    let (k, b) = newest_block(&d).unwrap();
    assert_eq!(k.offset, 0xFA000);
    assert_eq!(b, &d[0xFA000..0xFB000]);
}

#[test]
fn ties_go_to_the_eeprom_slot_then_downwards() {
    let mut d = vec![0xFFu8; MIB];
    place(&mut d, 0xF5000, &donor(V12, 5, "a"));
    place(&mut d, 0xFA000, &donor(V12, 5, "b"));
    assert_eq!(scan(&d).newest_copy().unwrap().offset, 0xFA000);
    place(&mut d, 0xFB000, &donor(V12, 5, "c"));
    assert_eq!(scan(&d).newest_copy().unwrap().offset, 0xFB000);
}

#[test]
fn stop_flash_rotate_in_the_eeprom_slot_wins() {
    let mut d = vec![0xFFu8; MIB];
    let mut b = SettingsBuilder::new(V12);
    b.save_flag(3).raw(0x010, &(1u32 << 12).to_le_bytes());
    place(&mut d, 0xFB000, &b.build());
    place(&mut d, 0xFA000, &donor(V12, 9, "rot"));
    let sc = scan(&d);
    let k = sc.newest_copy().unwrap();
    assert_eq!(k.offset, 0xFB000);
    assert!(k.stop_flash_rotate);
}

#[test]
fn save_flag_zero_is_never_loaded() {
    let mut d = vec![0xFFu8; MIB];
    place(&mut d, 0xFA000, &donor(V12, 0, "zero"));
    let sc = scan(&d);
    assert!(sc.copies[0].valid);
    assert_eq!(sc.newest, None);
}

#[test]
fn file_system_layout_slots() {
    let mut d = vec![0xFFu8; 2 * MIB];
    place(&mut d, 0xFD000, &donor(V12, 4, "fs"));
    place(&mut d, 0x1FB000, &donor(V12, 6, "ee"));
    let sc = scan(&d);
    assert_eq!(sc.copies[0].slot, Slot::RotatingFs(0));
    assert_eq!(sc.copies[1].slot, Slot::Eeprom2M1M);
    assert_eq!(sc.newest_copy().unwrap().offset, 0x1FB000);
}

#[test]
fn old_blocks_are_checked_by_cfg_crc() {
    let mut d = vec![0xFFu8; MIB];
    let b = donor(0x0606_0000, 2, "six");
    assert_eq!(u16::from_le_bytes([b[2], b[3]]), 0xE00);
    place(&mut d, 0xFB000, &b);
    let k = &scan(&d).copies[0];
    assert!(k.valid && k.crc16.unwrap().valid && k.newest);
    assert_eq!(k.crc32, None);
    assert_eq!(k.cfg_timestamp, None);
    // 6.6.0.7..=6.6.0.10 summed all 4096 bytes
    let b = SettingsBuilder::new(0x0606_0008).build();
    assert_eq!(
        u16::from_le_bytes([b[14], b[15]]),
        espdump::formats::tasmota::crc16(&b, 4096)
    );
    assert!(parse_copy(&b, 0).unwrap().valid);
}

#[test]
fn non_settings_data_is_not_a_copy() {
    // every real corpus dump: no settings (none of them ran Tasmota)
    require_corpus!();
    for p in crate::common::corpus_files() {
        let d = std::fs::read(&p).unwrap();
        assert!(find_copies(&d).is_empty(), "{}", p.display());
    }
}

#[test]
fn dmp_round_trip_decodes_identically() {
    let b = donor(V12, 12, "dmp");
    let dmp = to_dmp(&b);
    assert_eq!(&dmp[..2], &b[..2]);
    assert_ne!(&dmp[2..], &b[2..]);
    let back = from_dmp(&dmp).unwrap();
    assert_eq!(back, b.to_vec());
    assert_eq!(decode(&back).unwrap(), decode(&b).unwrap());
}

#[test]
fn decode_classifies_fields() {
    let d = decode(&donor(V12, 1, "cls")).unwrap();
    let class = |k: &str| d.items.iter().find(|i| i.key == k).unwrap().class;
    assert_eq!(class("sta_ssid"), Class::Site);
    assert_eq!(class("sta_pwd"), Class::Secret);
    assert_eq!(class("mqtt_pwd"), Class::Secret);
    assert_eq!(class("hostname"), Class::Identity);
    assert_eq!(class("mqtt_topic"), Class::Identity);
    assert_eq!(class("energy_power_calibration"), Class::Factory);
    assert_eq!(class("my_gp"), Class::Factory);
    assert_eq!(class("mqtt_fulltopic"), Class::Setting);
    assert_eq!(
        d.get("sta_pwd"),
        Some(&json!(["wifipass-cls", "wifipass2-cls"]))
    );
    assert_eq!(d.get("ip_address").unwrap()[0], "192.168.7.50");
    assert_eq!(d.get("wifi_bssid"), Some(&json!([2, 0, 0, 171, 205, 239])));
    // masked output hides secrets only
    let sec = d.section("tasmota settings @0x0fa000", true).masked();
    let item = |k: &str| sec.items.iter().find(|i| i.key == k).unwrap().value.clone();
    assert_eq!(item("sta_pwd"), json!(["********", "********"]));
    assert_eq!(item("hostname"), "kitchen-cls");
}

#[test]
fn unsupported_versions_are_reported() {
    let mut b = SettingsBuilder::blank(0x1100_0000).build();
    let e = decode(&b).unwrap_err();
    assert_eq!(e.version_str, "17.0.0");
    assert!(
        e.reason
            .contains("newer than the last known layout (16.0.0)"),
        "{}",
        e.reason
    );
    // 6.5 and 5.10 decode now; 5.9 (a 5.x header decode-config has no layout for) is refused
    // with one line.
    assert!(decode(&SettingsBuilder::blank(0x0605_0000).build()).is_ok());
    assert!(decode(&SettingsBuilder::blank(0x050A_0000).build()).is_ok());
    b = SettingsBuilder::blank(0x0509_0100).build();
    let e = decode(&b).unwrap_err();
    assert_eq!(e.version_str, "5.9.1");
    assert!(e.reason.contains("older than 5.10.0"), "{}", e.reason);
    assert!(!e.to_string().contains('\n'));
    b = SettingsBuilder::blank(V12).build();
    b[0xF36] = 1;
    assert!(decode(&b).unwrap_err().reason.contains("ESP32"));
    // 16.x beyond the table decodes with a note
    let b = SettingsBuilder::new(0x1000_0100).build();
    let d = decode(&b).unwrap();
    assert_eq!(d.findings[0].code, "tasmota_layout_assumed");
}

#[test]
fn sanitize_leaves_one_clean_copy() {
    let mut d = shelly_dump();
    let donor_secrets: Vec<Vec<u8>> = ["newest", "older", "eeprom", "corrupt"]
        .iter()
        .flat_map(|t| {
            secrets_and_ids(&donor(V12, 1, t))
                .into_iter()
                .map(|(_, v)| v)
        })
        .collect();
    assert!(donor_secrets.len() >= 40);
    let changes = sanitize(&mut d, &KeepPolicy::default()).unwrap();

    let sc = scan(&d);
    assert_eq!(sc.copies.len(), 1, "{:?}", sc.copies);
    let k = &sc.copies[0];
    assert_eq!(k.offset, 0xFB000);
    assert!(k.valid && k.crc16.unwrap().valid && k.newest);
    assert_eq!(k.save_flag, 12);
    assert_eq!(k.bootcount, 0);
    assert!(sc.qpc.is_empty());
    assert!(d[0xF3000..0xFB000].iter().all(|&b| b == 0xFF));
    for v in &donor_secrets {
        assert!(
            !contains(&d, v),
            "{:?} survived",
            String::from_utf8_lossy(v)
        );
    }
    let out = decode(&d[0xFB000..0xFC000]).unwrap();
    let g = |k: &str| out.get(k).unwrap().clone();
    assert_eq!(g("sta_ssid"), json!(["", ""]));
    assert_eq!(g("sta_pwd"), json!(["", ""]));
    assert_eq!(g("mqtt_host"), "");
    assert_eq!(g("mqtt_user"), "DVES_USER");
    assert_eq!(g("mqtt_pwd"), "DVES_PASS");
    assert_eq!(g("mqtt_port"), 1883);
    assert_eq!(g("mqtt_client"), "DVES_%06X");
    assert_eq!(g("mqtt_topic"), "tasmota_%06X");
    assert_eq!(g("hostname"), "%s-%04d");
    assert_eq!(g("web_password"), "");
    assert_eq!(g("telegram_token"), "");
    assert_eq!(g("devicename"), "Tasmota");
    assert_eq!(g("friendlyname")[0], "Tasmota");
    assert_eq!(g("friendlyname")[1], "Tasmota2");
    assert_eq!(g("ip_address")[0], "0.0.0.0");
    assert_eq!(g("ip_address")[1], "192.168.7.1");
    assert_eq!(g("wifi_bssid"), json!([0, 0, 0, 0, 0, 0]));
    assert_eq!(g("wifi_channel"), 0);
    assert_eq!(g("energy_kWhtotal_ph"), json!([0, 0, 0]));
    assert_eq!(g("pulse_counter"), json!([0, 0, 0, 0]));
    // kept: hardware, calibration, site settings
    assert_eq!(g("energy_power_calibration"), 1540);
    assert_eq!(g("energy_voltage_calibration"), 26000);
    assert_eq!(g("energy_current_calibration"), 10000);
    assert_eq!(g("module"), 255);
    assert_eq!(g("user_template.gpio")[0], 0x140);
    assert_eq!(g("user_template.gpio")[5], 0x2A0);
    assert_eq!(g("templatename"), "Shelly 2.5");
    assert_eq!(g("mqtt_fulltopic"), "%prefix%/%topic%/");
    // the change list names what happened
    let whats: Vec<&str> = changes.iter().map(|c| c.what.as_str()).collect();
    assert!(whats
        .iter()
        .any(|w| w.starts_with("moved the newest copy from 0x0fa000")));
    assert!(whats
        .iter()
        .any(|w| w.starts_with("reset sta_pwd (SET_STAPWD1)")));
    assert!(whats.contains(&"zeroed bootcount"));
    assert!(whats.contains(&"erased quick power-cycle counter"));
    assert!(changes
        .iter()
        .all(|c| c.start < c.end && c.end as usize <= d.len()));
    assert!(secrets_and_ids(&d[0xFB000..0xFC000]).is_empty());
    // a second run changes nothing but the checksum note
    let again = sanitize(&mut d, &KeepPolicy::default()).unwrap();
    assert_eq!(again.len(), 1, "{again:?}");
}

#[test]
fn sanitize_keeps_site_credentials_on_request() {
    let mut d = shelly_dump();
    let keep = KeepPolicy::parse(&["wifi", "mqtt"]).unwrap();
    sanitize(&mut d, &keep).unwrap();
    let out = decode(&d[0xFB000..0xFC000]).unwrap();
    assert_eq!(out.get("sta_ssid").unwrap()[0], "ssid-newest");
    assert_eq!(out.get("sta_pwd").unwrap()[0], "wifipass-newest");
    assert_eq!(out.get("mqtt_host").unwrap(), "broker-newest.example");
    assert_eq!(out.get("mqtt_pwd").unwrap(), "mqpass-newest");
    assert_eq!(out.get("mqtt_port").unwrap(), 8883);
    assert_eq!(out.get("mqtt_topic").unwrap(), "tasmota_%06X");
    assert_eq!(out.get("web_password").unwrap(), "");
    // nothing of the older copies survives, kept or not
    assert!(!contains(&d, b"wifipass-older"));
    assert!(!contains(&d, b"ssid-eeprom"));
    let left = secrets_and_ids_except(&d[0xFB000..0xFC000], &keep);
    assert!(left.is_empty(), "{left:?}");
    assert!(KeepPolicy::parse(&["wifi", "bogus"]).is_err());
}

#[test]
fn sanitize_old_fixed_array_block() {
    let mut d = vec![0xFFu8; MIB];
    place(&mut d, 0xF7000, &donor(0x0606_000B, 3, "six"));
    sanitize(&mut d, &KeepPolicy::default()).unwrap();
    let sc = scan(&d);
    assert_eq!(sc.copies.len(), 1);
    assert_eq!(sc.copies[0].offset, 0xFB000);
    assert!(sc.copies[0].valid);
    let out = decode(&d[0xFB000..0xFC000]).unwrap();
    assert_eq!(out.get("mqtt_topic").unwrap(), "sonoff_%06X");
    assert_eq!(out.get("friendlyname").unwrap()[0], "Sonoff");
    assert_eq!(out.get("mqtt_pwd").unwrap(), "DVES_PASS");
    assert!(!contains(&d, b"wifipass-six"));
    assert!(!contains(&d, b"kitchen-six"));
}

#[test]
fn sanitize_refuses_without_a_valid_copy() {
    let mut d = vec![0xFFu8; MIB];
    assert!(sanitize(&mut d, &KeepPolicy::default()).unwrap().is_empty());
    let mut bad = donor(V12, 4, "bad");
    bad[0x700] ^= 0x55;
    place(&mut d, 0xFA000, &bad);
    let before = d.clone();
    assert_eq!(
        sanitize(&mut d, &KeepPolicy::default()).unwrap_err(),
        SanitizeError::NoValidCopy(1)
    );
    assert_eq!(d, before);
    // newest copy of an unknown layout: refused, unchanged
    let mut d = vec![0xFFu8; MIB];
    place(
        &mut d,
        0xFA000,
        &SettingsBuilder::blank(0x1200_0000).save_flag(2).build(),
    );
    let before = d.clone();
    assert!(matches!(
        sanitize(&mut d, &KeepPolicy::default()),
        Err(SanitizeError::Unsupported(_))
    ));
    assert_eq!(d, before);
}

#[test]
fn secrets_and_identity_evidence() {
    let b = donor(V12, 1, "ids");
    let keys: Vec<String> = secrets_and_ids(&b).into_iter().map(|(k, _)| k).collect();
    for k in [
        "sta_ssid[0]",
        "sta_pwd[0]",
        "sta_pwd[1]",
        "hostname",
        "mqtt_host",
        "mqtt_user",
        "mqtt_pwd",
        "mqtt_topic",
        "mqtt_client",
        "friendlyname[0]",
        "web_password",
        "devicename",
        "telegram_token",
    ] {
        assert!(keys.iter().any(|x| x == k), "{k} missing from {keys:?}");
    }
    // defaults are not donor data
    assert!(!keys.iter().any(|x| x == "friendlyname[1]"));
    let ids = identity(&b, 0xFA000);
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].id, "DVES_A1B2C3");
    assert_eq!(ids[0].mac_tail, vec![0xA1, 0xB2, 0xC3]);
    assert_eq!(ids[0].source, "tasmota settings mqtt_client");
    let off = ids[0].offset.unwrap() as usize - 0xFA000;
    assert_eq!(&b[off..off + 11], b"DVES_A1B2C3");
    // tokens are not identities
    for v in [
        0x0606_000B,
        0x0701_0206,
        0x0801_0002,
        0x0805_0000,
        V12,
        0x1000_0000,
    ] {
        // stock defaults of every version (topic `sonoff`, `tasmota`, `tasmota_%06X`) name no unit
        let clean = SettingsBuilder::new(v).build();
        assert!(identity(&clean, 0).is_empty(), "{v:#x}");
        assert!(
            secrets_and_ids(&clean).is_empty(),
            "{v:#x}: {:?}",
            secrets_and_ids(&clean)
        );
    }
    assert_eq!(
        decode(&SettingsBuilder::new(0x0801_0002).build())
            .unwrap()
            .get("mqtt_topic")
            .unwrap(),
        "tasmota"
    );
    assert!(espdump::formats::tasmota::sanitize::is_stock_default(
        "friendlyname",
        "Sonoff3"
    ));
    assert!(!espdump::formats::tasmota::sanitize::is_stock_default(
        "friendlyname",
        "Sonoff5"
    ));
    assert!(!espdump::formats::tasmota::sanitize::is_stock_default(
        "mqtt_topic",
        "tasmota_A1B2C3"
    ));
    let _: Value = json!(null);
}

#[test]
fn sanitize_file_system_build_touches_only_copies() {
    let mut d = vec![0xFFu8; 2 * MIB];
    place(&mut d, 0xFD000, &donor(V12, 4, "fsrot"));
    place(&mut d, 0x1FB000, &donor(V12, 6, "fsee"));
    let other: Vec<u8> = (0..4096).map(|i| (i * 13 % 251) as u8).collect();
    place(&mut d, 0xFC000, &other);
    place(&mut d, 0xF5000, &other);
    sanitize(&mut d, &KeepPolicy::default()).unwrap();
    let sc = scan(&d);
    assert_eq!(sc.copies.len(), 1);
    assert_eq!(sc.copies[0].offset, 0x1FB000);
    assert!(sc.copies[0].valid);
    assert!(d[0xFD000..0xFE000].iter().all(|&b| b == 0xFF));
    assert_eq!(&d[0xFC000..0xFD000], &other[..]);
    assert_eq!(&d[0xF5000..0xF6000], &other[..]);
    assert!(!contains(&d, b"wifipass-fsrot"));
    assert!(!contains(&d, b"wifipass-fsee"));
}

/// A 5.x flash copy as Tasmota 5.x writes it: `sizeof(SYSCFG)` bytes (0x670 / 0xA00) into an
/// erased sector, u32 `CFG_HOLDER` 0x20161209, no checksum.
fn copy_5x(version: u32, save_flag: u32, ssid: &str) -> [u8; 4096] {
    let block = SettingsBuilder::new(version)
        .save_flag(save_flag)
        .set("sta_ssid", 0, ssid)
        .unwrap()
        .set("mqtt_pwd", 0, "fake-mqtt-secret")
        .unwrap()
        .build();
    let n = espdump::formats::tasmota::fields::block_size(version).unwrap();
    let mut sector = [0xFFu8; 4096];
    sector[..n].copy_from_slice(&block[..n]);
    sector
}

#[test]
fn sonoff_tasmota_5x_copies_in_a_dump() {
    let v = 0x050E_0000; // 5.14.0
    let mut dump = vec![0xFFu8; MIB];
    place(&mut dump, 0xFB000, &copy_5x(v, 40, "fake-old"));
    place(&mut dump, 0xFA000, &copy_5x(v, 41, "fake-new"));
    let sc = scan(&dump);
    assert_eq!(sc.copies.len(), 2);
    let k = sc.newest_copy().unwrap();
    assert_eq!(k.offset, 0xFA000);
    assert_eq!((k.cfg_size, k.crc16, k.crc32), (None, None, None));
    assert_eq!(
        (k.size, k.cfg_holder, k.version_str.as_str()),
        (0xA00, 0x1209, "5.14.0")
    );
    assert!(k.valid);
    let d = decode(&dump[0xFA000..0xFB000]).unwrap();
    assert_eq!(d.get("sta_ssid").unwrap(), &json!(["fake-new", ""]));
    assert_eq!(d.get("cfg_holder").unwrap(), 0x2016_1209);
    assert_eq!(d.get("mqtt_topic").unwrap(), "sonoff");
    // sanitize: one copy left, no secret, still a 5.x block the firmware accepts
    let changes = sanitize(&mut dump, &KeepPolicy::default()).unwrap();
    assert!(!changes.is_empty());
    let sc = scan(&dump);
    assert_eq!(sc.copies.len(), 1);
    assert!(sc.copies[0].valid);
    assert!(!contains(&dump, b"fake-mqtt-secret") && !contains(&dump, b"fake-new"));
    assert!(!contains(&dump, b"fake-old"));
    // A 5.x copy without the 5.x holder is not a settings copy (nothing to check it by).
    let mut other = copy_5x(v, 1, "x");
    other[0] ^= 1;
    assert!(espdump::formats::tasmota::parse_copy(&other, 0).is_none());
}

#[test]
fn settings_older_than_5_10_are_one_finding() {
    let mut dump = vec![0xFFu8; MIB];
    place(&mut dump, 0xFB000, &copy_5x(0x050A_0000, 3, "fake"));
    // rewrite the version to 5.9.1: a header decode-config has no layout for
    dump[0xFB008..0xFB00C].copy_from_slice(&0x0509_0100u32.to_le_bytes());
    let r = espdump::analysis::inspect::inspect(&dump, &Default::default()).unwrap();
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code == "tasmota_settings_unsupported")
        .collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].offset, Some(0xFB000));
    assert!(f[0].message.contains("5.9.1") && f[0].message.contains("older than 5.10.0"));
    assert!(!f[0].message.contains('\n'));
    assert!(r.config.iter().all(|s| !s.source.starts_with("tasmota")));
}
