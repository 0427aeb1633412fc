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

/// The `esp8266.json` of an installed esptool: the one remembered for the `python3` (or
/// `python`) on `PATH` when it still exists, else asked from that interpreter.
///
/// Asking costs a Python start (through a pyenv shim about 0.3 s, with `import esptool` about
/// 0.5 s on a loaded machine), as much as a whole 921600-baud connect: the answer is kept in
/// [`cache_file`] with the interpreter it came from and reused while that interpreter is
/// still the one on `PATH` and the file still exists.
pub fn esptool_stub_path() -> Option<PathBuf> {
    let cache = cache_file();
    for py in ["python3", "python"] {
        // Where the interpreter cannot be told from PATH (e.g. `python3.exe`), ask uncached.
        let exe = on_path(py);
        let key = cache.as_deref().zip(exe.as_deref());
        if let Some(p) = key.and_then(|(f, exe)| cached(f, exe)) {
            return Some(p);
        }
        if let Some(p) = ask_python(py) {
            if let Some((f, exe)) = key {
                remember(f, exe, &p);
            }
            return Some(p);
        }
    }
    None
}

/// The package directory of esptool as `py` finds it, located without importing esptool
/// (`importlib.util.find_spec` only searches `sys.path`).
fn ask_python(py: &str) -> Option<PathBuf> {
    let o = std::process::Command::new(py)
        .args([
            "-c",
            "import importlib.util as u; s = u.find_spec('esptool'); \
             print(list(s.submodule_search_locations)[0] if s and s.submodule_search_locations else '')",
        ])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let dir = String::from_utf8_lossy(&o.stdout).trim().to_string();
    if !o.status.success() || dir.is_empty() {
        return None;
    }
    let p = Path::new(&dir).join(c::ESPTOOL_STUB_REL);
    p.is_file().then_some(p)
}

/// The first `name` in `PATH` that is a file.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `$XDG_CACHE_HOME/espdump/esptool-stub`, else `$HOME/.cache/espdump/esptool-stub`.
fn cache_file() -> Option<PathBuf> {
    let nonempty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = nonempty("XDG_CACHE_HOME").or_else(|| nonempty("HOME").map(|h| h.join(".cache")))?;
    Some(base.join("espdump").join("esptool-stub"))
}

/// The remembered stub path when it was found through `exe` and still exists.
fn cached(file: &Path, exe: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(file).ok()?;
    let mut lines = text.lines();
    let (from, stub) = (lines.next()?, lines.next()?);
    let stub = PathBuf::from(stub);
    (Path::new(from) == exe && stub.is_file()).then_some(stub)
}

/// Remember `stub` as found through `exe` (best effort: a cache that cannot be written only
/// means asking Python again next time).
fn remember(file: &Path, exe: &Path, stub: &Path) {
    let (Some(exe), Some(stub)) = (exe.to_str(), stub.to_str()) else {
        return;
    };
    if exe.contains('\n') || stub.contains('\n') {
        return;
    }
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, format!("{exe}\n{stub}\n")).is_ok() {
        let _ = std::fs::rename(&tmp, file);
    }
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

    /// The remembered path is used only for the interpreter it came from and while the file
    /// exists.
    #[test]
    fn remembered_stub_path_is_tied_to_its_interpreter_and_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let cache = dir.path().join("espdump").join("esptool-stub");
        let stub = dir.path().join("esp8266.json");
        std::fs::write(&stub, b"{}").expect("w");
        let py = dir.path().join("bin/python3");
        assert_eq!(cached(&cache, &py), None);
        remember(&cache, &py, &stub);
        assert_eq!(cached(&cache, &py), Some(stub.clone()));
        assert_eq!(cached(&cache, &dir.path().join("other/python3")), None);
        std::fs::remove_file(&stub).expect("rm");
        assert_eq!(cached(&cache, &py), None);
        std::fs::write(&cache, b"garbage").expect("w");
        assert_eq!(cached(&cache, &py), None);
    }

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
