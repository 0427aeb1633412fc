//! Espressif AT firmware (NONOS SDK `at` example and the ESP-AT builds).
//!
//! Markers, from the AT command `AT+GMR` handler in the SDK's libat: the format
//! `AT version:%d.%d.%d.%d(%s %s)` and the binary version `Bin version(...):<version>`.

use super::{App, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;

/// ESP AT.
pub struct EspAt;

impl Profile for EspAt {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::EspAt).refines(FirmwareKind::NonosSdk)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        let Some((o, t)) = app.find_text(b"AT version:", 40) else {
            return s;
        };
        s.hit(Strength::Marker, o, t);
        if let Some((bo, bt)) = app.find_text(b"Bin version(", 48) {
            if let Some((_, v)) = bt.split_once(':') {
                if v.starts_with(|c: char| c.is_ascii_digit()) {
                    s.version = Some(v.to_string());
                    s.hit(Strength::Version, bo, bt.clone());
                }
            }
        }
        s
    }
}
