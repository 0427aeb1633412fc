//! Typed errors end to end: each kind of failure has its own documented exit code and a
//! one-line message naming what failed; `--flash-size` rescues an unreadable flash id; the
//! port can come from ESPDUMP_PORT.

use crate::common;
use common::sim::{espdump_cmd, fake_stub, noise, Sim, BIN};
use std::process::Command;

fn code_and_err(o: &std::process::Output) -> (i32, String) {
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn port_that_cannot_be_opened_is_exit_8() {
    let o = Command::new(BIN)
        .args([
            "info",
            "--port",
            "/dev/espdump-no-such-port",
            "--before",
            "no-reset",
        ])
        .output()
        .expect("run");
    let (code, err) = code_and_err(&o);
    assert_eq!(code, 8, "{err}");
    assert!(
        err.starts_with("espdump: error: port: cannot open /dev/espdump-no-such-port"),
        "{err}"
    );
}

#[test]
fn chip_failure_status_is_exit_9_and_timeout_is_exit_7() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(d.join("d.bin"), noise(256 << 10, 1)).expect("w");
    // The second data block fails to program: reported with the next command, not retried.
    let sim = Sim::start(d, "spi", &vec![0xFFu8; 512 << 10], &["--fault", "spi@2"]);
    let (code, err) = code_and_err(
        &espdump_cmd(d, &sim, &["write", "--offset", "0x10000", "d.bin"])
            .output()
            .expect("run"),
    );
    assert_eq!(code, 9, "{err}");
    assert!(
        err.contains("FLASH_DEFL_DATA failed: stub error 0xc4"),
        "{err}"
    );
    drop(sim);
    // Nothing answers at all: a timeout naming SYNC.
    let sim = Sim::start(
        d,
        "mute",
        &vec![0xFFu8; 512 << 10],
        &["--stub-running-at", "57600"],
    );
    let (code, err) = code_and_err(
        &espdump_cmd(d, &sim, &["info", "--connect-attempts", "1"])
            .output()
            .expect("run"),
    );
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("no reply to SYNC"), "{err}");
}

#[test]
fn misaligned_offset_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(d.join("d.bin"), [0u8; 16]).expect("w");
    let sim = Sim::start(d, "a", &vec![0xFFu8; 512 << 10], &[]);
    for args in [
        vec!["write", "--offset", "0x1001", "d.bin"],
        vec!["read", "--offset", "0x800", "o.bin"],
    ] {
        let (code, err) = code_and_err(&espdump_cmd(d, &sim, &args).output().expect("run"));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("not a multiple of 0x1000"), "{err}");
    }
}

#[test]
fn unreadable_flash_id_names_flash_size_which_every_command_accepts() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let mut img = vec![0xFFu8; 512 << 10];
    img[..0x3000].copy_from_slice(&noise(0x3000, 4));
    std::fs::write(d.join("img.bin"), &img).expect("w");
    let sim = Sim::start(d, "id", &img, &["--flash-id", "0xffffff"]);
    for args in [
        vec!["read", "o.bin"],
        vec!["verify", "img.bin"],
        vec!["write", "img.bin"],
        vec!["erase"],
    ] {
        let (code, err) = code_and_err(&espdump_cmd(d, &sim, &args).output().expect("run"));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("the flash id 0xffffff cannot be read") && err.contains("--flash-size"),
            "{err}"
        );
    }
    let o = espdump_cmd(d, &sim, &["read", "--flash-size", "512KB", "o.bin"])
        .output()
        .expect("run");
    let (code, err) = code_and_err(&o);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(d.join("o.bin")).expect("o"), img);
    let o = espdump_cmd(d, &sim, &["verify", "--flash-size", "512KB", "img.bin"])
        .output()
        .expect("run");
    assert_eq!(code_and_err(&o).0, 0, "{}", code_and_err(&o).1);
}

#[test]
fn port_and_baud_from_the_environment() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let img = noise(512 << 10, 8);
    let sim = Sim::start(d, "env", &img, &[]);
    let o = Command::new(BIN)
        .args(["read", "--before", "no-reset", "--stub"])
        .arg(fake_stub(d))
        .arg("o.bin")
        .env("ESPDUMP_PORT", &sim.port)
        .env("ESPDUMP_BAUD", "460800")
        .env_remove("ESPDUMP_STUB")
        .current_dir(d)
        .output()
        .expect("run");
    let (code, err) = code_and_err(&o);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(d.join("o.bin")).expect("o"), img);
}

#[test]
fn without_esptool_the_builtin_stub_is_uploaded_and_used() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let img = vec![0xFFu8; 512 << 10];
    let data = noise(0x2000, 12);
    std::fs::write(d.join("app.bin"), &data).expect("w");
    let sim = Sim::start(d, "rom", &img, &[]);
    // No python3 on PATH: no installed esptool; espdump's own stub is the last resort. (The
    // simulator does not run uploaded code: after MEM_END it answers as its model of a stub.)
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .args(["--port", &sim.port, "--before", "no-reset"])
            .env("PATH", "")
            .env_remove("ESPDUMP_STUB")
            .current_dir(d)
            .output()
            .expect("run")
    };
    let o = run(&["write", "--json", "--offset", "0x10000", "app.bin"]);
    let (code, err) = code_and_err(&o);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(j["stub"], "builtin", "{j}");
    assert_eq!(j["write"]["verified"], true, "{j}");
    let o = run(&["read", "--offset", "0x10000", "--size", "0x2000", "o.bin"]);
    let (code, err) = code_and_err(&o);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(d.join("o.bin")).expect("o"), data);
    let flash = sim.stop();
    assert_eq!(&flash[0x10000..0x12000], &data[..]);
}
