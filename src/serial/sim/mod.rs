//! A faithful ESP8266 serial-loader simulator, for tests and benchmarks without hardware.
//!
//! [`device::Device`] is the chip (ROM loader, flasher stub, NOR flash, SPI engine, faults).
//! It is driven either in memory through [`SimTransport`] (unit tests: deterministic, instant)
//! or on a pseudo-terminal by [`serve`] (`espdump simulate`: esptool and espdump open the pty
//! path like a real port, optionally throttled to the line rate).

pub mod device;
pub mod faults;
pub mod flash;
mod regs;
pub mod serve;
mod stub_mode;

pub use device::{Device, DeviceConfig, LogEntry, Mode};
pub use faults::Faults;
pub use regs::capacity_code;

use crate::serial::transport::Transport;
use crate::Result;
use std::collections::VecDeque;
use std::time::Duration;

/// An in-memory transport wired straight to a simulated chip.
#[derive(Debug)]
pub struct SimTransport {
    /// The chip.
    pub device: Device,
    inbuf: VecDeque<u8>,
    dtr: bool,
    rts: bool,
    /// Pretend the port has no modem lines (like a pty).
    pub no_lines: bool,
    /// Baud rate the host has set.
    pub host_baud: u32,
}

impl SimTransport {
    /// Wrap a device.
    pub fn new(device: Device) -> Self {
        SimTransport {
            device,
            inbuf: VecDeque::new(),
            dtr: false,
            rts: false,
            no_lines: false,
            host_baud: crate::consts::serial::ROM_BAUD,
        }
    }
}

impl Transport for SimTransport {
    fn write_all(&mut self, data: &[u8]) -> Result<()> {
        // Bytes at the wrong baud rate are garbage to the chip.
        if self.host_baud != self.device.baud {
            let garbled: Vec<u8> = data.iter().map(|b| b.rotate_left(3) ^ 0x11).collect();
            self.device.input(&garbled);
        } else {
            self.device.input(data);
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize> {
        if self.inbuf.is_empty() {
            let out = self.device.take_output();
            self.inbuf.extend(out);
        }
        let n = buf.len().min(self.inbuf.len());
        for (slot, b) in buf.iter_mut().zip(self.inbuf.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }

    fn set_baud(&mut self, baud: u32) -> Result<()> {
        self.host_baud = baud;
        Ok(())
    }

    fn set_lines(&mut self, dtr: Option<bool>, rts: Option<bool>) -> Result<bool> {
        if self.no_lines {
            return Ok(false);
        }
        if let Some(d) = dtr {
            self.dtr = d;
        }
        if let Some(r) = rts {
            let release = self.rts && !r;
            self.rts = r;
            if release {
                // EN goes high: the chip boots; GPIO0 low (DTR asserted) selects the loader.
                self.device.reset(true);
                if !self.dtr {
                    self.device.mode = Mode::UserCode;
                }
            }
        }
        Ok(true)
    }

    fn clear_input(&mut self) -> Result<()> {
        self.inbuf.clear();
        let _ = self.device.take_output();
        Ok(())
    }

    fn sleep(&mut self, _d: Duration) {}
}
