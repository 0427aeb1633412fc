//! Build synthetic settings blocks by field name, for tests and fixtures.
//!
//! No real Tasmota flash copy is public, so tests (and the lead's "Tasmota on a Shelly 2 MiB"
//! fixture) build blocks: [`SettingsBuilder::new`] starts from Tasmota's defaults for the given
//! version (header, text pool, MQTT port, HLW8012 calibration), [`SettingsBuilder::set`] writes
//! any field of [`super::fields`] by its Tasmota name and array index, and
//! [`SettingsBuilder::build`] recomputes both checksums.
//!
//! ```
//! use espdump::formats::tasmota::builder::SettingsBuilder;
//! let block = SettingsBuilder::new(0x0C01_0106)
//!     .save_flag(42)
//!     .set("sta_ssid", 0, "example-ssid").unwrap()
//!     .set("mqtt_port", 0, 8883u64).unwrap()
//!     .build();
//! let copy = espdump::formats::tasmota::parse_copy(&block, 0).unwrap();
//! assert!(copy.valid);
//! ```

use super::fields::{field, Loc, Ty};
use super::settings::fix_checksums;
use super::textpool;
use crate::formats::tasmota::consts as c;

/// A value to write into a field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// Text (fixed array or pool string).
    Str(String),
    /// An integer, written little-endian in the field's width (two's complement for negatives).
    Int(i128),
    /// An IPv4 address (for `ip_address` and friends), stored lwIP-style.
    Ip([u8; 4]),
    /// Raw bytes for a `u8` array field (`wifi_bssid`, `mqtt_fingerprint1`); `index` is the start.
    Bytes(Vec<u8>),
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Str(s.to_string())
    }
}
impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Str(s)
    }
}
impl From<u64> for FieldValue {
    fn from(v: u64) -> Self {
        FieldValue::Int(i128::from(v))
    }
}
impl From<i64> for FieldValue {
    fn from(v: i64) -> Self {
        FieldValue::Int(i128::from(v))
    }
}
impl From<[u8; 4]> for FieldValue {
    fn from(v: [u8; 4]) -> Self {
        FieldValue::Ip(v)
    }
}
impl From<Vec<u8>> for FieldValue {
    fn from(v: Vec<u8>) -> Self {
        FieldValue::Bytes(v)
    }
}

/// Why a field could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The version has no such field.
    #[error("settings version {version:#010x} has no field {name}")]
    NoField {
        /// The field name asked for.
        name: String,
        /// The block's version.
        version: u32,
    },
    /// Index beyond the field's array length.
    #[error("{name}[{index}] is out of range")]
    Index {
        /// The field.
        name: String,
        /// The index asked for.
        index: usize,
    },
    /// The value does not fit the field (string too long, wrong kind, pool overflow).
    #[error("{name}: {reason}")]
    Value {
        /// The field.
        name: String,
        /// Why.
        reason: String,
    },
}

/// Builds one 4096-byte settings block.
#[derive(Debug, Clone)]
pub struct SettingsBuilder {
    block: Vec<u8>,
    version: u32,
}

/// Text defaults `SettingsDefault()` writes (ESP8266, `my_user_config.h`), by pool index.
fn default_texts(version: u32) -> Vec<(usize, String)> {
    let old = version < c::TASMOTA_RENAME;
    let friendly = if old {
        c::FRIENDLY_NAME_OLD
    } else {
        c::FRIENDLY_NAME
    };
    let topic = if version >= c::TOPIC_UNIQUE_FIRST {
        c::TOPIC_DEFAULT.to_string()
    } else if old {
        c::PROJECT_OLD.to_string()
    } else {
        c::PROJECT.to_string()
    };
    let mut v = vec![
        (
            0,
            "http://ota.tasmota.com/tasmota/release/tasmota.bin.gz".to_string(),
        ),
        (1, "cmnd".into()),
        (2, "stat".into()),
        (3, "tele".into()),
        (8, c::HOSTNAME_DEFAULT.into()),
        (13, c::MQTT_CLIENT_DEFAULT.into()),
        (14, c::MQTT_USER_DEFAULT.into()),
        (15, c::MQTT_PASS_DEFAULT.into()),
        (16, "%prefix%/%topic%/".into()),
        (17, topic),
        (18, "0".into()),
        (19, "0".into()),
        (
            20,
            format!("{}s", if old { c::PROJECT_OLD } else { c::PROJECT }),
        ),
        (21, "OFF".into()),
        (22, "ON".into()),
        (23, "TOGGLE".into()),
        (24, "HOLD".into()),
        (25, "pool.ntp.org".into()),
        (26, "europe.pool.ntp.org".into()),
        (27, "north-america.pool.ntp.org".into()),
        (44, friendly.into()),
        (45, format!("{friendly}2")),
        (46, format!("{friendly}3")),
        (47, format!("{friendly}4")),
    ];
    if version >= 0x0803_0101 {
        v.push((76, friendly.into()));
    }
    v
}

