//! Per-version field tables of the ESP8266 settings block, with class and sanitise action.
//!
//! Locations (offset, type, array length, text-pool index, version range) are generated from
//! decode-config 16.0.0.0's `SETTINGS` tables into `fields_gen.rs` by
//! `src/tasmota/gen_fields.py`; the table is keyed on the block's own `version` word, from
//! 5.10.0 (u32 header, no checksum) through 6.0.0 (16-bit header, `cfg_crc`), 6.6.0.7 (4096
//! bytes), 8.0.0.1 (text pool) to 16.0 (current). The class of
//! every field and what `sanitize` does with it are hand-written here ([`META`]).

use crate::report::Class;

pub(crate) use super::fields_gen::{GENERATED, LAYOUT_SIZES};

/// Scalar type of a binary field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// u8
    U8,
    /// i8
    I8,
    /// u16 LE
    U16,
    /// i16 LE
    I16,
    /// u32 LE
    U32,
    /// i32 LE
    I32,
    /// u64 LE
    U64,
    /// i64 LE
    I64,
    /// f32 LE
    F32,
}

impl Ty {
    /// Size in bytes.
    pub fn size(self) -> usize {
        match self {
            Ty::U8 | Ty::I8 => 1,
            Ty::U16 | Ty::I16 => 2,
            Ty::U32 | Ty::I32 | Ty::F32 => 4,
            Ty::U64 | Ty::I64 => 8,
        }
    }
}

/// Where a field lives in the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    /// Binary scalar(s): `count` consecutive values of `ty` from `off`.
    Bin {
        /// Offset in the block.
        off: usize,
        /// Element type.
        ty: Ty,
        /// Number of elements (1 = scalar).
        count: usize,
    },
    /// Fixed char arrays (before 8.0.0.1): `count` arrays of `len` bytes from `off`.
    Str {
        /// Offset in the block.
        off: usize,
        /// Bytes per string, terminator included.
        len: usize,
        /// Number of strings.
        count: usize,
    },
    /// Text-pool strings `index .. index + count` (8.0.0.1 and later).
    Text {
        /// First `SET_*` index.
        index: usize,
        /// Number of strings.
        count: usize,
    },
}

/// Which `--keep` policy item preserves a field during `sanitize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Always reset.
    Always,
    /// Kept with `--keep wifi` (`sta_ssid`, `sta_pwd`).
    Wifi,
    /// Kept with `--keep mqtt` (`mqtt_host`, `mqtt_port`, `mqtt_user`, `mqtt_pwd`).
    Mqtt,
}

/// What `sanitize` does with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave as is.
    Keep,
    /// Reset strings (or `mqtt_port`) to the firmware default ([`super::sanitize::default_text`]).
    Reset(Group),
    /// Set every element to zero.
    Zero,
    /// Set element 0 to zero (static IP address → DHCP), keep the others.
    ZeroFirst,
}

