//! Areas the boot data fixes: the ROM and file-system slots of an rBoot config (Mongoose OS keeps
//! both file-system slots there, one per ROM), and the entries of an RTOS SDK partition table.

use super::{Area, AreaRole};
use crate::formats::partition::PartitionTable;
use crate::formats::rboot::{RbootConfig, RbootLayout};

/// Clip `[start, start + len)` to the input; `None` when empty or outside it.
fn clip(start: u64, len: u64, dump_size: usize) -> Option<(u64, u64)> {
    let end = start.checked_add(len)?.min(dump_size as u64);
    (len > 0 && start < end).then_some((start, end))
}

/// ROM slots (from the ROM address, as long as the boot config's ROM size says, when it says)
/// and file-system slots of an rBoot config, for an input of `dump_size` bytes.
pub fn boot_config_areas(bc: &RbootConfig, flash_size: u64, dump_size: usize) -> Vec<Area> {
    let owner = match bc.layout {
        RbootLayout::Mgos => "mgos-rboot",
        RbootLayout::Raburton => "rboot",
    };
    let active = |i: usize| {
        if i == usize::from(bc.current_rom) {
            ", current"
        } else {
            ""
        }
    };
    let mut out = Vec::new();
    for (i, &rom) in bc.roms.iter().enumerate().take(usize::from(bc.count)) {
        let len = bc.rom_sizes.get(i).copied().unwrap_or(0);
        if let Some((start, end)) = clip(u64::from(rom), u64::from(len), dump_size) {
            out.push(Area {
                start,
                end,
                role: AreaRole::App,
                owner,
                flash_size,
                label: format!("app slot {i}{} (boot config)", active(i)),
            });
        }
    }
    for (i, (&a, &n)) in bc.fs_addresses.iter().zip(&bc.fs_sizes).enumerate() {
        if a == 0 || a == u32::MAX {
            continue;
        }
        if let Some((start, end)) = clip(u64::from(a), u64::from(n), dump_size) {
            out.push(Area {
                start,
                end,
                role: AreaRole::Filesystem,
                owner,
                flash_size,
                label: format!("file system slot fs{i}{} (boot config)", active(i)),
            });
        }
    }
    out
}

/// Every entry of an RTOS SDK partition table inside the input: app entries, `phy_init` (PHY
/// init data), `spiffs`/`fat` (file systems), everything else as data.
pub fn partition_areas(pt: &PartitionTable, flash_size: u64, dump_size: usize) -> Vec<Area> {
    pt.entries
        .iter()
        .filter_map(|p| {
            let (start, end) = clip(u64::from(p.offset), u64::from(p.size), dump_size)?;
            let role = match p.kind_name() {
                "app" => AreaRole::App,
                "phy_init" => AreaRole::PhyInit,
                "spiffs" | "fat" => AreaRole::Filesystem,
                _ => AreaRole::Data,
            };
            Some(Area {
                start,
                end,
                role,
                owner: "rtos-partitions",
                flash_size,
                label: format!("partition {} ({})", p.label, p.kind_name()),
            })
        })
        .collect()
}
