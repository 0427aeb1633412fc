//! `diff`: compare two dumps by structure. Both inputs go through [`crate::inspect`]; the two
//! region maps are overlaid (so different layouts and firmware line up by address), each piece
//! gets a status (same, changed with merged byte ranges, only in A, only in B), and the decoded
//! structures are compared field by field: firmware per app slot, image headers and checksums,
//! boot config, Tasmota settings, Mongoose OS / Shelly config keys, files with line diffs, SDK
//! Wi-Fi settings. Everything a firmware rewrites by itself (RF calibration, SDK save counters,
//! Tasmota `bootcount`/`save_flag`/CRCs/timestamps) is marked `noise: true` in the data, and
//! [`Options::ignore_noise`] drops it. Pure: two byte slices in, a [`DiffReport`] out.

pub mod lines;
pub mod policy;
pub mod render;

use crate::diff::policy as c;
use crate::diff::policy as names;
use crate::identify::{self, FirmwareKind, Scope};
use crate::inspect::{self, ImageReport, InspectReport, RegionKind};
use crate::report::{Class, ConfigItem, ConfigSection, MASK};
use lines::LineDiff;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Options for [`diff`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Drop noise (regions and fields a firmware rewrites by itself) from the report; the
    /// verdict then ignores it.
    pub ignore_noise: bool,
}

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
    secrets: Vec<String>,
}

/// Compare two dumps.
pub fn diff(a: &[u8], b: &[u8], opts: &Options) -> crate::Result<DiffReport> {
    let io = inspect::Options::default();
    let first = |e| crate::Error::InvalidInput(format!("first input: {e}"));
    let second = |e| crate::Error::InvalidInput(format!("second input: {e}"));
    if a == b {
        // One analysis serves both sides.
        let ra = inspect::inspect(a, &io).map_err(first)?;
        return Ok(diff_reports(a, &ra, b, &ra, opts));
    }
    // The two analyses are independent: run them side by side (sequentially if no thread).
    let (ra, rb) = std::thread::scope(|s| {
        let hb = std::thread::Builder::new().spawn_scoped(s, || inspect::inspect(b, &io));
        let ra = inspect::inspect(a, &io);
        let rb = match hb {
            Ok(h) => h.join().unwrap_or_else(|_| inspect::inspect(b, &io)),
            Err(_) => inspect::inspect(b, &io),
        };
        (ra, rb)
    });
    let (ra, rb) = (ra.map_err(first)?, rb.map_err(second)?);
    Ok(diff_reports(a, &ra, b, &rb, opts))
}

