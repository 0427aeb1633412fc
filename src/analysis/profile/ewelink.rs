//! ITEAD (Sonoff) stock eWeLink firmware ("iotgo").
//!
//! Markers, from ITEAD's iotgo sources: the cloud protocol strings (`POST /dispatch/device`, the
//! `iotgo_tree_*` handlers, `factory_apikey`, the `itead-device` user agent, the
//! `iotgo.iteadstudio.com` host); two or more make the firmware, one is only a word. Version:
//! `IOTGO_FM_VERSION` beside the `"device"` JSON literal (see `vendors::ewelink::fm_version`).

use super::{App, Found, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;
use crate::analysis::layout::{Area, Layout, LayoutKind};
use crate::formats::vendors::ewelink;

/// eWeLink.
pub struct Ewelink;

impl Profile for Ewelink {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Ewelink)
            .refines(FirmwareKind::NonosSdk)
            .layout(LayoutKind::NonosOta)
    }
    /// The sectors the vendor decoders claimed: its factory record and the configuration sectors of the 32 KiB that start with it.
    fn areas(&self, layout: &Layout, found: &Found<'_>) -> Vec<Area> {
        super::claimed_areas(layout, found, "ewelink")
    }
    fn no_recipe_reason(&self) -> Option<&'static str> {
        Some(super::FACTORY_CLOUD_IDENTITY)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        match ewelink::scan_image(app.hay, app.base as u64) {
            Some(info) => {
                s.markers(&info.markers);
                if let Some(v) = info.version {
                    let label = format!("IOTGO_FM_VERSION {}", v.text);
                    s.version_hit(v, label);
                }
            }
            None => {
                for m in ewelink::MARKERS {
                    if let Some((o, t)) = app.find_text(m, 48) {
                        s.hit(Strength::Weak, o, t);
                    }
                }
            }
        }
        s
    }
}
