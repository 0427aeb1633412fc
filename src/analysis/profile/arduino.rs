//! Arduino sketches (esp8266/Arduino core) with no more specific match.
//!
//! Platform evidence, from the core's boot loader and linker scripts: eboot at 0 and the sketch
//! as a v1 image at 0x1000 whose IROM segment is mapped at 0x40201010 (eagle.app.v6.common.ld:
//! `irom0_0_seg` starts at 0x40201010).

use super::{App, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;
use crate::analysis::layout::LayoutKind;
use crate::formats::bootloader::BootKind;

/// Arduino.
pub struct Arduino;

impl Profile for Arduino {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Arduino)
            .refines(FirmwareKind::NonosSdk)
            .layout(LayoutKind::Arduino)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if app.arduino_layout || app.boot_kind() == BootKind::Eboot {
            s.hit(
                Strength::Platform,
                app.app_offset.unwrap_or(0),
                "Arduino layout: eboot at 0, sketch with IROM segment at 0x40201010",
            );
        }
        s
    }
}
