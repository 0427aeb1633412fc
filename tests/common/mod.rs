//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The shared corpus of real ESP8266 binaries (beside the repository, as in CI).
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

/// Path of one corpus file; panics with a clear message if the corpus is missing.
pub fn corpus(name: &str) -> PathBuf {
    let p = corpus_dir().join(name);
    assert!(
        p.exists(),
        "corpus file {} missing (expected ../shared/corpus beside the repo)",
        p.display()
    );
    p
}

/// Read a corpus file.
pub fn corpus_bytes(name: &str) -> Vec<u8> {
    std::fs::read(corpus(name)).unwrap()
}

/// Every `.bin` in the corpus, sorted.
pub fn corpus_bins() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    v.sort();
    v
}

/// Path of a project fixture.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Run the real `espdump` binary.
pub fn espdump(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_espdump"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run espdump")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// How to run a Python tool installed by pip: `python3 -m <module>`.
pub fn python_module_available(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// The decode-config executable, or `None` when `ESPDUMP_SKIP_DECODE_CONFIG` is set. Panics when
/// it is missing otherwise (CI installs it).
pub fn decode_config() -> Option<PathBuf> {
    if std::env::var_os("ESPDUMP_SKIP_DECODE_CONFIG").is_some() {
        return None;
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["decode-config.py", "decode-config"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    panic!("decode-config not found on PATH (or set ESPDUMP_SKIP_DECODE_CONFIG=1)");
}

/// Run decode-config on a `.dmp` and parse its JSON.
pub fn run_decode_config(exe: &std::path::Path, dmp: &[u8]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Config_test.dmp");
    std::fs::write(&path, dmp).unwrap();
    let out = Command::new(exe)
        .arg("-s")
        .arg(&path)
        .arg("--json-show-pw")
        .arg("--json-compact")
        .output()
        .expect("run decode-config");
    assert!(
        out.status.success(),
        "decode-config failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("decode-config JSON")
}
