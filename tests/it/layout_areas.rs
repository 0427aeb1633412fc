//! Issue 9: `layout.areas` places the firmware-specific areas (Tasmota's settings ring, EEPROM
//! slot and file system per linker script; a stock Shelly's two file systems from its boot
//! config; RTOS SDK partition entries) on real corpus dumps, asserting their offsets.

use crate::common;

use espdump::analysis::inspect::{inspect, InspectReport, Options};
use espdump::analysis::layout::AreaRole;
use espdump::formats::tasmota::{build_settings, FieldValue};
use espdump::testkit;

const MIB: usize = 0x10_0000;

fn report(d: &[u8]) -> InspectReport {
    inspect(d, &Options::default()).unwrap()
}

/// `(start, end, owner)` of every area of `role`.
fn areas(r: &InspectReport, role: AreaRole) -> Vec<(u64, u64, &'static str)> {
    r.layout
        .areas
        .iter()
        .filter(|a| a.role == role)
        .map(|a| (a.start, a.end, a.owner))
        .collect()
}

fn settings(save: u32) -> [u8; 4096] {
    let f = [("module", 0, FieldValue::Int(0))];
    build_settings(0x0C03_0100, save, &f).expect("settings")
}

/// The real Tasmota 12.x image at 0 of a `size` flash with the header set to it.
fn tasmota_on(size: usize) -> Vec<u8> {
    let mut d = testkit::erased(size);
    testkit::put(
        &mut d,
        0,
        &common::corpus_bytes("tasmota_12.x_20221124.bin"),
    );
    d[3] = (d[3] & 0x0F) | if size == 4 * MIB { 0x40 } else { 0x30 };
    d
}

#[test]
fn tasmota_2m1m_build_places_ring_fs_and_eeprom_slot_by_its_linker_script() {
    require_corpus!();
    let mut d = tasmota_on(2 * MIB);
    // The real LittleFS image (1,000 KiB) exactly fills 2M1M's FS: 0x100000..0x1FA000.
    let fs = common::corpus_bytes("arduino_ledcontroller_lightwell_littlefs_1000K.bin");
    assert_eq!(fs.len(), 0xFA000);
    testkit::put(&mut d, 0x10_0000, &fs);
    testkit::put(&mut d, 0xFD000, &settings(3));
    let r = report(&d);
    assert_eq!(r.firmware.kind.as_str(), "tasmota");
    assert_eq!(
        areas(&r, AreaRole::Settings),
        vec![
            (0xF7000, 0xFE000, "tasmota"),
            (0x1FB000, 0x1FC000, "tasmota")
        ]
    );
    assert_eq!(
        areas(&r, AreaRole::Filesystem),
        vec![(0x10_0000, 0x1FA000, "tasmota")]
    );
    // Tasmota's EEPROM slot replaces the Arduino EEPROM area at the same place.
    assert!(areas(&r, AreaRole::Eeprom).is_empty());
    assert_eq!(
        areas(&r, AreaRole::RfCal),
        vec![(0x1FC000, 0x1FD000, "arduino")]
    );
}

#[test]
fn tasmota_4m2m_build_is_told_by_its_eeprom_slot_copy() {
    require_corpus!();
    let mut d = tasmota_on(4 * MIB);
    testkit::put(&mut d, 0x3FB000, &settings(7));
    testkit::put(&mut d, 0xFC000, &settings(6));
    let r = report(&d);
    assert_eq!(
        areas(&r, AreaRole::Settings),
        vec![
            (0xF7000, 0xFE000, "tasmota"),
            (0x3FB000, 0x3FC000, "tasmota")
        ]
    );
    assert_eq!(
        areas(&r, AreaRole::Filesystem),
        vec![(0x20_0000, 0x3FA000, "tasmota")]
    );
}

#[test]
fn tasmota_1m_build_on_2mb_keeps_ring_at_0xfb000() {
    require_corpus!();
    let mut d = tasmota_on(2 * MIB);
    testkit::put(&mut d, 0xFB000, &settings(2));
    testkit::put(&mut d, 0xFA000, &settings(3));
    let r = report(&d);
    assert_eq!(
        areas(&r, AreaRole::Settings),
        vec![(0xF4000, 0xFC000, "tasmota")]
    );
    assert!(areas(&r, AreaRole::Filesystem).is_empty());
    // The Arduino EEPROM of the 2 MB header stays (Tasmota's 1M build does not use it).
    assert_eq!(
        areas(&r, AreaRole::Eeprom),
        vec![(0x1FB000, 0x1FC000, "arduino")]
    );
}

#[test]
fn stock_shelly_file_systems_come_from_the_boot_config() {
    require_corpus!();
    let r = report(&common::corpus_bytes("shelly_stock_dimmer2_v1.8.4_2MB.bin"));
    assert_eq!(
        areas(&r, AreaRole::Filesystem),
        vec![
            (0xBB000, 0xFB000, "mgos-rboot"),
            (0x1BB000, 0x1FB000, "mgos-rboot")
        ]
    );
    let apps: Vec<u64> = areas(&r, AreaRole::App).iter().map(|a| a.0).collect();
    assert_eq!(apps, vec![0x8000, 0x10_8000]);
    let labels: Vec<&str> = r
        .layout
        .areas
        .iter()
        .filter(|a| a.role == AreaRole::Filesystem)
        .map(|a| a.label.as_str())
        .collect();
    assert!(labels[1].contains("fs1, current"), "{labels:?}");
}

