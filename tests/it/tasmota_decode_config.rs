//! Cross-check of the Tasmota decoder against decode-config 16.0.0.0 (PyPI), field by field.
//!
//! For several settings versions the test builds a block in which every decoded field holds a
//! distinct fake value, XORs it into a `.dmp`, runs `decode-config.py -s FILE.dmp` to JSON and
//! compares each of espdump's items with decode-config's value of the same name.
//! Needs `pip install decode-config==16.0.0.0`; set `ESPDUMP_SKIP_DECODE_CONFIG=1` to skip.

use crate::common;

use common::{decode_config, run_decode_config};

use espdump::formats::tasmota::fields::{fields_for, Loc, Ty};
use espdump::formats::tasmota::{decode, to_dmp, SettingsBuilder};
use serde_json::Value;
use std::process::Command;

/// Versions covered: every 5.x/6.x layout size and header form (5.10: u32 header, 0x670 bytes,
/// no checksum; 5.13.1: 0xA00 bytes; 6.0: 16-bit header with `cfg_crc`, 0xE00 bytes), fixed
/// string arrays (6.x, 7.1.2.x), text pool (8.x), 9.x, 12.x, current.
const VERSIONS: &[u32] = &[
    0x050A_0000, // 5.10.0: oldest layout decode-config knows
    0x050B_0000, // 5.11.0: display fields
    0x050C_0000, // 5.12.0
    0x050D_0100, // 5.13.1: 2560-byte block, two TLS fingerprints, timers, rules
    0x050E_0000, // 5.14.0
    0x0600_0000, // 6.0.0: u16 cfg_holder + cfg_size, cfg_crc
    0x0601_0100, // 6.1.1: switchmode moved
    0x0602_0100, // 6.2.1
    0x0603_0000, // 6.3.0
    0x0604_0100, // 6.4.1
    0x0605_0000, // 6.5.0
    0x0606_0000, // 6.6.0: 3584-byte block, cfg_crc only
    0x0606_000B, // 6.6.0.11: CRC32, fixed arrays
    0x0701_0206, // 7.1.2.6: mqtt_port moved
    0x0801_0002, // 8.1.0.2: text pool
    0x0902_0000, // 9.2.0: u16 GPIO map
    0x0C01_0106, // 12.1.1.6
    0x0C02_0002, // 12.2.0.2: second calibration set
    0x0E03_0007, // 14.3.0.7: switchmode moved
    0x1000_0000, // 16.0.0
];

/// Header fields the builder owns, and fields decode-config shows in another shape.
const NOT_SET: &[&str] = &[
    "cfg_holder",
    "cfg_size",
    "save_flag",
    "version",
    "cfg_crc",
    "cfg_crc32",
    "config_version",
];

/// A block of `version` where every field holds a distinct value. Returns the block.
fn build_all(version: u32) -> [u8; 4096] {
    let mut b = SettingsBuilder::blank(version);
    b.save_flag(7);
    let mut n: u64 = 0;
    for f in fields_for(version) {
        if NOT_SET.contains(&f.name) {
            continue;
        }
        match f.loc {
            Loc::Text { count, .. } | Loc::Str { count, .. } => {
                for i in 0..count {
                    n += 1;
                    let s = if f.name == "hostname" {
                        "h\u{f4}st".to_string() // UTF-8
                    } else {
                        format!("v{n}")
                    };
                    b.set(f.name, i, s).unwrap();
                }
            }
            Loc::Bin { ty, count, .. } => {
                for i in 0..count {
                    n += 1;
                    let v = match f.name {
                        "ip_address" | "ipv4_rgx_address" | "ipv4_rgx_subnetmask" => {
                            b.set(f.name, i, [10u8, 0, (n & 0xFF) as u8, i as u8])
                                .unwrap();
                            continue;
                        }
                        _ => n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 7,
                    };
                    let v = match ty.size() {
                        1 => v & 0x7F,
                        2 => v & 0x7FFF,
                        4 => v & 0x7FFF_FFFF,
                        _ => v & 0x7FFF_FFFF_FFFF,
                    };
                    // signed types also get negative values
                    let v = if matches!(ty, Ty::I8 | Ty::I16 | Ty::I32) && n % 2 == 0 {
                        FieldValueI::Neg(v as i64)
                    } else {
                        FieldValueI::Pos(v)
                    };
                    match v {
                        FieldValueI::Pos(v) => b.set(f.name, i, v).unwrap(),
                        FieldValueI::Neg(v) => b.set(f.name, i, -v).unwrap(),
                    };
                }
            }
        }
    }
    b.build()
}

