//! WLED: version from the image, settings from the EEPROM sector (releases up to 0.10) or from
//! `cfg.json` / `wsec.json` in the file system (0.11 on), and the JSON edits of the sanitize
//! recipe for file-system releases.
//!
//! Version: WLED defines `char versionString[] = "<version>"` next to `char apPass[65] =
//! "wled1234"` and `char otaPass[33] = "wledota"` (wled00.ino, later wled.h), so the three
//! initialised arrays sit together in the image's data segment. The EEPROM layout is the one of
//! `wled00/wled_eeprom.cpp` (first-boot flag 233 at byte 233, layout version `EEPVER` at 377).
//! The JSON files are the ones `wled00/cfg.cpp` writes. See `docs/firmware.md`.

use crate::report::{Class, ConfigItem, ConfigSection, Finding};
use memchr::memmem;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{field_string, is_version_like, Found};

/// WLED's default softAP password (`apPass`), a literal in every WLED image.
pub const DEFAULT_AP_PASS: &[u8] = b"wled1234";
/// WLED's default OTA password (`otaPass`).
pub const DEFAULT_OTA_PASS: &[u8] = b"wledota";
/// Project URL in every WLED web UI page.
pub const PROJECT_URL: &[u8] = b"github.com/Aircoookie/WLED";
/// Default softAP SSID.
pub const DEFAULT_AP_SSID: &[u8] = b"WLED-AP";

/// What the image states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    /// Markers found (at least two for a match).
    pub markers: Vec<Found>,
    /// `versionString`.
    pub version: Option<Found>,
}

/// Look for WLED in an application image.
pub fn scan_image(app: &[u8], base: u64) -> Option<ImageInfo> {
    let markers = super::find_markers(
        app,
        base,
        &[
            PROJECT_URL,
            DEFAULT_AP_SSID,
            b"\0wledota\0",
            b"\0wled1234\0",
        ],
    );
    if markers.len() < 2 {
        return None;
    }
    Some(ImageInfo {
        version: version(app, base),
        markers,
    })
}

/// Bytes searched on each side of the `apPass` default: the fixed-size arrays around it
/// (`apPass[65]`, `otaPass[33]`) leave their NUL padding between the literals.
pub const VERSION_WINDOW: usize = 160;

/// `versionString`: the version-shaped NUL-delimited string nearest to the `apPass` default.
pub fn version(app: &[u8], base: u64) -> Option<Found> {
    let mut best: Option<(usize, usize, &[u8])> = None;
    for p in memmem::find_iter(app, b"\0wled1234\0").map(|p| p + 1) {
        let lo = p.saturating_sub(VERSION_WINDOW);
        let hi = (p + VERSION_WINDOW).min(app.len());
        let mut i = lo;
        while i < hi {
            if app[i] == 0 || (i > 0 && app[i - 1] != 0) {
                i += 1;
                continue;
            }
            let n = app[i..hi].iter().position(|&b| b == 0).unwrap_or(hi - i);
            let s = &app[i..i + n];
            if i + n < hi && is_version_like(s) {
                let d = i.abs_diff(p);
                if best.is_none_or(|b| d < b.0) {
                    best = Some((d, i, s));
                }
            }
            i += n.max(1);
        }
    }
    best.map(|(_, o, s)| Found {
        offset: base + o as u64,
        text: super::text(s),
    })
}

/// EEPROM byte 233 holds 233 once WLED has written its settings.
pub const EEP_FIRST_BOOT: usize = 233;
/// EEPROM byte 377: the settings layout version (`EEPVER`).
pub const EEP_VERSION: usize = 377;

