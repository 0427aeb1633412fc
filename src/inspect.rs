//! `inspect`: turn a dump (or any image file) into an [`InspectReport`]: a region map that
//! partitions the whole input, every image with its checksums, the boot loader, the boot config,
//! the SDK tail sectors, the identified firmware and findings. Pure: bytes in, report out.

use crate::bootloader::{self, BootKind, Bootloader};
use crate::consts::{boot as bc, image as ic, sdk as sc, ERASED, SECTOR_SIZE};
use crate::identify::{self, Firmware, FirmwareKind, Scope};
use crate::image::{self, Image};
use crate::partition::{self, PartitionTable};
use crate::rboot::{self, RbootConfig};
use crate::report::{ConfigSection, Finding};
use crate::sdk::{self, SdkTail, TailLayout};
use serde::Serialize;

/// What a region of the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    /// Second-stage boot loader at offset 0.
    Bootloader,
    /// rBoot config sector.
    BootConfig,
    /// RTOS SDK partition table.
    PartitionTable,
    /// The running application image.
    App,
    /// Another application slot of a two-slot layout (not running).
    AppSlot,
    /// Raw IROM code without a header (non-OTA SDK, MicroPython, NodeMCU builds).
    Irom,
    /// An image left over on a sector boundary (OTA staging, previous firmware).
    StaleImage,
    /// A SPIFFS or LittleFS file system.
    Filesystem,
    /// Application settings (Tasmota settings copies and power-cycle sector).
    Settings,
    /// Arduino EEPROM sector.
    Eeprom,
    /// Data partitions of a partition table (nvs, phy_init, ota_data...).
    Data,
    /// SDK sectors: RF calibration, PHY init data, system parameters, flag.
    Sdk,
    /// Fill bytes after an image (0xAA after eboot, zeros).
    Padding,
    /// All 0xFF.
    Erased,
    /// Anything else.
    Unknown,
}

impl RegionKind {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionKind::Bootloader => "bootloader",
            RegionKind::BootConfig => "boot_config",
            RegionKind::PartitionTable => "partition_table",
            RegionKind::App => "app",
            RegionKind::AppSlot => "app_slot",
            RegionKind::Irom => "irom",
            RegionKind::StaleImage => "stale_image",
            RegionKind::Filesystem => "filesystem",
            RegionKind::Settings => "settings",
            RegionKind::Eeprom => "eeprom",
            RegionKind::Data => "data",
            RegionKind::Sdk => "sdk",
            RegionKind::Padding => "padding",
            RegionKind::Erased => "erased",
            RegionKind::Unknown => "unknown",
        }
    }
    /// Every kind, in legend order.
    pub const ALL: [RegionKind; 15] = [
        RegionKind::Bootloader,
        RegionKind::BootConfig,
        RegionKind::PartitionTable,
        RegionKind::App,
        RegionKind::AppSlot,
        RegionKind::Irom,
        RegionKind::StaleImage,
        RegionKind::Filesystem,
        RegionKind::Settings,
        RegionKind::Eeprom,
        RegionKind::Data,
        RegionKind::Sdk,
        RegionKind::Padding,
        RegionKind::Erased,
        RegionKind::Unknown,
    ];
}

/// One region of the map. Regions partition the input: in order, no gaps, no overlaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// Kind.
    pub kind: RegionKind,
    /// Human label (built from untrusted text in places; escape before printing).
    pub label: String,
}

/// A segment in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SegmentReport {
    /// Load address.
    pub addr: u32,
    /// Length.
    pub len: u32,
}

/// An image in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageReport {
    /// Offset of the header in the input.
    pub offset: u64,
    /// One past the last byte of the image.
    pub end: u64,
    /// What the image is here: `bootloader`, `app`, `app_slot`, `stale`.
    pub role: &'static str,
    /// 1 (0xE9) or 2 (0xEA).
    pub image_version: u8,
    /// Entry point.
    pub entry: u32,
    /// Segments (v2: the IROM block first, address 0, as esptool lists it).
    pub segments: Vec<SegmentReport>,
    /// XOR checksum.
    pub checksum: image::Checksum,
    /// esptool's name of the SPI mode, or `invalid (0x..)`.
    pub flash_mode: String,
    /// esptool's name of the flash size, or `invalid (0x..)`.
    pub flash_size: String,
    /// esptool's name of the flash frequency, or `invalid (0x..)`.
    pub flash_freq: String,
    /// The raw mode and size/frequency bytes of the header that carries them.
    pub flash_params_raw: [u8; 2],
    /// v2 CRC32 trailer, when present or expected.
    pub crc32: Option<image::Crc32Check>,
    /// Arduino whole-file CRC (for the sketch at 0x1000 of an Arduino layout).
    pub arduino_crc: Option<image::Crc32Check>,
}

