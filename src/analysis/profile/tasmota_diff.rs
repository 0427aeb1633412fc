//! Tasmota's diff semantics: the newest settings copy compared field by field (its counters,
//! CRCs and timestamps are noise), the number of loadable copies (fewer is a loss, never noise),
//! and copies the firmware did not rewrite (same offset and save counter) checked for edits.

use crate::analysis::diff::policy as names;
use crate::analysis::diff::{diff_items, Area, SemanticChange};
use crate::analysis::inspect::InspectReport;
use crate::report::ConfigSection;
use serde_json::Value;

/// Fields Tasmota rewrites by itself (counters, CRCs, timestamps).
fn noise(key: &str) -> bool {
    names::TASMOTA_NOISE.contains(&key)
        || names::TASMOTA_NOISE_PREFIXES
            .iter()
            .any(|p| key.starts_with(p))
}

fn live_section(r: &InspectReport) -> Option<&ConfigSection> {
    r.config
        .iter()
        .find(|s| s.live && s.source.starts_with(names::TASMOTA_SOURCE))
}

/// Tasmota's field-by-field changes between two analyses.
pub(super) fn changes(ra: &InspectReport, rb: &InspectReport, out: &mut Vec<SemanticChange>) {
    let src = "tasmota settings (newest copy)";
    let (na, nb) = (
        ra.settings.as_ref().and_then(|s| s.newest_copy()),
        rb.settings.as_ref().and_then(|s| s.newest_copy()),
    );
    match (na, nb) {
        (None, None) => return,
        (Some(x), Some(y)) => {
            if x.offset != y.offset {
                out.push(
                    SemanticChange::new(Area::Tasmota, src, "newest copy offset")
                        .values(
                            Some(format!("0x{:x}", x.offset).into()),
                            Some(format!("0x{:x}", y.offset).into()),
                        )
                        .noise(true),
                );
            }
        }
        (x, y) => {
            let d = |c: &crate::formats::tasmota::SettingsCopy| -> Value {
                format!("{} @0x{:x}", c.version_str, c.offset).into()
            };
            out.push(
                SemanticChange::new(Area::Tasmota, src, "settings").values(x.map(d), y.map(d)),
            );
            return;
        }
    }
    let valid = |r: &InspectReport| {
        r.settings
            .as_ref()
            .map_or(0, |s| s.copies.iter().filter(|c| c.valid).count())
    };
    let (ca, cb) = (
        ra.settings.as_ref().map_or(0, |s| s.copies.len()),
        rb.settings.as_ref().map_or(0, |s| s.copies.len()),
    );
    if ca != cb {
        // Fewer loadable copies is a loss, not a rewrite.
        out.push(
            SemanticChange::new(Area::Tasmota, "tasmota settings", "copies")
                .values(Some(ca.into()), Some(cb.into()))
                .noise(valid(rb) >= valid(ra)),
        );
    }
    if let (Some(x), Some(y)) = (live_section(ra), live_section(rb)) {
        diff_items(Area::Tasmota, src, &x.items, &y.items, &noise, out);
    }
    // Other copies at the same offset with the same save counter: the firmware did not rewrite
    // them, so any field that differs was changed by something else.
    let (Some(sa), Some(sb)) = (&ra.settings, &rb.settings) else {
        return;
    };
    for x in &sa.copies {
        let Some(y) = sb.copies.iter().find(|y| y.offset == x.offset) else {
            continue;
        };
        if x.save_flag != y.save_flag || (x.newest && y.newest) {
            continue;
        }
        let (Some(p), Some(q)) = (copy_section(ra, x.offset), copy_section(rb, y.offset)) else {
            continue;
        };
        let src = format!(
            "tasmota settings @0x{:06x} (save {}, not loaded)",
            x.offset, x.save_flag
        );
        let mut found = Vec::new();
        diff_items(Area::Tasmota, &src, &p.items, &q.items, &noise, &mut found);
        out.extend(found.into_iter().filter(|c| !c.noise));
    }
}

/// The decoded section of the settings copy at `offset`.
fn copy_section(r: &InspectReport, offset: u64) -> Option<&ConfigSection> {
    let prefix = format!("{} @0x{:06x}", names::TASMOTA_SOURCE, offset);
    r.config.iter().find(|s| s.source.starts_with(&prefix))
}
