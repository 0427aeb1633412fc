//! What a profile sees: the running application's bytes and what the layout passes found about
//! it, with the string helpers every profile uses.

use crate::formats::bootloader::{BootKind, Bootloader};
use memchr::memmem;

/// The running application, as the profiles see it.
#[derive(Debug, Clone)]
pub struct App<'a> {
    /// The bytes searched: the running app image and its raw IROM (or the whole input when no
    /// app image was found).
    pub hay: &'a [u8],
    /// Offset of `hay` in the input.
    pub base: usize,
    /// Offset of the running app image, if one was found.
    pub app_offset: Option<usize>,
    /// The boot loader at offset 0.
    pub boot: &'a Bootloader,
    /// The app keeps its IROM inside a v1 image behind eboot (the Arduino core's layout).
    pub arduino_layout: bool,
    /// Offset of raw IROM code (no image header) the app at 0 runs from: the NONOS SDK non-OTA
    /// layout (`eagle.flash.bin` at 0, `eagle.irom0text.bin` at 0x10000 or 0x40000).
    pub raw_irom: Option<usize>,
    /// Searches more than one profile needs, done once (the Mongoose OS build id).
    pub(super) memo: Memo,
}

/// Results shared between profiles, computed on first use.
#[derive(Debug, Clone, Default)]
pub(super) struct Memo {
    pub mgos_build_id: std::cell::OnceCell<Option<(usize, String)>>,
}

impl<'a> App<'a> {
    /// An app view over `hay` starting at `base` in the input.
    pub fn new(hay: &'a [u8], base: usize, boot: &'a Bootloader) -> App<'a> {
        App {
            hay,
            base,
            app_offset: None,
            boot,
            arduino_layout: false,
            raw_irom: None,
            memo: Memo::default(),
        }
    }
    /// The boot loader kind.
    pub fn boot_kind(&self) -> BootKind {
        self.boot.kind
    }
    /// Absolute offset of the first `needle`.
    pub fn find(&self, needle: &[u8]) -> Option<usize> {
        memmem::find(self.hay, needle).map(|o| self.base + o)
    }
    /// Absolute offsets of up to 64 `needle`s.
    pub fn find_all(&self, needle: &[u8]) -> Vec<usize> {
        memmem::find_iter(self.hay, needle)
            .take(64)
            .map(|o| self.base + o)
            .collect()
    }
    /// Number of `needle`s, counting at most `max`.
    pub fn count(&self, needle: &[u8], max: usize) -> usize {
        memmem::find_iter(self.hay, needle).take(max).count()
    }
    /// The bytes from absolute offset `at` to the end of the haystack.
    pub fn from(&self, at: usize) -> &'a [u8] {
        self.hay.get(at.saturating_sub(self.base)..).unwrap_or(&[])
    }
    /// Printable ASCII from absolute offset `at`, at most `max` bytes.
    pub fn text(&self, at: usize, max: usize) -> String {
        lossy(printable(self.from(at), max))
    }
    /// First `needle`, with the printable text from there (at most `max` bytes).
    pub fn find_text(&self, needle: &[u8], max: usize) -> Option<(usize, String)> {
        let o = self.find(needle)?;
        Some((o, self.text(o, max)))
    }
}

/// A marker followed by the firmware's version (`ESPHome version 2023.5.5`): version strength
/// when a token starting with a digit follows `prefix`, marker strength otherwise.
pub fn marker_with_version(app: &App, prefix: &str, max: usize, stop: &[char]) -> super::Score {
    let mut s = super::Score::default();
    if let Some((o, t)) = app.find_text(prefix.as_bytes(), max) {
        let v =
            token_after(&t, prefix, stop).filter(|v| v.starts_with(|c: char| c.is_ascii_digit()));
        let strength = if v.is_some() {
            super::Strength::Version
        } else {
            super::Strength::Marker
        };
        s.version = v;
        s.hit(strength, o, t);
    }
    s
}

/// The printable-ASCII prefix of `b`, at most `max` bytes.
pub fn printable(b: &[u8], max: usize) -> &[u8] {
    let n = b
        .iter()
        .take(max)
        .take_while(|&&x| (0x20..0x7F).contains(&x))
        .count();
    &b[..n]
}

/// Bytes as a (lossy) string.
pub fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The token after `prefix` in `text`, cut at the first of `stop`.
pub fn token_after(text: &str, prefix: &str, stop: &[char]) -> Option<String> {
    let rest = text.strip_prefix(prefix)?;
    let t = rest.split(|c| stop.contains(&c)).next().unwrap_or(rest);
    (!t.is_empty()).then(|| t.to_string())
}

/// `1.5.4.1(39cb9a32)`-style version: `n.n.n.n` and an 8-hex-digit commit in parentheses, as
/// (absolute offset, dotted version).
pub fn dotted4_hex8(app: &App, from_rel: usize) -> Option<(usize, String)> {
    let hay = app.hay;
    let mut i = from_rel;
    while let Some(p) = memchr::memchr(b'(', hay.get(i..)?) {
        let at = i + p;
        i = at + 1;
        let Some(hex) = hay.get(at + 1..at + 10) else {
            break;
        };
        if !(hex[..8].iter().all(u8::is_ascii_hexdigit) && hex[8] == b')') {
            continue;
        }
        let mut st = at;
        while st > 0 && (hay[st - 1].is_ascii_digit() || hay[st - 1] == b'.') {
            st -= 1;
        }
        let v = &hay[st..at];
        if v.iter().filter(|&&b| b == b'.').count() == 3
            && v.first().is_some_and(u8::is_ascii_digit)
            && !v.ends_with(b".")
        {
            return Some((app.base + st, lossy(v)));
        }
    }
    None
}
