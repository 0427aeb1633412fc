//! Recognise Tasmota in a firmware image or flash dump, and read its version without settings.
//!
//! Proof that an image is Tasmota: the default MQTT client format `DVES_%06X` together with the
//! full-topic default `%prefix%/%topic%/` (both PROGMEM strings in every build from 6.x to 12.x in
//! the corpus; ESPHome, ESPurna and stock Shelly firmware carry neither).
//!
//! The version comes from, in order:
//! 1. the 12-byte `VERSION_MARKER` `A5 5A A5 5A <version> 5A A5 5A A5` when its middle word is a
//!    version (8.x, 9.x; 12.x stores 0xFFFFFFFF there);
//! 2. the literal pool of `SettingsDefault`: the word `CFG_HOLDER` (4617 = 0x1209 unless the build
//!    changed it; the u32 0x20161209 in Sonoff-Tasmota 5.x) immediately followed by
//!    `TASMOTA_VERSION` / `VERSION`, followed by the next function's `addi a1, a1, -16` prologue
//!    (`12 C1 F0`). Found in every Tasmota image of the corpus (5.9.1, 6.4.1, 6.6.0, 8.1.0.2,
//!    8.5, 9.2.0, 12.1.1.6), the reference note missed it. The version is never stored as text:
//!    `setup()` / `GetVersion()` print it at run time from the constant's bytes (5.x: a letter for
//!    the sub-release, `96 + (VERSION & 0x1f)`; 6.x on: `.%d`), so this word is the only copy.
//!
//! Sonoff-Tasmota 5.x images carry no "Tasmota" text at all; they are recognised by the same
//! MQTT defaults and by their boot banner `Project %s %s (Topic %s, Fallback %s, GroupTopic %s)`.
//!
//! Also read: the Arduino core of the boot banner (`%s%s-2_7_4_9`), the NONOS SDK version string
//! (`2.2.2-dev(38a443e)`) and the compile date. A gzip OTA file (`1F 8B`) is inflated first.

use super::settings::{le32, version_string};
use crate::formats::tasmota::consts as c;
use serde::Serialize;
use std::io::Read;

/// One piece of evidence: where, and what matched (escaped-safe ASCII or hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Offset in the scanned data (in the inflated data for a gzip input).
    pub offset: u64,
    /// What was matched.
    pub text: String,
}

/// Tasmota found in an image or dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TasmotaImage {
    /// Firmware version, dotted (`8.5.0`, `12.1.1.6`); `None` when the image does not carry it.
    pub version: Option<String>,
    /// The raw version word.
    pub version_raw: Option<u32>,
    /// Where the version was read.
    pub evidence_offset: Option<u64>,
    /// What was read there (`VERSION_MARKER ...`, `CFG_HOLDER 4617 + version ...`).
    pub evidence_text: Option<String>,
    /// The compiled `CFG_HOLDER` (4617 by default; settings with another holder are not loaded).
    pub cfg_holder: Option<u16>,
    /// Arduino core release from the boot banner (`2_7_4_9`).
    pub core_version: Option<String>,
    /// NONOS SDK version string (`2.2.2-dev(38a443e)`).
    pub sdk_version: Option<String>,
    /// Compile date (`Nov 24 2022`) when the image has one.
    pub build_date: Option<String>,
    /// Whether the input was a gzip OTA file that was inflated.
    pub gzipped: bool,
    /// Every match that proves Tasmota or gives a version.
    pub evidence: Vec<Evidence>,
}

/// Largest inflated size accepted from a gzip input (a 4 MiB flash can hold nothing bigger).
const MAX_INFLATE: u64 = 4 * 1024 * 1024;
/// `addi a1, a1, -16` at the start of the function after the literal pool.
const PROLOGUE: [u8; 3] = [0x12, 0xC1, 0xF0];
const DVES: &[u8] = b"DVES_%06X";
const FULLTOPIC: &[u8] = b"%prefix%/%topic%/";
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::find(hay.get(from..)?, needle).map(|p| p + from)
}

/// A word shaped like a Tasmota version (major 5..=30, minor <= 9 (5.x went to 5.14),
/// patch <= 3, build <= 40).
fn version_shaped(v: u32) -> bool {
    let [b, p, mi, ma] = v.to_le_bytes();
    let minor_max = if ma == 5 { 15 } else { 9 };
    (5..=30).contains(&ma) && mi <= minor_max && p <= 3 && b <= 40
}

