//! Tasmota (and Sonoff-Tasmota before 6.x).
//!
//! Markers, from Tasmota's source: the MQTT client id format `DVES_%06X` (tasmota.ino /
//! support.ino, `MQTT_CLIENT_ID`) together with the default full topic `%prefix%/%topic%/`
//! (my_user_config.h, `MQTT_FULLTOPIC`); the version is the `VERSION` constant, found either by
//! the `VERSION_MARKER` Tasmota places around it or as the literal that follows `CFG_HOLDER`
//! (see `tasmota::image`).

use super::{App, Profile, Score, Strength};
use crate::consts::{tasmota as c, SECTOR_SIZE};
use crate::identify::FirmwareKind;
use crate::layout::{Area, AreaRole, Layout, LayoutKind};

/// Tasmota.
pub struct Tasmota;

impl Profile for Tasmota {
    fn kind(&self) -> FirmwareKind {
        FirmwareKind::Tasmota
    }
    fn layout(&self) -> Option<LayoutKind> {
        Some(LayoutKind::Arduino)
    }
    /// The settings ring: the EEPROM slot 0xFB000 (`SETTINGS_LOCATION`, the sector of `_FS_end`
    /// in the 1M linker script every ESP8266 build of Tasmota uses) and the `CFG_ROTATES` sectors
    /// below it. It stays there whatever the flash size.
    fn areas(&self, _layout: &Layout, dump_size: usize) -> Vec<Area> {
        let end = c::EEPROM_1M + SECTOR_SIZE;
        if dump_size < end {
            return Vec::new();
        }
        vec![Area {
            start: (c::SETTINGS_LOCATION_1M + SECTOR_SIZE - c::CFG_ROTATES * SECTOR_SIZE) as u64,
            end: end as u64,
            role: AreaRole::Settings,
            owner: "tasmota",
            flash_size: 0x10_0000,
            label: "Tasmota settings ring and EEPROM slot 0xFB000".into(),
        }]
    }
    fn sanitize_recipe(&self) -> Option<&'static str> {
        Some("tasmota")
    }
    /// An app on the esp8266/Arduino core.
    fn refines(&self) -> Option<FirmwareKind> {
        Some(FirmwareKind::Arduino)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if let Some((o, t)) = app.find_text(b"Tasmota", 40) {
            s.hit(Strength::Weak, o, t);
        }
        let Some(img) = crate::tasmota::detect_image(app.hay) else {
            return s;
        };
        let first = img.evidence.first().map_or(0, |e| e.offset as usize);
        s.hit(
            Strength::Marker,
            app.base + first,
            "DVES_%06X and %prefix%/%topic%/",
        );
        if let (Some(v), Some(o), Some(t)) = (&img.version, img.evidence_offset, &img.evidence_text)
        {
            s.hit(Strength::Version, app.base + o as usize, t.clone());
            s.version = Some(v.clone());
        }
        s.sdk_version = img.sdk_version;
        if let Some(core) = img.core_version {
            s.notes.push(crate::identify::Evidence {
                offset: app.base as u64,
                text: format!("Arduino core {core}"),
            });
        }
        s
    }
}
