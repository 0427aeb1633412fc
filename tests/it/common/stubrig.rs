//! A rig for end-to-end tests of espdump's own stub: the stub runs as a process (built for
//! this PC, or for the lx106 and run under QEMU), bridged to a pty; the real `espdump`
//! binary talks to it; the flash file is compared byte for byte afterwards.

use espdump::serial::bridge::{Bridge, BridgeOptions};
use espdump::serial::sim::faults::Faults;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::sim::fake_stub;
use super::sim_process::{spawn_simulator, terminate};
use super::{have_program, say_once, try_corpus_bytes, Out, SHELLY_SW1};

pub const BIN: &str = env!("CARGO_BIN_EXE_espdump");

/// Build a target of `src/stub/Makefile` into the test's scratch directory; `None` (after one
/// clear line on stderr) when the tools are missing.
pub fn build(target: &str, file: &str, tools: &[&str]) -> Option<PathBuf> {
    if let Some(t) = tools.iter().find(|t| !have_program(t)) {
        say_once(&format!(
            "SKIPPED: tests that need `{t}` (not installed; CI installs it through .ci/run)"
        ));
        return None;
    }
    // Tests of one binary run in parallel: one make at a time.
    static MAKE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = MAKE.lock().unwrap_or_else(|e| e.into_inner());
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("espdump-stub");
    let st = Command::new("make")
        .args(["-s", "-C"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/stub"))
        .arg(format!("OUT={}", out.display()))
        .arg(target)
        .status()
        .expect("run make");
    assert!(st.success(), "make {target} failed");
    Some(out.join(file))
}

/// How the stub runs.
#[derive(Clone)]
pub enum Runner {
    /// The host build: `espdump-stub-host flash.bin`.
    Host(PathBuf),
    /// QEMU's lx106 core with the semihosting build (flash is `./flash.bin`).
    Qemu(PathBuf),
}

impl Runner {
    pub fn host() -> Option<Runner> {
        build("host", "espdump-stub-host", &["make", "cc"]).map(Runner::Host)
    }

    pub fn qemu() -> Option<Runner> {
        build(
            "qemu",
            "espdump-stub-qemu.elf",
            &["make", "xtensa-lx106-elf-gcc", "qemu-system-xtensa"],
        )
        .map(Runner::Qemu)
    }

    fn argv(&self) -> Vec<String> {
        match self {
            Runner::Host(p) => vec![p.display().to_string(), "flash.bin".into()],
            Runner::Qemu(elf) => [
                "qemu-system-xtensa",
                "-M",
                "sim",
                "-cpu",
                "lx106",
                "-semihosting",
                "-display",
                "none",
                "-serial",
                "none",
                "-monitor",
                "none",
                "-device",
                &format!("loader,file={},cpu-num=0", elf.display()),
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }
}

/// A chip: the stub process with its flash file in a temporary directory.
pub struct Chip {
    pub bridge: Option<Bridge>,
    pub dir: PathBuf,
}

impl Chip {
    pub fn start(runner: &Runner, dir: &Path, flash: &[u8], faults: &str, throttle: bool) -> Chip {
        std::fs::write(dir.join("flash.bin"), flash).expect("flash file");
        let bridge = Bridge::start(BridgeOptions {
            argv: runner.argv(),
            dir: dir.to_path_buf(),
            throttle,
            faults: Faults::parse(faults).expect("faults"),
        })
        .expect("bridge");
        Chip {
            bridge: Some(bridge),
            dir: dir.to_path_buf(),
        }
    }

    pub fn port(&self) -> String {
        self.bridge.as_ref().expect("running").path.clone()
    }

    pub fn chip_bytes(&self) -> u64 {
        self.bridge.as_ref().map(|b| b.chip_bytes()).unwrap_or(0)
    }

    /// Stop the stub (it saves its flash) and return the flash.
    pub fn stop(mut self) -> Vec<u8> {
        if let Some(b) = self.bridge.take() {
            b.stop().expect("stub exits cleanly");
        }
        std::fs::read(self.dir.join("flash.bin")).expect("flash")
    }
}

/// Run espdump against the chip with `--stub builtin` (unless `args` choose a stub).
pub fn espdump(chip: &Chip, args: &[&str]) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args).args([
        "--port",
        &chip.port(),
        "--before",
        "no-reset",
        "--connect-attempts",
        "2",
    ]);
    if !args.contains(&"--stub") && !args.contains(&"--no-stub") && args[0] != "info" {
        cmd.args(["--stub", "builtin"]);
    }
    let o = cmd
        .env_remove("ESPDUMP_STUB")
        .current_dir(&chip.dir)
        .output()
        .expect("run espdump");
    Out::from(o)
}

/// Sectors of random bytes, text-like bytes and erased sectors, in a fixed pattern.
pub fn pattern(size: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = vec![0xFFu8; size];
    for (i, s) in v.chunks_mut(4096).enumerate() {
        match i % 4 {
            0 => s.iter_mut().for_each(|b| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = x as u8;
            }),
            1 => s
                .iter_mut()
                .enumerate()
                .for_each(|(k, b)| *b = b"espdump stub "[(k + i) % 13]),
            _ => {}
        }
    }
    v
}

/// The Shelly 1 corpus dump, or `None` without a corpus.
pub fn shelly() -> Option<Vec<u8>> {
    try_corpus_bytes(SHELLY_SW1)
}

/// Compare two images; on a difference, say where (never print megabytes).
pub fn assert_same(got: &[u8], want: &[u8], what: &str) {
    if got == want {
        return;
    }
    let first = got.iter().zip(want).position(|(a, b)| a != b);
    panic!(
        "{what}: {} bytes vs {} expected, first difference at {:?}",
        got.len(),
        want.len(),
        first.map(|p| format!("0x{p:x}"))
    );
}

/// `espdump simulate` (its model of esptool's stub) on `img`, in `dir`: the process and its
/// pty; `stub.json` in `dir` is a stand-in stub for it. `extra` adds options (`--throttle`,
/// `--log F`).
pub fn start_sim(dir: &Path, img: &[u8], extra: &[&str]) -> (std::process::Child, String) {
    std::fs::write(dir.join("in.bin"), img).expect("flash");
    fake_stub(dir);
    let mut args = vec!["--flash", "in.bin"];
    args.extend_from_slice(extra);
    spawn_simulator(Some(dir), &args)
}

/// Stop a simulator started by [`start_sim`].
pub fn stop_sim(mut sim: std::process::Child) {
    let _ = terminate(&mut sim);
}
