//! End to end: a serial command that fails with `--json` still prints exactly one JSON
//! document on stdout, `{"error": {"kind", "message", "exit_code"}, "end_state"}`, with the
//! documented exit code, and `end_state` says where the chip really was left (checked by the
//! next command against the simulator).

use crate::common;
use common::sim::{espdump_cmd, noise, text, Sim};
use serde_json::{json, Value};
use std::process::{Output, Stdio};
use std::time::Duration;

fn doc(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

fn without_message(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("message");
    }
    v
}

const NOT_RESET: &str = "not reset: the port has no DTR/RTS reset lines; ";

/// A block that fails to program (the stub reports it with the next command): exit 9, and
/// the JSON names the failure and the stub left running at 115200, which the next command
/// finds and uses.
#[test]
fn failed_write_json_has_error_and_end_state() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let data = noise(256 << 10, 1);
    std::fs::write(d.join("d.bin"), &data).expect("w");
    let sim = Sim::start(d, "spi", &vec![0xFFu8; 512 << 10], &["--fault", "spi@2"]);
    let o = espdump_cmd(
        d,
        &sim,
        &["write", "--json", "--offset", "0x10000", "d.bin"],
    )
    .output()
    .expect("run");
    assert_eq!(o.status.code(), Some(9), "{}", text(&o));
    let v = doc(&o);
    assert_eq!(v["error"]["kind"], "chip-status", "{v}");
    assert_eq!(v["error"]["exit_code"], 9, "{v}");
    let msg = v["error"]["message"].as_str().expect("message");
    assert!(
        msg.contains("FLASH_DEFL_DATA failed: stub error 0xc4"),
        "{msg}"
    );
    assert_eq!(
        without_message(&v["end_state"]),
        json!({ "state": "stub", "baud": 115200 })
    );
    let end = v["end_state"]["message"].as_str().expect("end message");
    assert!(
        end.starts_with(NOT_RESET) && end.contains("still running the flasher stub at 115200"),
        "{end}"
    );
    // The one-line error still goes to stderr.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("espdump: error: "), "{err}");
    // The state reported is the real one: the next run finds the stub and finishes the write.
    let o = espdump_cmd(
        d,
        &sim,
        &["write", "--json", "--offset", "0x10000", "d.bin"],
    )
    .output()
    .expect("rerun");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v = doc(&o);
    assert_eq!(v["stub"], "already running at 115200 baud", "{v}");
    assert_eq!(v["write"]["verified"], true);
    let flash = sim.stop();
    assert_eq!(&flash[0x10000..0x10000 + data.len()], &data[..]);
}

/// Ctrl-C during a read: exit 130, the JSON error says so, names the partial file and where
/// the chip was left.
#[test]
fn interrupted_read_json_has_error_and_end_state() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let img = noise(512 << 10, 5);
    let sim = Sim::start(d, "int", &img, &["--throttle"]);
    let child = espdump_cmd(d, &sim, &["read", "--json", "out.bin"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(2500));
    // SAFETY: signalling the child process this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    let v = doc(&o);
    assert_eq!(v["error"]["kind"], "interrupted", "{v}");
    assert_eq!(v["error"]["exit_code"], 130, "{v}");
    let msg = v["error"]["message"].as_str().expect("message");
    assert!(msg.contains("interrupted by SIGINT"), "{msg}");
    assert_eq!(
        without_message(&v["end_state"]),
        json!({ "state": "stub", "baud": 115200 }),
        "{v}"
    );
    assert!(!d.join("out.bin").exists());
    if d.join("out.bin.part").exists() {
        assert!(
            msg.contains("out.bin.part (run again with --resume)"),
            "{msg}"
        );
    }
    let o = espdump_cmd(d, &sim, &["read", "--resume", "--json", "out.bin"])
        .output()
        .expect("resume");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(std::fs::read(d.join("out.bin")).expect("out"), img);
}

/// Before the port is opened the chip is untouched: `end_state` is null. After the session
/// was set up, even a usage error reports where the chip was left.
#[test]
fn usage_and_port_errors_in_json() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(d.join("d.bin"), [0u8; 16]).expect("w");
    let o = std::process::Command::new(common::sim::BIN)
        .args(["info", "--json", "--port", "/dev/espdump-no-such-port"])
        .env_remove("ESPDUMP_PORT")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    let v = doc(&o);
    assert_eq!(v["error"]["kind"], "port");
    assert_eq!(v["error"]["exit_code"], 8);
    assert_eq!(v["end_state"], Value::Null);
    let sim = Sim::start(d, "u", &vec![0xFFu8; 512 << 10], &["--no-flash-timing"]);
    let o = espdump_cmd(d, &sim, &["write", "--json", "--offset", "0x800", "d.bin"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let v = doc(&o);
    assert_eq!(v["error"]["kind"], "usage");
    assert_eq!(v["end_state"], Value::Null, "{v}");
    let o = espdump_cmd(
        d,
        &sim,
        &["erase", "--json", "--offset", "0x7f000", "--size", "0x2000"],
    )
    .output()
    .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let v = doc(&o);
    assert_eq!(v["error"]["kind"], "usage", "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("is outside the chip's 524288 bytes")));
    assert_eq!(
        without_message(&v["end_state"]),
        json!({ "state": "stub", "baud": 115200 })
    );
}
