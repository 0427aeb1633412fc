//! Tuya stock firmware (Tuya IoT SDK on the NONOS SDK).
//!
//! Marker: the Tuya SDK names its API and log tags `tuya_...` (tuya_iot_*, tuya_gw_*); several of
//! them make a Tuya build, a single one is only a word (a driver for Tuya MCUs in another
//! firmware has one or two). Version: `USER_SW_VER` as `user_main.c` of Tuya's SDK template logs
//! it, beside `APP_BIN_NAME` and the build date (see `vendors::tuya::scan_image`).

use super::{App, Found, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;
use crate::analysis::layout::{Area, Layout, LayoutKind};

/// Tuya.
pub struct Tuya;

/// This many `tuya_` strings make the SDK's marker rather than a word.
const MANY: usize = 3;

impl Profile for Tuya {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Tuya)
            .refines(FirmwareKind::NonosSdk)
            .layout(LayoutKind::NonosOta)
    }
    /// The sectors the vendor decoders claimed: its factory record (at size − 0x5000, where the SDK layout would put RF calibration) and the user-configuration sectors between the app and the record.
    fn areas(&self, layout: &Layout, found: &Found<'_>) -> Vec<Area> {
        super::claimed_areas(layout, found, "tuya")
    }
    fn no_recipe_reason(&self) -> Option<&'static str> {
        Some(super::FACTORY_CLOUD_IDENTITY)
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
            if strength == Strength::Marker {
                let info = crate::formats::vendors::tuya::scan_image(app.hay, app.base as u64);
                if let Some(v) = info.as_ref().and_then(|i| i.version.clone()) {
                    let name = info
                        .and_then(|i| i.firmware_name)
                        .map(|n| format!("{} ", n.text))
                        .unwrap_or_default();
                    let label = format!("{name}{}", v.text);
                    s.version_hit(v, label);
                }
            }
        }
        s
    }
}
