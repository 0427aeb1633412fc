//! `espdump::analysis::diff` on synthetic dumps: identical inputs, a Tasmota field change, noise only,
//! a sanitized copy, a SPIFFS file edit with a masked line diff, SDK Wi-Fi settings, sizes.

use espdump::analysis::diff::{diff, Area, ChangeKind, DiffReport, Options, Status};
use espdump::formats::fs::spiffs;
use espdump::report::MASK;
use espdump::testkit;
use serde_json::Value;

const NEWEST: usize = 0xFA000; // newest Tasmota settings copy of the fixture (save 12)

fn run(a: &[u8], b: &[u8]) -> DiffReport {
    diff(a, b, &Options::default()).expect("diff")
}

fn run_quiet(a: &[u8], b: &[u8]) -> DiffReport {
    diff(a, b, &Options { ignore_noise: true }).expect("diff")
}

/// Offset of a Tasmota field in the newest copy, from the decoded configuration.
fn tasmota_field(d: &[u8], key: &str) -> usize {
    let r = espdump::analysis::inspect::inspect(d, &Default::default()).unwrap();
    let sec = r
        .config
        .iter()
        .find(|s| s.live && s.source.starts_with("tasmota settings"))
        .expect("live tasmota section");
    sec.items
        .iter()
        .find(|i| i.key == key)
        .and_then(|i| i.offset)
        .unwrap_or_else(|| panic!("no offset for {key}")) as usize
}

fn fix(d: &mut [u8], at: usize) {
    espdump::formats::tasmota::fix_checksums(&mut d[at..at + 0x1000]);
}

fn json(r: &DiffReport) -> String {
    serde_json::to_string(r).unwrap()
}

#[test]
fn identical_dumps_are_identical() {
    for d in [
        testkit::shelly1_stock_dump(),
        testkit::tasmota_on_shelly_dump(),
    ] {
        let r = run(&d, &d);
        assert!(r.identical);
        assert!(!r.differs());
        assert!(r.changes.is_empty());
        assert_eq!(r.summary.changes, 0);
        assert!(r.regions.iter().all(|x| x.status == Status::Same));
        assert!(r.regions.iter().all(|x| x.changed_bytes == 0));
        // The overlay partitions the input.
        let mut pos = 0;
        for x in &r.regions {
            assert_eq!(x.start, pos);
            pos = x.end;
        }
        assert_eq!(pos, d.len() as u64);
    }
}

#[test]
fn tasmota_field_change_is_named() {
    let a = testkit::tasmota_on_shelly_dump();
    let mut b = a.clone();
    let at = tasmota_field(&b, "devicename");
    assert_eq!(&b[at..at + 14], b"Fixture Shelly");
    b[at..at + 14].copy_from_slice(b"Renamed Shelly");
    fix(&mut b, NEWEST);
    let r = run(&a, &b);
    assert!(!r.identical);
    let real: Vec<_> = r.changes.iter().filter(|c| !c.noise).collect();
    assert_eq!(real.len(), 1, "{real:?}");
    let c = real[0];
    assert_eq!((c.area, c.change), (Area::Tasmota, ChangeKind::Changed));
    assert_eq!(c.key, "devicename");
    assert_eq!(c.a, Some(Value::from("Fixture Shelly")));
    assert_eq!(c.b, Some(Value::from("Renamed Shelly")));
    assert_eq!(c.offset_b, Some(at as u64));
    // The checksums moved with it: noise.
    let noise: Vec<&str> = r
        .changes
        .iter()
        .filter(|c| c.noise)
        .map(|c| c.key.as_str())
        .collect();
    assert!(noise.contains(&"cfg_crc32"), "{noise:?}");
    // One region changed: the settings sector, with exact merged ranges.
    let changed: Vec<_> = r
        .regions
        .iter()
        .filter(|x| x.status != Status::Same)
        .collect();
    assert_eq!(changed.len(), 1);
    let reg = changed[0];
    assert_eq!(
        (reg.start, reg.end),
        (NEWEST as u64, NEWEST as u64 + 0x1000)
    );
    // A real setting changed inside: the region is not noise.
    assert!(!reg.noise);
    assert!(reg
        .ranges
        .iter()
        .any(|x| x.start == at as u64 && x.end == at as u64 + 7)); // "Fixture" -> "Renamed"
    let exact = a.iter().zip(&b).filter(|(x, y)| x != y).count() as u64;
    assert_eq!(reg.changed_bytes, exact);
    // Ignoring noise keeps the real change.
    let q = run_quiet(&a, &b);
    assert!(!q.identical);
    assert_eq!(q.changes.len(), 1);
    assert!(q.noise_hidden >= 2);
}

