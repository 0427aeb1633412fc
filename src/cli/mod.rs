//! The command line: clap definitions and dispatch. One file per subcommand.
//!
//! Every subcommand writes exactly one JSON document to stdout with `--json`; progress and
//! diagnostics go to stderr. Errors print one line `espdump: error: ...` and exit with a
//! documented code ([`exit::Exit`]).

pub mod args;
pub mod diff;
pub mod erase;
pub mod exit;
pub mod extract;
pub mod info;
pub mod inspect;
pub mod io;
pub mod ports;
pub mod read;
pub mod sanitize;
pub mod serial_common;
#[cfg(all(unix, feature = "simulator"))]
pub mod simulate;
pub mod verify;
pub mod write;

use clap::{Parser, Subcommand};
use exit::{CliError, Exit};

/// The exit codes, shown under `espdump --help` (README.md and docs/serial.md say more).
pub const EXIT_CODES: &str = "Exit codes: 0 ok; 1 differences found; 2 usage (bad option, misaligned \
offset); 3 unusable input; 4 device protocol error; 5 refused to protect data; 6 output not written; \
7 no reply in time (command named); 8 serial port failure; 9 ROM/stub failure status; 130 Ctrl-C; \
143 SIGTERM.
Environment: ESPDUMP_PORT, ESPDUMP_BAUD, ESPDUMP_STUB.";

/// espdump: inspect, sanitize, diff, back up and restore ESP8266 flash.
#[derive(Debug, Parser)]
#[command(name = "espdump", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Map and identify a flash dump or image: regions, images, checksums, firmware, config.
    Inspect(inspect::InspectArgs),
    /// Write every file system file, every image and the Tasmota settings of a dump to a folder.
    Extract(extract::ExtractArgs),
    /// Remove identity and secrets from a dump before cloning it onto another unit.
    Sanitize(sanitize::SanitizeArgs),
    /// Compare two dumps by structure: regions, firmware, boot config, settings, files.
    Diff(diff::DiffArgs),
    /// List serial ports.
    Ports(ports::PortsArgs),
    /// Show the chip on a port: chip, MAC, flash id and size.
    Info(info::InfoArgs),
    /// Back up flash to a file (skips erased sectors, MD5-verified, resumable).
    Read(read::ReadArgs),
    /// Write an image or dump (skips unchanged sectors, compressed, MD5-verified, clone guard).
    Write(write::WriteArgs),
    /// Erase a region or the whole chip.
    Erase(erase::EraseArgs),
    /// Compare a file with the flash and list the sectors that differ.
    Verify(verify::VerifyArgs),
    /// Serve a simulated ESP8266 on a pty (for tests, benchmarks and trying things out).
    #[cfg(all(unix, feature = "simulator"))]
    Simulate(simulate::SimulateArgs),
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<Exit, CliError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Inspect(a) => inspect::run(a, &mut out),
        Command::Extract(a) => extract::run(a, &mut out),
        Command::Sanitize(a) => sanitize::run(a, &mut out),
        Command::Diff(a) => diff::run(a, &mut out),
        Command::Ports(a) => ports::run(a, &mut out),
        Command::Info(a) => info::run(a, &mut out),
        Command::Read(a) => read::run(a, &mut out),
        Command::Write(a) => write::run(a, &mut out),
        Command::Erase(a) => erase::run(a, &mut out),
        Command::Verify(a) => verify::run(a, &mut out),
        #[cfg(all(unix, feature = "simulator"))]
        Command::Simulate(a) => simulate::run(a, &mut out),
    }
}

/// Entry point used by `main.rs`.
pub fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
            let _ = e.print();
            return code.into();
        }
    };
    match run(cli) {
        Ok(code) => code.into(),
        Err(e) if e.message.is_empty() => e.exit.into(),
        Err(e) => {
            eprintln!(
                "espdump: error: {}",
                crate::render::escape::escape(&e.message)
            );
            e.exit.into()
        }
    }
}