enum FieldValueI {
    Pos(u64),
    Neg(i64),
}

/// decode-config's display form back to raw: `"0x.."` strings to integers, recursively.
fn normalise(key: &str, v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with("0x") && s.len() > 2 => {
            u64::from_str_radix(&s[2..], 16).map_or(v.clone(), Value::from)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| normalise(key, x)).collect()),
        Value::Number(x) if matches!(key, "latitude" | "longitude") => {
            Value::from((x.as_f64().unwrap_or(0.0) * 1e6).round() as i64)
        }
        Value::Number(x) if key == "user_template.base" => Value::from(x.as_i64().unwrap_or(0) - 1),
        _ => v.clone(),
    }
}

fn lookup<'a>(j: &'a Value, key: &str) -> Option<&'a Value> {
    let mut cur = j;
    for part in key.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

/// decode-config spells one field differently.
fn dc_name(key: &str) -> &str {
    match key {
        "rgx_password" => "rgx_pwassword",
        k => k,
    }
}

/// Fields decode-config shows as bit-field groups (no single value to compare).
const DC_SHAPE_DIFFERS: &[&str] = &["power", "user_template.flag"];

#[test]
fn decode_matches_decode_config_field_by_field() {
    let Some(exe) = decode_config() else {
        return;
    };
    let blocks: Vec<[u8; 4096]> = VERSIONS.iter().map(|&v| build_all(v)).collect();
    // decode-config takes seconds to start: run all versions at once.
    let outputs: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = blocks
            .iter()
            .map(|b| {
                let exe = &exe;
                s.spawn(move || run_decode_config(exe, &to_dmp(b)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut compared = 0;
    for ((&version, block), j) in VERSIONS.iter().zip(&blocks).zip(&outputs) {
        let block = &block[..espdump::formats::tasmota::fields::block_size(version).unwrap()];
        let ours = decode(block).unwrap();
        // decode-config read the same header and accepted both checksums.
        let hdr = &j["header"]["data"];
        assert_eq!(
            normalise("", &hdr["version"]["id"]),
            Value::from(version),
            "{version:#x}"
        );
        if version >= 0x0606_000A {
            let stored = u32::from_le_bytes(block[0xFFC..].try_into().unwrap());
            assert_eq!(normalise("", &hdr["crc32"]), Value::from(stored));
        }
        let (n, mismatches) = compare(&ours, j, true);
        compared += n;
        assert!(
            mismatches.is_empty(),
            "version {version:#010x}:\n{}",
            mismatches.join("\n")
        );
        // Spot checks that the block really carried what we set.
        assert_eq!(ours.get("save_flag"), Some(&Value::from(7)));
        assert_eq!(ours.get("hostname"), Some(&Value::from("h\u{f4}st")));
    }
    assert!(compared > 1000, "only {compared} values compared");
}

/// Compare every espdump item with decode-config's value of the same name. Returns the number
/// of equal values and the mismatches; with `show_values` false the mismatch lines name the
/// field only (for real configurations, whose values must never be printed).
fn compare(
    ours: &espdump::formats::tasmota::Decoded,
    j: &Value,
    show_values: bool,
) -> (usize, Vec<String>) {
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for item in &ours.items {
        if DC_SHAPE_DIFFERS.contains(&item.key.as_str()) {
            continue;
        }
        let Some(theirs) = lookup(j, dc_name(&item.key)) else {
            mismatches.push(format!("{}: missing in decode-config", item.key));
            continue;
        };
        let theirs = normalise(&item.key, theirs);
        if theirs == item.value {
            compared += 1;
        } else if show_values {
            mismatches.push(format!(
                "{}: espdump {} vs decode-config {}",
                item.key, item.value, theirs
            ));
        } else {
            mismatches.push(format!("{}: values differ", item.key));
        }
    }
    (compared, mismatches)
}

/// The real `.dmp` files of the corpus (their values are never printed: counts and field names only).
const CORPUS_DMP: &[(&str, u32)] = &[
    ("tasmota-config_6.4.1_a.dmp", 0x0604_0100),
    ("tasmota-config_6.4.1_b.dmp", 0x0604_0100),
    ("tasmota-config_12.3.1.dmp", 0x0C03_0100),
];

#[test]
fn corpus_dmp_decode_matches_decode_config() {
    require_corpus!();
    let Some(exe) = decode_config() else {
        return;
    };
    let files: Vec<Vec<u8>> = CORPUS_DMP
        .iter()
        .map(|(f, _)| common::corpus_bytes(f))
        .collect();
    let outputs: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .iter()
            .map(|f| {
                let exe = &exe;
                s.spawn(move || run_decode_config(exe, f))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for ((&(name, version), file), j) in CORPUS_DMP.iter().zip(&files).zip(&outputs) {
        let dmp = espdump::formats::tasmota::dmp::detect(file)
            .unwrap_or_else(|| panic!("{name}: not recognised as a .dmp by content"));
        assert_eq!(dmp.copy.version, version, "{name}: version");
        assert!(dmp.copy.valid, "{name}: checksum");
        let ours = decode(&dmp.block).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (n, mismatches) = compare(&ours, j, false);
        assert!(mismatches.is_empty(), "{name}:\n{}", mismatches.join("\n"));
        assert!(n >= 60, "{name}: only {n} values compared");
        assert_eq!(
            normalise("", &j["header"]["data"]["version"]["id"]),
            Value::from(version),
            "{name}: decode-config version"
        );
    }
}

/// Every layout of the fields espdump decodes: each version of decode-config 16's table
/// (5.10.0 .. 16.0.0) at which a decoded field appears, moves or changes type, plus every block
/// size change. Each is built with every field set, decoded by decode-config's own code in one
/// process (`tests/decode_config_batch.py`) and compared field by field. (Versions in between
/// decode with a table identical to the one before them.)
#[test]
fn every_layout_matches_decode_config() {
    if decode_config().is_none() {
        return;
    }
    let all = espdump::formats::tasmota::fields::layout_versions();
    assert!(all.len() > 150, "{} layouts", all.len());
    let key = |v: u32| {
        let f: Vec<String> = fields_for(v)
            .iter()
            .map(|f| format!("{}{:?}", f.name, f.loc))
            .collect();
        (f, espdump::formats::tasmota::fields::block_size(v))
    };
    let mut versions = Vec::new();
    for (i, &v) in all.iter().enumerate() {
        if i == 0 || key(v) != key(all[i - 1]) {
            versions.push(v);
        }
    }
    assert!(versions.len() >= 30, "{} distinct layouts", versions.len());
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    let mut blocks = Vec::new();
    for &v in &versions {
        let block = build_all(v);
        let p = dir.path().join(format!("Config_{v:08x}.dmp"));
        std::fs::write(&p, to_dmp(&block)).unwrap();
        paths.push(p);
        blocks.push(block);
    }
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/decode_config_batch.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(&paths)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), versions.len());
    let mut compared = 0;
    let mut failures = Vec::new();
    for ((&v, block), line) in versions.iter().zip(&blocks).zip(&lines) {
        if line["exit"] != 0 {
            failures.push(format!(
                "{v:#010x}: decode-config exit {} {}",
                line["exit"], line["stderr"]
            ));
            continue;
        }
        let j = &line["json"];
        let ours = decode(block).unwrap();
        assert_eq!(
            normalise("", &j["header"]["data"]["version"]["id"]),
            Value::from(v)
        );
        let (n, mismatches) = compare(&ours, j, true);
        compared += n;
        if !mismatches.is_empty() {
            failures.push(format!("{v:#010x}:\n  {}", mismatches.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared > 3000, "only {compared} values compared");
}