/// Compare two dumps already inspected (`ra` must be `inspect(a)`, `rb` `inspect(b)`).
pub fn diff_reports(
    a: &[u8],
    ra: &InspectReport,
    b: &[u8],
    rb: &InspectReport,
    opts: &Options,
) -> DiffReport {
    let mut changes = Vec::new();
    let secrets = collect_secrets(ra, rb);
    let settings_only = ra.dmp.is_some() || rb.dmp.is_some();
    if settings_only {
        return settings_diff(ra, rb, side(a, ra), side(b, rb), secrets, opts);
    }
    if a.len() != b.len() {
        changes.push(
            SemanticChange::new(Area::Size, "dump", "size")
                .values(Some(a.len().into()), Some(b.len().into())),
        );
    }
    let (side_a, side_b) = (side(a, ra), side(b, rb));
    firmware_changes(ra, rb, &side_a, &side_b, &mut changes);
    boot_changes(ra, rb, &mut changes);
    image_changes(ra, rb, &mut changes);
    for p in crate::profile::REGISTRY {
        p.diff_changes(ra, rb, &mut changes);
    }
    config_changes(ra, rb, &mut changes);
    let fs_quiet = file_changes(a, ra, b, rb, &secrets, &mut changes);
    sdk_changes(ra, rb, &mut changes);
    let mut regions = overlay(a, ra, b, rb);
    for r in &mut regions {
        if r.status == Status::Same {
            continue;
        }
        if let Some(why) = region_noise(r, &fs_quiet, &changes) {
            r.noise = true;
            r.noise_reason = Some(why);
        }
    }
    changes.sort_by_key(|c| c.area);
    let mut noise_hidden = 0;
    if opts.ignore_noise {
        let (n0, m0) = (regions.len(), changes.len());
        regions.retain(|r| !(r.noise && r.status != Status::Same));
        changes.retain(|c| !c.noise);
        noise_hidden = (n0 - regions.len()) + (m0 - changes.len());
    }
    let mut summary = Summary::default();
    for r in &regions {
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
    for ch in &changes {
        if ch.noise {
            summary.noise += 1;
        } else {
            summary.changes += 1;
        }
    }
    let identical = a.len() == b.len()
        && regions.iter().all(|r| r.status == Status::Same)
        && changes.is_empty();
    DiffReport {
        a: side_a,
        b: side_b,
        identical,
        ignore_noise: opts.ignore_noise,
        common_size: a.len().min(b.len()) as u64,
        size_differs: a.len() != b.len(),
        regions,
        changes,
        summary,
        noise_hidden,
        settings_only: false,
        secrets,
    }
}

/// A `.dmp` on either side: compare the decoded settings (and the firmware version they state),
/// field by field; the flash map and bytes of a dump have no counterpart in a `.dmp`.
fn settings_diff(
    ra: &InspectReport,
    rb: &InspectReport,
    side_a: Side,
    side_b: Side,
    secrets: Vec<String>,
    opts: &Options,
) -> DiffReport {
    let mut changes = Vec::new();
    firmware_changes(ra, rb, &side_a, &side_b, &mut changes);
    for p in crate::profile::REGISTRY {
        p.diff_changes(ra, rb, &mut changes);
    }
    changes.sort_by_key(|c| c.area);
    let n0 = changes.len();
    if opts.ignore_noise {
        changes.retain(|c| !c.noise);
    }
    let mut summary = Summary::default();
    for ch in &changes {
        if ch.noise {
            summary.noise += 1;
        } else {
            summary.changes += 1;
        }
    }
    let noise_hidden = n0 - changes.len();
    DiffReport {
        a: side_a,
        b: side_b,
        identical: changes.is_empty(),
        ignore_noise: opts.ignore_noise,
        common_size: 0,
        size_differs: false,
        regions: Vec::new(),
        changes,
        summary,
        noise_hidden,
        settings_only: true,
        secrets,
    }
}

impl DiffReport {
    /// A copy with every secret masked: values of class `secret`, and secret strings (and
    /// secret JSON keys) inside line diffs.
    pub fn masked(&self) -> Self {
        let mut r = self.clone();
        for ch in &mut r.changes {
            if ch.class == Some(Class::Secret) {
                for v in [&mut ch.a, &mut ch.b].into_iter().flatten() {
                    *v = ConfigItem::new("", v.clone(), Class::Secret, None)
                        .masked()
                        .value;
                }
            }
            if let Some(ld) = &mut ch.lines {
                for l in ld.hunks.iter_mut().flat_map(|h| h.lines.iter_mut()) {
                    if let Some(m) = l.masked.take() {
                        l.text = m;
                    }
                    l.text = mask_text(&l.text, &self.secrets);
                }
            }
            for v in [&mut ch.a, &mut ch.b].into_iter().flatten() {
                mask_value(v, &self.secrets);
            }
        }
        r.secrets.clear();
        r
    }

    /// The exit status `diff(1)` would give: 0 identical, 1 different.
    pub fn differs(&self) -> bool {
        !self.identical
    }
}

/// Replace every secret string in `s` with [`MASK`].
fn mask_text(s: &str, secrets: &[String]) -> String {
    let mut out = s.to_string();
    for sec in secrets {
        if out.contains(sec.as_str()) {
            out = out.replace(sec.as_str(), MASK);
        }
    }
    out
}

fn mask_value(v: &mut Value, secrets: &[String]) {
    match v {
        Value::String(s) if secrets.iter().any(|x| s.contains(x.as_str())) => {
            *s = mask_text(s, secrets);
        }
        Value::Array(a) => a.iter_mut().for_each(|x| mask_value(x, secrets)),
        Value::Object(o) => o.values_mut().for_each(|x| mask_value(x, secrets)),
        _ => {}
    }
}

/// Secret strings of both inputs, longest first (so a longer secret is masked before a part of it).
fn collect_secrets(ra: &InspectReport, rb: &InspectReport) -> Vec<String> {
    let mut set = BTreeSet::new();
    for it in ra
        .config
        .iter()
        .chain(&rb.config)
        .flat_map(|s| &s.items)
        .filter(|i| i.class == Class::Secret)
    {
        add_secret_strings(&it.value, &mut set);
    }
    let mut v: Vec<String> = set.into_iter().collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v
}

/// Every string of a secret value (arrays of passwords included), also as it appears in JSON.
fn add_secret_strings(v: &Value, set: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if s.chars().count() >= c::MIN_SECRET_LEN && s != MASK => {
            set.insert(s.clone());
            if let Ok(j) = serde_json::to_string(s) {
                let inner = j.trim_matches('"').to_string();
                if inner != *s {
                    set.insert(inner);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| add_secret_strings(x, set)),
        Value::Object(o) => o.values().for_each(|x| add_secret_strings(x, set)),
        _ => {}
    }
}

fn describe_fw(kind: FirmwareKind, version: Option<&str>, model: Option<&str>) -> String {
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

fn side(data: &[u8], r: &InspectReport) -> Side {
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
                    arduino_layout: r.bootloader.kind == crate::bootloader::BootKind::Eboot,
                    loader_only: false,
                    raw_irom: None,
                };
                identify::identify(data, &scope, &r.bootloader)
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

fn firmware_changes(
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

fn boot_changes(ra: &InspectReport, rb: &InspectReport, out: &mut Vec<SemanticChange>) {
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
            let d = |b: &crate::rboot::RbootConfig| -> Value {
                format!("@0x{:x}, active slot {}", b.offset, b.current_rom).into()
            };
            out.push(
                SemanticChange::new(Area::BootConfig, "boot config", "boot config")
                    .values(x.as_ref().map(d), y.as_ref().map(d)),
            );
        }
    }
}

fn image_summary(i: &ImageReport) -> Value {
    format!(
        "v{} {}, {} segments, {} bytes, checksum 0x{:02x} {}",
        i.image_version,
        i.role,
        i.segments.len(),
        i.end.saturating_sub(i.offset),
        i.checksum.stored,
        if i.checksum.valid { "valid" } else { "INVALID" }
    )
    .into()
}

fn image_changes(ra: &InspectReport, rb: &InspectReport, out: &mut Vec<SemanticChange>) {
    let offsets: BTreeSet<u64> = ra
        .images
        .iter()
        .chain(&rb.images)
        .map(|i| i.offset)
        .collect();
    for off in offsets {
        let x = ra.images.iter().find(|i| i.offset == off);
        let y = rb.images.iter().find(|i| i.offset == off);
        let src = format!("image@0x{off:06x}");
        let (x, y) = match (x, y) {
            (Some(x), Some(y)) => (x, y),
            (x, y) => {
                out.push(
                    SemanticChange::new(Area::Image, src, "image")
                        .values(x.map(image_summary), y.map(image_summary)),
                );
                continue;
            }
        };
        let mut field = |key: &str, p: Value, q: Value| {
            if p != q {
                let mut ch =
                    SemanticChange::new(Area::Image, src.clone(), key).values(Some(p), Some(q));
                ch.offset_a = Some(off);
                ch.offset_b = Some(off);
                out.push(ch);
            }
        };
        field("role", x.role.into(), y.role.into());
        field(
            "image version",
            x.image_version.into(),
            y.image_version.into(),
        );
        field(
            "length",
            (x.end - x.offset.min(x.end)).into(),
            (y.end - y.offset.min(y.end)).into(),
        );
        field(
            "entry",
            format!("0x{:08x}", x.entry).into(),
            format!("0x{:08x}", y.entry).into(),
        );
        let segs = |i: &ImageReport| -> Value {
            i.segments
                .iter()
                .map(|s| format!("0x{:08x}:0x{:x}", s.addr, s.len))
                .collect::<Vec<_>>()
                .into()
        };
        field("segments", segs(x), segs(y));
        let ck = |i: &ImageReport| -> Value {
            format!(
                "0x{:02x} {}",
                i.checksum.stored,
                if i.checksum.valid {
                    "valid".to_string()
                } else {
                    format!("INVALID (computed 0x{:02x})", i.checksum.computed)
                }
            )
            .into()
        };
        field("checksum", ck(x), ck(y));
        let fp = |i: &ImageReport| -> Value {
            format!("{} {} {}", i.flash_mode, i.flash_size, i.flash_freq).into()
        };
        field("flash params", fp(x), fp(y));
        let crc = |c: &Option<crate::image::Crc32Check>| -> Value {
            match c {
                None => Value::Null,
                Some(c) => format!(
                    "0x{:08x} {}",
                    c.stored,
                    if c.valid { "valid" } else { "INVALID" }
                )
                .into(),
            }
        };
        field("crc32", crc(&x.crc32), crc(&y.crc32));
        field("arduino crc", crc(&x.arduino_crc), crc(&y.arduino_crc));
    }
}

/// Compare two lists of configuration items by key.
pub(crate) fn diff_items(
    area: Area,
    source: &str,
    xa: &[ConfigItem],
    xb: &[ConfigItem],
    noise: &dyn Fn(&str) -> bool,
    out: &mut Vec<SemanticChange>,
) {
    let mut ib: HashMap<&str, &ConfigItem> = HashMap::with_capacity(xb.len());
    for it in xb {
        ib.entry(it.key.as_str()).or_insert(it);
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for x in xa {
        if !seen.insert(x.key.as_str()) {
            continue;
        }
        let y = ib.get(x.key.as_str()).copied();
        if y.is_some_and(|y| y.value == x.value) {
            continue;
        }
        let mut ch = SemanticChange::new(area, source, x.key.clone())
            .values(Some(x.value.clone()), y.map(|y| y.value.clone()))
            .noise(noise(&x.key));
        ch.class = Some(x.class);
        ch.offset_a = x.offset;
        ch.offset_b = y.and_then(|y| y.offset);
        out.push(ch);
    }
    for y in xb {
        if seen.insert(y.key.as_str()) {
            let mut ch = SemanticChange::new(area, source, y.key.clone())
                .values(None, Some(y.value.clone()))
                .noise(noise(&y.key));
            ch.class = Some(y.class);
            ch.offset_b = y.offset;
            out.push(ch);
        }
    }
}

/// Sources compared elsewhere (by a firmware profile's diff semantics, SDK parameter copies).
fn generic_section(s: &ConfigSection) -> bool {
    !s.source.starts_with(names::SDK_SOURCE)
        && !crate::profile::REGISTRY
            .iter()
            .any(|p| p.diff_owns_section(&s.source))
}

fn config_changes(ra: &InspectReport, rb: &InspectReport, out: &mut Vec<SemanticChange>) {
    let sa: Vec<&ConfigSection> = ra.config.iter().filter(|s| generic_section(s)).collect();
    let sb: Vec<&ConfigSection> = rb.config.iter().filter(|s| generic_section(s)).collect();
    let never = |_: &str| false;
    for x in &sa {
        match sb.iter().find(|y| y.source == x.source) {
            Some(y) => diff_items(Area::Config, &x.source, &x.items, &y.items, &never, out),
            None => out.push(
                SemanticChange::new(Area::Config, x.source.clone(), "section")
                    .values(Some(format!("{} keys", x.items.len()).into()), None),
            ),
        }
    }
    for y in &sb {
        if !sa.iter().any(|x| x.source == y.source) {
            out.push(
                SemanticChange::new(Area::Config, y.source.clone(), "section")
                    .values(None, Some(format!("{} keys", y.items.len()).into())),
            );
        }
    }
    // The configuration in use, when it moved (e.g. to the other file-system slot after an OTA).
    let live = |v: &[&ConfigSection]| -> Option<ConfigSection> {
        v.iter()
            .find(|s| s.live && s.source.ends_with(names::EFFECTIVE_SUFFIX))
            .map(|s| (*s).clone())
    };
    if let (Some(x), Some(y)) = (live(&sa), live(&sb)) {
        if x.source != y.source {
            let src = format!(
                "live configuration ({} -> {})",
                x.source.trim_end_matches(names::EFFECTIVE_SUFFIX),
                y.source.trim_end_matches(names::EFFECTIVE_SUFFIX)
            );
            diff_items(Area::Config, &src, &x.items, &y.items, &never, out);
        }
    }
}

fn sdk_changes(ra: &InspectReport, rb: &InspectReport, out: &mut Vec<SemanticChange>) {
    let sizes: BTreeSet<u64> = ra.sdk.iter().chain(&rb.sdk).map(|t| t.flash_size).collect();
    for size in sizes {
        let x = ra.sdk.iter().find(|t| t.flash_size == size);
        let y = rb.sdk.iter().find(|t| t.flash_size == size);
        let src = format!("sdk system params ({} KiB flash)", size / 1024);
        let (x, y) = match (x, y) {
            (Some(x), Some(y)) => (x, y),
            (x, y) => {
                let d = |t: &crate::sdk::SdkTail| -> Value {
                    format!("@0x{:x}, {:?} layout", t.start(), t.layout).into()
                };
                out.push(
                    SemanticChange::new(Area::Sdk, src, "sdk sectors").values(x.map(d), y.map(d)),
                );
                continue;
            }
        };
        match (&x.flag, &y.flag) {
            (Some(f), Some(g)) => {
                if f.counter != g.counter {
                    out.push(
                        SemanticChange::new(Area::Sdk, src.clone(), "save counter")
                            .values(Some(f.counter.into()), Some(g.counter.into()))
                            .noise(true),
                    );
                }
                if f.current != g.current {
                    out.push(
                        SemanticChange::new(Area::Sdk, src.clone(), "current copy")
                            .values(Some(f.current.into()), Some(g.current.into()))
                            .noise(true),
                    );
                }
            }
            (None, None) => {}
            (f, g) => out.push(
                SemanticChange::new(Area::Sdk, src.clone(), "flag sector")
                    .values(
                        f.as_ref().map(|f| Value::from(f.counter)),
                        g.as_ref().map(|g| Value::from(g.counter)),
                    )
                    .noise(true),
            ),
        }
        if x.rf_cal_present != y.rf_cal_present {
            out.push(
                SemanticChange::new(Area::Sdk, src.clone(), "rf calibration present")
                    .values(Some(x.rf_cal_present.into()), Some(y.rf_cal_present.into()))
                    .noise(true),
            );
        }
        let items = |t: &crate::sdk::SdkTail| -> Vec<ConfigItem> {
            t.active_copy()
                .filter(|c| !c.erased)
                .map(|c| c.config().items)
                .unwrap_or_default()
        };
        let never = |_: &str| false;
        diff_items(
            Area::Sdk,
            &format!("{src}, current copy"),
            &items(x),
            &items(y),
            &never,
            out,
        );
    }
}

/// Read every file of a file system once: name → content (`None` when unreadable).
fn read_files(data: &[u8], f: &inspect::FsReport) -> Vec<(String, Option<Vec<u8>>)> {
    match f.info.kind {
        crate::fs::FsKind::Spiffs => f
            .entries
            .iter()
            .map(|e| {
                let content = crate::fs::spiffs::read_entry(data, &f.info, e);
                (e.name.clone(), Some(content))
            })
            .collect(),
        crate::fs::FsKind::Littlefs => crate::fs::littlefs::list(data, &f.info)
            .into_iter()
            .filter(|e| !e.is_dir)
            .map(|e| {
                let content = crate::fs::littlefs::read_entry(data, &f.info, &e);
                (e.path, content)
            })
            .collect(),
    }
}

fn fs_label(f: &inspect::FsReport) -> String {
    format!("{}@0x{:06x}", f.fs_type, f.start)
}

/// File changes per paired file system. Returns the starts of paired file systems in which no
/// file changed (their byte changes are page moves: noise).
fn file_changes(
    a: &[u8],
    ra: &InspectReport,
    b: &[u8],
    rb: &InspectReport,
    secrets: &[String],
    out: &mut Vec<SemanticChange>,
) -> Vec<u64> {
    let mut quiet = Vec::new();
    for x in &ra.filesystems {
        if !rb.filesystems.iter().any(|y| y.start == x.start) {
            out.push(
                SemanticChange::new(Area::Filesystem, fs_label(x), "file system")
                    .values(Some(format!("{} files", x.files.len()).into()), None),
            );
        }
    }
    for y in &rb.filesystems {
        let Some(x) = ra.filesystems.iter().find(|x| x.start == y.start) else {
            out.push(
                SemanticChange::new(Area::Filesystem, fs_label(y), "file system")
                    .values(None, Some(format!("{} files", y.files.len()).into())),
            );
            continue;
        };
        let src = fs_label(y);
        if x.fs_type != y.fs_type || x.end != y.end {
            out.push(
                SemanticChange::new(Area::Filesystem, src.clone(), "type and size").values(
                    Some(format!("{} {} bytes", x.fs_type, x.end - x.start).into()),
                    Some(format!("{} {} bytes", y.fs_type, y.end - y.start).into()),
                ),
            );
        }
        let before = out.len();
        let fa = read_files(a, x);
        let fb = read_files(b, y);
        let find = |v: &'_ [(String, Option<Vec<u8>>)], n: &str| -> Option<usize> {
            v.iter().position(|(m, _)| m == n)
        };
        for (name, ca) in &fa {
            match find(&fb, name) {
                None => {
                    out.push(
                        SemanticChange::new(Area::File, src.clone(), name.clone())
                            .values(Some(size_value(x, name)), None),
                    );
                }
                Some(j) => {
                    let cb = &fb[j].1;
                    if ca == cb && ca.is_some() {
                        continue;
                    }
                    let mut ch = SemanticChange::new(Area::File, src.clone(), name.clone())
                        .values(Some(size_value(x, name)), Some(size_value(y, name)));
                    match (ca, cb) {
                        (Some(p), Some(q)) => file_lines(name, p, q, secrets, &mut ch),
                        _ => ch.note = Some("unreadable: compared by size only".into()),
                    }
                    if ca.is_none() && cb.is_none() && ch.a == ch.b {
                        continue;
                    }
                    out.push(ch);
                }
            }
        }
        for (name, _) in &fb {
            if find(&fa, name).is_none() {
                out.push(
                    SemanticChange::new(Area::File, src.clone(), name.clone())
                        .values(None, Some(size_value(y, name))),
                );
            }
        }
        if out.len() == before {
            quiet.push(y.start);
        }
    }
    quiet
}

fn size_value(f: &inspect::FsReport, name: &str) -> Value {
    let n = f
        .files
        .iter()
        .find(|x| x.name == name)
        .map_or(0, |x| x.size);
    format!("{n} bytes").into()
}

fn is_secret_file(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    names::SECRET_FILES.contains(&base.as_str())
        || names::SECRET_FILE_SUFFIXES
            .iter()
            .any(|s| base.ends_with(s))
}

fn as_text(b: &[u8]) -> Option<&str> {
    if b.len() > c::LINE_DIFF_MAX_FILE || b.contains(&0) {
        return None;
    }
    std::str::from_utf8(b).ok()
}

/// Mask secret values of a parsed JSON document in place (keys classified as Mongoose OS does).
fn mask_json(v: &mut Value, path: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let secret = crate::profile::REGISTRY.iter().any(|x| x.secret_key(&p));
                match x {
                    Value::String(s) if secret && !s.is_empty() => *s = MASK.to_string(),
                    Value::Number(_) if secret => *x = Value::String(MASK.to_string()),
                    _ => mask_json(x, &p),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| mask_json(x, path)),
        _ => {}
    }
}

/// Attach a line diff (or a note saying why there is none) to a changed file.
fn file_lines(name: &str, p: &[u8], q: &[u8], secrets: &[String], ch: &mut SemanticChange) {
    if is_secret_file(name) {
        ch.note = Some("secret file: content not shown".into());
        return;
    }
    let (Some(tp), Some(tq)) = (as_text(p), as_text(q)) else {
        ch.note = Some(if p.len().max(q.len()) > c::LINE_DIFF_MAX_FILE {
            "too large for a line diff".into()
        } else {
            "binary".into()
        });
        return;
    };
    let json = |t: &str| -> Option<Value> {
        serde_json::from_str::<Value>(t)
            .ok()
            .filter(|v| v.is_object() || v.is_array())
    };
    let is_json = name.to_ascii_lowercase().ends_with(".json") || tp.trim_start().starts_with('{');
    if is_json {
        if let (Some(jp), Some(jq)) = (json(tp), json(tq)) {
            let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
            let (mut mp, mut mq) = (jp.clone(), jq.clone());
            mask_json(&mut mp, "");
            mask_json(&mut mq, "");
            let (sp, sq) = (pretty(&jp), pretty(&jq));
            let (smp, smq) = (
                mask_text(&pretty(&mp), secrets),
                mask_text(&pretty(&mq), secrets),
            );
            ch.lines = Some(lines::diff_text(&sp, &sq, &smp, &smq, true));
            return;
        }
    }
    let (mp, mq) = (mask_text(tp, secrets), mask_text(tq, secrets));
    ch.lines = Some(lines::diff_text(tp, tq, &mp, &mq, false));
}

/// Why a changed region is noise, if it is.
/// A decoded field that is not noise changed inside `[start, end)` of A or of B.
fn real_change_inside(r: &RegionDiff, changes: &[SemanticChange]) -> bool {
    let inside = |o: Option<u64>| o.is_some_and(|o| r.start <= o && o < r.end);
    changes
        .iter()
        .any(|c| !c.noise && (inside(c.offset_a) || inside(c.offset_b)))
}

fn region_noise(
    r: &RegionDiff,
    fs_quiet: &[u64],
    changes: &[SemanticChange],
) -> Option<&'static str> {
    let sides = [r.a.as_ref(), r.b.as_ref()];
    let structural: Vec<&RegionRef> = sides
        .into_iter()
        .flatten()
        .filter(|x| !is_empty_kind(x.kind))
        .collect();
    if structural.is_empty() {
        return None;
    }
    let all = |f: &dyn Fn(&RegionRef) -> bool| structural.iter().all(|x| f(x));
    if all(&|x| x.kind == RegionKind::Sdk && x.label.contains("RF calibration")) {
        return Some("RF calibration: the SDK rewrites it");
    }
    if all(&|x| x.kind == RegionKind::Sdk && x.label.contains("system params"))
        && !real_change_inside(r, changes)
    {
        return Some("SDK system parameters: rewritten on every save; no setting changed here");
    }
    // A loadable settings copy that went away (erased, overwritten) is never noise.
    let valid_copy =
        |x: &RegionRef| x.kind == RegionKind::Settings && !x.label.contains("bad checksum");
    let gone =
        r.b.as_ref()
            .is_none_or(|x| is_empty_kind(x.kind) || x.kind != RegionKind::Settings);
    if r.a.as_ref().is_some_and(valid_copy) && gone {
        return None;
    }
    let kind = structural[0].kind;
    if all(&|x| x.kind == kind) && !real_change_inside(r, changes) {
        let why = crate::profile::REGISTRY
            .iter()
            .find_map(|p| p.region_noise(kind));
        if why.is_some() {
            return why;
        }
    }
    if r.status == Status::Changed
        && all(&|x| x.kind == RegionKind::Filesystem && fs_quiet.contains(&x.start))
    {
        return Some("file system pages moved; every file has the same content");
    }
    None
}

