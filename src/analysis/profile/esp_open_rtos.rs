//! esp-open-rtos applications.
//!
//! Marker: the build embeds source paths under `/esp-open-rtos/` (assert and panic messages of
//! its core and FreeRTOS port), which no other SDK's build carries.

use super::{App, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;

/// esp-open-rtos.
pub struct EspOpenRtos;

impl Profile for EspOpenRtos {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::EspOpenRtos)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if let Some((o, t)) = app.find_text(b"/esp-open-rtos/", 48) {
            s.hit(Strength::Marker, o, t);
        }
        s
    }
}
