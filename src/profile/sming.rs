//! Sming framework applications.
//!
//! Version format, from Sming's Sming/Core (SmingVersion / the startup log):
//! `Sming Framework Version : <version>`.

use super::{app::token_after, App, Profile, Score, Strength};
use crate::identify::FirmwareKind;

/// Sming.
pub struct Sming;

const MARKER: &[u8] = b"Sming Framework Version : ";

impl Profile for Sming {
    fn kind(&self) -> FirmwareKind {
        FirmwareKind::Sming
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if let Some((o, t)) = app.find_text(MARKER, 48) {
            let v = token_after(&t, "Sming Framework Version : ", &[' ', '\r', '\n']);
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
