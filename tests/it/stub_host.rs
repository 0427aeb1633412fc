//! espdump's own stub built for this PC (`make -C src/stub host`: the protocol core with the
//! host test layer), driven end to end by the real `espdump` binary through a pty.

use crate::common::stub_scenarios;
use crate::common::stubrig;
use stubrig::Runner;

#[test]
fn read_write_erase_verify_byte_exact() {
    if let Some(r) = Runner::host() {
        stub_scenarios::read_write_erase_verify_byte_exact(&r);
    }
}

#[test]
fn region_write_keeps_neighbours_and_reads_back() {
    if let Some(r) = Runner::host() {
        stub_scenarios::region_write_keeps_neighbours_and_reads_back(&r);
    }
}

#[test]
fn shelly_dump_round_trip() {
    if let Some(r) = Runner::host() {
        stub_scenarios::shelly_dump_round_trip(&r);
    }
}

#[test]
fn corrupted_and_dropped_bytes_complete_byte_exact() {
    if let Some(r) = Runner::host() {
        stub_scenarios::corrupted_and_dropped_bytes_complete_byte_exact(&r);
    }
}

#[test]
fn reset_mid_read_fails_loudly_and_resume_finishes() {
    if let Some(r) = Runner::host() {
        stub_scenarios::reset_mid_read_fails_loudly_and_resume_finishes(&r);
    }
}

#[test]
fn stalled_write_block_fails_loudly_or_lands_exact() {
    if let Some(r) = Runner::host() {
        stub_scenarios::stalled_write_block_fails_loudly_or_lands_exact(&r);
    }
}

#[test]
fn info_names_the_stub() {
    if let Some(r) = Runner::host() {
        stub_scenarios::info_names_the_stub(&r);
    }
}

/// Negotiation: against a stub that does not know espdump's commands (the simulator's model
/// of esptool's stub answers STUB_INFO with "invalid command"), espdump reads with the
/// standard READ_FLASH and never sends the added commands.
#[test]
fn esptool_like_stub_gets_the_standard_protocol() {
    use std::process::Command;
    let dir = tempfile::tempdir().expect("tmp");
    let img = stubrig::pattern(256 << 10, 21);
    let log = dir.path().join("log.jsonl");
    let logs = log.display().to_string();
    let (sim, port) = stubrig::start_sim(dir.path(), &img, &["--log", &logs]);
    let o = Command::new(stubrig::BIN)
        .args(["read", "--json", "--port", &port, "--before", "no-reset"])
        .args(["--stub", "stub.json", "back.bin"])
        .current_dir(dir.path())
        .output()
        .expect("espdump");
    stubrig::stop_sim(sim);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stubrig::assert_same(
        &std::fs::read(dir.path().join("back.bin")).expect("out"),
        &img,
        "read",
    );
    let entries: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .expect("log")
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let ops: Vec<&str> = entries
        .iter()
        .map(|e| e["op"].as_str().unwrap_or(""))
        .collect();
    assert!(ops.contains(&"READ_FLASH"), "{ops:?}");
    let unknown: Vec<_> = entries.iter().filter(|e| e["op"] == "UNKNOWN").collect();
    assert_eq!(unknown.len(), 1, "only the STUB_INFO probe: {ops:?}");
    assert_ne!(unknown[0]["status"][0], 0, "answered as unknown");
}
