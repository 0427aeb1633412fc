//! The summary of each input ([`Side`]: size, running firmware, boot loader, firmware per app
//! slot) and the changes between them: firmware per slot, which slot runs, boot loader.

use crate::analysis::diff::model::{describe_fw, Area, SemanticChange, Side, SlotFirmware};
use crate::analysis::firmware::{self, Scope};
use crate::analysis::inspect::{ImageReport, InspectReport};
use serde_json::Value;
use std::collections::BTreeSet;

fn is_app(i: &ImageReport) -> bool {
    i.role == "app" || i.role == "app_slot"
}

fn slot_name(r: &InspectReport, offset: u64) -> String {
    if let Some(bc) = &r.boot_config {
        if let Some(i) = bc.roms.iter().position(|&x| x as u64 == offset) {
            return format!("slot {i}");
        }
    }
    "app".to_string()
}

/// The summary of one input.
pub fn side(data: &[u8], r: &InspectReport) -> Side {
    let slots = r
        .images
        .iter()
        .filter(|i| is_app(i))
        .map(|img| {
            let running = r.firmware.app_offset == Some(img.offset);
            let fw = if running {
                r.firmware.clone()
            } else {
                let scope = Scope {
                    start: img.offset as usize,
                    end: img.end as usize,
                    app_offset: Some(img.offset as usize),
                    arduino_layout: r.bootloader.kind
                        == crate::formats::bootloader::BootKind::Eboot,
                    loader_only: false,
                    raw_irom: None,
                };
                firmware::identify(data, &scope, &r.bootloader)
            };
            SlotFirmware {
                name: slot_name(r, img.offset),
                offset: img.offset,
                running,
                kind: fw.kind,
                version: fw.version,
                model: fw.model,
            }
        })
        .collect();
    let fw = &r.firmware;
    Side {
        size: r.size,
        firmware: describe_fw(fw.kind, fw.version.as_deref(), fw.model.as_deref()),
        bootloader: describe_fw_boot(r),
        active_slot: r.boot_config.as_ref().map(|b| b.current_rom),
        slots,
    }
}

fn describe_fw_boot(r: &InspectReport) -> String {
    let b = &r.bootloader;
    match &b.version {
        Some(v) => format!("{} {v}", b.kind.as_str()),
        None => b.kind.as_str().to_string(),
    }
}

/// Running firmware, firmware per slot, which slot runs, boot loader kind and version.
pub(crate) fn changes(
    ra: &InspectReport,
    rb: &InspectReport,
    sa: &Side,
    sb: &Side,
    out: &mut Vec<SemanticChange>,
) {
    if sa.firmware != sb.firmware {
        out.push(
            SemanticChange::new(Area::Firmware, "running firmware", "firmware").values(
                Some(sa.firmware.clone().into()),
                Some(sb.firmware.clone().into()),
            ),
        );
    }
    let offsets: BTreeSet<u64> = sa.slots.iter().chain(&sb.slots).map(|s| s.offset).collect();
    for off in offsets {
        let x = sa.slots.iter().find(|s| s.offset == off);
        let y = sb.slots.iter().find(|s| s.offset == off);
        let name = x.or(y).map(|s| s.name.clone()).unwrap_or_default();
        let source = format!("{name} (0x{off:06x})");
        let (dx, dy) = (x.map(SlotFirmware::describe), y.map(SlotFirmware::describe));
        if dx != dy {
            out.push(
                SemanticChange::new(Area::Firmware, source.clone(), "firmware")
                    .values(dx.map(Value::from), dy.map(Value::from)),
            );
        }
        let (rx, ry) = (x.map(|s| s.running), y.map(|s| s.running));
        if let (Some(p), Some(q)) = (rx, ry) {
            if p != q {
                out.push(
                    SemanticChange::new(Area::Firmware, source, "running")
                        .values(Some(p.into()), Some(q.into())),
                );
            }
        }
    }
    let (ba, bb) = (describe_fw_boot(ra), describe_fw_boot(rb));
    if ba != bb {
        out.push(
            SemanticChange::new(Area::Bootloader, "boot loader", "kind and version")
                .values(Some(ba.into()), Some(bb.into())),
        );
    }
}
