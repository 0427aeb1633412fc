//! Serial throughput: espdump and esptool against `espdump simulate --throttle` (the simulated
//! UART runs at the line rate: 10 bit times per byte at the chip's current baud).
//!
//! The simulator spends datasheet flash time (45 ms per sector erase, 0.7 ms per page program,
//! MD5 at 2 MB/s) and answers like the current esp-flasher-stub (reply first, work after).
//!
//! `cargo bench --bench serial` reads and writes a 2 MiB Shelly dump (~58 % erased sectors)
//! at 115200 and 921600 baud with both tools (writes onto blank flash and onto flash holding
//! other data) and prints a table. Environment:
//! `ESPDUMP_BENCH_IMAGE` (another dump), `ESPDUMP_BENCH_BAUDS` (e.g. `921600`),
//! `ESPDUMP_BENCH_LATENCY_MS` (per-reply adapter latency, default 0), `ESPDUMP_BENCH_ESPTOOL=0`
//! to skip esptool.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_espdump");

#[allow(dead_code)]
#[path = "../tests/it/common/corpus.rs"]
mod corpus;
#[path = "../tests/it/common/sim_process.rs"]
mod sim_process;

/// `espdump simulate --throttle` on `flash`; stopped (SIGTERM) when dropped.
struct Sim {
    child: Child,
    port: String,
}

impl Sim {
    fn start(flash: &Path, latency: u64) -> Sim {
        let latency = latency.to_string();
        let args: [&OsStr; 5] = [
            "--throttle".as_ref(),
            "--latency-ms".as_ref(),
            latency.as_ref(),
            "--flash".as_ref(),
            flash.as_os_str(),
        ];
        let (child, port) = sim_process::spawn_simulator(None, &args);
        Sim { child, port }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = sim_process::terminate(&mut self.child);
    }
}

fn timed(mut c: Command) -> Option<f64> {
    let t = Instant::now();
    let o = c.output().expect("run");
    if !o.status.success() {
        eprintln!(
            "command failed: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        return None;
    }
    Some(t.elapsed().as_secs_f64())
}

fn espdump(port: &str, baud: u32, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).args(["--port", port, "--before", "no-reset"]);
    if baud != 115_200 {
        c.args(["--baud", &baud.to_string()]);
    }
    c
}

fn esptool(port: &str, baud: u32, args: &[&str]) -> Command {
    let mut c = Command::new("python3");
    c.args([
        "-m", "esptool", "--chip", "esp8266", "--port", port, "--baud",
    ])
    .arg(baud.to_string())
    .args(["--before", "no-reset", "--after", "no-reset"])
    .args(args);
    c
}

fn main() {
    let image: PathBuf = std::env::var_os("ESPDUMP_BENCH_IMAGE")
        .map(PathBuf::from)
        .unwrap_or_else(|| corpus::corpus_dir().join(corpus::SHELLY_SW1));
    let Ok(img) = std::fs::read(&image) else {
        eprintln!("bench image {} not found; skipping", image.display());
        return;
    };
    let bauds: Vec<u32> = std::env::var("ESPDUMP_BENCH_BAUDS")
        .unwrap_or_else(|_| "115200,921600".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let latency: u64 = std::env::var("ESPDUMP_BENCH_LATENCY_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let with_esptool = std::env::var("ESPDUMP_BENCH_ESPTOOL")
        .map(|v| v != "0")
        .unwrap_or(true)
        && Command::new("python3")
            .args(["-c", "import esptool"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    let erased = img
        .chunks(4096)
        .filter(|s| s.iter().all(|&b| b == 0xFF))
        .count();
    let total = img.len().div_ceil(4096);
    let dir = tempfile::tempdir().expect("tmp");
    let blank = dir.path().join("blank.bin");
    std::fs::write(&blank, vec![0xFFu8; img.len()]).expect("blank");
    let used = dir.path().join("used.bin");
    let mut x = 0x9E37_79B9u32;
    let other: Vec<u8> = (0..img.len())
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    std::fs::write(&used, other).expect("used");
    let size = format!("0x{:x}", img.len());
    println!(
        "image {} ({} bytes, {erased}/{total} sectors erased = {:.0} %), latency {latency} ms",
        image.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
        img.len(),
        100.0 * erased as f64 / total as f64
    );
    println!("| baud | line rate kB/s | tool | op | seconds | effective kB/s | x line rate |");
    println!("|---|---|---|---|---|---|---|");
    for &baud in &bauds {
        let line = f64::from(baud) / 10.0 / 1000.0;
        let row = |tool: &str, op: &str, t: Option<f64>| match t {
            Some(t) => {
                let eff = img.len() as f64 / t / 1000.0;
                println!(
                    "| {baud} | {line:.1} | {tool} | {op} | {t:.1} | {eff:.1} | {:.2} |",
                    eff / line
                );
            }
            None => println!("| {baud} | {line:.1} | {tool} | {op} | failed | | |"),
        };
        let out = dir.path().join("out.bin");
        {
            let sim = Sim::start(&image, latency);
            let t = timed(espdump(
                &sim.port,
                baud,
                &["read", out.to_str().unwrap_or("out.bin")],
            ));
            assert_eq!(
                std::fs::read(&out).ok().as_deref(),
                Some(&img[..]),
                "espdump read not exact"
            );
            row("espdump", "read", t);
        }
        if with_esptool {
            let sim = Sim::start(&image, latency);
            let t = timed(esptool(
                &sim.port,
                baud,
                &["read-flash", "0", &size, out.to_str().unwrap_or("out.bin")],
            ));
            assert_eq!(
                std::fs::read(&out).ok().as_deref(),
                Some(&img[..]),
                "esptool read not exact"
            );
            row("esptool 5.6", "read", t);
        }
        // Restores: onto blank flash, and onto a chip whose flash holds other data (the
        // reported failure), with the simulator's datasheet flash time.
        for (what, start) in [("write (blank)", &blank), ("write (used)", &used)] {
            {
                let sim = Sim::start(start, latency);
                let t = timed(espdump(
                    &sim.port,
                    baud,
                    &["write", "--force", image.to_str().unwrap_or("")],
                ));
                row("espdump", what, t);
            }
            if with_esptool {
                let sim = Sim::start(start, latency);
                let t = timed(esptool(
                    &sim.port,
                    baud,
                    &["write-flash", "0", image.to_str().unwrap_or("")],
                ));
                row("esptool 5.6", what, t);
            }
        }
    }
}
