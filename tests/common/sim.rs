//! `espdump simulate` as a child process on a pty, and the real `espdump` / `esptool` run
//! against it (for the end-to-end serial tests).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_espdump");

/// A running simulator.
pub struct Sim {
    child: Child,
    /// The pty path.
    pub port: String,
    save: PathBuf,
}

impl Sim {
    /// Start a simulator holding `flash`, with extra `simulate` flags; files go in `dir`
    /// under `tag`.
    pub fn start(dir: &Path, tag: &str, flash: &[u8], extra: &[&str]) -> Sim {
        let f = dir.join(format!("{tag}-in.bin"));
        std::fs::write(&f, flash).expect("write flash");
        let save = dir.join(format!("{tag}-out.bin"));
        let mut child = Command::new(BIN)
            .args(["simulate", "--flash"])
            .arg(&f)
            .arg("--save")
            .arg(&save)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn simulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("pty path");
        Sim {
            child,
            port: line.trim().to_string(),
            save,
        }
    }

    /// Stop the simulator and return the final flash.
    pub fn stop(mut self) -> Vec<u8> {
        // SAFETY: signalling the child process this test started.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let st = self.child.wait().expect("wait");
        assert!(st.success(), "simulator exit: {st:?}");
        std::fs::read(&self.save).expect("saved flash")
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A stand-in stub JSON (the simulator runs no Xtensa code: a MEM_END into uploaded code
/// starts its stub personality).
pub fn fake_stub(dir: &Path) -> PathBuf {
    let p = dir.join("stub.json");
    std::fs::write(
        &p,
        r#"{"entry": 1074840836, "text": "AAAAAAAAAAA=", "text_start": 1074840832, "data": "AAAA", "data_start": 1073720940}"#,
    )
    .expect("stub");
    p
}

/// The `espdump` command for `sim` (no reset lines on a pty: `--before no-reset`).
pub fn espdump_cmd(dir: &Path, sim: &Sim, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .args(["--port", &sim.port, "--before", "no-reset"])
        .arg("--stub")
        .arg(fake_stub(dir))
        .env_remove("ESPDUMP_STUB")
        .env_remove("ESPDUMP_PORT")
        .env_remove("ESPDUMP_BAUD")
        .current_dir(dir);
    c
}

/// Whether `python3 -m esptool` works (CI installs it); prints why a test is skipped.
pub fn esptool_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import esptool"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SKIPPED: esptool cannot be imported (pip install esptool==5.6.0)");
    }
    ok
}

/// Run esptool against `sim`.
pub fn esptool(dir: &Path, sim: &Sim, args: &[&str]) -> Output {
    Command::new("python3")
        .args(["-m", "esptool", "--port", &sim.port])
        .args(["--before", "no-reset", "--after", "no-reset"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("esptool")
}

/// stdout and stderr of a finished process, for messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Pseudo-random bytes.
pub fn noise(size: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// A stand-in stub for the in-memory simulator (it only checks that the entry point lies in
/// uploaded code); the sizes are those of esp-flasher-stub's ESP8266 build.
pub fn test_stub() -> espdump::serial::stub::Stub {
    espdump::serial::stub::Stub {
        entry: 0x4010_C504,
        text: vec![0x11; 0x2CC0],
        text_start: 0x4010_C500,
        data: vec![0x22; 0x398],
        data_start: 0x3FFF_AE6C,
        source: "test".into(),
    }
}
