//! End to end: `read`, `write`, `erase`, `verify` and `info` with `--json` say where the chip
//! was left (`end_state`), from the same report as the human note on stderr, checked against
//! what the simulator's stub generation really does on a port without reset lines.

use crate::common;
use common::sim::{espdump_cmd, noise, text, Sim};
use serde_json::{json, Value};

fn run(dir: &std::path::Path, sim: &Sim, args: &[&str]) -> (Value, String) {
    let o = espdump_cmd(dir, sim, args).output().expect("espdump");
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    let v: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    (v, String::from_utf8_lossy(&o.stderr).into_owned())
}

fn without_message(v: &Value) -> Value {
    let mut v = v.clone();
    v.as_object_mut().expect("object").remove("message");
    v
}

/// The current stub ignores FLASH_END's reboot: with the default `--after hard-reset` and no
/// reset lines, every command reports the stub still running at 115200.
#[test]
fn json_end_state_current_stub_stays_in_stub() {
    let img = noise(192 << 10, 3);
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(d.join("img.bin"), &img).expect("w");
    let sim = Sim::start(d, "cur", &vec![0xFF; 512 << 10], &["--no-flash-timing"]);
    let stub = json!({ "state": "stub", "baud": 115200 });
    let mut seen = Vec::new();
    for args in [
        &["write", "--json", "img.bin"][..],
        &["verify", "--json", "img.bin"][..],
        &["read", "--json", "--size", "0x30000", "back.bin"][..],
        &["erase", "--json", "--offset", "0x40000", "--size", "0x1000"][..],
    ] {
        let (v, _) = run(d, &sim, args);
        let end = &v["end_state"];
        assert_eq!(without_message(end), stub, "{args:?}: {v}");
        let msg = end["message"].as_str().expect("message");
        assert!(
            msg.starts_with("not reset: the port has no DTR/RTS reset lines; ")
                && msg.contains("still running the flasher stub at 115200 baud"),
            "{msg}"
        );
        seen.push(msg.to_string());
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(std::fs::read(d.join("back.bin")).expect("read"), img);
    // The human run prints the very same message on stderr (and nothing of it on stdout).
    let o = espdump_cmd(d, &sim, &["verify", "img.bin"])
        .output()
        .expect("espdump");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("espdump: {}", seen[0])), "{err}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains(&seen[0]));
    let mut want = img.clone();
    want.resize(512 << 10, 0xFF);
    assert_eq!(sim.stop(), want);
}

/// The legacy stub reboots on FLASH_END(reboot): the ROM loader answers, and that is what
/// the JSON says; `--after no-reset-stub` and `soft-reset` are reported as such.
#[test]
fn json_end_state_legacy_stub_and_after_options() {
    let img = noise(64 << 10, 5);
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(d.join("img.bin"), &img).expect("w");
    let sim = Sim::start(
        d,
        "leg",
        &vec![0xFF; 512 << 10],
        &["--no-flash-timing", "--stub-kind", "legacy"],
    );
    let (v, _) = run(d, &sim, &["write", "--json", "img.bin"]);
    assert_eq!(
        without_message(&v["end_state"]),
        json!({ "state": "rom-loader" })
    );
    assert!(v["end_state"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("in the ROM loader (checked by SYNC)")));
    let (v, _) = run(
        d,
        &sim,
        &["verify", "--json", "--after", "no-reset-stub", "img.bin"],
    );
    assert_eq!(
        v["end_state"],
        json!({ "state": "stub", "baud": 115200, "message":
            "the chip is still running the flasher stub at 115200 baud (checked by SYNC; the next \
             espdump command continues with it); power-cycle it with GPIO0 high to run the firmware" })
    );
    // The stub left running is found and used by the next command, which runs the firmware.
    let (v, _) = run(
        d,
        &sim,
        &[
            "read",
            "--json",
            "--after",
            "soft-reset",
            "--size",
            "0x10000",
            "b.bin",
        ],
    );
    assert_eq!(
        without_message(&v["end_state"]),
        json!({ "state": "user-code" })
    );
    assert_eq!(std::fs::read(d.join("b.bin")).expect("read"), img);
}
