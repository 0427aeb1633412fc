//! Findings and configuration items: the data every command reports.
//!
//! Parsers never print. They return values built from these types; the CLI renders the same
//! values as human text or as JSON (`serde_json`), so both outputs always agree.

use serde::Serialize;

/// How serious a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Info,
    /// Suspicious or damaged, but the rest of the dump is still usable.
    Warning,
    /// Broken: the device would not boot this, or the structure cannot be trusted.
    Error,
}

impl Severity {
    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One observation about the input: a stable machine code, where, and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// Stable snake_case code, e.g. `image_checksum_mismatch`.
    pub code: &'static str,
    /// Byte offset in the input the finding is about, if any.
    pub offset: Option<u64>,
    /// Human sentence. May contain text read from the dump: escape before printing.
    pub message: String,
}

impl Finding {
    /// Build a finding.
    pub fn new(
        severity: Severity,
        code: &'static str,
        offset: Option<u64>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            code,
            offset,
            message: message.into(),
        }
    }
    /// An `info` finding.
    pub fn info(code: &'static str, offset: Option<u64>, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, code, offset, message)
    }
    /// A `warning` finding.
    pub fn warning(code: &'static str, offset: Option<u64>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, offset, message)
    }
    /// An `error` finding.
    pub fn error(code: &'static str, offset: Option<u64>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, offset, message)
    }
}

/// What a decoded configuration value is, for masking and for `sanitize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Names this one unit: device id, MAC, hostname, MQTT client/topic derived from the MAC.
    Identity,
    /// A password, key or token. Masked unless `--show-secrets`.
    Secret,
    /// Belongs to the installation site: SSID, MQTT host, NTP server, time zone.
    Site,
    /// Written at the factory, belongs to the hardware: calibration, hwinfo, model.
    Factory,
    /// An ordinary user setting.
    Setting,
}

impl Class {
    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Identity => "identity",
            Class::Secret => "secret",
            Class::Site => "site",
            Class::Factory => "factory",
            Class::Setting => "setting",
        }
    }
}

/// The text shown instead of a secret value.
pub const MASK: &str = "********";

/// One decoded configuration value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigItem {
    /// Field name as the firmware calls it (`sta_ssid`, `wifi.sta.pass`, ...).
    pub key: String,
    /// The value. Strings are raw (unescaped); renderers escape them.
    pub value: serde_json::Value,
    /// What kind of value this is.
    pub class: Class,
    /// Offset of the value in the input, if it maps to one place.
    pub offset: Option<u64>,
}

impl ConfigItem {
    /// Build an item.
    pub fn new(
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
        class: Class,
        offset: Option<u64>,
    ) -> Self {
        ConfigItem {
            key: key.into(),
            value: value.into(),
            class,
            offset,
        }
    }

    /// A copy with the value replaced by [`MASK`] when it is a non-empty secret (element-wise for
    /// arrays, so `["", ""]` stays visible as empty).
    pub fn masked(&self) -> Self {
        let mut c = self.clone();
        if c.class == Class::Secret {
            c.value = mask_value(&c.value);
        }
        c
    }
}

/// Mask a secret value: non-empty strings (also inside arrays) and other non-null scalars.
fn mask_value(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(mask_value).collect()),
        v if is_empty_value(v) => v.clone(),
        _ => serde_json::Value::String(MASK.to_string()),
    }
}

fn is_empty_value(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// A group of configuration values read from one place (a settings copy, a file, an SDK sector).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigSection {
    /// Where it came from, e.g. `tasmota settings @0xfb000`, `spiffs@0xbb000:conf9.json`.
    pub source: String,
    /// Whether this is the copy the firmware uses now (false for stale / previous copies).
    pub live: bool,
    /// The values.
    pub items: Vec<ConfigItem>,
}

impl ConfigSection {
    /// A copy with every secret masked.
    pub fn masked(&self) -> Self {
        ConfigSection {
            source: self.source.clone(),
            live: self.live,
            items: self.items.iter().map(ConfigItem::masked).collect(),
        }
    }
}

/// One change `sanitize` made (or plans to make) to the output image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The region label, e.g. `tasmota settings`, `spiffs fs1`, `sdk system params copy 0`.
    pub region: String,
    /// First byte changed.
    pub start: u64,
    /// One past the last byte changed.
    pub end: u64,
    /// What was done, e.g. `reset mqtt_pwd to default`, `deleted /conf9.json`.
    pub what: String,
    /// Why, e.g. `secret`, `identity`, `stale copy`.
    pub why: String,
}

/// A size for display: `2 MiB`, `4 KiB`, or `N B` when not a whole number of KiB. The one size
/// formatter of the reports (findings, region maps, headers, diffs).
pub fn size_str(n: u64) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1024 && n % 1024 == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} B")
    }
}

/// A size rounded for progress messages: one decimal of MiB from 1 MiB up, else whole KiB
/// rounded up ("1.0 MiB", "128 KiB").
pub fn size_approx(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20))
    } else {
        format!("{} KiB", n.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approximate_sizes_round_for_progress() {
        assert_eq!(size_approx(1 << 20), "1.0 MiB");
        assert_eq!(size_approx(0x18_0000), "1.5 MiB");
        assert_eq!(size_approx(128 * 1024), "128 KiB");
        assert_eq!(size_approx(1025), "2 KiB");
    }

    #[test]
    fn sizes_print_in_the_largest_whole_unit() {
        assert_eq!(size_str(2 << 20), "2 MiB");
        assert_eq!(size_str(0x1000), "4 KiB");
        assert_eq!(size_str(0x18_0000), "1536 KiB");
        assert_eq!(size_str(609_280), "595 KiB");
        assert_eq!(size_str(609_536), "609536 B");
        assert_eq!(size_str(0), "0 B");
    }

    #[test]
    fn masking_keeps_empty_values_visible() {
        let item =
            |v: serde_json::Value| ConfigItem::new("k", v, Class::Secret, None).masked().value;
        assert_eq!(item(serde_json::json!("pw")), serde_json::json!(MASK));
        assert_eq!(item(serde_json::json!("")), serde_json::json!(""));
        assert_eq!(
            item(serde_json::json!(["a", ""])),
            serde_json::json!([MASK, ""])
        );
        assert_eq!(item(serde_json::Value::Null), serde_json::Value::Null);
        let site = ConfigItem::new("k", "x", Class::Site, None).masked();
        assert_eq!(site.value, serde_json::json!("x"));
    }
}