#[test]
fn noise_only_differences_vanish_with_ignore_noise() {
    let a = testkit::tasmota_on_shelly_dump();
    let mut b = a.clone();
    let (bc, sf) = (
        tasmota_field(&b, "bootcount"),
        tasmota_field(&b, "save_flag"),
    );
    assert_eq!((bc, sf), (NEWEST + 12, NEWEST + 4));
    let n = u16::from_le_bytes([b[bc], b[bc + 1]]) + 1;
    b[bc..bc + 2].copy_from_slice(&n.to_le_bytes());
    b[sf] += 1;
    fix(&mut b, NEWEST);
    // RF calibration of the 1 MiB SDK tail, rewritten by the SDK.
    b[0xFC000 + 0x20] ^= 0x55;
    let r = run(&a, &b);
    assert!(!r.identical);
    assert_eq!(r.summary.changes, 0);
    let keys: Vec<&str> = r.changes.iter().map(|c| c.key.as_str()).collect();
    for k in ["bootcount", "save_flag", "cfg_crc", "cfg_crc32"] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    assert!(r.changes.iter().all(|c| c.noise));
    let rf = r
        .regions
        .iter()
        .find(|x| x.start == 0xFC000)
        .expect("rf cal region");
    assert_eq!(rf.status, Status::Changed);
    assert!(rf.noise);
    assert_eq!(rf.changed_bytes, 1);
    assert!(rf.noise_reason.unwrap().contains("RF calibration"));
    let q = run_quiet(&a, &b);
    assert!(q.identical);
    assert!(q.changes.is_empty());
    assert!(q.regions.iter().all(|x| x.status == Status::Same));
    assert_eq!(q.noise_hidden, r.changes.len() + 2);
}

#[test]
fn tasmota_sanitized_copy_names_the_reset_fields_and_masks_secrets() {
    let a = testkit::tasmota_on_shelly_dump();
    let mut b = a.clone();
    let made = espdump::formats::tasmota::sanitize(&mut b, &Default::default()).expect("sanitize");
    assert!(!made.is_empty());
    let r = run(&a, &b);
    assert!(!r.identical);
    let keys: Vec<&str> = r
        .changes
        .iter()
        .filter(|c| c.area == Area::Tasmota && !c.noise)
        .map(|c| c.key.as_str())
        .collect();
    // Every field sanitize says it reset is named by diff.
    for ch in &made {
        if let Some(field) = ch
            .what
            .strip_prefix("reset ")
            .and_then(|w| w.split_whitespace().next())
        {
            let field = field.split('[').next().unwrap();
            assert!(
                keys.iter().any(|k| k.starts_with(field)),
                "sanitize reset {field}, diff names {keys:?}"
            );
        }
    }
    for k in ["sta_pwd", "mqtt_pwd", "hostname"] {
        assert!(keys.iter().any(|x| x.starts_with(k)), "{k} not in {keys:?}");
    }
    // Secrets: raw in the report, masked by masked().
    let pwd = r
        .changes
        .iter()
        .find(|c| c.key.starts_with("sta_pwd"))
        .unwrap();
    // sta_pwd is an array of two passwords in 12.x.
    let raw = pwd
        .a
        .as_ref()
        .and_then(|v| v[0].as_str())
        .unwrap()
        .to_string();
    assert!(!raw.is_empty() && raw != MASK);
    assert!(json(&r).contains(&raw));
    let m = r.masked();
    let mp = m
        .changes
        .iter()
        .find(|c| c.key.starts_with("sta_pwd"))
        .unwrap();
    let shown = mp.a.as_ref().unwrap().to_string();
    assert!(shown.contains(MASK) && !shown.contains(&raw));
    assert!(!json(&m).contains(&raw));
    let mut human = Vec::new();
    espdump::render::diff::render(&mut human, "a", "b", &m, Default::default()).unwrap();
    assert!(!String::from_utf8(human).unwrap().contains(&raw));
}

