//! Facts about vendor and community firmware beyond Tasmota and stock Shelly: what identifies
//! each one in an image, where it keeps its settings and what they mean. Pure leaf modules: they
//! take byte slices and return structs; the analysis core turns them into regions, config
//! sections and findings. Every format is documented, with its source, in `docs/firmware.md`.
//!
//! * [`ewelink`]: ITEAD (Sonoff) stock eWeLink firmware and its factory record.
//! * [`tuya`]: Tuya stock firmware, its factory record and the firmware name/version it states.
//! * [`wled`]: WLED version, the EEPROM settings of old releases, `cfg.json`/`wsec.json` of new.
//! * [`esphome`]: ESPHome node name.
//! * [`espurna`]: ESPurna's Embedis key/value settings in the EEPROM sector(s).
//! * [`supla`]: supla-device firmware and its SDK version.
//! * [`eeprom`]: the Arduino EEPROM sector and how much of it is used.

pub mod eeprom;
pub mod esphome;
pub mod espurna;
pub mod ewelink;
pub mod supla;
pub mod tuya;
pub mod wled;
pub mod wled_fs;

/// A string found in an image: where, and its text (untrusted; escape before printing).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Found {
    /// Offset of the first byte, relative to the slice the caller passed plus its `base`.
    pub offset: u64,
    /// The text.
    pub text: String,
}

/// Printable ASCII (what firmware keeps in its C string literals).
pub(crate) fn is_printable(b: u8) -> bool {
    (0x20..0x7F).contains(&b)
}

/// The NUL-terminated printable string that starts at `at`, at most `max` bytes long (without
/// its NUL). None when there is no NUL within `max + 1` bytes or a byte is not printable.
pub(crate) fn c_string(hay: &[u8], at: usize, max: usize) -> Option<&[u8]> {
    let rest = hay.get(at..)?;
    let n = rest.iter().take(max + 1).position(|&b| b == 0)?;
    let s = &rest[..n];
    s.iter().all(|&b| is_printable(b)).then_some(s)
}

/// The NUL-terminated string stored in a fixed-size field (`field.len()` bytes, NUL-padded). None
/// when the field is erased (0xFF) or holds bytes that are not printable before the first NUL.
pub(crate) fn field_string(field: &[u8]) -> Option<String> {
    let n = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let s = &field[..n];
    (s.iter().all(|&b| is_printable(b))).then(|| String::from_utf8_lossy(s).into_owned())
}

/// The up to `count` NUL-terminated strings that end just before `at` (which is the first byte of
/// a string, so `hay[at - 1]` is the previous string's NUL), nearest first. Stops at a string that
/// is empty, longer than `max` or not printable. Alignment padding (extra NULs) is skipped.
pub(crate) fn strings_before(
    hay: &[u8],
    at: usize,
    count: usize,
    max: usize,
) -> Vec<(usize, &[u8])> {
    let mut end = at.min(hay.len());
    std::iter::from_fn(|| {
        let found = string_ending_at(hay, end, max)?;
        end = found.0;
        Some(found)
    })
    .take(count)
    .collect()
}

/// The string whose NUL (plus up to 3 bytes of alignment padding) ends at `end`.
fn string_ending_at(hay: &[u8], end: usize, max: usize) -> Option<(usize, &[u8])> {
    let pads = hay[..end]
        .iter()
        .rev()
        .take(4)
        .take_while(|&&b| b == 0)
        .count();
    let end = end - pads;
    if pads == 0 || end == 0 {
        return None;
    }
    let start = hay[..end]
        .iter()
        .rposition(|&b| !is_printable(b))
        .map_or(0, |i| i + 1);
    let s = &hay[start..end];
    (!s.is_empty() && s.len() <= max && start > 0 && hay[start - 1] == 0).then_some((start, s))
}

/// The up to `count` NUL-terminated strings that follow the one starting at `at`, in order.
pub(crate) fn strings_after(
    hay: &[u8],
    at: usize,
    count: usize,
    max: usize,
) -> Vec<(usize, &[u8])> {
    let Some(n) = hay.get(at..).and_then(|r| r.iter().position(|&b| b == 0)) else {
        return Vec::new();
    };
    let mut pos = at + n;
    std::iter::from_fn(|| {
        // Skip the NUL and up to 3 bytes of alignment padding.
        pos += hay[pos.min(hay.len())..]
            .iter()
            .take(4)
            .take_while(|&&b| b == 0)
            .count();
        let s = c_string(hay, pos, max).filter(|s| !s.is_empty())?;
        let found = (pos, s);
        pos += s.len();
        Some(found)
    })
    .take(count)
    .collect()
}

