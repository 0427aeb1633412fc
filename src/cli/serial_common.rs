//! Options and helpers shared by the device subcommands (`info`, `read`, `write`, `erase`,
//! `verify`): port and reset options, stub selection, opening a session, and the indicatif
//! progress adapter (stderr only, hidden with `--json` or when stderr is not a terminal).

use super::exit::CliError;
use crate::serial::ops::{self, Session, SessionOptions};
use crate::serial::stub;
use crate::serial::transport::{After, Before, SerialTransport};
use crate::serial::{ProgressEvent, Task};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

/// `--before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum BeforeArg {
    /// Pulse EN with GPIO0 low through DTR/RTS (skipped when the port has no modem lines).
    #[default]
    DefaultReset,
    /// Do not reset: the chip is already in download mode.
    NoReset,
}

/// `--after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AfterArg {
    /// Pulse EN so the firmware runs (without reset lines: leave the chip in the ROM loader).
    #[default]
    HardReset,
    /// Leave the chip in the ROM loader.
    NoReset,
}

/// Options for talking to a chip.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Serial port, e.g. /dev/ttyUSB0 (or the pty `espdump simulate` prints).
    #[arg(long, short = 'p')]
    pub port: String,
    /// Baud rate after the stub is running (the ROM talks at 115200).
    #[arg(long, short = 'b')]
    pub baud: Option<u32>,
    /// Reset into the loader before connecting.
    #[arg(long, value_enum, default_value_t = BeforeArg::DefaultReset)]
    pub before: BeforeArg,
    /// What to do with the chip afterwards.
    #[arg(long, value_enum, default_value_t = AfterArg::HardReset)]
    pub after: AfterArg,
    /// Flasher stub: `builtin` (espdump's own) or a file in esptool's JSON format (default:
    /// $ESPDUMP_STUB, else the esp8266.json of an installed esptool, else builtin).
    #[arg(long, value_name = "FILE", conflicts_with = "no_stub")]
    pub stub: Option<PathBuf>,
    /// ROM only: write and erase work (slowly, unverified); read and verify are refused.
    #[arg(long)]
    pub no_stub: bool,
    /// Connect attempts.
    #[arg(long, default_value_t = 7, hide = true)]
    pub connect_attempts: usize,
    /// Print exactly one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

impl ConnectArgs {
    /// The `--before` strategy.
    pub fn before(&self) -> Before {
        match self.before {
            BeforeArg::DefaultReset => Before::DefaultReset,
            BeforeArg::NoReset => Before::NoReset,
        }
    }
    /// The `--after` strategy.
    pub fn after(&self) -> After {
        match self.after {
            AfterArg::HardReset => After::HardReset,
            AfterArg::NoReset => After::NoReset,
        }
    }
}

/// Renders [`ProgressEvent`]s as indicatif bars on stderr.
pub struct Bars {
    enabled: bool,
    notes: bool,
    bar: Option<ProgressBar>,
}

impl Bars {
    /// Bars, shown only when `!json` and stderr is a terminal.
    pub fn new(json: bool) -> Self {
        Bars {
            enabled: !json && std::io::stderr().is_terminal(),
            notes: !json,
            bar: None,
        }
    }

