//! End-to-end tests of `espdump inspect`: the real binary, exact fields, exit codes, bad input.

use crate::common;

use common::{espdump, stderr, stdout};
use espdump::testkit;

fn shelly_like_dump() -> Vec<u8> {
    let mut d = testkit::erased(0x20_0000);
    testkit::put(&mut d, 0, &testkit::rboot_mgos(2, 0x30));
    testkit::put(
        &mut d,
        0x1000,
        &testkit::mgos_config(
            0,
            [0x8000, 0x10_8000],
            [0xB2FF0, 0xB2FF0],
            [0xBB000, 0x1BB000],
            [0x40000, 0x40000],
        ),
    );
    testkit::put(
        &mut d,
        0x8000,
        &testkit::shelly_app("SHSW-1", "20230913-112003/v1.14.0-gcb84623", 11, 0x30000),
    );
    testkit::sdk_tail(
        &mut d,
        0x20_0000,
        &testkit::SdkParams {
            sta_ssid: b"FakeNet",
            sta_password: b"fake-pass-123",
            ap_ssid: b"",
            mac: [0x5C, 0xCF, 0x7F, 0x01, 0x02, 0x03],
            arduino_layout: false,
        },
        1,
    );
    d
}

fn write_tmp(dir: &tempfile::TempDir, name: &str, data: &[u8]) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, data).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn json_report_of_a_shelly_layout() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_tmp(&dir, "dump.bin", &shelly_like_dump());
    let o = espdump(&["inspect", "--json", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value =
        serde_json::from_str(&stdout(&o)).expect("exactly one JSON document");
    assert_eq!(j["firmware"]["kind"], "shelly");
    assert_eq!(j["firmware"]["version"], "1.14.0");
    assert_eq!(j["firmware"]["model"], "SHSW-1");
    assert_eq!(j["bootloader"]["kind"], "rboot-mgos");
    assert_eq!(j["bootloader"]["version"], "1.2.1-cesanta1");
    assert_eq!(j["boot_config"]["offset"], 0x1000);
    let regions = j["regions"].as_array().unwrap();
    let mut pos = 0;
    for r in regions {
        assert_eq!(r["start"], pos);
        pos = r["end"].as_u64().unwrap();
    }
    assert_eq!(pos, 0x20_0000);
    let kinds: Vec<(u64, &str)> = regions
        .iter()
        .map(|r| (r["start"].as_u64().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    assert!(kinds.contains(&(0, "bootloader")));
    assert!(kinds.contains(&(0x1000, "boot_config")));
    assert!(kinds.contains(&(0x8000, "app")));
    assert!(kinds.contains(&(0x1FB000, "sdk")));
    let img = &j["images"][1];
    assert_eq!(img["offset"], 0x8000);
    assert_eq!(img["image_version"], 2);
    assert_eq!(img["entry"], 0x4010027C);
    assert_eq!(img["checksum"]["valid"], true);
    assert_eq!(img["segments"][1]["addr"], 0x40100000);
    assert_eq!(img["segments"][1]["len"], 0x7564);
    assert_eq!(img["flash_mode"], "invalid (0xff)");
    // Secrets are masked in JSON unless asked.
    let cfg = j["config"].to_string();
    assert!(!cfg.contains("fake-pass-123"), "{cfg}");
    assert!(cfg.contains("********"));
    assert!(cfg.contains("FakeNet"));
    let o = espdump(&["inspect", "--json", "--show-secrets", &f]);
    assert!(stdout(&o).contains("fake-pass-123"));
}

#[test]
fn human_report_lines_and_grid() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_tmp(&dir, "dump.bin", &shelly_like_dump());
    let o = espdump(&["inspect", &f]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains(
            "firmware     shelly 1.14.0  model SHSW-1  SDK 3.0.6-dev(865fa65)  (app at 0x8000)\n"
        ),
        "{out}"
    );
    assert!(out.contains("bootloader   rboot-mgos 1.2.1-cesanta1\n"));
    assert!(out.contains("  0x001000  0x002000      4 KiB  boot_config      rBoot config (Mongoose OS), current slot 0\n"), "{out}");
    assert!(out.contains("  0x1ff000  0x200000      4 KiB  sdk              SDK system params flag, copy 1 current\n"));
    assert!(
        out.contains("    sta_password                 secret    \"********\"\n"),
        "{out}"
    );
    // Grid: 512 cells in 8 rows of 64, no ANSI codes when colour is off.
    let grid: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  0x") && l.len() == 2 + 8 + 2 + 64)
        .collect();
    assert_eq!(grid.len(), 8, "{out}");
    assert_eq!(grid[0], format!("  0x000000  BC......{}", "A".repeat(56)));
    assert!(!out.contains('\x1b'));
    assert!(out.contains("legend: B=bootloader C=boot_config A=app S=sdk .=erased"));
}

#[test]
fn svg_map_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_tmp(&dir, "dump.bin", &shelly_like_dump());
    let svg = dir.path().join("map.svg");
    let o = espdump(&["inspect", &f, "--svg", svg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_eq!(
        s.matches("<rect x=").count(),
        512 + 5,
        "512 cells and a legend of 5 kinds"
    );
    assert!(s.contains("<title>0x008000 app</title>"));
}

#[test]
fn terminal_escapes_in_dump_strings_are_neutralised() {
    let mut d = shelly_like_dump();
    testkit::sdk_tail(
        &mut d,
        0x20_0000,
        &testkit::SdkParams {
            sta_ssid: b"Evil\x1b[31mNet",
            sta_password: b"x",
            ap_ssid: b"",
            mac: [0x5C, 0xCF, 0x7F, 1, 2, 3],
            arduino_layout: false,
        },
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let f = write_tmp(&dir, "dump.bin", &d);
    let out = stdout(&espdump(&["inspect", &f]));
    assert!(!out.contains('\x1b'));
    assert!(out.contains("Evil\\x1b[31mNet"));
}

#[test]
fn bad_inputs_give_one_line_errors_and_documented_codes() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write_tmp(&dir, "empty.bin", &[]);
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (
            vec!["inspect".into(), "/nonexistent/x.bin".into()],
            3,
            "no such file",
        ),
        (
            vec!["inspect".into(), dir.path().to_string_lossy().into_owned()],
            3,
            "is a directory",
        ),
        (vec!["inspect".into(), empty.clone()], 3, "file is empty"),
        (
            vec![
                "inspect".into(),
                "--offset".into(),
                "0x10".into(),
                write_tmp(&dir, "small.bin", &[1, 2, 3]),
            ],
            3,
            "past the end",
        ),
        (
            vec!["inspect".into(), "--offset".into(), "zz".into(), empty],
            2,
            "not a number",
        ),
        (vec!["frobnicate".into()], 2, "unrecognized subcommand"),
    ];
    for (args, code, text) in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = espdump(&a);
        assert_eq!(o.status.code(), Some(code), "{a:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(text), "{a:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
        if code == 3 {
            assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
            assert!(stderr(&o).starts_with("espdump: error: "));
        }
    }
}

#[test]
fn random_zero_and_truncated_inputs_get_clean_reports() {
    let dir = tempfile::tempdir().unwrap();
    let mut truncated = shelly_like_dump();
    truncated.truncate(0x9000); // app slot cut in the middle of its IROM block
    for (name, data) in [
        ("random.bin", testkit::filler(42, 0x10000)),
        ("zero.bin", vec![0u8; 0x10000]),
        ("truncated.bin", truncated),
    ] {
        let f = write_tmp(&dir, name, &data);
        let o = espdump(&["inspect", "--json", &f]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let last = j["regions"].as_array().unwrap().last().unwrap()["end"]
            .as_u64()
            .unwrap();
        assert_eq!(last, data.len() as u64);
        if name == "truncated.bin" {
            let codes: Vec<&str> = j["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["code"].as_str().unwrap())
                .collect();
            assert!(codes.contains(&"app_slot_unparseable"), "{codes:?}");
        }
        if name == "zero.bin" {
            assert_eq!(j["regions"][0]["kind"], "padding");
            assert_eq!(j["firmware"]["kind"], "none");
        }
        if name == "random.bin" {
            assert_eq!(j["regions"][0]["kind"], "unknown");
            assert_eq!(j["firmware"]["kind"], "unknown");
        }
    }
}

#[test]
fn offset_inspects_an_image_inside_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_tmp(&dir, "dump.bin", &shelly_like_dump());
    let o = espdump(&["inspect", "--json", "--offset", "0x8000", &f]);
    assert_eq!(o.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["base_offset"], 0x8000);
    assert_eq!(j["images"][0]["offset"], 0);
    assert_eq!(j["images"][0]["role"], "app");
    assert_eq!(j["firmware"]["kind"], "shelly");
}

/// SDK boot_v1.x layout: user1 at 0x1000, user2 at 0x81000 (1 MB map), the running one chosen by
/// byte 0 of the current system-parameter copy.
#[test]
fn sdk_boot_layout_runs_the_user_bin_the_boot_flags_name() {
    let boot_text = testkit::code_with_strings(5, 0x300, &[b"2nd boot version : 1.7(5d6f877)"]);
    let boot = testkit::v1_image(
        0x4010_057C,
        0,
        0x20,
        &[
            (0x4010_0000, &testkit::filler(6, 0xA20)),
            (0x3FFE_8000, &boot_text),
        ],
    );
    let user = |n: u8, seed: u32| {
        let irom = testkit::code_with_strings(seed, 0x8000, &[b"SDK ver: %s", b"3.0.5(b29dcd3)"]);
        testkit::v2_image(
            0x4010_0004,
            [0, n],
            &irom,
            16,
            &[(0x4010_0000, &testkit::filler(seed + 1, 0x600))],
            true,
        )
    };
    let mut d = testkit::erased(0x10_0000);
    testkit::put(&mut d, 0, &boot);
    testkit::put(&mut d, 0x1000, &user(1, 10));
    testkit::put(&mut d, 0x8_1000, &user(2, 20));
    let params = testkit::SdkParams {
        sta_ssid: b"FakeNet",
        sta_password: b"fake-pass-123",
        ap_ssid: b"",
        mac: [0x5C, 0xCF, 0x7F, 1, 2, 3],
        arduino_layout: false,
    };
    let dir = tempfile::tempdir().unwrap();
    for (flags, running) in [(0x04u8, 0x1000u64), (0x05, 0x8_1000)] {
        testkit::sdk_tail(&mut d, 0x10_0000, &params, 1);
        d[0xFE000] = flags; // copy 1 is current: its boot flags pick the user bin
        let f = write_tmp(&dir, "sdk.bin", &d);
        let o = espdump(&["inspect", "--json", &f]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(j["bootloader"]["kind"], "esp-sdk-boot");
        assert_eq!(j["bootloader"]["version"], "1.7(5d6f877)");
        assert_eq!(j["firmware"]["kind"], "nonos-sdk");
        assert_eq!(j["firmware"]["app_offset"], running);
        let roles: Vec<(u64, &str)> = j["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["offset"].as_u64().unwrap(), i["role"].as_str().unwrap()))
            .collect();
        let other = if running == 0x1000 { 0x8_1000 } else { 0x1000 };
        assert!(
            roles.contains(&(running, "app")) && roles.contains(&(other, "app_slot")),
            "{roles:?}"
        );
        assert!(j["images"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["image_version"] == 2)
            .all(|i| i["crc32"]["valid"] == true));
    }
}
