//! `espdump simulate --flash FILE`: serve a simulated ESP8266 on a pty and print its path.
//! esptool and espdump open the path like a real port (use `--before no-reset`). On SIGINT /
//! SIGTERM the final flash is saved (`--save`) and the command log written (`--log`).

use super::exit::{CliError, CliResult, Exit};
use super::io::{read_input, write_atomic};
use crate::serial::sim::serve::{serve, ServeOptions};
use crate::serial::sim::{Device, DeviceConfig, Faults, Mode, StubKind};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Arguments of `simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Initial flash contents (its size is the chip's flash size).
    #[arg(long)]
    pub flash: PathBuf,
    /// Station MAC burnt into the simulated OTP.
    #[arg(long, default_value = "5c:cf:7f:12:34:56", value_parser = parse_mac)]
    pub mac: [u8; 6],
    /// Throttle to the line rate (10 bit times per byte at the chip's baud).
    #[arg(long)]
    pub throttle: bool,
    /// Answer instantly instead of spending datasheet flash time (45 ms per 4 KiB sector
    /// erase, 0.7 ms per 256-byte page program, MD5 at 2 MB/s) before replies.
    #[arg(long)]
    pub no_flash_timing: bool,
    /// Which flasher stub the chip runs after an upload: `current` (esp-flasher-stub, esptool
    /// 5.x: FLASH_END never reboots, errors come with the next command) or `legacy`.
    #[arg(long, value_enum, default_value_t = StubKind::Current)]
    pub stub_kind: StubKind,
    /// JEDEC flash id the SPI engine reports (hex, e.g. 0x1640ef; 0xffffff plays a flash that
    /// does not answer). Default: a Winbond id matching the flash size.
    #[arg(long, value_parser = parse_hex_id)]
    pub flash_id: Option<u32>,
    /// Start with a flasher stub already running at this baud (as left by an earlier session).
    #[arg(long, value_name = "BAUD")]
    pub stub_running_at: Option<u32>,
    /// Extra latency before each reply, in ms (a USB adapter's turnaround; with --throttle).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Faults to inject once each: drop@N, corrupt@N (Nth byte sent), stall@N, reset@N (Nth
    /// frame received), comma separated.
    #[arg(long, default_value = "")]
    pub fault: String,
    /// Write the final flash here on exit.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Write the command log (JSON lines) here on exit.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Also create a symlink to the pty at this path.
    #[arg(long)]
    pub link: Option<PathBuf>,
    /// Print the pty as one JSON line (`{"port": "/dev/pts/N", "flash_size": N, "mac": "..."}`).
    #[arg(long)]
    pub json: bool,
}

/// Parse a 24-bit hex id (`0x1640ef` or `1640ef`).
pub fn parse_hex_id(s: &str) -> Result<u32, String> {
    let t = s.trim_start_matches("0x").trim_start_matches("0X");
    u32::from_str_radix(t, 16)
        .ok()
        .filter(|v| *v <= 0xFF_FFFF)
        .ok_or_else(|| format!("'{s}' is not a 24-bit hex flash id"))
}

/// Parse `aa:bb:cc:dd:ee:ff`.
pub fn parse_mac(s: &str) -> Result<[u8; 6], String> {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    if parts.len() != 6 {
        return Err(format!("'{s}' is not a MAC (aa:bb:cc:dd:ee:ff)"));
    }
    let mut m = [0u8; 6];
    for (slot, p) in m.iter_mut().zip(parts) {
        *slot = u8::from_str_radix(p, 16).map_err(|_| format!("'{s}' is not a MAC"))?;
    }
    Ok(m)
}

static STOP: AtomicBool = AtomicBool::new(false);

/// Run `simulate`.
pub fn run(a: SimulateArgs, w: &mut dyn Write) -> CliResult {
    let flash = read_input(&a.flash)?;
    if flash.len() % crate::formats::flash::SECTOR_SIZE != 0 {
        return Err(CliError::input(format!(
            "{}: {} bytes is not a whole number of 4 KiB sectors",
            a.flash.display(),
            flash.len()
        )));
    }
    let faults = Faults::parse(&a.fault).map_err(|e| CliError::new(Exit::Usage, e))?;
    let (flash_len, mac_for_json) = (flash.len(), a.mac);
    let mut dev = Device::new(
        flash,
        DeviceConfig {
            mac: a.mac,
            jedec: a.flash_id,
        },
    );
    dev.faults = faults;
    dev.timing = !a.no_flash_timing;
    dev.stub_kind = a.stub_kind;
    if let Some(b) = a.stub_running_at {
        dev.mode = Mode::Stub;
        dev.baud = b;
    }
    let pty = crate::serial::pty::open()?;
    if let Some(link) = &a.link {
        let _ = std::fs::remove_file(link);
        std::os::unix::fs::symlink(&pty.path, link)
            .map_err(|e| CliError::output(format!("{}: {e}", link.display())))?;
    }
    // Handlers first: whoever reads the announced path may stop us at once, and must still get
    // a clean exit (and the --save file).
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, &STOP)
            .map_err(|e| CliError::new(Exit::Device, format!("signal handler: {e}")))?;
    }
    if a.json {
        let doc = serde_json::json!({
            "port": pty.path.to_string(),
            "flash_size": flash_len,
            "mac": crate::formats::sdk::mac_string(&mac_for_json),
        });
        writeln!(w, "{doc}").map_err(|e| CliError::output(e.to_string()))?;
    } else {
        writeln!(w, "{}", pty.path).map_err(|e| CliError::output(e.to_string()))?;
    }
    w.flush().map_err(|e| CliError::output(e.to_string()))?;
    let opts = ServeOptions {
        throttle: a.throttle,
        latency: Duration::from_millis(a.latency_ms),
    };
    let served = serve(&pty, &mut dev, &opts, &STOP);
    if let Some(link) = &a.link {
        let _ = std::fs::remove_file(link);
    }
    if let Some(p) = &a.save {
        write_atomic(p, dev.flash.contents())?;
    }
    if let Some(p) = &a.log {
        let mut text = String::new();
        for e in &dev.log {
            text.push_str(&serde_json::to_string(e).unwrap_or_default());
            text.push('\n');
        }
        write_atomic(p, text.as_bytes())?;
    }
    served?;
    Ok(Exit::Ok)
}
