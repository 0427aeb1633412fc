//! The noise policy: what a firmware rewrites by itself and so does not count as a change. SDK RF
//! calibration and system parameters (when no setting in them changed), what a firmware profile
//! names (Tasmota settings copies, for one), file systems whose pages moved while every file kept
//! its content. Noise is marked in the report (`noise: true` with a reason) and dropped only when
//! asked ([`super::Options::ignore_noise`]).

use super::model::{RegionDiff, RegionRef, SemanticChange, Status};
use crate::analysis::inspect::RegionKind;

/// Mark the changed regions that are noise, with the reason. `fs_quiet` holds the starts of the
/// file systems in which no file changed.
pub(super) fn mark_regions(
    regions: &mut [RegionDiff],
    fs_quiet: &[u64],
    changes: &[SemanticChange],
) {
    for r in regions.iter_mut() {
        if r.status == Status::Same {
            continue;
        }
        if let Some(why) = region_noise(r, fs_quiet, changes) {
            r.noise = true;
            r.noise_reason = Some(why);
        }
    }
}

/// Drop the noise (changed regions and changes marked noise); returns how many entries went.
pub(super) fn drop_noise(
    regions: &mut Vec<RegionDiff>,
    changes: &mut Vec<SemanticChange>,
) -> usize {
    let (n0, m0) = (regions.len(), changes.len());
    regions.retain(|r| !(r.noise && r.status != Status::Same));
    changes.retain(|c| !c.noise);
    (n0 - regions.len()) + (m0 - changes.len())
}

/// A decoded field that is not noise changed inside `[start, end)` of A or of B.
fn real_change_inside(r: &RegionDiff, changes: &[SemanticChange]) -> bool {
    let inside = |o: Option<u64>| o.is_some_and(|o| r.start <= o && o < r.end);
    changes
        .iter()
        .any(|c| !c.noise && (inside(c.offset_a) || inside(c.offset_b)))
}

/// Why a changed region is noise, if it is.
fn region_noise(
    r: &RegionDiff,
    fs_quiet: &[u64],
    changes: &[SemanticChange],
) -> Option<&'static str> {
    let sides = [r.a.as_ref(), r.b.as_ref()];
    let structural: Vec<&RegionRef> = sides
        .into_iter()
        .flatten()
        .filter(|x| !is_empty_kind(x.kind))
        .collect();
    if structural.is_empty() {
        return None;
    }
    let all = |f: &dyn Fn(&RegionRef) -> bool| structural.iter().all(|x| f(x));
    if all(&|x| x.kind == RegionKind::Sdk && x.label.contains("RF calibration")) {
        return Some("RF calibration: the SDK rewrites it");
    }
    if all(&|x| x.kind == RegionKind::Sdk && x.label.contains("system params"))
        && !real_change_inside(r, changes)
    {
        return Some("SDK system parameters: rewritten on every save; no setting changed here");
    }
    // A loadable settings copy that went away (erased, overwritten) is never noise.
    let valid_copy =
        |x: &RegionRef| x.kind == RegionKind::Settings && !x.label.contains("bad checksum");
    let gone =
        r.b.as_ref()
            .is_none_or(|x| is_empty_kind(x.kind) || x.kind != RegionKind::Settings);
    if r.a.as_ref().is_some_and(valid_copy) && gone {
        return None;
    }
    let kind = structural[0].kind;
    if all(&|x| x.kind == kind) && !real_change_inside(r, changes) {
        let why = crate::analysis::profile::REGISTRY
            .iter()
            .find_map(|p| p.region_noise(kind));
        if why.is_some() {
            return why;
        }
    }
    if r.status == Status::Changed
        && all(&|x| x.kind == RegionKind::Filesystem && fs_quiet.contains(&x.start))
    {
        return Some("file system pages moved; every file has the same content");
    }
    None
}

pub(super) fn is_empty_kind(k: RegionKind) -> bool {
    matches!(k, RegionKind::Erased | RegionKind::Padding)
}
