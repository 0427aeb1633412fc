//! `inspect` on the second set of real backups: the vendor regions, config sections (keys,
//! classes, offsets; never values) and findings.

use crate::common;

use espdump::analysis::inspect::{inspect, InspectReport, Options, RegionKind};
use espdump::report::Class;

fn report(name: &str) -> InspectReport {
    inspect(&common::corpus_bytes(name), &Options::default()).unwrap()
}

fn region_at(r: &InspectReport, at: u64) -> (RegionKind, String) {
    let g = r
        .regions
        .iter()
        .find(|g| g.start <= at && at < g.end)
        .unwrap();
    (g.kind, g.label.clone())
}

fn class_of(r: &InspectReport, source_prefix: &str, key: &str) -> Option<(Class, Option<u64>)> {
    r.config
        .iter()
        .filter(|s| s.source.starts_with(source_prefix))
        .flat_map(|s| &s.items)
        .find(|i| i.key == key)
        .map(|i| (i.class, i.offset))
}

#[test]
fn ewelink_dump() {
    require_corpus!();
    let r = report("dump_sonoff-ewelink_stock_1MB.bin");
    assert_eq!(r.firmware.kind.as_str(), "ewelink");
    assert_eq!(r.firmware.version.as_deref(), Some("2.6.0"));
    let (k, l) = region_at(&r, 0x78000);
    assert_eq!(k, RegionKind::Settings);
    assert!(l.starts_with("eWeLink factory record"), "{l}");
    for s in [0x7A000, 0x7C000, 0x7F000] {
        assert_eq!(region_at(&r, s).0, RegionKind::Settings, "0x{s:x}");
    }
    assert_eq!(region_at(&r, 0x79000).0, RegionKind::Erased);
    assert_eq!(
        class_of(&r, "ewelink factory record", "deviceid"),
        Some((Class::Identity, Some(0x7807C)))
    );
    assert_eq!(
        class_of(&r, "ewelink factory record", "factory_apikey"),
        Some((Class::Secret, Some(0x78087)))
    );
    // The softAP SSID ITEAD-<deviceid> in the SDK parameters is identity too.
    assert_eq!(
        class_of(&r, "sdk system params copy 0", "ap_ssid").map(|c| c.0),
        Some(Class::Identity)
    );
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "ewelink_cloud_identity" && f.offset == Some(0x78000)));
    // Masked output hides the key.
    let m = r.masked();
    let key = m
        .config
        .iter()
        .flat_map(|s| &s.items)
        .find(|i| i.key == "factory_apikey")
        .unwrap();
    assert_eq!(key.value, espdump::report::MASK);
}

#[test]
fn tuya_dumps() {
    require_corpus!();
    for name in [
        "dump_tuya-switch_factory_1MB.bin",
        "dump_tuya-curtain-motor_stock_1MB.bin",
        "dump_tuya-thermostat-ME102H_stock_1MB.bin",
    ] {
        let r = report(name);
        assert_eq!(r.firmware.kind.as_str(), "tuya", "{name}");
        let (k, l) = region_at(&r, 0xFB000);
        assert_eq!(k, RegionKind::Settings, "{name}");
        assert!(l.starts_with("Tuya factory record"), "{name}: {l}");
        assert_eq!(region_at(&r, 0x79000).1, "Tuya RF calibration", "{name}");
        for s in (0x7B000..0x80000).step_by(0x1000) {
            assert_eq!(
                region_at(&r, s).1,
                "Tuya user config (encrypted key-value store)",
                "{name} 0x{s:x}"
            );
        }
        assert_eq!(
            class_of(&r, "tuya factory record", "prod_idx").map(|c| c.0),
            Some(Class::Identity)
        );
        assert_eq!(
            class_of(&r, "tuya factory record", "auz_key").map(|c| c.0),
            Some(Class::Secret)
        );
        assert!(r.findings.iter().any(|f| f.code == "tuya_cloud_identity"));
        assert!(r.findings.iter().any(|f| f.code == "tuya_rf_cal_moved"));
        assert!(
            !r.regions.iter().any(|g| g.kind == RegionKind::Unknown),
            "{name}"
        );
    }
    let r = report("dump_tuya-switch_factory_1MB.bin");
    assert_eq!(region_at(&r, 0x80000).1, "Tuya user data (JSON)");
    assert_eq!(
        class_of(&r, "tuya image", "product_key"),
        Some((Class::Factory, Some(0x1051)))
    );
    assert_eq!(
        class_of(&r, "tuya image", "firmware_name").map(|c| c.0),
        Some(Class::Factory)
    );
    assert_eq!(
        class_of(&r, "tuya factory record", "pskKey").map(|c| c.0),
        Some(Class::Secret)
    );
}

#[test]
fn esphome_node_name_and_finding() {
    require_corpus!();
    let r = report("esphome_shelly-1-esp8266_2023-06.bin");
    assert_eq!(
        class_of(&r, "esphome image", "name"),
        Some((Class::Identity, Some(0x68CDC)))
    );
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "esphome_compiled_secrets" && f.offset == Some(0x1000)));
}

