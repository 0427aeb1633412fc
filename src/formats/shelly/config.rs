//! Mongoose OS config levels (`conf0.json` … `conf9.json`) as stock Shelly stores them.
//!
//! Level 0 holds the defaults, 1–8 are vendor levels (`conf_vendor.json` counts as 5.5), 9 is the
//! user level; each is a JSON overlay applied in order (`mgos_sys_config.c`). `conf9_backup.json`
//! is stock's own copy of the user level and `conf9.json.try` a one-shot try; neither is part of
//! the effective config. Every leaf is tagged with a [`Class`] (`docs/shelly.md` §2).

use serde_json::{Map, Value};

use crate::report::Class;

/// A config file name and where it sits in the merge order (None: not merged).
pub fn level_of(name: &str) -> Option<f32> {
    let n = name.trim_start_matches('/');
    if n == "conf_vendor.json" {
        return Some(5.5);
    }
    let rest = n.strip_prefix("conf")?.strip_suffix(".json")?;
    if rest.len() == 1 {
        let d = rest.as_bytes()[0];
        if d.is_ascii_digit() {
            return Some(f32::from(d - b'0'));
        }
    }
    None
}

/// True for any config-like file stock or mos writes (levels, backups, try files, old name).
pub fn is_config_file(name: &str) -> bool {
    let n = name.trim_start_matches('/');
    level_of(n).is_some()
        || n == "conf.json"
        || (n.starts_with("conf") && (n.ends_with("_backup.json") || n.ends_with(".json.try")))
}

/// Deep-merge `over` into `base` (objects merge key by key; anything else replaces).
pub fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(bv) => merge(bv, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// Flatten a JSON value to (dotted path, leaf) pairs, in document order.
pub fn flatten(v: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    flatten_into(v, String::new(), 0, &mut out);
    out
}

fn flatten_into(v: &Value, path: String, depth: usize, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if depth < 32 => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten_into(x, p, depth + 1, out);
            }
        }
        _ => out.push((path, v.clone())),
    }
}

/// Look up a dotted path.
pub fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, k| cur.get(k))
}

/// The class of a config key (dotted path) in stock Shelly / Mongoose OS.
pub fn classify(path: &str) -> Class {
    let p = path.to_ascii_lowercase();
    let leaf = p.rsplit('.').next().unwrap_or(&p);
    let top = p.split('.').next().unwrap_or(&p);
    // Secrets first: passwords, keys, tokens, PINs, user names of logins.
    let secret_leaf = leaf.ends_with("pass")
        || leaf.ends_with("password")
        || leaf.ends_with("_key")
        || leaf == "key"
        || leaf == "psk"
        || leaf == "pin"
        || leaf == "aes_iv"
        || leaf == "token"
        || leaf == "user"
        || leaf == "username"
        || leaf == "default_username"
        || (top == "wifi" && (leaf == "cert" || leaf == "anon_identity"))
        || leaf == "ssl_psk_identity";
    if secret_leaf {
        return Class::Secret;
    }
    if top == "hwinfo" || leaf == "k_apparent" || leaf == "max_power" {
        return Class::Factory;
    }
    if leaf.contains("calib") || leaf.contains("gain") {
        return Class::Factory;
    }
    let identity = matches!(
        p.as_str(),
        "device.id"
            | "device.mac"
            | "wifi.ap.ssid"
            | "mqtt.client_id"
            | "mqtt.id"
            | "mqtt.will_topic"
            | "first_boot"
    ) || leaf.ends_with("hostname")
        || leaf == "host_name"
        || (top == "cloud" && leaf != "enabled");
    if identity {
        return Class::Identity;
    }
    let site = leaf.ends_with("ssid")
        || (top == "wifi" && matches!(leaf, "ip" | "gw" | "netmask" | "nameserver"))
        || leaf == "ipv4_method"
        || p == "mqtt.server"
        || p == "sntp.server"
        || leaf == "timezone"
        || leaf.starts_with("tz_")
        || leaf == "latitude"
        || leaf == "longitude"
        || leaf.ends_with("_url")
        || leaf.contains("schedule")
        || leaf.starts_with("sun")
        || leaf == "wlan_country_code"
        || leaf == "udp_log_addr"
        || leaf == "name";
    if site {
        return Class::Site;
    }
    Class::Setting
}

