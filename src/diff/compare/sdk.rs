//! SDK system parameters at the end of flash: save counter and current copy (noise), RF
//! calibration present, and the settings of the current copy (Wi-Fi), per flash size.

use super::config::diff_items;
use crate::diff::model::{Area, SemanticChange};
use crate::inspect::InspectReport;
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
                let d = |t: &crate::sdk::SdkTail| -> Value {
                    format!("@0x{:x}, {:?} layout", t.start(), t.layout).into()
                };
                out.push(
                    SemanticChange::new(Area::Sdk, src, "sdk sectors").values(x.map(d), y.map(d)),
                );
                continue;
            }
        };
        match (&x.flag, &y.flag) {
            (Some(f), Some(g)) => {
                if f.counter != g.counter {
                    out.push(
                        SemanticChange::new(Area::Sdk, src.clone(), "save counter")
                            .values(Some(f.counter.into()), Some(g.counter.into()))
                            .noise(true),
                    );
                }
                if f.current != g.current {
                    out.push(
                        SemanticChange::new(Area::Sdk, src.clone(), "current copy")
                            .values(Some(f.current.into()), Some(g.current.into()))
                            .noise(true),
                    );
                }
            }
            (None, None) => {}
            (f, g) => out.push(
                SemanticChange::new(Area::Sdk, src.clone(), "flag sector")
                    .values(
                        f.as_ref().map(|f| Value::from(f.counter)),
                        g.as_ref().map(|g| Value::from(g.counter)),
                    )
                    .noise(true),
            ),
        }
        if x.rf_cal_present != y.rf_cal_present {
            out.push(
                SemanticChange::new(Area::Sdk, src.clone(), "rf calibration present")
                    .values(Some(x.rf_cal_present.into()), Some(y.rf_cal_present.into()))
                    .noise(true),
            );
        }
        let items = |t: &crate::sdk::SdkTail| -> Vec<ConfigItem> {
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
