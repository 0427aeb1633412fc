//! Sanitise the Tasmota settings of a dump before cloning it to another unit (`docs/tasmota-settings.md` "Sanitize").
//!
//! The newest valid copy is reset: identity and secret fields to the firmware defaults, Wi-Fi and
//! MQTT site credentials too unless a [`KeepPolicy`] keeps them, donor state and history zeroed
//! (boot count, energy totals, counters, static IP, fast-reconnect BSSID), template, GPIO and
//! calibration kept. Both checksums are recomputed, the block is written to one slot (the EEPROM
//! slot on 1M-layout builds), and every other copy, the rotating slot range and the quick
//! power-cycle sector are erased to 0xFF. [`secrets_and_ids`] lists what must not survive, for
//! the residue scan; [`identity`] finds names derived from the MAC.

use super::decode::{check_supported, decode_at, Unsupported};
use super::fields::{fields_for, Action, Group, Loc};
use super::settings::{fix_checksums, le32, scan, Scan, SettingsCopy, Slot};
use super::textpool;
use crate::formats::evidence::IdEvidence;
use crate::formats::flash::{ERASED, SECTOR_SIZE};
use crate::formats::tasmota::consts as c;
use crate::report::{Change, Class};
use serde_json::Value;

/// Which site credentials survive sanitising. Everything else of class identity or secret is reset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeepPolicy {
    /// Keep `sta_ssid` and `sta_pwd` (`--keep wifi`).
    pub wifi: bool,
    /// Keep `mqtt_host`, `mqtt_port`, `mqtt_user`, `mqtt_pwd` (`--keep mqtt`).
    pub mqtt: bool,
}

/// The names `--keep` accepts for Tasmota, with what each keeps.
pub const KEEP_ITEMS: &[(&str, &str)] = &[
    ("wifi", "sta_ssid, sta_pwd"),
    ("mqtt", "mqtt_host, mqtt_port, mqtt_user, mqtt_pwd"),
];

impl KeepPolicy {
    /// Parse `--keep` names (see [`KEEP_ITEMS`]); unknown names are returned as the error.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, String> {
        let mut k = KeepPolicy::default();
        for n in names {
            match n.as_ref() {
                "wifi" => k.wifi = true,
                "mqtt" => k.mqtt = true,
                other => return Err(other.to_string()),
            }
        }
        Ok(k)
    }

    fn keeps(&self, g: Group) -> bool {
        match g {
            Group::Always => false,
            Group::Wifi => self.wifi,
            Group::Mqtt => self.mqtt,
        }
    }
}

/// Why sanitising was refused. The dump is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SanitizeError {
    /// Copies exist but none has valid checksums: nothing trustworthy to keep.
    #[error("{0} Tasmota settings copies found, none valid; refusing to guess")]
    NoValidCopy(usize),
    /// The newest copy's layout is not known, so its secrets cannot be located.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
    /// Resetting strings did not fit the text pool (cannot happen with default strings).
    #[error("text pool: {0}")]
    Pool(String),
}

/// The value `sanitize` writes for element `index` of a string field: Tasmota's defaults
/// (`my_user_config.h`; 6.x used the project name `sonoff`), except that the topic is always the
/// MAC-derived `<project>_%06X` (the default since 8.5; older builds defaulted to the bare
/// project name, which every unit shares).
pub fn default_text(name: &str, index: usize, version: u32) -> String {
    let old = version < c::TASMOTA_RENAME;
    let friendly = if old {
        c::FRIENDLY_NAME_OLD
    } else {
        c::FRIENDLY_NAME
    };
    match name {
        "hostname" => c::HOSTNAME_DEFAULT.into(),
        "mqtt_client" => c::MQTT_CLIENT_DEFAULT.into(),
        "mqtt_user" => c::MQTT_USER_DEFAULT.into(),
        "mqtt_pwd" => c::MQTT_PASS_DEFAULT.into(),
        "mqtt_topic" if old => c::TOPIC_DEFAULT_OLD.into(),
        "mqtt_topic" => c::TOPIC_DEFAULT.into(),
        "button_topic" | "switch_topic" => "0".into(),
        "friendlyname" | "devicename" if index == 0 => friendly.into(),
        "friendlyname" if index < 4 => format!("{friendly}{}", index + 1),
        _ => String::new(),
    }
}

