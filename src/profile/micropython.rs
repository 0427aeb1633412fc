//! MicroPython.
//!
//! Version format, from py/modsys.c and the REPL banner in ports/esp8266/main.c / lib/utils/
//! pyexec.c: `MicroPython ` MICROPY_GIT_TAG ` on ` MICROPY_BUILD_DATE, the tag being `v1.22.1`
//! or `v1.9.4-113-g...`.

use super::{app::token_after, App, Profile, Score, Strength};
use crate::identify::FirmwareKind;

/// MicroPython.
pub struct Micropython;

impl Profile for Micropython {
    fn kind(&self) -> FirmwareKind {
        FirmwareKind::Micropython
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if let Some((o, t)) = app.find_text(b"MicroPython v", 64) {
            let v = token_after(&t, "MicroPython v", &[' '])
                .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()));
            let strength = if v.is_some() {
                Strength::Version
            } else {
                Strength::Marker
            };
            s.version = v;
            s.hit(strength, o, t);
        }
        s
    }
}
