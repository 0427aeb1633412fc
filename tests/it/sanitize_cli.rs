//! `espdump sanitize`: recipes, proof, policy and safety, on the synthetic fixtures and the real
//! Shelly Dimmer 2 dumps. Assertions are on bytes.

use crate::common;

use common::{espdump, stderr, stdout};
use espdump::analysis::inspect::{inspect, Options};
use espdump::formats::fs::spiffs;
use memchr::memmem;
use std::path::Path;

fn count(hay: &[u8], needle: &[u8]) -> usize {
    memmem::find_iter(hay, needle).count()
}

fn run_sanitize(input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "sanitize",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    espdump(&args)
}

fn fs_at(
    r: &espdump::analysis::inspect::InspectReport,
    start: u64,
) -> &espdump::analysis::inspect::FsReport {
    r.filesystems.iter().find(|f| f.start == start).unwrap()
}

#[test]
fn stock_shelly_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::fixture("shelly1_stock_2MB.bin");
    let before = std::fs::read(&input).unwrap();
    let out = dir.path().join("clean.bin");
    let o = run_sanitize(&input, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(std::fs::read(&input).unwrap(), before, "input modified");
    let after = std::fs::read(&out).unwrap();
    assert_eq!(after.len(), before.len());
    for secret in [
        &b"fake-wifi-pass"[..],
        b"old-fake-wifi-pass",
        b"fake-mqtt-pass",
        b"fake-login-pw",
        b"FakeHomeNet",
        b"5CCF7FA1B2C3",
        &[0x5C, 0xCF, 0x7F, 0xA1, 0xB2, 0xC3],
    ] {
        assert!(count(&before, secret) > 0);
        assert_eq!(
            count(&after, secret),
            0,
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
    let (rb, ra) = (
        inspect(&before, &Options::default()).unwrap(),
        inspect(&after, &Options::default()).unwrap(),
    );
    assert_eq!(
        (ra.firmware.kind.as_str(), ra.firmware.version.as_deref()),
        ("shelly", Some("1.14.0"))
    );
    for start in [0xBB000u64, 0x1BB000] {
        let (fb, fa) = (fs_at(&rb, start), fs_at(&ra, start));
        let names: Vec<&str> = fa.files.iter().map(|f| f.name.as_str()).collect();
        assert!(!names.contains(&"conf9.json"), "{names:?}");
        for keep in ["conf0.json", "hwinfo_struct.json", "index.html.gz"] {
            assert_eq!(
                spiffs::read(&after, &fa.info, keep),
                spiffs::read(&before, &fb.info, keep),
                "{keep}"
            );
            assert!(spiffs::read(&after, &fa.info, keep).is_some());
        }
        assert_eq!(
            spiffs::read(&after, &fa.info, "passwd").unwrap(),
            espdump::formats::shelly::passwd::default_content()
        );
        assert_eq!(spiffs::deleted_stats(&after, &fa.info).with_data, 0);
    }
    // App images byte-identical; SDK parameter sectors and flag erased; PHY init kept.
    for img in &rb.images {
        let (s, e) = (img.offset as usize, img.end as usize);
        assert_eq!(after[s..e], before[s..e]);
    }
    assert!(
        after[0x1FB000..0x1FC000].iter().all(|&b| b == 0xFF),
        "RF cal erased"
    );
    assert_eq!(
        after[0x1FC000..0x1FD000],
        before[0x1FC000..0x1FD000],
        "PHY init data kept"
    );
    assert!(after[0x1FD000..0x200000].iter().all(|&b| b == 0xFF));
    let text = stdout(&o);
    assert!(text.contains("  residue                 ok ("), "{text}");
    assert!(text.contains("deleted conf9.json"));
}

#[test]
fn tasmota_fixture_and_keep_wifi() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::fixture("tasmota_on_shelly_2MB.bin");
    let before = std::fs::read(&input).unwrap();
    let out = dir.path().join("clean.bin");
    let o = run_sanitize(&input, &out, &["--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&input).unwrap(), before, "input modified");
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["recipe"], "tasmota");
    assert_eq!(j["written"], true);
    assert_eq!(j["verification"]["residue"].as_array().unwrap().len(), 0);
    let after = std::fs::read(&out).unwrap();
    for secret in [
        &b"fake-wifi-pass"[..],
        b"older-fake-wifi-pass",
        b"fake-mqtt-pass",
        b"fake-web-pass",
        b"tasmota_A1B2C3",
        b"DVES_A1B2C3",
        b"FakeHomeNet",
    ] {
        assert_eq!(
            count(&after, secret),
            0,
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
    let r = inspect(&after, &Options::default()).unwrap();
    let s = r.settings.as_ref().unwrap();
    assert_eq!(s.copies.len(), 1);
    assert_eq!(s.copies[0].offset, 0xFB000);
    assert!(s.copies[0].valid && s.copies[0].crc32.unwrap().valid);
    assert!(s.qpc.is_empty());
    assert!(after[0xF3000..0xFB000].iter().all(|&b| b == 0xFF));
    let block = &after[0xFB000..0xFC000];
    let d = espdump::formats::tasmota::decode(block).unwrap();
    assert_eq!(d.get("sta_pwd").and_then(|v| v[0].as_str()), Some(""));
    assert_eq!(
        d.get("energy_power_calibration").and_then(|v| v.as_u64()),
        Some(1540)
    );
    assert_eq!(r.firmware.version.as_deref(), Some("12.1.1.6"));

    // --keep wifi keeps the station credentials in the settings and the SDK tail, nothing else.
    let out2 = dir.path().join("keep.bin");
    let o = run_sanitize(&input, &out2, &["--keep", "wifi"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let kept = std::fs::read(&out2).unwrap();
    let d = espdump::formats::tasmota::decode(&kept[0xFB000..0xFC000]).unwrap();
    assert_eq!(
        d.get("sta_pwd").and_then(|v| v[0].as_str()),
        Some("fake-wifi-pass")
    );
    assert_eq!(
        d.get("mqtt_pwd").and_then(|v| v.as_str()),
        Some("DVES_PASS")
    );
    assert_eq!(count(&kept, b"older-fake-wifi-pass"), 0);
    assert_eq!(
        count(&kept, &[0x5C, 0xCF, 0x7F, 0xA1, 0xB2, 0xC3]),
        0,
        "stored MAC gone"
    );
    let t = inspect(&kept, &Options::default()).unwrap();
    let sdk1m = t.sdk.iter().find(|x| x.flash_size == 0x10_0000).unwrap();
    let a = sdk1m.active_copy().unwrap();
    assert_eq!(a.sta_password.as_deref(), Some(&b"fake-wifi-pass"[..]));
    assert!(a.checksum.unwrap().valid && a.mac.is_none() && a.ap_ssid.is_none());
}

#[test]
fn real_dimmer2_dump_loses_its_identity() {
    require_corpus!();
    let dir = tempfile::tempdir().unwrap();
    let input = common::corpus("shelly_stock_dimmer2_v1.8.4_2MB.bin");
    let before = std::fs::read(&input).unwrap();
    let rb = inspect(&before, &Options::default()).unwrap();
    // The device id, read from the dump itself (never written into this test).
    let live = rb
        .filesystems
        .iter()
        .find(|f| f.live == Some(true))
        .unwrap();
    let conf9: serde_json::Value =
        serde_json::from_slice(&spiffs::read(&before, &live.info, "conf9.json").unwrap()).unwrap();
    let id = conf9["device"]["id"].as_str().unwrap().to_string();
    let hex_id = id.rsplit('-').next().unwrap().as_bytes().to_vec();
    assert_eq!(hex_id.len(), 12);
    assert_eq!(count(&before, &hex_id), 129);
    let secrets: Vec<Vec<u8>> = ["pass"]
        .iter()
        .filter_map(|k| conf9["wifi"]["sta"][k].as_str())
        .filter(|s| !s.is_empty())
        .map(|s| s.as_bytes().to_vec())
        .collect();

    let out = dir.path().join("clean.bin");
    let o = run_sanitize(&input, &out, &["--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = std::fs::read(&out).unwrap();
    assert_eq!(count(&after, &hex_id), 0);
    for s in &secrets {
        assert!(count(&before, s) > 0);
        assert_eq!(count(&after, s), 0, "a Wi-Fi secret survived");
    }
    // Nothing secret in what was printed either.
    for s in &secrets {
        assert_eq!(count(&o.stdout, s), 0);
    }
    let ra = inspect(&after, &Options::default()).unwrap();
    assert_eq!(
        (
            ra.firmware.kind.as_str(),
            ra.firmware.version.as_deref(),
            ra.firmware.model.as_deref()
        ),
        ("shelly", Some("1.8.4"), Some("SHDM-2"))
    );
    for f in &rb.filesystems {
        let g = fs_at(&ra, f.start);
        for keep in ["hwinfo_struct.json", "conf0.json"] {
            let a = spiffs::read(&before, &f.info, keep).unwrap();
            assert_eq!(
                spiffs::read(&after, &g.info, keep).unwrap(),
                a,
                "{keep} at 0x{:x}",
                f.start
            );
        }
    }
}

#[test]
fn refusals_and_safety() {
    require_corpus!();
    let dir = tempfile::tempdir().unwrap();
    let shelly = common::fixture("shelly1_stock_2MB.bin");
    // Output equal to the input.
    let o = run_sanitize(&shelly, &shelly, &[]);
    assert_eq!(o.status.code(), Some(5));
    assert!(stderr(&o).contains("use --in-place"));
    // Dry run writes nothing.
    let out = dir.path().join("x.bin");
    let o = run_sanitize(&shelly, &out, &["--dry-run"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!out.exists());
    assert!(stdout(&o).contains("planned (dry run: nothing written)"));
    // Unknown --keep item is a usage error.
    let o = run_sanitize(&shelly, &out, &["--keep", "wifi,pizza"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown --keep item 'pizza'"));
    // An output that is a directory: exit 6, nothing left behind.
    let o = run_sanitize(&shelly, dir.path(), &[]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // Firmware without a recipe.
    let esphome = common::corpus("esphome_shelly-1-esp8266_2023-06.bin");
    let o = run_sanitize(&esphome, &out, &[]);
    assert_eq!(o.status.code(), Some(5));
    assert!(stderr(&o).contains("no sanitize recipe for esphome firmware"));
    assert!(!out.exists());
    // --force-generic cleans only the SDK tail (here: there is none, so nothing changes).
    let o = run_sanitize(&esphome, &out, &["--force-generic"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(&esphome).unwrap()
    );
    // --in-place replaces the file atomically.
    let copy = dir.path().join("copy.bin");
    std::fs::copy(&shelly, &copy).unwrap();
    let o = espdump(&["sanitize", copy.to_str().unwrap(), "--in-place"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(count(&std::fs::read(&copy).unwrap(), b"fake-wifi-pass"), 0);
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("tmp"))
            .count(),
        0
    );
}

#[test]
fn residue_fails_loudly_and_writes_nothing() {
    // A secret copied into a file the recipe keeps (a user note in the live file system).
    let mut d = espdump::testkit::shelly1_stock_dump();
    let info = espdump::formats::fs::spiffs::mongoose_info(0xBB000, 0x40000);
    spiffs::write_file(&mut d, &info, "notes.txt", b"wifi: fake-wifi-pass").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.bin");
    std::fs::write(&input, &d).unwrap();
    let out = dir.path().join("out.bin");
    let o = run_sanitize(&input, &out, &["--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!out.exists());
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let res = j["verification"]["residue"].as_array().unwrap();
    assert!(!res.is_empty());
    let f = spiffs::find(&d, &info, "notes.txt").unwrap();
    let at = spiffs::file_offset_to_dump(&info, &f, 6).unwrap() as u64;
    assert!(res.iter().any(|r| r["offset"] == at), "{res:?}");
    assert!(
        !stdout(&o).contains("fake-wifi-pass"),
        "residue report must not print the secret"
    );
}

#[test]
fn stock_shelly_keep_wifi_writes_a_minimal_user_config() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::fixture("shelly1_stock_2MB.bin");
    let out = dir.path().join("keep.bin");
    let o = run_sanitize(&input, &out, &["--keep", "wifi"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let after = std::fs::read(&out).unwrap();
    let r = inspect(&after, &Options::default()).unwrap();
    let live = fs_at(&r, 0xBB000);
    let conf9: serde_json::Value =
        serde_json::from_slice(&spiffs::read(&after, &live.info, "conf9.json").unwrap()).unwrap();
    assert_eq!(
        conf9,
        serde_json::json!({"wifi": {"sta": {"enable": true, "ssid": "FakeHomeNet", "pass": "fake-wifi-pass"}}})
    );
    // The SDK keeps the station credentials in its current copy, nothing of the donor's identity.
    assert_eq!(count(&after, b"5CCF7FA1B2C3"), 0);
    assert_eq!(count(&after, &[0x5C, 0xCF, 0x7F, 0xA1, 0xB2, 0xC3]), 0);
    assert_eq!(count(&after, b"old-fake-wifi-pass"), 0);
    assert_eq!(count(&after, b"fake-mqtt-pass"), 0);
    let sdk = r.sdk[0].active_copy().unwrap();
    assert_eq!(sdk.sta_password.as_deref(), Some(&b"fake-wifi-pass"[..]));
    assert!(sdk.checksum.unwrap().valid);
}
