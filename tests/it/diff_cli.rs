//! End-to-end tests of `espdump diff`: exit codes as `diff(1)`, `--ignore-noise`, `--json`
//! shape, bad inputs.

use crate::common;

use common::{espdump, fixture, stderr, stdout};
use espdump::testkit;
use serde_json::Value;
use std::path::Path;

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.to_str().unwrap().to_string()
}

/// The Tasmota fixture with only noise changed: bootcount, save_flag, RF calibration.
fn noisy_copy() -> Vec<u8> {
    let mut b = std::fs::read(fixture("tasmota_on_shelly_2MB.bin")).unwrap();
    let newest = 0xFA000;
    b[newest + 12] = b[newest + 12].wrapping_add(1); // bootcount (low byte)
    b[newest + 4] += 1; // save_flag
    espdump::formats::tasmota::fix_checksums(&mut b[newest..newest + 0x1000]);
    b[0xFC000 + 0x40] ^= 0xA5; // RF calibration
    b
}

#[test]
fn exit_codes_follow_diff1() {
    let dir = tempfile::tempdir().unwrap();
    let a = fixture("tasmota_on_shelly_2MB.bin");
    let a = a.to_str().unwrap();
    let b = write(dir.path(), "b.bin", &noisy_copy());
    assert_eq!(espdump(&["diff", a, a]).status.code(), Some(0));
    let o = espdump(&["diff", a, &b]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("result: different"));
    assert!(out.contains("noise (rewritten by the firmware itself"));
    assert!(out.contains("bootcount"));
    let q = espdump(&["diff", "--ignore-noise", a, &b]);
    assert_eq!(q.status.code(), Some(0), "{}", stdout(&q));
    let qo = stdout(&q);
    assert!(qo.contains("result: identical"));
    assert!(!qo.contains("bootcount"));
    assert!(qo.contains("noise entries ignored"));
    assert!(out.contains("1 byte changed in 1 range: 0xfc040..0xfc041"));
    assert!(out.contains("noise: RF calibration: the SDK rewrites it"));
}

#[test]
fn json_shape() {
    let dir = tempfile::tempdir().unwrap();
    let a = fixture("tasmota_on_shelly_2MB.bin");
    let a = a.to_str().unwrap();
    let b = write(dir.path(), "b.bin", &noisy_copy());
    let o = espdump(&["diff", "--json", a, &b]);
    assert_eq!(o.status.code(), Some(1));
    let j: Value = serde_json::from_str(&stdout(&o)).expect("one JSON document");
    assert_eq!(j["identical"], false);
    assert_eq!(j["ignore_noise"], false);
    assert_eq!(j["size_differs"], false);
    assert_eq!(j["common_size"], 0x20_0000);
    assert_eq!(j["a"]["size"], 0x20_0000);
    assert!(j["a"]["firmware"]
        .as_str()
        .unwrap()
        .starts_with("tasmota 12.1.1.6"));
    let changes = j["changes"].as_array().unwrap();
    let boot = changes.iter().find(|c| c["key"] == "bootcount").unwrap();
    assert_eq!(boot["area"], "tasmota");
    assert_eq!(boot["change"], "changed");
    assert_eq!(boot["noise"], true);
    assert_eq!(boot["a"], 17);
    assert_eq!(boot["b"], 18);
    let rf = j["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["start"] == 0xFC000)
        .unwrap();
    assert_eq!(rf["status"], "changed");
    assert_eq!(rf["noise"], true);
    assert_eq!(rf["changed_bytes"], 1);
    assert_eq!(rf["ranges"][0]["start"], 0xFC040);
    assert_eq!(rf["ranges"][0]["end"], 0xFC041);
    assert_eq!(rf["a"]["kind"], "sdk");
    assert_eq!(j["summary"]["changes"], 0);
    let q: Value = serde_json::from_str(&stdout(&espdump(&[
        "diff",
        "--json",
        "--ignore-noise",
        a,
        &b,
    ])))
    .unwrap();
    assert_eq!(q["identical"], true);
    assert_eq!(q["changes"].as_array().unwrap().len(), 0);
    assert!(q["noise_hidden"].as_u64().unwrap() >= 5);
}

#[test]
fn size_difference_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = testkit::shelly1_stock_dump();
    let a = write(dir.path(), "a.bin", &d);
    let b = write(dir.path(), "b.bin", &d[..0x18_0000]);
    let o = espdump(&["diff", &a, &b]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("sizes differ: A 2097152 bytes, B 1572864 bytes"));
    let q = espdump(&["diff", "--ignore-noise", &a, &b]);
    assert_eq!(q.status.code(), Some(1));
}

#[test]
fn bad_inputs_exit_3_and_usage_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let a = fixture("shelly1_stock_2MB.bin");
    let a = a.to_str().unwrap();
    let missing = dir.path().join("nope.bin");
    let o = espdump(&["diff", a, missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("no such file"));
    let empty = write(dir.path(), "empty.bin", b"");
    let o = espdump(&["diff", &empty, a]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("file is empty"));
    let o = espdump(&["diff", a, dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(espdump(&["diff", a]).status.code(), Some(2));
    assert_eq!(espdump(&["diff", "--bogus", a, a]).status.code(), Some(2));
}

#[test]
fn hostile_text_is_escaped() {
    // A file name with an ANSI escape inside a SPIFFS: the rendering must not pass it raw.
    let dir = tempfile::tempdir().unwrap();
    let a = testkit::shelly1_stock_dump();
    let mut b = a.clone();
    let fs = espdump::formats::fs::spiffs::probe(&b, 0xBB000).unwrap();
    espdump::formats::fs::spiffs::write_file(&mut b, &fs, "x\x1b[31my", b"line\x1b[2J\n").unwrap();
    let (pa, pb) = (
        write(dir.path(), "a.bin", &a),
        write(dir.path(), "b.bin", &b),
    );
    let o = espdump(&["diff", &pa, &pb]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("x\\x1b[31my"));
    assert!(!out.contains('\x1b'));
}
