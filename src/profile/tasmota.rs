//! Tasmota (and Sonoff-Tasmota before 6.x).
//!
//! Markers, from Tasmota's source: the MQTT client id format `DVES_%06X` (tasmota.ino /
//! support.ino, `MQTT_CLIENT_ID`) together with the default full topic `%prefix%/%topic%/`
//! (my_user_config.h, `MQTT_FULLTOPIC`); the version is the `VERSION` constant, found either by
//! the `VERSION_MARKER` Tasmota places around it or as the literal that follows `CFG_HOLDER`
//! (see `tasmota::image`).

use super::{App, Profile, Score, Strength};
use crate::identify::FirmwareKind;

/// Tasmota.
pub struct Tasmota;

impl Profile for Tasmota {
    fn kind(&self) -> FirmwareKind {
        FirmwareKind::Tasmota
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if let Some((o, t)) = app.find_text(b"Tasmota", 40) {
            s.hit(Strength::Weak, o, t);
        }
        let Some(img) = crate::tasmota::detect_image(app.hay) else {
            return s;
        };
        let first = img.evidence.first().map_or(0, |e| e.offset as usize);
        s.hit(
            Strength::Marker,
            app.base + first,
            "DVES_%06X and %prefix%/%topic%/",
        );
        if let (Some(v), Some(o), Some(t)) = (&img.version, img.evidence_offset, &img.evidence_text)
        {
            s.hit(Strength::Version, app.base + o as usize, t.clone());
            s.version = Some(v.clone());
        }
        s
    }
}
