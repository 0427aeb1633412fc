//! NodeMCU (Lua).
//!
//! Markers, from nodemcu-firmware app/user/user_main.c and the cloud build service: the boot
//! banner ` powered by Lua <version> on SDK <sdk>`, and `NodeMCU custom build by frightanic.com`
//! from builds made by nodemcu-build.com. The version NodeMCU reports in that era is the SDK's
//! (`1.5.4.1(39cb9a32)`: four dotted numbers and an 8-hex commit), taken only with the banner. The
//! bare word `NodeMCU` is a board name that other firmware (WLED, ESPHome board lists) contains:
//! weak evidence only.

use super::{app::dotted4_hex8, App, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;

/// NodeMCU.
pub struct Nodemcu;

impl Profile for Nodemcu {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Nodemcu)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        // Every NodeMCU banner names NodeMCU: without the word, nothing else is searched.
        let Some((wo, wt)) = app.find_text(b"NodeMCU", 48) else {
            return s;
        };
        let banner = app.find_text(b" powered by Lua ", 40);
        let cloud = app.find_text(b"NodeMCU custom build by ", 48);
        for (o, t) in banner.iter().chain(cloud.iter()) {
            s.hit(Strength::Marker, *o, t.clone());
        }
        if s.hits.is_empty() {
            s.hit(Strength::Weak, wo, wt);
            return s;
        }
        if let Some((o, v)) = dotted4_hex8(app, 0) {
            s.version = Some(v.clone());
            s.hit(Strength::Marker, o, v);
        }
        s
    }
}