#[test]
fn arduino_eeprom_sector_with_extent() {
    require_corpus!();
    let r = report("dump_led-clock-303WIFILC01_arduino_1MB.bin");
    assert_eq!(
        region_at(&r, 0xFB000),
        (
            RegionKind::Eeprom,
            "EEPROM sector (dump size), erased".into()
        )
    );
    // Under the Arduino layout the sector is EEPROM whatever it holds (here 628 bytes the AT
    // firmware that ran before left as its RF calibration).
    let r = report("dump_esp01_arduino-over-at_1MB.bin");
    assert_eq!(
        region_at(&r, 0xFB000),
        (
            RegionKind::Eeprom,
            "EEPROM sector (dump size), 628 bytes used".into()
        )
    );
}

/// A real app image at 0 in a 4 MiB buffer, with `sector` as the Arduino EEPROM sector.
fn with_eeprom(app: &str, sector: &[u8]) -> InspectReport {
    let mut d = vec![0xFFu8; 0x40_0000];
    let img = common::corpus_bytes(app);
    d[..img.len()].copy_from_slice(&img);
    d[0x3FB000..0x3FB000 + sector.len()].copy_from_slice(sector);
    inspect(&d, &Options::default()).unwrap()
}

#[test]
fn wled_eeprom_settings() {
    require_corpus!();
    // The layout of wled_eeprom.cpp with made-up values, layout version 11 (0.8.5).
    let mut e = vec![0u8; 3072];
    e[..7].copy_from_slice(b"FakeNet");
    e[32..41].copy_from_slice(b"FakePass1");
    e[96..107].copy_from_slice(b"wled-abcdef");
    e[160..168].copy_from_slice(b"wled1234");
    e[233] = 233;
    e[377] = 11;
    e[229] = 60;
    e[2440..2448].copy_from_slice(b"MqttPass");
    let r = with_eeprom("wled_0.8.5_esp8266_apa102.bin", &e);
    assert_eq!(r.firmware.kind.as_str(), "wled");
    // The firmware's settings inside the EEPROM sector (a settings region within it).
    let (k, l) = region_at(&r, 0x3FB000);
    assert_eq!(k, RegionKind::Settings);
    assert_eq!(l, "WLED settings, EEPROM layout 11 (3072 bytes used)");
    assert_eq!(
        class_of(&r, "wled eeprom", "clientPass"),
        Some((Class::Secret, Some(0x3FB020)))
    );
    assert_eq!(
        class_of(&r, "wled eeprom", "clientSSID").map(|c| c.0),
        Some(Class::Site)
    );
    assert_eq!(
        class_of(&r, "wled eeprom", "mqttPass").map(|c| c.0),
        Some(Class::Secret)
    );
    let m = r.masked();
    let sec = m
        .config
        .iter()
        .find(|s| s.source.starts_with("wled eeprom"))
        .unwrap();
    let pw = sec.items.iter().find(|i| i.key == "clientPass").unwrap();
    assert_eq!(pw.value, espdump::report::MASK);
    let leds = sec.items.iter().find(|i| i.key == "ledCount").unwrap();
    assert_eq!(leds.value, 60);
    assert!(r.findings.iter().any(|f| f.code == "wled_secrets"));
}

#[test]
fn espurna_embedis_settings() {
    require_corpus!();
    // Embedis records from the end of the sector: key length, key, value length, value, ...
    let mut s = vec![0xFFu8; 0x1000];
    s[13] = 5; // EEPROM_Rotate counter (EEPROM_ROTATE_DATA 11: check value 11-12, counter 13)
    let mut p = 0xFFF;
    for field in [
        &b"ssid0"[..],
        b"FakeNet",
        b"pass0",
        b"FakePass1",
        b"hostname",
        b"ESPURNA-0A1B2C",
    ] {
        s[p] = field.len() as u8;
        s[p - 1] = 0;
        let st = p - 1 - field.len();
        s[st..p - 1].copy_from_slice(field);
        p = st - 1;
    }
    s[p] = 0;
    let sum = espdump::formats::vendors::espurna::rotate_sum(&s).to_be_bytes();
    s[11..13].copy_from_slice(&sum);
    let r = with_eeprom("espurna_1.14.1_base-1MB.bin", &s);
    assert_eq!(r.firmware.kind.as_str(), "espurna");
    let (k, l) = region_at(&r, 0x3FB000);
    assert_eq!(k, RegionKind::Settings);
    assert!(l.starts_with("ESPurna settings, counter 5"), "{l}");
    assert!(
        r.config
            .iter()
            .any(|c| c.source == "espurna settings @0x3fb000 (counter 5, check valid)" && c.live),
        "{:?}",
        r.config.iter().map(|c| &c.source).collect::<Vec<_>>()
    );
    assert_eq!(
        class_of(&r, "espurna settings", "pass0").map(|c| c.0),
        Some(Class::Secret)
    );
    assert_eq!(
        class_of(&r, "espurna settings", "hostname").map(|c| c.0),
        Some(Class::Identity)
    );
    assert_eq!(
        class_of(&r, "espurna settings", "ssid0"),
        Some((Class::Site, Some(0x3FB000 + 0xFF0)))
    );
}
