//! Serve a simulated chip on a pty master: read what the client sends, feed the chip, write
//! its answers back, optionally throttled to the UART's line rate (10 bit times per byte at the
//! chip's current baud) plus a fixed per-reply latency (a USB-UART adapter's turnaround).

use super::device::Device;
use crate::consts::serial::BITS_PER_BYTE;
use crate::serial::pty::Pty;
use crate::{Error, Result};
use std::os::fd::AsRawFd;
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

fn byte_time(baud: u32, n: usize) -> Duration {
    let nanos = (n as u128) * u128::from(BITS_PER_BYTE) * 1_000_000_000 / u128::from(baud.max(1));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

fn sleep_until(t: Instant) {
    let now = Instant::now();
    if t > now {
        std::thread::sleep(t - now);
    }
}

/// The baud rate the client set on the slave side, when the pty reports a known speed.
fn client_baud(fd: i32) -> Option<u32> {
    // SAFETY: tcgetattr into a zeroed termios on a valid fd.
    let speed = unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut t) != 0 {
            return None;
        }
        libc::cfgetospeed(&t)
    };
    let table: &[(libc::speed_t, u32)] = &[
        (libc::B9600, 9600),
        (libc::B19200, 19200),
        (libc::B38400, 38400),
        (libc::B57600, 57600),
        (libc::B115200, 115_200),
        (libc::B230400, 230_400),
        (libc::B460800, 460_800),
        (libc::B921600, 921_600),
        (libc::B1500000, 1_500_000),
        (libc::B2000000, 2_000_000),
    ];
    table.iter().find(|(s, _)| *s == speed).map(|&(_, b)| b)
}

fn write_out(fd: i32, mut data: &[u8], stop: &AtomicBool) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(2);
    while !data.is_empty() {
        // SAFETY: writing from a valid slice to a valid fd.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n > 0 {
            data = &data[n as usize..];
            continue;
        }
        let err = std::io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EINTR) => {
                if Instant::now() > deadline || stop.load(Ordering::Relaxed) {
                    return Ok(()); // nobody reads: drop, as a UART would
                }
                let mut p = libc::pollfd {
                    fd,
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                unsafe { libc::poll(&mut p, 1, 20) };
            }
            _ => return Err(Error::Device(format!("pty write: {err}"))),
        }
    }
    Ok(())
}

/// Serve `device` on `pty` until `stop` becomes true.
pub fn serve(pty: &Pty, device: &mut Device, opts: &ServeOptions, stop: &AtomicBool) -> Result<()> {
    let fd = pty.master.as_raw_fd();
    let slave_fd = pty.slave.as_raw_fd();
    // SAFETY: fcntl on a valid fd.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK);
    }
    let mut buf = vec![0u8; 4096];
    let mut rx_clock = Instant::now();
    let mut tx_clock = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut p, 1, 20) };
        if r <= 0 {
            continue;
        }
        // SAFETY: reading into a valid buffer.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EAGAIN) | Some(libc::EINTR) => continue,
                Some(libc::EIO) => {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                _ => return Err(Error::Device(format!("pty read: {err}"))),
            }
        }
        let data = &buf[..n as usize];
        if opts.throttle {
            let now = Instant::now();
            rx_clock = rx_clock.max(now) + byte_time(device.baud, n as usize);
            sleep_until(rx_clock);
        }
        match client_baud(slave_fd) {
            Some(b) if b != device.baud => {
                let garbled: Vec<u8> = data.iter().map(|b| b.rotate_left(3) ^ 0x11).collect();
                device.input(&garbled);
            }
            _ => device.input(data),
        }
        let out = device.take_output();
        if out.is_empty() {
            continue;
        }
        if opts.throttle {
            if !opts.latency.is_zero() {
                std::thread::sleep(opts.latency);
            }
            tx_clock = tx_clock.max(Instant::now());
            for chunk in out.chunks(256) {
                tx_clock += byte_time(device.baud, chunk.len());
                sleep_until(tx_clock);
                write_out(fd, chunk, stop)?;
            }
        } else {
            write_out(fd, &out, stop)?;
        }
    }
    Ok(())
}
