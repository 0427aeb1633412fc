//! `sanitize`: make a dump safe to clone onto another unit.
//!
//! The donor's identity and secrets go; firmware, factory data and calibration stay; every
//! checksum stays valid. Per firmware a recipe runs (Tasmota settings: [`crate::formats::tasmota::sanitize`];
//! stock Shelly / Mongoose OS file systems: [`crate::formats::shelly::sanitize_fs`]); the SDK tail is cleaned
//! for every firmware. Every plan step is checked against the analysis's claims before the output
//! is accepted (`kept`): a step touching bytes another structure owns is a refusal. Then the
//! output is re-inspected and proven (`verify`): images byte-identical, checksums valid, file
//! systems readable, the kept Tasmota settings copy loadable with its factory fields, the boot
//! config unchanged, firmware unchanged, and no identity or secret string of the input left
//! anywhere (the residue scan). Pure: bytes in, bytes and a report out.

mod kept;
mod sdk_tail;
mod verify;

pub use verify::{Residue, Verification};

use crate::analysis::firmware::FirmwareKind;
use crate::analysis::inspect::{inspect, InspectReport, Options, RegionKind};
use crate::formats::flash::{ERASED, SECTOR_SIZE};
use crate::report::{Change, Class};
use memchr::memmem;
use serde::Serialize;

/// What `--keep` may keep, with what each keeps.
pub const KEEP_ITEMS: &[(&str, &str)] = &[
    ("wifi", "station SSID and password (SDK, Tasmota sta_ssid/sta_pwd, Shelly wifi.sta.*)"),
    ("mqtt", "MQTT server, port, user and password (Tasmota mqtt_host/port/user/pwd, Shelly mqtt.server/user/pass)"),
    ("rfcal", "the SDK RF calibration sector (normally erased: it belongs to the donor's chip)"),
];

/// What survives sanitising besides firmware and factory data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Keep the Wi-Fi station credentials (a clone on the same site).
    pub keep_wifi: bool,
    /// Keep the MQTT server and credentials.
    pub keep_mqtt: bool,
    /// Keep the SDK RF calibration sector.
    pub keep_rfcal: bool,
    /// Sanitize firmware without a recipe by cleaning only the SDK tail.
    pub force_generic: bool,
}

impl Policy {
    /// Parse `--keep` names (comma lists allowed). Unknown names are an error naming them.
    pub fn with_keep<S: AsRef<str>>(mut self, names: &[S]) -> Result<Self, String> {
        for n in names
            .iter()
            .flat_map(|n| n.as_ref().split(',').map(str::trim).collect::<Vec<_>>())
        {
            match n {
                "wifi" => self.keep_wifi = true,
                "mqtt" => self.keep_mqtt = true,
                "rfcal" => self.keep_rfcal = true,
                "" => {}
                other => {
                    return Err(format!(
                        "unknown --keep item '{other}' (known: {})",
                        KEEP_ITEMS
                            .iter()
                            .map(|(k, _)| *k)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }
        }
        Ok(self)
    }
    pub(crate) fn tasmota(&self) -> crate::formats::tasmota::KeepPolicy {
        crate::formats::tasmota::KeepPolicy {
            wifi: self.keep_wifi,
            mqtt: self.keep_mqtt,
        }
    }
}

/// A string of the input that must not be in the output, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sensitive {
    bytes: Vec<u8>,
    key: String,
    class: Class,
}

/// Everything `sanitize` did and proved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SanitizeReport {
    /// The firmware the recipe was chosen for.
    pub firmware: String,
    /// Its version.
    pub version: Option<String>,
    /// The recipe: `tasmota`, `shelly`, `wled`, `generic`.
    pub recipe: &'static str,
    /// The policy applied.
    pub policy: Policy,
    /// Every change, in offset order.
    pub changes: Vec<Change>,
    /// The proof.
    pub verification: Verification,
}

/// The recipe the identified firmware's profile names, or why there is none. A refusal lists
/// every identity and secret the analysis found (key, class, offset), so the user knows what a
/// copy would carry.
fn recipe_for(data: &[u8], before: &InspectReport, policy: &Policy) -> crate::Result<&'static str> {
    let kind = before.firmware.kind;
    let profile = crate::analysis::profile::by_kind(kind);
    let found = || format!("identity and secrets found: {}", identity_listing(before));
    match profile.and_then(|p| p.sanitize_recipe()) {
        // The WLED recipe edits cfg.json/wsec.json: releases that keep settings in EEPROM have none.
        Some("wled") if !has_wled_fs(data, before) => {
            if policy.force_generic {
                return Ok("generic");
            }
            return Err(crate::Error::Refused(format!(
                "no sanitize recipe for WLED releases that keep their settings in EEPROM (no cfg.json in a file system); {}",
                found()
            )));
        }
        Some(r) => return Ok(r),
        None => {}
    }
    match kind {
        _ if policy.force_generic => Ok("generic"),
        FirmwareKind::None | FirmwareKind::Unknown => Err(crate::Error::Refused(format!(
            "no firmware identified ({}); --force-generic cleans only the SDK sectors",
            kind.as_str()
        ))),
        other => {
            let why = profile.and_then(|p| p.no_recipe_reason()).unwrap_or(
                "its settings format is not known, so secrets could survive; --force-generic cleans only the SDK sectors",
            );
            Err(crate::Error::Refused(format!(
                "no sanitize recipe for {} firmware: {why}; {}",
                other.as_str(),
                found()
            )))
        }
    }
}

