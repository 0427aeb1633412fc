//! CircuitPython (a MicroPython fork).
//!
//! Version format, from CircuitPython's banner (supervisor / py/modsys.c): `CircuitPython `
//! followed by its version (`3.0.0-beta.0-50-g...`).

use super::{app::token_after, App, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;

/// CircuitPython.
pub struct Circuitpython;

impl Profile for Circuitpython {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Circuitpython).refines(FirmwareKind::Micropython)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        let Some((wo, wt)) = app.find_text(b"CircuitPython", 48) else {
            return s;
        };
        let hit = app
            .find_all(b"CircuitPython ")
            .into_iter()
            .find(|&o| app.from(o + 14).first().is_some_and(u8::is_ascii_digit));
        if let Some(o) = hit {
            let t = app.text(o, 64);
            s.version = token_after(&t, "CircuitPython ", &[' ']);
            s.hit(Strength::Version, o, t);
        } else {
            s.hit(Strength::Weak, wo, wt);
        }
        s
    }
}
