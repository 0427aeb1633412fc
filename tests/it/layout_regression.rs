//! Regression tests for issue 9: the layout follows the firmware, overlapping claims are visible,
//! and sanitize keeps a loadable Tasmota settings copy.
//!
//! The Tasmota dumps are built from the real Tasmota 8.5 image of the corpus (eboot + sketch,
//! header 1 MB, DOUT) placed on a 2 MiB flash, with a settings ring, stale PHY init data of an
//! earlier SDK firmware at 0xFC000 and the SDK tail the running firmware writes.

use crate::common;

use espdump::analysis::inspect::{inspect, InspectReport, Options, RegionKind};
use espdump::analysis::layout::{AreaRole, LayoutKind};
use espdump::analysis::sanitize::{sanitize, Policy};
use espdump::formats::tasmota::{build_settings, FieldValue};
use espdump::testkit::{self, SdkParams};

const MIB: usize = 0x10_0000;
const V85: u32 = 0x0805_0000;

/// Settings of 8.5.0 with a template, GPIO map, module and calibration that differ per `save`.
fn settings(save: u32) -> [u8; 4096] {
    let s = |x: &str| FieldValue::Str(x.to_string());
    let n = i128::from(save);
    let mut f = vec![
        ("sta_ssid", 0, s("FakeNet")),
        ("sta_pwd", 0, s("fake-wifi-secret")),
        ("mqtt_host", 0, s("broker.example.invalid")),
        ("mqtt_pwd", 0, s("fake-mqtt-secret")),
        ("module", 0, FieldValue::Int(0)),
        ("energy_power_calibration", 0, FieldValue::Int(1500 + n)),
        ("energy_voltage_calibration", 0, FieldValue::Int(1900 + n)),
        ("user_template.name", 0, s(&format!("Fixture {save}"))),
        ("bootcount", 0, FieldValue::Int(5 + n)),
    ];
    for i in 0..13 {
        f.push((
            "user_template.gpio",
            i,
            FieldValue::Int((i as i128 + n) % 60),
        ));
    }
    for i in 0..17 {
        f.push(("my_gp", i, FieldValue::Int((i as i128 * 3 + n) % 60)));
    }
    build_settings(V85, save, &f).expect("settings")
}

/// Tasmota 8.5 on 2 MiB; header 1 MB or 2 MB; stale PHY init data at 0xFC000.
fn tasmota85(header_mb: u8) -> Vec<u8> {
    let mut d = testkit::erased(2 * MIB);
    testkit::put(&mut d, 0, &common::corpus_bytes("tasmota_8.5.bin"));
    d[3] = (d[3] & 0x0F) | if header_mb == 2 { 0x30 } else { 0x20 };
    testkit::put(&mut d, 0xFB000, &settings(10));
    testkit::put(&mut d, 0xFA000, &settings(12));
    testkit::put(&mut d, 0xF9000, &settings(11));
    testkit::put(&mut d, 0xFC000, &testkit::phy_init_data());
    let p = SdkParams {
        sta_ssid: b"FakeNet",
        sta_password: b"fake-wifi-secret",
        ap_ssid: b"",
        mac: [0x5C, 0xCF, 0x7F, 0x01, 0x02, 0x03],
        arduino_layout: true,
    };
    let size = usize::from(header_mb) * MIB;
    // The Arduino tail writes "RF cal" at size - 0x4000: at 1 MB that is 0xFC000, which must
    // keep the stale PHY init data for the regression, so only the parameters are written there.
    let mut tail = testkit::erased(2 * MIB);
    testkit::sdk_tail(&mut tail, size, &p, 0);
    let from = size - 0x3000;
    d[from..size].copy_from_slice(&tail[from..size]);
    if header_mb == 2 {
        d[size - 0x4000..size - 0x3000].copy_from_slice(&tail[size - 0x4000..size - 0x3000]);
        // The earlier 1 MB SDK firmware's parameters are still there too.
        let mut old = testkit::erased(2 * MIB);
        testkit::sdk_tail(
            &mut old,
            MIB,
            &SdkParams {
                arduino_layout: false,
                ..p.clone()
            },
            1,
        );
        d[MIB - 0x3000..MIB].copy_from_slice(&old[MIB - 0x3000..MIB]);
    }
    d
}

