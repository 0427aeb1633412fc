//! Boot loaders at flash offset 0: Espressif SDK boot_v1.x, Arduino eboot, rBoot and the Mongoose
//! OS rBoot variant, told apart by segment addresses and banner strings (`docs/structures.md` §3).

use crate::formats::image::consts as ic;
use crate::formats::image::Image;
use crate::formats::rboot;
use memchr::memmem;
use serde::Serialize;

// Boot loader markers and SDK flash maps (`docs/structures.md` §3).
/// SDK boot_v1.x version banner.
pub const SDK_BOOT_BANNER: &[u8] = b"2nd boot version : ";
/// SDK boot_v1.x user2 address by the flash-map code of the loader's header (user1 is 0x1000).
pub const SDK_USER2: &[(u8, usize)] = &[
    (0x0, 0x4_1000),
    (0x2, 0x8_1000),
    (0x3, 0x8_1000),
    (0x4, 0x8_1000),
    (0x5, 0x10_1000),
    (0x6, 0x10_1000),
    (0x8, 0x10_1000),
    (0x9, 0x10_1000),
];
/// Where builds without a loader keep raw IROM after the image at 0 (MicroPython 0x9000, SDK
/// non-OTA and NodeMCU 0x10000, SDK 1.x 0x40000).
pub const RAW_IROM_OFFSETS: [usize; 3] = [0x9000, 0x1_0000, 0x4_0000];
/// Arduino eboot strings in its DRAM segment.
pub const EBOOT_MARKERS: &[&[u8]] = &[b"v%08x", b"cp:"];

/// Which loader sits at offset 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BootKind {
    /// Espressif NONOS SDK `boot_v1.x.bin`.
    EspSdkBoot,
    /// Arduino core eboot.
    Eboot,
    /// raburton's rBoot (also Sming, esp-open-rtos, HAA).
    Rboot,
    /// The Mongoose OS fork of rBoot (stock Shelly).
    RbootMgos,
    /// No boot loader: the image at 0 is the application itself, or there is no image at 0.
    None,
    /// An image at 0 that looks like a loader but matches no known one.
    Unknown,
}

impl BootKind {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BootKind::EspSdkBoot => "esp-sdk-boot",
            BootKind::Eboot => "eboot",
            BootKind::Rboot => "rboot",
            BootKind::RbootMgos => "rboot-mgos",
            BootKind::None => "none",
            BootKind::Unknown => "unknown",
        }
    }
    /// True for real second-stage loaders (not `none`/`unknown`).
    pub fn is_loader(self) -> bool {
        !matches!(self, BootKind::None | BootKind::Unknown)
    }
}

/// The identified boot loader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bootloader {
    /// Kind.
    pub kind: BootKind,
    /// Version, e.g. `1.7(5d6f877)` or `1.2.1`.
    pub version: Option<String>,
    /// Offset of the text that identified it.
    pub evidence_offset: Option<u64>,
    /// The text that identified it.
    pub evidence: Option<String>,
}

fn printable_run(b: &[u8], max: usize) -> String {
    let n = b
        .iter()
        .take(max)
        .take_while(|&&x| (0x20..0x7F).contains(&x))
        .count();
    String::from_utf8_lossy(&b[..n]).into_owned()
}

/// Identify the loader from the image at offset 0 (if any) and the bytes around it.
pub fn identify(data: &[u8], img0: Option<&Image>) -> Bootloader {
    let none = Bootloader {
        kind: BootKind::None,
        version: None,
        evidence_offset: None,
        evidence: None,
    };
    let Some(img) = img0.filter(|i| i.offset == 0 && i.image_version == 1) else {
        return none;
    };
    let body = &data[..img.end.min(data.len())];
    if img
        .segments
        .iter()
        .any(|s| (ic::EBOOT_TEXT_MIN..ic::IRAM_END).contains(&s.addr))
    {
        let ev = EBOOT_MARKERS
            .iter()
            .find_map(|m| memmem::find(body, m).map(|o| (o, m)));
        return Bootloader {
            kind: BootKind::Eboot,
            version: None,
            evidence_offset: ev.map(|(o, _)| o as u64),
            evidence: Some(match ev {
                Some((_, m)) => {
                    format!("IRAM segment at 0x4010f000+, string {:?}", escape_ascii(m))
                }
                None => "IRAM segment at 0x4010f000+".to_string(),
            }),
        };
    }
    if let Some(o) = memmem::find(body, rboot::RBOOT_BANNER) {
        let text = printable_run(&body[o..], 64);
        let version = text
            .strip_prefix("rBoot v")
            .and_then(|s| s.split_whitespace().next())
            .map(str::to_string);
        let mgos = rboot::RBOOT_MGOS_MARKERS
            .iter()
            .any(|m| memmem::find(body, m).is_some());
        return Bootloader {
            kind: if mgos {
                BootKind::RbootMgos
            } else {
                BootKind::Rboot
            },
            version,
            evidence_offset: Some(o as u64),
            evidence: Some(text),
        };
    }
    if let Some(o) = memmem::find(body, SDK_BOOT_BANNER) {
        let text = printable_run(&body[o..], 48);
        let version = text
            .strip_prefix(std::str::from_utf8(SDK_BOOT_BANNER).unwrap_or(""))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        return Bootloader {
            kind: BootKind::EspSdkBoot,
            version,
            evidence_offset: Some(o as u64),
            evidence: Some(text),
        };
    }
    // A small image that ends inside the first sector with more structure after it is a loader we
    // do not know; anything else at 0 is an application.
    let small = img.end <= crate::formats::flash::SECTOR_SIZE;
    let next = data
        .get(crate::formats::flash::SECTOR_SIZE)
        .is_some_and(|&b| b == ic::MAGIC_V1 || b == ic::MAGIC_V2 || b == rboot::RBOOT_CONFIG_MAGIC);
    if small && next {
        return Bootloader {
            kind: BootKind::Unknown,
            version: None,
            evidence_offset: Some(0),
            evidence: Some("small image at 0 followed by another structure at 0x1000".into()),
        };
    }
    none
}

fn escape_ascii(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