/// Parse a config file; None when it is not a JSON object.
pub fn parse(content: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(content) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// Find where a leaf's value sits in the file text: `"leaf"`, optional spaces, `:`, spaces, then
/// the value as JSON. Returns the byte offset of the value when exactly one place matches.
pub fn value_pos(content: &[u8], path: &str, value: &Value) -> Option<usize> {
    let leaf = path.rsplit('.').next()?;
    let key = serde_json::to_string(leaf).ok()?;
    let val = serde_json::to_string(value).ok()?;
    let (key, val) = (key.as_bytes(), val.as_bytes());
    let mut found = None;
    let mut i = 0;
    while let Some(rel) = find(content.get(i..)?, key) {
        let mut j = i + rel + key.len();
        while content.get(j).is_some_and(|b| b.is_ascii_whitespace()) {
            j += 1;
        }
        if content.get(j) == Some(&b':') {
            j += 1;
            while content.get(j).is_some_and(|b| b.is_ascii_whitespace()) {
                j += 1;
            }
            if content.get(j..j + val.len()) == Some(val) {
                if found.is_some() {
                    return None;
                }
                found = Some(j);
            }
        }
        i += rel + 1;
    }
    found
}

/// Substring search (SIMD `memmem`; an empty needle finds nothing).
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn levels_and_names() {
        assert_eq!(level_of("conf0.json"), Some(0.0));
        assert_eq!(level_of("conf9.json"), Some(9.0));
        assert_eq!(level_of("conf_vendor.json"), Some(5.5));
        assert_eq!(level_of("conf9_backup.json"), None);
        assert_eq!(level_of("conf10.json"), None);
        assert!(is_config_file("conf9_backup.json"));
        assert!(is_config_file("conf9.json.try"));
        assert!(is_config_file("conf.json"));
        assert!(!is_config_file("hwinfo_struct.json"));
    }

    #[test]
    fn merge_overlays_in_order() {
        let mut base = json!({"wifi": {"ap": {"ssid": "d", "pass": ""}, "sta": {"enable": false}}});
        merge(
            &mut base,
            &json!({"wifi": {"sta": {"enable": true, "ssid": "x"}}}),
        );
        assert_eq!(
            base,
            json!({"wifi": {"ap": {"ssid": "d", "pass": ""}, "sta": {"enable": true, "ssid": "x"}}})
        );
        let flat = flatten(&base);
        assert_eq!(flat.len(), 4);
        assert_eq!(get(&base, "wifi.sta.ssid"), Some(&json!("x")));
    }

    #[test]
    fn classes_follow_the_reference() {
        for (k, c) in [
            ("device.id", Class::Identity),
            ("wifi.ap.ssid", Class::Identity),
            ("wifi.ap.hostname", Class::Identity),
            ("dns_sd.host_name", Class::Identity),
            ("mqtt.will_topic", Class::Identity),
            ("cloud.aes_key", Class::Secret),
            ("cloud.aes_iv", Class::Secret),
            ("cloud.host", Class::Identity),
            ("cloud.enabled", Class::Setting),
            ("wifi.sta.pass", Class::Secret),
            ("wifi.sta1.pass", Class::Secret),
            ("mqtt.user", Class::Secret),
            ("mqtt.pass", Class::Secret),
            ("mqtt.ssl_psk_key", Class::Secret),
            ("login.username", Class::Secret),
            ("login.password", Class::Secret),
            ("default_wifi_pass", Class::Secret),
            ("wrong_sta_protect.sta_pass", Class::Secret),
            ("pin", Class::Secret),
            ("wifi.sta.ssid", Class::Site),
            ("wrong_sta_protect.sta_ssid", Class::Site),
            ("mqtt.server", Class::Site),
            ("timezone", Class::Site),
            ("tz_utc_offset", Class::Site),
            ("dimmer.btn1_on_url", Class::Site),
            ("k_apparent", Class::Factory),
            ("max_power", Class::Factory),
            ("hwinfo.model", Class::Factory),
            ("dimmer.fade_rate", Class::Setting),
            ("wifi.ap.channel", Class::Setting),
        ] {
            assert_eq!(classify(k), c, "{k}");
        }
    }

    #[test]
    fn value_positions_are_unique_or_none() {
        let t = br#"{"a": {"pass": "x1"}, "b": {"pass": "y2"}, "c":"x1"}"#;
        assert_eq!(value_pos(t, "a.pass", &json!("x1")), Some(15));
        assert_eq!(value_pos(t, "b.pass", &json!("y2")), Some(36));
        assert_eq!(value_pos(t, "c", &json!("x1")), Some(47));
        let dup = br#"{"a":{"p":1},"b":{"p":1}}"#;
        assert_eq!(value_pos(dup, "a.p", &json!(1)), None);
    }
}
