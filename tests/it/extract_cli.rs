//! `espdump extract`: files, images and Tasmota settings written to a folder; the `.dmp` is
//! accepted by decode-config.

use crate::common;

use common::{espdump, stderr, stdout};
use std::process::Command;

#[test]
fn extracts_files_images_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x");
    let fx = common::fixture("tasmota_on_shelly_2MB.bin");
    let o = espdump(&[
        "extract",
        fx.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let paths: Vec<&str> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        vec![
            "fs-1bb000-spiffs/conf0.json",
            "fs-1bb000-spiffs/hwinfo_struct.json",
            "fs-1bb000-spiffs/conf9.json",
            "images/000000-bootloader.bin",
            "images/001000-app.bin",
            "images/108000-stale.bin",
            "tasmota/settings-0fa000.bin",
            "tasmota/settings-0fa000.dmp",
        ]
    );
    let dump = std::fs::read(&fx).unwrap();
    assert_eq!(
        std::fs::read(out.join("tasmota/settings-0fa000.bin")).unwrap(),
        dump[0xFA000..0xFB000]
    );
    let app = std::fs::read(out.join("images/001000-app.bin")).unwrap();
    assert_eq!(app[..], dump[0x1000..0x1000 + app.len()]);
    let conf9 = std::fs::read_to_string(out.join("fs-1bb000-spiffs/conf9.json")).unwrap();
    assert!(conf9.contains("\"ssid\": \"FakeHomeNet\""));

    // decode-config reads the .dmp.
    let exe = ["decode-config.py", "decode-config"]
        .iter()
        .find_map(|n| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap())
                .map(|d| d.join(n))
                .find(|p| p.is_file())
        })
        .expect("decode-config on PATH (pip install decode-config==16.0.0.0)");
    let dc = Command::new(exe)
        .arg("-s")
        .arg(out.join("tasmota/settings-0fa000.dmp"))
        .args(["--json-show-pw", "--json-compact"])
        .output()
        .unwrap();
    assert!(
        dc.status.success(),
        "{}",
        String::from_utf8_lossy(&dc.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&dc.stdout).unwrap();
    assert_eq!(v["sta_ssid"][0], "FakeHomeNet");
    assert_eq!(v["mqtt_pwd"], "fake-mqtt-pass");
    assert_eq!(v["friendlyname"][0], "Fixture Relay");

    // A second run refuses to overwrite.
    let o = espdump(&[
        "extract",
        fx.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(5));
    assert!(stderr(&o).contains("already exists"));
}