/// Class and sanitise action of every decoded field, by Tasmota name.
pub static META: &[(&str, Class, Action)] = &[
    // header
    ("cfg_holder", Class::Setting, Action::Keep),
    ("cfg_size", Class::Setting, Action::Keep),
    ("save_flag", Class::Setting, Action::Keep),
    ("version", Class::Setting, Action::Keep),
    ("bootcount", Class::Identity, Action::Zero),
    ("cfg_crc", Class::Setting, Action::Keep),
    ("cfg_timestamp", Class::Setting, Action::Keep),
    ("cfg_crc32", Class::Setting, Action::Keep),
    ("config_version", Class::Setting, Action::Keep),
    ("save_data", Class::Setting, Action::Keep),
    ("timezone", Class::Site, Action::Keep),
    // strings
    ("ota_url", Class::Site, Action::Keep),
    ("mqtt_prefix", Class::Setting, Action::Keep),
    ("sta_ssid", Class::Site, Action::Reset(Group::Wifi)),
    ("sta_pwd", Class::Secret, Action::Reset(Group::Wifi)),
    ("hostname", Class::Identity, Action::Reset(Group::Always)),
    ("syslog_host", Class::Site, Action::Keep),
    ("web_password", Class::Secret, Action::Reset(Group::Always)),
    ("cors_domain", Class::Site, Action::Keep),
    ("mqtt_host", Class::Site, Action::Reset(Group::Mqtt)),
    ("mqtt_client", Class::Identity, Action::Reset(Group::Always)),
    ("mqtt_user", Class::Secret, Action::Reset(Group::Mqtt)),
    ("mqtt_pwd", Class::Secret, Action::Reset(Group::Mqtt)),
    ("mqtt_fulltopic", Class::Setting, Action::Keep),
    ("mqtt_topic", Class::Identity, Action::Reset(Group::Always)),
    (
        "button_topic",
        Class::Identity,
        Action::Reset(Group::Always),
    ),
    (
        "switch_topic",
        Class::Identity,
        Action::Reset(Group::Always),
    ),
    ("mqtt_grptopic", Class::Site, Action::Keep),
    ("mqtt_grptopic2", Class::Site, Action::Keep),
    ("state_text", Class::Setting, Action::Keep),
    ("ntp_server", Class::Site, Action::Keep),
    ("mems", Class::Setting, Action::Keep),
    (
        "friendlyname",
        Class::Identity,
        Action::Reset(Group::Always),
    ),
    ("button_text", Class::Setting, Action::Keep),
    ("templatename", Class::Factory, Action::Keep),
    ("device_group_topic", Class::Site, Action::Keep),
    ("devicename", Class::Identity, Action::Reset(Group::Always)),
    (
        "telegram_token",
        Class::Secret,
        Action::Reset(Group::Always),
    ),
    (
        "telegram_chatid",
        Class::Secret,
        Action::Reset(Group::Always),
    ),
    ("adc_param", Class::Factory, Action::Keep),
    ("switchtext", Class::Setting, Action::Keep),
    ("shelly_dimmer", Class::Factory, Action::Keep),
    ("rgx_ssid", Class::Secret, Action::Reset(Group::Always)),
    ("rgx_password", Class::Secret, Action::Reset(Group::Always)),
    ("influxdb_host", Class::Site, Action::Keep),
    ("influxdb_org", Class::Site, Action::Keep),
    (
        "influxdb_token",
        Class::Secret,
        Action::Reset(Group::Always),
    ),
    ("influxdb_bucket", Class::Site, Action::Keep),
    ("influxdb_rp", Class::Site, Action::Keep),
    ("webcanvas", Class::Setting, Action::Keep),
    ("telegram_fingerprint", Class::Site, Action::Keep),
    // network
    ("mqtt_port", Class::Site, Action::Reset(Group::Mqtt)),
    ("syslog_port", Class::Site, Action::Keep),
    ("webserver", Class::Setting, Action::Keep),
    ("sta_config", Class::Setting, Action::Keep),
    ("sta_active", Class::Site, Action::Zero),
    ("ip_address", Class::Identity, Action::ZeroFirst),
    ("ipv4_rgx_address", Class::Site, Action::Keep),
    ("ipv4_rgx_subnetmask", Class::Site, Action::Keep),
    ("wifi_channel", Class::Site, Action::Zero),
    ("wifi_bssid", Class::Site, Action::Zero),
    ("mqtt_fingerprint", Class::Site, Action::Keep),
    ("mqtt_fingerprint1", Class::Site, Action::Keep),
    ("mqtt_fingerprint2", Class::Site, Action::Keep),
    // hardware
    ("module", Class::Factory, Action::Keep),
    ("my_gp", Class::Factory, Action::Keep),
    ("fallback_module", Class::Factory, Action::Keep),
    ("user_template.base", Class::Factory, Action::Keep),
    ("user_template.name", Class::Factory, Action::Keep),
    ("user_template.gpio", Class::Factory, Action::Keep),
    ("user_template.flag", Class::Factory, Action::Keep),
    ("interlock", Class::Setting, Action::Keep),
    ("switchmode", Class::Setting, Action::Keep),
    ("pulse_timer", Class::Setting, Action::Keep),
    ("poweronstate", Class::Setting, Action::Keep),
    ("tele_period", Class::Setting, Action::Keep),
    ("sleep", Class::Setting, Action::Keep),
    ("power", Class::Setting, Action::Zero),
    // calibration
    ("energy_power_calibration", Class::Factory, Action::Keep),
    ("energy_voltage_calibration", Class::Factory, Action::Keep),
    ("energy_current_calibration", Class::Factory, Action::Keep),
    ("energy_power_calibration2", Class::Factory, Action::Keep),
    ("energy_voltage_calibration2", Class::Factory, Action::Keep),
    ("energy_current_calibration2", Class::Factory, Action::Keep),
    ("energy_frequency_calibration", Class::Factory, Action::Keep),
    ("energy_power_delta", Class::Setting, Action::Keep),
    // donor history and ids
    ("energy_kWhtoday", Class::Identity, Action::Zero),
    ("energy_kWhyesterday", Class::Identity, Action::Zero),
    ("energy_kWhtotal", Class::Identity, Action::Zero),
    ("energy_kWhdoy", Class::Identity, Action::Zero),
    ("energy_kWhtotal_time", Class::Identity, Action::Zero),
    ("energy_kWhtoday_ph", Class::Identity, Action::Zero),
    ("energy_kWhyesterday_ph", Class::Identity, Action::Zero),
    ("energy_kWhtotal_ph", Class::Identity, Action::Zero),
    ("energy_kWhexport_ph", Class::Identity, Action::Zero),
    ("pulse_counter", Class::Identity, Action::Zero),
    ("pn532_password", Class::Secret, Action::Zero),
    ("knx_physsical_addr", Class::Identity, Action::Zero),
    ("domoticz_relay_idx", Class::Identity, Action::Zero),
    ("domoticz_key_idx", Class::Identity, Action::Zero),
    ("domoticz_switch_idx", Class::Identity, Action::Zero),
    ("domoticz_sensor_idx", Class::Identity, Action::Zero),
    ("latitude", Class::Site, Action::Keep),
    ("longitude", Class::Site, Action::Keep),
    ("zb_ext_panid", Class::Identity, Action::Zero),
    ("zb_precfgkey_l", Class::Secret, Action::Zero),
    ("zb_precfgkey_h", Class::Secret, Action::Zero),
    ("zb_pan_id", Class::Identity, Action::Zero),
    ("zb_channel", Class::Site, Action::Keep),
    ("keeloq_master_msb", Class::Secret, Action::Zero),
    ("keeloq_master_lsb", Class::Secret, Action::Zero),
    ("keeloq_serial", Class::Identity, Action::Zero),
    ("keeloq_count", Class::Identity, Action::Zero),
    ("bootcount_reset_time", Class::Identity, Action::Zero),
];