/// The holder word of `SettingsDefault`'s literal pool: a 6.x+ u16 `CFG_HOLDER` (any value below
/// 0x10000), or the 5.x u32 0x20161209, which only goes with a 5.x version. Returns the holder
/// as the firmware compares it with a block's `cfg_holder` (the low half for 5.x).
fn holder_for(h: u32, version: u32) -> Option<u16> {
    if h == c::CFG_HOLDER_5X && version < c::HEADER_V6 {
        return Some((h & 0xFFFF) as u16);
    }
    (h != 0 && h < 0x1_0000 && version >= c::HEADER_V6).then_some(h as u16)
}

/// The boot banner formats: 5.x `Project %s %s (Topic %s, Fallback %s, GroupTopic %s) Version %s`
/// (`sonoff.ino`, PROJECT "sonoff"), 6.x-8.x `Project %s %s Version %s%s-<core>`, and later
/// `Project %s - %s Version %s%s-<core>(%s)`.
const BANNERS: [&[u8]; 3] = [
    b"Project %s %s (Topic %s, Fallback %s, GroupTopic %s) Version %s",
    b"Project %s %s Version %s",
    b"Project %s - %s Version %s",
];

fn ascii(b: &[u8]) -> String {
    b.iter()
        .map(|&x| {
            if x.is_ascii_graphic() || x == b' ' {
                x as char
            } else {
                '.'
            }
        })
        .collect()
}

/// `%s%s-<core>` of the boot banner.
fn core_version(d: &[u8]) -> Option<(usize, String)> {
    let at = find(d, b"%s%s-", 0)?;
    let tail = d.get(at + 5..)?;
    let n = tail
        .iter()
        .take(32)
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'.')
        .count();
    (n > 0).then(|| (at + 5, ascii(&tail[..n])))
}

/// `Mmm dd yyyy\0` (the C `__DATE__`).
fn build_date(d: &[u8]) -> Option<(usize, String)> {
    for m in MONTHS {
        let mut from = 0;
        while let Some(p) = find(d, m, from) {
            from = p + 1;
            let Some(s) = d.get(p..p + 12) else { break };
            let ok = s[3] == b' '
                && (s[4] == b' ' || s[4].is_ascii_digit())
                && s[5].is_ascii_digit()
                && s[6] == b' '
                && s[7..11].iter().all(u8::is_ascii_digit)
                && s[11] == 0
                && p.checked_sub(1)
                    .and_then(|q| d.get(q))
                    .is_none_or(|b| !b.is_ascii_alphanumeric());
            if ok {
                return Some((p, ascii(&s[..11])));
            }
        }
    }
    None
}