impl SettingsBuilder {
    /// A block of `version` with Tasmota's defaults: header (`cfg_holder` 4617, `cfg_size`,
    /// `save_flag` 1), default texts, `mqtt_port` 1883, HLW8012 calibration 12530/1950/3500,
    /// `config_version` 0, the rest zero.
    pub fn new(version: u32) -> Self {
        let mut b = Self::blank(version);
        for (i, s) in default_texts(version) {
            let name = match i {
                0 => "ota_url",
                1..=3 => "mqtt_prefix",
                8 => "hostname",
                13 => "mqtt_client",
                14 => "mqtt_user",
                15 => "mqtt_pwd",
                16 => "mqtt_fulltopic",
                17 => "mqtt_topic",
                18 => "button_topic",
                19 => "switch_topic",
                20 => "mqtt_grptopic",
                21..=24 => "state_text",
                25..=27 => "ntp_server",
                44..=51 => "friendlyname",
                76 => "devicename",
                _ => continue,
            };
            let first = match i {
                1..=3 => 1,
                21..=24 => 21,
                25..=27 => 25,
                44..=51 => 44,
                _ => i,
            };
            // Fixed arrays of old versions may be shorter than the default: ignore errors.
            let _ = b.set_value(name, i - first, FieldValue::Str(s));
        }
        let _ = b.set_value(
            "mqtt_port",
            0,
            FieldValue::Int(i128::from(c::MQTT_PORT_DEFAULT)),
        );
        let _ = b.set_value("energy_power_calibration", 0, FieldValue::Int(12530));
        let _ = b.set_value("energy_voltage_calibration", 0, FieldValue::Int(1950));
        let _ = b.set_value("energy_current_calibration", 0, FieldValue::Int(3500));
        b
    }

    /// A block of `version` with only the header set (everything else zero). 5.x blocks get the
    /// u32 `CFG_HOLDER` 0x20161209 and no `cfg_size` (that header had none); the bytes past the
    /// version's block size stay zero.
    pub fn blank(version: u32) -> Self {
        let mut block = vec![0u8; c::SETTINGS_SIZE];
        if version < c::HEADER_V6 {
            block[c::OFF_CFG_HOLDER..c::OFF_CFG_HOLDER + 4]
                .copy_from_slice(&c::CFG_HOLDER_5X.to_le_bytes());
        } else {
            let size = if version < 0x0606_0007 {
                c::SETTINGS_SIZE_OLD
            } else {
                c::SETTINGS_SIZE
            };
            block[c::OFF_CFG_HOLDER..c::OFF_CFG_HOLDER + 2]
                .copy_from_slice(&c::CFG_HOLDER_DEFAULT.to_le_bytes());
            block[c::OFF_CFG_SIZE..c::OFF_CFG_SIZE + 2]
                .copy_from_slice(&(size as u16).to_le_bytes());
        }
        block[c::OFF_SAVE_FLAG..c::OFF_SAVE_FLAG + 4].copy_from_slice(&1u32.to_le_bytes());
        block[c::OFF_VERSION..c::OFF_VERSION + 4].copy_from_slice(&version.to_le_bytes());
        SettingsBuilder { block, version }
    }

