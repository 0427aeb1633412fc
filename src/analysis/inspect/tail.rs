//! Passes over the flash layout: decide it (boot data, boot loader, firmware, contents), then the
//! SDK tail in the layout's arrangement, and SDK sectors an earlier firmware left at a smaller
//! flash size.

use super::ctx::Ctx;
use super::report::RegionKind;
use crate::analysis::claims::ClaimStrength::{Checksummed, Content, Position};
use crate::analysis::layout::{self, Facts};
use crate::formats::flash;
use crate::formats::flash::SECTOR_SIZE;
use crate::formats::sdk::{self, SdkTail, TailLayout};
use crate::report::{size_str, Finding};

/// Decide the layout and add the areas its boot data fixes (boot config slots, partitions).
pub(super) fn layout(cx: &mut Ctx) {
    let profile = crate::analysis::profile::by_kind(cx.firmware.kind);
    let facts = Facts {
        dump_size: cx.data.len(),
        header_size: cx.header_flash_size,
        partition_table: cx.ptable.is_some(),
        boot_config: cx.boot_config.as_ref().map(|b| b.layout),
        boot: cx.boot.kind,
        raw_irom: cx.irom.is_some() && cx.running.as_ref().is_some_and(|r| r.offset == 0),
        firmware: (cx.firmware.kind, profile.and_then(|p| p.layout())),
    };
    cx.layout = layout::decide(&facts);
    let n = cx.data.len();
    let size = cx.layout.flash_sizes.first().map_or(n as u64, |f| f.size);
    let mut areas = Vec::new();
    if let Some(bc) = &cx.boot_config {
        areas.extend(layout::boot_config_areas(bc, size, n));
    }
    if let Some(pt) = &cx.ptable {
        areas.extend(layout::partition_areas(pt, size, n));
    }
    cx.layout.add_areas(areas);
}

/// The SDK tail at the header's and the dump's flash size, arranged as the layout says.
pub(super) fn sdk_tail(cx: &mut Ctx) {
    let data = cx.data;
    cx.tails = sdk::find(data, cx.header_flash_size, cx.layout.kind.tail());
    let owner = cx.layout.kind.as_str();
    for t in &cx.tails {
        claim_tail(&mut cx.claims, t, owner);
        cx.findings.extend(t.findings.iter().cloned());
    }
    stale_tails(cx);
    if let Some(h) = cx.header_flash_size {
        if h != data.len() && data.len() >= flash::MIN_FLASH && data.len().is_power_of_two() {
            cx.findings.push(Finding::info(
                "header_size_differs",
                Some(3),
                format!(
                    "header at 0x0 says {} flash, the input is {}",
                    size_str(h as u64),
                    size_str(data.len() as u64)
                ),
            ));
        }
    }
}

fn claim_tail(claims: &mut crate::analysis::claims::Claims, t: &SdkTail, owner: &'static str) {
    let size = t.flash_size as usize;
    let src = if t.size_source == "header" {
        "header size"
    } else {
        "dump size"
    };
    let empty = if t.rf_cal_present { "" } else { ", empty" };
    let rf = t.rf_cal_offset as usize;
    claims.add(
        rf,
        rf + SECTOR_SIZE,
        RegionKind::Sdk,
        format!("SDK RF calibration{empty} ({src})"),
        owner,
        Position,
    );
    match t.layout {
        TailLayout::Sdk => claims.add(
            size - sdk::PHY_FROM_END,
            size - sdk::PARAM0_FROM_END,
            RegionKind::Sdk,
            format!("SDK PHY init data ({src})"),
            owner,
            Position,
        ),
        TailLayout::Arduino => claims.add(
            size - sdk::RF_CAL_FROM_END,
            size - sdk::PHY_FROM_END,
            RegionKind::Eeprom,
            format!("EEPROM sector ({src})"),
            owner,
            Position,
        ),
    }
    for c in &t.copies {
        let state = if c.erased {
            "erased"
        } else if c.active {
            "current"
        } else {
            "previous"
        };
        claims.add(
            c.offset as usize,
            c.offset as usize + SECTOR_SIZE,
            RegionKind::Sdk,
            format!("SDK system params copy {} ({state})", c.index),
            "sdk",
            Position,
        );
    }
    let current = t
        .flag
        .as_ref()
        .map(|f| format!(", copy {} current", f.current))
        .unwrap_or_default();
    claims.add(
        size - sdk::FLAG_FROM_END,
        size,
        RegionKind::Sdk,
        format!("SDK system params flag{current}"),
        "sdk",
        if t.flag.is_some() {
            Checksummed
        } else {
            Position
        },
    );
}

/// SDK sectors at a smaller flash size than the layout's (a 1 MB stock firmware's tail on a
/// 2 MB chip now running with a 2 MB header): stale. The parameter copies and the flag are
/// claimed (and cleaned by sanitize); the RF calibration position is not, since the current
/// layout may use that sector (Tasmota's EEPROM slot 0xFB000 is the 1 MB tail's RF cal).
fn stale_tails(cx: &mut Ctx) {
    let data = cx.data;
    let smallest = cx
        .layout
        .flash_sizes
        .iter()
        .map(|f| f.size as usize)
        .min()
        .unwrap_or(data.len());
    let mut size = flash::MIN_FLASH;
    while size < smallest && size <= data.len() {
        if let Some(mut t) = sdk::probe(data, size, "stale", None) {
            t.findings.clear();
            let phy = size - sdk::PHY_FROM_END;
            if t.phy_init_offset.is_some() && !cx.claims.covers(phy) {
                cx.claims.add(
                    phy,
                    phy + SECTOR_SIZE,
                    RegionKind::Sdk,
                    format!("stale SDK PHY init data ({} layout)", size_str(size as u64)),
                    "stale-sdk",
                    Content,
                );
            }
            for c in t.copies.iter().filter(|c| !c.erased) {
                let o = c.offset as usize;
                cx.claims.add(
                    o,
                    o + SECTOR_SIZE,
                    RegionKind::Sdk,
                    format!(
                        "stale SDK system params copy {} ({} layout)",
                        c.index,
                        size_str(size as u64)
                    ),
                    "stale-sdk",
                    Content,
                );
            }
            if let Some(f) = &t.flag {
                let o = f.offset as usize;
                cx.claims.add(
                    o,
                    o + SECTOR_SIZE,
                    RegionKind::Sdk,
                    format!(
                        "stale SDK parameter flag ({} layout)",
                        size_str(size as u64)
                    ),
                    "stale-sdk",
                    Content,
                );
            }
            cx.findings.push(Finding::info(
                "stale_sdk_tail",
                Some((size - sdk::PHY_FROM_END) as u64),
                format!(
                    "SDK sectors of a {} layout below 0x{size:x} are left from an earlier firmware (the layout's flash size is {})",
                    size_str(size as u64),
                    size_str(smallest as u64)
                ),
            ));
            cx.tails.push(t);
        }
        size *= 2;
    }
}
