//! Tasmota `.dmp` files as a first-class input of `inspect`, `extract`, `sanitize` and `diff`,
//! recognised by content whatever their name: the three real corpus backups and built 5.x/6.x
//! blocks. The real files hold their owners' credentials: assertions name fields and counts,
//! never values, and no command output of a real file is printed.

use crate::common;

use common::espdump;
use espdump::formats::tasmota::dmp::{detect, DmpForm};
use espdump::formats::tasmota::{decode, secrets_and_ids, to_dmp, SettingsBuilder};
use serde_json::Value;
use std::path::{Path, PathBuf};

const CORPUS_DMP: &[(&str, &str, usize)] = &[
    ("tasmota-config_6.4.1_a.dmp", "6.4.1", 3584),
    ("tasmota-config_6.4.1_b.dmp", "6.4.1", 3584),
    ("tasmota-config_12.3.1.dmp", "12.3.1", 4096),
];

/// Copy a corpus file under a name that says nothing (recognition is by content).
fn renamed(dir: &Path, name: &str) -> PathBuf {
    let i = CORPUS_DMP.iter().position(|(n, _, _)| *n == name).unwrap();
    let p = dir.join(format!("input{i}.data"));
    std::fs::write(&p, common::corpus_bytes(name)).unwrap();
    p
}

/// `espdump extract FILE -o <FILE's folder>/x-<stem>`; returns the folder (exit 0 asserted).
fn extract(p: &Path) -> PathBuf {
    let stem = p.file_stem().unwrap().to_str().unwrap();
    let out = p.with_file_name(format!("x-{stem}"));
    let o = espdump(&["extract", p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "extract {stem}");
    out
}

/// The field names a `diff --json` lists as changed (names only, never values).
fn changed_keys(r: &Value) -> Vec<String> {
    r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["key"].as_str().map(String::from))
        .collect()
}

fn json_of(args: &[&str]) -> (Option<i32>, Value) {
    let o = espdump(args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o.status.code(), v)
}

#[test]
fn corpus_dmp_recognised_by_content() {
    require_corpus!();
    for (name, version, size) in CORPUS_DMP {
        let file = common::corpus_bytes(name);
        let d = detect(&file).unwrap_or_else(|| panic!("{name}: not recognised"));
        assert_eq!(d.form, DmpForm::Plain, "{name}");
        assert_eq!(d.copy.version_str, *version, "{name}");
        assert_eq!(d.block.len(), *size, "{name}");
        assert!(d.copy.valid, "{name}: checksum");
        // One flipped bit anywhere the checksum covers and it is no longer a .dmp.
        let mut bad = file.clone();
        bad[0x100] ^= 0x01;
        assert!(detect(&bad).is_none(), "{name}: corrupt copy accepted");
        // Without the XOR it is a plain block: recognised as such below a sector (a 4096-byte
        // plain block is a one-sector dump), never as a .dmp.
        match detect(&d.block) {
            Some(p) => {
                assert!(*size < 4096, "{name}");
                assert_eq!(p.form, DmpForm::Block, "{name}");
                assert!(p.block == d.block, "{name}: block differs");
            }
            None => assert_eq!(*size, 4096, "{name}"),
        }
    }
    // Firmware images and dumps of the corpus are never taken for a .dmp.
    for p in common::corpus_bins() {
        let data = std::fs::read(&p).unwrap();
        assert!(detect(&data).is_none(), "{}", p.display());
    }
}