fn is_empty_kind(k: RegionKind) -> bool {
    matches!(k, RegionKind::Erased | RegionKind::Padding)
}

/// Merged runs of changed bytes, built in address order.
struct Runs {
    base: u64,
    ranges: Vec<ByteRange>,
    count: usize,
    cur: Option<(usize, usize)>,
}

impl Runs {
    fn flush(&mut self) {
        if let Some((s, e)) = self.cur.take() {
            self.count += 1;
            if self.ranges.len() < c::MAX_RANGES {
                self.ranges.push(ByteRange {
                    start: self.base + s as u64,
                    end: self.base + e as u64,
                });
            }
        }
    }
    /// Add changed bytes `[s, e)`, `s` after every byte added before.
    fn add(&mut self, s: usize, e: usize) {
        match self.cur {
            Some((cs, ce)) if s - ce < c::RANGE_MERGE_GAP => self.cur = Some((cs, e)),
            Some(_) => {
                self.flush();
                self.cur = Some((s, e));
            }
            None => self.cur = Some((s, e)),
        }
    }
}

/// Number of non-zero bytes in a word.
fn nonzero_bytes(x: u64) -> u32 {
    let mut t = x | (x >> 4);
    t |= t >> 2;
    t |= t >> 1;
    (t & 0x0101_0101_0101_0101).count_ones()
}

