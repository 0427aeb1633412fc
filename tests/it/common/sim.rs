//! `espdump simulate` as a child process on a pty, and the real `espdump` / `esptool` run
//! against it (for the end-to-end serial tests).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

pub use super::sim_process::{spawn_simulator, terminate};
pub use super::tools::esptool_available;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_espdump");

/// A running simulator.
pub struct Sim {
    child: Child,
    /// The pty path.
    pub port: String,
    save: PathBuf,
    log: Option<PathBuf>,
}

impl Sim {
    /// Start a simulator holding `flash`, with extra `simulate` flags; files go in `dir`
    /// under `tag`.
    pub fn start(dir: &Path, tag: &str, flash: &[u8], extra: &[&str]) -> Sim {
        Sim::spawn(dir, tag, flash, extra, false)
    }

    /// As [`Sim::start`], with the simulator's JSON-lines log of every command (`--log`).
    pub fn start_logged(dir: &Path, tag: &str, flash: &[u8], extra: &[&str]) -> Sim {
        Sim::spawn(dir, tag, flash, extra, true)
    }

    fn spawn(dir: &Path, tag: &str, flash: &[u8], extra: &[&str], log: bool) -> Sim {
        let f = dir.join(format!("{tag}-in.bin"));
        std::fs::write(&f, flash).expect("write flash");
        let save = dir.join(format!("{tag}-out.bin"));
        let log = log.then(|| dir.join(format!("{tag}-log.jsonl")));
        let mut args: Vec<OsString> = vec!["--flash".into(), f.into(), "--save".into()];
        args.push(save.clone().into());
        if let Some(l) = &log {
            args.push("--log".into());
            args.push(l.clone().into());
        }
        args.extend(extra.iter().map(OsString::from));
        let (child, port) = spawn_simulator(None, &args);
        Sim {
            child,
            port,
            save,
            log,
        }
    }

    /// Stop the simulator and return the final flash.
    pub fn stop(self) -> Vec<u8> {
        self.stop_with_log().0
    }

    /// Stop the simulator; the final flash and the log (empty unless [`Sim::start_logged`]).
    pub fn stop_with_log(mut self) -> (Vec<u8>, String) {
        let st = terminate(&mut self.child);
        assert!(st.success(), "simulator exit: {st:?}");
        let flash = std::fs::read(&self.save).expect("saved flash");
        let log = self
            .log
            .as_ref()
            .map(|l| std::fs::read_to_string(l).expect("simulator log"))
            .unwrap_or_default();
        (flash, log)
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
