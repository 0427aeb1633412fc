//! `diff` on the two real Shelly Dimmer 2 dumps (the same device before and after an OTA from
//! 1.7 to 1.8.4), and on a dump against itself.
//!
//! PRIVACY: the v1.8.4 dump holds its owner's real Wi-Fi credentials. They are read from the
//! file at runtime and only ever compared; assertion messages never include output or values.

use crate::common;

use common::{corpus, corpus_bytes, espdump, stdout};
use espdump::analysis::diff::{diff, Area, ChangeKind, DiffReport, Options, Status};
use espdump::report::{Class, MASK};
use serde_json::Value;

const V17: &str = "shelly_stock_dimmer2_v1.7_2MB.bin";
const V184: &str = "shelly_stock_dimmer2_v1.8.4_2MB.bin";

fn ota() -> DiffReport {
    diff(&corpus_bytes(V17), &corpus_bytes(V184), &Options::default()).unwrap()
}

fn find<'a>(
    r: &'a DiffReport,
    area: Area,
    source: &str,
    key: &str,
) -> &'a espdump::analysis::diff::SemanticChange {
    r.changes
        .iter()
        .find(|c| c.area == area && c.source == source && c.key == key)
        .unwrap_or_else(|| panic!("no {area:?} change {source} / {key}"))
}

/// Every non-empty secret string of the v1.8.4 dump (passwords, keys), read at runtime.
fn real_secrets() -> Vec<String> {
    let data = corpus_bytes(V184);
    let r = espdump::analysis::inspect::inspect(&data, &Default::default()).unwrap();
    let mut v: Vec<String> = r
        .config
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| i.class == Class::Secret)
        .filter_map(|i| i.value.as_str().map(str::to_string))
        .filter(|s| s.len() >= 4 && s != MASK)
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn ota_active_slot_firmware_and_images() {
    require_corpus!();
    let r = ota();
    assert!(!r.identical);
    assert_eq!(r.a.active_slot, Some(0));
    assert_eq!(r.b.active_slot, Some(1));
    let slot = find(&r, Area::BootConfig, "boot config @0x7000", "active slot");
    assert_eq!(
        (slot.a.clone(), slot.b.clone()),
        (Some(0.into()), Some(1.into()))
    );
    let run = find(&r, Area::Firmware, "running firmware", "firmware");
    assert_eq!(run.a, Some(Value::from("shelly 1.7 SHDM-2")));
    assert_eq!(run.b, Some(Value::from("shelly 1.8.4 SHDM-2")));
    let s1 = find(&r, Area::Firmware, "slot 1 (0x108000)", "firmware");
    assert_eq!(s1.change, ChangeKind::Added);
    assert_eq!(s1.b, Some(Value::from("shelly 1.8.4 SHDM-2")));
    // Slot 0 keeps 1.7 but stops running.
    let s0 = find(&r, Area::Firmware, "slot 0 (0x008000)", "running");
    assert_eq!(
        (s0.a.clone(), s0.b.clone()),
        (Some(true.into()), Some(false.into()))
    );
    assert!(!r
        .changes
        .iter()
        .any(|c| c.source == "slot 0 (0x008000)" && c.key == "firmware"));
    assert_eq!(r.b.slots.len(), 2);
    assert_eq!(r.b.slots[0].version.as_deref(), Some("1.7"));
    assert_eq!(r.b.slots[1].version.as_deref(), Some("1.8.4"));
    let role = find(&r, Area::Image, "image@0x008000", "role");
    assert_eq!(role.b, Some(Value::from("app_slot")));
    let img = find(&r, Area::Image, "image@0x108000", "image");
    assert_eq!(img.change, ChangeKind::Added);
    assert!(img
        .b
        .as_ref()
        .unwrap()
        .as_str()
        .unwrap()
        .contains("0x5f valid"));
}

