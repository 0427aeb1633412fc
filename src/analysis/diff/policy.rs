//! `diff` policy, chosen here (not an on-flash format): comparison limits, what counts as noise
//! in Tasmota settings, how config sources are named, and which files never show content.

/// Changed byte runs closer than this many equal bytes are reported as one range.
pub const RANGE_MERGE_GAP: usize = 16;
/// Most byte ranges listed per region (the count and the changed-byte total are always exact).
pub const MAX_RANGES: usize = 32;
/// Bytes compared at once (`memcmp`) before a differing block is scanned word by word.
pub const COMPARE_BLOCK: usize = 4096;
/// Context lines around a change in a hunk.
pub const LINE_DIFF_CONTEXT: usize = 2;
/// Most hunk lines kept for one file.
pub const LINE_DIFF_MAX_LINES: usize = 200;
/// Files larger than this are compared as bytes only (no line diff).
pub const LINE_DIFF_MAX_FILE: usize = 256 * 1024;
/// Secret values shorter than this are not searched for in free text (too many false hits).
pub const MIN_SECRET_LEN: usize = 4;
/// Tasmota fields the firmware rewrites by itself (save counter, boot counter, checksums,
/// timestamps, relay state and energy counters saved with every save).
pub const TASMOTA_NOISE: &[&str] = &[
    "save_flag",
    "bootcount",
    "cfg_crc",
    "cfg_crc32",
    "cfg_timestamp",
    "bootcount_reset_time",
    "energy_kWhtotal_time",
    "power",
    "pulse_counter",
];
/// Prefixes of Tasmota energy counters saved with every save.
pub const TASMOTA_NOISE_PREFIXES: &[&str] = &[
    "energy_kWhtoday",
    "energy_kWhyesterday",
    "energy_kWhtotal",
    "energy_kWhdoy",
    "energy_kWhexport",
];
/// Config sections of Tasmota settings copies start with this.
pub const TASMOTA_SOURCE: &str = "tasmota settings";
/// Config sections of SDK parameter copies start with this.
pub const SDK_SOURCE: &str = "sdk system params";
/// The merged (effective) Mongoose OS config of a file system ends with this.
pub const EFFECTIVE_SUFFIX: &str = ":effective";
/// Files whose content is never shown in a line diff.
pub const SECRET_FILES: &[&str] = &["passwd", "htpasswd", ".htpasswd"];
/// File-name endings whose content is never shown in a line diff.
pub const SECRET_FILE_SUFFIXES: &[&str] = &[".key", "_key.pem", ".key.pem", ".psk"];