fn has_wled_fs(data: &[u8], before: &InspectReport) -> bool {
    before
        .filesystems
        .iter()
        .any(|f| crate::formats::vendors::wled_fs::is_wled_fs(data, &f.info))
}

/// The steps of a plan, each with its recipe.
type Plan = Vec<(kept::Step, Change)>;

/// Run every recipe step on a copy of `data`, as planned from the analysis `before`.
fn run_plan(
    data: &[u8],
    before: &InspectReport,
    policy: &Policy,
    recipe: &str,
    candidates: &[Sensitive],
) -> crate::Result<(Vec<u8>, Plan)> {
    let mut out = data.to_vec();
    let mut plan: Plan = Vec::new();
    if !before
        .settings
        .as_ref()
        .is_none_or(|s| s.copies.is_empty() && s.qpc.is_empty())
    {
        match crate::formats::tasmota::sanitize(&mut out, &policy.tasmota()) {
            Ok(c) => plan.extend(c.into_iter().map(|c| (kept::Step::Tasmota, c))),
            Err(e) if recipe == "tasmota" => {
                return Err(crate::Error::Refused(format!("Tasmota settings: {e}")))
            }
            Err(_) => {}
        }
    }
    for f in &before.filesystems {
        if f.stock_shelly {
            let live = f.live.unwrap_or(recipe == "shelly") && recipe == "shelly";
            let mut c = crate::formats::shelly::sanitize_fs(&mut out, &f.info, live);
            if live {
                c.extend(restore_shelly_site(data, &mut out, f, policy));
            }
            plan.extend(c.into_iter().map(|c| (kept::Step::Shelly, c)));
        }
    }
    if recipe == "wled" {
        let keep = crate::formats::vendors::wled::Keep {
            wifi: policy.keep_wifi,
            mqtt: policy.keep_mqtt,
        };
        for f in &before.filesystems {
            if crate::formats::vendors::wled_fs::is_wled_fs(data, &f.info) {
                let c = crate::formats::vendors::wled_fs::sanitize_fs(&mut out, &f.info, keep)
                    .map_err(crate::Error::Refused)?;
                plan.extend(c.into_iter().map(|c| (kept::Step::Wled, c)));
            }
        }
    }
    for t in &before.sdk {
        let c = sdk_tail::clean(&mut out, t, policy, before.bootloader.kind);
        plan.extend(c.into_iter().map(|c| (kept::Step::Sdk, c)));
    }
    // Stale data (leftover images, OTA staging, unknown sectors) that still holds a secret is erased.
    let c = erase_stale_residue(&mut out, before, candidates);
    plan.extend(c.into_iter().map(|c| (kept::Step::Stale, c)));
    Ok((out, plan))
}