#[test]
fn spiffs_file_edit_gives_masked_line_diff() {
    let a = testkit::shelly1_stock_dump();
    let mut b = a.clone();
    let fs = spiffs::probe(&b, 0xBB000).expect("fs0");
    let old = spiffs::read(&b, &fs, "conf9.json").unwrap();
    let text = String::from_utf8(old).unwrap();
    assert!(text.contains("fake-wifi-pass"));
    let new = text
        .replace("fake-wifi-pass", "brand-new-secret-9")
        .replace("FakeHomeNet", "OtherNet");
    spiffs::write_file(&mut b, &fs, "conf9.json", new.as_bytes()).unwrap();
    let r = run(&a, &b);
    let file = r
        .changes
        .iter()
        .find(|c| c.area == Area::File && c.key == "conf9.json")
        .expect("conf9.json change");
    assert_eq!(file.source, "spiffs@0x0bb000");
    let ld = file.lines.as_ref().expect("line diff");
    assert!(ld.normalized_json);
    assert_eq!((ld.removed, ld.added), (2, 2));
    let texts: Vec<String> = ld
        .hunks
        .iter()
        .flat_map(|h| &h.lines)
        .map(|l| format!("{}{}", l.op.marker(), l.text))
        .collect();
    assert!(texts
        .iter()
        .any(|t| t.starts_with('+') && t.contains("OtherNet")));
    assert!(texts.iter().any(|t| t.contains("brand-new-secret-9")));
    // Masked: the new and the old password are gone from every line, the SSID stays.
    let m = r.masked();
    let mf = m
        .changes
        .iter()
        .find(|c| c.area == Area::File && c.key == "conf9.json")
        .unwrap();
    let mt: Vec<String> = mf
        .lines
        .as_ref()
        .unwrap()
        .hunks
        .iter()
        .flat_map(|h| &h.lines)
        .map(|l| l.text.clone())
        .collect();
    assert!(mt.iter().any(|t| t.contains(MASK)));
    assert!(mt.iter().any(|t| t.contains("OtherNet")));
    let out = json(&m);
    assert!(!out.contains("brand-new-secret-9"));
    assert!(!out.contains("fake-wifi-pass"));
    // The config keys are named too.
    let keys: Vec<(&str, &str)> = r
        .changes
        .iter()
        .filter(|c| c.area == Area::Config)
        .map(|c| (c.source.as_str(), c.key.as_str()))
        .collect();
    assert!(keys.contains(&("spiffs@0x0bb000:conf9.json", "wifi.sta.ssid")));
    assert!(keys.contains(&("spiffs@0x0bb000:conf9.json", "wifi.sta.pass")));
    // The file system region changed, and is not noise (a file changed).
    let reg = r.regions.iter().find(|x| x.start == 0xBB000).unwrap();
    assert_eq!(reg.status, Status::Changed);
    assert!(!reg.noise);
}

#[test]
fn sdk_wifi_settings_change() {
    let a = testkit::shelly1_stock_dump();
    let mut b = a.clone();
    testkit::sdk_tail(
        &mut b,
        0x20_0000,
        &testkit::SdkParams {
            sta_ssid: b"FakeOtherNet",
            sta_password: b"fake-other-pass",
            ap_ssid: b"shelly1-5CCF7FA1B2C3",
            mac: testkit::FIXTURE_MAC,
            arduino_layout: false,
        },
        1,
    );
    let r = run(&a, &b);
    let sdk: Vec<_> = r.changes.iter().filter(|c| c.area == Area::Sdk).collect();
    let ssid = sdk
        .iter()
        .find(|c| c.key == "sta_ssid")
        .expect("sta_ssid change");
    assert_eq!(ssid.a, Some(Value::from("FakeHomeNet")));
    assert_eq!(ssid.b, Some(Value::from("FakeOtherNet")));
    assert!(!ssid.noise);
    let pw = sdk.iter().find(|c| c.key == "sta_password").unwrap();
    assert!(!pw.noise);
    let m = r.masked();
    let mpw = m
        .changes
        .iter()
        .find(|c| c.area == Area::Sdk && c.key == "sta_password")
        .unwrap();
    assert_eq!(mpw.b, Some(Value::from(MASK)));
    assert!(!json(&m).contains("fake-other-pass"));
    // The current parameter copy holds the changed fields: not noise. The previous copy and
    // the flag sector changed without a setting of their own: noise.
    let at = |o: u64| r.regions.iter().find(|x| x.start == o).unwrap();
    assert_eq!(at(0x1FE000).status, Status::Changed);
    assert!(!at(0x1FE000).noise);
    for x in r
        .regions
        .iter()
        .filter(|x| x.status == Status::Changed && x.start != 0x1FE000)
    {
        assert!(x.noise, "{x:?}");
    }
    let q = run_quiet(&a, &b);
    assert!(!q.identical);
}

