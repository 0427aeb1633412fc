//! SUPLA firmware built on supla-device (the SUPLA Arduino/ESP library).
//!
//! supla-device logs `SuplaDevice initialized` and its own version as `SDK <version>` (the
//! library's `SUPLA_SHORT_VERSION`) at start-up, and talks the SUPLA protocol (`SuplaSrpc`); the
//! literals are in every image built on it. The device's GUID and AuthKey live in its storage
//! (EEPROM or file system), not in the image.

use memchr::memmem;
use serde::Serialize;

use super::{c_string, strings_after, Found};

/// Markers (two are needed).
pub const MARKERS: &[&[u8]] = &[
    b"SuplaDevice initialized",
    b"SuplaSrpc",
    b"Supla - starting initialization",
    b"Missing AuthKey",
    b"Connected to Supla Server",
];

/// What the image states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    /// Markers found.
    pub markers: Vec<Found>,
    /// supla-device version (`SDK <version>`).
    pub sdk_version: Option<Found>,
}

/// Look for supla-device.
pub fn scan_image(app: &[u8], base: u64) -> Option<ImageInfo> {
    let markers = super::two_markers(app, base, MARKERS)?;
    Some(ImageInfo {
        sdk_version: sdk_version(app, base),
        markers,
    })
}

/// `SDK <digits.…>` among the strings after `SuplaDevice initialized`, else anywhere as a whole
/// NUL-delimited string.
fn sdk_version(app: &[u8], base: u64) -> Option<Found> {
    let parse = |o: usize, s: &[u8]| -> Option<Found> {
        let v = s.strip_prefix(b"SDK ")?;
        (v.first().is_some_and(u8::is_ascii_digit) && super::is_version_like(v)).then(|| Found {
            offset: base + (o + 4) as u64,
            text: super::text(v),
        })
    };
    if let Some(p) = memmem::find(app, b"SuplaDevice initialized\0") {
        for (o, s) in strings_after(app, p, 4, 40) {
            if let Some(f) = parse(o, s) {
                return Some(f);
            }
        }
    }
    memmem::find_iter(app, b"\0SDK ").find_map(|p| parse(p + 1, c_string(app, p + 1, 40)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_sdk_version() {
        let app = b"x\0Missing AuthKey\0SuplaDevice initialized\0Offline mode\0SDK 23.11.02-dev\0";
        let i = scan_image(app, 0x1000).unwrap();
        assert_eq!(i.markers.len(), 2);
        let v = i.sdk_version.unwrap();
        assert_eq!(v.text, "23.11.02-dev");
        assert_eq!(v.offset, 0x1000 + 55 + 4);
        assert!(scan_image(b"SuplaSrpc only", 0).is_none());
    }
}
