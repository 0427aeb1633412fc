//! The flasher stub: esptool's JSON format (`entry`, `text`/`text_start`, `data`/`data_start`,
//! base64 blobs) and where to find one: `--stub FILE`, else `$ESPDUMP_STUB`, else the
//! `esp8266.json` of an installed esptool (the Apache-2.0/MIT esp-flasher-stub build in
//! `esptool/targets/stub_flasher/2/`), else espdump's own stub ([`super::builtin_stub`]).
//! `--stub builtin` selects espdump's own explicitly.

use crate::serial::protocol as c;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// A loaded stub image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stub {
    /// Entry point.
    pub entry: u32,
    /// Code, loaded at `text_start`.
    pub text: Vec<u8>,
    /// Code load address.
    pub text_start: u32,
    /// Initialised data, loaded at `data_start`.
    pub data: Vec<u8>,
    /// Data load address.
    pub data_start: u32,
    /// Where it came from (shown to the user).
    pub source: String,
}

/// Decode standard base64 (padding optional, whitespace ignored).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine;
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT.decode(compact).ok()
}

fn field_u32(v: &serde_json::Value, key: &str) -> Option<u32> {
    v.get(key)?.as_u64().and_then(|x| u32::try_from(x).ok())
}

fn field_b64(v: &serde_json::Value, key: &str) -> Option<Vec<u8>> {
    match v.get(key) {
        None | Some(serde_json::Value::Null) => Some(Vec::new()),
        Some(x) => base64_decode(x.as_str()?),
    }
}

impl Stub {
    /// Parse esptool's stub JSON.
    pub fn from_json(bytes: &[u8], source: &str) -> Result<Stub> {
        let bad = |why: &str| Error::InvalidInput(format!("stub {source}: {why}"));
        let v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| bad(&format!("not JSON ({e})")))?;
        let stub = Stub {
            entry: field_u32(&v, "entry").ok_or_else(|| bad("no `entry`"))?,
            text: field_b64(&v, "text").ok_or_else(|| bad("`text` is not base64"))?,
            text_start: field_u32(&v, "text_start").ok_or_else(|| bad("no `text_start`"))?,
            data: field_b64(&v, "data").ok_or_else(|| bad("`data` is not base64"))?,
            data_start: field_u32(&v, "data_start").unwrap_or(0),
            source: source.to_string(),
        };
        if stub.text.is_empty() {
            return Err(bad("empty `text`"));
        }
        let end = u64::from(stub.text_start) + stub.text.len() as u64;
        if u64::from(stub.entry) < u64::from(stub.text_start) || u64::from(stub.entry) >= end {
            return Err(bad("`entry` lies outside `text`"));
        }
        Ok(stub)
    }

    /// Load a stub JSON file.
    pub fn from_file(path: &Path) -> Result<Stub> {
        let bytes = std::fs::read(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        Stub::from_json(&bytes, &path.display().to_string())
    }
}

/// The `esp8266.json` of an installed esptool, if `python3 -c "import esptool"` finds one.
pub fn esptool_stub_path() -> Option<PathBuf> {
    for py in ["python3", "python"] {
        let out = std::process::Command::new(py)
            .args([
                "-c",
                "import esptool, os; print(os.path.dirname(esptool.__file__))",
            ])
            .stderr(std::process::Stdio::null())
            .output();
        if let Ok(o) = out {
            if o.status.success() {
                let dir = String::from_utf8_lossy(&o.stdout).trim().to_string();
                let p = Path::new(&dir).join(c::ESPTOOL_STUB_REL);
                if p.is_file() {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Load `--stub`/`$ESPDUMP_STUB`'s value: the word `builtin`, or a JSON file.
fn load_named(p: &Path) -> Result<Stub> {
    if p.as_os_str() == super::builtin_stub::NAME {
        return super::builtin_stub::builtin();
    }
    Stub::from_file(p)
}

/// A place a stub can come from. New sources (a download cache) are one more variant, one more
/// arm in [`StubSource::load`] and one more entry in [`SEARCH_ORDER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StubSource {
    /// The file named by `$ESPDUMP_STUB` (or `builtin`).
    EnvVar,
    /// The `esp8266.json` of an installed esptool (Apache-2.0/MIT esp-flasher-stub).
    InstalledEsptool,
    /// espdump's own stub, embedded in the binary ([`super::builtin_stub`]).
    Builtin,
}

/// The order in which sources are tried when no `--stub` is given: esptool's stub stays the
/// default where it is installed; espdump's own is the last resort.
pub const SEARCH_ORDER: &[StubSource] = &[
    StubSource::EnvVar,
    StubSource::InstalledEsptool,
    StubSource::Builtin,
];

impl StubSource {
    /// The stub from this source: `Ok(None)` when the source has none, `Err` when it has a
    /// broken one.
    pub fn load(self) -> Result<Option<Stub>> {
        match self {
            StubSource::EnvVar => match std::env::var_os(c::STUB_ENV).filter(|v| !v.is_empty()) {
                Some(p) => load_named(Path::new(&p)).map(Some),
                None => Ok(None),
            },
            StubSource::InstalledEsptool => match esptool_stub_path() {
                Some(p) => Stub::from_file(&p).map(Some),
                None => Ok(None),
            },
            StubSource::Builtin => super::builtin_stub::builtin().map(Some),
        }
    }
}

/// Find the stub: `explicit` (a file or `builtin`), else the first of [`SEARCH_ORDER`] that
/// has one.
pub fn find_stub(explicit: Option<&Path>) -> Result<Stub> {
    if let Some(p) = explicit {
        return load_named(p);
    }
    for src in SEARCH_ORDER {
        if let Some(stub) = src.load()? {
            return Ok(stub);
        }
    }
    Err(Error::InvalidInput(format!(
        "no flasher stub found: pass --stub FILE (esptool's esp8266.json), set {}, or \
         `pip install esptool` (its Apache-2.0/MIT esp-flasher-stub is used)",
        c::STUB_ENV
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn base64_exact() {
        assert_eq!(base64_decode("TWFu").as_deref(), Some(&b"Man"[..]));
        assert_eq!(base64_decode("TWE=").as_deref(), Some(&b"Ma"[..]));
        assert_eq!(base64_decode("TQ==").as_deref(), Some(&b"M"[..]));
        assert_eq!(base64_decode("T!=="), None);
        assert_eq!(base64_decode("TWE").as_deref(), Some(&b"Ma"[..]));
        assert_eq!(
            base64_decode("TW\r\nFu TQ==").as_deref(),
            Some(&b"ManM"[..])
        );
    }

    #[test]
    fn parses_json_and_checks_entry() {
        let j = br#"{"entry": 1074840836, "text": "AAECAwQFBgc=", "text_start": 1074840832,
                     "data": "CAk=", "data_start": 1073720940, "bss_start": 1073643776}"#;
        let s = Stub::from_json(j, "t").expect("stub");
        assert_eq!(s.text, (0..8).collect::<Vec<u8>>());
        assert_eq!(s.data, vec![8, 9]);
        assert_eq!(s.entry, 0x4010_C504);
        let bad = br#"{"entry": 1, "text": "AAECAwQFBgc=", "text_start": 1074840832}"#;
        assert!(Stub::from_json(bad, "t").is_err());
        assert!(Stub::from_json(b"{", "t").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn base64_never_panics(s in ".{0,64}") {
            let _ = base64_decode(&s);
        }
    }
}
