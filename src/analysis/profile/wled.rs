//! WLED (an Arduino sketch).
//!
//! Marker: the project URL `github.com/Aircoookie/WLED` that every release's web UI carries.
//! Words: the defaults `WLED-AP`, `wled1234`, `wledota`. Version: `versionString`, the
//! version-shaped literal beside the `apPass` default (see `vendors::wled::version`).

use super::{App, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;
use crate::analysis::layout::LayoutKind;
use crate::formats::vendors::wled;

/// WLED.
pub struct Wled;

impl Profile for Wled {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Wled)
            .refines(FirmwareKind::Arduino)
            .layout(LayoutKind::Arduino)
    }
    fn sanitize_recipe(&self) -> Option<&'static str> {
        Some("wled")
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        let Some(info) = wled::scan_image(app.hay, app.base as u64) else {
            return s;
        };
        for m in &info.markers {
            let strength = if m.text.as_bytes() == wled::PROJECT_URL {
                Strength::Marker
            } else {
                Strength::Weak
            };
            s.hit(strength, m.offset as usize, m.text.clone());
        }
        if let Some(v) = info.version {
            if s.strongest() == Some(Strength::Marker) {
                let label = format!("versionString {}", v.text);
                s.version_hit(v, label);
            }
        }
        s
    }
}
