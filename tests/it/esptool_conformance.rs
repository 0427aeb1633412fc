//! Conformance with esptool 5.6 `image-info`: for every image espdump finds in the corpus, cut
//! the file at the image's offset, run esptool on it, and compare entry point, segments and the
//! checksum verdict.

use crate::common;

use espdump::analysis::inspect::{inspect, Options};
use std::process::Command;

#[derive(Debug, PartialEq)]
struct EsptoolView {
    entry: u32,
    segments: Vec<(u32, u32)>,
    checksum_valid: bool,
}

fn parse_esptool(out: &str) -> Option<EsptoolView> {
    let entry = out
        .lines()
        .find_map(|l| l.strip_prefix("Entry point: 0x"))
        .and_then(|h| u32::from_str_radix(h.trim(), 16).ok())?;
    let mut segments = Vec::new();
    let mut in_table = false;
    for l in out.lines() {
        if l.starts_with("-------") {
            in_table = true;
            continue;
        }
        if in_table {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 4 || f[0].parse::<u32>().is_err() {
                break;
            }
            let len = u32::from_str_radix(f[1].trim_start_matches("0x"), 16).ok()?;
            let addr = u32::from_str_radix(f[2].trim_start_matches("0x"), 16).ok()?;
            segments.push((addr, len));
        }
    }
    let ck = out.lines().find(|l| l.starts_with("Checksum: "))?;
    Some(EsptoolView {
        entry,
        segments,
        checksum_valid: ck.contains("(valid)"),
    })
}

#[test]
fn every_corpus_image_matches_esptool_image_info() {
    require_corpus!();
    if !common::esptool_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    for path in common::corpus_bins() {
        let data = std::fs::read(&path).unwrap();
        let report = inspect(&data, &Options::default()).unwrap();
        for img in &report.images {
            let ours = EsptoolView {
                entry: img.entry,
                // esptool pads segment lengths to a multiple of 4 when it prints them.
                segments: img
                    .segments
                    .iter()
                    .map(|s| (s.addr, s.len.next_multiple_of(4)))
                    .collect(),
                checksum_valid: img.checksum.valid,
            };
            let cut = dir.path().join(format!(
                "{}@{:x}.bin",
                path.file_name().unwrap().to_string_lossy(),
                img.offset
            ));
            std::fs::write(&cut, &data[img.offset as usize..]).unwrap();
            jobs.push((path.clone(), img.offset, cut, ours));
        }
    }
    assert!(
        jobs.len() >= 60,
        "expected at least 60 images in the corpus, found {}",
        jobs.len()
    );
    let results: Vec<_> = std::thread::scope(|s| {
        let chunks: Vec<_> = jobs.chunks(jobs.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|(path, off, cut, ours)| {
                            let out = Command::new("python3")
                                .args(["-m", "esptool", "--chip", "esp8266", "image-info"])
                                .arg(cut)
                                .output()
                                .unwrap();
                            let text = String::from_utf8_lossy(&out.stdout).into_owned();
                            (
                                path.clone(),
                                *off,
                                parse_esptool(&text),
                                ours,
                                out.status.success(),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut failures = Vec::new();
    for (path, off, theirs, ours, ok) in &results {
        let name = path.file_name().unwrap().to_string_lossy();
        match theirs {
            Some(t) if *ok && *t == **ours => {}
            other => failures.push(format!(
                "{name}@0x{off:x}: esptool {other:?}, espdump {ours:?}"
            )),
        }
    }
    eprintln!("compared {} images with esptool image-info", results.len());
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
