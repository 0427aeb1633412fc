//! The per-area comparers of `diff`: each looks at one kind of decoded structure in the two
//! inspect reports and pushes a [`SemanticChange`] for every field that differs.
//!
//! - [`firmware`]: the summary of each input ([`Side`]), firmware per app slot, boot loader;
//! - [`boot_config`]: the rBoot config;
//! - [`images`]: image headers and checksums, by offset;
//! - [`config`]: decoded configuration sections, key by key (also used by firmware profiles);
//! - [`sdk`]: SDK system parameters (Wi-Fi settings, save counter);
//! - [`files`]: file systems and their files, with line diffs.
//!
//! Firmware profiles (Tasmota settings, for one) add their own changes through
//! [`crate::analysis::profile::REGISTRY`].

pub mod boot_config;
pub mod config;
pub mod files;
pub mod firmware;
pub mod images;
pub mod sdk;

pub use firmware::side;

use super::model::{Area, SemanticChange, Side};
use crate::analysis::inspect::InspectReport;

/// The changes the firmware profiles see.
pub(super) fn profiles(ra: &InspectReport, rb: &InspectReport, out: &mut Vec<SemanticChange>) {
    for p in crate::analysis::profile::REGISTRY {
        p.diff_changes(ra, rb, out);
    }
}

/// Every comparer over two dumps, in a fixed order (the report sorts by area, stably).
/// Returns the starts of the paired file systems in which no file changed.
pub(super) fn all(
    a: &[u8],
    ra: &InspectReport,
    b: &[u8],
    rb: &InspectReport,
    (side_a, side_b): (&Side, &Side),
    secrets: &[String],
    out: &mut Vec<SemanticChange>,
) -> Vec<u64> {
    if a.len() != b.len() {
        out.push(
            SemanticChange::new(Area::Size, "dump", "size")
                .values(Some(a.len().into()), Some(b.len().into())),
        );
    }
    firmware::changes(ra, rb, side_a, side_b, out);
    boot_config::changes(ra, rb, out);
    images::changes(ra, rb, out);
    profiles(ra, rb, out);
    config::changes(ra, rb, out);
    let fs_quiet = files::changes(a, ra, b, rb, secrets, out);
    sdk::changes(ra, rb, out);
    fs_quiet
}