#[test]
fn stock_shelly_without_boot_config_places_the_file_system_found() {
    require_corpus!();
    let r = report(&common::corpus_bytes("shelly_stock_SHSW-1_v1.14.0_2MB.bin"));
    assert_eq!(r.firmware.kind.as_str(), "shelly");
    assert_eq!(
        areas(&r, AreaRole::Filesystem),
        vec![(0xBB000, 0xFB000, "shelly")]
    );
}

fn entry(t: u8, st: u8, off: u32, size: u32, label: &str) -> Vec<u8> {
    let mut e = vec![0xAA, 0x50, t, st];
    e.extend_from_slice(&off.to_le_bytes());
    e.extend_from_slice(&size.to_le_bytes());
    let mut l = [0u8; 16];
    l[..label.len()].copy_from_slice(label.as_bytes());
    e.extend_from_slice(&l);
    e.extend_from_slice(&0u32.to_le_bytes());
    e
}

/// No RTOS SDK dump is in the corpus: the real NONOS boot loader at 0 with an RTOS SDK v3
/// default-style table (nvs, otadata, phy_init, two OTA apps, spiffs) at 0x8000.
#[test]
fn rtos_partition_entries_are_areas() {
    require_corpus!();
    let mut d = testkit::erased(2 * MIB);
    testkit::put(&mut d, 0, &common::corpus_bytes("nonos_boot_v1.7.bin"));
    let mut t = entry(1, 2, 0x9000, 0x4000, "nvs");
    t.extend(entry(1, 0, 0xD000, 0x2000, "otadata"));
    t.extend(entry(1, 1, 0xF000, 0x1000, "phy_init"));
    t.extend(entry(0, 0x10, 0x10000, 0xF0000, "ota_0"));
    t.extend(entry(0, 0x11, 0x110000, 0xE0000, "ota_1"));
    t.extend(entry(1, 0x82, 0x1F0000, 0x10000, "storage"));
    testkit::put(&mut d, 0x8000, &t);
    let r = report(&d);
    assert_eq!(r.layout.kind.as_str(), "rtos-partitions");
    assert_eq!(
        areas(&r, AreaRole::App),
        vec![
            (0x10000, 0x100000, "rtos-partitions"),
            (0x110000, 0x1F0000, "rtos-partitions")
        ]
    );
    assert_eq!(
        areas(&r, AreaRole::PhyInit),
        vec![(0xF000, 0x10000, "rtos-partitions")]
    );
    assert_eq!(
        areas(&r, AreaRole::Filesystem),
        vec![(0x1F0000, 0x200000, "rtos-partitions")]
    );
    let data: Vec<u64> = areas(&r, AreaRole::Data).iter().map(|a| a.0).collect();
    assert_eq!(data, vec![0x9000, 0xD000]);
}

/// Tuya's areas are the sectors its decoders claimed; its factory record at size − 0x5000
/// replaces the SDK layout's RF calibration position there.
#[test]
fn tuya_factory_record_and_user_config_are_areas() {
    require_corpus!();
    let r = report(&common::corpus_bytes("dump_tuya-switch_factory_1MB.bin"));
    assert_eq!(r.firmware.kind.as_str(), "tuya");
    let tuya: Vec<u64> = areas(&r, AreaRole::Settings)
        .iter()
        .filter(|a| a.2 == "tuya")
        .map(|a| a.0)
        .collect();
    assert_eq!(
        tuya,
        vec![0x79000, 0x7B000, 0x7C000, 0x7D000, 0x7E000, 0x7F000, 0x80000, 0xFB000]
    );
    assert!(areas(&r, AreaRole::RfCal).is_empty());
    assert_eq!(
        areas(&r, AreaRole::PhyInit),
        vec![(0xFC000, 0xFD000, "nonos-ota")]
    );
}

#[test]
fn ewelink_factory_record_and_config_sectors_are_areas() {
    require_corpus!();
    let r = report(&common::corpus_bytes("dump_sonoff-ewelink_stock_1MB.bin"));
    assert_eq!(r.firmware.kind.as_str(), "ewelink");
    let ew: Vec<u64> = areas(&r, AreaRole::Settings)
        .iter()
        .filter(|a| a.2 == "ewelink")
        .map(|a| a.0)
        .collect();
    assert_eq!(
        ew,
        vec![0x78000, 0x7A000, 0x7C000, 0x7D000, 0x7E000, 0x7F000]
    );
    assert_eq!(
        areas(&r, AreaRole::RfCal),
        vec![(0xFB000, 0xFC000, "nonos-ota")]
    );
}
