//! The byte transport under the loader: a small object-safe trait, its `serialport`
//! implementation, and reset-line sequences built on it.
//!
//! A pty (or any port without modem lines) fails DTR/RTS calls with ENOTTY; the trait reports
//! that as "no reset lines" (`Ok(false)`) instead of an error (`serial-protocol.md` §7.1).

use crate::{Error, Result};
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
    /// Sleep (a real wait on hardware; the in-memory simulator may skip it).
    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d);
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
}

/// A real serial port (or a pty path) through the `serialport` crate.
pub struct SerialTransport {
    port: Box<dyn serialport::SerialPort>,
    name: String,
}

fn dev(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Device(format!("{what}: {e}"))
}

impl SerialTransport {
    /// Open `path` at `baud` (8N1, no flow control).
    pub fn open(path: &str, baud: u32) -> Result<Self> {
        let port = serialport::new(path, baud)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| dev(&format!("cannot open {path}"), e))?;
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

impl Transport for SerialTransport {
    fn write_all(&mut self, data: &[u8]) -> Result<()> {
        self.port
            .write_all(data)
            .and_then(|_| self.port.flush())
            .map_err(|e| dev(&format!("write to {}", self.name), e))
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize> {
        let t = timeout.max(Duration::from_millis(1));
        self.port
            .set_timeout(t)
            .map_err(|e| dev(&format!("set timeout on {}", self.name), e))?;
        match self.port.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Ok(0),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(dev(&format!("read from {}", self.name), e)),
        }
    }

    fn set_baud(&mut self, baud: u32) -> Result<()> {
        self.port
            .set_baud_rate(baud)
            .map_err(|e| dev(&format!("set {} to {baud} baud", self.name), e))
    }

    fn set_lines(&mut self, dtr: Option<bool>, rts: Option<bool>) -> Result<bool> {
        if let Some(d) = dtr {
            if self.port.write_data_terminal_ready(d).is_err() {
                return Ok(false);
            }
        }
        if let Some(r) = rts {
            if self.port.write_request_to_send(r).is_err() {
                return Ok(false);
            }
            // Re-write DTR after an RTS change (esptool: usbser.sys quirk).
            if let Some(d) = dtr {
                let _ = self.port.write_data_terminal_ready(d);
            }
        }
        Ok(true)
    }

    fn clear_input(&mut self) -> Result<()> {
        self.port
            .clear(serialport::ClearBuffer::Input)
            .map_err(|e| dev(&format!("flush {}", self.name), e))
    }
}

/// How to get the chip into its loader before connecting (`--before`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Before {
    /// Pulse EN with GPIO0 held low (classic DTR/RTS circuit).
    #[default]
    DefaultReset,
    /// Do nothing: the user put the chip in download mode.
    NoReset,
}

/// What to do after the operation (`--after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum After {
    /// Pulse EN with GPIO0 high: the new firmware runs.
    #[default]
    HardReset,
    /// Leave the chip in the ROM loader.
    NoReset,
}

/// Classic reset into the loader: EN low, then EN high with GPIO0 low, then release GPIO0.
/// Returns `Ok(false)` when the port has no reset lines.
pub fn reset_into_loader<T: Transport + ?Sized>(t: &mut T, delay: Duration) -> Result<bool> {
    use crate::consts::serial::RESET_PULSE_MS;
    if !t.set_lines(Some(false), Some(true))? {
        return Ok(false);
    }
    t.sleep(Duration::from_millis(RESET_PULSE_MS));
    t.set_lines(Some(true), Some(false))?;
    t.sleep(delay);
    t.set_lines(Some(false), None)?;
    Ok(true)
}

/// Hard reset into the application: EN low, wait, EN high (GPIO0 released).
pub fn hard_reset<T: Transport + ?Sized>(t: &mut T) -> Result<bool> {
    use crate::consts::serial::RESET_PULSE_MS;
    if !t.set_lines(Some(false), Some(true))? {
        return Ok(false);
    }
    t.sleep(Duration::from_millis(RESET_PULSE_MS));
    t.set_lines(Some(false), Some(false))?;
    Ok(true)
}

/// A serial port found on the system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PortInfo {
    /// Device path.
    pub name: String,
    /// Kind: `usb`, `pci`, `bluetooth` or `unknown`.
    pub kind: String,
    /// USB vendor id, if USB.
    pub vid: Option<u16>,
    /// USB product id, if USB.
    pub pid: Option<u16>,
    /// USB product/manufacturer text, if known.
    pub description: Option<String>,
}

/// List serial ports (no libudev: the crate scans sysfs).
pub fn list_ports() -> Result<Vec<PortInfo>> {
    let ports = serialport::available_ports().map_err(|e| dev("list serial ports", e))?;
    Ok(ports
        .into_iter()
        .map(|p| match p.port_type {
            serialport::SerialPortType::UsbPort(u) => PortInfo {
                name: p.port_name,
                kind: "usb".into(),
                vid: Some(u.vid),
                pid: Some(u.pid),
                description: match (u.manufacturer, u.product) {
                    (Some(m), Some(pr)) => Some(format!("{m} {pr}")),
                    (m, pr) => pr.or(m),
                },
            },
            serialport::SerialPortType::PciPort => PortInfo {
                name: p.port_name,
                kind: "pci".into(),
                vid: None,
                pid: None,
                description: None,
            },
            serialport::SerialPortType::BluetoothPort => PortInfo {
                name: p.port_name,
                kind: "bluetooth".into(),
                vid: None,
                pid: None,
                description: None,
            },
            serialport::SerialPortType::Unknown => PortInfo {
                name: p.port_name,
                kind: "unknown".into(),
                vid: None,
                pid: None,
                description: None,
            },
        })
        .collect())
}
