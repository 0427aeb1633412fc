//! The file-system pass: SPIFFS and LittleFS images, their boot-config slots and files.

use super::ctx::Ctx;
use super::report::{FileReport, FsReport, RegionKind};
use crate::analysis::claims::ClaimStrength::Checksummed;
use crate::formats::rboot::RbootConfig;
use crate::report::Finding;

/// Detect and list file systems; claim them.
pub(super) fn filesystems(cx: &mut Ctx) {
    cx.filesystems = list(cx.data, cx.boot_config.as_ref());
    stale_stock_fs(cx);
    for f in &cx.filesystems {
        let slot = f.slot.map(|s| format!(" fs{s}")).unwrap_or_default();
        let live = match f.live {
            Some(true) => " (live)",
            Some(false) if f.slot.is_none() => " (stale)",
            Some(false) => " (inactive)",
            None => "",
        };
        let geo = if f.fs_type == "spiffs" {
            format!(
                "{} KiB blocks, {} B pages",
                f.block_size / 1024,
                f.page_size
            )
        } else {
            format!("{} KiB blocks", f.block_size / 1024)
        };
        cx.claims.add(
            f.start as usize,
            f.end as usize,
            RegionKind::Filesystem,
            format!(
                "{}{slot}{live}, {geo}, {} files",
                f.fs_type.to_uppercase().replace("LITTLEFS", "LittleFS"),
                f.files.len()
            ),
            "filesystem",
            Checksummed,
        );
        if f.deleted_pages_with_data > 0 {
            cx.findings.push(Finding::info(
                "fs_deleted_data",
                Some(f.start),
                format!(
                    "{} at 0x{:x}: {} deleted pages still hold readable data",
                    f.fs_type, f.start, f.deleted_pages_with_data
                ),
            ));
        }
    }
}

/// A stock Shelly file system under other firmware (Tasmota flashed over stock) belongs to the
/// earlier firmware: stale, not live, whatever its contents say. The running firmware's profile
/// says which file systems it keeps.
fn stale_stock_fs(cx: &mut Ctx) {
    if cx.running.is_none() {
        return;
    }
    let profile = crate::analysis::profile::by_kind(cx.firmware.kind);
    for f in &mut cx.filesystems {
        if f.live.is_none() && f.stock_shelly && !profile.is_some_and(|p| p.keeps_filesystem(f)) {
            f.live = Some(false);
            cx.findings.push(Finding::info(
                "stale_filesystem",
                Some(f.start),
                format!(
                    "the stock Shelly file system at 0x{:x} is left from the firmware before {}; not live",
                    f.start,
                    cx.firmware.kind.as_str()
                ),
            ));
        }
    }
}

/// Detect file systems, attach boot-config slots and list files.
fn list(data: &[u8], bc: Option<&RbootConfig>) -> Vec<FsReport> {
    let mut found = crate::formats::fs::detect_all(data);
    if let Some(bc) = bc {
        for (&a, &n) in bc.fs_addresses.iter().zip(&bc.fs_sizes) {
            let (a, n) = (a as usize, n as usize);
            if a > 0 && a < data.len() && !found.iter().any(|f| f.start <= a && a < f.end) {
                if let Some(f) = crate::formats::fs::probe_at(data, a, Some(a + n)) {
                    found.push(f);
                }
            }
        }
        found.sort_by_key(|f| f.start);
    }
    found
        .into_iter()
        .map(|info| {
            let slot = bc
                .and_then(|b| {
                    b.fs_addresses
                        .iter()
                        .position(|&a| a as usize == info.start)
                })
                .map(|s| s as u8);
            let live = match (bc, slot) {
                (Some(b), Some(s)) => Some(s == b.current_rom),
                _ => None,
            };
            let entries = match info.kind {
                crate::formats::fs::FsKind::Spiffs => crate::formats::fs::spiffs::list(data, &info),
                crate::formats::fs::FsKind::Littlefs => Vec::new(),
            };
            let (files, deleted): (Vec<FileReport>, u64) = match info.kind {
                crate::formats::fs::FsKind::Spiffs => (
                    entries
                        .iter()
                        .map(|f| FileReport {
                            name: f.name.clone(),
                            size: f.size as u64,
                        })
                        .collect(),
                    crate::formats::fs::spiffs::deleted_stats(data, &info).with_data as u64,
                ),
                crate::formats::fs::FsKind::Littlefs => (
                    crate::formats::fs::littlefs::list(data, &info)
                        .into_iter()
                        .filter(|e| !e.is_dir)
                        .map(|e| FileReport {
                            name: e.path,
                            size: e.size as u64,
                        })
                        .collect(),
                    0,
                ),
            };
            let stock_shelly = info.kind == crate::formats::fs::FsKind::Spiffs
                && crate::formats::shelly::is_stock_listing(&entries);
            FsReport {
                start: info.start as u64,
                end: info.end as u64,
                fs_type: info.kind.as_str(),
                block_size: info.block_size as u64,
                page_size: info.page_size as u64,
                slot,
                live,
                files,
                deleted_pages_with_data: deleted,
                stock_shelly,
                info,
                entries,
            }
        })
        .collect()
}
