//! MicroPython.
//!
//! Version format, from py/modsys.c and the REPL banner in ports/esp8266/main.c / lib/utils/
//! pyexec.c: `MicroPython ` MICROPY_GIT_TAG ` on ` MICROPY_BUILD_DATE, the tag being `v1.22.1`
//! or `v1.9.4-113-g...`.

use super::{app::marker_with_version, App, Meta, Profile, Score};
use crate::analysis::firmware::FirmwareKind;

/// MicroPython.
pub struct Micropython;

impl Profile for Micropython {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Micropython)
    }
    fn score(&self, app: &App<'_>) -> Score {
        marker_with_version(app, "MicroPython v", 64, &[' '])
    }
}
