//! Stock Shelly Gen1 (Mongoose OS) names: config levels and files, the web login defaults and the
//! device id form (`docs/shelly.md`).

/// Config levels: `conf0.json` (defaults) .. `conf9.json` (user).
pub const CONF_LEVELS: usize = 10;
/// The user level.
pub const USER_LEVEL: usize = 9;
/// User-level files `sanitize` deletes (identity and secrets).
pub const USER_FILES: &[&str] = &[
    "conf9.json",
    "conf9_backup.json",
    "conf9.json.try",
    "conf.json",
];
/// Factory data, always kept.
pub const HWINFO_FILE: &str = "hwinfo_struct.json";
/// htdigest file of the web login.
pub const PASSWD_FILE: &str = "passwd";
/// Default web login user.
pub const DEFAULT_USER: &str = "admin";
/// Default web login realm.
pub const DEFAULT_REALM: &str = "Shelly";
/// Default web login password.
pub const DEFAULT_PASSWORD: &str = "admin";
/// Device id prefix of every stock Gen1 device.
pub const ID_PREFIX: &str = "shelly";
/// Longest model part of a device id (`shellyswitch25` ...).
pub const ID_MAX_PREFIX: usize = 24;