/// Changed bytes of two equal-length slices as merged ranges (offsets from `base`), the exact
/// count of differing bytes and the number of ranges. Equal blocks are skipped with `memcmp`;
/// differing blocks are scanned a word at a time (runs closer than [`c::RANGE_MERGE_GAP`] ≥ 8
/// bytes merge, so a word's inner gaps never split a run).
pub fn changed_ranges(a: &[u8], b: &[u8], base: u64) -> (Vec<ByteRange>, u64, usize) {
    let n = a.len().min(b.len());
    let mut runs = Runs {
        base,
        ranges: Vec::new(),
        count: 0,
        cur: None,
    };
    let mut changed = 0u64;
    let mut pos = 0;
    while pos < n {
        let end = (pos + c::COMPARE_BLOCK).min(n);
        let (xa, xb) = (&a[pos..end], &b[pos..end]);
        if xa == xb {
            pos = end;
            continue;
        }
        let mut at = pos;
        for (wa, wb) in xa.chunks_exact(8).zip(xb.chunks_exact(8)) {
            let (mut p, mut q) = ([0u8; 8], [0u8; 8]);
            p.copy_from_slice(wa);
            q.copy_from_slice(wb);
            let x = u64::from_le_bytes(p) ^ u64::from_le_bytes(q);
            if x != 0 {
                let first = at + (x.trailing_zeros() / 8) as usize;
                let last = at + 7 - (x.leading_zeros() / 8) as usize;
                changed += u64::from(nonzero_bytes(x));
                runs.add(first, last + 1);
            }
            at += 8;
        }
        for i in at..end {
            if a[i] != b[i] {
                changed += 1;
                runs.add(i, i + 1);
            }
        }
        pos = end;
    }
    runs.flush();
    (runs.ranges, changed, runs.count)
}

