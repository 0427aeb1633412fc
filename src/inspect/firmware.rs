//! Passes about the firmware: identification (before the layout, so the layout can follow it),
//! the firmware's own areas (Tasmota settings), the final kind, and the decoded configuration.

use super::ctx::Ctx;
use super::report::RegionKind;
use crate::claims::ClaimStrength::Checksummed;
use crate::consts::SECTOR_SIZE;
use crate::identify::{self, Evidence, Firmware, FirmwareKind, Scope};
use crate::report::Finding;

/// The running app's scope, for the profiles.
fn scope(cx: &Ctx) -> Scope {
    let (start, end, app_offset) = match (&cx.running, cx.irom) {
        (Some(r), Some((_, irom_end))) => (r.offset, irom_end, Some(r.offset)),
        (Some(r), None) => (r.offset, r.end, Some(r.offset)),
        (None, _) => (0, cx.data.len(), None),
    };
    Scope {
        start,
        end,
        app_offset,
        arduino_layout: cx.arduino_layout,
        loader_only: false,
        raw_irom: cx.irom.filter(|_| app_offset == Some(0)).map(|i| i.0),
    }
}

/// Every profile scores the running app; the vote decides.
pub(super) fn identify(cx: &mut Ctx) {
    cx.firmware = identify::identify(cx.data, &scope(cx), &cx.boot);
}

/// Tasmota settings copies and power-cycle sectors: checksummed structures of their own.
pub(super) fn settings(cx: &mut Ctx) {
    cx.tscan = crate::tasmota::scan(cx.data);
    for c in &cx.tscan.copies {
        let state = if c.newest {
            " (newest)"
        } else if c.valid {
            ""
        } else {
            " (bad checksum)"
        };
        cx.claims.add(
            c.offset as usize,
            c.offset as usize + SECTOR_SIZE,
            RegionKind::Settings,
            format!(
                "Tasmota settings {} save {}{state}",
                c.version_str, c.save_flag
            ),
            "tasmota",
            Checksummed,
        );
    }
    for &q in &cx.tscan.qpc {
        cx.claims.add(
            q as usize,
            q as usize + SECTOR_SIZE,
            RegionKind::Settings,
            "Tasmota power-cycle counter",
            "tasmota",
            Checksummed,
        );
    }
}

/// After the map: a lone boot loader or a data-only input is `none`; Tasmota's version comes
/// from its newest settings copy.
pub(super) fn finish(cx: &mut Ctx) {
    let loader_only = cx.running.is_none()
        && cx.boot.kind.is_loader()
        && !cx.regions.iter().any(|r| {
            matches!(
                r.kind,
                RegionKind::Unknown | RegionKind::Irom | RegionKind::StaleImage
            )
        });
    if loader_only {
        let sdk = cx.firmware.sdk_version.take();
        let evidence = cx
            .firmware
            .evidence
            .iter()
            .filter(|e| Some(&e.text) == sdk.as_ref())
            .cloned()
            .collect();
        cx.firmware = Firmware {
            kind: FirmwareKind::None,
            sdk_version: sdk,
            evidence,
            ..Firmware::unknown()
        };
    }
    if cx.firmware.kind == FirmwareKind::Tasmota {
        tasmota_version(cx);
    }
    let data_only = cx.regions.iter().all(|r| {
        matches!(
            r.kind,
            RegionKind::Filesystem
                | RegionKind::Erased
                | RegionKind::Sdk
                | RegionKind::Settings
                | RegionKind::Padding
        )
    });
    let nothing =
        cx.firmware.kind == FirmwareKind::Unknown && cx.running.is_none() && cx.img0.is_none();
    if nothing && data_only {
        // A file-system image, a settings or SDK sector dump: data without an application.
        cx.firmware.kind = FirmwareKind::None;
    }
    if cx.firmware.kind == FirmwareKind::Unknown
        && cx.running.is_none()
        && !cx.boot.kind.is_loader()
        && cx.img0.is_none()
    {
        cx.findings.push(Finding::info(
            "no_image_at_0",
            Some(0),
            "no ESP8266 image header at offset 0",
        ));
    }
    if cx.firmware.kind == FirmwareKind::Unknown && cx.firmware.candidates.len() > 1 {
        let names: Vec<&str> = cx
            .firmware
            .candidates
            .iter()
            .map(|c| c.kind.as_str())
            .collect();
        cx.findings.push(Finding::info(
            "firmware_ambiguous",
            cx.firmware.app_offset,
            format!("firmware evidence is a tie between {}", names.join(", ")),
        ));
    }
}

/// Tasmota's version: the newest valid settings copy if any (it equals the running firmware
/// after the first boot), else what the image carries (the profile's answer).
fn tasmota_version(cx: &mut Ctx) {
    let fw = &mut cx.firmware;
    if let Some(c) = cx.tscan.newest_copy() {
        fw.version = Some(c.version_str.clone());
        fw.evidence.insert(
            1.min(fw.evidence.len()),
            Evidence {
                offset: c.offset + 8,
                text: format!("settings version {} (save {})", c.version_str, c.save_flag),
            },
        );
    }
}

/// Decoded configuration: Tasmota copies, stock Shelly file systems, SDK parameters.
pub(super) fn config(cx: &mut Ctx) {
    let data = cx.data;
    for c in &cx.tscan.copies {
        let block = &data[c.offset as usize..c.offset as usize + SECTOR_SIZE];
        match crate::tasmota::decode_at(block, c.offset) {
            Ok(d) => {
                cx.findings.extend(d.findings.iter().cloned());
                cx.config.push(d.section(
                    format!(
                        "tasmota settings @0x{:06x} ({}, save {}{})",
                        c.offset,
                        d.version_str,
                        c.save_flag,
                        if c.newest { ", newest" } else { "" }
                    ),
                    c.newest,
                ));
            }
            Err(e) if c.newest => cx.findings.push(Finding::warning(
                "tasmota_settings_unsupported",
                Some(c.offset),
                e.to_string(),
            )),
            Err(_) => {}
        }
    }
    for f in &cx.filesystems {
        if f.stock_shelly {
            if let Some(sh) = crate::shelly::decode(data, &f.info, f.live.unwrap_or(true)) {
                cx.findings.extend(sh.findings.iter().cloned());
                cx.config.extend(sh.sections.iter().cloned());
            }
        }
    }
    cx.config.extend(
        cx.tails
            .iter()
            .filter(|t| t.size_source != "stale")
            .flat_map(|t| t.copies.iter().filter(|c| !c.erased).map(|c| c.config()))
            .filter(|s| !s.items.is_empty()),
    );
}