/// Whether `value` is a stock default of some Tasmota version for this field (so it names no unit
/// and appears in every image): `%s-%04d`, `DVES_%06X`, `DVES_USER`, `tasmota`, `Sonoff2`, ...
pub fn is_stock_default(name: &str, value: &str) -> bool {
    if value.is_empty() {
        return true;
    }
    let friendly = |v: &str| {
        [c::FRIENDLY_NAME, c::FRIENDLY_NAME_OLD].iter().any(|f| {
            v == *f
                || (v.len() == f.len() + 1
                    && v.starts_with(f)
                    && matches!(v.as_bytes()[f.len()], b'2'..=b'4'))
        })
    };
    match name {
        "hostname" => value == c::HOSTNAME_DEFAULT,
        "mqtt_client" => value == c::MQTT_CLIENT_DEFAULT,
        "mqtt_user" => value == c::MQTT_USER_DEFAULT,
        "mqtt_pwd" => value == c::MQTT_PASS_DEFAULT,
        "mqtt_topic" => [
            c::TOPIC_DEFAULT,
            c::TOPIC_DEFAULT_OLD,
            c::PROJECT,
            c::PROJECT_OLD,
        ]
        .contains(&value),
        "button_topic" | "switch_topic" => value == "0",
        "friendlyname" | "devicename" => friendly(value),
        _ => false,
    }
}