fn report(d: &[u8]) -> InspectReport {
    inspect(d, &Options::default()).unwrap()
}

fn area(r: &InspectReport, role: AreaRole, size: usize) -> Option<(u64, u64)> {
    r.layout
        .areas
        .iter()
        .find(|a| a.role == role && a.flash_size == size as u64)
        .map(|a| (a.start, a.end))
}

fn region_at(r: &InspectReport, at: u64) -> (RegionKind, String) {
    let x = r
        .regions
        .iter()
        .find(|x| x.start <= at && at < x.end)
        .unwrap();
    (x.kind, x.label.clone())
}

#[test]
fn header_1mb_stale_phy_init_is_not_the_sdk_layout() {
    require_corpus!();
    let r = report(&tasmota85(1));
    assert_eq!(r.firmware.kind.as_str(), "tasmota");
    assert_eq!(r.layout.kind, LayoutKind::Arduino);
    let sizes: Vec<(u64, &str)> = r
        .layout
        .flash_sizes
        .iter()
        .map(|f| (f.size, f.source))
        .collect();
    assert_eq!(sizes, vec![(0x10_0000, "header"), (0x20_0000, "dump")]);
    assert_eq!(area(&r, AreaRole::RfCal, MIB), Some((0xFC000, 0xFD000)));
    assert_eq!(area(&r, AreaRole::SysParams, MIB), Some((0xFD000, 0xFF000)));
    // The EEPROM sector at 1 MB is Tasmota's settings slot.
    assert_eq!(area(&r, AreaRole::Eeprom, MIB), None);
    assert_eq!(area(&r, AreaRole::Settings, MIB), Some((0xF4000, 0xFC000)));
    assert_eq!(region_at(&r, 0xFB000).0, RegionKind::Settings);
    let (k, label) = region_at(&r, 0xFC000);
    assert_eq!(k, RegionKind::Sdk);
    assert!(label.starts_with("SDK RF calibration"), "{label}");
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "stale_phy_init" && f.offset == Some(0xFC000)));
    assert!(!r.findings.iter().any(|f| f.code == "layout_conflict"));
    let t = r.sdk.iter().find(|t| t.size_source == "header").unwrap();
    assert_eq!(t.rf_cal_offset, 0xFC000);
}

#[test]
fn header_2mb_moves_the_sdk_tail_but_not_tasmota_settings() {
    require_corpus!();
    let r = report(&tasmota85(2));
    assert_eq!(r.layout.kind, LayoutKind::Arduino);
    assert_eq!(r.layout.flash_sizes.len(), 1);
    assert_eq!(
        area(&r, AreaRole::RfCal, 2 * MIB),
        Some((0x1FC000, 0x1FD000))
    );
    assert_eq!(
        area(&r, AreaRole::SysParams, 2 * MIB),
        Some((0x1FD000, 0x1FF000))
    );
    assert_eq!(
        area(&r, AreaRole::Eeprom, 2 * MIB),
        Some((0x1FB000, 0x1FC000))
    );
    assert_eq!(area(&r, AreaRole::Settings, MIB), Some((0xF4000, 0xFC000)));
    assert_eq!(region_at(&r, 0xFB000).0, RegionKind::Settings);
    let (k, label) = region_at(&r, 0xFC000);
    assert_eq!(k, RegionKind::Sdk);
    assert!(label.starts_with("stale SDK PHY init data"), "{label}");
    assert!(region_at(&r, 0xFD000)
        .1
        .starts_with("stale SDK system params"));
    assert!(r.findings.iter().any(|f| f.code == "stale_sdk_tail"));
    assert!(!r.findings.iter().any(|f| f.code == "layout_conflict"));
}

