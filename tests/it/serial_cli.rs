//! End-to-end: the real `espdump` binary against `espdump simulate` on a pty. Exact bytes of
//! the simulated flash (saved on exit), JSON fields, human output and exit codes.

use crate::common::sim::{fake_stub, spawn_simulator, terminate, Sim, BIN};
use crate::common::{try_corpus_bytes, Out, SHELLY_SW1};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn espdump(dir: &Path, sim: &Sim, args: &[&str]) -> Out {
    let stub = fake_stub(dir);
    let o = Command::new(BIN)
        .args(args)
        .args([
            "--port",
            &sim.port,
            "--before",
            "no-reset",
            "--connect-attempts",
            "2",
        ])
        .args(if args.contains(&"--no-stub") || args[0] == "info" {
            vec![]
        } else {
            vec!["--stub".to_string(), stub.display().to_string()]
        })
        .env_remove("ESPDUMP_STUB")
        .current_dir(dir)
        .output()
        .expect("run espdump");
    Out::from(o)
}

fn pattern(size: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = vec![0xFFu8; size];
    for (i, s) in v.chunks_mut(4096).enumerate() {
        if i % 3 == 0 {
            for b in s.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = x as u8;
            }
        }
    }
    v
}

#[test]
fn info_reports_simulated_chip() {
    let dir = tempfile::tempdir().expect("tmp");
    let sim = Sim::start_logged(
        dir.path(),
        "sim",
        &vec![0xFF; 1 << 20],
        &["--mac", "24:0a:c4:01:02:03"],
    );
    let o = espdump(dir.path(), &sim, &["info"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // The last line names the stub read/write would use: esptool's when installed, else
    // espdump's own.
    let (head, stub) = o.stdout.rsplit_once("stub:        ").expect("stub line");
    assert_eq!(
        head,
        "chip:        ESP8266EX\nmac:         24:0a:c4:01:02:03\nchip id:     0x010203\n\
         crystal:     26 MHz\nflash id:    0x1440ef (manufacturer 0xef, device 0x1440)\n\
         flash size:  1024 KiB (1048576 bytes)\n"
    );
    assert!(
        stub.starts_with("builtin (espdump's own") || stub.contains("esp8266.json (used by"),
        "{stub}"
    );
    assert!(o.stderr.contains("no DTR/RTS reset lines"), "{}", o.stderr);
    let o = espdump(dir.path(), &sim, &["info", "--json"]);
    let j = o.json();
    assert_eq!(j["chip"]["mac"], "24:0a:c4:01:02:03");
    assert_eq!(j["chip"]["flash_size"], 1 << 20);
    assert_eq!(o.stderr, "");
    let (flash, log) = sim.stop_with_log();
    assert_eq!(flash, vec![0xFF; 1 << 20]);
    // ROM only: no stub upload, no read.
    assert!(!log.contains("MEM_BEGIN"));
    assert!(log.contains("\"op\":\"SYNC\""));
}

/// The seed workflow on a real 2 MiB Shelly dump: read a backup, erase, write it back.
#[test]
fn backup_erase_restore_shelly_2mb() {
    let Some(img) = try_corpus_bytes(SHELLY_SW1) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let sim = Sim::start_logged(dir.path(), "sim", &img, &[]);
    let o = espdump(dir.path(), &sim, &["read", "--json", "backup.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let j = o.json();
    let backup = std::fs::read(dir.path().join("backup.bin")).expect("backup");
    assert_eq!(backup, img);
    let erased = img
        .chunks(4096)
        .filter(|s| s.iter().all(|&b| b == 0xFF))
        .count();
    assert_eq!(j["read"]["sectors_erased"], erased);
    assert_eq!(j["read"]["sectors_read"], 512 - erased);
    assert_eq!(j["read"]["md5"], hex::encode(md5_of(&img)));

    let o = espdump(dir.path(), &sim, &["erase", "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.json()["erase"]["whole_chip"], true);

    let o = espdump(dir.path(), &sim, &["verify", "backup.bin"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stdout
            .contains(&format!("{} of 512 sectors differ:", 512 - erased)),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("  0x000000 (erased on the chip)\n"),
        "{}",
        o.stdout
    );

    let o = espdump(dir.path(), &sim, &["write", "backup.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains(&format!("{} of 512 sectors to write", 512 - erased)),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("verified: the chip's MD5 matches the image"),
        "{}",
        o.stdout
    );

    let o = espdump(dir.path(), &sim, &["verify", "--json", "backup.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.json()["verify"]["differing"], Value::Array(vec![]));
    let (flash, log) = sim.stop_with_log();
    assert_eq!(flash, img);
    assert!(log.contains("FLASH_DEFL_DATA"));
    assert!(log.contains("ERASE_FLASH"));
}

fn md5_of(d: &[u8]) -> [u8; 16] {
    espdump::serial::plan::md5(d)
}

#[test]
fn write_skips_matching_sectors_and_region_read() {
    let img = pattern(512 << 10, 7);
    let dir = tempfile::tempdir().expect("tmp");
    let sim = Sim::start_logged(dir.path(), "sim", &img, &[]);
    let mut new = img.clone();
    new[0x3_0000..0x3_1000].fill(0x42);
    std::fs::write(dir.path().join("new.bin"), &new).expect("write");
    let o = espdump(dir.path(), &sim, &["write", "--json", "new.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let j = o.json();
    assert_eq!(
        j["write"]["plan"]["runs"],
        serde_json::json!([[0x30000, 0x1000]])
    );
    assert_eq!(j["write"]["bytes_written"], 0x1000);
    assert_eq!(j["write"]["verified"], true);
    let o = espdump(
        dir.path(),
        &sim,
        &["read", "--offset", "0x30000", "--size", "8k", "part.bin"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read(dir.path().join("part.bin")).expect("part"),
        &new[0x30000..0x32000]
    );
    // An image ending inside a data sector: the rest of that sector survives (esptool erases
    // it).
    let app: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
    std::fs::write(dir.path().join("app.bin"), &app).expect("w");
    let o = espdump(
        dir.path(),
        &sim,
        &["write", "--offset", "0x47000", "app.bin"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("the 3192 bytes after it, to the sector end, are kept"),
        "{}",
        o.stdout
    );
    new[0x47000..0x47000 + 5000].copy_from_slice(&app);
    let (flash, _) = sim.stop_with_log();
    assert_eq!(flash, new);
}

#[test]
fn refusals_exit_5_and_leave_flash_alone() {
    let img = pattern(1 << 20, 3);
    let dir = tempfile::tempdir().expect("tmp");
    let sim = Sim::start_logged(dir.path(), "sim", &img, &[]);
    // Larger than the chip.
    std::fs::write(dir.path().join("big.bin"), vec![0u8; 2 << 20]).expect("w");
    let o = espdump(dir.path(), &sim, &["write", "big.bin"]);
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("does not fit in the chip's 1048576 bytes"),
        "{}",
        o.stderr
    );
    // A whole dump of another size (512 KiB at 0 on a 1 MiB chip), even with a header.
    let mut small = vec![0xFFu8; 512 << 10];
    small[..8].copy_from_slice(&[0xE9, 1, 0, 0x00, 0, 0, 0x10, 0x40]);
    std::fs::write(dir.path().join("small.bin"), &small).expect("w");
    let o = espdump(dir.path(), &sim, &["write", "small.bin"]);
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("the dump is 512 KiB but the chip has 1024 KiB"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("says flash size 512KB"), "{}", o.stderr);
    // A dump of the right size whose header names 4 MB.
    let mut hdr = img.clone();
    hdr[..4].copy_from_slice(&[0xE9, 1, 0, 0x40]);
    std::fs::write(dir.path().join("hdr.bin"), &hdr).expect("w");
    let o = espdump(dir.path(), &sim, &["write", "hdr.bin"]);
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(o.stderr.contains("says flash size 4MB"), "{}", o.stderr);
    // Read refused without the stub.
    let o = espdump(dir.path(), &sim, &["read", "--no-stub", "x.bin"]);
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(o.stderr.contains("needs the flasher stub"), "{}", o.stderr);
    assert!(!dir.path().join("x.bin").exists());
    let (flash, _) = sim.stop_with_log();
    assert_eq!(flash, img);
    // --force writes the mismatching dump byte-exact (no header patching).
    let sim = Sim::start_logged(dir.path(), "sim", &img, &[]);
    let o = espdump(dir.path(), &sim, &["write", "--force", "hdr.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (flash, _) = sim.stop_with_log();
    assert_eq!(flash, hdr);
}

#[test]
fn rom_only_write_without_stub() {
    let img = vec![0u8; 512 << 10];
    let dir = tempfile::tempdir().expect("tmp");
    let sim = Sim::start_logged(dir.path(), "sim", &img, &[]);
    let data: Vec<u8> = (0..0x3000u32).map(|i| (i * 13 + 1) as u8).collect();
    std::fs::write(dir.path().join("app.bin"), &data).expect("w");
    let o = espdump(
        dir.path(),
        &sim,
        &["write", "--no-stub", "--offset", "0x20000", "app.bin"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("ROM loader: FLASH_BEGIN erase size 0x2000, 12 blocks of 0x400"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("will also erase sector 0x023000"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("not verified (the ROM loader has no MD5)"),
        "{}",
        o.stdout
    );
    let (flash, log) = sim.stop_with_log();
    let mut want = img.clone();
    want[0x20000..0x23000].copy_from_slice(&data);
    want[0x23000..0x24000].fill(0xFF); // the ROM erase bug's extra sector
    assert_eq!(flash, want);
    assert!(!log.contains("MEM_BEGIN"));
    assert_eq!(log.matches("\"op\":\"FLASH_DATA\"").count(), 12);
}

#[test]
fn corrupted_and_dropped_bytes_complete_byte_exact() {
    let img = pattern(512 << 10, 9);
    let dir = tempfile::tempdir().expect("tmp");
    let sim = Sim::start_logged(
        dir.path(),
        "sim",
        &img,
        &["--fault", "corrupt@60000,drop@200000"],
    );
    let o = espdump(dir.path(), &sim, &["read", "--json", "out.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.json()["read"]["retries"].as_u64().unwrap_or(0) >= 1,
        "{}",
        o.stdout
    );
    assert_eq!(std::fs::read(dir.path().join("out.bin")).expect("out"), img);
    drop(sim);
}

#[test]
fn reset_mid_read_fails_loudly_and_resume_finishes() {
    let img = pattern(512 << 10, 13);
    let dir = tempfile::tempdir().expect("tmp");
    let sim = Sim::start_logged(dir.path(), "sim", &img, &["--fault", "reset@180"]);
    let o = espdump(dir.path(), &sim, &["read", "out.bin"]);
    assert_eq!(o.code, 4, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("--resume"), "{}", o.stderr);
    assert!(
        o.stderr.contains("reset during the transfer"),
        "{}",
        o.stderr
    );
    assert!(!dir.path().join("out.bin").exists(), "no truncated output");
    assert!(dir.path().join("out.bin.part").exists());
    let o = espdump(dir.path(), &sim, &["read", "--resume", "--json", "out.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let j = o.json();
    assert!(
        j["read"]["sectors_reused"].as_u64().unwrap_or(0) > 0,
        "{}",
        o.stdout
    );
    assert_eq!(j["resumed_from"], "out.bin.part");
    assert_eq!(std::fs::read(dir.path().join("out.bin")).expect("out"), img);
    assert!(!dir.path().join("out.bin.part").exists());
    drop(sim);
}

#[test]
fn stalled_write_block_fails_loudly_or_lands_exact() {
    let img = vec![0xFFu8; 256 << 10];
    let dir = tempfile::tempdir().expect("tmp");
    let data = pattern(256 << 10, 21);
    std::fs::write(dir.path().join("d.bin"), &data).expect("w");
    for n in [40u64, 70] {
        let fault = format!("stall@{n}");
        let sim = Sim::start_logged(dir.path(), "sim", &img, &["--fault", &fault]);
        let o = espdump(dir.path(), &sim, &["write", "d.bin"]);
        let (flash, _) = sim.stop_with_log();
        match o.code {
            0 => assert_eq!(flash, data, "exit 0 must mean byte-exact ({fault})"),
            // A timeout names the command, and the chip's state is the one a SYNC found: the
            // current stub stays (it does not reboot on FLASH_END), so never "ROM loader".
            7 => {
                assert!(o.stderr.contains("no reply to FLASH_"), "{}", o.stderr);
                assert!(
                    o.stderr
                        .contains("still running the flasher stub at 115200 baud"),
                    "{}",
                    o.stderr
                );
                assert!(!o.stderr.contains("ROM loader"), "{}", o.stderr);
            }
            c => panic!("unexpected exit {c} ({fault}): {}", o.stderr),
        }
    }
}

#[test]
fn ports_json_is_one_document() {
    let o = Command::new(BIN)
        .args(["ports", "--json"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v["ports"].is_array());
}

fn mac_arg(m: &[u8; 6]) -> String {
    espdump::formats::sdk::mac_string(m)
}

/// The clone guard on a real 1 MiB dump that stores its station MAC in the SDK parameters.
#[test]
fn clone_guard_refuses_another_units_dump() {
    let Some(mut img) = try_corpus_bytes("dump_esp01_arduino-over-at_1MB.bin") else {
        return;
    };
    // Its boot header says 4MB (flashed with esptool's default); make it agree with the
    // 1 MiB chip so that only the clone guard is under test here.
    assert_eq!(img[3] >> 4, 4);
    img[3] = (img[3] & 0x0F) | 0x20;
    let id = espdump::analysis::unit_identity::dump_identity(&img);
    let own = id.macs.first().expect("the dump stores a MAC").mac;
    let mut other = own;
    other[5] ^= 0x5A;
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("dump.bin"), &img).expect("w");
    let blank = vec![0xFFu8; img.len()];

    // Another unit: refused, nothing written.
    let sim = Sim::start_logged(dir.path(), "sim", &blank, &["--mac", &mac_arg(&other)]);
    let o = espdump(dir.path(), &sim, &["write", "dump.bin"]);
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(
        o.stderr.contains("was read from another unit"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains(&format!("MAC {}", mac_arg(&own))),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("sdk system params copy"), "{}", o.stderr);
    assert!(o.stderr.contains("--clone"), "{}", o.stderr);
    // --clone: an Arduino sketch has no sanitize recipe, so the clone is refused and nothing
    // is written (the sanitized clone of a stock Shelly is tested below).
    let o = espdump(dir.path(), &sim, &["write", "--clone", "dump.bin"]);
    let (flash, _) = sim.stop_with_log();
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(
        o.stderr.contains("no sanitize recipe for arduino firmware"),
        "{}",
        o.stderr
    );
    assert_eq!(flash, blank);

    // --force writes it as is.
    let sim = Sim::start_logged(dir.path(), "sim", &blank, &["--mac", &mac_arg(&other)]);
    let o = espdump(
        dir.path(),
        &sim,
        &["write", "--force", "--json", "dump.bin"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.json()["guard"]["verdict"], "other-unit");
    let (flash, _) = sim.stop_with_log();
    assert_eq!(flash, img);

    // The unit's own backup needs neither flag.
    let sim = Sim::start_logged(dir.path(), "sim", &blank, &["--mac", &mac_arg(&own)]);
    let o = espdump(dir.path(), &sim, &["write", "--json", "dump.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.json()["guard"]["verdict"], "same-unit");
    let (flash, _) = sim.stop_with_log();
    assert_eq!(flash, img);
}

/// `write --clone` writes exactly what `espdump sanitize` makes of another unit's dump.
#[test]
fn clone_writes_the_sanitized_image() {
    let img = espdump::testkit::shelly1_stock_dump();
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("dump.bin"), &img).expect("w");
    let blank = vec![0xFFu8; img.len()];
    let other = [0x5C, 0xCF, 0x7F, 0x11, 0x22, 0x33];
    let sim = Sim::start_logged(dir.path(), "sim", &blank, &["--mac", &mac_arg(&other)]);
    let o = espdump(dir.path(), &sim, &["write", "dump.bin"]);
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(
        o.stderr.contains("the dump names MAC 5c:cf:7f:a1:b2:c3"),
        "{}",
        o.stderr
    );
    let o = espdump(
        dir.path(),
        &sim,
        &["write", "--clone", "--json", "dump.bin"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.json()["cloned"], true);
    let (flash, _) = sim.stop_with_log();
    let (want, report) = espdump::analysis::sanitize::sanitize(
        &img,
        &espdump::analysis::sanitize::Policy::default(),
    )
    .expect("sanitize");
    assert!(report.verification.ok());
    assert!(flash == want, "the flash differs from the sanitized image");
    assert!(espdump::analysis::unit_identity::dump_identity(&flash).is_empty());
}

/// `--clone` writes exactly the sanitized image, which no longer names the other unit.
#[test]
fn clone_writes_the_sanitized_corpus_dump() {
    let Some(img) = try_corpus_bytes("shelly_stock_dimmer2_v1.7_2MB.bin") else {
        return;
    };
    let own = espdump::analysis::unit_identity::dump_identity(&img)
        .macs
        .first()
        .expect("the dump stores a MAC")
        .mac;
    let mut other = own;
    other[4] ^= 0x33;
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("dump.bin"), &img).expect("w");
    let sim = Sim::start_logged(
        dir.path(),
        "sim",
        &vec![0xFF; img.len()],
        &["--mac", &mac_arg(&other)],
    );
    let o = espdump(
        dir.path(),
        &sim,
        &["write", "--clone", "--json", "dump.bin"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let j = o.json();
    assert_eq!(j["cloned"], true);
    assert_eq!(j["write"]["verified"], true);
    let (flash, _) = sim.stop_with_log();
    let sanitized = espdump::analysis::sanitize::sanitize_for_clone(&img).expect("sanitize");
    assert_eq!(flash, sanitized);
    assert_ne!(flash, img);
    assert_ne!(
        espdump::analysis::unit_identity::dump_identity(&flash).matches_mac(other),
        Some(false)
    );
}

/// `simulate --json` announces the pty as one JSON line.
#[test]
fn simulate_json_announces_the_port() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("flash.bin");
    std::fs::write(&f, vec![0xFFu8; 0x10000]).expect("w");
    let (mut child, line) = spawn_simulator(
        None,
        &[
            "--json".as_ref(),
            "--mac".as_ref(),
            "5c:cf:7f:01:02:03".as_ref(),
            "--flash".as_ref(),
            f.as_os_str(),
        ],
    );
    let v: Value = serde_json::from_str(&line).expect("one JSON line");
    let port = v["port"].as_str().expect("port").to_string();
    assert!(port.starts_with("/dev/pts/"), "{port}");
    assert!(Path::new(&port).exists());
    assert_eq!(v["flash_size"], 0x10000);
    assert_eq!(v["mac"], "5c:cf:7f:01:02:03");
    assert!(terminate(&mut child).success());
}
