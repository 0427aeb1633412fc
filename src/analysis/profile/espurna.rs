//! ESPURNA.
//!
//! Version format, from espurna/code/espurna/config/version.h and the boot banner in
//! espurna.cpp: `APP_NAME " " APP_VERSION` with `APP_NAME` `ESPURNA` and a dotted version.

use super::{app::token_after, App, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;

/// ESPurna.
pub struct Espurna;

impl Profile for Espurna {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Espurna).refines(FirmwareKind::Arduino)
    }
    /// An app on the esp8266/Arduino core.
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        let hit = app
            .find_all(b"ESPURNA ")
            .into_iter()
            .find(|&o| app.from(o + 8).first().is_some_and(u8::is_ascii_digit));
        if let Some(o) = hit {
            let t = app.text(o, 40);
            s.version = token_after(&t, "ESPURNA ", &[' ']);
            s.hit(Strength::Version, o, t);
        }
        s
    }
}
