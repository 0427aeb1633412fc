//! ESPHome.
//!
//! Version format, from esphome/core/application.cpp: the boot log line
//! `ESPHome version <ESPHOME_VERSION> compiled on <date>`, the version being CalVer `YYYY.M.P`
//! (before 1.15, `1.x.y`).

use super::{app::marker_with_version, App, Profile, Score};
use crate::identify::FirmwareKind;

/// ESPHome.
pub struct Esphome;

impl Profile for Esphome {
    fn kind(&self) -> FirmwareKind {
        FirmwareKind::Esphome
    }
    /// An app on the esp8266/Arduino core.
    fn refines(&self) -> Option<FirmwareKind> {
        Some(FirmwareKind::Arduino)
    }
    fn score(&self, app: &App<'_>) -> Score {
        marker_with_version(app, "ESPHome version ", 64, &[' '])
    }
}
