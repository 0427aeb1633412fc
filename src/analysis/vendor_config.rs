//! Glue from the vendor decoders to `inspect`: the regions, config sections and findings each
//! firmware's facts add to a report. One function per firmware, called with what `inspect`
//! already knows (identified kind, running app range, file systems, the Arduino EEPROM sector).
//! Factory records (ITEAD, Tuya) are found by content whatever firmware runs now: a Tasmota dump
//! of a former Sonoff or Tuya device still carries them.

use crate::analysis::claims::{Claim, ClaimStrength, Claims};
use crate::analysis::firmware::FirmwareKind;
use crate::analysis::inspect::{FsReport, RegionKind};
use crate::formats::flash::SECTOR_SIZE;
use crate::report::{Class, ConfigItem, ConfigSection, Finding};

use crate::formats::vendors::{eeprom, esphome, espurna, ewelink, tuya, wled};

/// What the vendor decoders add to a report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// Regions (they win over the SDK tail's generic names and over unknown data).
    pub claims: Vec<Claim>,
    /// Decoded settings.
    pub config: Vec<ConfigSection>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// SDK RF-calibration claims to withdraw: the sector holds a vendor's factory record instead.
    pub not_rf_cal: Vec<usize>,
    /// Used extent of the Arduino EEPROM sector, for its label: (offset, bytes used).
    pub eeprom_used: Option<(usize, usize)>,
}

impl Analysis {
    fn claim(
        &mut self,
        (start, len): (usize, usize),
        kind: RegionKind,
        label: impl Into<String>,
        owner: &'static str,
        strength: ClaimStrength,
    ) {
        self.claims.push(Claim {
            start,
            end: start + len,
            kind,
            label: label.into(),
            owner,
            strength,
        });
    }
}

/// What `inspect` knows when the vendor decoders run.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The input.
    pub data: &'a [u8],
    /// The identified firmware.
    pub kind: FirmwareKind,
    /// The running app's byte range (image and raw IROM), if any.
    pub app: Option<(usize, usize)>,
    /// File systems found.
    pub filesystems: &'a [FsReport],
    /// Offset of the Arduino EEPROM sector, when the SDK tail has the Arduino layout.
    pub eeprom: Option<usize>,
    /// The claims made so far (sectors nobody claimed may be named by content).
    pub claims: &'a Claims,
}

/// Run every vendor decoder that applies.
pub fn analyse(ctx: &Context<'_>) -> Analysis {
    let mut a = Analysis::default();
    ewelink_facts(ctx, &mut a);
    tuya_facts(ctx, &mut a);
    tuya_ota(ctx, &mut a);
    eeprom_facts(ctx, &mut a);
    match ctx.kind {
        FirmwareKind::Wled => wled_facts(ctx, &mut a),
        FirmwareKind::Esphome => esphome_facts(ctx, &mut a),
        _ => {}
    }
    a
}

/// A sector nobody claimed that holds data.
fn unclaimed_data(ctx: &Context<'_>, at: usize) -> bool {
    ctx.data
        .get(at..at + SECTOR_SIZE)
        .is_some_and(|s| !crate::formats::sdk::all_erased(s))
        && !ctx.claims.covers(at)
}

fn ewelink_facts(ctx: &Context<'_>, a: &mut Analysis) {
    for r in ewelink::find_records(ctx.data) {
        let o = r.offset as usize;
        a.claim(
            (o, SECTOR_SIZE),
            RegionKind::Settings,
            "eWeLink factory record (device id, API key, MACs)",
            "ewelink",
            ClaimStrength::Checksummed,
        );
        // The iotgo firmware keeps its other sectors (factory sign, settings, CA certificate)
        // in the 32 KiB that start with the record.
        for s in (o + SECTOR_SIZE..o + 8 * SECTOR_SIZE).step_by(SECTOR_SIZE) {
            if unclaimed_data(ctx, s) {
                a.claim(
                    (s, SECTOR_SIZE),
                    RegionKind::Settings,
                    "eWeLink config sector",
                    "ewelink",
                    ClaimStrength::Content,
                );
            }
        }
        a.config.push(ewelink::section(&r));
        a.findings.extend(ewelink::findings(&r));
    }
}

