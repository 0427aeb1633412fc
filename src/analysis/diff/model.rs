//! The report `diff` returns: the overlaid region map ([`RegionDiff`]), the semantic changes
//! ([`SemanticChange`], by [`Area`]), a summary of each input ([`Side`]) and the counts. Data
//! only: [`super::render`] prints it, serde makes it JSON.

use super::lines::LineDiff;
use crate::analysis::firmware::FirmwareKind;
use crate::analysis::inspect::RegionKind;
use crate::report::Class;
use serde::Serialize;
use serde_json::Value;

/// Status of one piece of the overlaid map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Same bytes in both (the region kind may still differ, e.g. `app` → `app_slot`).
    Same,
    /// Different bytes, structure on both sides.
    Changed,
    /// Structure in A, erased or fill in B (or past the end of B).
    OnlyA,
    /// Structure in B, erased or fill in A (or past the end of A).
    OnlyB,
}

impl Status {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Same => "same",
            Status::Changed => "changed",
            Status::OnlyA => "only_a",
            Status::OnlyB => "only_b",
        }
    }
}

/// A region of one dump, as `inspect` mapped it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionRef {
    /// First byte of the whole region in that dump.
    pub start: u64,
    /// One past its last byte.
    pub end: u64,
    /// Kind.
    pub kind: RegionKind,
    /// Label (untrusted text in places; escape before printing).
    pub label: String,
}

/// A run of changed bytes `[start, end)` (runs closer than 16 equal bytes are merged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ByteRange {
    /// First changed byte.
    pub start: u64,
    /// One past the last changed byte.
    pub end: u64,
}

/// One piece of the overlaid map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionDiff {
    /// First byte (same address in A and B).
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// Same, changed, only in A, only in B.
    pub status: Status,
    /// The region of A here (`None` past the end of A).
    pub a: Option<RegionRef>,
    /// The region of B here (`None` past the end of B).
    pub b: Option<RegionRef>,
    /// Exact number of differing bytes.
    pub changed_bytes: u64,
    /// Number of merged ranges (may exceed `ranges.len()`).
    pub range_count: usize,
    /// The first merged ranges of changed bytes (at most 32).
    pub ranges: Vec<ByteRange>,
    /// The firmware rewrites this region by itself (see `noise_reason`).
    pub noise: bool,
    /// Why it is noise.
    pub noise_reason: Option<&'static str>,
}

/// What a semantic change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Dump size.
    Size,
    /// Firmware kind and version (running, per slot).
    Firmware,
    /// The second-stage boot loader.
    Bootloader,
    /// rBoot config.
    BootConfig,
    /// Image headers and checksums.
    Image,
    /// Tasmota settings fields.
    Tasmota,
    /// Decoded configuration (Mongoose OS / Shelly config keys).
    Config,
    /// File systems present or not.
    Filesystem,
    /// Files added, removed or changed.
    File,
    /// SDK system parameters (Wi-Fi settings, save counter).
    Sdk,
}

impl Area {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Size => "size",
            Area::Firmware => "firmware",
            Area::Bootloader => "bootloader",
            Area::BootConfig => "boot_config",
            Area::Image => "image",
            Area::Tasmota => "tasmota",
            Area::Config => "config",
            Area::Filesystem => "filesystem",
            Area::File => "file",
            Area::Sdk => "sdk",
        }
    }
}

/// Changed, added (only in B) or removed (only in A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// In both, different.
    Changed,
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
}

impl ChangeKind {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Changed => "changed",
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
        }
    }
}

/// One change in the terms of the dumps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SemanticChange {
    /// What it is about.
    pub area: Area,
    /// Changed, added or removed.
    pub change: ChangeKind,
    /// Where: `slot 1 (0x108000)`, `image@0x008000`, `spiffs@0x0bb000:conf9.json`, ...
    pub source: String,
    /// Which field or file.
    pub key: String,
    /// Value in A (raw; secrets masked by [`DiffReport::masked`]).
    pub a: Option<Value>,
    /// Value in B.
    pub b: Option<Value>,
    /// Class of a configuration value, for masking.
    pub class: Option<Class>,
    /// The firmware rewrites this by itself (counters, checksums, timestamps).
    pub noise: bool,
    /// Offset of the value in A, if known.
    pub offset_a: Option<u64>,
    /// Offset of the value in B, if known.
    pub offset_b: Option<u64>,
    /// Why there is no line diff for a changed file (`binary`, `secret file`, ...).
    pub note: Option<String>,
    /// Line diff of a changed text or JSON file.
    pub lines: Option<LineDiff>,
}