/// Factory fields of the newest valid copy of `d`.
fn kept_fields(d: &[u8]) -> (u64, Vec<(String, serde_json::Value)>) {
    let r = report(d);
    let s = r.settings.as_ref().expect("settings");
    let c = s.newest_copy().expect("a loadable copy");
    assert!(c.valid);
    let o = c.offset as usize;
    let dec = espdump::formats::tasmota::decode_at(&d[o..o + 4096], c.offset).unwrap();
    let want = [
        "module",
        "my_gp",
        "user_template.gpio",
        "user_template.name",
        "energy_power_calibration",
        "energy_voltage_calibration",
    ];
    let f = want
        .iter()
        .map(|k| (k.to_string(), dec.get(k).cloned().expect(k)))
        .collect();
    (c.offset, f)
}

#[test]
fn sanitize_keeps_a_loadable_copy_of_the_newest_settings() {
    require_corpus!();
    for header in [1, 2] {
        let d = tasmota85(header);
        let (_, before) = kept_fields(&d);
        let (out, rep) = sanitize(&d, &Policy::default()).unwrap();
        assert!(rep.verification.ok(), "{:?}", rep.verification.problems);
        assert!(rep.verification.settings_kept);
        let (off, after) = kept_fields(&out);
        assert_eq!(before, after, "header {header} MB");
        assert_eq!(off, 0xFB000, "the copy lives in the EEPROM slot");
        // Nothing of the SDK recipe touched the slot.
        assert!(rep
            .changes
            .iter()
            .filter(|c| c.start < 0xFC000 && 0xFB000 < c.end)
            .all(|c| c.region == "tasmota settings"));
    }
}

#[test]
fn decode_config_loads_the_kept_copy() {
    require_corpus!();
    let Some(exe) = common::decode_config() else {
        return;
    };
    let d = tasmota85(1);
    let (out, _) = sanitize(&d, &Policy::default()).unwrap();
    let dmp = espdump::formats::tasmota::to_dmp(&out[0xFB000..0xFC000]);
    let v = common::run_decode_config(&exe, &dmp);
    let newest = settings(12);
    let dec = espdump::formats::tasmota::decode_at(&newest, 0).unwrap();
    assert_eq!(
        v["energy_power_calibration"].as_i64(),
        dec.get("energy_power_calibration").and_then(|x| x.as_i64())
    );
    assert_eq!(v["energy_power_calibration"].as_i64(), Some(1512));
    assert_eq!(v["my_gp"], *dec.get("my_gp").unwrap());
    assert_eq!(
        v["user_template"]["gpio"],
        *dec.get("user_template.gpio").unwrap()
    );
    assert_eq!(v["user_template"]["name"].as_str(), Some("Fixture 12"));
    assert_eq!(v["module"].as_i64(), Some(0));
}

#[test]
fn the_sdk_recipe_may_not_erase_tasmota_settings() {
    require_corpus!();
    // The old behaviour: an SDK layout at 1 MB puts the RF calibration at 0xFB000. Forcing that
    // layout onto the analysis must make sanitize refuse, not overwrite the settings slot.
    let d = tasmota85(1);
    let mut before = report(&d);
    let mut t = before
        .sdk
        .iter()
        .find(|t| t.size_source == "header")
        .unwrap()
        .clone();
    t.rf_cal_offset = 0xFB000;
    before.sdk = vec![t];
    let err = espdump::analysis::sanitize::plan_check(&d, &before).unwrap_err();
    assert!(err.contains("touches Tasmota settings"), "{err}");
}

#[test]
fn stock_shelly_fs_under_tasmota_is_stale() {
    let d = testkit::tasmota_on_shelly_dump();
    let r = report(&d);
    assert_eq!(r.firmware.kind.as_str(), "tasmota");
    let fs = r.filesystems.iter().find(|f| f.start == 0x1BB000).unwrap();
    assert_eq!(fs.live, Some(false));
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "stale_filesystem" && f.offset == Some(0x1BB000)));
    assert!(region_at(&r, 0x1BB000).1.contains("(stale)"));
    let (out, rep) = sanitize(&d, &Policy::default()).unwrap();
    assert!(rep.verification.ok(), "{:?}", rep.verification.problems);
    assert!(report(&out).settings.unwrap().newest_copy().unwrap().valid);
}

