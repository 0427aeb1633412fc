//! The command line: clap definitions and dispatch. One file per subcommand.
//!
//! Every subcommand writes exactly one JSON document to stdout with `--json`; progress and
//! diagnostics go to stderr. Errors print one line `espdump: error: ...` and exit with a
//! documented code ([`exit::Exit`]).

pub mod args;
pub mod exit;
pub mod inspect;
pub mod io;

use clap::{Parser, Subcommand};
use exit::{CliError, Exit};

/// espdump: inspect, sanitize, diff, back up and restore ESP8266 flash.
#[derive(Debug, Parser)]
#[command(name = "espdump", version, about, long_about = None)]
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
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<Exit, CliError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Inspect(a) => inspect::run(a, &mut out),
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
        Err(e) => {
            eprintln!("espdump: error: {}", crate::escape::escape(&e.message));
            e.exit.into()
        }
    }
}