/// Fields espdump adds to the generated table (decode-config shows them as bit-field groups).
static EXTRA: &[(&str, u32, u32, Loc)] = &[(
    "power",
    crate::formats::tasmota::consts::MIN_VERSION,
    0,
    Loc::Bin {
        off: crate::formats::tasmota::consts::OFF_POWER,
        ty: Ty::U32,
        count: 1,
    },
)];

/// The block size (`sizeof(Settings)`, decode-config's template size, the `.dmp` length) of
/// `version`: 0x670 (5.10-5.12), 0xA00 (5.13.1-5.14), 0xE00 (6.0-6.6.0.6), 0x1000 (6.6.0.7 on);
/// `None` below 5.10.0.
pub fn block_size(version: u32) -> Option<usize> {
    LAYOUT_SIZES
        .iter()
        .rev()
        .find(|(v, _)| version >= *v)
        .map(|(_, n)| *n)
}

/// The first version of every layout decode-config knows (5.10.0 .. 16.0.0), oldest first.
pub fn layout_versions() -> Vec<u32> {
    LAYOUT_SIZES.iter().map(|(v, _)| *v).collect()
}

/// Every block size a layout has (a `.dmp` is one of these long).
pub fn block_sizes() -> impl Iterator<Item = usize> {
    let mut v: Vec<usize> = LAYOUT_SIZES.iter().map(|(_, n)| *n).collect();
    v.sort_unstable();
    v.dedup();
    v.into_iter()
}

/// One field of a block of a given version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Tasmota name (`sta_ssid`, `user_template.gpio`, ...).
    pub name: &'static str,
    /// Where it is.
    pub loc: Loc,
    /// Its class.
    pub class: Class,
    /// What sanitize does with it.
    pub action: Action,
}

/// Class and action of a field name (unknown names: setting, keep).
pub fn meta(name: &str) -> (Class, Action) {
    META.iter()
        .find(|(n, _, _)| *n == name)
        .map_or((Class::Setting, Action::Keep), |(_, c, a)| (*c, *a))
}

/// Every field the block of `version` has, in table order.
pub fn fields_for(version: u32) -> Vec<Field> {
    GENERATED
        .iter()
        .chain(EXTRA.iter())
        .filter(|(_, lo, hi, _)| version >= *lo && (*hi == 0 || version < *hi))
        .map(|(name, _, _, loc)| {
            let (class, action) = meta(name);
            Field {
                name,
                loc: *loc,
                class,
                action,
            }
        })
        .collect()
}

