//! A Tasmota `.dmp` as a first-class input: its `inspect` report, its sanitising (a `.dmp` in, a
//! `.dmp` out) and its extraction plan. Recognition and the codec live in [`crate::formats::tasmota::dmp`]; the
//! commands call these when [`crate::formats::tasmota::dmp::detect`] recognises the input, whatever its name.

use crate::analysis::diff::policy::TASMOTA_SOURCE;
use crate::analysis::extract::Item;
use crate::analysis::firmware::{Evidence, Firmware, FirmwareKind};
use crate::analysis::inspect::{InspectReport, Region, RegionKind};
use crate::analysis::sanitize::{Policy, Residue, SanitizeReport, Verification};
use crate::formats::bootloader::{BootKind, Bootloader};
use crate::formats::tasmota::dmp::{detect, encode, to_bin, DmpFile, DmpForm};
use crate::formats::tasmota::settings::Scan;
use crate::formats::tasmota::KeepPolicy;
use crate::report::{Change, ConfigSection, Finding};
use serde::Serialize;

/// What `inspect` says about a `.dmp` input (absent for flash dumps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DmpReport {
    /// `plain` (the XORed block alone), `file_system` (`/.settings` entry header first), `block`
    /// (the block without XOR) or `decode_config_bin` (the block plus decode-config's magic).
    pub form: DmpForm,
    /// File length in bytes.
    pub size: u64,
    /// Settings block length inside (`sizeof(Settings)` of its version).
    pub block_size: u64,
    /// The block's `version`, dotted.
    pub version: String,
}

/// Region label of the whole `.dmp`.
const REGION: &str = "tasmota .dmp";

fn checksum_text(d: &DmpFile) -> &'static str {
    match (d.copy.crc32, d.copy.crc16) {
        (Some(_), _) => "cfg_crc32 valid",
        (None, Some(_)) => "cfg_crc valid",
        (None, None) => "no checksum in this version",
    }
}

/// How many rules (Rule1..Rule3 at 0x800) hold text: a plain string, or a compressed one (a NUL
/// then a length, as 8.x and later store long rules).
pub fn rules_set(block: &[u8], version: u32) -> usize {
    use crate::formats::tasmota::consts::{HEADER_V6, OFF_RULES, RULES_FIRST, RULE_LEN};
    let n = match version {
        v if v < RULES_FIRST => 0,
        v if v < HEADER_V6 => 1,
        _ => 3,
    };
    (0..n)
        .filter_map(|i| block.get(OFF_RULES + i * RULE_LEN..OFF_RULES + i * RULE_LEN + 2))
        .filter(|r| r[0] != 0 || r[1] != 0)
        .count()
}

/// Findings (the file, rules that hold text, decoding problems) and the decoded settings of a
/// `.dmp`.
fn dmp_config(d: &DmpFile) -> (Vec<ConfigSection>, Vec<Finding>) {
    let k = &d.copy;
    let mut findings = vec![Finding::info(
        "tasmota_dmp",
        Some(0),
        format!(
            "Tasmota settings file ({}): settings {} ({} bytes, save {}), {}",
            d.form.describe(),
            k.version_str,
            k.size,
            k.save_flag,
            checksum_text(d)
        ),
    )];
    let rules = rules_set(&d.block, k.version);
    if rules > 0 {
        findings.push(Finding::info(
            "tasmota_rules_kept",
            Some(crate::formats::tasmota::consts::OFF_RULES as u64),
            format!(
                "{rules} rule(s) hold text; sanitize keeps rules, which can name hosts or carry \
                 credentials (WebSend, Backlog): check them before sharing the file"
            ),
        ));
    }
    let mut config = Vec::new();
    match crate::formats::tasmota::decode::decode_at(&d.block, 0) {
        Ok(dec) => {
            findings.extend(dec.findings.iter().cloned());
            config.push(dec.section(
                format!(
                    "{TASMOTA_SOURCE} ({}, {}, save {})",
                    d.form.describe(),
                    dec.version_str,
                    k.save_flag
                ),
                true,
            ));
        }
        Err(e) => findings.push(Finding::warning(
            "tasmota_settings_unsupported",
            Some(0),
            e.to_string(),
        )),
    }
    (config, findings)
}