/// Plan the default sanitize of `data` from the analysis `before` (which need not be `data`'s
/// own: tests hand in a deliberately wrong one) and check every step against its claims. `Err`
/// names each step that would touch bytes another structure owns.
pub fn plan_check(data: &[u8], before: &InspectReport) -> Result<(), String> {
    let policy = Policy {
        force_generic: true,
        ..Policy::default()
    };
    let recipe = recipe_for(data, before, &policy).map_err(|e| e.to_string())?;
    let cands = sensitive_strings(data, before, &policy);
    let (_, plan) = run_plan(data, before, &policy, recipe, &cands).map_err(|e| e.to_string())?;
    let foreign = kept::foreign_touches(before, &plan);
    if foreign.is_empty() {
        Ok(())
    } else {
        Err(foreign.join("; "))
    }
}

/// Sanitize `data`. Refuses (`Error::Refused`) firmware without a recipe unless
/// `policy.force_generic`, Tasmota settings it cannot decode, and a plan that would touch bytes
/// another structure owns.
pub fn sanitize(data: &[u8], policy: &Policy) -> crate::Result<(Vec<u8>, SanitizeReport)> {
    if let Some(d) = crate::formats::tasmota::dmp::detect(data) {
        // A Tasmota .dmp in, a .dmp out.
        return crate::analysis::dmp::sanitize_dmp(data, &d, policy);
    }
    let before = inspect(data, &Options::default())?;
    sanitize_with(data, &before, policy)
}

/// [`sanitize`] from the analysis `before` of `data` (which must be `inspect(data)`), for callers
/// that already have it (`write --clone` decided on it).
pub fn sanitize_with(
    data: &[u8],
    before: &InspectReport,
    policy: &Policy,
) -> crate::Result<(Vec<u8>, SanitizeReport)> {
    let kind = before.firmware.kind;
    let recipe = recipe_for(data, before, policy)?;
    let candidates = sensitive_strings(data, before, policy);
    let (out, plan) = run_plan(data, before, policy, recipe, &candidates)?;
    let foreign = kept::foreign_touches(before, &plan);
    if !foreign.is_empty() {
        return Err(crate::Error::Refused(format!(
            "the sanitize plan would overwrite data it must keep: {}",
            foreign.join("; ")
        )));
    }
    let mut changes: Vec<Change> = plan.into_iter().map(|(_, c)| c).collect();
    changes.sort_by_key(|c| (c.start, c.end));
    let verification = verify::verify(data, &out, before, &candidates);
    Ok((
        out,
        SanitizeReport {
            firmware: kind.as_str().to_string(),
            version: before.firmware.version.clone(),
            recipe,
            policy: *policy,
            changes,
            verification,
        },
    ))
}

/// Sanitize with the default policy for `write --clone`; any residue or failed check is an error.
pub fn sanitize_for_clone(data: &[u8]) -> crate::Result<Vec<u8>> {
    let before = inspect(data, &Options::default())?;
    sanitize_for_clone_with(data, &before)
}

/// [`sanitize_for_clone`] from the analysis `before` of `data`.
pub fn sanitize_for_clone_with(data: &[u8], before: &InspectReport) -> crate::Result<Vec<u8>> {
    let (out, report) = sanitize_with(data, before, &Policy::default())?;
    if !report.verification.ok() {
        return Err(crate::Error::Refused(format!(
            "the sanitized image failed verification: {}",
            report.verification.problems.join("; ")
        )));
    }
    Ok(out)
}

