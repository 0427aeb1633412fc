//! Golden check: the JSON of `inspect` and `diff` on the whole corpus does not change.
//!
//! The corpus holds real credentials, so its JSON is never committed: `tests/golden/corpus.sha256`
//! holds, per command, the exit code and the SHA-256 of stdout. Every command runs with the corpus
//! directory as its working directory and relative file names, so nothing run-dependent (absolute
//! paths, temp names) can reach the output; neither `inspect --json` nor `diff --json` prints a
//! path or a time of its own. The commands, in this order:
//!
//! * `inspect --json F` for every corpus file except `*.md`, sorted by name;
//! * `diff --json A B` for each file A and the next file B (by name) of the same byte size;
//! * `sanitize F -o T` (T in a temp dir): the exit code and the SHA-256 of T's bytes (`-` when no
//!   file is written), then `diff --json F T` when T exists.
//!
//! When the output changes on purpose, rewrite the file with
//! `ESPDUMP_BLESS=1 cargo test --test it corpus_golden` and say why in the commit.

use crate::common;

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

const GOLDEN: &str = "tests/golden/corpus.sha256";

/// One command of the check, with the line it produces in the golden file.
enum Job {
    Inspect(String),
    DiffPair(String, String),
    Sanitize(String),
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Run `espdump` in `cwd`; the exit code and the digest of stdout.
fn run(cwd: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_espdump"))
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run espdump");
    (out.status.code().unwrap_or(-1), sha256_hex(&out.stdout))
}

fn line(job: &Job, corpus: &Path) -> String {
    match job {
        Job::Inspect(f) => {
            let (code, sha) = run(corpus, &["inspect", "--json", f]);
            format!("inspect {f} exit={code} {sha}")
        }
        Job::DiffPair(a, b) => {
            let (code, sha) = run(corpus, &["diff", "--json", a, b]);
            format!("diff {a} {b} exit={code} {sha}")
        }
        Job::Sanitize(f) => {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("sanitized.bin");
            let out_s = out.to_str().expect("utf-8 temp path");
            let (code, _) = run(corpus, &["sanitize", f, "-o", out_s]);
            match std::fs::read(&out) {
                Ok(bytes) => {
                    let (dcode, dsha) = run(corpus, &["diff", "--json", f, out_s]);
                    format!(
                        "sanitize {f} exit={code} out={} diff-exit={dcode} {dsha}",
                        sha256_hex(&bytes)
                    )
                }
                Err(_) => format!("sanitize {f} exit={code} out=-"),
            }
        }
    }
}

/// Every corpus file (not `*.md`) by name, with its size.
fn corpus_files() -> Vec<(String, u64)> {
    common::corpus_files()
        .into_iter()
        .map(|p| {
            let len = std::fs::metadata(&p).expect("corpus file").len();
            let name = p.file_name().unwrap().to_str().expect("UTF-8 name");
            (name.to_string(), len)
        })
        .collect()
}

fn jobs(files: &[(String, u64)]) -> Vec<Job> {
    let mut jobs: Vec<Job> = files.iter().map(|(f, _)| Job::Inspect(f.clone())).collect();
    for (i, (a, size)) in files.iter().enumerate() {
        if let Some((b, _)) = files[i + 1..].iter().find(|(_, s)| s == size) {
            jobs.push(Job::DiffPair(a.clone(), b.clone()));
        }
    }
    jobs.extend(files.iter().map(|(f, _)| Job::Sanitize(f.clone())));
    jobs
}

/// Run every job on a few threads (the commands are independent); lines in job order.
fn run_all(jobs: &[Job], corpus: &Path) -> Vec<String> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut lines: Vec<Option<String>> = (0..jobs.len()).map(|_| None).collect();
    let slots = std::sync::Mutex::new(&mut lines);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let l = line(job, corpus);
                slots.lock().unwrap()[i] = Some(l);
            });
        }
    });
    lines
        .into_iter()
        .map(|l| l.expect("every job ran"))
        .collect()
}

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN)
}

#[test]
fn inspect_and_diff_json_on_the_corpus_match_the_golden_digests() {
    require_corpus!();
    let corpus = common::corpus_dir();
    let files = corpus_files();
    assert!(
        files.len() > 50,
        "corpus at {} looks incomplete",
        corpus.display()
    );
    let got = run_all(&jobs(&files), &corpus);
    let mut text = String::from(
        "# SHA-256 of espdump's stdout per corpus command; see tests/it/corpus_golden.rs.\n\
         # Rewrite with ESPDUMP_BLESS=1 cargo test --test it corpus_golden\n",
    );
    for l in &got {
        text.push_str(l);
        text.push('\n');
    }
    if std::env::var_os("ESPDUMP_BLESS").is_some() {
        std::fs::create_dir_all(golden_path().parent().unwrap()).unwrap();
        std::fs::write(golden_path(), &text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(golden_path())
        .expect("golden file missing: run with ESPDUMP_BLESS=1 to create it");
    let want: Vec<&str> = want.lines().filter(|l| !l.starts_with('#')).collect();
    let missing: Vec<&&str> = want
        .iter()
        .filter(|l| !got.iter().any(|g| g == *l))
        .collect();
    let extra: Vec<&String> = got.iter().filter(|g| !want.contains(&g.as_str())).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "corpus JSON changed ({} golden lines not reproduced, {} new lines):\n- {}\n+ {}\n\
         If the change is intended, rerun with ESPDUMP_BLESS=1 and commit tests/golden/corpus.sha256.",
        missing.len(),
        extra.len(),
        missing.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("\n- "),
        extra.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n+ "),
    );
}
