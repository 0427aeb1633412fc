//! ESPHome.
//!
//! Version format, from esphome/core/application.cpp: the boot log line
//! `ESPHome version <ESPHOME_VERSION> compiled on <date>`, the version being CalVer `YYYY.M.P`
//! (before 1.15, `1.x.y`).

use super::{app::marker_with_version, App, Meta, Profile, Score};
use crate::analysis::firmware::FirmwareKind;

/// ESPHome.
pub struct Esphome;

impl Profile for Esphome {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Esphome).refines(FirmwareKind::Arduino)
    }
    fn no_recipe_reason(&self) -> Option<&'static str> {
        Some("ESPHome compiles the Wi-Fi credentials, API key and OTA password into the application image, so no sanitize can remove them without rebuilding the firmware; --force-generic cleans only the SDK sectors")
    }
    /// An app on the esp8266/Arduino core.
    fn score(&self, app: &App<'_>) -> Score {
        marker_with_version(app, "ESPHome version ", 64, &[' '])
    }
}
