//! Home Accessory Architect (HAA, esp-open-rtos based).
//!
//! Marker, from HAA's installer (haa_installer / setup.c): the log format
//! `HAA Installer Version: %s`, with the version string stored next to it.

use super::{app::lossy, app::printable, App, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;

/// HAA.
pub struct Haa;

const MARKER: &[u8] = b"HAA Installer Version: %s";

impl Profile for Haa {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Haa).refines(FirmwareKind::EspOpenRtos)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        let Some(o) = app.find(MARKER) else {
            return s;
        };
        s.hit(Strength::Marker, o, lossy(MARKER));
        // The version is the next NUL-terminated string after the format.
        let r = app.from(o + MARKER.len());
        let r = &r[r
            .iter()
            .take(8)
            .take_while(|&&b| b == 0 || b == b'\n')
            .count()..];
        let v = lossy(printable(r, 16));
        if v.starts_with(|c: char| c.is_ascii_digit()) {
            s.version = Some(v);
        }
        s
    }
}
