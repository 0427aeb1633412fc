//! SUPLA firmware built on supla-device.
//!
//! Markers, from supla-device's sources: `SuplaDevice initialized`, the `SuplaSrpc` log tag, the
//! AuthKey/server messages. Version: the library's own `SDK <version>` log string.

use super::{App, Meta, Profile, Score};
use crate::analysis::firmware::FirmwareKind;
use crate::analysis::layout::LayoutKind;
use crate::formats::vendors::supla;

/// SUPLA.
pub struct Supla;

impl Profile for Supla {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Supla)
            .refines(FirmwareKind::Arduino)
            .layout(LayoutKind::Arduino)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        let Some(info) = supla::scan_image(app.hay, app.base as u64) else {
            return s;
        };
        s.markers(&info.markers);
        if let Some(v) = info.sdk_version {
            let label = format!("supla-device SDK {}", v.text);
            s.version_hit(v, label);
        }
        s
    }
}