fn tuya_facts(ctx: &Context<'_>, a: &mut Analysis) {
    let records = tuya::find_records(ctx.data);
    for r in &records {
        let o = r.offset as usize;
        a.claim(
            (o, SECTOR_SIZE),
            RegionKind::Settings,
            "Tuya factory record (uuid, auth keys, MAC)",
            "tuya",
            ClaimStrength::Checksummed,
        );
        a.config.push(tuya::section(r));
        a.findings.extend(tuya::findings(r));
        if ctx.claims.0.iter().any(|c| {
            c.start == o && c.kind == RegionKind::Sdk && c.label.starts_with("SDK RF calibration")
        }) {
            a.not_rf_cal.push(o);
            a.findings.push(Finding::info(
                "tuya_rf_cal_moved",
                Some(r.offset),
                "Tuya keeps its factory record where the SDK layout puts RF calibration (size - 0x5000); the calibration lives elsewhere",
            ));
        }
    }
    if ctx.kind != FirmwareKind::Tuya {
        return;
    }
    tuya_image(ctx, a);
    // Sectors between the running app and the factory record: the SDK's user areas.
    let from = ctx.app.map_or(0, |(_, e)| e);
    let to = records
        .first()
        .map_or(ctx.data.len(), |r| r.offset as usize);
    let mut s = from.div_ceil(SECTOR_SIZE) * SECTOR_SIZE;
    while s + SECTOR_SIZE <= to {
        if unclaimed_data(ctx, s) {
            let label = match tuya::classify_area(&ctx.data[s..s + SECTOR_SIZE]) {
                tuya::AreaKind::Encrypted => "Tuya user config (encrypted key-value store)",
                tuya::AreaKind::Json => "Tuya user data (JSON)",
                tuya::AreaKind::RfCal => "Tuya RF calibration",
                tuya::AreaKind::Other => "Tuya data",
            };
            a.claim(
                (s, SECTOR_SIZE),
                RegionKind::Settings,
                label,
                "tuya",
                ClaimStrength::Content,
            );
        }
        s += SECTOR_SIZE;
    }
}

/// What the running Tuya image states, as a config section (the product key is the product's,
/// shared by every unit of it: factory data, not identity).
fn tuya_image(ctx: &Context<'_>, a: &mut Analysis) {
    let Some((s, e)) = ctx.app else { return };
    let Some(info) = tuya::scan_image(&ctx.data[s..e], s as u64) else {
        return;
    };
    let mut items = Vec::new();
    let mut push = |k: &str, f: &Option<crate::formats::vendors::Found>, c: Class| {
        if let Some(f) = f {
            items.push(ConfigItem::new(k, f.text.as_str(), c, Some(f.offset)));
        }
    };
    push("firmware_name", &info.firmware_name, Class::Factory);
    push("version", &info.version, Class::Factory);
    push("build", &info.build, Class::Setting);
    push("product_key", &info.product_key, Class::Factory);
    if !info.sdk_versions.is_empty() {
        items.push(ConfigItem::new(
            "sdk_versions",
            info.sdk_versions.clone(),
            Class::Setting,
            None,
        ));
    }
    if !items.is_empty() {
        a.config.push(ConfigSection {
            source: format!("tuya image @0x{s:06x}"),
            live: true,
            items,
        });
    }
}