impl SemanticChange {
    pub(crate) fn new(area: Area, source: impl Into<String>, key: impl Into<String>) -> Self {
        SemanticChange {
            area,
            change: ChangeKind::Changed,
            source: source.into(),
            key: key.into(),
            a: None,
            b: None,
            class: None,
            noise: false,
            offset_a: None,
            offset_b: None,
            note: None,
            lines: None,
        }
    }
    pub(crate) fn values(mut self, a: Option<Value>, b: Option<Value>) -> Self {
        self.change = match (&a, &b) {
            (None, Some(_)) => ChangeKind::Added,
            (Some(_), None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        };
        self.a = a;
        self.b = b;
        self
    }
    pub(crate) fn noise(mut self, n: bool) -> Self {
        self.noise = n;
        self
    }
}

/// The firmware found in one app slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlotFirmware {
    /// `slot 0`, `slot 1` (rBoot), or `app` for single-slot layouts.
    pub name: String,
    /// Offset of the image.
    pub offset: u64,
    /// The slot the boot loader starts.
    pub running: bool,
    /// Family.
    pub kind: FirmwareKind,
    /// Version.
    pub version: Option<String>,
    /// Model (stock Shelly).
    pub model: Option<String>,
}

impl SlotFirmware {
    /// `shelly 1.8.4 SHDM-2`.
    pub fn describe(&self) -> String {
        describe_fw(self.kind, self.version.as_deref(), self.model.as_deref())
    }
}

/// A summary of one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// Size in bytes.
    pub size: u64,
    /// The running firmware: `shelly 1.8.4 SHDM-2`.
    pub firmware: String,
    /// Boot loader kind and version.
    pub bootloader: String,
    /// rBoot current slot, if there is a boot config.
    pub active_slot: Option<u8>,
    /// Firmware per app slot.
    pub slots: Vec<SlotFirmware>,
}

/// Counts over the (possibly noise-filtered) report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Regions with the same bytes.
    pub regions_same: usize,
    /// Regions changed.
    pub regions_changed: usize,
    /// Regions only in A.
    pub regions_only_a: usize,
    /// Regions only in B.
    pub regions_only_b: usize,
    /// Semantic changes that are not noise.
    pub changes: usize,
    /// Regions and changes marked noise that are still in the report.
    pub noise: usize,
}

impl Summary {
    /// Count the regions and changes of a report.
    pub(super) fn count(regions: &[RegionDiff], changes: &[SemanticChange]) -> Self {
        let mut summary = Summary::default();
        for r in regions {
            match r.status {
                Status::Same => summary.regions_same += 1,
                Status::Changed => summary.regions_changed += 1,
                Status::OnlyA => summary.regions_only_a += 1,
                Status::OnlyB => summary.regions_only_b += 1,
            }
            if r.noise {
                summary.noise += 1;
            }
        }
        for ch in changes {
            if ch.noise {
                summary.noise += 1;
            } else {
                summary.changes += 1;
            }
        }
        summary
    }
}

/// Everything `diff` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    /// The first input.
    pub a: Side,
    /// The second input.
    pub b: Side,
    /// No difference (after dropping noise when `ignore_noise`).
    pub identical: bool,
    /// Noise was dropped.
    pub ignore_noise: bool,
    /// Bytes compared: the common part when the sizes differ.
    pub common_size: u64,
    /// The sizes differ (reported also as a `size` change).
    pub size_differs: bool,
    /// The overlaid map, in address order.
    pub regions: Vec<RegionDiff>,
    /// Semantic changes, in area order.
    pub changes: Vec<SemanticChange>,
    /// Counts.
    pub summary: Summary,
    /// Noise entries dropped by `ignore_noise`.
    pub noise_hidden: usize,
    /// One side is a Tasmota `.dmp`: only the settings (and the firmware version they state) are
    /// compared; there is no flash map or byte overlay.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub settings_only: bool,
    /// Secret strings seen in either input, to mask free text (line diffs). Never serialised.
    #[serde(skip)]
    pub(super) secrets: Vec<String>,
}

impl DiffReport {
    /// The exit status `diff(1)` would give: 0 identical, 1 different.
    pub fn differs(&self) -> bool {
        !self.identical
    }
}

pub(super) fn describe_fw(
    kind: FirmwareKind,
    version: Option<&str>,
    model: Option<&str>,
) -> String {
    let mut s = kind.as_str().to_string();
    if let Some(v) = version {
        s.push(' ');
        s.push_str(v);
    }
    if let Some(m) = model {
        s.push(' ');
        s.push_str(m);
    }
    s
}
