//! A dump against its sanitized copy (`espdump::analysis::sanitize`): every change sanitize reports is
//! named by `diff` in the dump's own terms, and the masked output holds no secret.
//!
//! PRIVACY: the real Dimmer 2 v1.8.4 dump holds its owner's Wi-Fi credentials; they are read at
//! runtime, only compared, and never part of an assertion message.

use crate::common;

use common::corpus_bytes;
use espdump::analysis::sanitize::{sanitize, Policy};
use espdump::report::{Class, MASK};
use espdump::{
    analysis::diff::{diff, Area, ChangeKind, DiffReport, Options, Status},
    render::diff::render,
};

fn outputs(r: &DiffReport) -> (String, String) {
    let m = r.masked();
    let mut human = Vec::new();
    render(&mut human, "a", "b", &m, Default::default()).unwrap();
    (
        String::from_utf8(human).unwrap(),
        serde_json::to_string(&m).unwrap(),
    )
}

fn secrets_of(data: &[u8]) -> Vec<String> {
    let r = espdump::analysis::inspect::inspect(data, &Default::default()).unwrap();
    let mut v = Vec::new();
    for it in r.config.iter().flat_map(|s| &s.items) {
        if it.class != Class::Secret {
            continue;
        }
        let vals: Vec<&serde_json::Value> = match &it.value {
            serde_json::Value::Array(a) => a.iter().collect(),
            x => vec![x],
        };
        for x in vals {
            if let Some(s) = x.as_str().filter(|s| s.len() >= 4 && *s != MASK) {
                v.push(s.to_string());
            }
        }
    }
    v.sort();
    v.dedup();
    v
}

#[test]
fn real_shelly_dump_against_its_sanitized_copy() {
    require_corpus!();
    let a = corpus_bytes("shelly_stock_dimmer2_v1.8.4_2MB.bin");
    let (b, rep) = sanitize(&a, &Policy::default()).expect("sanitize");
    assert!(rep.verification.ok());
    let r = diff(&a, &b, &Options::default()).unwrap();
    assert!(!r.identical);
    // Firmware untouched: same slots, same images.
    assert!(!r
        .changes
        .iter()
        .any(|c| matches!(c.area, Area::Firmware | Area::Image | Area::BootConfig)));
    for at in [0x8000u64, 0x108000] {
        let reg = r.regions.iter().find(|x| x.start == at).unwrap();
        assert_eq!(reg.status, Status::Same);
    }
    let mut deleted = 0;
    for ch in &rep.changes {
        let fs = ch.region.split(' ').next().unwrap();
        if let Some(name) = ch.what.strip_prefix("deleted ") {
            if name.contains(' ') {
                continue;
            }
            deleted += 1;
            let named = r.changes.iter().any(|c| {
                c.area == Area::File
                    && c.source == fs
                    && c.key == name
                    && c.change == ChangeKind::Removed
            });
            assert!(named, "sanitize deleted {fs} {name}; diff does not say so");
        }
        if ch.what.starts_with("reset passwd") {
            let p = r
                .changes
                .iter()
                .find(|c| c.area == Area::File && c.source == fs && c.key == "passwd")
                .expect("passwd change");
            assert_eq!(p.note.as_deref(), Some("secret file: content not shown"));
        }
        // Every changed byte range of sanitize lies in a region diff does not call same.
        if ch.end > ch.start && ch.what != "erased a stale sector" {
            assert!(
                r.regions
                    .iter()
                    .any(|x| x.status != Status::Same && x.start <= ch.start && ch.start < x.end),
                "sanitize changed 0x{:x}; diff shows it as same",
                ch.start
            );
        }
    }
    assert!(deleted >= 2, "sanitize deleted {deleted} files");
    // The user config levels are gone: their config sections are named as removed.
    assert!(r.changes.iter().any(|c| c.area == Area::Config
        && c.source == "spiffs@0x0bb000:conf9.json"
        && c.change == ChangeKind::Removed));
    // Privacy: no real secret in the masked outputs.
    let secrets = secrets_of(&a);
    assert!(!secrets.is_empty());
    let (human, json) = outputs(&r);
    for s in &secrets {
        assert!(!human.contains(s.as_str()), "a real secret leaked (human)");
        assert!(!json.contains(s.as_str()), "a real secret leaked (JSON)");
    }
}

#[test]
fn tasmota_fixture_against_its_sanitized_copy() {
    let a = espdump::testkit::tasmota_on_shelly_dump();
    let (b, rep) = sanitize(&a, &Policy::default()).expect("sanitize");
    let r = diff(&a, &b, &Options::default()).unwrap();
    let named: Vec<&str> = r
        .changes
        .iter()
        .filter(|c| c.area == Area::Tasmota && !c.noise)
        .map(|c| c.key.as_str())
        .collect();
    let mut reset = 0;
    for ch in &rep.changes {
        if let Some(rest) = ch.what.strip_prefix("reset ") {
            let field = rest.split([' ', '[']).next().unwrap();
            reset += 1;
            assert!(
                named.contains(&field),
                "reset {field}, diff names {named:?}"
            );
        }
    }
    assert!(reset >= 5);
    // The Wi-Fi settings of the SDK were cleaned too.
    assert!(r.changes.iter().any(|c| c.area == Area::Sdk && !c.noise));
    let secrets = secrets_of(&a);
    assert!(secrets.iter().any(|s| s == "fake-wifi-pass"));
    let (human, json) = outputs(&r);
    for s in &secrets {
        assert!(!human.contains(s.as_str()), "{s} leaked (human)");
        assert!(!json.contains(s.as_str()), "{s} leaked (JSON)");
    }
    assert!(json.contains(&serde_json::to_string(MASK).unwrap()));
}
