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
pub mod sim;
