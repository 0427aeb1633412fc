//! Conformance: the real esptool (PyPI 5.6) against `espdump simulate`, so the simulator speaks
//! exactly what esptool speaks; and espdump finding and using esptool's own ESP8266 stub.
//! Skipped (with a message) only when `python3 -c "import esptool"` fails; CI installs it.

use crate::common::sim::{esptool, esptool_available, text, Sim, BIN};
use std::process::Command;

/// Stop the simulator: the final flash and its log, one JSON value per command.
fn stop(sim: Sim) -> (Vec<u8>, Vec<serde_json::Value>) {
    let (flash, log) = sim.stop_with_log();
    let log = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    (flash, log)
}

fn ops(log: &[serde_json::Value]) -> Vec<String> {
    log.iter()
        .map(|e| e["op"].as_str().unwrap_or("").to_string())
        .collect()
}

fn image(size: usize) -> Vec<u8> {
    let mut x = 0x1234_5679u32;
    let mut v = vec![0xFFu8; size];
    for (i, s) in v.chunks_mut(4096).enumerate() {
        if i % 4 != 1 {
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
fn esptool_reads_writes_and_erases_the_simulator() {
    if !esptool_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let img = image(256 << 10);
    let sim = Sim::start_logged(dir.path(), "sim", &img, &[]);

    // Chip auto-detection (GET_SECURITY_INFO refused by the ROM, then the magic register).
    let o = esptool(dir.path(), &sim, &["chip-id"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("ESP8266"), "{}", text(&o));
    assert!(text(&o).contains("5c:cf:7f:12:34:56"), "{}", text(&o));

    let o = esptool(
        dir.path(),
        &sim,
        &["--chip", "esp8266", "read-flash", "0", "0x40000", "r.bin"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(dir.path().join("r.bin")).expect("r"), img);

    let data: Vec<u8> = (0..70_000u32)
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect();
    std::fs::write(dir.path().join("w.bin"), &data).expect("w");
    let o = esptool(
        dir.path(),
        &sim,
        &["--chip", "esp8266", "write-flash", "0x10000", "w.bin"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Hash of data verified"), "{}", text(&o));

    let o = esptool(
        dir.path(),
        &sim,
        &["--chip", "esp8266", "erase-region", "0x30000", "0x2000"],
    );
    assert!(o.status.success(), "{}", text(&o));

    let o = esptool(
        dir.path(),
        &sim,
        &[
            "--chip",
            "esp8266",
            "--no-stub",
            "read-flash",
            "0",
            "0x1000",
            "n.bin",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("does not support"), "{}", text(&o));

    let (flash, log) = stop(sim);
    let mut want = img.clone();
    want[0x10000..0x10000 + data.len()].copy_from_slice(&data);
    // The stub erased the tail of the last sector it wrote (70000 bytes end inside a sector).
    let end = 0x10000 + data.len();
    want[end..end.div_ceil(4096) * 4096].fill(0xFF);
    want[0x30000..0x32000].fill(0xFF);
    assert_eq!(flash, want);

    let ops = ops(&log);
    let s = ops.join(",");
    assert!(s.starts_with("SYNC,GET_SECURITY_INFO"), "{s}");
    assert!(
        s.contains("MEM_BEGIN,MEM_DATA,MEM_DATA,MEM_BEGIN,MEM_DATA,MEM_END"),
        "{s}"
    );
    assert!(s.contains("SPI_SET_PARAMS,READ_FLASH"), "{s}");
    assert!(s.contains("FLASH_DEFL_BEGIN,FLASH_DEFL_DATA"), "{s}");
    assert!(s.contains("FLASH_DEFL_END,SPI_FLASH_MD5"), "{s}");
    assert!(s.contains("ERASE_REGION"), "{s}");
    // Every GET_SECURITY_INFO got the ROM's "unsupported" answer, nothing else failed.
    for e in &log {
        let st = e["status"]
            .as_array()
            .map(|a| (a[0].as_u64(), a[1].as_u64()));
        if e["op"] == "GET_SECURITY_INFO" {
            // The ROM's "unsupported", or the current stub's "not implemented" when a later
            // esptool run finds the stub still running (it does not reboot on FLASH_END).
            let want = if e["mode"] == "stub" {
                (0xFF, 0)
            } else {
                (1, 5)
            };
            assert_eq!(st, Some((Some(want.0), Some(want.1))), "{e}");
        } else if let Some(st) = st {
            assert_eq!(st, (Some(0), Some(0)), "{e}");
        }
    }
}

#[test]
fn esptool_rom_write_and_erase_flash() {
    if !esptool_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let img = vec![0u8; 256 << 10];
    let sim = Sim::start_logged(dir.path(), "sim", &img, &[]);
    let data: Vec<u8> = (0..9000u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(dir.path().join("w.bin"), &data).expect("w");
    let o = esptool(
        dir.path(),
        &sim,
        &[
            "--chip",
            "esp8266",
            "--no-stub",
            "write-flash",
            "0x11000",
            "w.bin",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let (flash, log) = stop(sim);
    let mut want = img.clone();
    want[0x11000..0x11000 + 9000].copy_from_slice(&data);
    want[0x11000 + 9000..0x14000].fill(0xFF); // padding of the last 0x400 block and sector
    want[0x14000..0x15000].fill(0xFF); // the ROM erase bug: one sector more
    assert_eq!(flash, want);
    let begins: Vec<_> = log
        .iter()
        .filter(|e| e["op"] == "FLASH_BEGIN")
        .map(|e| e["args"].clone())
        .collect();
    assert_eq!(
        begins.last().cloned(),
        Some(serde_json::json!([0x2000, 9, 0x400, 0x11000]))
    );
    // espdump computes the same erase size for the same write...
    assert_eq!(
        espdump::serial::command::rom_erase_size(0x11000, 9000),
        0x2000
    );
    // ...and, driven through the ROM, sends exactly esptool's write commands and leaves the
    // same flash behind.
    let sim = Sim::start_logged(dir.path(), "sim", &img, &[]);
    let o = Command::new(BIN)
        .args([
            "write",
            "--no-stub",
            "--offset",
            "0x11000",
            "w.bin",
            "--port",
            &sim.port,
        ])
        .args(["--before", "no-reset", "--after", "no-reset"])
        .current_dir(dir.path())
        .output()
        .expect("espdump");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let (flash2, log2) = stop(sim);
    assert_eq!(flash2, flash);
    let writes = |log: &[serde_json::Value]| -> Vec<serde_json::Value> {
        let start = log
            .iter()
            .rposition(|e| e["op"] == "FLASH_BEGIN" && e["args"][1] != 0)
            .unwrap_or(log.len());
        log[start..]
            .iter()
            .map(|e| serde_json::json!([e["op"], e["args"]]))
            .collect()
    };
    assert_eq!(writes(&log2), writes(&log));
    assert_eq!(writes(&log).len(), 10);

    let sim = Sim::start_logged(dir.path(), "sim", &img, &[]);
    let o = esptool(dir.path(), &sim, &["--chip", "esp8266", "erase-flash"]);
    assert!(o.status.success(), "{}", text(&o));
    let (flash, _) = stop(sim);
    assert_eq!(flash, vec![0xFF; 256 << 10]);
}

/// espdump finds esptool's Apache/MIT `esp8266.json`, names it, and reads byte-exact; its
/// command sequence for a read matches esptool's shape (stub upload, SPI_SET_PARAMS, reads).
#[test]
fn espdump_uses_esptools_stub() {
    if !esptool_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let img = image(256 << 10);
    let sim = Sim::start_logged(dir.path(), "sim", &img, &[]);
    let o = Command::new(BIN)
        .args([
            "read", "--port", &sim.port, "--before", "no-reset", "out.bin",
        ])
        .env_remove("ESPDUMP_STUB")
        .current_dir(dir.path())
        .output()
        .expect("espdump");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("stub_flasher/2/esp8266.json"), "{out}");
    assert_eq!(std::fs::read(dir.path().join("out.bin")).expect("out"), img);
    let (_, log) = stop(sim);
    let s = ops(&log).join(",");
    // The real stub is 0x2CC0 + 0x398 bytes (esp-flasher-stub v1.4.1): two text blocks.
    assert!(
        s.starts_with(
            "SYNC,READ_REG,MEM_BEGIN,MEM_DATA,MEM_DATA,MEM_BEGIN,MEM_DATA,MEM_END,READ_REG"
        ),
        "{s}"
    );
    // UNKNOWN: espdump's STUB_INFO probe for its own stub's extensions; esptool's stub answers
    // it as an invalid command and gets the standard protocol.
    assert!(s.contains("SPI_SET_PARAMS,UNKNOWN,SPI_FLASH_MD5"), "{s}");
    assert!(s.contains("READ_FLASH"), "{s}");
    // Leaving: esptool's FLASH_BEGIN + FLASH_END, then a SYNC to learn where the chip is.
    assert!(s.ends_with("FLASH_BEGIN,FLASH_END,SYNC"), "{s}");
    let mem_begin = log
        .iter()
        .find(|e| e["op"] == "MEM_BEGIN")
        .expect("mem begin");
    assert_eq!(mem_begin["args"][3], 0x4010_C500u32);
}