fn inflate(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .take(MAX_INFLATE)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

/// Find Tasmota and its version in a firmware image, OTA file (plain or gzip) or flash dump.
pub fn detect_image(data: &[u8]) -> Option<TasmotaImage> {
    if data.starts_with(&crate::formats::image::consts::GZIP_MAGIC) {
        let inflated = inflate(data)?;
        let mut r = detect_plain(&inflated)?;
        r.gzipped = true;
        return Some(r);
    }
    detect_plain(data)
}

fn detect_plain(d: &[u8]) -> Option<TasmotaImage> {
    let dves = find(d, DVES, 0)?;
    let full = find(d, FULLTOPIC, 0)?;
    let mut evidence = vec![
        Evidence {
            offset: dves as u64,
            text: ascii(DVES),
        },
        Evidence {
            offset: full as u64,
            text: ascii(FULLTOPIC),
        },
    ];
    for m in [c::OTA_URL_MARKER, c::OTA_URL_MARKER_OLD] {
        if let Some(p) = find(d, m, 0) {
            evidence.push(Evidence {
                offset: p as u64,
                text: ascii(m),
            });
        }
    }
    let mut version = version_markers(d, &mut evidence);
    let holder = cfg_holder_prologues(d, &mut version, &mut evidence);
    if let Some((p, b)) = BANNERS.iter().find_map(|b| find(d, b, 0).map(|p| (p, b))) {
        evidence.push(Evidence {
            offset: p as u64,
            text: ascii(b),
        });
    }
    let core = core_version(d);
    let sdk = crate::formats::sdk::version_in(d);
    let date = build_date(d);
    for (o, t) in [&core, &sdk, &date].into_iter().flatten() {
        evidence.push(Evidence {
            offset: *o as u64,
            text: t.clone(),
        });
    }
    Some(TasmotaImage {
        version: version.as_ref().map(|v| version_string(v.0)),
        version_raw: version.as_ref().map(|v| v.0),
        evidence_offset: version.as_ref().map(|v| v.1 as u64),
        evidence_text: version.map(|v| v.2),
        cfg_holder: holder,
        core_version: core.map(|x| x.1),
        sdk_version: sdk.map(|x| x.1),
        build_date: date.map(|x| x.1),
        gzipped: false,
        evidence,
    })
}

/// A version and where it was found: (raw version, offset, evidence text).
type VersionAt = (u32, usize, String);

/// The `VERSION_MARKER`s of the image (each is evidence); the first version-shaped one.
fn version_markers(d: &[u8], evidence: &mut Vec<Evidence>) -> Option<VersionAt> {
    let mut version: Option<VersionAt> = None;
    let mut from = 0;
    while let Some(p) = find(d, &c::VERSION_MARKER_HEAD, from) {
        from = p + 1;
        if d.get(p + 8..p + 12) != Some(&c::VERSION_MARKER_TAIL[..]) {
            continue;
        }
        let Some(v) = le32(d, p + 4) else { break };
        let text = format!("VERSION_MARKER {}", hex::encode(&d[p..p + 12]));
        evidence.push(Evidence {
            offset: p as u64,
            text: text.clone(),
        });
        if version.is_none() && v != u32::MAX && version_shaped(v) {
            version = Some((v, p, text));
        }
    }
    version
}

/// The settings defaults' prologue `<holder u32> <version u32> 12 C1 F0` (each is evidence): the
/// `cfg_holder` the build uses, and the version when no marker gave one.
fn cfg_holder_prologues(
    d: &[u8],
    version: &mut Option<VersionAt>,
    evidence: &mut Vec<Evidence>,
) -> Option<u16> {
    let mut holder = None;
    // `<holder u32 < 0x10000> <version u32> 12 C1 F0`, word-aligned: test the prologue first.
    for p in memchr::memmem::find_iter(d, &PROLOGUE) {
        let Some(i) = p.checked_sub(8).filter(|i| i % 4 == 0) else {
            continue;
        };
        let (Some(h), Some(v)) = (le32(d, i), le32(d, i + 4)) else {
            continue;
        };
        if !version_shaped(v) {
            continue;
        }
        let Some(h16) = holder_for(h, v) else {
            continue;
        };
        let text = if h > 0xFFFF {
            format!("CFG_HOLDER 0x{h:08X} + version {}", version_string(v))
        } else {
            format!("CFG_HOLDER {h} + version {}", version_string(v))
        };
        evidence.push(Evidence {
            offset: i as u64 + 4,
            text: text.clone(),
        });
        if holder.is_none() || h16 == c::CFG_HOLDER_DEFAULT {
            holder = Some(h16);
        }
        if version.is_none() {
            *version = Some((v, i + 4, text));
        }
    }
    holder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_image_with_marker_and_literal() {
        let mut d = vec![0u8; 0x400];
        d[0x10..0x19].copy_from_slice(b"DVES_%06X");
        d[0x20..0x31].copy_from_slice(b"%prefix%/%topic%/");
        d[0x40..0x4C].copy_from_slice(&[
            0xA5, 0x5A, 0xA5, 0x5A, 0x00, 0x00, 0x02, 0x09, 0x5A, 0xA5, 0x5A, 0xA5,
        ]);
        d[0x100..0x104].copy_from_slice(&0x1209u32.to_le_bytes());
        d[0x104..0x108].copy_from_slice(&0x0902_0000u32.to_le_bytes());
        d[0x108..0x10B].copy_from_slice(&PROLOGUE);
        d[0x200..0x20C].copy_from_slice(b"%s%s-2_7_4_9");
        d[0x220..0x232].copy_from_slice(b"2.2.2-dev(38a443e)");
        d[0x240..0x24C].copy_from_slice(b"Nov 24 2022\0");
        let r = detect_image(&d).unwrap();
        assert_eq!(r.version.as_deref(), Some("9.2.0"));
        assert_eq!(r.evidence_offset, Some(0x40));
        assert_eq!(r.cfg_holder, Some(4617));
        assert_eq!(r.core_version.as_deref(), Some("2_7_4_9"));
        assert_eq!(r.sdk_version.as_deref(), Some("2.2.2-dev(38a443e)"));
        assert_eq!(r.build_date.as_deref(), Some("Nov 24 2022"));
        // Without the marker the literal pool gives the version.
        d[0x40..0x4C].fill(0);
        let r = detect_image(&d).unwrap();
        assert_eq!(r.version.as_deref(), Some("9.2.0"));
        assert_eq!(r.evidence_offset, Some(0x104));
        // Without the proof strings it is not Tasmota.
        d[0x10..0x19].fill(0);
        assert!(detect_image(&d).is_none());
    }

    #[test]
    fn shapes() {
        assert!(version_shaped(0x0C01_0106));
        assert!(version_shaped(0x0604_0100));
        assert!(!version_shaped(0x140C_030C));
        assert!(!version_shaped(u32::MAX));
    }
}
