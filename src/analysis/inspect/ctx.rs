//! The shared context the passes of `inspect` read and fill.

use super::report::{FsReport, ImageReport, Region};
use crate::analysis::claims::Claims;
use crate::analysis::firmware::Firmware;
use crate::analysis::layout::Layout;
use crate::formats::bootloader::Bootloader;
use crate::formats::image::Image;
use crate::formats::partition::PartitionTable;
use crate::formats::rboot::RbootConfig;
use crate::formats::sdk::SdkTail;
use crate::report::{ConfigSection, Finding};

/// An application slot of the layout: address, whether it runs, label.
pub(super) struct Slot {
    pub addr: usize,
    pub active: bool,
    pub label: String,
}

/// Everything the passes share. Each pass reads what earlier passes filled and adds its own.
pub(super) struct Ctx<'a> {
    pub data: &'a [u8],
    pub findings: Vec<Finding>,
    pub claims: Claims,
    pub images: Vec<(Image, &'static str)>,
    pub img0: Option<Image>,
    pub header_flash_size: Option<usize>,
    pub boot: Bootloader,
    pub boot_config: Option<RbootConfig>,
    pub ptable: Option<PartitionTable>,
    pub slots: Vec<Slot>,
    pub arduino_layout: bool,
    pub running: Option<Image>,
    /// Raw IROM after an image at 0: (start, end).
    pub irom: Option<(usize, usize)>,
    pub firmware: Firmware,
    pub layout: Layout,
    pub tails: Vec<SdkTail>,
    pub filesystems: Vec<FsReport>,
    pub tscan: crate::formats::tasmota::Scan,
    pub regions: Vec<Region>,
    pub reports: Vec<ImageReport>,
    pub config: Vec<ConfigSection>,
}

impl<'a> Ctx<'a> {
    pub fn new(data: &'a [u8]) -> Ctx<'a> {
        Ctx {
            data,
            findings: Vec::new(),
            claims: Claims::default(),
            images: Vec::new(),
            img0: None,
            header_flash_size: None,
            boot: crate::formats::bootloader::identify(&[], None),
            boot_config: None,
            ptable: None,
            slots: Vec::new(),
            arduino_layout: false,
            running: None,
            irom: None,
            firmware: crate::analysis::firmware::Firmware::unknown(),
            layout: crate::analysis::layout::decide(&crate::analysis::layout::Facts {
                dump_size: 0,
                header_size: None,
                partition_table: false,
                boot_config: None,
                boot: crate::formats::bootloader::BootKind::None,
                raw_irom: false,
                firmware: (crate::analysis::firmware::FirmwareKind::Unknown, None),
            }),
            tails: Vec::new(),
            filesystems: Vec::new(),
            tscan: crate::formats::tasmota::Scan::default(),
            regions: Vec::new(),
            reports: Vec::new(),
            config: Vec::new(),
        }
    }
}
