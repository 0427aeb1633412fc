//! The stock Shelly sanitize recipe for one FS slot (`docs/shelly.md` §3):
//! delete the user level (`conf9.json`, `conf9_backup.json`, `conf9.json.try`, `conf.json`),
//! reset a non-default `passwd` to the factory login, keep `hwinfo_struct.json`, `conf0.json` …
//! `conf8.json` and the firmware assets, then zero every deleted or stray page. The result is
//! what a factory reset leaves (`first_boot` falls back to the conf0 default, so stock
//! regenerates the id from the new chip's MAC), minus the stale copies.

use std::ops::Range;

use crate::formats::fs::spiffs;
use crate::formats::fs::FsInfo;
use crate::formats::shelly::consts as c;
use crate::report::Change;

use super::passwd;

fn span(ranges: &[Range<usize>]) -> Option<(u64, u64)> {
    let s = ranges.iter().map(|r| r.start).min()?;
    let e = ranges.iter().map(|r| r.end).max()?;
    Some((s as u64, e as u64))
}

/// Apply the recipe to one slot (`live`: the slot the firmware mounts; the inactive slot gets the
/// same treatment because OTA merges from it and rBoot falls back to it). Returns the changes
/// made; an already clean slot yields only what is still needed (possibly nothing).
pub fn sanitize_fs(data: &mut [u8], fs: &FsInfo, live: bool) -> Vec<Change> {
    let region = format!(
        "{} ({})",
        fs.label(),
        if live { "live FS" } else { "inactive FS" }
    );
    let mut changes = Vec::new();
    let mut record = |ranges: &[Range<usize>], what: String, why: &str| {
        if let Some((start, end)) = span(ranges) {
            changes.push(Change {
                region: region.clone(),
                start,
                end,
                what,
                why: why.to_string(),
            });
        }
    };
    for name in c::USER_FILES {
        // A name can exist more than once after an interrupted write: delete every copy.
        for _ in 0..8 {
            match spiffs::delete_file(data, fs, name) {
                Ok(r) => record(
                    &r,
                    format!("deleted {name}"),
                    "identity and secrets (user config level)",
                ),
                Err(_) => break,
            }
        }
    }
    if let Some(content) = spiffs::read(data, fs, c::PASSWD_FILE) {
        let lines = passwd::parse(&content);
        let default = lines.len() == 1 && passwd::is_default(&lines[0]);
        if !default {
            match spiffs::write_file(data, fs, c::PASSWD_FILE, &passwd::default_content()) {
                Ok(r) => record(&r, "reset passwd to the factory login".into(), "secret"),
                Err(_) => {
                    if let Ok(r) = spiffs::delete_file(data, fs, c::PASSWD_FILE) {
                        record(
                            &r,
                            "deleted passwd (no room to rewrite it)".into(),
                            "secret",
                        );
                    }
                }
            }
        }
    }
    let scrubbed = spiffs::scrub_deleted(data, fs);
    if !scrubbed.is_empty() {
        let pages = scrubbed
            .iter()
            .filter(|r| r.len() == fs.page_size.saturating_sub(5))
            .count();
        record(
            &scrubbed,
            format!("zeroed {pages} deleted pages"),
            "stale copies of deleted files",
        );
    }
    changes
}
