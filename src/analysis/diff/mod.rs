//! `diff`: compare two dumps by structure. Both inputs go through [`crate::analysis::inspect`]; the two
//! region maps are overlaid (so different layouts and firmware line up by address), each piece
//! gets a status (same, changed with merged byte ranges, only in A, only in B), and the decoded
//! structures are compared field by field: firmware per app slot, image headers and checksums,
//! boot config, Tasmota settings, Mongoose OS / Shelly config keys, files with line diffs, SDK
//! Wi-Fi settings. Everything a firmware rewrites by itself (RF calibration, SDK save counters,
//! Tasmota `bootcount`/`save_flag`/CRCs/timestamps) is marked `noise: true` in the data, and
//! [`Options::ignore_noise`] drops it. Pure: two byte slices in, a [`DiffReport`] out.
//!
//! The parts: [`model`] (the report types), [`overlay`] (the region maps laid over each other,
//! changed byte ranges), [`compare`] (one comparer per area: firmware, boot config, images,
//! configuration, SDK parameters, files), [`noise`] (what a firmware rewrites by itself) and
//! [`masking`] (secrets), [`lines`] (line diffs of files), [`render`] (human text).

pub mod compare;
pub mod lines;
pub mod masking;
pub mod model;
pub mod noise;
pub mod overlay;
pub mod policy;

pub(crate) use compare::config::diff_items;
pub use model::{
    Area, ByteRange, ChangeKind, DiffReport, RegionDiff, RegionRef, SemanticChange, Side,
    SlotFirmware, Status, Summary,
};
pub use overlay::changed_ranges;

use crate::analysis::inspect::{self, InspectReport};

/// Options for [`diff`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Drop noise (regions and fields a firmware rewrites by itself) from the report; the
    /// verdict then ignores it.
    pub ignore_noise: bool,
}

/// Compare two dumps.
pub fn diff(a: &[u8], b: &[u8], opts: &Options) -> crate::Result<DiffReport> {
    let io = inspect::Options::default();
    let first = |e| crate::Error::InvalidInput(format!("first input: {e}"));
    let second = |e| crate::Error::InvalidInput(format!("second input: {e}"));
    if a == b {
        // One analysis serves both sides.
        let ra = inspect::inspect(a, &io).map_err(first)?;
        return Ok(diff_reports(a, &ra, b, &ra, opts));
    }
    // The two analyses are independent: run them side by side (sequentially if no thread).
    let (ra, rb) = std::thread::scope(|s| {
        let hb = std::thread::Builder::new().spawn_scoped(s, || inspect::inspect(b, &io));
        let ra = inspect::inspect(a, &io);
        let rb = match hb {
            Ok(h) => h.join().unwrap_or_else(|_| inspect::inspect(b, &io)),
            Err(_) => inspect::inspect(b, &io),
        };
        (ra, rb)
    });
    let (ra, rb) = (ra.map_err(first)?, rb.map_err(second)?);
    Ok(diff_reports(a, &ra, b, &rb, opts))
}

/// Compare two dumps already inspected (`ra` must be `inspect(a)`, `rb` `inspect(b)`).
pub fn diff_reports(
    a: &[u8],
    ra: &InspectReport,
    b: &[u8],
    rb: &InspectReport,
    opts: &Options,
) -> DiffReport {
    let secrets = masking::collect_secrets(ra, rb);
    let (side_a, side_b) = (compare::side(a, ra), compare::side(b, rb));
    if ra.dmp.is_some() || rb.dmp.is_some() {
        return settings_diff(ra, rb, side_a, side_b, secrets, opts);
    }
    let mut changes = Vec::new();
    let fs_quiet = compare::all(a, ra, b, rb, (&side_a, &side_b), &secrets, &mut changes);
    let mut regions = overlay::overlay(a, ra, b, rb);
    noise::mark_regions(&mut regions, &fs_quiet, &changes);
    changes.sort_by_key(|c| c.area);
    let noise_hidden = if opts.ignore_noise {
        noise::drop_noise(&mut regions, &mut changes)
    } else {
        0
    };
    let identical = a.len() == b.len()
        && regions.iter().all(|r| r.status == Status::Same)
        && changes.is_empty();
    DiffReport {
        a: side_a,
        b: side_b,
        identical,
        ignore_noise: opts.ignore_noise,
        common_size: a.len().min(b.len()) as u64,
        size_differs: a.len() != b.len(),
        summary: Summary::count(&regions, &changes),
        regions,
        changes,
        noise_hidden,
        settings_only: false,
        secrets,
    }
}

/// A `.dmp` on either side: compare the decoded settings (and the firmware version they state),
/// field by field; the flash map and bytes of a dump have no counterpart in a `.dmp`.
fn settings_diff(
    ra: &InspectReport,
    rb: &InspectReport,
    side_a: Side,
    side_b: Side,
    secrets: Vec<String>,
    opts: &Options,
) -> DiffReport {
    let mut changes = Vec::new();
    compare::firmware::changes(ra, rb, &side_a, &side_b, &mut changes);
    compare::profiles(ra, rb, &mut changes);
    changes.sort_by_key(|c| c.area);
    let noise_hidden = if opts.ignore_noise {
        noise::drop_noise(&mut Vec::new(), &mut changes)
    } else {
        0
    };
    DiffReport {
        a: side_a,
        b: side_b,
        identical: changes.is_empty(),
        ignore_noise: opts.ignore_noise,
        common_size: 0,
        size_differs: false,
        regions: Vec::new(),
        summary: Summary::count(&[], &changes),
        changes,
        noise_hidden,
        settings_only: true,
        secrets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_inputs_are_identical() {
        let d = crate::testkit::shelly1_stock_dump();
        let r = diff(&d, &d, &Options::default()).unwrap();
        assert!(r.identical);
        assert!(r.changes.is_empty());
        assert!(r.regions.iter().all(|x| x.status == Status::Same));
        let total: u64 = r.regions.iter().map(|x| x.end - x.start).sum();
        assert_eq!(total, d.len() as u64);
    }
}
