//! SDK system parameters at the end of flash: save counter and current copy (noise), RF
//! calibration present, and the settings of the current copy (Wi-Fi), per flash size.

use super::config::diff_items;
use crate::analysis::diff::model::{Area, SemanticChange};
use crate::analysis::inspect::InspectReport;
use crate::report::ConfigItem;
use serde_json::Value;
use std::collections::BTreeSet;

/// The SDK parameter sectors of both inputs, paired by flash size.
pub(crate) fn changes(ra: &InspectReport, rb: &InspectReport, out: &mut Vec<SemanticChange>) {
    let sizes: BTreeSet<u64> = ra.sdk.iter().chain(&rb.sdk).map(|t| t.flash_size).collect();
    for size in sizes {
        let x = ra.sdk.iter().find(|t| t.flash_size == size);
        let y = rb.sdk.iter().find(|t| t.flash_size == size);
        let src = format!("sdk system params ({} KiB flash)", size / 1024);
        let (x, y) = match (x, y) {
            (Some(x), Some(y)) => (x, y),
            (x, y) => {
                let d = |t: &crate::formats::sdk::SdkTail| -> Value {
                    format!("@0x{:x}, {:?} layout", t.start(), t.layout).into()
                };
                out.push(
                    SemanticChange::new(Area::Sdk, src, "sdk sectors").values(x.map(d), y.map(d)),
                );
                continue;
            }
        };
        noise_changes(x, y, &src, out);
        let items = |t: &crate::formats::sdk::SdkTail| -> Vec<ConfigItem> {
            t.active_copy()
                .filter(|c| !c.erased)
                .map(|c| c.config().items)
                .unwrap_or_default()
        };
        let never = |_: &str| false;
        diff_items(
            Area::Sdk,
            &format!("{src}, current copy"),
            &items(x),
            &items(y),
            &never,
            out,
        );
    }
}

/// What the SDK rewrites by itself on every save (all noise): the save counter, which copy is
/// current, the flag sector, whether RF calibration is present.
fn noise_changes(
    x: &crate::formats::sdk::SdkTail,
    y: &crate::formats::sdk::SdkTail,
    src: &str,
    out: &mut Vec<SemanticChange>,
) {
    let mut noise = |key: &str, p: Option<Value>, q: Option<Value>| {
        out.push(
            SemanticChange::new(Area::Sdk, src, key)
                .values(p, q)
                .noise(true),
        );
    };
    match (&x.flag, &y.flag) {
        (Some(f), Some(g)) => {
            if f.counter != g.counter {
                noise(
                    "save counter",
                    Some(f.counter.into()),
                    Some(g.counter.into()),
                );
            }
            if f.current != g.current {
                noise(
                    "current copy",
                    Some(f.current.into()),
                    Some(g.current.into()),
                );
            }
        }
        (None, None) => {}
        (f, g) => noise(
            "flag sector",
            f.as_ref().map(|f| Value::from(f.counter)),
            g.as_ref().map(|g| Value::from(g.counter)),
        ),
    }
    if x.rf_cal_present != y.rf_cal_present {
        noise(
            "rf calibration present",
            Some(x.rf_cal_present.into()),
            Some(y.rf_cal_present.into()),
        );
    }
}
