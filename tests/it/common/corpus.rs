//! The corpus of real third-party ESP8266 binaries the corpus tests read.
//!
//! Found through `ESPDUMP_CORPUS` (relative paths from the repository root), else
//! `../shared/corpus` beside the repository, as in CI. It is not in the repository (several
//! dumps hold their owners' credentials), so a clone elsewhere has none: then every test that
//! needs it returns early (`require_corpus!()`), and one line on stderr says so for the whole
//! run. Under CI (`CI` set) a missing corpus fails those tests instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The Shelly 1 stock 2 MiB dump the serial tests write and read back.
pub const SHELLY_SW1: &str = "shelly_stock_SHSW-1_v1.14.0_2MB.bin";

/// Where the corpus is (whether or not it exists).
pub fn corpus_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    match std::env::var_os("ESPDUMP_CORPUS") {
        Some(p) if !p.is_empty() => root.join(p),
        _ => root.join("../shared/corpus"),
    }
}

/// Whether the corpus is here. The first call without it prints the one skip line (straight
/// to stderr: the test harness does not capture it), or panics under CI.
pub fn have_corpus() -> bool {
    static PRESENT: OnceLock<bool> = OnceLock::new();
    *PRESENT.get_or_init(|| {
        let dir = corpus_dir();
        if dir.is_dir() {
            return true;
        }
        if std::env::var_os("CI").is_some() {
            panic!(
                "corpus missing at {} (CI is set: set ESPDUMP_CORPUS or put the corpus there)",
                dir.display()
            );
        }
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: every corpus test (no corpus at {}; set ESPDUMP_CORPUS to the directory of real dumps)",
            dir.display()
        );
        false
    })
}

/// Path of one corpus file; panics with a clear message if the corpus lacks it.
pub fn corpus(name: &str) -> PathBuf {
    let p = corpus_dir().join(name);
    assert!(p.exists(), "corpus file {} missing", p.display());
    p
}

/// Read a corpus file.
pub fn corpus_bytes(name: &str) -> Vec<u8> {
    std::fs::read(corpus(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Read a corpus file, or `None` (after the one skip line) when there is no corpus.
pub fn try_corpus_bytes(name: &str) -> Option<Vec<u8>> {
    have_corpus().then(|| corpus_bytes(name))
}

/// Every file of the corpus (not `SOURCES.md`), sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_none_or(|x| x != "md"))
        .collect();
    v.sort();
    v
}

/// Every `.bin` in the corpus, sorted.
pub fn corpus_bins() -> Vec<PathBuf> {
    corpus_files()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect()
}
