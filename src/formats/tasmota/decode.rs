//! Decode one settings block into named, classified values ([`crate::report::ConfigItem`]).
//!
//! The field table is chosen by the block's own `version` word ([`super::fields::fields_for`]).
//! Supported: ESP8266 blocks (`config_version` 0) from 5.10.0 (decode-config's oldest layout) through 16.x. Anything else is
//! an [`Unsupported`] error that says why; nothing is guessed.

use super::fields::{fields_for, Loc, Ty};
use super::settings::{le16, le32, version_string};
use super::textpool;
use crate::formats::tasmota::consts as c;
use crate::report::{ConfigItem, ConfigSection, Finding};
use serde_json::Value;

/// Why a block cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported Tasmota settings block (version {version_str}): {reason}")]
pub struct Unsupported {
    /// The block's `version` word (0 when too short to have one).
    pub version: u32,
    /// The same, dotted.
    pub version_str: String,
    /// What is wrong, e.g. `older than 5.10.0`, `ESP32 settings (config_version 1)`.
    pub reason: String,
}

/// A decoded settings block.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Decoded {
    /// The block's `version` word.
    pub version: u32,
    /// The same, dotted (`8.5.0`).
    pub version_str: String,
    /// Every decoded value, with Tasmota's field names and classes.
    pub items: Vec<ConfigItem>,
    /// Notes about the block (layout assumed for a newer version, unusual `cfg_holder`).
    pub findings: Vec<Finding>,
}

impl Decoded {
    /// The value of one field.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.items.iter().find(|i| i.key == key).map(|i| &i.value)
    }

    /// Wrap the items as a report section (`source` e.g. `tasmota settings @0x0fb000`).
    pub fn section(&self, source: impl Into<String>, live: bool) -> ConfigSection {
        ConfigSection {
            source: source.into(),
            live,
            items: self.items.clone(),
        }
    }
}

fn unsupported(version: u32, reason: impl Into<String>) -> Unsupported {
    Unsupported {
        version,
        version_str: version_string(version),
        reason: reason.into(),
    }
}

/// Read one scalar of `ty` at `off`.
fn scalar(b: &[u8], off: usize, ty: Ty) -> Option<Value> {
    let raw = b.get(off..off.checked_add(ty.size())?)?;
    let mut w = [0u8; 8];
    w[..raw.len()].copy_from_slice(raw);
    let u = u64::from_le_bytes(w);
    Some(match ty {
        Ty::U8 | Ty::U16 | Ty::U32 | Ty::U64 => Value::from(u),
        Ty::I8 => Value::from(i64::from(raw[0] as i8)),
        Ty::I16 => Value::from(i64::from(u as u16 as i16)),
        Ty::I32 => Value::from(i64::from(u as u32 as i32)),
        Ty::I64 => Value::from(u as i64),
        Ty::F32 => Value::from(f64::from(f32::from_bits(u as u32))),
    })
}

/// An IPv4 address stored lwIP-style (first octet in the lowest byte).
fn ipv4(v: u32) -> String {
    let [a, b, c2, d] = v.to_le_bytes();
    format!("{a}.{b}.{c2}.{d}")
}

