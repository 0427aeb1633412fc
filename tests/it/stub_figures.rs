//! Figures for docs/stub.md (not a pass/fail test; run by hand):
//!   cargo test --release --test it stub_figures -- --ignored --nocapture
//! (`STUB_FIGURES_BUILTIN_ONLY=1`: only the builtin stub's rows)
//! Read of the Shelly 2 MiB corpus dump, the link paced to the baud rate (10 bit times per
//! byte, no adapter latency): espdump with its own stub (host build, and the lx106 build under
//! QEMU), espdump with the simulator's model of esptool's stub, and esptool 5.6 itself
//! against that simulator.

use crate::common::stubrig;
use std::process::{Command, Stdio};
use std::time::Instant;
use stubrig::*;

fn time_builtin(r: &Runner, img: &[u8], baud: u32) -> (f64, u64) {
    let dir = tempfile::tempdir().expect("tmp");
    let chip = Chip::start(r, dir.path(), img, "", true);
    let t0 = Instant::now();
    let o = espdump(&chip, &["read", "--baud", &baud.to_string(), "out.bin"]);
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_same(
        &std::fs::read(dir.path().join("out.bin")).expect("out"),
        img,
        "read",
    );
    (secs, chip.chip_bytes())
}

fn time_sim(img: &[u8], baud: u32, esptool: bool) -> f64 {
    let dir = tempfile::tempdir().expect("tmp");
    let (sim, port) = start_sim(dir.path(), img, &["--throttle"]);
    let b = baud.to_string();
    let t0 = Instant::now();
    let st = if esptool {
        Command::new("esptool")
            .args(["--port", &port, "--chip", "esp8266", "--before", "no-reset"])
            .args([
                "--after",
                "no-reset",
                "-b",
                &b,
                "read-flash",
                "0",
                "0x200000",
                "out.bin",
            ])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .status()
    } else {
        Command::new(BIN)
            .args([
                "read", "--port", &port, "--before", "no-reset", "--baud", &b,
            ])
            .args(["--stub", "stub.json", "out.bin"])
            .current_dir(dir.path())
            .status()
    }
    .expect("client");
    let secs = t0.elapsed().as_secs_f64();
    stop_sim(sim);
    assert!(st.success());
    assert_same(
        &std::fs::read(dir.path().join("out.bin")).expect("out"),
        img,
        "read",
    );
    secs
}

#[test]
#[ignore]
fn shelly_read_figures() {
    let Some(img) = shelly() else { return };
    let nonerased = img
        .chunks(4096)
        .filter(|s| s.iter().any(|&b| b != 0xFF))
        .count();
    println!(
        "Shelly 2 MiB: {nonerased} non-erased sectors of {}",
        img.len() / 4096
    );
    for baud in [115_200u32, 921_600] {
        if let Some(r) = Runner::host() {
            let (s, bytes) = time_builtin(&r, &img, baud);
            println!(
                "{baud}: espdump + builtin stub (host build): {s:.1} s, chip sent {bytes} bytes"
            );
        }
        if let Some(r) = Runner::qemu() {
            let (s, bytes) = time_builtin(&r, &img, baud);
            println!("{baud}: espdump + builtin stub (lx106 under QEMU): {s:.1} s, chip sent {bytes} bytes");
        }
        if std::env::var_os("STUB_FIGURES_BUILTIN_ONLY").is_some() {
            continue;
        }
        let s = time_sim(&img, baud, false);
        println!("{baud}: espdump + esptool-stub model (timed simulator): {s:.1} s");
        let s = time_sim(&img, baud, true);
        println!("{baud}: esptool 5.6 + esptool-stub model (timed simulator): {s:.1} s");
    }
}
