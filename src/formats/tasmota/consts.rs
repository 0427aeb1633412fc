//! Tasmota's numbers: the settings layout (offsets, sizes, version thresholds, checksums), the
//! settings slots of each flash layout, `.dmp` and decode-config `.bin` framing, image markers and
//! compiled-in defaults (arendst/Tasmota `settings.ino`, `tasmota_types.h`, `tasmota.h`,
//! `my_user_config.h`; tasmota/decode-config 16.0.0.0; `docs/tasmota-settings.md`).

/// Size of one settings copy (`sizeof(TSettings)` since 6.6.0.7).
pub const SETTINGS_SIZE: usize = 0x1000;
/// `cfg_size` of 6.0.0 .. 6.6.0.6 blocks.
pub const SETTINGS_SIZE_OLD: usize = 0xE00;
/// First version with the 16-bit header (`cfg_holder` u16, `cfg_size`, `bootcount` u16,
/// `cfg_crc`); before it `cfg_holder` and `bootcount` were u32 and there was no checksum.
pub const HEADER_V6: u32 = 0x0600_0000;
/// Offset of `rules` (512-byte strings: one from 5.13.1, three from 6.0.0; decode-config).
pub const OFF_RULES: usize = 0x800;
/// Length of one rule.
pub const RULE_LEN: usize = 512;
/// First version with a rule.
pub const RULES_FIRST: u32 = 0x050D_0100;
/// Length of the fixed header both forms share (up to and including `flag`).
pub const HEADER_LEN: usize = 0x14;
/// Smallest block: 5.10.0 .. 5.12.0 (`sizeof(SYSCFG)`, decode-config template 0x670).
pub const SETTINGS_SIZE_5X_MIN: usize = 0x670;
/// `CFG_HOLDER` of 5.x builds (`user_config.h`), a u32 at 0x000.
pub const CFG_HOLDER_5X: u32 = 0x2016_1209;
/// The 6.x loader checks `cfg_crc` only for versions above this (`SettingsLoad`).
pub const CRC16_CHECKED_ABOVE: u32 = 0x0600_0000;
/// Offset of `cfg_holder` (u16).
pub const OFF_CFG_HOLDER: usize = 0x000;
/// Offset of `cfg_size` (u16).
pub const OFF_CFG_SIZE: usize = 0x002;
/// Offset of `save_flag` (u32).
pub const OFF_SAVE_FLAG: usize = 0x004;
/// Offset of `version` (u32).
pub const OFF_VERSION: usize = 0x008;
/// Offset of `bootcount` (u16).
pub const OFF_BOOTCOUNT: usize = 0x00C;
/// Offset of `cfg_crc` (u16, weighted byte sum).
pub const OFF_CRC16: usize = 0x00E;
/// Offset of `flag` (SetOption0..31, u32).
pub const OFF_FLAG: usize = 0x010;
/// Bit of `flag` for SetOption12 `stop_flash_rotate`.
pub const FLAG_STOP_FLASH_ROTATE: u32 = 1 << 12;
/// Offset of the text pool (since 8.0.0.1).
pub const OFF_TEXT_POOL: usize = 0x017;
/// Length of the text pool (`settings_text_size`).
pub const TEXT_POOL_LEN: usize = 699;
/// Number of pool strings on ESP8266 (`SET_MAX`).
pub const SET_MAX: usize = 99;
/// Offset of `power` (relay bitmask, u32).
pub const OFF_POWER: usize = 0x2E8;
/// Offset of `config_version` (u8, 0 = ESP8266; since 8.2.0.4).
pub const OFF_CONFIG_VERSION: usize = 0xF36;
/// Offset of `bootcount_reset_time` (u32; since 8.1.0.6).
pub const OFF_BOOTCOUNT_RESET_TIME: usize = 0xFD4;
/// Offset of `cfg_timestamp` (u32; since 6.6.0.10).
pub const OFF_TIMESTAMP: usize = 0xFF8;
/// Offset of `cfg_crc32` in a copy.
pub const OFF_CRC32: usize = 0xFFC;
/// Default `CFG_HOLDER` (`my_user_config.h`).
pub const CFG_HOLDER_DEFAULT: u16 = 4617;
/// `cfg_crc` covers this many bytes (`GetCfgCrc16`), except in the versions below.
pub const CRC16_LEN: usize = 0xE00;
/// First version whose `cfg_crc` covered the whole 4096 bytes (Tasmota's "miscalculation").
pub const CRC16_FULL_FIRST: u32 = 0x0606_0007;
/// Last version whose `cfg_crc` covered the whole 4096 bytes.
pub const CRC16_FULL_LAST: u32 = 0x0606_000A;
/// First version with `cfg_crc32` and `cfg_timestamp`.
pub const CRC32_FIRST: u32 = 0x0606_000A;
/// From this version on the loader validates a copy by `cfg_crc32` only.
pub const CRC32_CHECKED_FIRST: u32 = 0x0606_000B;
/// Initial value given to `crc32fast::Hasher::new_with_initial` for Tasmota's CRC32
/// (register 0, final NOT); "123456789" gives 0xD202D277.
pub const CRC32_INIT: u32 = 0xFFFF_FFFF;
/// Oldest settings version [`crate::formats::tasmota::decode()`] supports (5.10.0, decode-config's
/// oldest layout).
pub const MIN_VERSION: u32 = 0x050A_0000;
/// Oldest version a 5.x header (u32 `cfg_holder` 0x20161209) may carry to count as a
/// candidate: older copies are reported as unsupported, not decoded.
pub const MIN_HEADER_VERSION: u32 = 0x0500_0000;
/// Newest layout in the field tables (decode-config 16.0.0.0).
pub const LAST_KNOWN_LAYOUT: u32 = 0x1000_0000;
/// Versions below this (all of 16.x) decode with the newest table; newer ones are refused.
pub const MAX_VERSION_EXCL: u32 = 0x1100_0000;
/// First version with the text pool.
pub const TEXT_POOL_FIRST: u32 = 0x0800_0001;
/// Quick power-cycle sector magic (LE u32; bytes `FF 5A A5 FF`).
pub const QPC_MAGIC: u32 = 0xFFA5_5AFF;
/// Rotating settings slots of a settings scheme.
pub const CFG_ROTATES: usize = 7;
/// 1M-layout builds: EEPROM slot.
pub const EEPROM_1M: usize = 0xFB000;
/// 1M-layout builds: highest rotating slot (`SETTINGS_LOCATION`).
pub const SETTINGS_LOCATION_1M: usize = 0xFA000;
/// 1M-layout builds: quick power-cycle sector.
pub const QPC_1M: usize = 0xF3000;
/// File-system builds: highest rotating slot (clamped to 0xFD).
pub const SETTINGS_LOCATION_FS: usize = 0xFD000;
/// File-system builds: quick power-cycle sector.
pub const QPC_FS: usize = 0xF6000;
/// 2M1M builds: EEPROM slot.
pub const EEPROM_2M1M: usize = 0x1FB000;
/// 4M2M builds: EEPROM slot.
pub const EEPROM_4M2M: usize = 0x3FB000;
/// `.dmp` XOR key base (`CONFIG_FILE_XOR`): byte i ^= (0x5A + i) for i >= 2.
pub const DMP_XOR: u8 = 0x5A;
/// `.dmp` bytes before this index are not XORed (`cfg_holder`).
pub const DMP_XOR_START: usize = 2;
/// decode-config `.bin` trailer magic (LE u32 after the plain block).
pub const BIN_MAGIC: u32 = 0x6357_6223;
/// VERSION_MARKER head (`0x5AA55AA5` LE).
pub const VERSION_MARKER_HEAD: [u8; 4] = [0xA5, 0x5A, 0xA5, 0x5A];
/// VERSION_MARKER tail (`0xA55AA55A` LE).
pub const VERSION_MARKER_TAIL: [u8; 4] = [0x5A, 0xA5, 0x5A, 0xA5];
/// Default OTA URL of official builds: proves a Tasmota image.
pub const OTA_URL_MARKER: &[u8] = b"ota.tasmota.com";
/// Older builds' OTA server.
pub const OTA_URL_MARKER_OLD: &[u8] = b"thehackbox.org";
/// Default MQTT client id format.
pub const MQTT_CLIENT_DEFAULT: &str = "DVES_%06X";
/// Default MQTT user.
pub const MQTT_USER_DEFAULT: &str = "DVES_USER";
/// Default MQTT password.
pub const MQTT_PASS_DEFAULT: &str = "DVES_PASS";
/// Default MQTT port.
pub const MQTT_PORT_DEFAULT: u16 = 1883;
/// Default host name format (`WIFI_HOSTNAME`).
pub const HOSTNAME_DEFAULT: &str = "%s-%04d";
/// Default topic of 8.5 and later (`PROJECT "_%06X"`; 8.1.0.2 still used plain `tasmota`,
/// seen in the corpus images). `sanitize` writes `<project>_%06X` for every version: 6.x
/// `my_user_config.h` already documents the `%06X` form for a unique topic.
pub const TOPIC_DEFAULT: &str = "tasmota_%06X";
/// First version seen with [`TOPIC_DEFAULT`] compiled in (8.5.0; 8.1.0.2 has `tasmota`).
pub const TOPIC_UNIQUE_FIRST: u32 = 0x0805_0000;
/// Unique topic of 6.x builds.
pub const TOPIC_DEFAULT_OLD: &str = "sonoff_%06X";
/// Project name of 7.x and later.
pub const PROJECT: &str = "tasmota";
/// Project name of 6.x (`sonoff`).
pub const PROJECT_OLD: &str = "sonoff";
/// Friendly name of 7.x and later.
pub const FRIENDLY_NAME: &str = "Tasmota";
/// Friendly name of 6.x.
pub const FRIENDLY_NAME_OLD: &str = "Sonoff";
/// First version named Tasmota (7.0.0).
pub const TASMOTA_RENAME: u32 = 0x0700_0000;
