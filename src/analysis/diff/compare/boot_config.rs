//! The rBoot config: active slot, slot and file-system addresses, mode, boot attempts.

use crate::analysis::diff::model::{Area, SemanticChange};
use crate::analysis::inspect::InspectReport;
use serde_json::Value;

/// Field by field when both inputs have a boot config; present or not otherwise.
pub(crate) fn changes(ra: &InspectReport, rb: &InspectReport, out: &mut Vec<SemanticChange>) {
    match (&ra.boot_config, &rb.boot_config) {
        (Some(x), Some(y)) => {
            let src = format!("boot config @0x{:x}", y.offset);
            let mut field = |key: &str, p: Value, q: Value| {
                if p != q {
                    out.push(
                        SemanticChange::new(Area::BootConfig, src.clone(), key)
                            .values(Some(p), Some(q)),
                    );
                }
            };
            field("active slot", x.current_rom.into(), y.current_rom.into());
            field("offset", x.offset.into(), y.offset.into());
            let hexes = |v: &[u32]| -> Value {
                v.iter()
                    .map(|a| format!("0x{a:x}"))
                    .collect::<Vec<_>>()
                    .into()
            };
            field("slots", hexes(&x.roms), hexes(&y.roms));
            field(
                "fs addresses",
                hexes(&x.fs_addresses),
                hexes(&y.fs_addresses),
            );
            field("mode", x.mode.into(), y.mode.into());
            field(
                "previous slot",
                x.previous_rom.into(),
                y.previous_rom.into(),
            );
            field("first boot", x.is_first_boot.into(), y.is_first_boot.into());
            field(
                "boot attempts",
                x.boot_attempts.into(),
                y.boot_attempts.into(),
            );
            field("fw updated", x.fw_updated.into(), y.fw_updated.into());
        }
        (None, None) => {}
        (x, y) => {
            let d = |b: &crate::formats::rboot::RbootConfig| -> Value {
                format!("@0x{:x}, active slot {}", b.offset, b.current_rom).into()
            };
            out.push(
                SemanticChange::new(Area::BootConfig, "boot config", "boot config")
                    .values(x.as_ref().map(d), y.as_ref().map(d)),
            );
        }
    }
}