/// The location of one named field in a block of `version`.
pub fn field(version: u32, name: &str) -> Option<Field> {
    fields_for(version).into_iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_field_has_meta() {
        for (name, _, _, _) in GENERATED.iter().chain(EXTRA.iter()) {
            assert!(
                META.iter().any(|(n, _, _)| n == name),
                "no class for {name}"
            );
        }
    }

    #[test]
    fn locations_follow_version() {
        let f = field(0x0606_000B, "sta_ssid").unwrap();
        assert_eq!(
            f.loc,
            Loc::Str {
                off: 0x0A1,
                len: 33,
                count: 2
            }
        );
        let f = field(0x0800_0001, "sta_ssid").unwrap();
        assert_eq!(f.loc, Loc::Text { index: 4, count: 2 });
        let p = field(0x0701_0205, "mqtt_port").unwrap();
        assert!(matches!(p.loc, Loc::Bin { off: 0x20A, .. }));
        let p = field(0x0701_0206, "mqtt_port").unwrap();
        assert!(matches!(p.loc, Loc::Bin { off: 0xEFC, .. }));
        assert!(field(0x0805_0000, "energy_power_calibration2").is_none());
        assert!(matches!(
            field(0x0F00_0100, "energy_power_calibration2").unwrap().loc,
            Loc::Bin { off: 0x370, .. }
        ));
        assert!(matches!(
            field(0x0E03_0007, "switchmode").unwrap().loc,
            Loc::Bin {
                off: 0x4A8,
                count: 32,
                ..
            }
        ));
        assert!(field(0x0606_0000, "devicename").is_none());
        assert_eq!(
            field(0x0803_0101, "devicename").unwrap().loc,
            Loc::Text {
                index: 76,
                count: 1
            }
        );
    }

    #[test]
    fn block_sizes_follow_decode_config() {
        assert_eq!(block_size(0x0509_0000), None);
        assert_eq!(block_size(0x050A_0000), Some(0x670));
        assert_eq!(block_size(0x050C_0000), Some(0x670));
        assert_eq!(block_size(0x050D_0100), Some(0xA00));
        assert_eq!(block_size(0x050E_0000), Some(0xA00));
        assert_eq!(block_size(0x0600_0000), Some(0xE00));
        assert_eq!(block_size(0x0604_0100), Some(0xE00));
        assert_eq!(block_size(0x0606_0006), Some(0xE00));
        assert_eq!(block_size(0x0606_0007), Some(0x1000));
        assert_eq!(
            block_sizes().collect::<Vec<_>>(),
            [0x670, 0xA00, 0xE00, 0x1000]
        );
    }

    #[test]
    fn old_layouts_from_decode_config() {
        // 5.x: u32 cfg_holder and bootcount, no cfg_size / cfg_crc.
        let v = 0x050A_0000;
        assert!(matches!(
            field(v, "cfg_holder").unwrap().loc,
            Loc::Bin { ty: Ty::U32, .. }
        ));
        assert!(matches!(
            field(v, "bootcount").unwrap().loc,
            Loc::Bin { ty: Ty::U32, .. }
        ));
        assert!(field(v, "cfg_size").is_none() && field(v, "cfg_crc").is_none());
        assert!(matches!(
            field(v, "mqtt_fingerprint").unwrap().loc,
            Loc::Bin {
                off: 0x1AD,
                count: 60,
                ..
            }
        ));
        assert!(field(0x050D_0100, "mqtt_fingerprint").is_none());
        assert!(matches!(
            field(0x0600_0000, "cfg_crc").unwrap().loc,
            Loc::Bin {
                off: 0x00E,
                ty: Ty::U16,
                ..
            }
        ));
        for v in [0x050A_0000, 0x050E_0000, 0x0604_0100] {
            let size = block_size(v).unwrap();
            for f in fields_for(v) {
                let end = match f.loc {
                    Loc::Bin { off, ty, count } => off + ty.size() * count,
                    Loc::Str { off, len, count } => off + len * count,
                    Loc::Text { .. } => 0,
                };
                assert!(
                    end <= size,
                    "{} overruns the {size}-byte block of {v:#x}",
                    f.name
                );
            }
        }
    }

    #[test]
    fn no_field_overruns_the_block() {
        for (name, _, _, loc) in GENERATED.iter().chain(EXTRA.iter()) {
            let end = match *loc {
                Loc::Bin { off, ty, count } => off + ty.size() * count,
                Loc::Str { off, len, count } => off + len * count,
                Loc::Text { index, count } => {
                    assert!(index + count <= 99, "{name}");
                    0
                }
            };
            assert!(end <= 4096, "{name}");
        }
    }
}