    /// Set `save_flag`.
    pub fn save_flag(&mut self, v: u32) -> &mut Self {
        self.block[c::OFF_SAVE_FLAG..c::OFF_SAVE_FLAG + 4].copy_from_slice(&v.to_le_bytes());
        self
    }

    /// Set `cfg_holder`.
    pub fn cfg_holder(&mut self, v: u16) -> &mut Self {
        self.block[c::OFF_CFG_HOLDER..c::OFF_CFG_HOLDER + 2].copy_from_slice(&v.to_le_bytes());
        self
    }

    /// Write raw bytes at an offset of the block (for fields outside the tables). Bytes past the
    /// end of the block are dropped.
    pub fn raw(&mut self, off: usize, bytes: &[u8]) -> &mut Self {
        for (i, b) in bytes.iter().enumerate() {
            if let Some(d) = self.block.get_mut(off + i) {
                *d = *b;
            }
        }
        self
    }

    /// Set element `index` of field `name` (Tasmota name, e.g. `sta_ssid`, `user_template.gpio`).
    pub fn set(
        &mut self,
        name: &str,
        index: usize,
        value: impl Into<FieldValue>,
    ) -> Result<&mut Self, BuildError> {
        self.set_value(name, index, value.into())?;
        Ok(self)
    }

    fn set_value(&mut self, name: &str, index: usize, value: FieldValue) -> Result<(), BuildError> {
        let f = field(self.version, name).ok_or_else(|| BuildError::NoField {
            name: name.to_string(),
            version: self.version,
        })?;
        let err = |reason: &str| BuildError::Value {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        let count = match f.loc {
            Loc::Bin { count, .. } | Loc::Str { count, .. } | Loc::Text { count, .. } => count,
        };
        let span = if let FieldValue::Bytes(b) = &value {
            b.len().max(1)
        } else {
            1
        };
        if index + span > count {
            return Err(BuildError::Index {
                name: name.to_string(),
                index,
            });
        }
        match (f.loc, value) {
            (Loc::Text { index: first, .. }, FieldValue::Str(s)) => {
                textpool::update(&mut self.block, &[(first + index, s.as_bytes())])
                    .map_err(|e| err(&e.to_string()))?;
            }
            (Loc::Str { off, len, .. }, FieldValue::Str(s)) => {
                if s.len() >= len {
                    return Err(err("string longer than the field"));
                }
                let at = off + index * len;
                self.block[at..at + len].fill(0);
                self.block[at..at + s.len()].copy_from_slice(s.as_bytes());
            }
            (Loc::Bin { off, ty, .. }, FieldValue::Int(v)) => {
                let at = off + index * ty.size();
                let bytes = (v as u64).to_le_bytes();
                self.block[at..at + ty.size()].copy_from_slice(&bytes[..ty.size()]);
            }
            (
                Loc::Bin {
                    off, ty: Ty::U32, ..
                },
                FieldValue::Ip(ip),
            ) => {
                let at = off + index * 4;
                self.block[at..at + 4].copy_from_slice(&ip);
            }
            (
                Loc::Bin {
                    off, ty: Ty::U8, ..
                },
                FieldValue::Bytes(b),
            ) => {
                let at = off + index;
                self.block[at..at + b.len()].copy_from_slice(&b);
            }
            _ => return Err(err("value kind does not match the field type")),
        }
        Ok(())
    }

    /// The finished block with `cfg_crc` and `cfg_crc32` recomputed.
    pub fn build(&self) -> [u8; c::SETTINGS_SIZE] {
        let mut out = [0u8; c::SETTINGS_SIZE];
        out.copy_from_slice(&self.block);
        fix_checksums(&mut out);
        out
    }
}

/// One-call form: a block of `version` with Tasmota defaults, `save_flag`, and the given fields
/// (`(name, index, value)`) set; checksums valid.
pub fn build_settings(
    version: u32,
    save_flag: u32,
    fields: &[(&str, usize, FieldValue)],
) -> Result<[u8; c::SETTINGS_SIZE], BuildError> {
    let mut b = SettingsBuilder::new(version);
    b.save_flag(save_flag);
    for (name, index, value) in fields {
        b.set_value(name, *index, value.clone())?;
    }
    Ok(b.build())
}

/// A quick power-cycle sector as Tasmota leaves it after `cycles` quick power cycles: the magic
/// word 0xFFA55AFF, then one zero word per cycle, then 0xFF.
pub fn qpc_sector(cycles: usize) -> [u8; c::SETTINGS_SIZE] {
    let mut s = [crate::formats::flash::ERASED; c::SETTINGS_SIZE];
    s[..4].copy_from_slice(&c::QPC_MAGIC.to_le_bytes());
    for i in 0..cycles.min(c::SETTINGS_SIZE / 4 - 1) {
        s[4 + 4 * i..8 + 4 * i].fill(0);
    }
    s
}

/// Write a block (or any sector image) into a dump at `offset`; out-of-range parts are dropped.
///
/// Example: Tasmota 12.1.1.6 (1M-layout build) on a Shelly 2.5 (2 MiB chip), with the EEPROM slot,
/// two rotating copies (the newest at 0xFA000) and a quick power-cycle counter:
/// ```
/// use espdump::formats::tasmota::builder::{build_settings, place, qpc_sector, FieldValue};
/// let v = 0x0C01_0106;
/// let mut dump = vec![0xFFu8; 2 << 20];
/// let s = |x: &str| FieldValue::Str(x.into());
/// let old = build_settings(v, 10, &[("sta_ssid", 0, s("fake-ssid"))]).unwrap();
/// let newest = build_settings(v, 12, &[("sta_ssid", 0, s("fake-ssid")),
///                                      ("sta_pwd", 0, s("fake-pass"))]).unwrap();
/// place(&mut dump, 0xFB000, &old);
/// place(&mut dump, 0xF9000, &old);
/// place(&mut dump, 0xFA000, &newest);
/// place(&mut dump, 0xF3000, &qpc_sector(2));
/// let scan = espdump::formats::tasmota::scan(&dump);
/// assert_eq!(scan.newest_copy().unwrap().offset, 0xFA000);
/// assert_eq!(scan.qpc, vec![0xF3000]);
/// ```
pub fn place(dump: &mut [u8], offset: usize, sector: &[u8]) {
    for (i, b) in sector.iter().enumerate() {
        if let Some(d) = offset.checked_add(i).and_then(|o| dump.get_mut(o)) {
            *d = *b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::tasmota::{decode, parse_copy};

    #[test]
    fn defaults_decode_back() {
        let block = SettingsBuilder::new(0x0F00_0100).build();
        let d = decode(&block).unwrap();
        assert_eq!(d.get("mqtt_client").unwrap(), "DVES_%06X");
        assert_eq!(d.get("mqtt_topic").unwrap(), "tasmota_%06X");
        assert_eq!(d.get("mqtt_port").unwrap(), 1883);
        assert_eq!(d.get("devicename").unwrap(), "Tasmota");
        assert_eq!(
            d.get("friendlyname").unwrap(),
            &serde_json::json!(["Tasmota", "Tasmota2", "Tasmota3", "Tasmota4", "", "", "", ""])
        );
        let k = parse_copy(&block, 0).unwrap();
        assert!(k.valid && k.crc16.unwrap().valid);
    }

    #[test]
    fn old_fixed_arrays() {
        let block = SettingsBuilder::new(0x0606_000B)
            .set("sta_ssid", 1, "second")
            .unwrap()
            .build();
        assert_eq!(&block[0xA1 + 33..0xA1 + 33 + 7], b"second\0");
        assert_eq!(&block[0x20C..0x20C + 10], b"DVES_%06X\0");
        assert_eq!(u16::from_le_bytes([block[0x20A], block[0x20B]]), 1883);
        assert!(SettingsBuilder::new(0x0606_000B)
            .set("hostname", 0, "x".repeat(33))
            .is_err());
        assert!(SettingsBuilder::new(0x0606_000B)
            .set("devicename", 0, "x")
            .is_err());
        assert!(SettingsBuilder::new(0x0606_000B)
            .set("sta_ssid", 2, "x")
            .is_err());
    }
}
