//! The reference tools the tests compare against (esptool, decode-config, littlefs-python, the
//! lx106 cross compiler and QEMU): whether they are here, and one skip line per missing tool.
//! CI installs them all (`.ci/run`), so there a missing tool fails the test instead.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Print `line` on stderr once per run (straight to stderr: the harness does not capture it).
pub fn say_once(line: &str) {
    static SAID: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if said.insert(line.to_string()) {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// Whether `python3 -c "import <module>"` works.
pub fn python_module_available(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Whether a Python module the tests need is importable: under CI a missing one panics
/// (`pip` is the hint), elsewhere one skip line is printed and the caller returns.
pub fn require_python_module(module: &str, pip: &str) -> bool {
    if python_module_available(module) {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("python module `{module}` is not installed ({pip})");
    }
    say_once(&format!(
        "SKIPPED: tests that need `{module}` ({pip}; CI installs it)"
    ));
    false
}

/// esptool 5.6 (PyPI), run as `python3 -m esptool`.
pub fn esptool_available() -> bool {
    require_python_module("esptool", "pip install esptool==5.6.0")
}

/// littlefs-python (PyPI).
pub fn littlefs_python_available() -> bool {
    require_python_module("littlefs", "pip install littlefs-python==0.19.0")
}

/// Whether `prog` is on PATH.
pub fn have_program(prog: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {prog} >/dev/null")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The decode-config executable (`decode-config.py` or `decode-config` on PATH), or `None` when
/// `ESPDUMP_SKIP_DECODE_CONFIG` is set or, outside CI, when it is not installed (one skip line).
/// Under CI a missing decode-config panics (`.ci/run` installs it).
pub fn decode_config() -> Option<PathBuf> {
    if std::env::var_os("ESPDUMP_SKIP_DECODE_CONFIG").is_some() {
        say_once("SKIPPED: decode-config comparisons (ESPDUMP_SKIP_DECODE_CONFIG is set)");
        return None;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["decode-config.py", "decode-config"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("decode-config not found on PATH (pip install decode-config==16.0.0.0)");
    }
    say_once(
        "SKIPPED: decode-config comparisons (pip install decode-config==16.0.0.0; CI installs it)",
    );
    None
}

/// Run decode-config on the `.dmp` file `path` and parse its JSON (passwords shown).
pub fn decode_config_file(exe: &Path, path: &Path) -> serde_json::Value {
    let out = Command::new(exe)
        .arg("-s")
        .arg(path)
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

/// Run decode-config on `.dmp` bytes and parse its JSON.
pub fn run_decode_config(exe: &Path, dmp: &[u8]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Config_test.dmp");
    std::fs::write(&path, dmp).unwrap();
    decode_config_file(exe, &path)
}
