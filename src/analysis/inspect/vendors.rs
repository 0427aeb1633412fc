//! The vendor pass: factory records (ITEAD, Tuya), firmware settings in the Arduino EEPROM
//! sector (WLED, ESPurna), WLED's JSON files and ESPHome's node name, from `crate::formats::vendors`.
//! Runs after the file systems and before the claims are resolved, so its regions take part in
//! the map.

use super::ctx::Ctx;
use super::report::RegionKind;
use crate::analysis::layout::AreaRole;
use crate::analysis::vendor_config::{self, Context};

pub(super) fn facts(cx: &mut Ctx) {
    let app = cx.running.as_ref().map(|r| match cx.irom {
        Some((_, irom_end)) => (r.offset, irom_end),
        None => (r.offset, r.end),
    });
    // The EEPROM area of the layout, at the dump's size when the layout places one there.
    let eeprom = cx
        .layout
        .areas
        .iter()
        .filter(|a| a.role == AreaRole::Eeprom && (a.end as usize) <= cx.data.len())
        .max_by_key(|a| a.flash_size)
        .map(|a| a.start as usize);
    let a = vendor_config::analyse(&Context {
        data: cx.data,
        kind: cx.firmware.kind,
        app,
        filesystems: &cx.filesystems,
        eeprom,
        claims: &cx.claims,
    });
    for o in &a.not_rf_cal {
        cx.claims.0.retain(|c| {
            !(c.start == *o
                && c.kind == RegionKind::Sdk
                && c.label.starts_with("SDK RF calibration"))
        });
    }
    if let Some((o, used)) = a.eeprom_used {
        let extent = if used == 0 {
            "erased".to_string()
        } else {
            format!("{used} bytes used")
        };
        for c in cx
            .claims
            .0
            .iter_mut()
            .filter(|c| c.kind == RegionKind::Eeprom && c.start == o)
        {
            c.label = format!("{}, {extent}", c.label);
        }
    }
    for c in a.claims {
        cx.claims
            .add(c.start, c.end, c.kind, c.label, c.owner, c.strength);
    }
    cx.findings.extend(a.findings);
    cx.config.extend(a.config);
}
