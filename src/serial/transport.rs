//! The byte transport under the loader: a small object-safe trait, its `serialport`
//! implementation, and reset-line sequences built on it.
//!
//! A pty (or any port without modem lines) fails DTR/RTS calls with ENOTTY; the trait reports
//! that as "no reset lines" (`Ok(false)`); any other line error is an error (docs/serial.md).

use crate::{Error, Result};
#[cfg(unix)]
use serialport::SerialPort;
use std::io::{Read, Write};
use std::time::Duration;

/// What the loader needs from a serial port.
pub trait Transport {
    /// Write all bytes.
    fn write_all(&mut self, data: &[u8]) -> Result<()>;
    /// Read what is available, waiting up to `timeout` for the first byte. `Ok(0)` on timeout.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize>;
    /// Change the port speed.
    fn set_baud(&mut self, baud: u32) -> Result<()>;
    /// Drive DTR and/or RTS (`true` = asserted = pin low). `Ok(false)`: the port has no modem
    /// lines (a pty), nothing was done.
    fn set_lines(&mut self, dtr: Option<bool>, rts: Option<bool>) -> Result<bool>;
    /// Discard buffered input.
    fn clear_input(&mut self) -> Result<()>;
    /// Sleep (a real wait on hardware; the in-memory simulator advances its clock).
    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d);
    }
    /// The transport's clock: wall time on hardware, virtual time in the simulator.
    fn now(&mut self) -> std::time::Instant {
        std::time::Instant::now()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn write_all(&mut self, data: &[u8]) -> Result<()> {
        (**self).write_all(data)
    }
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize> {
        (**self).read(buf, timeout)
    }
    fn set_baud(&mut self, baud: u32) -> Result<()> {
        (**self).set_baud(baud)
    }
    fn set_lines(&mut self, dtr: Option<bool>, rts: Option<bool>) -> Result<bool> {
        (**self).set_lines(dtr, rts)
    }
    fn clear_input(&mut self) -> Result<()> {
        (**self).clear_input()
    }
    fn sleep(&mut self, d: Duration) {
        (**self).sleep(d)
    }
    fn now(&mut self) -> std::time::Instant {
        (**self).now()
    }
}

/// A real serial port (or a pty path) through the `serialport` crate. On Unix the modem lines
/// go through TIOCMGET/TIOCMSET so both can change in one call (esptool's "unix tight"
/// reset); elsewhere they are set one after the other, DTR first.
pub struct SerialTransport {
    #[cfg(unix)]
    port: serialport::TTYPort,
    #[cfg(not(unix))]
    port: Box<dyn serialport::SerialPort>,
    name: String,
}

fn port_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Transport(format!("{what}: {e}"))
}

impl SerialTransport {
    /// Open `path` at `baud` (8N1, no flow control).
    pub fn open(path: &str, baud: u32) -> Result<Self> {
        let builder = serialport::new(path, baud).timeout(Duration::from_millis(100));
        #[cfg(unix)]
        let port = builder.open_native();
        #[cfg(not(unix))]
        let port = builder.open();
        let port = port.map_err(|e| port_err(&format!("cannot open {path}"), e))?;
        Ok(SerialTransport {
            port,
            name: path.to_string(),
        })
    }

    /// The port name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The modem-control ioctls. No maintained crate wraps TIOCMGET/TIOCMSET (the `serialport`
/// crate sets one line per call), and the unix-tight reset needs both lines to change in
/// one call, so this module is the one place in espdump that calls the C library itself.
#[cfg(unix)]
#[allow(unsafe_code)]
mod modem {
    use std::os::fd::RawFd;

    pub use libc::{TIOCM_DTR as DTR, TIOCM_RTS as RTS};

    /// The modem-line bits; `Ok(None)` when the terminal has none (ENOTTY/EINVAL: a pty).
    pub fn get(fd: RawFd) -> std::io::Result<Option<libc::c_int>> {
        let mut bits: libc::c_int = 0;
        // SAFETY: TIOCMGET writes one c_int through a pointer to a live local. A stale fd
        // only makes the call fail (EBADF).
        let rc = unsafe { libc::ioctl(fd, libc::TIOCMGET, &mut bits) };
        status(rc).map(|ok| ok.then_some(bits))
    }

    /// Set all modem-line bits at once; `Ok(false)` when the terminal has no modem lines.
    pub fn set(fd: RawFd, bits: libc::c_int) -> std::io::Result<bool> {
        // SAFETY: TIOCMSET reads one c_int through a pointer to a live local. A stale fd
        // only makes the call fail (EBADF).
        let rc = unsafe { libc::ioctl(fd, libc::TIOCMSET, &bits) };
        status(rc)
    }

