//! Vote rules on synthetic apps.

use super::*;
use crate::formats::bootloader::{BootKind, Bootloader};

fn boot(kind: BootKind) -> Bootloader {
    Bootloader {
        kind,
        version: None,
        evidence_offset: None,
        evidence: None,
    }
}

fn run(hay: &[u8], kind: BootKind) -> Verdict {
    let b = boot(kind);
    let app = App {
        app_offset: Some(0x1000),
        ..App::new(hay, 0x1000, &b)
    };
    vote(REGISTRY, &app)
}

#[test]
fn a_board_name_does_not_beat_the_platform() {
    // WLED 0.8.5 lists the board "NodeMCU": a word, not NodeMCU's banner.
    let v = run(
        b"\0NodeMCU\0ESP8266_NODEMCU\0SDK ver: %s\0",
        BootKind::Eboot,
    );
    assert_eq!(v.kind, FirmwareKind::Arduino);
    assert!(v
        .candidates
        .iter()
        .any(|c| c.kind == FirmwareKind::Nodemcu && c.strength == Strength::Weak));
}

#[test]
fn nodemcu_banner_and_version() {
    let v = run(
        b"NodeMCU custom build by frightanic.com\0 powered by Lua 5.1.4 on SDK \x001.5.4.1(39cb9a32)\0",
        BootKind::None,
    );
    assert_eq!(v.kind, FirmwareKind::Nodemcu);
    assert_eq!(v.score.version.as_deref(), Some("1.5.4.1"));
}

#[test]
fn two_version_strings_are_a_tie() {
    let v = run(
        b"ESPHome version 2023.5.5 compiled\0ESPURNA 1.14.1\0",
        BootKind::Eboot,
    );
    assert_eq!(v.kind, FirmwareKind::Unknown);
    assert!(v.tie);
    let kinds: Vec<_> = v.candidates.iter().map(|c| c.kind).collect();
    assert_eq!(&kinds[..2], &[FirmwareKind::Esphome, FirmwareKind::Espurna]);
}

#[test]
fn a_unique_marker_beats_a_word() {
    let v = run(
        b"AT version:%d.%d.%d.%d(%s %s)\0NodeMCU\0",
        BootKind::EspSdkBoot,
    );
    assert_eq!(v.kind, FirmwareKind::EspAt);
}

#[test]
fn nonos_sdk_is_the_fallback() {
    let v = run(b"SDK ver: %s compiled @ \0", BootKind::None);
    assert_eq!(v.kind, FirmwareKind::NonosSdk);
    let b = boot(BootKind::None);
    let app = App {
        app_offset: Some(0),
        raw_irom: Some(0x10000),
        ..App::new(b"\0\0", 0, &b)
    };
    assert_eq!(vote(REGISTRY, &app).kind, FirmwareKind::NonosSdk);
}

#[test]
fn nothing_scored_is_unknown_without_candidates() {
    let v = run(b"hello world", BootKind::None);
    assert_eq!(v.kind, FirmwareKind::Unknown);
    assert!(v.candidates.is_empty());
    assert!(!v.tie);
}

#[test]
fn a_weak_specialisation_keeps_its_base() {
    // One `tuya_` word does not make a Tuya build; the SDK platform evidence stays.
    let v = run(b"tuya_mcu\0SDK ver: %s\0", BootKind::None);
    assert_eq!(v.kind, FirmwareKind::NonosSdk);
    let v = run(b"tuya_a\0tuya_b\0tuya_c\0SDK ver: %s\0", BootKind::None);
    assert_eq!(v.kind, FirmwareKind::Tuya);
}

#[test]
fn every_registered_kind_is_unique() {
    let mut kinds: Vec<_> = REGISTRY.iter().map(|p| p.kind()).collect();
    kinds.sort();
    let n = kinds.len();
    kinds.dedup();
    assert_eq!(kinds.len(), n);
}

#[test]
fn ewelink_needs_two_protocol_markers() {
    let v = run(
        b"\0iotgo_tree_update\0factory_apikey\0\x002.6.0\0device\0SDK ver: %s\0",
        BootKind::EspSdkBoot,
    );
    assert_eq!(v.kind, FirmwareKind::Ewelink);
    assert_eq!(v.score.version.as_deref(), Some("2.6.0"));
    let one = run(b"\0factory_apikey\0SDK ver: %s\0", BootKind::EspSdkBoot);
    assert_eq!(one.kind, FirmwareKind::NonosSdk);
}

#[test]
fn wled_refines_arduino_and_reads_version_string() {
    let v = run(
        b"<a href=\"https://github.com/Aircoookie/WLED\">\0wledota\0wled1234\0\0\0\x000.8.5\0NodeMCU\0",
        BootKind::Eboot,
    );
    assert_eq!(v.kind, FirmwareKind::Wled);
    assert_eq!(v.score.version.as_deref(), Some("0.8.5"));
    assert!(!v.candidates.iter().any(|c| c.kind == FirmwareKind::Arduino));
    // The defaults alone are words: an Arduino sketch that borrowed them stays a sketch.
    let w = run(b"\0wled1234\0WLED-AP\0", BootKind::Eboot);
    assert_eq!(w.kind, FirmwareKind::Arduino);
}

#[test]
fn supla_and_tuya_versions() {
    let v = run(
        b"Missing AuthKey\0SuplaDevice initialized\0SDK 23.11.02-dev\0",
        BootKind::Eboot,
    );
    assert_eq!(v.kind, FirmwareKind::Supla);
    assert_eq!(v.score.version.as_deref(), Some("23.11.02-dev"));
    let t = run(
        b"tuya_mdev_test\0tuya_ws_db.c\0tuya_httpc.c\0user_main.c\0oem_x\0\x001.0.7\0Apr 14 2020\x0010:46:17\0",
        BootKind::EspSdkBoot,
    );
    assert_eq!(t.kind, FirmwareKind::Tuya);
    assert_eq!(t.score.version.as_deref(), Some("1.0.7"));
}

#[test]
fn a_firmware_on_the_arduino_core_removes_the_platform_candidates() {
    let v = run(
        b"DVES_%06X\0%prefix%/%topic%/\0SDK ver: %s\0Tasmota\0",
        BootKind::Eboot,
    );
    assert_eq!(v.kind, FirmwareKind::Tasmota);
    let kinds: Vec<_> = v.candidates.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, vec![FirmwareKind::Tasmota]);
}

/// Diff semantics and config ownership are asked of profiles; only the firmware whose format it
/// is answers.
#[test]
fn firmware_semantics_answer_only_for_their_own_format() {
    use crate::analysis::inspect::RegionKind;
    let who = |f: &dyn Fn(&dyn Profile) -> bool| -> Vec<&'static str> {
        REGISTRY
            .iter()
            .filter(|p| f(**p))
            .map(|p| p.kind().as_str())
            .collect()
    };
    assert_eq!(
        who(&|p| p.diff_owns_section("tasmota settings @0x0fb000 (8.5.0, save 10, newest)")),
        vec!["tasmota"]
    );
    assert_eq!(
        who(&|p| p.region_noise(RegionKind::Settings).is_some()),
        vec!["tasmota"]
    );
    assert!(who(&|p| p.region_noise(RegionKind::Filesystem).is_some()).is_empty());
    assert_eq!(
        who(&|p| p.secret_key("wifi.sta.pass")),
        vec!["shelly", "mongoose-os"]
    );
    assert!(who(&|p| p.secret_key("wifi.sta.ssid")).is_empty());
}