    /// Handle one event.
    pub fn event(&mut self, e: ProgressEvent) {
        match e {
            ProgressEvent::Begin { task, total } => {
                if let Some(b) = self.bar.take() {
                    b.finish_and_clear();
                }
                if !self.enabled {
                    return;
                }
                let (label, bytes) = match task {
                    Task::UploadStub => ("stub", true),
                    Task::Scan => ("compare", false),
                    Task::Read => ("read", true),
                    Task::Write => ("write", true),
                    Task::Erase => ("erase", true),
                    Task::Verify => ("verify", true),
                };
                let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                let tmpl = if bytes {
                    "{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
                } else {
                    "{prefix:>8} [{bar:30}] {pos}/{len} sectors"
                };
                if let Ok(st) = ProgressStyle::with_template(tmpl) {
                    b.set_style(st.progress_chars("=> "));
                }
                b.set_prefix(label);
                self.bar = Some(b);
            }
            ProgressEvent::Advance { done, .. } => {
                if let Some(b) = &self.bar {
                    b.set_position(done);
                }
            }
            ProgressEvent::End { .. } => {
                if let Some(b) = self.bar.take() {
                    b.finish_and_clear();
                }
            }
            ProgressEvent::Note(n) => {
                let line = format!("espdump: {}", crate::escape::escape(&n));
                match &self.bar {
                    Some(b) => b.println(line),
                    None => {
                        if self.notes {
                            eprintln!("{line}");
                        }
                    }
                }
            }
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// An open session that, if dropped without [`finish`] (a refusal or an error), leaves the
/// chip in the ROM loader at 115200 so the next command finds it in a known state.
pub struct Dev {
    s: Session<SerialTransport>,
    done: bool,
}

impl std::ops::Deref for Dev {
    type Target = Session<SerialTransport>;
    fn deref(&self) -> &Self::Target {
        &self.s
    }
}

impl std::ops::DerefMut for Dev {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.s
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.s.loader.finish(After::NoReset);
        }
    }
}

/// Open a session: port, reset, sync, chip info, stub (unless `--no-stub` or `want_stub` is
/// false), baud.
pub fn open_session(a: &ConnectArgs, want_stub: bool, bars: &mut Bars) -> Result<Dev, CliError> {
    let stub = if want_stub && !a.no_stub {
        Some(stub::find_stub(a.stub.as_deref())?)
    } else {
        None
    };
    let t = SerialTransport::open(&a.port, crate::consts::serial::ROM_BAUD)?;
    let opts = SessionOptions {
        before: a.before(),
        baud: if want_stub && !a.no_stub {
            a.baud
        } else {
            None
        },
        stub,
        connect_attempts: Some(a.connect_attempts),
    };
    if a.no_stub && a.baud.is_some() {
        bars.event(ProgressEvent::Note(
            "--baud ignored: the ESP8266 ROM cannot change baud rate".into(),
        ));
    }
    let mut cb = |e| bars.event(e);
    Ok(Dev {
        s: ops::open_session(t, &opts, &mut cb)?,
        done: false,
    })
}

/// The chip summary line printed by the human output.
pub fn chip_line(s: &Session<SerialTransport>) -> String {
    let size = match s.info.flash_size {
        Some(b) => format!("{} KiB", b / 1024),
        None => "unknown size".into(),
    };
    let stub = match &s.stub_source {
        Some(src) => format!("stub: {src}"),
        None => "ROM loader only".into(),
    };
    format!(
        "{} MAC {} flash id 0x{:06x} ({size}); {stub}",
        s.info.chip, s.info.mac, s.info.flash_id
    )
}

/// Close the session per `--after`; a note when the port has no reset lines.
pub fn finish(s: &mut Dev, a: &ConnectArgs, bars: &mut Bars) -> Result<bool, CliError> {
    s.done = true;
    let reset = s.loader.finish(a.after())?;
    if a.after() == After::HardReset && !reset {
        bars.event(ProgressEvent::Note(
            "chip not reset: the port has no DTR/RTS reset lines; it is back in the ROM \
             loader (power-cycle it with GPIO0 high to run the firmware)"
                .into(),
        ));
    }
    Ok(reset)
}

/// The whole flash size: the detected one, or an error asking for `--size`.
pub fn detected_size(s: &Session<SerialTransport>) -> Result<u32, CliError> {
    s.info.flash_size.ok_or_else(|| {
        CliError::device(format!(
            "unknown flash id 0x{:06x}: pass --size",
            s.info.flash_id
        ))
    })
}

/// Print JSON to stdout.
pub fn print_json(w: &mut dyn std::io::Write, v: &impl serde::Serialize) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut *w, v).map_err(|e| CliError::output(e.to_string()))?;
    writeln!(w).map_err(|e| CliError::output(format!("stdout: {e}")))
}

/// Map a write error on stdout.
pub fn out_err(e: std::io::Error) -> CliError {
    CliError::output(format!("stdout: {e}"))
}
