//! Tasmota recognition and version on every real image of the corpus (and none elsewhere).

use crate::common::corpus_bytes as read;
use espdump::formats::tasmota::detect_image;

/// (file, version, cfg_holder, core, sdk)
const EXPECTED: &[(&str, &str, u16, &str, Option<&str>)] = &[
    (
        "tasmota_6.4.1_sonoff-minimal.bin",
        "6.4.1",
        4617,
        "2_4_2",
        Some("2.2.1(cfd48f3)"),
    ),
    (
        "tasmota_6.6.0_sonoff-basic.bin",
        "6.6.0",
        4617,
        "2_3_0",
        None,
    ),
    (
        "tasmota_8.1.0.2.bin",
        "8.1.0.2",
        4617,
        "2_6_1",
        Some("2.2.2-dev(38a443e)"),
    ),
    (
        "tasmota_8.5.bin",
        "8.5.0",
        4617,
        "2_7_4_1",
        Some("2.2.2-dev(38a443e)"),
    ),
    (
        "tasmota-lite_9.2.0.bin",
        "9.2.0",
        4617,
        "2_7_4_9",
        Some("2.2.2-dev(38a443e)"),
    ),
    (
        "tasmota_12.x_20221124.bin",
        "12.1.1.6",
        4612,
        "2_7_4_9",
        Some("2.2.2-dev(38a443e)"),
    ),
    (
        "tasmota-minimal_12.x_20221124.bin",
        "12.1.1.6",
        4617,
        "2_7_4_9",
        Some("2.2.2-dev(38a443e)"),
    ),
];

#[test]
fn every_tasmota_image_reports_its_version() {
    require_corpus!();
    for (file, version, holder, core, sdk) in EXPECTED {
        let r = detect_image(&read(file)).unwrap_or_else(|| panic!("{file}: not detected"));
        assert_eq!(r.version.as_deref(), Some(*version), "{file}");
        assert_eq!(r.cfg_holder, Some(*holder), "{file}");
        assert_eq!(r.core_version.as_deref(), Some(*core), "{file}");
        assert_eq!(r.sdk_version.as_deref(), *sdk, "{file}");
        assert!(!r.gzipped);
        assert!(
            r.evidence_offset.is_some() && r.evidence_text.is_some(),
            "{file}"
        );
    }
}

#[test]
fn version_evidence_points_at_the_bytes() {
    require_corpus!();
    // 8.5: the 12-byte VERSION_MARKER carries 0x08050000.
    let d = read("tasmota_8.5.bin");
    let r = detect_image(&d).unwrap();
    let o = r.evidence_offset.unwrap() as usize;
    assert_eq!(o, 0x840A0);
    assert_eq!(
        &d[o..o + 12],
        &[0xA5, 0x5A, 0xA5, 0x5A, 0, 0, 5, 8, 0x5A, 0xA5, 0x5A, 0xA5]
    );
    // 12.x: marker holds 0xFFFFFFFF; the version comes from the CFG_HOLDER literal pool.
    let d = read("tasmota-minimal_12.x_20221124.bin");
    let r = detect_image(&d).unwrap();
    let o = r.evidence_offset.unwrap() as usize;
    assert_eq!(o, 0x1848);
    assert_eq!(
        &d[o - 4..o + 4],
        &[0x09, 0x12, 0, 0, 0x06, 0x01, 0x01, 0x0C]
    );
    assert!(r
        .evidence
        .iter()
        .any(|e| e.text == "VERSION_MARKER a55aa55affffffff5aa55aa5"));
    // 6.4.1: no marker at all.
    let r = detect_image(&read("tasmota_6.4.1_sonoff-minimal.bin")).unwrap();
    assert!(r.evidence_text.unwrap().starts_with("CFG_HOLDER 4617"));
}

#[test]
fn gzipped_ota_file_is_inflated() {
    require_corpus!();
    let r = detect_image(&read("tasmota-minimal_12.x_20221124.bin.gz")).unwrap();
    assert!(r.gzipped);
    assert_eq!(r.version.as_deref(), Some("12.1.1.6"));
    // The minimal build is older than the full one it was published with.
    assert_eq!(r.build_date.as_deref(), Some("Oct 15 2022"));
    let full = detect_image(&read("tasmota_12.x_20221124.bin")).unwrap();
    assert_eq!(full.build_date.as_deref(), Some("Nov 24 2022"));
    let lite = detect_image(&read("tasmota-lite_9.2.0.bin")).unwrap();
    assert_eq!(lite.build_date.as_deref(), Some("Dec 17 2020"));
    let old = detect_image(&read("tasmota_8.5.bin")).unwrap();
    assert_eq!(old.build_date.as_deref(), Some("Sep  9 2020"));
}

#[test]
fn image_inside_a_dump_is_found() {
    require_corpus!();
    // The 9.2.0 image written at 0 of a 1 MiB erased dump, as esptool would.
    let img = read("tasmota-lite_9.2.0.bin");
    let mut dump = vec![0xFFu8; 1 << 20];
    dump[..img.len()].copy_from_slice(&img);
    let r = detect_image(&dump).unwrap();
    assert_eq!(r.version.as_deref(), Some("9.2.0"));
}

#[test]
fn no_other_corpus_file_is_tasmota() {
    require_corpus!();
    let mut checked = 0;
    for p in crate::common::corpus_files() {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("tasmota") {
            continue;
        }
        let d = std::fs::read(&p).unwrap();
        assert!(detect_image(&d).is_none(), "{name} detected as Tasmota");
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} files");
}

/// Sonoff-Tasmota 5.x (SonOTA's final stage): no "Tasmota" text anywhere in the image; the MQTT
/// defaults, the 5.x banner and `SettingsDefault`'s literal pool (u32 `CFG_HOLDER` 0x20161209
/// then `VERSION` 0x05090100) identify it as 5.9.1.
#[test]
fn sonoff_tasmota_5x_image() {
    require_corpus!();
    let data = read("tasmota_5.x_sonota_core2.3.0.bin");
    assert!(memchr::memmem::find(&data, b"Tasmota").is_none());
    let r = detect_image(&data).expect("5.x image detected");
    assert_eq!(r.version.as_deref(), Some("5.9.1"));
    assert_eq!(r.version_raw, Some(0x0509_0100));
    assert_eq!(r.evidence_offset, Some(0x3780));
    assert_eq!(
        r.evidence_text.as_deref(),
        Some("CFG_HOLDER 0x20161209 + version 5.9.1")
    );
    assert_eq!(r.cfg_holder, Some(0x1209));
    assert!(r
        .evidence
        .iter()
        .any(|e| e.text.starts_with("Project %s %s (Topic %s, Fallback %s")));
    // Through inspect and the profile vote: kind tasmota, version 5.9.1.
    let rep = espdump::analysis::inspect::inspect(&data, &Default::default()).unwrap();
    assert_eq!(
        rep.firmware.kind,
        espdump::analysis::firmware::FirmwareKind::Tasmota
    );
    assert_eq!(rep.firmware.version.as_deref(), Some("5.9.1"));
    let c = &rep.firmware.candidates[0];
    assert_eq!(c.kind, espdump::analysis::firmware::FirmwareKind::Tasmota);
    let texts: Vec<&str> = c.evidence.iter().map(|h| h.text.as_str()).collect();
    assert!(
        texts.contains(&"Sonoff-Tasmota 5.x boot banner"),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"CFG_HOLDER 0x20161209 + version 5.9.1"),
        "{texts:?}"
    );
}