/// A text field of the EEPROM layout: (key, offset, length, class, first layout version).
const EEP_STRINGS: &[(&str, usize, usize, Class, u8)] = &[
    ("clientSSID", 0, 32, Class::Site, 0),
    ("clientPass", 32, 64, Class::Secret, 0),
    ("cmDNS", 96, 32, Class::Identity, 0),
    ("apSSID", 128, 32, Class::Setting, 0),
    ("apPass", 160, 64, Class::Secret, 0),
    ("otaPass", 256, 32, Class::Secret, 0),
    ("serverDescription", 292, 32, Class::Identity, 0),
    ("alexaInvocationName", 334, 32, Class::Setting, 0),
    ("ntpServerName", 990, 32, Class::Site, 13),
    ("hueApiKey", 2054, 46, Class::Secret, 5),
    ("blynkApiKey", 2220, 35, Class::Secret, 0),
    ("mqttServer", 2300, 32, Class::Site, 9),
    ("mqttDeviceTopic", 2333, 32, Class::Identity, 9),
    ("mqttGroupTopic", 2366, 32, Class::Site, 9),
    ("mqttUser", 2399, 40, Class::Secret, 11),
    ("mqttPass", 2440, 40, Class::Secret, 11),
    ("mqttClientID", 2481, 40, Class::Identity, 11),
];

/// Decoded EEPROM settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EepromSettings {
    /// Offset of the EEPROM sector.
    pub offset: u64,
    /// `EEPVER`.
    pub layout_version: u8,
    /// The values.
    pub items: Vec<ConfigItem>,
}

/// Decode WLED's EEPROM layout. None unless the first-boot flag is set and the layout version is
/// one WLED wrote (1..=30).
pub fn decode_eeprom(sector: &[u8], offset: u64) -> Option<EepromSettings> {
    if sector.len() < 2600 || sector[EEP_FIRST_BOOT] != 233 {
        return None;
    }
    let ver = sector[EEP_VERSION];
    if ver == 0 || ver > 30 {
        return None;
    }
    let mut items = Vec::new();
    for &(key, o, n, class, since) in EEP_STRINGS {
        if ver < since {
            continue;
        }
        if let Some(v) = field_string(&sector[o..o + n]) {
            items.push(ConfigItem::new(key, v, class, Some(offset + o as u64)));
        }
    }
    let u16le = |lo: usize, hi: usize| sector[lo] as u64 | ((sector[hi] as u64) << 8);
    let ip = |o: usize| -> String {
        sector[o..o + 4]
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(".")
    };
    let num =
        |k: &str, v: u64, c: Class, o: usize| ConfigItem::new(k, v, c, Some(offset + o as u64));
    items.push(num("ledCount", u16le(229, 398), Class::Setting, 229));
    items.push(ConfigItem::new(
        "staticIP",
        ip(234),
        Class::Site,
        Some(offset + 234),
    ));
    items.push(ConfigItem::new(
        "staticGateway",
        ip(238),
        Class::Site,
        Some(offset + 238),
    ));
    items.push(ConfigItem::new(
        "staticSubnet",
        ip(242),
        Class::Site,
        Some(offset + 242),
    ));
    items.push(num("udpPort", u16le(290, 291), Class::Setting, 290));
    if ver > 9 {
        items.push(num("colorOrder", sector[383] as u64, Class::Setting, 383));
    }
    if ver > 10 {
        items.push(num("mqttPort", u16le(2522, 2523), Class::Site, 2522));
    }
    Some(EepromSettings {
        offset,
        layout_version: ver,
        items,
    })
}

/// The EEPROM settings as a config section.
pub fn eeprom_section(s: &EepromSettings) -> ConfigSection {
    ConfigSection {
        source: format!(
            "wled eeprom @0x{:06x} (layout {})",
            s.offset, s.layout_version
        ),
        live: true,
        items: s.items.clone(),
    }
}

/// Class of a `cfg.json` / `wsec.json` key path.
pub fn classify(path: &str) -> Class {
    let last = path.rsplit('.').next().unwrap_or(path);
    match last {
        "psk" | "pwd" | "key" | "token" => return Class::Secret,
        _ => {}
    }
    if path.starts_with("nw.ins") {
        return match last {
            "ssid" | "ip" | "gw" | "sn" => Class::Site,
            _ => Class::Setting,
        };
    }
    match path {
        "id.mdns" | "id.name" | "if.mqtt.cid" | "if.mqtt.topics.device" => Class::Identity,
        "if.mqtt.broker"
        | "if.mqtt.port"
        | "if.mqtt.topics.group"
        | "if.ntp.host"
        | "if.hue.ip"
        | "if.blynk.host" => Class::Site,
        "if.mqtt.user" => Class::Secret,
        _ => Class::Setting,
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) if a.iter().any(|x| x.is_object()) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}.{i}"), x, out);
            }
        }
        _ => out.push((prefix.to_string(), v.clone())),
    }
}

