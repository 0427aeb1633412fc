//! Passes over the start of the flash: offset 0, boot data, application slots, raw IROM.

use super::ctx::{Ctx, Slot};
use super::report::RegionKind;
use crate::analysis::claims::ClaimStrength::{Checksummed, Content};
use crate::formats::bootloader::{self, BootKind};
use crate::formats::bootloader::{RAW_IROM_OFFSETS, SDK_USER2};
use crate::formats::flash::{ERASED, SECTOR_SIZE};
use crate::formats::image::consts as ic;
use crate::formats::image::{self, Image};
use crate::formats::rboot as bc;
use crate::formats::sdk as sc;
use crate::report::Finding;
use crate::{formats::partition, formats::rboot};

/// Offset 0: the image there, the header's flash size, the boot loader.
pub(super) fn offset0(cx: &mut Ctx) {
    let data = cx.data;
    cx.img0 = match data[0] {
        ic::MAGIC_V1 | ic::MAGIC_V2 => match image::parse(data, 0) {
            Ok(i) => Some(i),
            Err(e) => {
                cx.findings.push(Finding::error(
                    "image_unparseable",
                    Some(0),
                    format!("image at 0x0: {e}"),
                ));
                None
            }
        },
        _ => None,
    };
    cx.header_flash_size = cx
        .img0
        .as_ref()
        .filter(|i| i.image_version == 1)
        .and_then(|i| i.header.flash_size())
        .map(|(_, b)| b as usize);
    cx.boot = bootloader::identify(data, cx.img0.as_ref());
}

/// The rBoot config, else an RTOS SDK partition table.
pub(super) fn boot_data(cx: &mut Ctx) {
    let data = cx.data;
    cx.boot_config = rboot::find(data);
    if let Some(bc) = &cx.boot_config {
        let o = bc.offset as usize;
        let who = if bc.layout == rboot::RbootLayout::Mgos {
            "Mongoose OS"
        } else {
            "rBoot"
        };
        cx.claims.add(
            o,
            (o + SECTOR_SIZE).min(data.len()),
            RegionKind::BootConfig,
            format!("rBoot config ({who}), current slot {}", bc.current_rom),
            "boot-config",
            Checksummed,
        );
    }
    if cx.boot_config.is_none() {
        cx.ptable = partition::parse(data, data.len());
    }
    if let Some(pt) = &cx.ptable {
        let o = pt.offset as usize;
        cx.claims.add(
            o,
            o + SECTOR_SIZE.min(data.len() - o),
            RegionKind::PartitionTable,
            format!("partition table ({} entries)", pt.entries.len()),
            "partition-table",
            Checksummed,
        );
    }
}

/// The application slots the boot data or the boot loader define.
pub(super) fn slots(cx: &mut Ctx) {
    let data = cx.data;
    let slot = |addr: usize, active: bool, label: &str| Slot {
        addr,
        active,
        label: label.to_string(),
    };
    if let Some(pt) = &cx.ptable {
        let mut first_app = true;
        for e in &pt.entries {
            let s = e.offset as usize;
            let en = (s + e.size as usize).min(data.len());
            if e.ptype == 0 {
                cx.slots
                    .push(slot(s, first_app, &format!("partition {}", e.label)));
                first_app = false;
            } else if s < data.len() {
                cx.claims.add(
                    s,
                    en,
                    RegionKind::Data,
                    format!("{} partition {}", e.kind_name(), e.label),
                    "partition-table",
                    Checksummed,
                );
            }
        }
        return;
    }
    if let Some(b) = &cx.boot_config {
        for (i, &r) in b.roms.iter().enumerate() {
            cx.slots.push(slot(
                r as usize,
                i == b.current_rom as usize,
                &format!("slot {i}"),
            ));
        }
        return;
    }
    match cx.boot.kind {
        BootKind::RbootMgos => {
            cx.slots
                .push(slot(bc::MGOS_DEFAULT_SLOTS[0], true, "slot 0"));
            cx.slots
                .push(slot(bc::MGOS_DEFAULT_SLOTS[1], false, "slot 1"));
            cx.findings.push(Finding::info("boot_config_missing", Some(bc::RBOOT_CONFIG_ADDR as u64), "no rBoot config at 0x1000 or 0x7000 (erased): the loader writes a default one and boots slot 0"));
        }
        BootKind::Rboot => {
            cx.slots.push(slot(bc::RBOOT_DEFAULT_ROM0, true, "slot 0"));
            cx.findings.push(Finding::info("boot_config_missing", Some(bc::RBOOT_CONFIG_ADDR as u64), "no rBoot config at 0x1000: the loader writes a default one and boots slot 0 at 0x2000"));
        }
        BootKind::Eboot => {
            cx.slots.push(slot(SECTOR_SIZE, true, "sketch"));
            cx.arduino_layout = true;
        }
        BootKind::EspSdkBoot => {
            let user2 = sdk_user2_addr(cx.img0.as_ref());
            let running_user2 = sdk_boot_selects_user2(data, cx.header_flash_size);
            cx.slots.push(slot(SECTOR_SIZE, !running_user2, "user1"));
            if let Some(u2) = user2 {
                cx.slots.push(slot(u2, running_user2, "user2"));
            }
        }
        BootKind::Unknown => cx.slots.push(slot(SECTOR_SIZE, true, "app")),
        BootKind::None => {}
    }
}