    fn status(rc: libc::c_int) -> std::io::Result<bool> {
        if rc == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::ENOTTY) | Some(libc::EINVAL) => Ok(false),
            _ => Err(e),
        }
    }
}

impl Transport for SerialTransport {
    fn write_all(&mut self, data: &[u8]) -> Result<()> {
        self.port
            .write_all(data)
            .and_then(|_| self.port.flush())
            .map_err(|e| port_err(&format!("write to {}", self.name), e))
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize> {
        let t = timeout.max(Duration::from_millis(1));
        self.port
            .set_timeout(t)
            .map_err(|e| port_err(&format!("set timeout on {}", self.name), e))?;
        match self.port.read(buf) {
            Ok(0) => Err(Error::Transport(format!(
                "{}: the port was closed (adapter unplugged?)",
                self.name
            ))),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Ok(0),
            // A signal (Ctrl-C) interrupted the wait: the caller decides at a safe point.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(port_err(&format!("read from {}", self.name), e)),
        }
    }

    fn set_baud(&mut self, baud: u32) -> Result<()> {
        self.port
            .set_baud_rate(baud)
            .map_err(|e| port_err(&format!("set {} to {baud} baud", self.name), e))
    }

    #[cfg(unix)]
    fn set_lines(&mut self, dtr: Option<bool>, rts: Option<bool>) -> Result<bool> {
        use std::os::fd::AsRawFd;
        let fd = self.port.as_raw_fd();
        let read =
            modem::get(fd).map_err(|e| port_err(&format!("read DTR/RTS of {}", self.name), e));
        let Some(mut bits) = read? else {
            return Ok(false);
        };
        for (want, bit) in [(dtr, modem::DTR), (rts, modem::RTS)] {
            match want {
                Some(true) => bits |= bit,
                Some(false) => bits &= !bit,
                None => {}
            }
        }
        modem::set(fd, bits).map_err(|e| port_err(&format!("set DTR/RTS of {}", self.name), e))
    }

    #[cfg(not(unix))]
    fn set_lines(&mut self, dtr: Option<bool>, rts: Option<bool>) -> Result<bool> {
        let what = || format!("set DTR/RTS of {}", self.name);
        if let Some(d) = dtr {
            self.port
                .write_data_terminal_ready(d)
                .map_err(|e| port_err(&what(), e))?;
        }
        if let Some(r) = rts {
            self.port
                .write_request_to_send(r)
                .map_err(|e| port_err(&what(), e))?;
        }
        Ok(true)
    }

    fn clear_input(&mut self) -> Result<()> {
        self.port
            .clear(serialport::ClearBuffer::Input)
            .map_err(|e| port_err(&format!("flush {}", self.name), e))
    }
}

/// How to get the chip into its loader before connecting (`--before`, esptool's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Before {
    /// Pulse EN with GPIO0 held low through DTR/RTS, alternating esptool's sequences.
    #[default]
    DefaultReset,
    /// Do not reset: the user put the chip in download mode; SYNC only.
    NoReset,
    /// Neither reset nor SYNC: a stub is already running at the port's baud.
    NoResetNoSync,
}

/// What to do after the operation (`--after`, esptool's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum After {
    /// Pulse EN with GPIO0 high: the firmware runs. Without reset lines: leave the stub and
    /// report the state the chip is in.
    #[default]
    HardReset,
    /// Ask the loader to run the firmware (ROM: FLASH_END "run"; stub: RUN_USER_CODE).
    SoftReset,
    /// Leave the loader: the stub is asked to reboot into the ROM loader (the current stub
    /// ignores that and stays, at 115200); the actual state is reported.
    NoReset,
    /// Leave the stub running (at 115200) for the next command.
    NoResetStub,
}

/// One bootloader-entry sequence (esptool 5.6 via esp-pylib `serial_reset.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetStrategy {
    /// Both lines set in one TIOCMSET per step; POSIX only.
    UnixTight {
        /// EN high to GPIO0 release.
        delay: Duration,
    },
    /// Sequential DTR then RTS writes; portable.
    Classic {
        /// EN high to GPIO0 release.
        delay: Duration,
    },
}