/// The firmware a `.dmp` names: the Tasmota version that wrote it.
fn dmp_firmware(d: &DmpFile) -> Firmware {
    let k = &d.copy;
    Firmware {
        kind: FirmwareKind::Tasmota,
        version: Some(k.version_str.clone()),
        model: None,
        sdk_version: None,
        app_offset: None,
        candidates: Vec::new(),
        evidence: vec![Evidence {
            offset: crate::formats::tasmota::consts::OFF_VERSION as u64,
            text: format!(
                "settings version {} in a {} (the firmware that wrote it)",
                k.version_str,
                d.form.describe()
            ),
        }],
    }
}

/// The `inspect` report of a recognised `.dmp` (`file_len` bytes, at `base_offset` of the file).
pub fn inspect_dmp(d: &DmpFile, file_len: usize, base_offset: u64) -> InspectReport {
    let k = &d.copy;
    let mut copy = k.clone();
    copy.newest = true;
    let (config, findings) = dmp_config(d);
    InspectReport {
        size: file_len as u64,
        base_offset,
        header_flash_size: None,
        firmware: dmp_firmware(d),
        layout: crate::analysis::layout::Layout {
            kind: crate::analysis::layout::LayoutKind::Unknown,
            flash_sizes: Vec::new(),
            evidence: Vec::new(),
            areas: Vec::new(),
        },
        bootloader: Bootloader {
            kind: BootKind::None,
            version: None,
            evidence_offset: None,
            evidence: None,
        },
        boot_config: None,
        partition_table: None,
        regions: vec![Region {
            start: 0,
            end: file_len as u64,
            kind: RegionKind::Settings,
            label: format!(
                "Tasmota settings ({}) {} save {}",
                d.form.describe(),
                k.version_str,
                k.save_flag
            ),
        }],
        images: Vec::new(),
        sdk: Vec::new(),
        filesystems: Vec::new(),
        settings: Some(Scan {
            copies: vec![copy],
            newest: Some(0),
            qpc: Vec::new(),
        }),
        config,
        findings,
        claims: Vec::new(),
        dmp: Some(DmpReport {
            form: d.form,
            size: file_len as u64,
            block_size: k.size as u64,
            version: k.version_str.clone(),
        }),
    }
}

/// The factory fields (module, GPIO map, template, calibration) of a block, by key.
fn factory(block: &[u8]) -> Vec<(String, String)> {
    crate::formats::tasmota::decode::decode_at(block, 0).map_or(Vec::new(), |d| {
        d.items
            .iter()
            .filter(|i| i.class == crate::report::Class::Factory)
            .map(|i| (i.key.clone(), i.value.to_string()))
            .collect()
    })
}

/// Every offset at which `needle` occurs in `hay`.
fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return Vec::new();
    }
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// Where each identity or secret value of the input is still found: in the plain block or in
/// the file bytes.
fn dmp_residue(cands: &[(String, Vec<u8>)], block: &[u8], out: &[u8]) -> Vec<Residue> {
    let mut residue = Vec::new();
    for (key, bytes) in cands {
        let name = key.split('[').next().unwrap_or(key);
        let class = crate::formats::tasmota::fields::meta(name).0;
        let hits = find_all(block, bytes)
            .into_iter()
            .map(|o| (o, "settings block"))
            .chain(find_all(out, bytes).into_iter().map(|o| (o, "file bytes")));
        for (o, region) in hits {
            residue.push(Residue {
                offset: o as u64,
                key: format!("tasmota .dmp {key}"),
                class,
                region: region.into(),
            });
        }
    }
    residue
}

