//! A faithful ESP8266 serial-loader simulator, for tests and benchmarks without hardware.
//!
//! [`device::Device`] is the chip (ROM loader, flasher stub, NOR flash, SPI engine, faults).
//! It is driven either in memory through [`SimTransport`] (unit tests: deterministic, instant)
//! or on a pseudo-terminal by `serve` (Unix; `espdump simulate`: esptool and espdump open the pty
//! path like a real port, optionally throttled to the line rate).

mod clock;
pub mod device;
pub mod faults;
pub mod flash;
mod regs;
#[cfg(unix)]
pub mod serve;
mod stub_mode;
mod timing;

pub use device::{boot_banner_at_115200, Device, DeviceConfig, LogEntry, Mode, StubKind};
pub use faults::Faults;
pub use regs::capacity_code;

use crate::serial::transport::Transport;
use crate::Result;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How long `bytes` take on a UART line at `baud` (10 bit times per byte, 8N1).
pub fn line_time(baud: u32, bytes: usize) -> Duration {
    let bits = bytes as u128 * u128::from(crate::serial::protocol::BITS_PER_BYTE);
    let nanos = bits * 1_000_000_000 / u128::from(baud.max(1));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// An in-memory transport wired straight to a simulated chip, on a virtual clock: writes
/// advance it by their wire time at the host's baud, reads wait (virtually) for the chip's next
/// due output up to their timeout, sleeps advance it. Tests of hardware time run in
/// microseconds of real time, and a timeout in them is a timeout the real chip would cause.
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
    /// Virtual time since the transport was made.
    pub clock: Duration,
    origin: Instant,
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
            host_baud: crate::serial::protocol::ROM_BAUD,
            clock: Duration::ZERO,
            origin: Instant::now(),
        }
    }

    fn wire_time(&self, bytes: usize) -> Duration {
        line_time(self.host_baud, bytes)
    }
}

impl Transport for SimTransport {
    fn write_all(&mut self, data: &[u8]) -> Result<()> {
        self.clock += self.wire_time(data.len());
        self.device.now = self.clock;
        // Bytes at the wrong baud rate are garbage to the chip.
        if self.host_baud != self.device.baud {
            let garbled: Vec<u8> = data.iter().map(|b| b.rotate_left(3) ^ 0x11).collect();
            self.device.input(&garbled);
        } else {
            self.device.input(data);
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize> {
        if self.inbuf.is_empty() {
            match self.device.next_due() {
                Some(t) if t <= self.clock + timeout => self.clock = self.clock.max(t),
                _ => {
                    self.clock += timeout;
                    return Ok(0);
                }
            }
            let out = self.device.take_due(self.clock);
            self.clock += self.wire_time(out.len());
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
                self.device.now = self.clock;
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
        let _ = self.device.take_due(self.clock);
        Ok(())
    }

    fn sleep(&mut self, d: Duration) {
        self.clock += d;
        self.device.now = self.clock;
    }

    fn now(&mut self) -> Instant {
        self.origin + self.clock
    }
}
