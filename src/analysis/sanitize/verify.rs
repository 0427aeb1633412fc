//! The proof run on the output: re-inspect it and check what was kept, what was removed.

use super::{find_all, kept, Sensitive};
use crate::analysis::inspect::{inspect, InspectReport, Options};
use crate::report::Class;
use serde::Serialize;

/// An identity or secret of the input found in the output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Residue {
    /// Where in the output.
    pub offset: u64,
    /// Which value (key and origin; the value itself is never reported).
    pub key: String,
    /// Its class.
    pub class: Class,
    /// The output region it sits in.
    pub region: String,
}

/// The proof run on the output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Images compared byte for byte with the input.
    pub images_checked: usize,
    /// Every kept image is byte-identical.
    pub images_identical: bool,
    /// Every image checksum, settings CRC and SDK parameter checksum that was valid is still valid.
    pub checksums_valid: bool,
    /// Every file system lists and reads, and kept files are unchanged.
    pub filesystems_consistent: bool,
    /// Firmware kind, version and model unchanged.
    pub firmware_unchanged: bool,
    /// The Tasmota settings copy the recipe kept or wrote loads (both CRCs valid) with the
    /// input's version and factory fields (module, GPIO map, template, calibration).
    pub settings_kept: bool,
    /// The boot config is byte-identical.
    pub boot_config_unchanged: bool,
    /// Identity and secret strings of the input searched for in the output.
    pub residue_candidates: usize,
    /// Those found (must be empty).
    pub residue: Vec<Residue>,
    /// Sentences explaining any failed check.
    pub problems: Vec<String>,
}

impl Verification {
    /// All checks passed.
    pub fn ok(&self) -> bool {
        self.images_identical
            && self.checksums_valid
            && self.filesystems_consistent
            && self.firmware_unchanged
            && self.settings_kept
            && self.boot_config_unchanged
            && self.residue.is_empty()
    }
}

fn region_of(r: &InspectReport, at: u64) -> String {
    r.regions
        .iter()
        .find(|x| x.start <= at && at < x.end)
        .map(|x| format!("{} ({})", x.kind.as_str(), x.label))
        .unwrap_or_default()
}

/// Kept images byte-identical: (images checked, all identical).
fn images(input: &[u8], out: &[u8], before: &InspectReport, p: &mut Vec<String>) -> (usize, bool) {
    let mut checked = 0;
    let mut identical = true;
    for i in before.images.iter().filter(|i| i.role != "stale") {
        checked += 1;
        let (s, e) = (i.offset as usize, i.end as usize);
        if input[s..e] != out[s..e] {
            identical = false;
            p.push(format!("image at 0x{s:x} changed"));
        }
    }
    (checked, identical)
}

/// Every checksum that was valid is still valid; every settings copy and SDK copy checks.
fn checksums(before: &InspectReport, after: &InspectReport, p: &mut Vec<String>) -> bool {
    let mut ok = true;
    for a in &after.images {
        if let Some(b) = before.images.iter().find(|b| b.offset == a.offset) {
            if b.checksum.valid && !a.checksum.valid {
                ok = false;
                p.push(format!(
                    "image checksum at 0x{:x} no longer valid",
                    a.offset
                ));
            }
        }
    }
    for c in after
        .settings
        .iter()
        .flat_map(|s| &s.copies)
        .filter(|c| !c.valid)
    {
        ok = false;
        p.push(format!(
            "Tasmota settings at 0x{:x} fail their checksum",
            c.offset
        ));
    }
    for t in &after.sdk {
        for c in t.copies.iter().filter(|c| !c.erased) {
            if c.checksum.is_some_and(|k| !k.valid) {
                ok = false;
                p.push(format!(
                    "SDK parameter copy at 0x{:x} fails its checksum",
                    c.offset
                ));
            }
        }
    }
    ok
}

