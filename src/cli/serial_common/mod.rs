//! Options and helpers shared by the device subcommands (`info`, `read`, `write`, `erase`,
//! `verify`): port and reset options, stub selection, the common prologue ([`start`]) and
//! opening a session; the progress bars are in `bars.rs`, how a command ends (the chip's end
//! state, the JSON error document) in `outcome.rs`.

mod bars;
mod outcome;

pub use bars::Bars;
pub use outcome::{end_report, error_document, error_kind, run_serial};

use super::exit::{CliError, Exit};
use crate::serial::loader::{EndReport, EndState};
use crate::serial::ops::{self, Session, SessionOptions};
use crate::serial::stub;
use crate::serial::transport::{After, Before, SerialTransport};
use crate::serial::ProgressEvent;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `--before` (esptool's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum BeforeArg {
    /// Pulse EN with GPIO0 low through DTR/RTS, alternating esptool's "unix tight" and
    /// "classic" sequences with 50 ms and 550 ms delays (skipped when the port has no lines).
    #[default]
    DefaultReset,
    /// Do not reset: the chip is already in download mode; SYNC only.
    NoReset,
    /// Neither reset nor SYNC: a flasher stub is already running at the port's baud.
    NoResetNoSync,
}

/// `--after` (esptool's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AfterArg {
    /// Pulse EN through RTS so the firmware runs (without reset lines: leave the stub and say
    /// where the chip is).
    #[default]
    HardReset,
    /// Ask the loader to run the firmware (ROM FLASH_END / stub RUN_USER_CODE).
    SoftReset,
    /// Ask the stub to reboot into the ROM loader; the state reached is checked and reported.
    NoReset,
    /// Leave the flasher stub running at 115200 for the next command.
    NoResetStub,
}

/// Options for talking to a chip.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Serial port, e.g. /dev/ttyUSB0 (or the pty `espdump simulate` prints). Default:
    /// $ESPDUMP_PORT, else the only USB serial port.
    #[arg(long, short = 'p', env = "ESPDUMP_PORT")]
    pub port: Option<String>,
    /// Baud rate after the stub is running (the ROM talks at 115200).
    #[arg(long, short = 'b', env = "ESPDUMP_BAUD")]
    pub baud: Option<u32>,
    /// Reset into the loader before connecting.
    #[arg(long, value_enum, default_value_t = BeforeArg::DefaultReset)]
    pub before: BeforeArg,
    /// What to do with the chip afterwards (also after an error or Ctrl-C).
    #[arg(long, value_enum, default_value_t = AfterArg::HardReset)]
    pub after: AfterArg,
    /// Flasher stub: `builtin` (espdump's own) or a file in esptool's JSON format (default:
    /// $ESPDUMP_STUB, else the esp8266.json of an installed esptool, else builtin).
    #[arg(long, value_name = "FILE", conflicts_with = "no_stub")]
    pub stub: Option<PathBuf>,
    /// ROM only: write and erase work (slowly, unverified); read and verify are refused.
    #[arg(long)]
    pub no_stub: bool,
    /// Connect attempts (each one reset + 5 SYNCs), as esptool's --connect-attempts.
    #[arg(long, default_value_t = 7)]
    pub connect_attempts: usize,
    /// Flash size when the chip's flash id cannot be read (0xffffff / 0x000000) or is
    /// unknown, e.g. 1MB, 2MB, 4MB, 0x200000.
    #[arg(long, value_parser = parse_flash_size)]
    pub flash_size: Option<u32>,
    /// Print exactly one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Parse a flash size: `512KB`, `1MB`, `2MB`, `4MB`, `8MB`, `16MB` (esptool's names) or a
/// number of bytes that is one of those.
pub fn parse_flash_size(s: &str) -> Result<u32, String> {
    let t = s.trim().to_ascii_uppercase();
    let named = crate::formats::flash::SIZES
        .iter()
        .find(|(_, name, _)| name.eq_ignore_ascii_case(&t))
        .map(|&(_, _, b)| b);
    let bytes = match named {
        Some(b) => b,
        None => {
            let n = super::args::parse_num(s)?;
            u32::try_from(n).map_err(|_| format!("'{s}' is too large"))?
        }
    };
    if crate::formats::flash::SIZES
        .iter()
        .any(|&(_, _, b)| b == bytes)
    {
        Ok(bytes)
    } else {
        Err(format!(
            "'{s}' is not a flash size (256KB, 512KB, 1MB, 2MB, 4MB, 8MB, 16MB)"
        ))
    }
}

