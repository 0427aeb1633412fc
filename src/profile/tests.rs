//! Vote rules on synthetic apps.

use super::*;
use crate::bootloader::{BootKind, Bootloader};

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
fn a_firmware_on_the_arduino_core_removes_the_platform_candidates() {
    let v = run(
        b"DVES_%06X\0%prefix%/%topic%/\0SDK ver: %s\0Tasmota\0",
        BootKind::Eboot,
    );
    assert_eq!(v.kind, FirmwareKind::Tasmota);
    let kinds: Vec<_> = v.candidates.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, vec![FirmwareKind::Tasmota]);
}
