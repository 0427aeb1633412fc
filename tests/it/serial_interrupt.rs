//! Ctrl-C / SIGTERM sent to the real `espdump` binary at several points of a read and a write
//! against the throttled simulator; then `--resume` / a rerun must finish byte-exact. Also a
//! chip still running a stub (at 115200 or at the fast baud) is found and used.

use crate::common;
use common::sim::{espdump_cmd, noise, Sim};
use rustix::process::{kill_process, Pid, Signal};
use std::process::Stdio;
use std::time::Duration;

/// Start `args` against `sim`, send `sig` after `after`, return (exit code, stderr).
fn signal_after(
    dir: &std::path::Path,
    sim: &Sim,
    args: &[&str],
    after: Duration,
    sig: i32,
) -> (i32, String) {
    let child = espdump_cmd(dir, sim, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn espdump");
    std::thread::sleep(after);
    let pid = Pid::from_raw(child.id() as i32).expect("child pid");
    kill_process(pid, Signal::from_named_raw(sig).expect("a named signal")).expect("kill");
    let o = child.wait_with_output().expect("wait");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn run(dir: &std::path::Path, sim: &Sim, args: &[&str]) -> (i32, String) {
    let o = espdump_cmd(dir, sim, args).output().expect("run");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn sigint_during_read_keeps_confirmed_blocks_and_resume_is_exact() {
    let img = noise(512 << 10, 5);
    let points = [1500u64, 3000, 5000];
    std::thread::scope(|sc| {
        for (i, ms) in points.into_iter().enumerate() {
            let img = &img;
            sc.spawn(move || {
                let dir = tempfile::tempdir().expect("tmp");
                let d = dir.path();
                let sim = Sim::start(d, &format!("r{i}"), img, &["--throttle"]);
                let (code, err) = signal_after(
                    d,
                    &sim,
                    &["read", "out.bin"],
                    Duration::from_millis(ms),
                    libc::SIGINT,
                );
                assert_eq!(code, 130, "{ms} ms: {err}");
                assert!(err.contains("interrupted by SIGINT"), "{err}");
                assert!(!d.join("out.bin").exists(), "no output from a broken read");
                // The chip was left where a SYNC found it: in the current stub, at 115200.
                assert!(
                    err.contains("still running the flasher stub at 115200"),
                    "{err}"
                );
                assert!(!err.contains("back in the ROM loader"), "{err}");
                if d.join("out.bin.part").exists() {
                    let part = std::fs::read(d.join("out.bin.part")).expect("part");
                    assert_eq!(part.len(), img.len());
                    // Only confirmed data: each byte is the chip's or the 0xFF fill.
                    assert!(part.iter().zip(img).all(|(a, b)| a == b || *a == 0xFF));
                }
                let (code, err) = run(
                    d,
                    &sim,
                    &["read", "--resume", "--baud", "921600", "out.bin"],
                );
                assert_eq!(code, 0, "{err}");
                assert!(err.contains("still running a flasher stub"), "{err}");
                assert_eq!(std::fs::read(d.join("out.bin")).expect("out"), *img);
                assert!(!d.join("out.bin.part").exists());
            });
        }
    });
}

#[test]
fn signals_during_write_stop_between_blocks_and_rerun_is_exact() {
    let data = noise(384 << 10, 9);
    let old = noise(512 << 10, 10);
    let cases = [(2000u64, libc::SIGINT, 130), (4000, libc::SIGTERM, 143)];
    std::thread::scope(|sc| {
        for (i, (ms, sig, want)) in cases.into_iter().enumerate() {
            let (data, old) = (&data, &old);
            sc.spawn(move || {
                let dir = tempfile::tempdir().expect("tmp");
                let d = dir.path();
                std::fs::write(d.join("d.bin"), data).expect("w");
                let sim = Sim::start(d, &format!("w{i}"), old, &["--throttle"]);
                let (code, err) =
                    signal_after(d, &sim, &["write", "d.bin"], Duration::from_millis(ms), sig);
                assert_eq!(code, want, "{err}");
                assert!(err.contains("0x000000..0x060000 is unverified"), "{err}");
                let (code, err) = run(d, &sim, &["write", "--baud", "921600", "d.bin"]);
                assert_eq!(code, 0, "{err}");
                let flash = sim.stop();
                assert_eq!(&flash[..data.len()], &data[..]);
                assert_eq!(&flash[data.len()..], &old[data.len()..]);
            });
        }
    });
}

#[test]
fn chip_still_in_stub_is_found_at_115200_and_at_the_fast_baud() {
    for at in ["115200", "921600"] {
        let mut img = vec![0xFFu8; 512 << 10];
        img[..64 << 10].copy_from_slice(&noise(64 << 10, 3));
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        let sim = Sim::start(d, "s", &img, &["--stub-running-at", at]);
        let (code, err) = run(d, &sim, &["read", "--baud", "921600", "out.bin"]);
        assert_eq!(code, 0, "{at}: {err}");
        assert!(
            err.contains(&format!(
                "still running a flasher stub (it answered SYNC with value 0 at {at} baud)"
            )),
            "{err}"
        );
        assert_eq!(std::fs::read(d.join("out.bin")).expect("out"), img);
    }
}