impl ConnectArgs {
    /// The `--before` strategy.
    pub fn before(&self) -> Before {
        match self.before {
            BeforeArg::DefaultReset => Before::DefaultReset,
            BeforeArg::NoReset => Before::NoReset,
            BeforeArg::NoResetNoSync => Before::NoResetNoSync,
        }
    }
    /// The `--after` strategy.
    pub fn after(&self) -> After {
        match self.after {
            AfterArg::HardReset => After::HardReset,
            AfterArg::SoftReset => After::SoftReset,
            AfterArg::NoReset => After::NoReset,
            AfterArg::NoResetStub => After::NoResetStub,
        }
    }
}

/// The port to use: `--port` / $ESPDUMP_PORT, else the only USB serial port (named in a
/// note), else a usage error listing what was found.
pub fn choose_port(a: &ConnectArgs, bars: &mut Bars) -> Result<String, CliError> {
    if let Some(p) = a.port.as_deref().filter(|p| !p.is_empty()) {
        return Ok(p.to_string());
    }
    let usb: Vec<_> = crate::serial::transport::list_ports()?
        .into_iter()
        .filter(|p| p.kind == "usb")
        .collect();
    match usb.as_slice() {
        [one] => {
            bars.event(ProgressEvent::Note(format!(
                "using {} (the only USB serial port{})",
                one.name,
                one.ids().map(|i| format!(", {i}")).unwrap_or_default()
            )));
            Ok(one.name.clone())
        }
        [] => Err(CliError::new(
            Exit::Usage,
            "no --port given and no USB serial port found: pass --port or set ESPDUMP_PORT",
        )),
        many => Err(CliError::new(
            Exit::Usage,
            format!(
                "no --port given and {} USB serial ports found ({}): pass --port or set \
                 ESPDUMP_PORT",
                many.len(),
                many.iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// An open session. Dropped without [`finish`] (an error, a refusal, Ctrl-C) it still ends
/// per `--after` (a hard reset through RTS where the port has it) and says on stderr where the
/// chip was left.
pub struct Dev {
    s: Session<SerialTransport>,
    done: bool,
    after: After,
    /// The port in use.
    pub port: String,
    /// The flash size to use: `--flash-size`, else the detected one.
    pub flash_size: Option<u32>,
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
            let (msg, rep) = match self.s.loader.finish(self.after) {
                Ok(st) => (st.describe(), end_report(st, self.after)),
                Err(e) => {
                    let msg = format!("could not leave the chip in a known state ({e})");
                    let rep = EndReport {
                        state: EndState::Unknown,
                        message: msg.clone(),
                    };
                    (msg, rep)
                }
            };
            outcome::record(rep);
            eprintln!("espdump: {}", crate::render::escape::escape(&msg));
        }
    }
}

/// Find the stub; `None` (with a notice) when none is found and `rom_ok` (write, erase).
fn stub_for(
    a: &ConnectArgs,
    want_stub: bool,
    rom_ok: bool,
    bars: &mut Bars,
) -> Result<Option<stub::Stub>, CliError> {
    if !want_stub || a.no_stub {
        return Ok(None);
    }
    match stub::find_stub(a.stub.as_deref()) {
        Ok(s) => Ok(Some(s)),
        Err(e) if rom_ok && a.stub.is_none() => {
            bars.event(ProgressEvent::Note(format!(
                "{e}; carrying on through the ROM loader (slow, no skipping of unchanged sectors, \
                 no MD5 verification)"
            )));
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// What a device subcommand needs of the flasher stub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StubUse {
    /// None: talk to the ROM loader (a stub already running is used).
    No,
    /// The stub is required; `--no-stub` is refused with this sentence.
    Required(&'static str),
    /// Preferred; without any stub the ROM loader is used with a notice (write, erase).
    RomFallback,
}

/// The prologue the device subcommands share: `offset` (when given) must be sector aligned,
/// `--no-stub` is refused where the stub is required, then the progress bars and the session.
pub fn start(a: &ConnectArgs, offset: Option<u64>, stub: StubUse) -> Result<(Bars, Dev), CliError> {
    if let Some(off) = offset.filter(|o| o % crate::formats::flash::SECTOR_SIZE as u64 != 0) {
        return Err(CliError::new(
            Exit::Usage,
            format!("--offset 0x{off:x} is not a multiple of 0x1000"),
        ));
    }
    if let (StubUse::Required(why), true) = (stub, a.no_stub) {
        return Err(CliError::refused(why));
    }
    let mut bars = Bars::new(a.json);
    let dev = open_session(
        a,
        stub != StubUse::No,
        stub == StubUse::RomFallback,
        &mut bars,
    )?;
    Ok((bars, dev))
}

/// `[offset, offset + size)` must be a non-empty part of the chip's `chip` bytes.
pub fn check_region(offset: u64, size: u64, chip: u64) -> Result<(), CliError> {
    if size == 0 || offset + size > chip {
        return Err(CliError::new(
            Exit::Usage,
            format!("0x{offset:x}+0x{size:x} is outside the chip's {chip} bytes of flash"),
        ));
    }
    Ok(())
}

/// Open a session: port, reset, sync, magic, stub (unless `--no-stub` or `want_stub` is
/// false; through the ROM with a notice when `rom_ok` and no stub is found), chip info, baud.
/// Ctrl-C / SIGTERM are caught from here on and honoured at safe points.
pub fn open_session(
    a: &ConnectArgs,
    want_stub: bool,
    rom_ok: bool,
    bars: &mut Bars,
) -> Result<Dev, CliError> {
    let stub = stub_for(a, want_stub, rom_ok, bars)?;
    let port = choose_port(a, bars)?;
    crate::serial::interrupt::install();
    let t = SerialTransport::open(&port, crate::serial::protocol::ROM_BAUD)?;
    outcome::record(outcome::not_set_up());
    let use_baud = stub.is_some() || a.before() == Before::NoResetNoSync;
    let opts = SessionOptions {
        before: a.before(),
        baud: if use_baud { a.baud } else { None },
        stub,
        connect_attempts: Some(a.connect_attempts),
        stop: crate::serial::interrupt::StopFlag::Signals,
    };
    if !use_baud
        && a.baud
            .is_some_and(|b| b != crate::serial::protocol::ROM_BAUD)
    {
        bars.event(ProgressEvent::Note(
            "--baud ignored: the ESP8266 ROM cannot change baud rate".into(),
        ));
    }
    let mut cb = |e| bars.event(e);
    let s = ops::open_session(t, &opts, &mut cb)?;
    let flash_size = a.flash_size.or(s.info.flash_size);
    let mut dev = Dev {
        s,
        done: false,
        after: a.after(),
        port,
        flash_size,
    };
    if let (Some(size), None) = (a.flash_size, dev.info.flash_size) {
        dev.loader.set_flash_size(size)?;
    }
    Ok(dev)
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

/// Close the session per `--after`; a note says where the chip is unless it was reset
/// through RTS as asked.
/// The same [`EndReport`] goes into the commands' JSON as `end_state`.
pub fn finish(s: &mut Dev, a: &ConnectArgs, bars: &mut Bars) -> Result<EndReport, CliError> {
    s.done = true;
    let st = match s.loader.finish(a.after()) {
        Ok(st) => st,
        Err(e) => {
            let e = CliError::from(e);
            outcome::record(EndReport {
                state: EndState::Unknown,
                message: format!("could not leave the chip in a known state ({})", e.message),
            });
            return Err(e);
        }
    };
    let rep = end_report(st, a.after());
    outcome::record(rep.clone());
    if st != EndState::HardReset {
        bars.event(ProgressEvent::Note(rep.message.clone()));
    }
    Ok(rep)
}

/// The whole flash size: `--flash-size`, else the detected one, else an error naming
/// `--flash-size`.
pub fn detected_size(s: &Dev) -> Result<u32, CliError> {
    s.flash_size.ok_or_else(|| {
        let id = s.info.flash_id;
        let why = if id == 0xFF_FFFF || id == 0 {
            "cannot be read (no answer from the flash chip: check its wiring and power)"
        } else {
            "is not a known size"
        };
        CliError::new(
            Exit::Usage,
            format!(
                "the flash id 0x{id:06x} {why}: pass --flash-size (e.g. --flash-size 2MB) to \
                 go on"
            ),
        )
    })
}

/// Print JSON to stdout.
pub fn print_json(w: &mut dyn std::io::Write, v: &impl serde::Serialize) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut *w, v).map_err(|e| CliError::output(e.to_string()))?;
    writeln!(w).map_err(|e| CliError::output(format!("stdout: {e}")))
}

/// Print a command's JSON result: the session's port, chip and stub, then `fields` (an object).
/// Keys come out sorted (serde_json's default map), as every JSON document here.
pub fn print_session_json(
    w: &mut dyn std::io::Write,
    s: &Dev,
    fields: serde_json::Value,
) -> Result<(), CliError> {
    let mut doc = serde_json::json!({
        "port": s.port,
        "chip": s.info,
        "stub": s.stub_source,
    });
    if let (Some(d), serde_json::Value::Object(f)) = (doc.as_object_mut(), fields) {
        d.extend(f);
    }
    print_json(w, &doc)
}

/// Map a write error on stdout.
pub fn out_err(e: std::io::Error) -> CliError {
    CliError::output(format!("stdout: {e}"))
}
