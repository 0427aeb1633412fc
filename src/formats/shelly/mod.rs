//! Stock Shelly Gen1 (Mongoose OS) file systems: config levels, device id, model, login, and the
//! identity and secrets a dump carries (`docs/shelly.md` §2-§3, `docs/structures.md` §7).
//!
//! [`decode`] reads one SPIFFS slot: every config file (`conf0.json` … `conf9.json`, backups, try
//! files), the effective merged config, `hwinfo_struct.json` and `passwd`, each value tagged with
//! a [`Class`]. [`identity`] finds MAC-derived device ids (`shellydimmer2-A1B2C3D4E5F6`) anywhere
//! in the region, deleted pages included; [`secrets_and_ids`] lists every identity/secret/site
//! string (live and recovered from deleted pages) for the sanitize residue scan; [`sanitize_fs`]
//! is the stock recipe.

use serde::Serialize;
use serde_json::Value;

use crate::formats::evidence::IdEvidence;
use crate::formats::fs::spiffs::{self, DeletedStats, FileEntry};
use crate::formats::fs::{FsInfo, FsKind};
use crate::formats::shelly::consts as c;
use crate::report::{Class, ConfigItem, ConfigSection, Finding};

pub mod config;
pub mod consts;
pub mod passwd;
mod sanitize;

pub use sanitize::sanitize_fs;

/// What one stock FS slot holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShellyFs {
    /// The region.
    pub fs: FsInfo,
    /// The slot the running firmware mounts.
    pub live: bool,
    /// Live files.
    pub files: Vec<FileEntry>,
    /// Literal device id of the effective config (None while it is still a `??????` template).
    pub device_id: Option<String>,
    /// The device id template or value of the effective config as stored.
    pub device_id_raw: Option<String>,
    /// `hwinfo_struct.json` model (coarse, e.g. `shellydimmer` on a Dimmer 2).
    pub model: Option<String>,
    /// `hwinfo_struct.json` hardware revision.
    pub hw_revision: Option<String>,
    /// The effective config: levels 0..9 merged (`null` when no level parses).
    pub effective: Value,
    /// Decoded values, one section per file plus a summary of the effective config.
    pub sections: Vec<ConfigSection>,
    /// Deleted-page statistics of the slot.
    pub deleted: DeletedStats,
    /// Names of deleted config files (or deleted files holding a JSON object, such as the `tmp`
    /// file mos saves through) still readable in deleted pages, one per deleted copy.
    pub deleted_configs: Vec<String>,
    /// Observations.
    pub findings: Vec<Finding>,
}

/// True when a SPIFFS listing holds `conf0.json` or `hwinfo_struct.json`.
pub fn is_stock_listing(files: &[FileEntry]) -> bool {
    files
        .iter()
        .any(|f| f.name == "conf0.json" || f.name == c::HWINFO_FILE)
}

/// Keys shown in the summary section, from the effective config.
const SUMMARY_KEYS: &[&str] = &[
    "device.id",
    "device.mac",
    "device.type",
    "wifi.sta.enable",
    "wifi.sta.ssid",
    "wifi.sta.pass",
    "wifi.sta1.enable",
    "wifi.sta1.ssid",
    "wifi.sta1.pass",
    "wifi.ap.enable",
    "wifi.ap.ssid",
    "wifi.ap.pass",
    "mqtt.enable",
    "mqtt.server",
    "mqtt.user",
    "mqtt.pass",
    "mqtt.id",
    "cloud.enabled",
    "cloud.host",
    "login.enabled",
    "login.username",
    "login.password",
    "first_boot",
];

fn file_items(
    fs: &FsInfo,
    f: &FileEntry,
    content: &[u8],
    v: &Value,
    prefix: &str,
) -> Vec<ConfigItem> {
    config::flatten(v)
        .into_iter()
        .map(|(k, val)| {
            let off = config::value_pos(content, &k, &val)
                .and_then(|p| spiffs::file_offset_to_dump(fs, f, p))
                .map(|o| o as u64);
            let key = if prefix.is_empty() {
                k
            } else {
                format!("{prefix}.{k}")
            };
            let class = config::classify(&key);
            ConfigItem::new(key, val, class, off)
        })
        .collect()
}

/// Decode one stock FS slot. None when the region is not a stock Shelly / Mongoose OS FS.
pub fn decode(data: &[u8], fs: &FsInfo, live: bool) -> Option<ShellyFs> {
    if fs.kind != FsKind::Spiffs {
        return None;
    }
    decode_listed(data, fs, spiffs::list(data, fs), live)
}