#[test]
fn ota_regions() {
    require_corpus!();
    let r = ota();
    let at = |start: u64| r.regions.iter().find(|x| x.start == start).unwrap();
    // Slot 0 image: same bytes, new role.
    let s0 = at(0x8000);
    assert_eq!(s0.status, Status::Same);
    assert_eq!(s0.end, 0x91ed0);
    assert_eq!(s0.a.as_ref().unwrap().kind.as_str(), "app");
    assert_eq!(s0.b.as_ref().unwrap().kind.as_str(), "app_slot");
    // Slot 1 image and file system only in B.
    let s1 = at(0x108000);
    assert_eq!((s1.status, s1.end), (Status::OnlyB, 0x195bf0));
    let fs1 = at(0x1bb000);
    assert_eq!((fs1.status, fs1.end), (Status::OnlyB, 0x1fb000));
    // The boot config: 3 bytes in two ranges (current slot, and the checksum at the end).
    let bc = at(0x7000);
    assert_eq!(bc.status, Status::Changed);
    let data_a = corpus_bytes(V17);
    let data_b = corpus_bytes(V184);
    let exact = data_a[0x7000..0x8000]
        .iter()
        .zip(&data_b[0x7000..0x8000])
        .filter(|(x, y)| x != y)
        .count() as u64;
    assert_eq!(bc.changed_bytes, exact);
    assert!(bc
        .ranges
        .iter()
        .all(|x| x.start >= 0x7000 && x.end <= 0x8000));
    // Ranges are merged runs, never one per byte, and the total adds up over the whole input.
    let total: u64 = r.regions.iter().map(|x| x.changed_bytes).sum();
    let all = data_a.iter().zip(&data_b).filter(|(x, y)| x != y).count() as u64;
    assert_eq!(total, all);
    for x in &r.regions {
        assert!(x.ranges.len() <= 32);
        assert!(x.range_count as u64 <= x.changed_bytes);
    }
}

#[test]
fn ota_config_files_changed_with_line_diffs() {
    require_corpus!();
    let r = ota();
    for name in ["conf9.json", "conf9_backup.json"] {
        let f = find(&r, Area::File, "spiffs@0x0bb000", name);
        assert_eq!(f.change, ChangeKind::Changed);
        let ld = f.lines.as_ref().expect("line diff");
        assert!(ld.normalized_json && ld.minimal && !ld.truncated);
        assert!(ld.added > 0);
        let plus: Vec<&str> = ld
            .hunks
            .iter()
            .flat_map(|h| &h.lines)
            .filter(|l| l.op.marker() == '+')
            .map(|l| l.text.as_str())
            .collect();
        assert!(plus.iter().any(|t| t.contains("\"sta\"")));
    }
    let fs = find(&r, Area::Filesystem, "spiffs@0x1bb000", "file system");
    assert_eq!(fs.b, Some(Value::from("12 files")));
    // Mongoose OS config keys by name.
    let ch = find(
        &r,
        Area::Config,
        "spiffs@0x0bb000:conf9.json",
        "wifi.ap.channel",
    );
    assert_eq!(
        (ch.a.clone(), ch.b.clone()),
        (Some(7.into()), Some(4.into()))
    );
    let pass = find(
        &r,
        Area::Config,
        "spiffs@0x0bb000:conf9.json",
        "wifi.sta.pass",
    );
    assert_eq!(pass.class, Some(Class::Secret));
    assert_eq!(pass.change, ChangeKind::Added);
}

#[test]
fn ota_output_never_holds_the_real_credentials_when_masked() {
    require_corpus!();
    let secrets = real_secrets();
    assert!(!secrets.is_empty(), "the v1.8.4 dump should hold secrets");
    let (a, b) = (corpus(V17), corpus(V184));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let human = espdump(&["diff", a, b]);
    let json = espdump(&["diff", "--json", a, b]);
    assert_eq!(human.status.code(), Some(1));
    assert_eq!(json.status.code(), Some(1));
    let (human, json) = (stdout(&human), stdout(&json));
    assert!(human.contains(MASK));
    for s in &secrets {
        assert!(
            !human.contains(s.as_str()),
            "a real secret leaked into human output"
        );
        assert!(
            !json.contains(s.as_str()),
            "a real secret leaked into JSON output"
        );
    }
    // The check can fail: with --show-secrets the password is there.
    let shown = stdout(&espdump(&["diff", "--json", "--show-secrets", a, b]));
    assert!(
        secrets.iter().any(|s| shown.contains(s.as_str())),
        "--show-secrets should show the secrets"
    );
}

#[test]
fn a_dump_against_itself_is_identical() {
    require_corpus!();
    let p = corpus(V184);
    let p = p.to_str().unwrap();
    let o = espdump(&["diff", p, p]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("result: identical"));
    let j: Value = serde_json::from_str(&stdout(&espdump(&["diff", "--json", p, p]))).unwrap();
    assert_eq!(j["identical"], true);
    assert_eq!(j["changes"].as_array().unwrap().len(), 0);
    assert!(j["regions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "same"));
}