/// One change to a block: `(start, end, what, why)`, relative to the block.
type Note = (usize, usize, String, String);
/// A text-pool string to rewrite: pool index, new value, field name, class.
type PoolChange = (usize, Vec<u8>, &'static str, Class);

/// Apply the per-field actions to one block in place; returns `(start, end, what, why)` relative
/// to the block.
fn reset_block(block: &mut [u8], keep: &KeepPolicy) -> Result<Vec<Note>, SanitizeError> {
    let version = check_supported(block)?;
    let mut notes = Vec::new();
    let mut pool_changes: Vec<PoolChange> = Vec::new();
    for f in fields_for(version) {
        let why = f.class.as_str().to_string();
        match (f.action, f.loc) {
            (Action::Keep, _) => {}
            (Action::Reset(g), _) if keep.keeps(g) => {}
            (Action::Reset(_), Loc::Text { index, count }) => {
                for i in 0..count {
                    let def = default_text(f.name, i, version);
                    let cur = textpool::get(block, index + i);
                    if cur.bytes != def.as_bytes() {
                        pool_changes.push((index + i, def.into_bytes(), f.name, f.class));
                    }
                }
            }
            (Action::Reset(_), Loc::Str { off, len, count }) => {
                reset_strings(block, f.name, version, (off, len, count), &why, &mut notes);
            }
            (Action::Reset(_), Loc::Bin { off, ty, .. }) => {
                // mqtt_port: the only binary field with a default.
                let want = u64::from(c::MQTT_PORT_DEFAULT).to_le_bytes();
                let what = format!("reset {} to {}", f.name, c::MQTT_PORT_DEFAULT);
                set_bytes(block, off, &want[..ty.size()], what, why, &mut notes);
            }
            (Action::Zero | Action::ZeroFirst, Loc::Bin { off, ty, count }) => {
                let n = if f.action == Action::ZeroFirst {
                    1
                } else {
                    count
                };
                let what = if n == count {
                    format!("zeroed {}", f.name)
                } else {
                    format!("zeroed {}[0]", f.name)
                };
                let zeros = vec![0u8; n * ty.size()];
                set_bytes(block, off, &zeros, what, why, &mut notes);
            }
            (Action::Zero | Action::ZeroFirst, _) => {}
        }
    }
    apply_pool_changes(block, &pool_changes, &mut notes)?;
    // Header: keep cfg_holder, size, version; save_flag >= 1; bootcount via the table.
    if le32(block, c::OFF_SAVE_FLAG) == Some(0) {
        block[c::OFF_SAVE_FLAG..c::OFF_SAVE_FLAG + 4].copy_from_slice(&1u32.to_le_bytes());
    }
    fix_checksums(block);
    checksum_note(block, version, &mut notes);
    Ok(notes)
}

/// Write `want` at `off` when the block holds something else there (and has room), and note it.
fn set_bytes(
    block: &mut [u8],
    off: usize,
    want: &[u8],
    what: String,
    why: String,
    notes: &mut Vec<Note>,
) {
    let end = off + want.len();
    if let Some(dst) = block.get_mut(off..end) {
        if dst != want {
            dst.copy_from_slice(want);
            notes.push((off, end, what, why));
        }
    }
}

/// Reset the `count` fixed-length strings of a field (`len` bytes each from `off`, NUL padded)
/// to their defaults.
fn reset_strings(
    block: &mut [u8],
    name: &str,
    version: u32,
    (off, len, count): (usize, usize, usize),
    why: &str,
    notes: &mut Vec<Note>,
) {
    for i in 0..count {
        let def = default_text(name, i, version);
        let mut want = vec![0u8; len];
        let n = def.len().min(len - 1);
        want[..n].copy_from_slice(&def.as_bytes()[..n]);
        let what = format!("reset {name}[{i}] to {def:?}");
        set_bytes(block, off + i * len, &want, what, why.to_string(), notes);
    }
}

/// Rewrite the text pool once with every changed string, and note each.
fn apply_pool_changes(
    block: &mut [u8],
    pool_changes: &[PoolChange],
    notes: &mut Vec<Note>,
) -> Result<(), SanitizeError> {
    if pool_changes.is_empty() {
        return Ok(());
    }
    let refs: Vec<(usize, &[u8])> = pool_changes
        .iter()
        .map(|(i, v, _, _)| (*i, v.as_slice()))
        .collect();
    textpool::update(block, &refs).map_err(|e| SanitizeError::Pool(e.to_string()))?;
    for (i, v, name, class) in pool_changes {
        let s = textpool::get(block, *i);
        notes.push((
            s.offset,
            s.offset + v.len() + 1,
            format!(
                "reset {name} ({}) to {:?}",
                textpool::SET_NAMES.get(*i).copied().unwrap_or("?"),
                String::from_utf8_lossy(v)
            ),
            class.as_str().to_string(),
        ));
    }
    Ok(())
}

/// Note the checksums [`fix_checksums`] recomputed for this version.
fn checksum_note(block: &[u8], version: u32, notes: &mut Vec<Note>) {
    if version >= c::CRC32_FIRST && block.len() >= c::SETTINGS_SIZE {
        notes.push((
            c::OFF_CRC16,
            c::SETTINGS_SIZE,
            "recomputed cfg_crc and cfg_crc32".into(),
            "checksum".into(),
        ));
    } else if version >= c::HEADER_V6 {
        notes.push((
            c::OFF_CRC16,
            c::OFF_CRC16 + 2,
            "recomputed cfg_crc".into(),
            "checksum".into(),
        ));
    }
}

/// Sanitise one settings block in place (a `.dmp` after [`super::dmp::detect`]): the same
/// per-field actions and checksum rules as [`sanitize`], offsets relative to the block, labelled
/// `region`. On error the block is unchanged.
pub fn sanitize_block(
    block: &mut [u8],
    keep: &KeepPolicy,
    region: &str,
) -> Result<Vec<Change>, SanitizeError> {
    let mut work = block.to_vec();
    let notes = reset_block(&mut work, keep)?;
    block.copy_from_slice(&work);
    Ok(notes
        .into_iter()
        .map(|(s, e, what, why)| Change {
            region: region.to_string(),
            start: s as u64,
            end: e as u64,
            what,
            why,
        })
        .collect())
}

/// Which slot scheme the copies show.
fn fs_layout(offsets: &[usize]) -> bool {
    offsets
        .iter()
        .any(|&o| o == 0xFC000 || o == 0xFD000 || o == c::EEPROM_2M1M || o == c::EEPROM_4M2M)
}

fn erase(data: &mut [u8], start: usize, what: &str, why: &str, out: &mut Vec<Change>) {
    let Some(s) = data.get_mut(start..start + SECTOR_SIZE) else {
        return;
    };
    if s.iter().all(|&b| b == ERASED) {
        return;
    }
    s.fill(ERASED);
    out.push(Change {
        region: "tasmota settings".into(),
        start: start as u64,
        end: (start + SECTOR_SIZE) as u64,
        what: what.into(),
        why: why.into(),
    });
}

/// The block's changes placed at `target`, after the move from `src` if there was one.
fn block_changes(src: usize, target: usize, notes: Vec<Note>) -> Vec<Change> {
    let mut changes = Vec::new();
    if target != src {
        changes.push(Change {
            region: "tasmota settings".into(),
            start: target as u64,
            end: (target + SECTOR_SIZE) as u64,
            what: format!("moved the newest copy from 0x{src:06x} to the EEPROM slot"),
            why: "one copy in the slot OTA never overwrites".into(),
        });
    }
    for (s, e, what, why) in notes {
        changes.push(Change {
            region: "tasmota settings".into(),
            start: (target + s) as u64,
            end: (target + e) as u64,
            what,
            why,
        });
    }
    changes
}

/// Erase every other copy, the 1M layout's rotating ring and the quick power-cycle sectors.
fn erase_stale(
    data: &mut [u8],
    sc: &Scan,
    newest: &SettingsCopy,
    fs: bool,
    target: usize,
    changes: &mut Vec<Change>,
) {
    for k in &sc.copies {
        let o = k.offset as usize;
        if o != target {
            erase(
                data,
                o,
                &format!(
                    "erased settings copy (save_flag {}, {})",
                    k.save_flag, k.version_str
                ),
                "stale copy",
                changes,
            );
        }
    }
    // 1M layout: 0xF4000..=0xFA000 belong to the settings ring (Tasmota itself erases them on
    // every rotating save). File-system builds: only the copies found above are erased, since
    // 0xFC000/0xFD000 are SDK sectors on a 1M-header image and a stale copy could mislead us.
    if !fs && matches!(newest.slot, Slot::Eeprom1M | Slot::Rotating1M(_)) {
        let mut o = c::SETTINGS_LOCATION_1M + SECTOR_SIZE - c::CFG_ROTATES * SECTOR_SIZE;
        while o <= c::SETTINGS_LOCATION_1M {
            if o != target {
                erase(
                    data,
                    o,
                    "erased rotating settings slot",
                    "stale copy",
                    changes,
                );
            }
            o += SECTOR_SIZE;
        }
    }
    for q in &sc.qpc {
        erase(
            data,
            *q as usize,
            "erased quick power-cycle counter",
            "state",
            changes,
        );
    }
}

/// Sanitise the Tasmota settings of a whole dump in place. Returns the changes made; an empty list
/// when the dump holds no settings copy at all. On error the dump is unchanged.
pub fn sanitize(data: &mut [u8], keep: &KeepPolicy) -> Result<Vec<Change>, SanitizeError> {
    let sc = scan(data);
    if sc.copies.is_empty() {
        return Ok(Vec::new());
    }
    let Some(newest) = sc.newest_copy().cloned() else {
        return Err(SanitizeError::NoValidCopy(sc.copies.len()));
    };
    let src = newest.offset as usize;
    let mut block = data
        .get(src..src + SECTOR_SIZE)
        .map(<[u8]>::to_vec)
        .ok_or(SanitizeError::NoValidCopy(sc.copies.len()))?;
    let notes = reset_block(&mut block, keep)?;

    let offsets: Vec<usize> = sc.copies.iter().map(|k| k.offset as usize).collect();
    let fs = fs_layout(&offsets);
    let target = match newest.slot {
        Slot::Rotating1M(_) if !fs && data.len() >= c::EEPROM_1M + SECTOR_SIZE => c::EEPROM_1M,
        _ => src,
    };
    let mut changes = block_changes(src, target, notes);
    // Erase everything else first, then write the block (target may be among the erased).
    erase_stale(data, &sc, &newest, fs, target, &mut changes);
    if let Some(dst) = data.get_mut(target..target + SECTOR_SIZE) {
        dst.copy_from_slice(&block);
    }
    Ok(changes)
}

fn strings_of(v: &Value) -> Vec<(Option<usize>, &str)> {
    match v {
        Value::String(s) => vec![(None, s.as_str())],
        Value::Array(a) => a
            .iter()
            .enumerate()
            .filter_map(|(i, x)| x.as_str().map(|s| (Some(i), s)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Every value of a block that names the donor or is a secret, with the bytes the residue scan
/// should look for: non-default strings of class identity or secret (and the Wi-Fi SSID and MQTT
/// host), and non-zero binary secrets (little-endian bytes). Defaults such as `DVES_%06X` are
/// left out: they are in every Tasmota image. Keys are `name` or `name[i]`.
pub fn secrets_and_ids(block: &[u8]) -> Vec<(String, Vec<u8>)> {
    let Ok(d) = decode_at(block, 0) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in fields_for(d.version) {
        let Some(item) = d.items.iter().find(|i| i.key == f.name) else {
            continue;
        };
        let wanted = matches!(f.class, Class::Identity | Class::Secret)
            || matches!(f.name, "sta_ssid" | "mqtt_host");
        if !wanted {
            continue;
        }
        match f.loc {
            Loc::Text { .. } | Loc::Str { .. } => {
                for (i, s) in strings_of(&item.value) {
                    if is_stock_default(f.name, s) {
                        continue;
                    }
                    let key = i.map_or(f.name.to_string(), |i| format!("{}[{i}]", f.name));
                    out.push((key, s.as_bytes().to_vec()));
                }
            }
            Loc::Bin { off, ty, count } if f.class == Class::Secret => {
                if let Some(raw) = block.get(off..off + ty.size() * count) {
                    if raw.iter().any(|&b| b != 0) {
                        out.push((f.name.to_string(), raw.to_vec()));
                    }
                }
            }
            Loc::Bin { .. } => {}
        }
    }
    out
}

/// [`secrets_and_ids`] minus what the policy keeps (what must not remain after sanitising).
pub fn secrets_and_ids_except(block: &[u8], keep: &KeepPolicy) -> Vec<(String, Vec<u8>)> {
    secrets_and_ids(block)
        .into_iter()
        .filter(|(k, _)| {
            let name = k.split('[').next().unwrap_or(k);
            !matches!(super::fields::meta(name).1, Action::Reset(g) if keep.keeps(g))
        })
        .collect()
}

/// The MAC tails in `s` after `prefix` (case-insensitive): `<prefix><6 hex>` not followed by
/// another hex digit.
fn mac_tails_after(s: &str, prefix: &str) -> Vec<Vec<u8>> {
    let lower = s.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = lower.get(from..).and_then(|t| t.find(prefix)) {
        let at = from + p + prefix.len();
        from = at;
        let Some(hex6) = s.get(at..at + 6) else {
            break;
        };
        let next_hex = s.as_bytes().get(at + 6).is_some_and(u8::is_ascii_hexdigit);
        if !next_hex {
            if let Ok(b) = hex::decode(hex6) {
                out.push(b);
            }
        }
    }
    out
}

/// MAC-derived names in a block's identity strings (`DVES_A1B2C3`, `tasmota_A1B2C3`,
/// `tasmota-A1B2C3-1234`): literal values a user or an older firmware saved. `base` is the
/// block's offset in the dump.
pub fn identity(block: &[u8], base: u64) -> Vec<IdEvidence> {
    let Ok(d) = decode_at(block, base) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &d.items {
        if item.class != Class::Identity {
            continue;
        }
        for (_, s) in strings_of(&item.value) {
            for prefix in ["dves_", "tasmota_", "tasmota-", "sonoff_", "sonoff-"] {
                for tail in mac_tails_after(s, prefix) {
                    out.push(IdEvidence {
                        id: s.to_string(),
                        mac_tail: tail,
                        source: format!("tasmota settings {}", item.key),
                        offset: item.offset,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::tasmota::builder::SettingsBuilder;

    #[test]
    fn mac_tails() {
        assert_eq!(
            mac_tails_after("dves_a1b2c3", "dves_"),
            vec![vec![0xA1, 0xB2, 0xC3]]
        );
        assert_eq!(
            mac_tails_after("tasmota-0A0B0C-1234", "tasmota-"),
            vec![vec![0x0A, 0x0B, 0x0C]]
        );
        assert!(mac_tails_after("DVES_A1B2C3D", "dves_").is_empty());
        assert!(mac_tails_after("DVES_A1B2", "dves_").is_empty());
        assert!(mac_tails_after("DVES_%06X", "dves_").is_empty());
        assert!(mac_tails_after("tasmota_A1B2CZ", "tasmota_").is_empty());
    }

    #[test]
    fn identity_in_hostname_and_topic() {
        let b = SettingsBuilder::new(0x0C01_0106)
            .set("hostname", 0, "tasmota-0A0B0C-1234")
            .unwrap()
            .set("mqtt_topic", 0, "tasmota_0A0B0C")
            .unwrap()
            .build();
        let ids = identity(&b, 0x1000);
        assert_eq!(ids.len(), 2);
        assert!(ids.iter().all(|i| i.mac_tail == [0x0A, 0x0B, 0x0C]));
        assert_eq!(ids[0].source, "tasmota settings hostname");
        let o = ids[0].offset.unwrap() as usize - 0x1000;
        assert_eq!(&b[o..o + 19], b"tasmota-0A0B0C-1234");
    }

    #[test]
    fn defaults_per_version() {
        assert_eq!(default_text("mqtt_topic", 0, 0x0606_000B), "sonoff_%06X");
        assert_eq!(default_text("mqtt_topic", 0, 0x0801_0002), "tasmota_%06X");
        assert_eq!(default_text("friendlyname", 2, 0x0C01_0106), "Tasmota3");
        assert_eq!(default_text("friendlyname", 5, 0x0C01_0106), "");
        assert_eq!(default_text("friendlyname", 0, 0x0606_0000), "Sonoff");
        assert_eq!(default_text("sta_pwd", 1, 0x0C01_0106), "");
        assert_eq!(
            KeepPolicy::parse(&["mqtt"]).unwrap(),
            KeepPolicy {
                wifi: false,
                mqtt: true
            }
        );
        assert_eq!(KeepPolicy::parse(&["x"]).unwrap_err(), "x");
    }
}