/// A `cfg.json` or `wsec.json` as a config section. The paths keep the JSON structure
/// (`nw.ins.0.ssid`, `if.mqtt.psk`). None when the content is not a JSON object.
pub fn json_section(source: String, content: &[u8]) -> Option<ConfigSection> {
    let v: Value = serde_json::from_slice(content).ok()?;
    if !v.is_object() {
        return None;
    }
    let mut flat = Vec::new();
    flatten("", &v, &mut flat);
    let path_class = |p: &str| {
        // `nw.ins.0.ssid` -> `nw.ins.ssid` for the class table.
        let generic: Vec<&str> = p
            .split('.')
            .filter(|s| s.parse::<usize>().is_err())
            .collect();
        classify(&generic.join("."))
    };
    Some(ConfigSection {
        source,
        live: true,
        items: flat
            .into_iter()
            .map(|(k, v)| {
                let c = path_class(&k);
                ConfigItem::new(k, v, c, None)
            })
            .collect(),
    })
}

/// What the sanitize recipe keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keep {
    /// Keep the Wi-Fi station SSID and password (and static IP).
    pub wifi: bool,
    /// Keep the MQTT broker, port, user and password.
    pub mqtt: bool,
}

fn obj<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Map<String, Value>> {
    let mut cur = v;
    for p in path {
        cur = cur.get_mut(*p)?;
    }
    cur.as_object_mut()
}

/// The `cfg.json` WLED should boot with on another unit: identity out (mDNS name, server
/// description, MQTT client id
/// and device topic: WLED derives them from the MAC when empty), Wi-Fi station SSID and static
/// address out, MQTT broker and user out (each unless kept), any password that strayed into the
/// file out; LED, button, sync and every other setting kept. Returns the new text and the paths
/// changed. None when the content is not a JSON object.
pub fn sanitize_cfg(content: &[u8], keep: Keep) -> Option<(Vec<u8>, Vec<String>)> {
    let mut v: Value = serde_json::from_slice(content).ok()?;
    v.as_object()?;
    let mut changed = Vec::new();
    let remove = |v: &mut Value, path: &[&str], key: &str, changed: &mut Vec<String>| {
        if let Some(m) = obj(v, path) {
            if m.remove(key).is_some() {
                changed.push(format!("{}.{key}", path.join(".")));
            }
        }
    };
    remove(&mut v, &["id"], "mdns", &mut changed);
    remove(&mut v, &["id"], "name", &mut changed);
    remove(&mut v, &["if", "mqtt"], "cid", &mut changed);
    remove(&mut v, &["if", "mqtt", "topics"], "device", &mut changed);
    remove(&mut v, &["ap"], "psk", &mut changed);
    remove(&mut v, &["if", "mqtt"], "psk", &mut changed);
    remove(&mut v, &["ota"], "psk", &mut changed);
    if !keep.wifi {
        if let Some(ins) = v
            .get_mut("nw")
            .and_then(|n| n.get_mut("ins"))
            .and_then(Value::as_array_mut)
        {
            for (i, n) in ins.iter_mut().enumerate() {
                let Some(m) = n.as_object_mut() else { continue };
                for k in ["ssid", "psk"] {
                    if m.get(k).is_some_and(|x| x != "") {
                        m.insert(k.into(), Value::from(""));
                        changed.push(format!("nw.ins.{i}.{k}"));
                    }
                }
                if m.get("pskl").is_some_and(|x| x != 0) {
                    m.insert("pskl".into(), Value::from(0));
                    changed.push(format!("nw.ins.{i}.pskl"));
                }
                for k in ["ip", "gw", "sn"] {
                    if m.get(k)
                        .is_some_and(|x| x != &serde_json::json!([0, 0, 0, 0]))
                    {
                        m.insert(k.into(), serde_json::json!([0, 0, 0, 0]));
                        changed.push(format!("nw.ins.{i}.{k}"));
                    }
                }
            }
        }
    }
    if !keep.mqtt {
        if let Some(m) = obj(&mut v, &["if", "mqtt"]) {
            for k in ["broker", "user"] {
                if m.get(k).is_some_and(|x| x != "") {
                    m.insert(k.into(), Value::from(""));
                    changed.push(format!("if.mqtt.{k}"));
                }
            }
            if m.get("pskl").is_some_and(|x| x != 0) {
                m.insert("pskl".into(), Value::from(0));
                changed.push("if.mqtt.pskl".into());
            }
        }
    } else if !keep.wifi {
        // nothing else
    }
    let text = serde_json::to_vec(&v).ok()?;
    Some((text, changed))
}