#[test]
fn sizes_differ_common_part_compared() {
    let a = testkit::shelly1_stock_dump();
    let b = a[..0x10_0000].to_vec();
    let r = run(&a, &b);
    assert!(r.size_differs);
    assert_eq!(r.common_size, 0x10_0000);
    let size = r.changes.iter().find(|c| c.area == Area::Size).unwrap();
    assert_eq!(size.a, Some(Value::from(0x20_0000)));
    assert_eq!(size.b, Some(Value::from(0x10_0000)));
    // Everything in the common part is the same; the rest is only in A.
    for x in &r.regions {
        if x.end <= 0x10_0000 {
            assert_eq!(x.status, Status::Same, "{x:?}");
        } else {
            assert_eq!(x.status, Status::OnlyA, "{x:?}");
            assert!(x.b.is_none());
        }
    }
    assert!(r.regions.iter().any(|x| x.start == 0x10_8000));
    assert!(!run_quiet(&a, &b).identical);
}

#[test]
fn slot_and_image_changes_between_layouts() {
    // Shelly stock against Tasmota: an overlay of two different maps.
    let a = testkit::shelly1_stock_dump();
    let b = testkit::tasmota_on_shelly_dump();
    let r = run(&a, &b);
    let fw = r
        .changes
        .iter()
        .find(|c| c.area == Area::Firmware && c.source == "running firmware")
        .unwrap();
    assert_eq!(fw.a, Some(Value::from("shelly 1.14.0 SHSW-1")));
    assert!(fw
        .b
        .as_ref()
        .and_then(Value::as_str)
        .unwrap()
        .starts_with("tasmota 12.1.1.6"));
    assert!(r
        .changes
        .iter()
        .any(|c| c.area == Area::BootConfig && c.change == ChangeKind::Removed));
    // The regions still cover both inputs exactly once.
    let mut pos = 0;
    for x in &r.regions {
        assert_eq!(x.start, pos);
        assert!(x.end > x.start);
        pos = x.end;
    }
    assert_eq!(pos, a.len() as u64);
    // A structure nested in the other side's file system stays its own piece.
    let qpc = r.regions.iter().find(|x| x.start == 0xF3000).unwrap();
    assert_eq!(qpc.end, 0xF4000);
    assert_eq!(qpc.b.as_ref().unwrap().kind.as_str(), "settings");
    let before = r.regions.iter().find(|x| x.end == 0xF3000).unwrap();
    assert_eq!(before.start, 0xBB000);
    assert_eq!(before.status, Status::OnlyA);
    let boot = &r.regions[0];
    assert_eq!(boot.status, Status::Changed);
    assert_eq!(boot.a.as_ref().unwrap().kind.as_str(), "bootloader");
}

#[test]
fn edited_stale_settings_copy_is_not_noise() {
    // The copy at 0xF9000 (save 11) is not loaded; the firmware would only replace it by a
    // newer save. Editing it in place is a real change.
    let a = testkit::tasmota_on_shelly_dump();
    let mut b = a.clone();
    let stale = 0xF9000;
    let name = a[stale..stale + 0x1000]
        .windows(14)
        .position(|w| w == b"Fixture Shelly")
        .expect("devicename in the stale copy");
    b[stale + name..stale + name + 14].copy_from_slice(b"Renamed Shelly");
    fix(&mut b, stale);
    let q = run_quiet(&a, &b);
    assert!(!q.identical);
    let c = q
        .changes
        .iter()
        .find(|c| c.key == "devicename")
        .expect("devicename change");
    assert_eq!(c.source, "tasmota settings @0x0f9000 (save 11, not loaded)");
    assert_eq!(c.b, Some(Value::from("Renamed Shelly")));
    let reg = q.regions.iter().find(|x| x.start == stale as u64).unwrap();
    assert_eq!(reg.status, Status::Changed);
    assert!(!reg.noise);
    // A new save into the stale slot (the newest settings with a higher save counter) is the
    // firmware's own doing.
    let mut c2 = a.clone();
    c2.copy_within(NEWEST..NEWEST + 0x1000, stale);
    c2[stale + 4] = 20; // save_flag 12 -> 20
    fix(&mut c2, stale);
    let r2 = run_quiet(&a, &c2);
    assert!(r2.identical, "{:?}", r2.changes);
}