/// [`decode`] with the slot's file listing already made (by `inspect`).
pub fn decode_listed(
    data: &[u8],
    fs: &FsInfo,
    files: Vec<FileEntry>,
    live: bool,
) -> Option<ShellyFs> {
    if !is_stock_listing(&files) {
        return None;
    }
    let label = fs.label();
    let mut r = SlotFiles::default();
    for f in &files {
        r.read(data, fs, f, &label, live);
    }
    if r.model.is_none() {
        r.findings.push(Finding::warning(
            "shelly_hwinfo_missing",
            Some(fs.start as u64),
            format!("{label}: no hwinfo_struct.json (stock prints MISSING HWINFO)"),
        ));
    }
    let effective = merge_levels(&mut r.levels);
    let device_id_raw = config::get(&effective, "device.id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let device_id = device_id_raw
        .clone()
        .filter(|s| !s.contains('?') && !s.is_empty());
    if let Some(s) = summary_section(&r.sections, &effective, &label, live) {
        r.sections.insert(0, s);
    }
    let deleted = spiffs::deleted_stats(data, fs);
    let deleted_configs: Vec<String> = spiffs::recover_deleted(data, fs)
        .into_iter()
        .filter(|d| config::is_config_file(&d.name) || config::parse(&d.content).is_some())
        .map(|d| d.name)
        .collect();
    slot_findings(&mut r.findings, fs, &files, deleted.with_data, &label);
    Some(ShellyFs {
        fs: fs.clone(),
        live,
        files,
        device_id,
        device_id_raw,
        model: r.model,
        hw_revision: r.hw_revision,
        effective,
        sections: r.sections,
        deleted,
        deleted_configs,
        findings: r.findings,
    })
}

/// What the files of one slot hold, read file by file.
#[derive(Default)]
struct SlotFiles {
    sections: Vec<ConfigSection>,
    findings: Vec<Finding>,
    /// Config levels present (`conf<N>.json`), to merge into the effective config.
    levels: Vec<(f32, Value)>,
    model: Option<String>,
    hw_revision: Option<String>,
}

impl SlotFiles {
    /// Read one file: a config level, the factory hwinfo or the login file; others are listed only.
    fn read(&mut self, data: &[u8], fs: &FsInfo, f: &FileEntry, label: &str, live: bool) {
        let content = spiffs::read_entry(data, fs, f);
        let source = format!("{label}:{}", f.name);
        if !f.complete {
            self.findings.push(Finding::warning(
                "spiffs_file_incomplete",
                Some(f.header_offset as u64),
                format!("{source}: some data pages are missing"),
            ));
        }
        if config::is_config_file(&f.name) {
            let Some(v) = self.json(&content, f, &source, "shelly_conf_unparsable") else {
                return;
            };
            let level = config::level_of(&f.name);
            self.sections.push(ConfigSection {
                source,
                live: live && level.is_some(),
                items: file_items(fs, f, &content, &v, ""),
            });
            if let Some(l) = level {
                self.levels.push((l, v));
            }
        } else if f.name == c::HWINFO_FILE {
            let Some(v) = self.json(&content, f, &source, "shelly_hwinfo_unparsable") else {
                return;
            };
            let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
            self.model = text("model");
            self.hw_revision = text("hw_revision");
            let mut items = file_items(fs, f, &content, &v, "hwinfo");
            items.iter_mut().for_each(|i| i.class = Class::Factory);
            self.sections.push(ConfigSection {
                source,
                live,
                items,
            });
        } else if f.name == c::PASSWD_FILE {
            self.sections.push(ConfigSection {
                source,
                live,
                items: passwd_items(fs, f, &content),
            });
        }
    }

    /// The file as a JSON object, or a warning finding with `code`.
    fn json(
        &mut self,
        content: &[u8],
        f: &FileEntry,
        source: &str,
        code: &'static str,
    ) -> Option<Value> {
        let m = config::parse(content);
        if m.is_none() {
            self.findings.push(Finding::warning(
                code,
                Some(f.header_offset as u64),
                format!("{source}: not a JSON object"),
            ));
        }
        m.map(Value::Object)
    }
}

/// The login file's lines as items: user and HA1 are secrets, the realm and whether the login is
/// the default one are settings.
fn passwd_items(fs: &FsInfo, f: &FileEntry, content: &[u8]) -> Vec<ConfigItem> {
    let at = spiffs::file_offset_to_dump(fs, f, 0).map(|o| o as u64);
    let mut items = Vec::new();
    for (n, l) in passwd::parse(content).iter().enumerate() {
        let fields: [(&str, Value, Class, Option<u64>); 4] = [
            ("user", l.user.clone().into(), Class::Secret, at),
            ("realm", l.realm.clone().into(), Class::Setting, None),
            ("ha1", l.ha1.clone().into(), Class::Secret, None),
            (
                "is_default",
                passwd::is_default(l).into(),
                Class::Setting,
                None,
            ),
        ];
        for (key, value, class, offset) in fields {
            items.push(ConfigItem::new(
                format!("passwd.{n}.{key}"),
                value,
                class,
                offset,
            ));
        }
    }
    items
}

/// The effective config: the levels merged lowest first, as Mongoose OS loads them.
fn merge_levels(levels: &mut [(f32, Value)]) -> Value {
    levels.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut effective = Value::Null;
    for (_, v) in levels.iter() {
        if effective.is_null() {
            effective = v.clone();
        } else {
            config::merge(&mut effective, v);
        }
    }
    effective
}

/// The `<label>:effective` section: the summary keys of the effective config, each pointing where
/// the highest level that sets it stores it.
fn summary_section(
    sections: &[ConfigSection],
    effective: &Value,
    label: &str,
    live: bool,
) -> Option<ConfigSection> {
    let mut by_level: Vec<(f32, &ConfigSection)> = sections
        .iter()
        .filter_map(|sec| {
            let name = sec.source.rsplit(':').next()?;
            Some((config::level_of(name)?, sec))
        })
        .collect();
    by_level.sort_by(|a, b| b.0.total_cmp(&a.0));
    let summary: Vec<ConfigItem> = SUMMARY_KEYS
        .iter()
        .filter_map(|k| {
            let v = config::get(effective, k)?;
            let off = by_level
                .iter()
                .find_map(|(_, sec)| sec.items.iter().find(|i| i.key == *k))
                .and_then(|i| i.offset);
            Some(ConfigItem::new(*k, v.clone(), config::classify(k), off))
        })
        .collect();
    (!summary.is_empty()).then(|| ConfigSection {
        source: format!("{label}:effective"),
        live,
        items: summary,
    })
}

/// Slot-wide findings: deleted pages that still hold data, a user config level present.
fn slot_findings(
    findings: &mut Vec<Finding>,
    fs: &FsInfo,
    files: &[FileEntry],
    deleted_with_data: usize,
    label: &str,
) {
    if deleted_with_data > 0 {
        findings.push(Finding::info(
            "spiffs_deleted_data",
            Some(fs.start as u64),
            format!("{label}: {deleted_with_data} deleted pages still hold readable data"),
        ));
    }
    if files
        .iter()
        .any(|f| c::USER_FILES.contains(&f.name.as_str()))
    {
        findings.push(Finding::info(
            "shelly_user_config",
            Some(fs.start as u64),
            format!("{label}: user config level present (identity and secrets)"),
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Identity and secrets

fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Find MAC-derived device ids (`shelly<model>-<6 or 12 hex>`) in a byte range.
pub fn find_device_ids(bytes: &[u8]) -> Vec<(usize, String, Vec<u8>)> {
    let prefix = c::ID_PREFIX.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(rel) = config::find(bytes.get(i..).unwrap_or(&[]), prefix) {
        let at = i + rel;
        i = at + 1;
        if at > 0 && bytes.get(at - 1).copied().is_some_and(is_id_char) {
            continue;
        }
        let max = at + prefix.len() + c::ID_MAX_PREFIX + 13;
        let mut end = at + prefix.len();
        while end < bytes.len().min(max) && is_id_char(bytes[end]) {
            end += 1;
        }
        if end < bytes.len() && is_id_char(bytes[end]) {
            continue; // too long to be an id
        }
        let tok = &bytes[at..end];
        let Some(dash) = tok.iter().rposition(|&b| b == b'-') else {
            continue;
        };
        let tail = &tok[dash + 1..];
        if dash <= prefix.len() || !(tail.len() == 6 || tail.len() == 12) {
            continue;
        }
        let Ok(mac) = hex::decode(tail) else { continue };
        out.push((at, String::from_utf8_lossy(tok).into_owned(), mac));
    }
    out
}

fn place(files: &[FileEntry], fs: &FsInfo, off: usize) -> String {
    for f in files {
        let hit = f
            .data_offsets
            .iter()
            .any(|&p| off >= p && off < p + fs.page_size);
        if hit {
            return f.name.clone();
        }
    }
    "deleted page".to_string()
}

/// Every device id in the region (live files and deleted pages), one entry per distinct id with
/// its first offset.
pub fn identity(data: &[u8], fs: &FsInfo) -> Vec<IdEvidence> {
    identity_listed(data, fs, &spiffs::list(data, fs))
}

/// [`identity`] with the slot's file listing already made (by `inspect`).
pub fn identity_listed(data: &[u8], fs: &FsInfo, files: &[FileEntry]) -> Vec<IdEvidence> {
    let Some(region) = data.get(fs.start..fs.end.min(data.len())) else {
        return Vec::new();
    };
    let mut out: Vec<IdEvidence> = Vec::new();
    for (off, id, mac) in find_device_ids(region) {
        if out.iter().any(|e| e.id == id) {
            continue;
        }
        let abs = fs.start + off;
        out.push(IdEvidence {
            id,
            mac_tail: mac,
            source: format!("{}:{}", fs.label(), place(files, fs, abs)),
            offset: Some(abs as u64),
        });
    }
    out
}

/// A string the sanitized output must not contain any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sensitive {
    /// The value as stored (raw; escape before printing, mask secrets).
    pub value: String,
    /// Its class (identity, secret or site).
    pub class: Class,
    /// Config key or origin (`device.id`, `passwd`, `device id in deleted page`).
    pub key: String,
    /// Where it was found.
    pub source: String,
}

/// Identity, secret and site strings of the slot: from every config file (live, backups, and
/// deleted ones still readable), the non-default `passwd` HA1, and every device id with its
/// 12-hex MAC tail. Values equal to the `conf0.json` default of their key are left out (they
/// are firmware defaults, not the owner's), as are empty strings and `?` templates.
pub fn secrets_and_ids(data: &[u8], fs: &FsInfo) -> Vec<Sensitive> {
    secrets_and_ids_listed(data, fs, &spiffs::list(data, fs))
}

/// [`secrets_and_ids`] with the slot's file listing already made (by `inspect`).
pub fn secrets_and_ids_listed(data: &[u8], fs: &FsInfo, files: &[FileEntry]) -> Vec<Sensitive> {
    let mut out: Vec<Sensitive> = Vec::new();
    let mut push = |value: String, class: Class, key: String, source: String| {
        if value.is_empty() || out.iter().any(|s| s.value == value) {
            return;
        }
        out.push(Sensitive {
            value,
            class,
            key,
            source,
        });
    };
    let label = fs.label();
    let conf0 = files
        .iter()
        .find(|f| f.name == "conf0.json")
        .and_then(|f| config::parse(&spiffs::read_entry(data, fs, f)))
        .map(Value::Object)
        .unwrap_or(Value::Null);
    // Live config files and passwd, plus every deleted file still readable: mos saves through a
    // `tmp` file renamed to conf9.json, so deleted `tmp` objects hold old configs too.
    let mut docs: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|f| config::is_config_file(&f.name) || f.name == c::PASSWD_FILE)
        .map(|f| {
            (
                format!("{label}:{}", f.name),
                spiffs::read_entry(data, fs, f),
            )
        })
        .collect();
    for d in spiffs::recover_deleted(data, fs) {
        if d.name == c::PASSWD_FILE || d.content.first() == Some(&b'{') {
            docs.push((format!("{label}:deleted {}", d.name), d.content));
        }
    }
    for (source, content) in docs {
        if source.ends_with(c::PASSWD_FILE) {
            for l in passwd::parse(&content) {
                if !passwd::is_default(&l) {
                    push(
                        l.ha1.clone(),
                        Class::Secret,
                        "passwd".into(),
                        source.clone(),
                    );
                }
            }
            continue;
        }
        let Some(m) = config::parse(&content) else {
            continue;
        };
        for (k, v) in config::flatten(&Value::Object(m)) {
            let class = config::classify(&k);
            if !matches!(class, Class::Identity | Class::Secret | Class::Site) {
                continue;
            }
            let Value::String(s) = &v else { continue };
            if s.contains('?') || config::get(&conf0, &k) == Some(&v) {
                continue;
            }
            push(s.clone(), class, k, source.clone());
        }
    }
    for e in identity(data, fs) {
        let tail = e.id.rsplit('-').next().unwrap_or("").to_string();
        push(
            e.id.clone(),
            Class::Identity,
            "device id".into(),
            e.source.clone(),
        );
        push(tail, Class::Identity, "device id MAC tail".into(), e.source);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_are_found_with_their_mac_tail() {
        let text = b"x\"shelly1-A1B2C3\" shellies/shellydimmer2-0123456789AB/online \
            shellyswitch25-??????  shelly1pm-a1b2c3d4e5f6g7 shellyplug-s-C0FFEE. \
            xshelly1-ABCDEF shelly1-ABCDE";
        let ids: Vec<(String, Vec<u8>)> = find_device_ids(text)
            .into_iter()
            .map(|(_, id, mac)| (id, mac))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("shelly1-A1B2C3".to_string(), vec![0xA1, 0xB2, 0xC3]),
                (
                    "shellydimmer2-0123456789AB".to_string(),
                    vec![0x01, 0x23, 0x45, 0x67, 0x89, 0xAB]
                ),
                ("shellyplug-s-C0FFEE".to_string(), vec![0xC0, 0xFF, 0xEE]),
            ]
        );
        assert!(find_device_ids(b"shelly").is_empty());
        assert!(find_device_ids(b"").is_empty());
    }
}
