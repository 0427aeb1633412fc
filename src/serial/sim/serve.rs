//! Serve a simulated chip on a pty master: read what the client sends, feed the chip, write
//! its answers back, optionally throttled to the UART's line rate (10 bit times per byte at the
//! chip's current baud) plus a fixed per-reply latency (a USB-UART adapter's turnaround).

use super::device::Device;
use super::line_time;
use crate::serial::pty::{client_baud, wait_ready, Pty};
use crate::{Error, Result};
use rustix::event::PollFlags;
use rustix::fs::OFlags;
use rustix::io::Errno;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How to serve.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Throttle both directions to the chip's current baud rate.
    pub throttle: bool,
    /// Extra delay before each burst of output (adapter latency).
    pub latency: Duration,
}

fn sleep_until(t: Instant) {
    let now = Instant::now();
    if t > now {
        std::thread::sleep(t - now);
    }
}

fn write_out(fd: BorrowedFd<'_>, mut data: &[u8], stop: &AtomicBool) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(2);
    while !data.is_empty() {
        match rustix::io::write(fd, data) {
            Ok(n) if n > 0 => data = &data[n..],
            Ok(_) | Err(Errno::AGAIN) | Err(Errno::INTR) => {
                if Instant::now() > deadline || stop.load(Ordering::Relaxed) {
                    return Ok(()); // nobody reads: drop, as a UART would
                }
                wait_ready(fd, PollFlags::OUT, 20);
            }
            Err(e) => {
                return Err(Error::Device(format!(
                    "pty write: {}",
                    std::io::Error::from(e)
                )))
            }
        }
    }
    Ok(())
}

/// Serve `device` on `pty` until `stop` becomes true. Input is fed to the chip as it
/// arrives (the chip keeps receiving while it works, as the stubs do); each output leaves when
/// the chip's clock says it is due, then at the line rate when throttled.
pub fn serve(pty: &Pty, device: &mut Device, opts: &ServeOptions, stop: &AtomicBool) -> Result<()> {
    let fd = pty.master.as_fd();
    let nonblocking = rustix::fs::fcntl_getfl(fd)
        .and_then(|fl| rustix::fs::fcntl_setfl(fd, fl | OFlags::NONBLOCK))
        .map_err(|e| Error::Device(format!("pty: {}", std::io::Error::from(e))));
    nonblocking?;
    let origin = Instant::now();
    let mut buf = vec![0u8; 4096];
    let mut rx_clock = Instant::now();
    let mut tx_clock = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let wait_ms = match device.next_due() {
            Some(t) => t.saturating_sub(origin.elapsed()).as_millis().min(20) as u64,
            None => 20,
        };
        if wait_ready(fd, PollFlags::IN, wait_ms) {
            receive(pty, device, opts, &mut buf, &mut rx_clock, origin)?;
        }
        let out = device.take_due(origin.elapsed());
        if out.is_empty() {
            continue;
        }
        if opts.throttle {
            if !opts.latency.is_zero() {
                std::thread::sleep(opts.latency);
            }
            tx_clock = tx_clock.max(Instant::now());
            for chunk in out.chunks(256) {
                tx_clock += line_time(device.baud, chunk.len());
                sleep_until(tx_clock);
                write_out(fd, chunk, stop)?;
            }
        } else {
            write_out(fd, &out, stop)?;
        }
    }
    Ok(())
}

/// Read what the client sent and feed it to the chip (garbled when the client's baud is not
/// the chip's).
fn receive(
    pty: &Pty,
    device: &mut Device,
    opts: &ServeOptions,
    buf: &mut [u8],
    rx_clock: &mut Instant,
    origin: Instant,
) -> Result<()> {
    let n = match rustix::io::read(&pty.master, &mut *buf) {
        Ok(n) if n > 0 => n,
        Ok(_) | Err(Errno::AGAIN) | Err(Errno::INTR) => return Ok(()),
        // No client has the slave open (between two connections): wait for the next.
        Err(Errno::IO) => {
            std::thread::sleep(Duration::from_millis(10));
            return Ok(());
        }
        Err(e) => {
            return Err(Error::Device(format!(
                "pty read: {}",
                std::io::Error::from(e)
            )))
        }
    };
    let data = &buf[..n];
    if opts.throttle {
        let now = Instant::now();
        *rx_clock = (*rx_clock).max(now) + line_time(device.baud, data.len());
        sleep_until(*rx_clock);
    }
    device.now = origin.elapsed();
    match client_baud(&pty.slave) {
        Some(b) if b != device.baud => {
            let garbled: Vec<u8> = data.iter().map(|b| b.rotate_left(3) ^ 0x11).collect();
            device.input(&garbled);
        }
        _ => device.input(data),
    }
    Ok(())
}