/// `d+.d+(.d+)*` optionally followed by `-`/letters/digits (`0.8.5`, `1.0.7`, `0.9.0-b1`, `0.3pd`).
pub(crate) fn is_version_like(s: &[u8]) -> bool {
    if s.is_empty() || s.len() > 24 || !s[0].is_ascii_digit() || !s.contains(&b'.') {
        return false;
    }
    let major_digits = s.iter().take_while(|&&b| b != b'.').all(u8::is_ascii_digit);
    major_digits
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        && !s.windows(2).any(|w| w == b"..")
        && s.get(s.iter().position(|&b| b == b'.').unwrap_or(0) + 1)
            .is_some_and(u8::is_ascii_digit)
}

/// Strict `x.y.z` with 1-3 digit numbers.
pub(crate) fn is_dotted3(s: &[u8]) -> bool {
    let parts: Vec<&[u8]> = s.split(|&b| b == b'.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.iter().all(u8::is_ascii_digit))
}

/// `__DATE__` as the C preprocessor writes it: `Mmm dd yyyy` (day space-padded).
pub(crate) fn is_c_date(s: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    s.len() == 11
        && MONTHS.contains(&&s[..3])
        && s[3] == b' '
        && (s[4] == b' ' || s[4].is_ascii_digit())
        && s[5].is_ascii_digit()
        && s[6] == b' '
        && s[7..].iter().all(u8::is_ascii_digit)
}

/// `__TIME__`: `hh:mm:ss`.
pub(crate) fn is_c_time(s: &[u8]) -> bool {
    s.len() == 8
        && s[2] == b':'
        && s[5] == b':'
        && [0, 1, 3, 4, 6, 7].iter().all(|&i| s[i].is_ascii_digit())
}

/// The markers of `list` found in `app` when there are at least two: a firmware's protocol or log
/// strings make it only together, one alone is a word another firmware may carry.
pub(crate) fn two_markers(app: &[u8], base: u64, list: &[&[u8]]) -> Option<Vec<Found>> {
    let markers = find_markers(app, base, list);
    (markers.len() >= 2).then_some(markers)
}

/// Each of `markers` found in `app` (first occurrence), as evidence at `base + offset`.
pub(crate) fn find_markers(app: &[u8], base: u64, markers: &[&[u8]]) -> Vec<Found> {
    markers
        .iter()
        .filter_map(|m| {
            memchr::memmem::find(app, m).map(|o| Found {
                offset: base + o as u64,
                text: text(m).trim_matches('\0').to_string(),
            })
        })
        .collect()
}

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_walks() {
        let hay = b"\0name\0Friendly\0\0\0Jun 11 2023\0tail\0";
        let at = 17; // "Jun 11 2023"
        assert_eq!(&hay[at..at + 3], b"Jun");
        let before = strings_before(hay, at, 3, 32);
        assert_eq!(before, vec![(6, &b"Friendly"[..]), (1, &b"name"[..])]);
        let after = strings_after(hay, 1, 3, 32);
        assert_eq!(after[0], (6, &b"Friendly"[..]));
        assert_eq!(after[1], (17, &b"Jun 11 2023"[..]));
        assert_eq!(after[2], (29, &b"tail"[..]));
    }

    #[test]
    fn shapes() {
        assert!(is_version_like(b"0.8.5"));
        assert!(is_version_like(b"0.3pd"));
        assert!(is_version_like(b"0.9.0-b1"));
        assert!(is_version_like(b"0.13.3"));
        assert!(!is_version_like(b"a.1"));
        assert!(!is_version_like(b"12345"));
        assert!(!is_version_like(b"1..2"));
        assert!(is_dotted3(b"2.6.0"));
        assert!(!is_dotted3(b"2.6"));
        assert!(is_c_date(b"Apr 14 2020"));
        assert!(is_c_date(b"Jul  3 2019"));
        assert!(!is_c_date(b"Foo 14 2020"));
        assert!(is_c_time(b"10:46:17"));
        assert!(!is_c_time(b"10-46-17"));
        assert_eq!(field_string(b"ab\0\0"), Some("ab".into()));
        assert_eq!(field_string(b"\xff\xff"), None);
        assert_eq!(c_string(b"abc\0", 0, 3), Some(&b"abc"[..]));
        assert_eq!(c_string(b"abcd\0", 0, 3), None);
    }
}
