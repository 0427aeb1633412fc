//! Findings about a dump's Tasmota settings: bad copies, no loadable copy, a `CFG_HOLDER` the
//! firmware will reject, settings from another version, pending quick power cycles.

use super::image::TasmotaImage;
use super::settings::{version_string, Scan};
use crate::formats::flash::SECTOR_SIZE;
use crate::formats::tasmota::consts as c;
use crate::report::Finding;

/// Quick power cycles after which Tasmota erases its settings (`SetOption65 0`).
const QPC_RESET_AT: usize = 7;

/// Count the quick power cycles recorded in a QPC sector: zero words after the magic.
pub fn qpc_count(sector: &[u8]) -> usize {
    sector
        .get(4..SECTOR_SIZE.min(sector.len()))
        .unwrap_or(&[])
        .chunks_exact(4)
        .take_while(|w| *w == [0, 0, 0, 0])
        .count()
}

/// Findings for the settings scan of `data`, checked against the firmware image if known.
pub fn findings(data: &[u8], scan: &Scan, image: Option<&TasmotaImage>) -> Vec<Finding> {
    let mut out = Vec::new();
    for k in &scan.copies {
        if !k.valid {
            let which = if k.version >= c::CRC32_CHECKED_FIRST {
                "cfg_crc32"
            } else {
                "cfg_crc"
            };
            out.push(Finding::warning(
                "tasmota_settings_bad_checksum",
                Some(k.offset),
                format!(
                    "settings copy (version {}, save_flag {}) fails its {which} check; Tasmota ignores it",
                    k.version_str, k.save_flag
                ),
            ));
        }
    }
    if !scan.copies.is_empty() && scan.newest.is_none() {
        out.push(Finding::error(
            "tasmota_no_valid_settings",
            scan.copies.first().map(|k| k.offset),
            "no settings copy is loadable; Tasmota will start with defaults",
        ));
    }
    if let Some(k) = scan.newest_copy() {
        if let Some(h) = image.and_then(|i| i.cfg_holder) {
            if h != k.cfg_holder {
                out.push(Finding::warning(
                    "tasmota_cfg_holder_mismatch",
                    Some(k.offset),
                    format!(
                        "settings carry cfg_holder {}, the firmware was built with {h}: it will load defaults",
                        k.cfg_holder
                    ),
                ));
            }
        }
        if let Some(v) = image.and_then(|i| i.version_raw) {
            if v != k.version {
                let (code, how) = if k.version > v {
                    ("tasmota_settings_newer_than_firmware", "a newer firmware")
                } else {
                    (
                        "tasmota_settings_older_than_firmware",
                        "an older firmware; migrated on next boot",
                    )
                };
                out.push(Finding::info(
                    code,
                    Some(k.offset + c::OFF_VERSION as u64),
                    format!(
                        "settings were written by {} ({how}); the image is {}",
                        k.version_str,
                        version_string(v)
                    ),
                ));
            }
        }
    }
    for &q in &scan.qpc {
        let n = usize::try_from(q)
            .ok()
            .and_then(|o| data.get(o..o.checked_add(SECTOR_SIZE)?))
            .map_or(0, qpc_count);
        if n > 0 {
            out.push(Finding::info(
                "tasmota_quick_power_cycles",
                Some(q),
                format!(
                    "{n} quick power cycle(s) counted; at {QPC_RESET_AT} Tasmota erases its settings"
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::tasmota::builder::{place, qpc_sector, SettingsBuilder};
    use crate::formats::tasmota::scan;

    #[test]
    fn qpc_counts_zero_words() {
        assert_eq!(qpc_count(&qpc_sector(0)), 0);
        assert_eq!(qpc_count(&qpc_sector(3)), 3);
        assert_eq!(qpc_count(&[1, 2]), 0);
    }

    #[test]
    fn findings_for_a_problem_dump() {
        let mut d = vec![0xFFu8; 1 << 20];
        let mut bad = SettingsBuilder::new(0x0C01_0106).build();
        bad[0x400] ^= 1;
        place(&mut d, 0xFA000, &bad);
        place(&mut d, 0xF3000, &qpc_sector(2));
        let s = scan(&d);
        let f = findings(&d, &s, None);
        let codes: Vec<&str> = f.iter().map(|x| x.code).collect();
        assert_eq!(
            codes,
            [
                "tasmota_settings_bad_checksum",
                "tasmota_no_valid_settings",
                "tasmota_quick_power_cycles"
            ]
        );
        assert_eq!(f[0].offset, Some(0xFA000));
        assert!(f[2].message.starts_with("2 quick power cycle(s)"));

        let mut d = vec![0xFFu8; 1 << 20];
        place(&mut d, 0xFB000, &SettingsBuilder::new(0x0C01_0106).build());
        let s = scan(&d);
        let img = TasmotaImage {
            version: Some("12.1.1.6".into()),
            version_raw: Some(0x0C01_0106),
            evidence_offset: None,
            evidence_text: None,
            cfg_holder: Some(4612),
            core_version: None,
            sdk_version: None,
            build_date: None,
            gzipped: false,
            evidence: vec![],
        };
        let f = findings(&d, &s, Some(&img));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "tasmota_cfg_holder_mismatch");
        let img = TasmotaImage {
            cfg_holder: Some(4617),
            version_raw: Some(0x0E00_0000),
            ..img
        };
        let f = findings(&d, &s, Some(&img));
        assert_eq!(f[0].code, "tasmota_settings_older_than_firmware");
        assert_eq!(f[0].offset, Some(0xFB008));
    }
}
