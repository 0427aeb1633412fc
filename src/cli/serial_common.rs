//! Options and helpers shared by the device subcommands (`info`, `read`, `write`, `erase`,
//! `verify`): port and reset options, stub selection, opening a session, and the indicatif
//! progress adapter (stderr only, hidden with `--json` or when stderr is not a terminal).

use super::exit::{CliError, Exit};
use crate::serial::loader::{EndReport, EndState};
use crate::serial::ops::{self, Session, SessionOptions};
use crate::serial::stub;
use crate::serial::transport::{After, Before, SerialTransport};
use crate::serial::{ProgressEvent, Task};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
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
    let named = crate::flash::SIZES
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
    if crate::flash::SIZES.iter().any(|&(_, _, b)| b == bytes) {
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

/// Renders [`ProgressEvent`]s as indicatif bars on stderr. While the chip works before a
/// reply ([`ProgressEvent::ChipBusy`]) the bar's spinner turns on its own (a steady tick) and
/// its message says what the chip does.
pub struct Bars {
    enabled: bool,
    notes: bool,
    bar: Option<ProgressBar>,
    /// The bar is only the chip-busy spinner (no task bar was running).
    spinner_only: bool,
    target: Box<dyn Fn() -> ProgressDrawTarget>,
}

/// How often the spinner turns while the chip works.
const BUSY_TICK: std::time::Duration = std::time::Duration::from_millis(120);

impl Bars {
    /// Bars, shown only when `!json` and stderr is a terminal.
    pub fn new(json: bool) -> Self {
        Self::with_target(
            !json && std::io::stderr().is_terminal(),
            !json,
            Box::new(ProgressDrawTarget::stderr),
        )
    }

    /// Bars drawn to `target()` when `enabled`; notes printed when `notes`.
    pub fn with_target(
        enabled: bool,
        notes: bool,
        target: Box<dyn Fn() -> ProgressDrawTarget>,
    ) -> Self {
        Bars {
            enabled,
            notes,
            bar: None,
            spinner_only: false,
            target,
        }
    }

    /// The chip works (`Some`) or has replied (`None`).
    fn chip_busy(&mut self, what: Option<String>) {
        if !self.enabled {
            return;
        }
        match what {
            Some(m) => {
                let b = self.bar.get_or_insert_with(|| {
                    let b = ProgressBar::with_draw_target(None, (self.target)());
                    if let Ok(st) =
                        ProgressStyle::with_template("{prefix:>8} {spinner} {msg} {elapsed}")
                    {
                        b.set_style(st);
                    }
                    b.set_prefix("chip");
                    self.spinner_only = true;
                    b
                });
                b.set_message(format!("{}…", crate::escape::escape(&m)));
                b.enable_steady_tick(BUSY_TICK);
            }
            None => {
                if self.spinner_only {
                    self.spinner_only = false;
                    if let Some(b) = self.bar.take() {
                        b.finish_and_clear();
                    }
                } else if let Some(b) = &self.bar {
                    b.disable_steady_tick();
                    b.set_message("");
                }
            }
        }
    }

    /// Handle one event.
    pub fn event(&mut self, e: ProgressEvent) {
        match e {
            ProgressEvent::Begin { task, total } => {
                if let Some(b) = self.bar.take() {
                    b.finish_and_clear();
                }
                self.spinner_only = false;
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
                let b = ProgressBar::with_draw_target(Some(total), (self.target)());
                let tmpl = if bytes {
                    "{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta} {spinner} {msg}"
                } else {
                    "{prefix:>8} [{bar:30}] {pos}/{len} sectors {spinner} {msg}"
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
                self.spinner_only = false;
            }
            ProgressEvent::ChipBusy(what) => self.chip_busy(what),
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
            let msg = match self.s.loader.finish(self.after) {
                Ok(st) => st.describe(),
                Err(e) => format!("could not leave the chip in a known state ({e})"),
            };
            eprintln!("espdump: {}", crate::escape::escape(&msg));
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
    let st = s.loader.finish(a.after())?;
    let why = if st != EndState::HardReset && a.after() == After::HardReset {
        "not reset: the port has no DTR/RTS reset lines; "
    } else {
        ""
    };
    let rep = EndReport::new(st, why);
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

/// Map a write error on stdout.
pub fn out_err(e: std::io::Error) -> CliError {
    CliError::output(format!("stdout: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A terminal that records every line indicatif draws.
    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if !s.is_empty() {
                self.0.lock().expect("lock").push(s.to_string());
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn bars(screen: &Screen) -> Bars {
        let s = screen.clone();
        Bars::with_target(
            true,
            true,
            Box::new(move || ProgressDrawTarget::term_like(Box::new(s.clone()))),
        )
    }

    /// Frames drawn with `needle`, and how many different ones.
    fn frames(screen: &Screen, needle: &str) -> (usize, usize) {
        let v = screen.0.lock().expect("lock");
        let hits: Vec<&String> = v.iter().filter(|l| l.contains(needle)).collect();
        let mut distinct: Vec<&String> = hits.clone();
        distinct.sort();
        distinct.dedup();
        (hits.len(), distinct.len())
    }

    /// While the chip works and no byte moves, the bar keeps being redrawn with a turning
    /// spinner and says what the chip does; the reply stops it and clears the message.
    #[test]
    fn bar_keeps_moving_while_the_chip_works() {
        let screen = Screen::default();
        let mut b = bars(&screen);
        b.event(ProgressEvent::Begin {
            task: Task::Write,
            total: 1 << 20,
        });
        b.event(ProgressEvent::Advance {
            task: Task::Write,
            done: 0x4000,
        });
        let msg = "chip erasing and programming 1.0 MiB";
        b.event(ProgressEvent::ChipBusy(Some(msg.into())));
        std::thread::sleep(std::time::Duration::from_millis(900));
        let (n, distinct) = frames(&screen, msg);
        assert!(n >= 3 && distinct >= 2, "{n} frames, {distinct} distinct");
        b.event(ProgressEvent::ChipBusy(None));
        let before = screen.0.lock().expect("lock").len();
        std::thread::sleep(std::time::Duration::from_millis(400));
        let after = screen.0.lock().expect("lock").len();
        assert!(after <= before + 1, "still ticking: {before} -> {after}");
        assert_eq!(b.bar.as_ref().map(|b| b.message()), Some(String::new()));
    }

    /// A wait with no task bar running (e.g. before any bar) gets a spinner of its own that
    /// the reply removes.
    #[test]
    fn busy_without_a_bar_is_a_spinner_of_its_own() {
        let screen = Screen::default();
        let mut b = bars(&screen);
        b.event(ProgressEvent::ChipBusy(Some("chip erasing 2.0 MiB".into())));
        std::thread::sleep(std::time::Duration::from_millis(600));
        let (n, distinct) = frames(&screen, "chip erasing 2.0 MiB");
        assert!(n >= 2 && distinct >= 2, "{n} frames, {distinct} distinct");
        b.event(ProgressEvent::ChipBusy(None));
        assert!(b.bar.is_none());
    }
}
