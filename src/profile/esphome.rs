//! ESPHome.
//!
//! Version format, from esphome/core/application.cpp: the boot log line
//! `ESPHome version <ESPHOME_VERSION> compiled on <date>`, the version being CalVer `YYYY.M.P`
//! (before 1.15, `1.x.y`).

use super::{app::token_after, App, Profile, Score, Strength};
use crate::identify::FirmwareKind;

/// ESPHome.
pub struct Esphome;

impl Profile for Esphome {
    fn kind(&self) -> FirmwareKind {
        FirmwareKind::Esphome
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if let Some((o, t)) = app.find_text(b"ESPHome version ", 64) {
            let v = token_after(&t, "ESPHome version ", &[' '])
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