/// The `wsec.json` to keep: None (delete the file: WLED then boots with its default AP and OTA
/// passwords and no station password) unless Wi-Fi or MQTT is kept, in which case only the kept
/// passwords remain.
pub fn sanitize_wsec(content: &[u8], keep: Keep) -> Option<Vec<u8>> {
    if !keep.wifi && !keep.mqtt {
        return None;
    }
    let v: Value = serde_json::from_slice(content).ok()?;
    let mut out = serde_json::json!({});
    if keep.wifi {
        if let Some(ins) = v.pointer("/nw/ins") {
            out["nw"] = serde_json::json!({ "ins": ins });
        }
    }
    if keep.mqtt {
        if let Some(p) = v.pointer("/if/mqtt/psk") {
            out["if"] = serde_json::json!({ "mqtt": { "psk": p } });
        }
    }
    serde_json::to_vec(&out).ok()
}

/// The findings of a WLED dump.
pub fn findings(sections: &[ConfigSection]) -> Vec<Finding> {
    let secret = sections
        .iter()
        .flat_map(|s| &s.items)
        .any(|i| i.class == Class::Secret && i.value.as_str().is_some_and(|s| !s.is_empty()));
    if secret {
        vec![Finding::info(
            "wled_secrets",
            None,
            "WLED settings hold passwords or keys (Wi-Fi, AP, OTA, MQTT, Hue, Blynk): masked here",
        )]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_next_to_ap_pass() {
        let mut app = vec![0u8; 8];
        app.extend_from_slice(b"wledota\0wled1234\0\0\0\x000.8.5\0\0\0");
        app.extend_from_slice(b"github.com/Aircoookie/WLED\0");
        let i = scan_image(&app, 0x1000).unwrap();
        let v = i.version.unwrap();
        assert_eq!(v.text, "0.8.5");
        assert_eq!(v.offset, 0x1000 + 8 + 20);
        let mut old = b"\0wled1234\x000.3pd\0".to_vec();
        old.extend_from_slice(b"WLED-AP\0");
        assert_eq!(scan_image(&old, 0).unwrap().version.unwrap().text, "0.3pd");
    }

    fn eeprom(ver: u8) -> Vec<u8> {
        let mut e = vec![0u8; 4096];
        e[0..6].copy_from_slice(b"MyWifi");
        e[32..40].copy_from_slice(b"password");
        e[96..104].copy_from_slice(b"wled-abc");
        e[233] = 233;
        e[377] = ver;
        e[229] = 0x2C;
        e[398] = 0x01;
        e[2399..2403].copy_from_slice(b"user");
        e[2440..2444].copy_from_slice(b"pass");
        e[2522] = 0x5B;
        e[2523] = 0x07;
        e
    }

    #[test]
    fn eeprom_layout_gated_by_version() {
        let s = decode_eeprom(&eeprom(11), 0xFB000).unwrap();
        let get = |k: &str| s.items.iter().find(|i| i.key == k).cloned();
        assert_eq!(get("clientSSID").unwrap().value, "MyWifi");
        assert_eq!(get("clientPass").unwrap().class, Class::Secret);
        assert_eq!(get("clientPass").unwrap().offset, Some(0xFB000 + 32));
        assert_eq!(get("ledCount").unwrap().value, 300);
        assert_eq!(get("mqttPort").unwrap().value, 1883);
        assert_eq!(get("mqttPass").unwrap().class, Class::Secret);
        let old = decode_eeprom(&eeprom(8), 0).unwrap();
        assert!(!old.items.iter().any(|i| i.key == "mqttPass"));
        let mut blank = eeprom(11);
        blank[233] = 0xFF;
        assert!(decode_eeprom(&blank, 0).is_none());
    }

    const CFG: &str = r#"{"rev":[1,0],"vid":2208222,"id":{"mdns":"wled-0a1b2c","name":"WLED","inv":"Light"},
        "nw":{"ins":[{"ssid":"HomeNet","pskl":10,"ip":[192,168,1,9],"gw":[192,168,1,1],"sn":[255,255,255,0]}]},
        "ap":{"ssid":"WLED-AP","pskl":8,"chan":1,"hide":0,"behav":0},
        "hw":{"led":{"total":60,"maxpwr":850,"ins":[{"start":0,"len":60,"pin":[2],"order":0,"type":22}]}},
        "if":{"mqtt":{"en":true,"broker":"10.0.0.2","port":1883,"user":"bob","pskl":6,"cid":"WLED-0a1b2c",
        "topics":{"device":"wled/0a1b2c","group":"wled/all"}},"ntp":{"en":false,"host":"0.wled.pool.ntp.org"}},
        "ota":{"lock":false,"lock-wifi":false,"pskl":7,"aota":true}}"#;

    #[test]
    fn cfg_classes_and_recipe() {
        let sec = json_section("cfg.json".into(), CFG.as_bytes()).unwrap();
        let class = |k: &str| sec.items.iter().find(|i| i.key == k).unwrap().class;
        assert_eq!(class("nw.ins.0.ssid"), Class::Site);
        assert_eq!(class("id.mdns"), Class::Identity);
        assert_eq!(class("if.mqtt.cid"), Class::Identity);
        assert_eq!(class("hw.led.total"), Class::Setting);
        let (out, changed) = sanitize_cfg(CFG.as_bytes(), Keep::default()).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v.pointer("/nw/ins/0/ssid").unwrap(), "");
        assert_eq!(
            v.pointer("/nw/ins/0/ip").unwrap(),
            &serde_json::json!([0, 0, 0, 0])
        );
        assert!(v.pointer("/id/mdns").is_none());
        assert!(v.pointer("/if/mqtt/cid").is_none());
        assert_eq!(v.pointer("/if/mqtt/broker").unwrap(), "");
        assert_eq!(v.pointer("/if/mqtt/topics/group").unwrap(), "wled/all");
        assert_eq!(v.pointer("/hw/led/ins/0/len").unwrap(), 60);
        assert!(changed.contains(&"id.mdns".to_string()));
        let (kept, _) = sanitize_cfg(
            CFG.as_bytes(),
            Keep {
                wifi: true,
                mqtt: true,
            },
        )
        .unwrap();
        let k: Value = serde_json::from_slice(&kept).unwrap();
        assert_eq!(k.pointer("/nw/ins/0/ssid").unwrap(), "HomeNet");
        assert_eq!(k.pointer("/if/mqtt/broker").unwrap(), "10.0.0.2");
        assert!(k.pointer("/id/mdns").is_none());
    }

    #[test]
    fn wsec_recipe() {
        let w = br#"{"nw":{"ins":[{"psk":"secret1"}]},"ap":{"psk":"wled1234"},"if":{"mqtt":{"psk":"m"},"hue":{"key":""}},"ota":{"pwd":"x","lock":false}}"#;
        assert!(sanitize_wsec(w, Keep::default()).is_none());
        let kept: Value = serde_json::from_slice(
            &sanitize_wsec(
                w,
                Keep {
                    wifi: true,
                    mqtt: false,
                },
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(kept.pointer("/nw/ins/0/psk").unwrap(), "secret1");
        assert!(kept.pointer("/ota").is_none());
        let sec = json_section("wsec.json".into(), w).unwrap();
        assert!(sec
            .items
            .iter()
            .filter(|i| i.key.ends_with("psk"))
            .all(|i| i.class == Class::Secret));
        assert_eq!(
            sec.items.iter().find(|i| i.key == "ota.pwd").unwrap().class,
            Class::Secret
        );
    }
}