fn rref(r: &inspect::Region) -> RegionRef {
    RegionRef {
        start: r.start,
        end: r.end,
        kind: r.kind,
        label: r.label.clone(),
    }
}

/// Overlay the two region maps over the common part; the rest of the longer input follows as
/// only-in-A / only-in-B pieces.
fn overlay(a: &[u8], ra: &InspectReport, b: &[u8], rb: &InspectReport) -> Vec<RegionDiff> {
    struct Piece {
        start: usize,
        end: usize,
        ia: usize,
        ib: usize,
        sa: Option<usize>,
        sb: Option<usize>,
    }
    let (xa, xb) = (&ra.regions, &rb.regions);
    let common = a.len().min(b.len());
    let mut pieces: Vec<Piece> = Vec::new();
    let (mut i, mut j, mut pos) = (0usize, 0usize, 0usize);
    while pos < common {
        while xa.get(i).is_some_and(|r| r.end as usize <= pos) {
            i += 1;
        }
        while xb.get(j).is_some_and(|r| r.end as usize <= pos) {
            j += 1;
        }
        let (Some(ria), Some(rib)) = (xa.get(i), xb.get(j)) else {
            break;
        };
        let end = (ria.end as usize).min(rib.end as usize).min(common);
        if end <= pos {
            break;
        }
        let sa = (!is_empty_kind(ria.kind)).then_some(i);
        let sb = (!is_empty_kind(rib.kind)).then_some(j);
        // Merge with the previous piece when both lie in one structure on one side and the
        // other side holds at most one structure that starts or ends with it (an image or file
        // system that grew or shrank), never a structure nested inside it.
        let mergeable = |p: &Piece| -> bool {
            let same = |x: Option<usize>, y: Option<usize>| x.is_some() && x == y;
            let compatible =
                |x: Option<usize>, y: Option<usize>| x.is_none() || y.is_none() || x == y;
            if !compatible(p.sa, sa) || !compatible(p.sb, sb) {
                return false;
            }
            let aligned = |shared: &inspect::Region, other: Option<&inspect::Region>| {
                other.is_none_or(|o| o.start == shared.start || o.end == shared.end)
            };
            if same(p.sa, sa) {
                let other = if p.sb == sb { None } else { p.sb.or(sb) };
                aligned(&xa[i], other.and_then(|k| xb.get(k)))
            } else if same(p.sb, sb) {
                let other = if p.sa == sa { None } else { p.sa.or(sa) };
                aligned(&xb[j], other.and_then(|k| xa.get(k)))
            } else {
                false
            }
        };
        match pieces.last_mut() {
            Some(p) if mergeable(p) => {
                p.end = end;
                p.sa = p.sa.or(sa);
                p.sb = p.sb.or(sb);
            }
            _ => pieces.push(Piece {
                start: pos,
                end,
                ia: i,
                ib: j,
                sa,
                sb,
            }),
        }
        pos = end;
    }
    let mut out = Vec::with_capacity(pieces.len() + 4);
    for p in pieces {
        let (ranges, changed, count) =
            changed_ranges(&a[p.start..p.end], &b[p.start..p.end], p.start as u64);
        let status = if changed == 0 {
            Status::Same
        } else {
            match (p.sa, p.sb) {
                (None, Some(_)) => Status::OnlyB,
                (Some(_), None) => Status::OnlyA,
                _ => Status::Changed,
            }
        };
        out.push(RegionDiff {
            start: p.start as u64,
            end: p.end as u64,
            status,
            a: xa.get(p.sa.unwrap_or(p.ia)).map(rref),
            b: xb.get(p.sb.unwrap_or(p.ib)).map(rref),
            changed_bytes: changed,
            range_count: count,
            ranges,
            noise: false,
            noise_reason: None,
        });
    }
    // Past the common part.
    let (longer, status, is_a) = if a.len() > b.len() {
        (xa, Status::OnlyA, true)
    } else {
        (xb, Status::OnlyB, false)
    };
    for r in longer.iter().filter(|r| r.end as usize > common) {
        let start = (r.start as usize).max(common) as u64;
        let x = Some(rref(r));
        out.push(RegionDiff {
            start,
            end: r.end,
            status,
            a: if is_a { x.clone() } else { None },
            b: if is_a { None } else { x },
            changed_bytes: r.end - start,
            range_count: 1,
            ranges: vec![ByteRange { start, end: r.end }],
            noise: false,
            noise_reason: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_close_runs_and_count_exactly() {
        let a = vec![0u8; 1000];
        let mut b = a.clone();
        b[10] = 1;
        b[20] = 1; // 9 equal bytes between: merged
        b[500] = 1;
        b[999] = 1;
        let (r, n, count) = changed_ranges(&a, &b, 0x1000);
        assert_eq!(n, 4);
        assert_eq!(count, 3);
        assert_eq!(
            r,
            vec![
                ByteRange {
                    start: 0x100a,
                    end: 0x1015
                },
                ByteRange {
                    start: 0x11f4,
                    end: 0x11f5
                },
                ByteRange {
                    start: 0x13e7,
                    end: 0x13e8
                },
            ]
        );
    }

    #[test]
    fn ranges_are_capped_but_counted() {
        let a = vec![0u8; 64 * 100];
        let b: Vec<u8> = (0..a.len()).map(|i| u8::from(i % 64 == 0)).collect();
        let (r, n, count) = changed_ranges(&a, &b, 0);
        assert_eq!(n, 100);
        assert_eq!(count, 100);
        assert_eq!(r.len(), c::MAX_RANGES);
    }

    #[test]
    fn identical_inputs_are_identical() {
        let d = crate::synth::shelly1_stock_dump();
        let r = diff(&d, &d, &Options::default()).unwrap();
        assert!(r.identical);
        assert!(r.changes.is_empty());
        assert!(r.regions.iter().all(|x| x.status == Status::Same));
        let total: u64 = r.regions.iter().map(|x| x.end - x.start).sum();
        assert_eq!(total, d.len() as u64);
    }

    #[test]
    fn json_masking_by_key() {
        let mut v: Value =
            serde_json::from_str(r#"{"wifi":{"sta":{"ssid":"x","pass":"hunter22"}},"n":1}"#)
                .unwrap();
        mask_json(&mut v, "");
        assert_eq!(v["wifi"]["sta"]["pass"], MASK);
        assert_eq!(v["wifi"]["sta"]["ssid"], "x");
        assert_eq!(v["n"], 1);
    }
}
