//! The flash-layout model: which layout a dump follows and where each of its areas lies for the
//! flash size(s) in question, decided from the strongest evidence first (partition table or boot
//! config, then the boot loader and the identified firmware, then sector contents).
//!
//! The facts behind every position are in `docs/layout.md`, with their sources.

use crate::analysis::firmware::FirmwareKind;
use crate::formats::bootloader::BootKind;
use crate::formats::flash::SECTOR_SIZE;
use crate::formats::rboot::RbootLayout;
use crate::formats::sdk as sc;
use crate::formats::sdk::TailLayout;
use serde::Serialize;

/// The layout families espdump knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutKind {
    /// NONOS SDK without OTA: `eagle.flash.bin` at 0, raw `eagle.irom0text.bin` after it.
    NonosNonOta,
    /// NONOS SDK OTA: Espressif's boot_v1.x at 0, `user1.bin` / `user2.bin`.
    NonosOta,
    /// esp8266/Arduino core: eboot at 0, the sketch at 0x1000, FS and EEPROM below the SDK tail.
    Arduino,
    /// Mongoose OS: its rBoot fork with a config holding ROM and FS slots.
    MgosRboot,
    /// raburton/rBoot (Sming, esp-open-rtos).
    Rboot,
    /// ESP8266 RTOS SDK v3: a partition table.
    RtosPartitions,
    /// No evidence for any of the above.
    Unknown,
}

impl LayoutKind {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            LayoutKind::NonosNonOta => "nonos-non-ota",
            LayoutKind::NonosOta => "nonos-ota",
            LayoutKind::Arduino => "arduino",
            LayoutKind::MgosRboot => "mgos-rboot",
            LayoutKind::Rboot => "rboot",
            LayoutKind::RtosPartitions => "rtos-partitions",
            LayoutKind::Unknown => "unknown",
        }
    }
    /// How the sectors below the SDK parameters are used, if the layout fixes it.
    pub fn tail(self) -> Option<TailLayout> {
        match self {
            LayoutKind::Arduino => Some(TailLayout::Arduino),
            LayoutKind::NonosNonOta
            | LayoutKind::NonosOta
            | LayoutKind::MgosRboot
            | LayoutKind::Rboot => Some(TailLayout::Sdk),
            LayoutKind::RtosPartitions | LayoutKind::Unknown => None,
        }
    }
}

/// What a piece of layout evidence rests on, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// A partition table or a boot config.
    BootData,
    /// The boot loader at 0.
    Bootloader,
    /// The identified firmware.
    Firmware,
    /// What the sectors hold.
    Content,
}

/// One reason for the layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayoutEvidence {
    /// What it rests on.
    pub basis: Basis,
    /// Sentence.
    pub text: String,
}

/// A flash size the layout is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FlashSize {
    /// Bytes.
    pub size: u64,
    /// `header` (the size byte of the image at 0, what the SDK uses) or `dump` (the input length).
    pub source: &'static str,
}

/// What an area of the layout is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaRole {
    /// RF calibration data written by the SDK on this chip.
    RfCal,
    /// PHY init data (`esp_init_data_default.bin`).
    PhyInit,
    /// A copy of the SDK system parameters.
    SysParams,
    /// The SDK system-parameter flag sector.
    SysFlag,
    /// Arduino EEPROM emulation sector.
    Eeprom,
    /// A firmware's own settings area.
    Settings,
    /// An application slot (boot config ROM, partition-table app entry).
    App,
    /// A file system (boot config FS slot, partition-table `spiffs`/`fat` entry, a firmware's
    /// linker-script FS).
    Filesystem,
    /// Another data area (partition-table `nvs`, `ota_data`, custom data).
    Data,
}

/// One area of the layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Area {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// What it is for.
    pub role: AreaRole,
    /// Who defines it: a layout (`arduino`, `nonos-ota`, ...) or a firmware (`tasmota`).
    pub owner: &'static str,
    /// The flash size it was placed for.
    pub flash_size: u64,
    /// Human label.
    pub label: String,
}

/// The decided layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// Family.
    pub kind: LayoutKind,
    /// The flash sizes it is laid out for (header first).
    pub flash_sizes: Vec<FlashSize>,
    /// Why, strongest first.
    pub evidence: Vec<LayoutEvidence>,
    /// Fixed-position areas (SDK tail, EEPROM, firmware areas) for each flash size.
    pub areas: Vec<Area>,
}

/// What the layout is decided from.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    /// Length of the input.
    pub dump_size: usize,
    /// Flash size in the header of the image at 0.
    pub header_size: Option<usize>,
    /// A partition table was found.
    pub partition_table: bool,
    /// The rBoot config found, if any.
    pub boot_config: Option<RbootLayout>,
    /// Boot loader at 0.
    pub boot: BootKind,
    /// An image at 0 runs from raw IROM (non-OTA SDK build).
    pub raw_irom: bool,
    /// The identified firmware and the layout its profile says it uses.
    pub firmware: (FirmwareKind, Option<LayoutKind>),
}

/// The flash sizes in question: the header's (when the input reaches it), then the dump's when it
/// differs and is a chip size (a power of two from 512 KiB). An image file has neither.
pub fn flash_sizes(dump_size: usize, header_size: Option<usize>) -> Vec<FlashSize> {
    let mut out = Vec::new();
    if let Some(h) = header_size.filter(|&h| h <= dump_size) {
        out.push(FlashSize {
            size: h as u64,
            source: "header",
        });
    }
    let chip = dump_size.is_power_of_two() && dump_size >= crate::formats::flash::MIN_FLASH;
    if chip && out.first().is_none_or(|f| f.size != dump_size as u64) {
        out.push(FlashSize {
            size: dump_size as u64,
            source: "dump",
        });
    }
    out
}