fn tuya_ota(ctx: &Context<'_>, a: &mut Analysis) {
    let Some(ota) = tuya::parse_ota(ctx.data) else {
        return;
    };
    a.claim(
        (0, ota.header_len as usize),
        RegionKind::Data,
        format!(
            "Tuya OTA container header (version {}, {} images)",
            ota.version,
            ota.entries.len()
        ),
        "tuya-ota",
        ClaimStrength::Checksummed,
    );
    for (i, e) in ota.entries.iter().enumerate() {
        a.claim(
            (e.offset as usize, e.len as usize),
            RegionKind::Data,
            format!(
                "Tuya OTA image {} (user{}, byte sum {})",
                i + 1,
                i + 1,
                if e.sum_valid { "valid" } else { "INVALID" }
            ),
            "tuya-ota",
            ClaimStrength::Checksummed,
        );
    }
    let list: Vec<String> = ota
        .entries
        .iter()
        .map(|e| format!("0x{:x}+0x{:x}", e.offset, e.len))
        .collect();
    a.findings.push(Finding::info(
        "tuya_ota_container",
        Some(0),
        format!(
            "a Tuya OTA container (version {}): the images at {} go to the user1/user2 slots, it is not a flash dump",
            ota.version,
            list.join(", ")
        ),
    ));
}

fn eeprom_facts(ctx: &Context<'_>, a: &mut Analysis) {
    let Some(o) = ctx.eeprom else { return };
    let Some(sector) = ctx.data.get(o..o + SECTOR_SIZE) else {
        return;
    };
    let used = eeprom::used_extent(sector);
    a.eeprom_used = Some((o, used));
    let settings = |a: &mut Analysis, at: usize, label: String, owner: &'static str| {
        a.claim(
            (at, SECTOR_SIZE),
            RegionKind::Settings,
            label,
            owner,
            ClaimStrength::Checksummed,
        )
    };
    match ctx.kind {
        FirmwareKind::Wled => {
            if let Some(s) = wled::decode_eeprom(sector, o as u64) {
                let l = format!(
                    "WLED settings, EEPROM layout {} ({used} bytes used)",
                    s.layout_version
                );
                settings(a, o, l, "wled");
                a.config.push(wled::eeprom_section(&s));
            }
        }
        FirmwareKind::Espurna => {
            for (i, s) in espurna::find(ctx.data, o).iter().enumerate() {
                let l = format!(
                    "ESPurna settings, counter {} ({} bytes used)",
                    s.counter, s.used
                );
                settings(a, s.offset as usize, l, "espurna");
                a.config.push(espurna::section(s, i == 0));
            }
        }
        _ => {}
    }
}

fn wled_facts(ctx: &Context<'_>, a: &mut Analysis) {
    for f in ctx.filesystems {
        for name in ["cfg.json", "wsec.json"] {
            let content = match f.info.kind {
                crate::formats::fs::FsKind::Littlefs => {
                    crate::formats::fs::littlefs::read(ctx.data, &f.info, name)
                }
                crate::formats::fs::FsKind::Spiffs => {
                    crate::formats::fs::spiffs::read(ctx.data, &f.info, name).or_else(|| {
                        crate::formats::fs::spiffs::read(ctx.data, &f.info, &format!("/{name}"))
                    })
                }
            };
            let Some(content) = content else { continue };
            let source = format!("{}@0x{:06x}:{name}", f.fs_type, f.start);
            if let Some(sec) = wled::json_section(source, &content) {
                a.config.push(sec);
            }
        }
    }
    a.findings.extend(wled::findings(&a.config));
}

fn esphome_facts(ctx: &Context<'_>, a: &mut Analysis) {
    let Some((s, e)) = ctx.app else { return };
    let info = esphome::scan_image(&ctx.data[s..e], s as u64);
    let mut items = Vec::new();
    if let Some(n) = &info.node_name {
        items.push(ConfigItem::new(
            "name",
            n.text.as_str(),
            Class::Identity,
            Some(n.offset),
        ));
    }
    if let Some(n) = &info.friendly_name {
        items.push(ConfigItem::new(
            "friendly_name",
            n.text.as_str(),
            Class::Identity,
            Some(n.offset),
        ));
    }
    if let Some(b) = &info.build {
        items.push(ConfigItem::new(
            "build",
            b.text.as_str(),
            Class::Setting,
            Some(b.offset),
        ));
    }
    if !items.is_empty() {
        a.config.push(ConfigSection {
            source: format!("esphome image @0x{s:06x}"),
            live: true,
            items,
        });
    }
    a.findings
        .push(esphome::compiled_secrets_finding(Some(s as u64)));
}
