//! Tasmota (and Sonoff-Tasmota before 6.x).
//!
//! Markers, from Tasmota's source: the MQTT client id format `DVES_%06X` (tasmota.ino /
//! support.ino, `MQTT_CLIENT_ID`) together with the default full topic `%prefix%/%topic%/`
//! (my_user_config.h, `MQTT_FULLTOPIC`); the version is the `VERSION` constant, found either by
//! the `VERSION_MARKER` Tasmota places around it or as the literal that follows `CFG_HOLDER`
//! (see `tasmota::image`). Sonoff-Tasmota 5.x images hold no "Tasmota" text: besides the MQTT
//! defaults they carry the 5.x boot banner `Project %s %s (Topic %s, Fallback %s, GroupTopic %s)`
//! (`sonoff.ino`), and their `CFG_HOLDER` literal is the u32 0x20161209.

use super::{App, Found, Meta, Profile, Score, Strength};
use crate::analysis::diff::SemanticChange;
use crate::analysis::firmware::{Evidence, Firmware, FirmwareKind};
use crate::analysis::inspect::{InspectReport, RegionKind};
use crate::analysis::layout::{Area, AreaRole, Layout, LayoutKind};
use crate::formats::flash::SECTOR_SIZE;
use crate::formats::sdk as sc;
use crate::formats::tasmota::consts as c;
use crate::report::{ConfigSection, Finding};

/// Tasmota.
pub struct Tasmota;

impl Profile for Tasmota {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Tasmota)
            .refines(FirmwareKind::Arduino)
            .layout(LayoutKind::Arduino)
    }
    /// The settings ring, the EEPROM slot and, for a file-system build, its file system, as the
    /// build's linker script places them (see [`Build`]).
    fn areas(&self, layout: &Layout, found: &Found<'_>) -> Vec<Area> {
        build_areas(Build::of(layout, found), found.data.len())
    }
    fn sanitize_recipe(&self) -> Option<&'static str> {
        Some("tasmota")
    }
    /// Every settings copy found by checksum, decoded (the newest is the live one).
    fn config(&self, found: &Found<'_>) -> (Vec<ConfigSection>, Vec<Finding>) {
        decode_copies(found)
    }
    /// The version of the newest valid settings copy (it equals the running firmware's after the
    /// first boot); without one, what the image carries (the vote's answer) stays.
    fn finish(&self, fw: &mut Firmware, found: &Found<'_>) {
        if let Some(c) = found.settings.newest_copy() {
            fw.version = Some(c.version_str.clone());
            fw.evidence.insert(
                1.min(fw.evidence.len()),
                Evidence {
                    offset: c.offset + 8,
                    text: format!("settings version {} (save {})", c.version_str, c.save_flag),
                },
            );
        }
    }
    fn diff_changes(&self, a: &InspectReport, b: &InspectReport, out: &mut Vec<SemanticChange>) {
        super::tasmota_diff::changes(a, b, out);
    }
    fn diff_owns_section(&self, source: &str) -> bool {
        source.starts_with(crate::analysis::diff::policy::TASMOTA_SOURCE)
    }
    fn region_noise(&self, kind: RegionKind) -> Option<&'static str> {
        (kind == RegionKind::Settings)
            .then_some("Tasmota settings: rewritten on every save; no setting changed here")
    }
    /// An app on the esp8266/Arduino core.
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if let Some((o, t)) = app.find_text(b"Tasmota", 40) {
            s.hit(Strength::Weak, o, t);
        }
        let Some(img) = crate::formats::tasmota::detect_image(app.hay) else {
            return s;
        };
        let first = img.evidence.first().map_or(0, |e| e.offset as usize);
        s.hit(
            Strength::Marker,
            app.base + first,
            "DVES_%06X and %prefix%/%topic%/",
        );
        if let Some(e) = img
            .evidence
            .iter()
            .find(|e| e.text.starts_with("Project %s %s (Topic %s"))
        {
            s.hit(
                Strength::Marker,
                app.base + e.offset as usize,
                "Sonoff-Tasmota 5.x boot banner",
            );
        }
        if let (Some(v), Some(o), Some(t)) = (&img.version, img.evidence_offset, &img.evidence_text)
        {
            s.hit(Strength::Version, app.base + o as usize, t.clone());
            s.version = Some(v.clone());
        }
        s.sdk_version = img.sdk_version;
        if let Some(core) = img.core_version {
            s.notes.push(crate::analysis::firmware::Evidence {
                offset: app.base as u64,
                text: format!("Arduino core {core}"),
            });
        }
        s
    }
}