/// Every identity and secret item of a report as `key (class) @0xoffset in <source>`, values
/// never included: the list a refusal gives so the user knows what a copy would carry.
pub fn identity_listing(r: &InspectReport) -> String {
    let items: Vec<String> = r
        .config
        .iter()
        .flat_map(|s| s.items.iter().map(move |i| (s, i)))
        .filter(|(_, i)| matches!(i.class, Class::Identity | Class::Secret))
        .filter(|(_, i)| !i.value.is_null() && i.value != "")
        .map(|(s, i)| {
            let at = i.offset.map(|o| format!(" @0x{o:06x}")).unwrap_or_default();
            let src = s.source.split(" @").next().unwrap_or(&s.source);
            format!("{} ({}){at} in {src}", i.key, i.class.as_str())
        })
        .collect();
    if items.is_empty() {
        "none decoded".into()
    } else {
        items.join(", ")
    }
}

/// Identity and secret values of the vendor decoders (factory records, EEPROM and JSON settings).
fn vendor_strings(r: &InspectReport, p: &Policy) -> Vec<(Vec<u8>, String, Class)> {
    const SOURCES: [&str; 6] = ["ewelink", "tuya", "wled", "espurna", "esphome", "littlefs@"];
    let kept = |k: &str| {
        let wifi = k.starts_with("nw.ins.") || k.starts_with("clientSSID") || k == "clientPass";
        let mqtt = k.starts_with("if.mqtt.") && !k.ends_with(".cid") && !k.ends_with(".device");
        (p.keep_wifi && wifi)
            || (p.keep_mqtt && (mqtt || k.starts_with("mqttUser") || k.starts_with("mqttPass")))
    };
    let wanted = |k: &str, c: Class| match c {
        Class::Identity | Class::Secret => true,
        // An SSID or a broker is site data: out unless kept.
        Class::Site => k.ends_with("ssid") || k.ends_with("broker") || k == "clientSSID",
        _ => false,
    };
    r.config
        .iter()
        .filter(|s| SOURCES.iter().any(|p| s.source.starts_with(p)))
        .flat_map(|s| s.items.iter().map(move |i| (s, i)))
        .filter(|(_, i)| wanted(&i.key, i.class) && !kept(&i.key))
        .filter_map(|(s, i)| {
            let v = i.value.as_str()?;
            Some((
                v.as_bytes().to_vec(),
                format!("{} {}", s.source, i.key),
                i.class,
            ))
        })
        .collect()
}

fn mac_forms(m: &[u8; 6]) -> Vec<Vec<u8>> {
    let mut forms = vec![m.to_vec()];
    for sep in ["", ":"] {
        for upper in [true, false] {
            forms.push(crate::formats::sdk::mac_text(m, sep, upper).into_bytes());
        }
    }
    forms
}

/// Sensitive strings collected so far, each value once.
#[derive(Default)]
struct Collected(Vec<Sensitive>);

impl Collected {
    fn push(&mut self, bytes: Vec<u8>, key: String, class: Class) {
        if !self.0.iter().any(|s| s.bytes == bytes) {
            self.0.push(Sensitive { bytes, key, class });
        }
    }

    /// An SDK parameter copy's station and softAP credentials, cached AP records and stored MAC.
    /// With `--keep wifi` the current copy's station config and records' SSIDs stay.
    fn sdk_copy(&mut self, c: &crate::formats::sdk::ParamCopy, policy: &Policy) {
        let src = format!("sdk copy {} @0x{:x}", c.index, c.offset);
        if !policy.keep_wifi || !c.active {
            if let Some(s) = &c.sta_ssid {
                if !policy.keep_wifi {
                    self.push(s.clone(), format!("{src} sta_ssid"), Class::Site);
                }
            }
            if let Some(s) = &c.sta_password {
                self.push(s.clone(), format!("{src} sta_password"), Class::Secret);
            }
        }
        if let Some(s) = &c.ap_ssid {
            self.push(s.clone(), format!("{src} ap_ssid"), Class::Identity);
        }
        if let Some(s) = &c.ap_password {
            self.push(s.clone(), format!("{src} ap_password"), Class::Secret);
        }
        for (i, (s, p)) in c.ap_records.iter().enumerate() {
            if !policy.keep_wifi {
                self.push(s.clone(), format!("{src} ap_record[{i}].ssid"), Class::Site);
            }
            let kept_pw = policy.keep_wifi && c.active && Some(p) == c.sta_password.as_ref();
            if !p.is_empty() && !kept_pw {
                self.push(
                    p.clone(),
                    format!("{src} ap_record[{i}].password"),
                    Class::Secret,
                );
            }
        }
        if let Some(m) = &c.mac {
            for f in mac_forms(m) {
                self.push(f, format!("{src} stored MAC"), Class::Identity);
            }
        }
    }