#[test]
fn inspect_dmp_whatever_its_name() {
    require_corpus!();
    let dir = tempfile::tempdir().unwrap();
    for (name, version, size) in CORPUS_DMP {
        let p = renamed(dir.path(), name);
        let (code, r) = json_of(&["inspect", "--json", p.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{name}");
        assert_eq!(r["firmware"]["kind"], "tasmota", "{name}");
        assert_eq!(r["firmware"]["version"], *version, "{name}");
        assert_eq!(r["dmp"]["form"], "plain", "{name}");
        assert_eq!(r["dmp"]["block_size"], *size as u64, "{name}");
        assert_eq!(r["regions"].as_array().unwrap().len(), 1, "{name}");
        assert_eq!(r["regions"][0]["kind"], "settings", "{name}");
        let sec = &r["config"][0];
        assert!(sec["source"]
            .as_str()
            .unwrap()
            .starts_with("tasmota settings (.dmp, "));
        let items = sec["items"].as_array().unwrap();
        assert!(items.len() >= 60, "{name}: {} items", items.len());
        // Secrets are masked in the output.
        for it in items.iter().filter(|i| i["class"] == "secret") {
            let masked = |v: &Value| {
                v.as_str()
                    .is_none_or(|s| s.is_empty() || s.chars().all(|c| c == '*'))
            };
            let ok = match &it["value"] {
                Value::Array(a) => a.iter().all(masked),
                v => masked(v) || !v.is_string(),
            };
            assert!(ok, "{name}: {} not masked", it["key"]);
        }
        assert_eq!(r["findings"][0]["code"], "tasmota_dmp", "{name}");
        // Rules are kept by sanitize: a file with rule text says so (count only).
        let rules = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "tasmota_rules_kept")
            .count();
        assert_eq!(
            rules,
            usize::from(*name == "tasmota-config_6.4.1_b.dmp"),
            "{name}"
        );
    }
}

#[test]
fn extract_dmp_writes_the_plain_block() {
    require_corpus!();
    let dir = tempfile::tempdir().unwrap();
    for (name, _, size) in CORPUS_DMP {
        let p = renamed(dir.path(), name);
        let out = extract(&p);
        let plain = std::fs::read(out.join("tasmota/settings-dmp.bin")).unwrap();
        let d = detect(&common::corpus_bytes(name)).unwrap();
        assert!(plain == d.block, "{name}: plain block differs");
        let bin = std::fs::read(out.join("tasmota/settings-dmp.decode-config.bin")).unwrap();
        assert!(bin[..*size] == d.block[..], "{name}: .bin block differs");
        assert_eq!(&bin[*size..], &[0x23, 0x62, 0x57, 0x63], "{name}");
        assert!(
            to_dmp(&plain) == common::corpus_bytes(name),
            "{name}: round trip differs"
        );
    }
}

/// Every value sanitize must remove (no Wi-Fi, MQTT or password value may survive).
fn must_go(block: &[u8]) -> Vec<(String, Vec<u8>)> {
    secrets_and_ids(block)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn sanitize_dmp_leaves_no_secret_and_stays_a_dmp() {
    require_corpus!();
    let dir = tempfile::tempdir().unwrap();
    let mut total = 0;
    for (name, version, size) in CORPUS_DMP {
        let p = renamed(dir.path(), name);
        let out = p.with_extension("clean");
        let (code, r) = json_of(&[
            "sanitize",
            p.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(code, Some(0), "{name}: sanitize exit");
        assert_eq!(r["written"], true, "{name}");
        assert_eq!(r["verification"]["residue"].as_array().unwrap().len(), 0);
        let before = detect(&common::corpus_bytes(name)).unwrap();
        let file = std::fs::read(&out).unwrap();
        assert_eq!(file.len(), *size, "{name}: length");
        let after = detect(&file).unwrap_or_else(|| panic!("{name}: output is not a .dmp"));
        assert!(after.copy.valid, "{name}: output checksum");
        assert_eq!(after.copy.version_str, *version);
        let secrets = must_go(&before.block);
        total += secrets.len();
        for (key, v) in &secrets {
            assert!(
                !contains(&after.block, v),
                "{name}: {key} survived in the block"
            );
            assert!(!contains(&file, v), "{name}: {key} survived in the file");
        }
        let d = decode(&after.block).unwrap();
        let strings = |k: &str| -> Vec<String> {
            match d.get(k) {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
                Some(Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        for k in ["sta_ssid", "sta_pwd", "mqtt_host", "web_password"] {
            assert!(
                strings(k).iter().all(String::is_empty),
                "{name}: {k} not empty"
            );
        }
        for k in ["mqtt_user", "mqtt_pwd"] {
            assert!(
                strings(k)
                    .iter()
                    .all(|s| s.is_empty() || s.starts_with("DVES_")),
                "{name}: {k} not the default"
            );
        }
    }
    assert!(
        total >= 10,
        "only {total} identity/secret values in the corpus .dmp files"
    );
}

/// decode-config reads every sanitized corpus .dmp without a size or checksum complaint.
#[test]
fn decode_config_reads_sanitized_dmp() {
    require_corpus!();
    if std::env::var_os("ESPDUMP_SKIP_DECODE_CONFIG").is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, version, _) in CORPUS_DMP {
        let p = renamed(dir.path(), name);
        let out = p.with_extension("dmp");
        let o = espdump(&["sanitize", p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{name}");
        let dc = std::process::Command::new("decode-config.py")
            .args(["-s", out.to_str().unwrap(), "--json-compact"])
            .output()
            .expect("decode-config.py on PATH (pip install decode-config==16.0.0.0)");
        assert!(dc.status.success(), "{name}: decode-config failed");
        assert!(
            !String::from_utf8_lossy(&dc.stderr)
                .to_lowercase()
                .contains("crc"),
            "{name}: decode-config reports a CRC problem"
        );
        let j: Value = serde_json::from_slice(&dc.stdout).unwrap();
        assert_eq!(j["header"]["data"]["version"]["name"], *version, "{name}");
        assert!(
            j["sta_pwd"] == serde_json::json!(["", ""]),
            "{name}: sta_pwd not empty"
        );
    }
}

#[test]
fn diff_dmp_against_dmp_and_dump() {
    require_corpus!();
    let dir = tempfile::tempdir().unwrap();
    let (name, _, _) = CORPUS_DMP[0];
    let p = renamed(dir.path(), name);
    let ps = p.to_str().unwrap();
    let (code, r) = json_of(&["diff", ps, ps, "--json"]);
    assert_eq!(code, Some(0));
    assert_eq!(r["identical"], true);
    assert_eq!(r["settings_only"], true);
    let clean = dir.path().join("clean.dmp");
    let o = espdump(&["sanitize", ps, "-o", clean.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let (code, r) = json_of(&["diff", ps, clean.to_str().unwrap(), "--json"]);
    assert_eq!(code, Some(1));
    assert_eq!(r["settings_only"], true);
    assert!(r["regions"].as_array().unwrap().is_empty());
    let keys = changed_keys(&r);
    assert!(keys.iter().any(|k| k == "sta_ssid"), "{keys:?}");
    // secrets are masked in diff output
    assert!(r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["class"] == "secret")
        .all(|c| c["a"].as_str().is_none_or(|s| s.chars().all(|x| x == '*')) || c["a"].is_array()));

    // A dump and the .dmp of its newest copy: same settings; one edited field is named.
    let v = 0x0604_0100;
    let block = SettingsBuilder::new(v)
        .save_flag(9)
        .set("sta_ssid", 0, "fake-site")
        .unwrap()
        .build();
    let mut dump = vec![0xFFu8; 0x100000];
    dump[0xFB000..0xFC000].copy_from_slice(&block);
    let dump_p = dir.path().join("dump.bin");
    std::fs::write(&dump_p, &dump).unwrap();
    let same = dir.path().join("same.data");
    std::fs::write(&same, to_dmp(&block)).unwrap();
    let (_, r) = json_of(&[
        "diff",
        dump_p.to_str().unwrap(),
        same.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(r["settings_only"], true);
    let real: Vec<&Value> = r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["noise"] != true && c["area"] == "tasmota")
        .collect();
    assert!(real.is_empty(), "{real:?}");
    let edited = SettingsBuilder::new(v)
        .save_flag(9)
        .set("sta_ssid", 0, "other-site")
        .unwrap()
        .build();
    std::fs::write(&same, to_dmp(&edited)).unwrap();
    let (code, r) = json_of(&[
        "diff",
        dump_p.to_str().unwrap(),
        same.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, Some(1));
    let keys = changed_keys(&r);
    assert!(keys.iter().any(|k| k == "sta_ssid"), "{keys:?}");
}

/// Built 5.x and 6.x `.dmp` files (1648, 2560 and 3584 bytes) go through inspect and sanitize.
#[test]
fn built_old_dmp_inspect_and_sanitize() {
    let dir = tempfile::tempdir().unwrap();
    for (v, size, vs) in [
        (0x050A_0000u32, 0x670usize, "5.10.0"),
        (0x050E_0000, 0xA00, "5.14.0"),
        (0x0602_0100, 0xE00, "6.2.1"),
    ] {
        let block = SettingsBuilder::new(v)
            .save_flag(3)
            .set("sta_pwd", 0, "fake-password-1")
            .unwrap()
            .set("mqtt_host", 0, "fake-broker.example")
            .unwrap()
            .build();
        let dmp = to_dmp(&block);
        assert_eq!(dmp.len(), size, "{vs}");
        let p = dir.path().join(format!("{v:x}.data"));
        std::fs::write(&p, &dmp).unwrap();
        let (code, r) = json_of(&["inspect", "--json", p.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{vs}");
        assert_eq!(r["firmware"]["version"], vs);
        assert_eq!(r["dmp"]["block_size"], size as u64);
        let out = dir.path().join(format!("{v:x}.clean"));
        let o = espdump(&["sanitize", p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{vs}: {}", common::stdout(&o));
        let file = std::fs::read(&out).unwrap();
        assert_eq!(file.len(), size);
        let after = detect(&file).unwrap();
        assert!(!contains(&after.block, b"fake-password-1"), "{vs}");
        assert!(!contains(&after.block, b"fake-broker.example"), "{vs}");
    }
}

/// The file-system form (`/.settings` header, XOR keyed on the absolute index): recognised,
/// sanitised into the same form, and decode-config reads the result.
#[test]
fn file_system_form_dmp() {
    let block = SettingsBuilder::new(0x0E04_0000)
        .save_flag(4)
        .set("sta_pwd", 0, "fake-fs-password")
        .unwrap()
        .build();
    let file = espdump::formats::tasmota::dmp::encode(&block, DmpForm::FileSystem);
    assert_eq!(&file[..10], b"/.settings");
    assert_eq!(u16::from_le_bytes([file[14], file[15]]), 16 + 4096);
    let d = detect(&file).unwrap();
    assert_eq!(d.form, DmpForm::FileSystem);
    assert_eq!(d.block, block);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("fs.data");
    std::fs::write(&p, &file).unwrap();
    let out = dir.path().join("Config_fs.dmp");
    let o = espdump(&["sanitize", p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stdout(&o));
    let clean = std::fs::read(&out).unwrap();
    assert_eq!(clean.len(), file.len());
    let after = detect(&clean).unwrap();
    assert_eq!(after.form, DmpForm::FileSystem);
    assert!(!contains(&after.block, b"fake-fs-password"));
    if let Some(exe) = crate::common::decode_config() {
        let j = crate::common::decode_config_file(&exe, &out);
        assert_eq!(j["sta_pwd"][0], "");
        assert_eq!(j["header"]["data"]["version"]["id"], "0xe040000");
    }
}

/// `write` refuses a `.dmp` before opening the port: it is not a flash image.
#[test]
fn write_refuses_a_dmp() {
    require_corpus!();
    let dir = tempfile::tempdir().unwrap();
    let p = renamed(dir.path(), CORPUS_DMP[2].0);
    let missing = dir.path().join("no-such-port");
    let o = espdump(&[
        "write",
        "--port",
        missing.to_str().unwrap(),
        p.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(5));
    let err = common::stderr(&o);
    assert!(err
        .contains("is a Tasmota configuration backup (.dmp, settings 12.3.1), not a flash image"));
    assert_eq!(err.trim().lines().count(), 1);
}

/// What `extract` writes from a `.dmp` (the plain block, decode-config's `.bin`) is itself an
/// input: same decoded settings; sanitize keeps its form.
#[test]
fn extracted_plain_forms_are_inputs_too() {
    require_corpus!();
    let dir = tempfile::tempdir().unwrap();
    for (name, version, size) in CORPUS_DMP {
        let p = renamed(dir.path(), name);
        let out = extract(&p);
        let (_, from_dmp) = json_of(&["inspect", "--json", p.to_str().unwrap()]);
        for (file, form) in [
            ("tasmota/settings-dmp.bin", "block"),
            (
                "tasmota/settings-dmp.decode-config.bin",
                "decode_config_bin",
            ),
        ] {
            let f = out.join(file);
            let (code, r) = json_of(&["inspect", "--json", f.to_str().unwrap()]);
            assert_eq!(code, Some(0), "{name} {file}");
            if *size == 4096 && form == "block" {
                // a one-sector dump: the copy at offset 0, decoded the same
                assert!(r["dmp"].is_null(), "{name}");
                assert_eq!(r["settings"]["copies"][0]["version_str"], *version);
                assert!(
                    r["config"][0]["items"] == from_dmp["config"][0]["items"],
                    "{name} {file}"
                );
                continue;
            }
            assert_eq!(r["dmp"]["form"], form, "{name} {file}");
            assert_eq!(r["firmware"]["version"], *version, "{name} {file}");
            assert!(
                r["config"][0]["items"] == from_dmp["config"][0]["items"],
                "{name} {file}"
            );
            let clean = dir.path().join("clean.out");
            let _ = std::fs::remove_file(&clean);
            let o = espdump(&[
                "sanitize",
                f.to_str().unwrap(),
                "-o",
                clean.to_str().unwrap(),
            ]);
            assert_eq!(o.status.code(), Some(0), "{name} {file}");
            let c = std::fs::read(&clean).unwrap();
            assert_eq!(c.len(), std::fs::metadata(&f).unwrap().len() as usize);
            let d = detect(&c).unwrap();
            assert_eq!(serde_json::to_value(d.form).unwrap(), form);
            for (key, v) in must_go(&detect(&std::fs::read(&f).unwrap()).unwrap().block) {
                assert!(!contains(&c, &v), "{name} {file}: {key} survived");
            }
        }
    }
}
