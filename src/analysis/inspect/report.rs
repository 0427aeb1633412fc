//! The report types of `inspect`: region map, images, file systems, the whole report.

use crate::analysis::firmware::Firmware;
use crate::analysis::layout::Layout;
use crate::formats::bootloader::Bootloader;
use crate::formats::image::{self, Image};
use crate::formats::partition::PartitionTable;
use crate::formats::rboot::RbootConfig;
use crate::formats::sdk::SdkTail;
use crate::report::{ConfigSection, Finding};
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
    pub(crate) fn from_image(img: &Image, role: &'static str) -> Self {
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
    pub info: crate::formats::fs::FsInfo,
    /// A stock Shelly (Mongoose OS) file system: SPIFFS with `conf0.json` or
    /// `hwinfo_struct.json`. Decided once here; sanitize and config decoding use it.
    #[serde(skip)]
    pub stock_shelly: bool,
    /// The SPIFFS listing made once here (empty for LittleFS): config decoding, sanitize,
    /// identity, extract and diff read files through it instead of listing the region again.
    #[serde(skip)]
    pub entries: Vec<crate::formats::fs::spiffs::FileEntry>,
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
    /// The flash layout, its flash sizes and the evidence for it.
    pub layout: Layout,
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
    /// SDK tail sectors (probed at the header's size and at the dump size, in the layout's tail
    /// arrangement; `size_source` `stale` for a tail left at a smaller size by earlier firmware).
    pub sdk: Vec<SdkTail>,
    /// File systems with their files.
    pub filesystems: Vec<FsReport>,
    /// Tasmota settings copies (the ring, the EEPROM slot and power-cycle sectors).
    pub settings: Option<crate::formats::tasmota::Scan>,
    /// Decoded configuration, every value classified. Secrets are raw here: mask at the edge
    /// ([`InspectReport::masked`]).
    pub config: Vec<ConfigSection>,
    /// Findings, in offset order.
    pub findings: Vec<Finding>,
    /// Every claim the passes made (owner, strength), before resolution into `regions`.
    #[serde(skip)]
    pub claims: Vec<crate::analysis::claims::Claim>,
    /// Set when the input is a Tasmota `.dmp` configuration backup rather than a flash dump.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dmp: Option<crate::analysis::dmp::DmpReport>,
}

impl InspectReport {
    /// A copy with every secret configuration value masked.
    pub fn masked(&self) -> Self {
        let mut r = self.clone();
        r.config = r.config.iter().map(ConfigSection::masked).collect();
        r
    }
}