    /// Tasmota settings copies' secrets and identity values (minus what the policy keeps).
    fn tasmota(&mut self, data: &[u8], r: &InspectReport, policy: &Policy) {
        let Some(scan) = &r.settings else {
            return;
        };
        for c in &scan.copies {
            let block = &data[c.offset as usize..c.offset as usize + SECTOR_SIZE];
            for (key, bytes) in
                crate::formats::tasmota::secrets_and_ids_except(block, &policy.tasmota())
            {
                self.push(
                    bytes,
                    format!("tasmota @0x{:x} {key}", c.offset),
                    Class::Secret,
                );
            }
        }
    }

    /// Stock Shelly file systems' secrets and identity values (minus what the policy keeps).
    fn shelly(&mut self, data: &[u8], r: &InspectReport, policy: &Policy) {
        for f in r.filesystems.iter().filter(|f| f.stock_shelly) {
            for s in crate::formats::shelly::secrets_and_ids_listed(data, &f.info, &f.entries) {
                if !keeps_shelly_key(&s.key, policy) {
                    self.push(
                        s.value.into_bytes(),
                        format!("{} {}", s.source, s.key),
                        s.class,
                    );
                }
            }
        }
    }
}

/// The identity and secret strings of the input that must not survive (minus what the policy keeps
/// and minus firmware defaults: values that also occur inside the input's firmware images).
fn sensitive_strings(data: &[u8], r: &InspectReport, policy: &Policy) -> Vec<Sensitive> {
    let mut v = Collected::default();
    for c in r.sdk.iter().flat_map(|t| &t.copies) {
        v.sdk_copy(c, policy);
    }
    v.tasmota(data, r, policy);
    v.shelly(data, r, policy);
    for (bytes, key, class) in vendor_strings(r, policy) {
        v.push(bytes, key, class);
    }
    let mut v = v.0;
    // With --keep wifi the active SDK station credentials stay: never flag them.
    let kept: Vec<Vec<u8>> = if policy.keep_wifi {
        r.sdk
            .iter()
            .flat_map(|t| t.copies.iter().filter(|c| c.active))
            .flat_map(|c| [c.sta_ssid.clone(), c.sta_password.clone()])
            .flatten()
            .collect()
    } else {
        Vec::new()
    };
    // Firmware defaults are not the owner's: drop values the firmware images themselves contain,
    // and values under 4 bytes (too short to search for without false alarms; WPA keys are 8+).
    let images: Vec<&[u8]> = r
        .images
        .iter()
        .filter(|i| i.role != "stale")
        .map(|i| &data[i.offset as usize..i.end as usize])
        .collect();
    v.retain(|s| {
        let raw_mac = s.bytes.len() == 6 && s.key.ends_with("stored MAC");
        (raw_mac || s.bytes.len() >= 4)
            && !kept.contains(&s.bytes)
            && !images
                .iter()
                .any(|img| memmem::find(img, &s.bytes).is_some())
    });
    v
}

fn keeps_shelly_key(key: &str, p: &Policy) -> bool {
    let k = key.rsplit(' ').next().unwrap_or(key);
    (p.keep_wifi && k.starts_with("wifi.sta."))
        || (p.keep_mqtt && matches!(k, "mqtt.server" | "mqtt.user" | "mqtt.pass"))
}

