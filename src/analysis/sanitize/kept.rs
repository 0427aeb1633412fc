//! What a sanitize plan must leave alone, and the proof that it did.
//!
//! Before the output is accepted, every step of the plan is checked against the analysis's
//! claims: a step may only touch bytes whose owner its recipe is (the Tasmota recipe the
//! settings ring, the Shelly recipe the file systems, the SDK recipe the SDK tail). Anything
//! else is an error, not a silent overwrite. After, the output is re-read: every Tasmota
//! settings copy the recipe kept or wrote loads with both CRCs valid, the same version and the
//! same factory fields (module, GPIO map, template, calibration), and the boot config is
//! byte-identical.

use crate::analysis::claims::ClaimStrength;
use crate::analysis::inspect::{InspectReport, RegionKind};
use crate::report::{Change, Class};

/// Which recipe a plan step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Tasmota settings recipe.
    Tasmota,
    /// Stock Shelly / Mongoose OS file-system recipe.
    Shelly,
    /// WLED file-system recipe.
    Wled,
    /// SDK tail recipe.
    Sdk,
    /// Erasing stale sectors that hold residue.
    Stale,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Tasmota => "tasmota settings",
            Step::Shelly => "shelly file system",
            Step::Wled => "wled file system",
            Step::Sdk => "sdk tail",
            Step::Stale => "stale residue",
        }
    }
    /// Whether claims of `owner` are this recipe's to change (`layout` is the layout's name,
    /// which owns the tail positions).
    fn owns(self, owner: &str, layout: &str) -> bool {
        match self {
            Step::Tasmota => owner == "tasmota",
            Step::Shelly | Step::Wled => owner == "filesystem",
            Step::Sdk => owner == "sdk" || owner == "stale-sdk" || owner == layout,
            Step::Stale => owner == "stale-image",
        }
    }
}

/// Every step that touches a claim owned by another recipe, as sentences.
pub(super) fn foreign_touches(before: &InspectReport, plan: &[(Step, Change)]) -> Vec<String> {
    let layout = before.layout.kind.as_str();
    let mut out = Vec::new();
    for (step, ch) in plan {
        let (s, e) = (ch.start as usize, ch.end as usize);
        let hit = before.claims.iter().find(|c| {
            c.start < e
                && s < c.end
                && c.strength >= ClaimStrength::Position
                && !matches!(c.kind, RegionKind::Eeprom | RegionKind::Data)
                && !step.owns(c.owner, layout)
        });
        if let Some(c) = hit {
            out.push(format!(
                "plan step of the {} recipe ({}, 0x{s:x}..0x{e:x}) touches {} owned by {}",
                step.name(),
                ch.what,
                c.label,
                c.owner
            ));
        }
    }
    out
}

/// Factory fields of the newest settings copy of `r`'s input `data`, by key.
fn factory_fields(data: &[u8], r: &InspectReport) -> Option<(String, Vec<(String, String)>)> {
    let c = r.settings.as_ref()?.newest_copy()?;
    let o = c.offset as usize;
    let d = crate::formats::tasmota::decode_at(
        data.get(o..o + crate::formats::flash::SECTOR_SIZE)?,
        c.offset,
    )
    .ok()?;
    let f = d
        .items
        .iter()
        .filter(|i| i.class == Class::Factory)
        .map(|i| (i.key.clone(), i.value.to_string()))
        .collect();
    Some((d.version_str, f))
}

/// Problems with the Tasmota settings the recipe kept: none when the input had no loadable copy.
pub(super) fn settings_problems(
    input: &[u8],
    out: &[u8],
    before: &InspectReport,
    after: &InspectReport,
) -> Vec<String> {
    let Some((version, fields)) = factory_fields(input, before) else {
        return Vec::new();
    };
    let Some((v2, f2)) = factory_fields(out, after) else {
        return vec![
            "no loadable Tasmota settings copy is left in the output (both CRCs valid)".into(),
        ];
    };
    let mut p = Vec::new();
    if v2 != version {
        p.push(format!(
            "the kept Tasmota settings copy is version {v2}, the input's newest {version}"
        ));
    }
    for (k, v) in &fields {
        if f2.iter().find(|(k2, _)| k2 == k).map(|x| &x.1) != Some(v) {
            p.push(format!(
                "Tasmota factory field {k} changed in the kept settings copy"
            ));
        }
    }
    p
}

/// Problems with the boot config: it must be byte-identical.
pub(super) fn boot_config_problems(
    input: &[u8],
    out: &[u8],
    before: &InspectReport,
) -> Vec<String> {
    let Some(bc) = &before.boot_config else {
        return Vec::new();
    };
    let o = bc.offset as usize;
    let e = (o + crate::formats::flash::SECTOR_SIZE).min(input.len());
    if input[o..e] == out[o..e] {
        Vec::new()
    } else {
        vec![format!("the boot config at 0x{o:x} changed")]
    }
}