/// Every file system still mounts; stock Shelly factory files are byte-identical.
fn filesystems(
    input: &[u8],
    out: &[u8],
    before: &InspectReport,
    after: &InspectReport,
    p: &mut Vec<String>,
) -> bool {
    let mut ok = true;
    for f in &before.filesystems {
        let Some(g) = after.filesystems.iter().find(|g| g.start == f.start) else {
            ok = false;
            p.push(format!("file system at 0x{:x} no longer found", f.start));
            continue;
        };
        for file in &g.files {
            let name = file.name.as_str();
            let keep = matches!(name, "hwinfo_struct.json" | "conf0.json")
                || name.ends_with(".gz")
                || name == "cert.pem";
            if f.fs_type == "littlefs" && !matches!(name, "/cfg.json" | "/wsec.json") {
                let a = crate::formats::fs::littlefs::read(input, &f.info, name);
                let b = crate::formats::fs::littlefs::read(out, &g.info, name);
                if a.is_some() && a != b {
                    ok = false;
                    p.push(format!(
                        "{name} in the file system at 0x{:x} changed",
                        f.start
                    ));
                }
            }
            if f.fs_type == "spiffs" && keep {
                let read = |data: &[u8], r: &crate::analysis::inspect::FsReport| {
                    r.entries
                        .iter()
                        .find(|e| e.name == name)
                        .map(|e| crate::formats::fs::spiffs::read_entry(data, &r.info, e))
                };
                let (a, b) = (read(input, f), read(out, g));
                if a != b {
                    ok = false;
                    p.push(format!(
                        "{name} in the file system at 0x{:x} changed",
                        f.start
                    ));
                }
            }
        }
    }
    ok
}

/// Identity or secret strings of the input left in the output.
fn residue(out: &[u8], after: &InspectReport, cands: &[Sensitive]) -> Vec<Residue> {
    let mut r = Vec::new();
    for s in cands {
        for at in find_all(out, &s.bytes) {
            r.push(Residue {
                offset: at as u64,
                key: s.key.clone(),
                class: s.class,
                region: region_of(after, at as u64),
            });
        }
    }
    r.sort_by_key(|r| r.offset);
    r
}

/// Re-inspect `out` and prove it against the input's analysis `before`.
pub(super) fn verify(
    input: &[u8],
    out: &[u8],
    before: &InspectReport,
    cands: &[Sensitive],
) -> Verification {
    let mut problems = Vec::new();
    let after = match inspect(out, &Options::default()) {
        Ok(a) => a,
        Err(e) => {
            return Verification {
                images_checked: 0,
                images_identical: false,
                checksums_valid: false,
                filesystems_consistent: false,
                firmware_unchanged: false,
                settings_kept: false,
                boot_config_unchanged: false,
                residue_candidates: cands.len(),
                residue: vec![],
                problems: vec![format!("the output cannot be inspected: {e}")],
            }
        }
    };
    let (images_checked, images_identical) = images(input, out, before, &mut problems);
    let checksums_valid = checksums(before, &after, &mut problems);
    let filesystems_consistent = filesystems(input, out, before, &after, &mut problems);
    let firmware_unchanged = before.firmware.kind == after.firmware.kind
        && before.firmware.version == after.firmware.version
        && before.firmware.model == after.firmware.model;
    if !firmware_unchanged {
        problems.push("the identified firmware changed".into());
    }
    let settings = kept::settings_problems(input, out, before, &after);
    let boot_config = kept::boot_config_problems(input, out, before);
    let (settings_kept, boot_config_unchanged) = (settings.is_empty(), boot_config.is_empty());
    problems.extend(settings);
    problems.extend(boot_config);
    let residue = residue(out, &after, cands);
    if !residue.is_empty() {
        problems.push(format!(
            "{} identity/secret strings of the input remain in the output",
            residue.len()
        ));
    }
    Verification {
        images_checked,
        images_identical,
        checksums_valid,
        filesystems_consistent,
        firmware_unchanged,
        settings_kept,
        boot_config_unchanged,
        residue_candidates: cands.len(),
        residue,
        problems,
    }
}