/// With `--keep wifi/mqtt`, write a minimal `conf9.json` with just the kept site values.
fn restore_shelly_site(
    input: &[u8],
    out: &mut [u8],
    f: &crate::analysis::inspect::FsReport,
    p: &Policy,
) -> Vec<Change> {
    if !p.keep_wifi && !p.keep_mqtt {
        return Vec::new();
    }
    let fs = &f.info;
    let Some(sh) = crate::formats::shelly::decode_listed(input, fs, f.entries.clone(), true) else {
        return Vec::new();
    };
    let get = |path: &str| crate::formats::shelly::config::get(&sh.effective, path).cloned();
    let mut conf = serde_json::Map::new();
    if p.keep_wifi {
        if let (Some(ssid), Some(pass)) = (get("wifi.sta.ssid"), get("wifi.sta.pass")) {
            if ssid.as_str().is_some_and(|s| !s.is_empty()) {
                conf.insert(
                    "wifi".into(),
                    serde_json::json!({"sta": {"enable": true, "ssid": ssid, "pass": pass}}),
                );
            }
        }
    }
    if p.keep_mqtt {
        let mut m = serde_json::Map::new();
        for k in ["server", "user", "pass"] {
            if let Some(v) = get(&format!("mqtt.{k}")) {
                m.insert(k.into(), v);
            }
        }
        if !m.is_empty() {
            m.insert(
                "enable".into(),
                get("mqtt.enable").unwrap_or(serde_json::Value::Bool(true)),
            );
            conf.insert("mqtt".into(), serde_json::Value::Object(m));
        }
    }
    if conf.is_empty() {
        return Vec::new();
    }
    let text = serde_json::to_vec_pretty(&serde_json::Value::Object(conf)).unwrap_or_default();
    match crate::formats::fs::spiffs::write_file(out, fs, "conf9.json", &text) {
        Ok(ranges) => {
            let start = ranges.iter().map(|r| r.start).min().unwrap_or(fs.start) as u64;
            let end = ranges.iter().map(|r| r.end).max().unwrap_or(fs.start) as u64;
            vec![Change {
                region: fs.label(),
                start,
                end,
                what: "wrote conf9.json with only the kept site settings".into(),
                why: "--keep".into(),
            }]
        }
        Err(_) => Vec::new(),
    }
}

fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    memmem::find_iter(hay, needle).collect()
}

/// Erase sectors of stale regions (leftover images, unknown data) that hold residue.
fn erase_stale_residue(out: &mut [u8], before: &InspectReport, cands: &[Sensitive]) -> Vec<Change> {
    let mut ch = Vec::new();
    let stale: Vec<_> = before
        .regions
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                RegionKind::StaleImage | RegionKind::Unknown | RegionKind::Padding
            )
        })
        .collect();
    let mut sectors: Vec<usize> = Vec::new();
    for s in cands {
        for at in find_all(out, &s.bytes) {
            if stale
                .iter()
                .any(|r| r.start as usize <= at && at < r.end as usize)
            {
                let sec = at / SECTOR_SIZE * SECTOR_SIZE;
                if !sectors.contains(&sec) {
                    sectors.push(sec);
                }
            }
        }
    }
    sectors.sort_unstable();
    for sec in sectors {
        let end = (sec + SECTOR_SIZE).min(out.len());
        if sdk_tail::fill(out, sec, end, ERASED) {
            let label = before
                .regions
                .iter()
                .find(|r| r.start as usize <= sec && sec < r.end as usize)
                .map(|r| r.label.clone())
                .unwrap_or_default();
            ch.push(Change {
                region: label,
                start: sec as u64,
                end: end as u64,
                what: "erased a stale sector".into(),
                why: "left over from an earlier firmware, held identity or secrets".into(),
            });
        }
    }
    ch
}