/// Read the sanitised `.dmp` back and check it: checksum, version, factory fields, residue.
fn verify_dmp(d: &DmpFile, block: &[u8], out: &[u8], keep: &KeepPolicy) -> Verification {
    let cands = crate::formats::tasmota::sanitize::secrets_and_ids_except(&d.block, keep);
    let back = detect(out);
    let checksums_valid = back
        .as_ref()
        .is_some_and(|b| b.copy.valid && b.block == *block);
    let firmware_unchanged = back
        .as_ref()
        .is_some_and(|b| b.copy.version == d.copy.version);
    let factory_kept = factory(&d.block) == factory(block) && !factory(block).is_empty();
    let residue = dmp_residue(&cands, block, out);
    let mut problems = Vec::new();
    if !checksums_valid {
        problems.push("the output does not read back as a .dmp with a valid checksum".into());
    }
    if !factory_kept {
        problems.push("a factory field (module, GPIO, template, calibration) changed".into());
    }
    if !firmware_unchanged {
        problems.push("the output's settings version differs from the input's".into());
    }
    if !residue.is_empty() {
        problems.push(format!("{} identity/secret values remain", residue.len()));
    }
    Verification {
        images_checked: 0,
        images_identical: true,
        checksums_valid,
        filesystems_consistent: true,
        firmware_unchanged,
        settings_kept: firmware_unchanged && checksums_valid && factory_kept,
        boot_config_unchanged: true,
        residue_candidates: cands.len(),
        residue,
        problems,
    }
}

/// Sanitise a recognised `.dmp`: the settings recipe on the block, re-encoded in the same form.
/// Verified: the output reads back as a `.dmp` with a valid checksum and the same version, and
/// no identity or secret value of the input (minus what the policy keeps) is in the output,
/// neither in the plain block nor in the file bytes.
pub fn sanitize_dmp(
    file: &[u8],
    d: &DmpFile,
    policy: &Policy,
) -> crate::Result<(Vec<u8>, SanitizeReport)> {
    let keep = policy.tasmota();
    let mut block = d.block.clone();
    let mut changes = crate::formats::tasmota::sanitize::sanitize_block(&mut block, &keep, REGION)
        .map_err(|e| crate::Error::Refused(format!("Tasmota .dmp: {e}")))?;
    let out = encode(&block, d.form);
    if d.form == DmpForm::FileSystem && file.len() > out.len() {
        changes.push(Change {
            region: REGION.into(),
            start: out.len() as u64,
            end: file.len() as u64,
            what: "dropped the driver settings files after the block".into(),
            why: "not decoded: they could hold secrets".into(),
        });
    }
    let verification = verify_dmp(d, &block, &out, &keep);
    changes.sort_by_key(|c| (c.start, c.end));
    Ok((
        out,
        SanitizeReport {
            firmware: FirmwareKind::Tasmota.as_str().to_string(),
            version: Some(d.copy.version_str.clone()),
            recipe: "tasmota",
            policy: *policy,
            changes,
            verification,
        },
    ))
}

/// What `extract` writes for a `.dmp`: the plain block (as a flash slot holds it) and
/// decode-config's `.bin` (the plain block plus its magic).
pub fn extract_dmp(d: &DmpFile) -> Vec<Item> {
    let v = &d.copy.version_str;
    vec![
        Item {
            path: "tasmota/settings-dmp.bin".into(),
            source: format!("Tasmota settings {v} from the .dmp (plain, as a flash slot holds it)"),
            size: d.block.len() as u64,
            bytes: d.block.clone(),
        },
        {
            let b = to_bin(&d.block);
            Item {
                path: "tasmota/settings-dmp.decode-config.bin".into(),
                source: "Tasmota settings in decode-config's .bin form".into(),
                size: b.len() as u64,
                bytes: b,
            }
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_counted_by_version() {
        let mut b = vec![0u8; 0x1000];
        b[0x800..0x805].copy_from_slice(b"on x ");
        b[0xA00] = 0; // Rule2 compressed: NUL then a length
        b[0xA01] = 7;
        b[0xC00] = b'r'; // Rule3
        assert_eq!(rules_set(&b, 0x050C_0000), 0); // no rules before 5.13.1
        assert_eq!(rules_set(&b, 0x050E_0000), 1); // one rule in 5.13.1 .. 5.14
        assert_eq!(rules_set(&b, 0x0604_0100), 3);
        b[0xC00] = 0;
        assert_eq!(rules_set(&b, 0x0C03_0100), 2);
        assert_eq!(rules_set(&b[..0x900], 0x0C03_0100), 1); // short block: no panic
    }
}