fn text(bytes: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

fn one_or_many(mut v: Vec<Value>, count: usize) -> Value {
    if count == 1 && v.len() == 1 {
        v.pop().unwrap_or(Value::Null)
    } else {
        Value::Array(v)
    }
}

/// Check a block can be decoded; returns its version.
pub fn check_supported(block: &[u8]) -> Result<u32, Unsupported> {
    let Some(h) = super::settings::Header::read(block) else {
        return Err(unsupported(0, "block shorter than the settings header"));
    };
    let version = h.version;
    if version < c::MIN_VERSION {
        return Err(unsupported(
            version,
            "older than 5.10.0, the oldest layout decode-config (and espdump) knows",
        ));
    }
    if let Some(size) = h.cfg_size.map(usize::from) {
        if size != c::SETTINGS_SIZE && size != c::SETTINGS_SIZE_OLD {
            return Err(unsupported(
                version,
                format!("cfg_size {size} is not 3584 or 4096: not a settings block"),
            ));
        }
    }
    let size = h.block_len();
    if block.len() < size {
        return Err(unsupported(
            version,
            format!("block is {} bytes, its layout needs {size}", block.len()),
        ));
    }
    if version >= c::MAX_VERSION_EXCL {
        return Err(unsupported(
            version,
            format!(
                "newer than the last known layout ({})",
                version_string(c::LAST_KNOWN_LAYOUT)
            ),
        ));
    }
    if version >= 0x0802_0004 {
        let hw = block.get(c::OFF_CONFIG_VERSION).copied().unwrap_or(0xFF);
        if hw != 0 {
            return Err(unsupported(
                version,
                format!("config_version {hw}: not an ESP8266 block (ESP32 family)"),
            ));
        }
    }
    Ok(version)
}

/// Decode a block whose first byte is at `base` in the dump (item offsets are absolute).
pub fn decode_at(block: &[u8], base: u64) -> Result<Decoded, Unsupported> {
    let version = check_supported(block)?;
    let findings = header_findings(block, base, version);
    let pool = if version >= c::TEXT_POOL_FIRST {
        textpool::split(block)
    } else {
        Vec::new()
    };
    let items = fields_for(version)
        .into_iter()
        .filter_map(|f| {
            let (value, off) = field_value(block, &pool, f.name, f.loc)?;
            Some(ConfigItem::new(
                f.name,
                value,
                f.class,
                Some(base + off as u64),
            ))
        })
        .collect();
    Ok(Decoded {
        version,
        version_str: version_string(version),
        items,
        findings,
    })
}

/// Findings about the header: a version newer than the newest known layout of its major
/// version, a `cfg_holder` other than the default.
fn header_findings(block: &[u8], base: u64, version: u32) -> Vec<Finding> {
    let mut findings = Vec::new();
    if version >= c::LAST_KNOWN_LAYOUT
        && (version >> 24) == (c::LAST_KNOWN_LAYOUT >> 24)
        && version != c::LAST_KNOWN_LAYOUT
    {
        findings.push(Finding::info(
            "tasmota_layout_assumed",
            Some(base + c::OFF_VERSION as u64),
            format!(
                "settings version {} decoded with the {} layout",
                version_string(version),
                version_string(c::LAST_KNOWN_LAYOUT)
            ),
        ));
    }
    let holder_ok = if version < c::HEADER_V6 {
        le32(block, c::OFF_CFG_HOLDER) == Some(c::CFG_HOLDER_5X)
    } else {
        le16(block, c::OFF_CFG_HOLDER) == Some(c::CFG_HOLDER_DEFAULT)
    };
    if !holder_ok {
        findings.push(Finding::info(
            "tasmota_cfg_holder_custom",
            Some(base),
            format!(
                "cfg_holder is {} (default {}); only firmware built with the same value loads it",
                le16(block, c::OFF_CFG_HOLDER).unwrap_or(0),
                c::CFG_HOLDER_DEFAULT
            ),
        ));
    }
    findings
}

/// One field's value and its offset in the block; `None` when the block is too short for it.
fn field_value(
    block: &[u8],
    pool: &[textpool::PoolString<'_>],
    name: &str,
    loc: Loc,
) -> Option<(Value, usize)> {
    match loc {
        Loc::Bin { off, ty, count } => {
            let mut vals = (0..count)
                .map(|i| scalar(block, off + i * ty.size(), ty))
                .collect::<Option<Vec<Value>>>()?;
            if matches!(
                name,
                "ip_address" | "ipv4_rgx_address" | "ipv4_rgx_subnetmask"
            ) {
                vals = vals
                    .iter()
                    .map(|v| Value::String(ipv4(v.as_u64().unwrap_or(0) as u32)))
                    .collect();
            }
            Some((one_or_many(vals, count), off))
        }
        Loc::Str { off, len, count } => {
            let vals = (0..count)
                .map(|i| {
                    let raw = block.get(off + i * len..off + (i + 1) * len)?;
                    let n = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
                    Some(text(&raw[..n]))
                })
                .collect::<Option<Vec<Value>>>()?;
            Some((one_or_many(vals, count), off))
        }
        Loc::Text { index, count } => {
            let vals: Vec<Value> = (index..index + count)
                .map(|i| pool.get(i).map_or(Value::from(""), |s| text(s.bytes)))
                .collect();
            let off = pool.get(index).map_or(c::OFF_TEXT_POOL, |s| s.offset);
            Some((one_or_many(vals, count), off))
        }
    }
}

/// Decode one settings block (a flash copy, or a `.dmp` after [`super::dmp::from_dmp`]).
pub fn decode(block: &[u8]) -> Result<Decoded, Unsupported> {
    decode_at(block, 0)
}