/// The image at 0 (boot loader or application) and the image of every slot.
pub(super) fn apps(cx: &mut Ctx) {
    offset0_claims(cx);
    let data = cx.data;
    for s in std::mem::take(&mut cx.slots) {
        let addr = s.addr;
        if addr == 0 || addr >= data.len() {
            cx.slots.push(s);
            continue;
        }
        match image::parse(data, addr) {
            Ok(img) => {
                let (kind, role) = if s.active {
                    (RegionKind::App, "app")
                } else {
                    (RegionKind::AppSlot, "app_slot")
                };
                if !img.checksum.valid {
                    cx.findings.push(Finding::warning(
                        "image_checksum_mismatch",
                        Some(addr as u64),
                        format!(
                            "{} image at 0x{addr:x}: checksum 0x{:02x} stored, 0x{:02x} computed",
                            s.label, img.checksum.stored, img.checksum.computed
                        ),
                    ));
                }
                let state = if s.active {
                    " (running)"
                } else {
                    " (inactive)"
                };
                cx.claims.add(
                    addr,
                    img.end,
                    kind,
                    format!("app {}{state}", s.label),
                    "image",
                    Checksummed,
                );
                if s.active {
                    cx.running = Some(img.clone());
                }
                cx.images.push((img, role));
            }
            Err(e) => {
                if data[addr] != ERASED {
                    cx.findings.push(Finding::warning(
                        "app_slot_unparseable",
                        Some(addr as u64),
                        format!("{} at 0x{addr:x}: {e}", s.label),
                    ));
                } else if s.active {
                    cx.findings.push(Finding::warning(
                        "app_slot_empty",
                        Some(addr as u64),
                        format!("the running {} at 0x{addr:x} is erased", s.label),
                    ));
                }
            }
        }
        cx.slots.push(s);
    }
}

fn offset0_claims(cx: &mut Ctx) {
    let data = cx.data;
    let Some(i0) = cx.img0.clone() else { return };
    let boot = &cx.boot;
    if !(boot.kind.is_loader() || boot.kind == BootKind::Unknown) {
        cx.claims.add(
            0,
            i0.end,
            RegionKind::App,
            "application image (no boot loader)",
            "image",
            Checksummed,
        );
        cx.images.push((i0.clone(), "app"));
        cx.running = Some(i0);
        return;
    }
    let v = boot
        .version
        .as_deref()
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    cx.claims.add(
        0,
        i0.end,
        RegionKind::Bootloader,
        format!("boot loader ({}{v})", boot.kind.as_str()),
        "bootloader",
        Checksummed,
    );
    if boot.kind == BootKind::Eboot {
        let pad_end = SECTOR_SIZE.min(data.len());
        if i0.end < pad_end && data[i0.end..pad_end].iter().all(|&b| b == ic::EBOOT_PAD) {
            cx.claims.add(
                i0.end,
                pad_end,
                RegionKind::Padding,
                "eboot padding (0xAA)",
                "bootloader",
                Checksummed,
            );
        }
    }
    cx.images.push((i0, "bootloader"));
}

/// Raw IROM after an application at 0 (non-OTA SDK, MicroPython, NodeMCU).
pub(super) fn raw_irom(cx: &mut Ctx) {
    let data = cx.data;
    let (Some(i0), BootKind::None) = (&cx.img0, cx.boot.kind) else {
        return;
    };
    for &irom_at in &RAW_IROM_OFFSETS {
        if irom_at > i0.end
            && irom_at < data.len()
            && data[irom_at] != ERASED
            && !cx.claims.covers(irom_at)
        {
            let end = super::extent_until_erased(data, irom_at, &cx.claims);
            cx.claims.add(
                irom_at,
                end,
                RegionKind::Irom,
                "IROM code (no header)",
                "image",
                Content,
            );
            cx.irom = Some((irom_at, end));
            break;
        }
    }
}

/// User2 address for SDK boot_v1.x, from the flash map code in the boot loader header.
fn sdk_user2_addr(img0: Option<&Image>) -> Option<usize> {
    let code = img0?.header.size_code();
    SDK_USER2.iter().find(|(c, _)| *c == code).map(|(_, a)| *a)
}

/// boot_v1.x keeps the user-bin choice in byte 0 of the current system-parameter copy.
fn sdk_boot_selects_user2(data: &[u8], header_size: Option<usize>) -> bool {
    let size = header_size
        .filter(|&s| s <= data.len())
        .unwrap_or(data.len());
    if size < sc::PARAM0_FROM_END {
        return false;
    }
    let flag = data[size - sc::FLAG_FROM_END];
    let copy = if flag == 0 {
        size - sc::PARAM0_FROM_END
    } else {
        size - sc::PARAM1_FROM_END
    };
    let b0 = data[copy];
    b0 != ERASED && b0 & 0x03 == 1
}
