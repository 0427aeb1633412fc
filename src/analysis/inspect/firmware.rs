//! Passes about the firmware: identification (before the layout, so the layout can follow it),
//! the firmware's own areas (Tasmota settings), the final kind, and the decoded configuration.

use super::ctx::Ctx;
use super::report::RegionKind;
use crate::analysis::claims::ClaimStrength::Checksummed;
use crate::analysis::firmware::{self, Firmware, FirmwareKind, Scope};
use crate::formats::flash::SECTOR_SIZE;
use crate::report::Finding;

/// What the passes found, as the profiles see it (borrows only the fields it names).
macro_rules! found {
    ($cx:expr) => {
        crate::analysis::profile::Found {
            data: $cx.data,
            settings: &$cx.tscan,
            filesystems: &$cx.filesystems,
            claims: &$cx.claims,
        }
    };
}

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
    cx.firmware = firmware::identify(cx.data, &scope(cx), &cx.boot);
}

/// Tasmota settings copies and power-cycle sectors: checksummed structures of their own.
pub(super) fn settings(cx: &mut Ctx) {
    cx.tscan = crate::formats::tasmota::scan(cx.data);
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

/// The identified firmware's own areas in the layout (asked once file systems and settings
/// copies are known, so a firmware can tell its build's variant from them).
pub(super) fn areas(cx: &mut Ctx) {
    if let Some(p) = crate::analysis::profile::by_kind(cx.firmware.kind) {
        let found = found!(cx);
        let areas = p.areas(&cx.layout, &found);
        cx.layout.add_areas(areas);
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
    if let Some(p) = crate::analysis::profile::by_kind(cx.firmware.kind) {
        let found = found!(cx);
        p.finish(&mut cx.firmware, &found);
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

/// Decoded configuration: every profile decodes what is its own (settings copies, file systems),
/// then the SDK parameters.
pub(super) fn config(cx: &mut Ctx) {
    let found = found!(cx);
    for p in crate::analysis::profile::REGISTRY {
        let (sections, findings) = p.config(&found);
        cx.config.extend(sections);
        cx.findings.extend(findings);
    }
    cx.config.extend(
        cx.tails
            .iter()
            .filter(|t| t.size_source != "stale")
            .flat_map(|t| t.copies.iter().filter(|c| !c.erased).map(|c| c.config()))
            .filter(|s| !s.items.is_empty()),
    );
}
