//! Which firmware runs, with evidence: kind, version, model, SDK version, from the strings of the
//! running application image (the active slot in a two-slot layout).
//!
//! Every answer carries the offsets and the matched text, so a user can check it with a hex viewer.

use crate::formats::bootloader::Bootloader;
use serde::Serialize;

/// A firmware family: a short stable name (JSON `firmware.kind`).
///
/// A newtype rather than an enum so a profile can add its kind in its own file
/// (`FirmwareKind::new("wled")`); the built-in kinds are associated constants and can be matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct FirmwareKind(&'static str);

#[allow(non_upper_case_globals)]
impl FirmwareKind {
    /// Tasmota.
    pub const Tasmota: FirmwareKind = FirmwareKind("tasmota");
    /// Stock Allterco (Shelly Gen1) firmware.
    pub const Shelly: FirmwareKind = FirmwareKind("shelly");
    /// Other Mongoose OS applications.
    pub const MongooseOs: FirmwareKind = FirmwareKind("mongoose-os");
    /// ESPHome.
    pub const Esphome: FirmwareKind = FirmwareKind("esphome");
    /// ESPurna.
    pub const Espurna: FirmwareKind = FirmwareKind("espurna");
    /// MicroPython.
    pub const Micropython: FirmwareKind = FirmwareKind("micropython");
    /// CircuitPython.
    pub const Circuitpython: FirmwareKind = FirmwareKind("circuitpython");
    /// NodeMCU (Lua).
    pub const Nodemcu: FirmwareKind = FirmwareKind("nodemcu");
    /// Espressif AT firmware.
    pub const EspAt: FirmwareKind = FirmwareKind("esp-at");
    /// Home Accessory Architect.
    pub const Haa: FirmwareKind = FirmwareKind("haa");
    /// Sming framework apps.
    pub const Sming: FirmwareKind = FirmwareKind("sming");
    /// esp-open-rtos apps.
    pub const EspOpenRtos: FirmwareKind = FirmwareKind("esp-open-rtos");
    /// Tuya firmware.
    pub const Tuya: FirmwareKind = FirmwareKind("tuya");
    /// ITEAD (Sonoff) stock eWeLink firmware.
    pub const Ewelink: FirmwareKind = FirmwareKind("ewelink");
    /// WLED.
    pub const Wled: FirmwareKind = FirmwareKind("wled");
    /// SUPLA firmware (supla-device).
    pub const Supla: FirmwareKind = FirmwareKind("supla");
    /// Other Arduino sketches.
    pub const Arduino: FirmwareKind = FirmwareKind("arduino");
    /// Other NONOS SDK applications.
    pub const NonosSdk: FirmwareKind = FirmwareKind("nonos-sdk");
    /// No application (e.g. a boot loader alone).
    pub const None: FirmwareKind = FirmwareKind("none");
    /// Something else, or a tie between profiles (see `Firmware::candidates`).
    pub const Unknown: FirmwareKind = FirmwareKind("unknown");

    /// A kind named by a profile: lower-case, digits and `-`.
    pub const fn new(name: &'static str) -> FirmwareKind {
        FirmwareKind(name)
    }
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

/// A piece of evidence: where, and the text found there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Offset in the input.
    pub offset: u64,
    /// The matched text (untrusted; escape before printing).
    pub text: String,
}

/// The identified firmware.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Firmware {
    /// Family.
    pub kind: FirmwareKind,
    /// The firmware's own version, e.g. `8.5.0`, `1.14.0`, `2023.5.5`.
    pub version: Option<String>,
    /// Device model for stock Shelly (e.g. `SHSW-25`).
    pub model: Option<String>,
    /// Espressif SDK version found in the image, e.g. `2.2.2-dev(38a443e)`.
    pub sdk_version: Option<String>,
    /// Offset of the running application image, if any.
    pub app_offset: Option<u64>,
    /// Why espdump thinks so.
    pub evidence: Vec<Evidence>,
    /// Every profile that scored, best first; with `kind` `unknown` and two or more candidates,
    /// the top was a tie.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<crate::analysis::profile::Candidate>,
}

impl Firmware {
    /// Nothing identified yet.
    pub fn unknown() -> Firmware {
        Firmware {
            kind: FirmwareKind::Unknown,
            version: None,
            model: None,
            sdk_version: None,
            app_offset: None,
            evidence: Vec::new(),
            candidates: Vec::new(),
        }
    }
}