/// Which linker script a Tasmota build uses, as far as the dump tells.
///
/// Tasmota's `settings.ino`: `SETTINGS_LOCATION` is the sector below `_FS_start`, clamped to
/// 0xFD ("keep in first 1M"), the `CFG_ROTATES` sectors below it and the EEPROM slot
/// (`_EEPROM_start`) form the ring. The Arduino core's `eagle.flash.1m.ld` has no FS
/// (`_FS_start` = `_EEPROM_start` = 0x402FB000: ring 0xF4000..0xFB000, EEPROM 0xFB000);
/// `eagle.flash.2m1m.ld` / `4m2m.ld` put the FS at 0x100000..0x1FA000 / 0x200000..0x3FA000 and
/// the EEPROM slot at 0x1FB000 / 0x3FB000 (ring 0xF7000..0xFE000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Build {
    /// `eagle.flash.1m.ld` (every official ESP8266 build but the file-system ones).
    OneM,
    /// A file-system build for a chip of this many bytes (2M1M: 2 MiB, 4M2M: 4 MiB).
    Fs(usize),
}

impl Build {
    /// A file system at the start of a file-system build's FS, or a valid settings copy where
    /// only a file-system build puts one (its EEPROM slot, or ring sectors 0xFC000/0xFD000 that
    /// the 1M script leaves to the SDK), makes it a file-system build; the FS size is the one
    /// whose FS or EEPROM slot matched, else the layout's flash size. Otherwise the 1M script.
    pub(super) fn of(layout: &Layout, found: &Found<'_>) -> Build {
        const SIZES: [usize; 2] = [0x20_0000, 0x40_0000];
        let fs_at = |size: usize| {
            found
                .filesystems
                .iter()
                .any(|f| f.start == (size / 2) as u64)
        };
        let copy_at = |o: usize| {
            found
                .settings
                .copies
                .iter()
                .any(|c| c.valid && c.offset == o as u64)
        };
        if let Some(&size) = SIZES
            .iter()
            .find(|&&s| fs_at(s) || copy_at(s - sc::RF_CAL_FROM_END))
        {
            return Build::Fs(size);
        }
        let ring_top = (c::SETTINGS_LOCATION_1M + SECTOR_SIZE)..=c::SETTINGS_LOCATION_FS;
        if ring_top
            .step_by(SECTOR_SIZE)
            .any(|o| o != c::EEPROM_1M && copy_at(o))
        {
            let size = layout.flash_sizes.first().map_or(0, |f| f.size as usize);
            return Build::Fs(if size >= SIZES[1] { SIZES[1] } else { SIZES[0] });
        }
        Build::OneM
    }
}

/// The areas of `build` that lie inside an input of `dump_size` bytes.
pub(super) fn build_areas(build: Build, dump_size: usize) -> Vec<Area> {
    let area = |start: usize, end: usize, role: AreaRole, flash: usize, label: String| Area {
        start: start as u64,
        end: end as u64,
        role,
        owner: "tasmota",
        flash_size: flash as u64,
        label,
    };
    match build {
        Build::OneM => {
            let end = c::EEPROM_1M + SECTOR_SIZE;
            if dump_size < end {
                return Vec::new();
            }
            let start = c::SETTINGS_LOCATION_1M + SECTOR_SIZE - c::CFG_ROTATES * SECTOR_SIZE;
            vec![area(
                start,
                end,
                AreaRole::Settings,
                0x10_0000,
                "Tasmota settings ring and EEPROM slot 0xFB000".into(),
            )]
        }
        Build::Fs(size) => {
            let name = if size == 0x40_0000 { "4M2M" } else { "2M1M" };
            let top = c::SETTINGS_LOCATION_FS + SECTOR_SIZE;
            let mut v = Vec::new();
            if dump_size >= top {
                v.push(area(
                    top - c::CFG_ROTATES * SECTOR_SIZE,
                    top,
                    AreaRole::Settings,
                    size,
                    format!("Tasmota settings ring ({name} build)"),
                ));
            }
            let (fs, fs_end) = (size / 2, size - sc::PHY_FROM_END - 2 * SECTOR_SIZE);
            if dump_size >= fs_end {
                v.push(area(
                    fs,
                    fs_end,
                    AreaRole::Filesystem,
                    size,
                    format!("Tasmota file system ({name} linker script)"),
                ));
            }
            let eeprom = size - sc::RF_CAL_FROM_END;
            if dump_size >= eeprom + SECTOR_SIZE {
                v.push(area(
                    eeprom,
                    eeprom + SECTOR_SIZE,
                    AreaRole::Settings,
                    size,
                    format!("Tasmota EEPROM settings slot ({name} build)"),
                ));
            }
            v
        }
    }
}

/// Decode every settings copy: one section each (the newest live), the decoder's findings, and a
/// warning when the newest copy's version is not supported.
fn decode_copies(found: &Found<'_>) -> (Vec<ConfigSection>, Vec<Finding>) {
    let (mut sections, mut findings) = (Vec::new(), Vec::new());
    for c in &found.settings.copies {
        let o = c.offset as usize;
        let Some(block) = found.data.get(o..o + SECTOR_SIZE) else {
            continue;
        };
        match crate::formats::tasmota::decode_at(block, c.offset) {
            Ok(d) => {
                findings.extend(d.findings.iter().cloned());
                sections.push(d.section(
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
    (sections, findings)
}