impl ImageReport {
    fn from_image(img: &Image, role: &'static str) -> Self {
        let h = img.effective_header();
        ImageReport {
            offset: img.offset as u64,
            end: img.end as u64,
            role,
            image_version: img.image_version,
            entry: img.entry,
            segments: img
                .segments
                .iter()
                .map(|s| SegmentReport {
                    addr: s.addr,
                    len: s.len,
                })
                .collect(),
            checksum: img.checksum,
            flash_mode: h
                .mode_name()
                .map(str::to_string)
                .unwrap_or_else(|| format!("invalid (0x{:02x})", h.flash_mode)),
            flash_size: h
                .flash_size()
                .map(|(n, _)| n.to_string())
                .unwrap_or_else(|| format!("invalid (0x{:02x})", h.size_freq & 0xF0)),
            flash_freq: h
                .freq_name()
                .map(str::to_string)
                .unwrap_or_else(|| format!("invalid (0x{:x})", h.freq_code())),
            flash_params_raw: [h.flash_mode, h.size_freq],
            crc32: img.v2.as_ref().and_then(|v| v.crc32),
            arduino_crc: None,
        }
    }
}

/// A file in a file system listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// Name (untrusted).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
}

/// A file system in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FsReport {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// `spiffs` or `littlefs`.
    #[serde(rename = "type")]
    pub fs_type: &'static str,
    /// Block size.
    pub block_size: u64,
    /// SPIFFS page size (0 for LittleFS).
    pub page_size: u64,
    /// The boot config slot this file system belongs to, if any.
    pub slot: Option<u8>,
    /// Whether the running firmware uses it (`None` when unknown).
    pub live: Option<bool>,
    /// Files (directories excluded).
    pub files: Vec<FileReport>,
    /// SPIFFS pages that are deleted but still hold readable data.
    pub deleted_pages_with_data: u64,
    /// The geometry as detected.
    #[serde(skip)]
    pub info: crate::fs::FsInfo,
}

/// Options for [`inspect`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Treat the input as starting at this offset (an image inside a larger file).
    pub offset: usize,
}

/// Everything `inspect` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectReport {
    /// Input length in bytes (after `--offset`).
    pub size: u64,
    /// The offset of the input within the file.
    pub base_offset: u64,
    /// Flash size named by the header at offset 0, in bytes.
    pub header_flash_size: Option<u64>,
    /// The running firmware.
    pub firmware: Firmware,
    /// The boot loader.
    pub bootloader: Bootloader,
    /// The rBoot config, if any.
    pub boot_config: Option<RbootConfig>,
    /// The RTOS SDK partition table, if any.
    pub partition_table: Option<PartitionTable>,
    /// The region map.
    pub regions: Vec<Region>,
    /// Every image found.
    pub images: Vec<ImageReport>,
    /// SDK tail sectors (probed at the header's size and at the dump size).
    pub sdk: Vec<SdkTail>,
    /// File systems with their files.
    pub filesystems: Vec<FsReport>,
    /// Tasmota settings copies (the ring, the EEPROM slot and power-cycle sectors).
    pub settings: Option<crate::tasmota::Scan>,
    /// Decoded configuration, every value classified. Secrets are raw here: mask at the edge
    /// ([`InspectReport::masked`]).
    pub config: Vec<ConfigSection>,
    /// Findings, in offset order.
    pub findings: Vec<Finding>,
}

/// A region claimed by a parser before the map is resolved.
#[derive(Debug, Clone)]
struct Claim {
    start: usize,
    end: usize,
    kind: RegionKind,
    label: String,
    priority: u8,
}

#[derive(Default, Clone)]
struct Claims(Vec<Claim>);

impl Claims {
    fn add(
        &mut self,
        start: usize,
        end: usize,
        kind: RegionKind,
        label: impl Into<String>,
        priority: u8,
    ) {
        if end > start {
            self.0.push(Claim {
                start,
                end,
                kind,
                label: label.into(),
                priority,
            });
        }
    }
    fn covers(&self, at: usize) -> bool {
        self.0.iter().any(|c| c.start <= at && at < c.end)
    }
}

