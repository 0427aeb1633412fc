//! ESPHome: the node name and the finding about compiled-in credentials.
//!
//! ESPHome generates `main.cpp` with `App.pre_setup("<name>", "<friendly name>", ...,
//! __DATE__ ", " __TIME__, ...)` (older releases: name, then the timestamp). The string literals
//! land together in the image, so the node name is the nearest NUL-delimited string before the
//! `Mmm dd yyyy, hh:mm:ss` build stamp that is a valid ESPHome name (lower-case letters, digits,
//! `-`, `_`; ESPHome's `valid_name` check). Wi-Fi, API and OTA credentials are C++ literals in
//! the same file: they are part of the application image.

use crate::report::Finding;
use memchr::memmem;
use serde::Serialize;

use super::{is_c_date, is_c_time, strings_before, Found};

/// What the image states besides the version (which `identify` reads from `ESPHome version`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    /// The node name (`esphome: name:`), also the mDNS host name.
    pub node_name: Option<Found>,
    /// The friendly name, when the release has one.
    pub friendly_name: Option<Found>,
    /// The build stamp.
    pub build: Option<Found>,
}

/// ESPHome's rule for node names.
pub fn is_valid_name(s: &[u8]) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `Mmm dd yyyy, hh:mm:ss`.
fn is_build_stamp(s: &[u8]) -> bool {
    s.len() == 21 && is_c_date(&s[..11]) && &s[11..13] == b", " && is_c_time(&s[13..])
}

/// Find the build stamp and the names before it.
pub fn scan_image(app: &[u8], base: u64) -> ImageInfo {
    let mut info = ImageInfo {
        node_name: None,
        friendly_name: None,
        build: None,
    };
    let f = |o: usize, s: &[u8]| Found {
        offset: base + o as u64,
        text: super::text(s),
    };
    for p in memmem::find_iter(app, b", ") {
        let Some(st) = p.checked_sub(11) else {
            continue;
        };
        if st == 0 || app[st - 1] != 0 {
            continue;
        }
        let Some(stamp) = app.get(st..st + 22) else {
            break;
        };
        if stamp[21] != 0 || !is_build_stamp(&stamp[..21]) {
            continue;
        }
        let before = strings_before(app, st, 2, 63);
        let Some(i) = before.iter().position(|(_, s)| is_valid_name(s)) else {
            continue;
        };
        info.build = Some(f(st, &stamp[..21]));
        info.node_name = Some(f(before[i].0, before[i].1));
        if i == 1 {
            info.friendly_name = Some(f(before[0].0, before[0].1));
        }
        break;
    }
    info
}

/// The finding every ESPHome image gets.
pub fn compiled_secrets_finding(app_offset: Option<u64>) -> Finding {
    Finding::warning(
        "esphome_compiled_secrets",
        app_offset,
        "ESPHome compiles the Wi-Fi credentials, API encryption key and OTA password into the \
         application image itself: a copy of this image on another unit carries them, and no \
         sanitize can remove them without rebuilding the firmware",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_before_build_stamp() {
        let app = b"\0scheduler\0kitchen-light\0Kitchen Light\0Jun 11 2023, 20:10:10\0kitchen-light.local\0";
        let i = scan_image(app, 0x1000);
        assert_eq!(i.node_name.as_ref().unwrap().text, "kitchen-light");
        assert_eq!(i.node_name.as_ref().unwrap().offset, 0x1000 + 11);
        assert_eq!(i.friendly_name.unwrap().text, "Kitchen Light");
        assert_eq!(i.build.unwrap().text, "Jun 11 2023, 20:10:10");
        let old = b"\0node_1\0Jan  2 2020, 01:02:03\0";
        assert_eq!(scan_image(old, 0).node_name.unwrap().text, "node_1");
        assert!(scan_image(b"\0Bad Name\0Jan  2 2020, 01:02:03\0", 0)
            .node_name
            .is_none());
    }
}