/// Where to look: the running app's byte range, and whether the layout is an Arduino one.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Start of the running application (or of the whole input when there is none).
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// Offset of the running app image, if one was found.
    pub app_offset: Option<usize>,
    /// The app image keeps its IROM inside a v1 image (Arduino layout).
    pub arduino_layout: bool,
    /// The input is only a boot loader (no app anywhere).
    pub loader_only: bool,
    /// Raw IROM the app at 0 runs from (NONOS SDK non-OTA layout).
    pub raw_irom: Option<usize>,
}

/// Version from a Mongoose OS build id: after `/`, without a leading `v` / `release-`, cut at `@`
/// or at a trailing `-g<hash>`.
pub fn mgos_version(build_id: &str) -> Option<String> {
    let d = build_id.split_once('/')?.1;
    let d = d
        .strip_prefix("release-")
        .or_else(|| d.strip_prefix('v'))
        .unwrap_or(d);
    let d = d.split('@').next().unwrap_or(d);
    let cut = d.rfind("-g").filter(|&i| {
        let h = &d[i + 2..];
        let h = h.split('-').next().unwrap_or(h);
        h.len() >= 7 && h.chars().all(|c| c.is_ascii_hexdigit())
    });
    let v = match cut {
        Some(i) => &d[..i],
        None => d,
    };
    (!v.is_empty()).then(|| v.to_string())
}

/// Identify the firmware in `data[scope.start..scope.end]`: every profile of
/// [`crate::analysis::profile::REGISTRY`] scores it and [`crate::analysis::profile::vote`] picks the winner.
pub fn identify(data: &[u8], scope: &Scope, boot: &Bootloader) -> Firmware {
    let start = scope.start.min(data.len());
    let end = scope.end.clamp(start, data.len());
    let hay = &data[start..end];
    let mut fw = Firmware {
        app_offset: scope.app_offset.map(|o| o as u64),
        ..Firmware::unknown()
    };
    let sdk = crate::formats::sdk::version_in(hay).map(|(o, v)| (start + o, v));
    let mut notes = Vec::new();
    if scope.loader_only {
        fw.kind = FirmwareKind::None;
    } else {
        let mut app = crate::analysis::profile::App::new(hay, start, boot);
        app.app_offset = scope.app_offset;
        app.arduino_layout = scope.arduino_layout;
        app.raw_irom = scope.raw_irom;
        let v = crate::analysis::profile::vote(crate::analysis::profile::REGISTRY, &app);
        fw.kind = v.kind;
        fw.version = v.score.version.clone();
        fw.model = v.score.model.clone();
        fw.evidence = v.score.hits.iter().map(Evidence::from).collect();
        fw.candidates = v.candidates;
        fw.sdk_version = v.score.sdk_version.clone();
        notes = v.score.notes;
    }
    if let Some((o, v)) = sdk {
        fw.sdk_version = Some(v.clone());
        fw.evidence.push(Evidence {
            offset: o as u64,
            text: v,
        });
    }
    fw.evidence.extend(notes);
    fw
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mgos_versions() {
        assert_eq!(
            mgos_version("20230913-112003/v1.14.0-gcb84623").as_deref(),
            Some("1.14.0")
        );
        assert_eq!(
            mgos_version("20200629-130515/release-1.7@28744b8b").as_deref(),
            Some("1.7")
        );
        assert_eq!(
            mgos_version("20200904-094614/v1.8.4@699b08ac").as_deref(),
            Some("1.8.4")
        );
        assert_eq!(
            mgos_version("20210514-070847/v1.10.5-rc1-gecc99b7").as_deref(),
            Some("1.10.5-rc1")
        );
        assert_eq!(
            mgos_version("20210201-125849/v0.1.1-4-g45369a9-develop").as_deref(),
            Some("0.1.1-4")
        );
    }

    #[test]
    fn sdk_version_pattern() {
        let hay = b"xx\x002.2.2-dev(38a443e)\x00yy";
        assert_eq!(
            crate::formats::sdk::version_in(hay).map(|(o, v)| (0x100 + o, v)),
            Some((0x103, "2.2.2-dev(38a443e)".to_string()))
        );
        assert_eq!(crate::formats::sdk::version_in(b"1.2(abcdefg)"), None);
    }
}
