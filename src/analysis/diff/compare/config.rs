//! Decoded configuration (Mongoose OS / Shelly config keys and other generic sections), key by
//! key; `diff_items` also serves the firmware profiles and the SDK comparer.

use crate::analysis::diff::model::{Area, SemanticChange};
use crate::analysis::diff::policy as names;
use crate::analysis::inspect::InspectReport;
use crate::report::{ConfigItem, ConfigSection};
use std::collections::{BTreeSet, HashMap};

/// Compare two lists of configuration items by key.
pub(crate) fn diff_items(
    area: Area,
    source: &str,
    xa: &[ConfigItem],
    xb: &[ConfigItem],
    noise: &dyn Fn(&str) -> bool,
    out: &mut Vec<SemanticChange>,
) {
    let mut ib: HashMap<&str, &ConfigItem> = HashMap::with_capacity(xb.len());
    for it in xb {
        ib.entry(it.key.as_str()).or_insert(it);
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for x in xa {
        if !seen.insert(x.key.as_str()) {
            continue;
        }
        let y = ib.get(x.key.as_str()).copied();
        if y.is_some_and(|y| y.value == x.value) {
            continue;
        }
        let mut ch = SemanticChange::new(area, source, x.key.clone())
            .values(Some(x.value.clone()), y.map(|y| y.value.clone()))
            .noise(noise(&x.key));
        ch.class = Some(x.class);
        ch.offset_a = x.offset;
        ch.offset_b = y.and_then(|y| y.offset);
        out.push(ch);
    }
    for y in xb {
        if seen.insert(y.key.as_str()) {
            let mut ch = SemanticChange::new(area, source, y.key.clone())
                .values(None, Some(y.value.clone()))
                .noise(noise(&y.key));
            ch.class = Some(y.class);
            ch.offset_b = y.offset;
            out.push(ch);
        }
    }
}

/// Sources compared elsewhere (by a firmware profile's diff semantics, SDK parameter copies).
fn generic_section(s: &ConfigSection) -> bool {
    !s.source.starts_with(names::SDK_SOURCE)
        && !crate::analysis::profile::REGISTRY
            .iter()
            .any(|p| p.diff_owns_section(&s.source))
}

/// Sections present in one input only, keys that differ, and the live configuration when it
/// moved.
pub(crate) fn changes(ra: &InspectReport, rb: &InspectReport, out: &mut Vec<SemanticChange>) {
    let sa: Vec<&ConfigSection> = ra.config.iter().filter(|s| generic_section(s)).collect();
    let sb: Vec<&ConfigSection> = rb.config.iter().filter(|s| generic_section(s)).collect();
    let never = |_: &str| false;
    for x in &sa {
        match sb.iter().find(|y| y.source == x.source) {
            Some(y) => diff_items(Area::Config, &x.source, &x.items, &y.items, &never, out),
            None => out.push(
                SemanticChange::new(Area::Config, x.source.clone(), "section")
                    .values(Some(format!("{} keys", x.items.len()).into()), None),
            ),
        }
    }
    for y in &sb {
        if !sa.iter().any(|x| x.source == y.source) {
            out.push(
                SemanticChange::new(Area::Config, y.source.clone(), "section")
                    .values(None, Some(format!("{} keys", y.items.len()).into())),
            );
        }
    }
    // The configuration in use, when it moved (e.g. to the other file-system slot after an OTA).
    let live = |v: &[&ConfigSection]| -> Option<ConfigSection> {
        v.iter()
            .find(|s| s.live && s.source.ends_with(names::EFFECTIVE_SUFFIX))
            .map(|s| (*s).clone())
    };
    if let (Some(x), Some(y)) = (live(&sa), live(&sb)) {
        if x.source != y.source {
            let src = format!(
                "live configuration ({} -> {})",
                x.source.trim_end_matches(names::EFFECTIVE_SUFFIX),
                y.source.trim_end_matches(names::EFFECTIVE_SUFFIX)
            );
            diff_items(Area::Config, &src, &x.items, &y.items, &never, out);
        }
    }
}