fn ev(basis: Basis, text: impl Into<String>) -> LayoutEvidence {
    LayoutEvidence {
        basis,
        text: text.into(),
    }
}

/// Decide the layout.
pub fn decide(f: &Facts) -> Layout {
    let mut evidence = Vec::new();
    let kind = if f.partition_table {
        evidence.push(ev(Basis::BootData, "partition table at 0x8000"));
        LayoutKind::RtosPartitions
    } else if let Some(bc) = f.boot_config {
        let k = match bc {
            RbootLayout::Mgos => LayoutKind::MgosRboot,
            RbootLayout::Raburton => LayoutKind::Rboot,
        };
        evidence.push(ev(
            Basis::BootData,
            format!("rBoot config ({})", k.as_str()),
        ));
        k
    } else {
        match f.boot {
            BootKind::RbootMgos => {
                evidence.push(ev(Basis::Bootloader, "Mongoose OS rBoot at 0"));
                LayoutKind::MgosRboot
            }
            BootKind::Rboot => {
                evidence.push(ev(Basis::Bootloader, "rBoot at 0"));
                LayoutKind::Rboot
            }
            BootKind::Eboot => {
                evidence.push(ev(Basis::Bootloader, "eboot at 0 (esp8266/Arduino core)"));
                LayoutKind::Arduino
            }
            BootKind::EspSdkBoot => {
                evidence.push(ev(Basis::Bootloader, "Espressif boot_v1.x at 0"));
                LayoutKind::NonosOta
            }
            _ => LayoutKind::Unknown,
        }
    };
    let (fw, fw_layout) = f.firmware;
    let kind = match (kind, fw_layout) {
        (LayoutKind::Unknown, Some(l)) => {
            evidence.push(ev(
                Basis::Firmware,
                format!("{} firmware uses the {} layout", fw.as_str(), l.as_str()),
            ));
            l
        }
        (k, Some(l)) if k == l => {
            evidence.push(ev(
                Basis::Firmware,
                format!("{} firmware uses this layout", fw.as_str()),
            ));
            k
        }
        (LayoutKind::Unknown, None) if f.raw_irom => {
            evidence.push(ev(
                Basis::Content,
                "image at 0 with raw IROM after it (eagle.flash.bin + eagle.irom0text.bin)",
            ));
            LayoutKind::NonosNonOta
        }
        (k, _) => k,
    };
    let flash_sizes = flash_sizes(f.dump_size, f.header_size);
    let mut areas = Vec::new();
    for fs in &flash_sizes {
        areas.extend(tail_areas(kind, fs.size as usize, fs.source));
    }
    Layout {
        kind,
        flash_sizes,
        evidence,
        areas,
    }
}

/// The SDK tail (and, under Arduino, the EEPROM) for `size`.
pub fn tail_areas(kind: LayoutKind, size: usize, source: &str) -> Vec<Area> {
    let Some(tail) = kind.tail() else {
        return Vec::new();
    };
    if size < sc::RF_CAL_FROM_END + SECTOR_SIZE {
        return Vec::new();
    }
    let owner = kind.as_str();
    let area = |from_end: usize, n: usize, role: AreaRole, what: &str| Area {
        start: (size - from_end) as u64,
        end: (size - from_end + n) as u64,
        role,
        owner,
        flash_size: size as u64,
        label: format!("{what} ({source} size)"),
    };
    let mut v = match tail {
        TailLayout::Arduino => vec![
            area(sc::RF_CAL_FROM_END, SECTOR_SIZE, AreaRole::Eeprom, "EEPROM"),
            area(
                sc::PHY_FROM_END,
                SECTOR_SIZE,
                AreaRole::RfCal,
                "RF calibration",
            ),
        ],
        TailLayout::Sdk => vec![
            area(
                sc::RF_CAL_FROM_END,
                SECTOR_SIZE,
                AreaRole::RfCal,
                "RF calibration",
            ),
            area(
                sc::PHY_FROM_END,
                SECTOR_SIZE,
                AreaRole::PhyInit,
                "PHY init data",
            ),
        ],
    };
    v.push(area(
        sc::PARAM0_FROM_END,
        2 * SECTOR_SIZE,
        AreaRole::SysParams,
        "SDK system parameters",
    ));
    v.push(area(
        sc::FLAG_FROM_END,
        SECTOR_SIZE,
        AreaRole::SysFlag,
        "SDK parameter flag",
    ));
    v
}

impl Layout {
    /// The area of `role` placed for the first (header) flash size.
    pub fn area(&self, role: AreaRole) -> Option<&Area> {
        self.areas.iter().find(|a| a.role == role)
    }
    /// Add areas (boot data's, a firmware's); an Arduino EEPROM area one of them covers is
    /// dropped (the firmware uses it), so is an RF calibration position a firmware's settings
    /// area covers (Tuya keeps its factory record where the SDK layout puts RF calibration), and an area equal in place and role to one already there
    /// is not added twice.
    pub fn add_areas(&mut self, extra: Vec<Area>) {
        for a in &extra {
            let firmware = a.role == AreaRole::Settings;
            self.areas.retain(|b| {
                let covered = b.start >= a.start && b.end <= a.end;
                !(covered
                    && (b.role == AreaRole::Eeprom || (firmware && b.role == AreaRole::RfCal)))
            });
        }
        for a in extra {
            let dup = self
                .areas
                .iter()
                .any(|b| b.start == a.start && b.end == a.end && b.role == a.role);
            if !dup {
                self.areas.push(a);
            }
        }
        self.areas.sort_by_key(|a| (a.start, a.end));
    }
}

mod boot;
pub use boot::{boot_config_areas, partition_areas};

#[cfg(test)]
mod tests;
