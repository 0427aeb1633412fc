//! Applications on Espressif's NONOS SDK with no more specific match.
//!
//! Platform evidence: the SDK's boot banner `SDK ver: %s compiled @ ...` (libmain's
//! `system_print_meminfo` / startup), an app booted by Espressif's boot loader (boot_v1.x,
//! the OTA layout), or the non-OTA layout: an image at 0 that runs from raw IROM
//! (`eagle.flash.bin` at 0, `eagle.irom0text.bin` at 0x10000 / 0x40000, SDK's eagle.app.v6.ld).

use super::{App, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;
use crate::formats::bootloader::BootKind;

/// NONOS SDK.
pub struct NonosSdk;

impl Profile for NonosSdk {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::NonosSdk)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if let Some((o, t)) = app.find_text(b"SDK ver: %s", 16) {
            s.hit(Strength::Platform, o, t);
        }
        if app.boot_kind() == BootKind::EspSdkBoot && app.app_offset.is_some() {
            s.hit(
                Strength::Platform,
                app.app_offset.unwrap_or(0),
                "app booted by Espressif's boot loader (SDK OTA layout)",
            );
        }
        if let (Some(irom), Some(0)) = (app.raw_irom, app.app_offset) {
            s.hit(
                Strength::Platform,
                irom,
                format!("image at 0 with raw IROM at 0x{irom:x} (SDK non-OTA layout)"),
            );
        }
        s
    }
}