/// esptool's order on POSIX: unix-tight 50 ms, unix-tight 550 ms, classic 50 ms, classic
/// 550 ms, cycled over the connect attempts.
pub fn reset_sequence() -> [ResetStrategy; 4] {
    use crate::serial::protocol::{RESET_DELAY_MS, RESET_EXTRA_DELAY_MS};
    let short = Duration::from_millis(RESET_DELAY_MS);
    let long = Duration::from_millis(RESET_DELAY_MS + RESET_EXTRA_DELAY_MS);
    [
        ResetStrategy::UnixTight { delay: short },
        ResetStrategy::UnixTight { delay: long },
        ResetStrategy::Classic { delay: short },
        ResetStrategy::Classic { delay: long },
    ]
}

/// Run a bootloader-entry sequence. `true` = asserted = pin low (DTR drives GPIO0, RTS drives
/// EN). Returns `Ok(false)` when the port has no reset lines; other line errors are errors.
pub fn reset_into_loader<T: Transport + ?Sized>(t: &mut T, s: ResetStrategy) -> Result<bool> {
    use crate::serial::protocol::RESET_PULSE_MS;
    let pulse = Duration::from_millis(RESET_PULSE_MS);
    match s {
        ResetStrategy::UnixTight { delay } => {
            for (dtr, rts) in [(false, false), (true, true), (false, true)] {
                if !t.set_lines(Some(dtr), Some(rts))? {
                    return Ok(false);
                }
            }
            t.sleep(pulse); // EN low, GPIO0 high
            t.set_lines(Some(true), Some(false))?; // EN high, GPIO0 low: boot the loader
            t.sleep(delay);
            t.set_lines(Some(false), Some(false))?;
            t.set_lines(Some(false), None)?;
        }
        ResetStrategy::Classic { delay } => {
            if !t.set_lines(Some(false), None)? {
                return Ok(false);
            }
            t.set_lines(None, Some(true))?;
            t.sleep(pulse);
            t.set_lines(Some(true), None)?;
            t.set_lines(None, Some(false))?;
            t.sleep(delay);
            t.set_lines(Some(false), None)?;
        }
    }
    Ok(true)
}

/// Hard reset into the application: EN low for 100 ms with GPIO0 released, then EN high.
pub fn hard_reset<T: Transport + ?Sized>(t: &mut T) -> Result<bool> {
    use crate::serial::protocol::RESET_PULSE_MS;
    if !t.set_lines(Some(false), Some(true))? {
        return Ok(false);
    }
    t.sleep(Duration::from_millis(RESET_PULSE_MS));
    t.set_lines(Some(false), Some(false))?;
    Ok(true)
}

/// A serial port found on the system.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PortInfo {
    /// Device path.
    pub name: String,
    /// Kind: `usb`, `pci`, `bluetooth` or `unknown`.
    pub kind: String,
    /// USB vendor id, if USB.
    pub vid: Option<u16>,
    /// USB product id, if USB.
    pub pid: Option<u16>,
    /// USB manufacturer string, if known.
    pub manufacturer: Option<String>,
    /// USB product string, if known.
    pub product: Option<String>,
    /// USB serial number, if known.
    pub serial_number: Option<String>,
    /// Manufacturer and product in one line (kept for older JSON readers).
    pub description: Option<String>,
}

impl PortInfo {
    /// `VID:PID` in hex, for USB ports.
    pub fn ids(&self) -> Option<String> {
        Some(format!("{:04x}:{:04x}", self.vid?, self.pid?))
    }
}

/// List serial ports (no libudev: the crate scans sysfs).
pub fn list_ports() -> Result<Vec<PortInfo>> {
    let ports = serialport::available_ports().map_err(|e| port_err("list serial ports", e))?;
    Ok(ports
        .into_iter()
        .map(|p| {
            let kind = match &p.port_type {
                serialport::SerialPortType::UsbPort(_) => "usb",
                serialport::SerialPortType::PciPort => "pci",
                serialport::SerialPortType::BluetoothPort => "bluetooth",
                serialport::SerialPortType::Unknown => "unknown",
            };
            let mut info = PortInfo {
                name: p.port_name,
                kind: kind.into(),
                ..PortInfo::default()
            };
            if let serialport::SerialPortType::UsbPort(u) = p.port_type {
                info.vid = Some(u.vid);
                info.pid = Some(u.pid);
                info.description = match (&u.manufacturer, &u.product) {
                    (Some(m), Some(pr)) => Some(format!("{m} {pr}")),
                    (m, pr) => pr.clone().or(m.clone()),
                };
                info.manufacturer = u.manufacturer;
                info.product = u.product;
                info.serial_number = u.serial_number;
            }
            info
        })
        .collect())
}