/// Inspect `data` (the whole input, before `--offset`).
pub fn inspect(file: &[u8], opts: &Options) -> crate::Result<InspectReport> {
    let data = file.get(opts.offset..).unwrap_or(&[]);
    if data.is_empty() {
        return Err(crate::Error::InvalidInput(if opts.offset > 0 {
            format!(
                "offset 0x{:x} is at or past the end of the file ({} bytes)",
                opts.offset,
                file.len()
            )
        } else {
            "input is empty".to_string()
        }));
    }
    let mut findings = Vec::new();
    let mut claims = Claims::default();
    let mut images: Vec<(Image, &'static str)> = Vec::new();

    // Offset 0: boot loader or application.
    let img0 = match data[0] {
        ic::MAGIC_V1 | ic::MAGIC_V2 => match image::parse(data, 0) {
            Ok(i) => Some(i),
            Err(e) => {
                findings.push(Finding::error(
                    "image_unparseable",
                    Some(0),
                    format!("image at 0x0: {e}"),
                ));
                None
            }
        },
        _ => None,
    };
    let header_flash_size = img0
        .as_ref()
        .filter(|i| i.image_version == 1)
        .and_then(|i| i.header.flash_size())
        .map(|(_, b)| b as usize);
    let boot = bootloader::identify(data, img0.as_ref());

    // Boot config and partition table.
    let boot_config = rboot::find(data);
    if let Some(bc) = &boot_config {
        let o = bc.offset as usize;
        claims.add(
            o,
            (o + SECTOR_SIZE).min(data.len()),
            RegionKind::BootConfig,
            format!(
                "rBoot config ({}), current slot {}",
                if bc.layout == rboot::RbootLayout::Mgos {
                    "Mongoose OS"
                } else {
                    "rBoot"
                },
                bc.current_rom
            ),
            90,
        );
    }
    let ptable = if boot_config.is_none() {
        partition::parse(data, data.len())
    } else {
        None
    };

    // Application slots: (address, active).
    let mut slots: Vec<(usize, bool, String)> = Vec::new();
    let mut arduino_layout = false;
    if let Some(pt) = &ptable {
        let o = pt.offset as usize;
        claims.add(
            o,
            o + SECTOR_SIZE.min(data.len() - o),
            RegionKind::PartitionTable,
            format!("partition table ({} entries)", pt.entries.len()),
            90,
        );
        let mut first_app = true;
        for e in &pt.entries {
            let (s, en) = (
                e.offset as usize,
                (e.offset as usize + e.size as usize).min(data.len()),
            );
            if e.ptype == 0 {
                slots.push((s, first_app, format!("partition {}", e.label)));
                first_app = false;
            } else if s < data.len() {
                claims.add(
                    s,
                    en,
                    RegionKind::Data,
                    format!("{} partition {}", e.kind_name(), e.label),
                    20,
                );
            }
        }
    } else if let Some(bc) = &boot_config {
        for (i, &r) in bc.roms.iter().enumerate() {
            slots.push((
                r as usize,
                i == bc.current_rom as usize,
                format!("slot {i}"),
            ));
        }
    } else {
        match boot.kind {
            BootKind::RbootMgos => {
                slots.push((bc::MGOS_DEFAULT_SLOTS[0], true, "slot 0".into()));
                slots.push((bc::MGOS_DEFAULT_SLOTS[1], false, "slot 1".into()));
                findings.push(Finding::info("boot_config_missing", Some(bc::RBOOT_CONFIG_ADDR as u64), "no rBoot config at 0x1000 or 0x7000 (erased): the loader writes a default one and boots slot 0"));
            }
            BootKind::Rboot => {
                slots.push((bc::RBOOT_DEFAULT_ROM0, true, "slot 0".into()));
                findings.push(Finding::info("boot_config_missing", Some(bc::RBOOT_CONFIG_ADDR as u64), "no rBoot config at 0x1000: the loader writes a default one and boots slot 0 at 0x2000"));
            }
            BootKind::Eboot => {
                slots.push((SECTOR_SIZE, true, "sketch".into()));
                arduino_layout = true;
            }
            BootKind::EspSdkBoot => {
                let user2 = sdk_user2_addr(img0.as_ref());
                let running_user2 = sdk_boot_selects_user2(data, header_flash_size);
                slots.push((SECTOR_SIZE, !running_user2, "user1".into()));
                if let Some(u2) = user2 {
                    slots.push((u2, running_user2, "user2".into()));
                }
            }
            BootKind::Unknown => slots.push((SECTOR_SIZE, true, "app".into())),
            BootKind::None => {}
        }
    }

    // Offset 0 itself.
    let mut running: Option<Image> = None;
    if let Some(i0) = &img0 {
        if boot.kind.is_loader() || boot.kind == BootKind::Unknown {
            claims.add(
                0,
                i0.end,
                RegionKind::Bootloader,
                format!(
                    "boot loader ({}{})",
                    boot.kind.as_str(),
                    boot.version
                        .as_deref()
                        .map(|v| format!(" {v}"))
                        .unwrap_or_default()
                ),
                100,
            );
            images.push((i0.clone(), "bootloader"));
            if boot.kind == BootKind::Eboot {
                let pad_end = SECTOR_SIZE.min(data.len());
                if i0.end < pad_end && data[i0.end..pad_end].iter().all(|&b| b == ic::EBOOT_PAD) {
                    claims.add(
                        i0.end,
                        pad_end,
                        RegionKind::Padding,
                        "eboot padding (0xAA)",
                        100,
                    );
                }
            }
        } else {
            claims.add(
                0,
                i0.end,
                RegionKind::App,
                "application image (no boot loader)",
                100,
            );
            images.push((i0.clone(), "app"));
            running = Some(i0.clone());
        }
    }

    for (addr, active, label) in &slots {
        let addr = *addr;
        if addr == 0 || addr >= data.len() {
            continue;
        }
        match image::parse(data, addr) {
            Ok(img) => {
                let (kind, role) = if *active {
                    (RegionKind::App, "app")
                } else {
                    (RegionKind::AppSlot, "app_slot")
                };
                if !img.checksum.valid {
                    findings.push(Finding::warning("image_checksum_mismatch", Some(addr as u64), format!("{label} image at 0x{addr:x}: checksum 0x{:02x} stored, 0x{:02x} computed", img.checksum.stored, img.checksum.computed)));
                }
                claims.add(
                    addr,
                    img.end,
                    kind,
                    format!(
                        "app {label}{}",
                        if *active { " (running)" } else { " (inactive)" }
                    ),
                    95,
                );
                if *active {
                    running = Some(img.clone());
                }
                images.push((img, role));
            }
            Err(e) => {
                if data[addr] != ERASED {
                    findings.push(Finding::warning(
                        "app_slot_unparseable",
                        Some(addr as u64),
                        format!("{label} at 0x{addr:x}: {e}"),
                    ));
                } else if *active {
                    findings.push(Finding::warning(
                        "app_slot_empty",
                        Some(addr as u64),
                        format!("the running {label} at 0x{addr:x} is erased"),
                    ));
                }
            }
        }
    }

    // Raw IROM after an application at 0 (non-OTA SDK, MicroPython, NodeMCU).
    if let (Some(i0), BootKind::None) = (&img0, boot.kind) {
        for &irom_at in &bc::RAW_IROM_OFFSETS {
            if irom_at > i0.end
                && irom_at < data.len()
                && data[irom_at] != ERASED
                && !claims.covers(irom_at)
            {
                let end = extent_until_erased(data, irom_at, &claims);
                claims.add(irom_at, end, RegionKind::Irom, "IROM code (no header)", 80);
                break;
            }
        }
    }

    // SDK tail sectors.
    let tails = sdk::find(data, header_flash_size);
    for t in &tails {
        let size = t.flash_size as usize;
        let src = if t.size_source == "header" {
            "header size"
        } else {
            "dump size"
        };
        match t.layout {
            TailLayout::Sdk => {
                claims.add(
                    size - sc::RF_CAL_FROM_END,
                    size - sc::PHY_FROM_END,
                    RegionKind::Sdk,
                    format!(
                        "SDK RF calibration{} ({src})",
                        if t.rf_cal_present { "" } else { ", empty" }
                    ),
                    60,
                );
                claims.add(
                    size - sc::PHY_FROM_END,
                    size - sc::PARAM0_FROM_END,
                    RegionKind::Sdk,
                    format!("SDK PHY init data ({src})"),
                    60,
                );
            }
            TailLayout::Arduino => {
                claims.add(
                    size - sc::RF_CAL_FROM_END,
                    size - sc::PHY_FROM_END,
                    RegionKind::Eeprom,
                    format!("EEPROM sector ({src})"),
                    30,
                );
                claims.add(
                    size - sc::PHY_FROM_END,
                    size - sc::PARAM0_FROM_END,
                    RegionKind::Sdk,
                    format!(
                        "SDK RF calibration{} ({src})",
                        if t.rf_cal_present { "" } else { ", empty" }
                    ),
                    60,
                );
            }
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
                60,
            );
        }
        claims.add(
            size - sc::FLAG_FROM_END,
            size,
            RegionKind::Sdk,
            format!(
                "SDK system params flag{}",
                t.flag
                    .as_ref()
                    .map(|f| format!(", copy {} current", f.current))
                    .unwrap_or_default()
            ),
            60,
        );
        findings.extend(t.findings.iter().cloned());
    }
    if let Some(h) = header_flash_size {
        if h != data.len()
            && data.len() >= crate::consts::flash::MIN_FLASH
            && data.len().is_power_of_two()
        {
            findings.push(Finding::info(
                "header_size_differs",
                Some(3),
                format!(
                    "header at 0x0 says {} flash, the input is {}",
                    human_size(h),
                    human_size(data.len())
                ),
            ));
        }
    }

    // Stale images on sector boundaries.
    let mut at = 0;
    while at < data.len() {
        let b = data[at];
        if (b == ic::MAGIC_V1 || b == ic::MAGIC_V2) && !claims.covers(at) {
            if let Ok(img) = image::parse(data, at) {
                if img.is_plausible() && img.end <= data.len() {
                    let what = if img
                        .segments
                        .iter()
                        .any(|s| (ic::EBOOT_TEXT_MIN..ic::IRAM_END).contains(&s.addr))
                    {
                        "eboot "
                    } else {
                        ""
                    };
                    claims.add(
                        at,
                        img.end,
                        RegionKind::StaleImage,
                        format!(
                            "stale {what}image v{}{}",
                            img.image_version,
                            if img.checksum.valid {
                                ""
                            } else {
                                ", bad checksum"
                            }
                        ),
                        50,
                    );
                    findings.push(Finding::info("stale_image", Some(at as u64), format!("image v{} at 0x{at:x} is not booted by this layout (left over from an OTA or an earlier firmware)", img.image_version)));
                    images.push((img, "stale"));
                }
            }
        } else if data.get(at..at + 3) == Some(&[0x1F, 0x8B, 0x08]) && !claims.covers(at) {
            let end = extent_until_erased(data, at, &claims);
            claims.add(
                at,
                end,
                RegionKind::StaleImage,
                "stale gzip-compressed image (OTA upload)",
                50,
            );
        }
        at += SECTOR_SIZE;
    }

    // Arduino whole-file CRC.
    let mut reports: Vec<ImageReport> = images
        .iter()
        .map(|(i, r)| ImageReport::from_image(i, r))
        .collect();
    if arduino_layout {
        if let (Some(crc), Some(r)) = (
            image::arduino_crc(data),
            reports.iter_mut().find(|r| r.offset == SECTOR_SIZE as u64),
        ) {
            if !crc.valid {
                findings.push(Finding::warning(
                    "arduino_crc_mismatch",
                    Some(ic::ARDUINO_CRC_VAL_OFFSET as u64),
                    format!(
                        "Arduino whole-file CRC 0x{:08x} stored, 0x{:08x} computed",
                        crc.stored, crc.computed
                    ),
                ));
            }
            r.arduino_crc = Some(crc);
        }
    }
    for (img, _) in &images {
        if img.image_version == 2 {
            if let Some(c) = img.v2.as_ref().and_then(|v| v.crc32).filter(|c| !c.valid) {
                findings.push(Finding::warning(
                    "image_crc32_mismatch",
                    Some(img.offset as u64),
                    format!(
                        "v2 image at 0x{:x}: CRC32 trailer 0x{:08x}, computed 0x{:08x}",
                        img.offset, c.stored, c.computed
                    ),
                ));
            }
        }
    }
    if let Some(i0) = &img0 {
        if !i0.checksum.valid {
            findings.push(Finding::error("image_checksum_mismatch", Some(0), format!("image at 0x0: checksum 0x{:02x} stored, 0x{:02x} computed; the ROM will not boot it", i0.checksum.stored, i0.checksum.computed)));
        }
    }

    // File systems.
    let filesystems = filesystems(data, boot_config.as_ref());
    for f in &filesystems {
        let slot = f.slot.map(|s| format!(" fs{s}")).unwrap_or_default();
        let live = match f.live {
            Some(true) => " (live)",
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
        claims.add(
            f.start as usize,
            f.end as usize,
            RegionKind::Filesystem,
            format!(
                "{}{slot}{live}, {geo}, {} files",
                f.fs_type.to_uppercase().replace("LITTLEFS", "LittleFS"),
                f.files.len()
            ),
            85,
        );
        if f.deleted_pages_with_data > 0 {
            findings.push(Finding::info(
                "fs_deleted_data",
                Some(f.start),
                format!(
                    "{} at 0x{:x}: {} deleted pages still hold readable data",
                    f.fs_type, f.start, f.deleted_pages_with_data
                ),
            ));
        }
    }

    // Tasmota settings.
    let tscan = crate::tasmota::scan(data);
    for c in &tscan.copies {
        let state = if c.newest {
            " (newest)"
        } else if c.valid {
            ""
        } else {
            " (bad checksum)"
        };
        claims.add(
            c.offset as usize,
            c.offset as usize + SECTOR_SIZE,
            RegionKind::Settings,
            format!(
                "Tasmota settings {} save {}{state}",
                c.version_str, c.save_flag
            ),
            70,
        );
    }
    for &q in &tscan.qpc {
        claims.add(
            q as usize,
            q as usize + SECTOR_SIZE,
            RegionKind::Settings,
            "Tasmota power-cycle counter",
            70,
        );
    }

    let vendor_base = claims.clone();
    let mut regions = resolve(data, claims);
    let loader_only = running.is_none()
        && boot.kind.is_loader()
        && !regions.iter().any(|r| {
            matches!(
                r.kind,
                RegionKind::Unknown | RegionKind::Irom | RegionKind::StaleImage
            )
        });
    let scope = match (
        &running,
        regions.iter().find(|r| r.kind == RegionKind::Irom),
    ) {
        (Some(r), Some(irom)) => Scope {
            start: r.offset,
            end: irom.end as usize,
            app_offset: Some(r.offset),
            arduino_layout,
            loader_only,
            raw_irom: Some(irom.start as usize),
        },
        (Some(r), None) => Scope {
            start: r.offset,
            end: r.end,
            app_offset: Some(r.offset),
            arduino_layout,
            loader_only,
            raw_irom: None,
        },
        (None, _) => Scope {
            start: 0,
            end: data.len(),
            app_offset: None,
            arduino_layout,
            loader_only,
            raw_irom: None,
        },
    };
    let mut firmware = identify::identify(data, &scope, &boot);
    if firmware.kind == FirmwareKind::Tasmota {
        tasmota_version(data, &scope, &tscan, &mut firmware);
    }
    let data_only = regions.iter().all(|r| {
        matches!(
            r.kind,
            RegionKind::Filesystem
                | RegionKind::Erased
                | RegionKind::Sdk
                | RegionKind::Settings
                | RegionKind::Padding
        )
    });
    if firmware.kind == FirmwareKind::Unknown && running.is_none() && img0.is_none() && data_only {
        // A file-system image, a settings or SDK sector dump: data without an application.
        firmware.kind = FirmwareKind::None;
    }
    if firmware.kind == FirmwareKind::Unknown
        && running.is_none()
        && !boot.kind.is_loader()
        && img0.is_none()
    {
        findings.push(Finding::info(
            "no_image_at_0",
            Some(0),
            "no ESP8266 image header at offset 0",
        ));
    }
    // Vendor facts (factory records, EEPROM settings, node names): regions, config, findings.
    let vendor = crate::vendors::analyse::analyse(&crate::vendors::analyse::Context {
        data,
        kind: firmware.kind,
        app: scope.app_offset.map(|_| (scope.start, scope.end)),
        filesystems: &filesystems,
        eeprom: tails
            .iter()
            .find(|t| t.layout == TailLayout::Arduino)
            .map(|t| t.flash_size as usize)
            .or_else(|| {
                // No SDK tail written yet: an eboot layout still has its EEPROM sector.
                let n = data.len();
                (tails.is_empty()
                    && boot.kind == BootKind::Eboot
                    && n.is_power_of_two()
                    && n >= 0x8_0000)
                    .then_some(n)
            })
            .and_then(|size| size.checked_sub(sc::RF_CAL_FROM_END)),
        regions: &regions,
    });
    if !vendor.claims.is_empty() {
        let mut more = vendor_base;
        for c in &vendor.claims {
            more.add(c.start, c.end, c.kind, c.label.clone(), 65);
        }
        regions = resolve(data, more);
    }
    findings.extend(vendor.findings);
    let mut config: Vec<ConfigSection> = vendor.config;
    for c in &tscan.copies {
        let block = &data[c.offset as usize..c.offset as usize + SECTOR_SIZE];
        match crate::tasmota::decode_at(block, c.offset) {
            Ok(d) => {
                findings.extend(d.findings.iter().cloned());
                config.push(d.section(
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
            Err(e) if c.newest => findings.push(Finding::warning(
                "tasmota_settings_unsupported",
                Some(c.offset),
                e.to_string(),
            )),
            Err(_) => {}
        }
    }
    for f in &filesystems {
        if crate::shelly::is_stock_fs(data, &f.info) {
            if let Some(sh) = crate::shelly::decode(data, &f.info, f.live.unwrap_or(true)) {
                findings.extend(sh.findings.iter().cloned());
                config.extend(sh.sections.iter().cloned());
            }
        }
    }
    config.extend(
        tails
            .iter()
            .flat_map(|t| t.copies.iter().filter(|c| !c.erased).map(|c| c.config()))
            .filter(|s| !s.items.is_empty()),
    );
    findings.sort_by_key(|f| (f.offset.unwrap_or(0), f.severity));
    Ok(InspectReport {
        size: data.len() as u64,
        base_offset: opts.offset as u64,
        header_flash_size: header_flash_size.map(|s| s as u64),
        firmware,
        bootloader: boot,
        boot_config,
        partition_table: ptable,
        regions,
        images: reports,
        sdk: tails,
        filesystems,
        settings: (!tscan.copies.is_empty() || !tscan.qpc.is_empty()).then_some(tscan),
        config,
        findings,
    })
}

impl InspectReport {
    /// A copy with every secret configuration value masked.
    pub fn masked(&self) -> Self {
        let mut r = self.clone();
        r.config = r.config.iter().map(ConfigSection::masked).collect();
        r
    }
}

/// Tasmota's version: the newest valid settings copy if any (it equals the running firmware
/// after the first boot), else what the image carries.
fn tasmota_version(data: &[u8], scope: &Scope, scan: &crate::tasmota::Scan, fw: &mut Firmware) {
    let img =
        crate::tasmota::detect_image(&data[scope.start.min(data.len())..scope.end.min(data.len())]);
    if let Some(i) = &img {
        if fw.sdk_version.is_none() {
            fw.sdk_version = i.sdk_version.clone();
        }
        if let Some(core) = &i.core_version {
            fw.evidence.push(identify::Evidence {
                offset: scope.start as u64,
                text: format!("Arduino core {core}"),
            });
        }
    }
    if let Some(c) = scan.newest_copy() {
        fw.version = Some(c.version_str.clone());
        fw.evidence.insert(
            1.min(fw.evidence.len()),
            identify::Evidence {
                offset: c.offset + 8,
                text: format!("settings version {} (save {})", c.version_str, c.save_flag),
            },
        );
    }
}

/// Detect file systems, attach boot-config slots and list files.
fn filesystems(data: &[u8], bc: Option<&RbootConfig>) -> Vec<FsReport> {
    let mut found = crate::fs::detect_all(data);
    if let Some(bc) = bc {
        for (&a, &n) in bc.fs_addresses.iter().zip(&bc.fs_sizes) {
            let (a, n) = (a as usize, n as usize);
            if a > 0 && a < data.len() && !found.iter().any(|f| f.start <= a && a < f.end) {
                if let Some(f) = crate::fs::probe_at(data, a, Some(a + n)) {
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
            let (files, deleted) = match info.kind {
                crate::fs::FsKind::Spiffs => (
                    crate::fs::spiffs::list(data, &info)
                        .into_iter()
                        .map(|f| FileReport {
                            name: f.name,
                            size: f.size as u64,
                        })
                        .collect(),
                    crate::fs::spiffs::deleted_stats(data, &info).with_data as u64,
                ),
                crate::fs::FsKind::Littlefs => (
                    crate::fs::littlefs::list(data, &info)
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
                info,
            }
        })
        .collect()
}

fn human_size(n: usize) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// User2 address for SDK boot_v1.x, from the flash map code in the boot loader header.
fn sdk_user2_addr(img0: Option<&Image>) -> Option<usize> {
    let code = img0?.header.size_code();
    bc::SDK_USER2
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, a)| *a)
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

/// Extend from `start` sector by sector while the data is not erased and not claimed.
fn extent_until_erased(data: &[u8], start: usize, claims: &Claims) -> usize {
    let mut end = start;
    while end < data.len() {
        let next = ((end / SECTOR_SIZE) + 1) * SECTOR_SIZE;
        let next = next.min(data.len());
        if (end > start && claims.covers(end)) || sdk::all_erased(&data[end..next]) {
            break;
        }
        end = next;
    }
    end
}

/// Resolve claims into a partition of `data`: higher priority wins, gaps are classified.
fn resolve(data: &[u8], claims: Claims) -> Vec<Region> {
    let mut cs = claims.0;
    cs.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.start.cmp(&b.start)));
    // Accepted intervals, kept sorted by start.
    let mut taken: Vec<Claim> = Vec::new();
    for c in cs {
        let mut pieces = vec![(c.start.min(data.len()), c.end.min(data.len()))];
        for t in &taken {
            let mut next = Vec::new();
            for (s, e) in pieces {
                if t.end <= s || t.start >= e {
                    next.push((s, e));
                } else {
                    if s < t.start {
                        next.push((s, t.start));
                    }
                    if t.end < e {
                        next.push((t.end, e));
                    }
                }
            }
            pieces = next;
        }
        for (s, e) in pieces {
            if e > s {
                taken.push(Claim {
                    start: s,
                    end: e,
                    ..c.clone()
                });
            }
        }
    }
    taken.sort_by_key(|c| c.start);
    let mut out = Vec::with_capacity(taken.len() * 2 + 4);
    let mut pos = 0;
    for c in taken {
        if c.start > pos {
            fill_gap(data, pos, c.start, &mut out);
        }
        out.push(Region {
            start: c.start as u64,
            end: c.end as u64,
            kind: c.kind,
            label: c.label,
        });
        pos = c.end;
    }
    if pos < data.len() {
        fill_gap(data, pos, data.len(), &mut out);
    }
    out
}

fn push_merge(out: &mut Vec<Region>, start: usize, end: usize, kind: RegionKind, label: &str) {
    if let Some(last) = out.last_mut() {
        if last.kind == kind && last.end == start as u64 && last.label == label {
            last.end = end as u64;
            return;
        }
    }
    out.push(Region {
        start: start as u64,
        end: end as u64,
        kind,
        label: label.to_string(),
    });
}

fn classify(b: &[u8]) -> (RegionKind, &'static str) {
    if sdk::all_erased(b) {
        (RegionKind::Erased, "erased")
    } else if b.iter().all(|&x| x == 0) {
        (RegionKind::Padding, "zero fill")
    } else {
        (RegionKind::Unknown, "unknown data")
    }
}

/// Classify `[start, end)`: a partial first sector, whole sectors, a partial last sector.
fn fill_gap(data: &[u8], start: usize, end: usize, out: &mut Vec<Region>) {
    let mut pos = start;
    while pos < end {
        let next = (((pos / SECTOR_SIZE) + 1) * SECTOR_SIZE).min(end);
        let (kind, label) = classify(&data[pos..next]);
        push_merge(out, pos, next, kind, label);
        pos = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_partition(r: &InspectReport) {
        let mut pos = 0;
        for reg in &r.regions {
            assert_eq!(reg.start, pos, "gap or overlap at {:x}", pos);
            assert!(reg.end > reg.start);
            pos = reg.end;
        }
        assert_eq!(pos, r.size);
    }

    #[test]
    fn erased_input_is_one_region() {
        let r = inspect(&vec![0xFF; 0x8_0000], &Options::default()).unwrap();
        check_partition(&r);
        assert_eq!(r.regions.len(), 1);
        assert_eq!(r.regions[0].kind, RegionKind::Erased);
        assert_eq!(r.firmware.kind, FirmwareKind::None);
    }

    #[test]
    fn empty_and_offset_past_end_are_errors() {
        assert!(inspect(&[], &Options::default()).is_err());
        assert!(inspect(&[1, 2, 3], &Options { offset: 3 }).is_err());
    }

    #[test]
    fn partial_sectors_are_split_by_content() {
        let mut v = vec![0xFFu8; 0x3000];
        v[0x1800..0x2000].fill(0x12);
        let r = inspect(&v, &Options::default()).unwrap();
        check_partition(&r);
        let kinds: Vec<_> = r.regions.iter().map(|x| (x.start, x.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (0, RegionKind::Erased),
                (0x1000, RegionKind::Unknown),
                (0x2000, RegionKind::Erased)
            ]
        );
    }
}