#[test]
fn wled_is_not_nodemcu() {
    require_corpus!();
    let r = report(&common::corpus_bytes("wled_0.8.5_esp8266_apa102.bin"));
    assert_ne!(r.firmware.kind.as_str(), "nodemcu");
    let n = r
        .firmware
        .candidates
        .iter()
        .find(|c| c.kind.as_str() == "nodemcu")
        .expect("nodemcu stays a weak candidate");
    assert_eq!(n.strength, espdump::analysis::profile::Strength::Weak);
}

#[test]
fn nonos_non_ota_app_is_identified() {
    require_corpus!();
    // eagle.flash.bin at 0, eagle.irom0text.bin at 0x10000 (SDK 2.0.0 non-OTA AT build).
    let mut d = testkit::erased(MIB);
    testkit::put(
        &mut d,
        0,
        &common::corpus_bytes("nonos_sdk2.0.0_at_noboot_eagle.flash.bin"),
    );
    testkit::put(
        &mut d,
        0x10000,
        &common::corpus_bytes("nonos_sdk2.0.0_at_noboot_eagle.irom0text.bin"),
    );
    let r = report(&d);
    assert_eq!(r.layout.kind, LayoutKind::NonosNonOta);
    assert_eq!(r.firmware.kind.as_str(), "esp-at");
    assert_eq!(region_at(&r, 0x10000).0, RegionKind::Irom);
    // A plain app without AT strings: the SDK itself.
    let mut p = testkit::erased(MIB);
    let img = testkit::v1_image(
        0x4010_0004,
        0,
        0x20,
        &[(0x4010_0000, &testkit::filler(3, 0x800))],
    );
    testkit::put(&mut p, 0, &img);
    testkit::put(&mut p, 0x10000, &testkit::filler(4, 0x8000));
    let r = report(&p);
    assert_eq!(r.layout.kind, LayoutKind::NonosNonOta);
    assert_eq!(r.firmware.kind.as_str(), "nonos-sdk");
}

#[test]
fn diff_never_calls_a_lost_settings_copy_noise() {
    require_corpus!();
    let a = tasmota85(1);
    let (b, _) = sanitize(&a, &Policy::default()).unwrap();
    let r = espdump::analysis::diff::diff(&a, &b, &espdump::analysis::diff::Options::default())
        .unwrap();
    let lost: Vec<_> = r
        .regions
        .iter()
        .filter(|x| {
            x.a.as_ref().is_some_and(|y| y.kind == RegionKind::Settings)
                && x.b.as_ref().is_none_or(|y| y.kind != RegionKind::Settings)
        })
        .collect();
    // 0xFA000 and 0xF9000 held valid copies and are erased now.
    assert!(lost.len() >= 2, "{lost:?}");
    assert!(lost.iter().all(|x| !x.noise), "{lost:?}");
    let copies = r
        .changes
        .iter()
        .find(|c| c.key == "copies")
        .expect("copies change");
    assert!(!copies.noise);
}

#[test]
fn the_binary_reports_layout_and_keeps_settings() {
    require_corpus!();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("Backup_2MB.bin");
    let output = dir.path().join("Clone_2MB.bin");
    std::fs::write(&input, tasmota85(1)).unwrap();
    let inp = input.to_str().unwrap();
    let o = common::espdump(&["inspect", "--json", inp]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["layout"]["kind"], "arduino");
    assert_eq!(j["layout"]["flash_sizes"][0]["size"], 0x10_0000);
    assert_eq!(j["layout"]["flash_sizes"][0]["source"], "header");
    assert_eq!(j["layout"]["evidence"][0]["basis"], "bootloader");
    assert!(j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "stale_phy_init" && f["offset"] == 0xFC000));
    let o = common::espdump(&["inspect", inp]);
    let text = common::stdout(&o);
    assert!(
        text.contains("layout       arduino (header 1 MiB, dump 2 MiB): eboot at 0"),
        "{text}"
    );
    let o = common::espdump(&["sanitize", "--json", inp, "-o", output.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["verification"]["settings_kept"], true);
    assert_eq!(j["verification"]["boot_config_unchanged"], true);
    let out = std::fs::read(&output).unwrap();
    assert_eq!(kept_fields(&out).1, kept_fields(&tasmota85(1)).1);
}
