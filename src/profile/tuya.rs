//! Tuya stock firmware (Tuya IoT SDK on the NONOS SDK).
//!
//! Marker: the Tuya SDK names its API and log tags `tuya_...` (tuya_iot_*, tuya_gw_*); several of
//! them make a Tuya build, a single one is only a word (a driver for Tuya MCUs in another
//! firmware has one or two).

use super::{App, Profile, Score, Strength};
use crate::identify::FirmwareKind;

/// Tuya.
pub struct Tuya;

/// This many `tuya_` strings make the SDK's marker rather than a word.
const MANY: usize = 3;

impl Profile for Tuya {
    fn kind(&self) -> FirmwareKind {
        FirmwareKind::Tuya
    }
    fn refines(&self) -> Option<FirmwareKind> {
        Some(FirmwareKind::NonosSdk)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if let Some((o, t)) = app.find_text(b"tuya_", 32) {
            let strength = if app.count(b"tuya_", MANY) >= MANY {
                Strength::Marker
            } else {
                Strength::Weak
            };
            s.hit(strength, o, t);
        }
        s
    }
}
