//! Serve a simulated chip on a pty master: read what the client sends, feed the chip, write
//! its answers back, optionally throttled to the UART's line rate (10 bit times per byte at the
//! chip's current baud) plus a fixed per-reply latency (a USB-UART adapter's turnaround).

use super::device::Device;
use crate::serial::protocol::BITS_PER_BYTE;
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

/// The baud rate the client set on the slave side. Read with TCGETS2 so a rate set through
/// termios2/BOTHER (how the serialport crate sets every rate on Linux) is seen: `cfgetospeed`
/// on a plain `tcgetattr` reports only the BOTHER flag for those.
fn client_baud(fd: i32) -> Option<u32> {
    // SAFETY: TCGETS2 fills one termios2 through the valid pointer; fd is the open pty slave.
    let t2 = unsafe {
        let mut t2: libc::termios2 = std::mem::zeroed();
        if libc::ioctl(fd, libc::TCGETS2, &mut t2) != 0 {
            return None;
        }
        t2
    };
    (t2.c_ospeed > 0).then_some(t2.c_ospeed)
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

/// Serve `device` on `pty` until `stop` becomes true. Input is fed to the chip as it
/// arrives (the chip keeps receiving while it works, as the stubs do); each output leaves when
/// the chip's clock says it is due, then at the line rate when throttled.
pub fn serve(pty: &Pty, device: &mut Device, opts: &ServeOptions, stop: &AtomicBool) -> Result<()> {
    let fd = pty.master.as_raw_fd();
    let slave_fd = pty.slave.as_raw_fd();
    // SAFETY: fcntl on a valid fd.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK);
    }
    let origin = Instant::now();
    let mut buf = vec![0u8; 4096];
    let mut rx_clock = Instant::now();
    let mut tx_clock = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let wait_ms = match device.next_due() {
            Some(t) => t.saturating_sub(origin.elapsed()).as_millis().min(20) as i32,
            None => 20,
        };
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut p, 1, wait_ms) };
        if r > 0 {
            receive(fd, slave_fd, device, opts, &mut buf, &mut rx_clock, origin)?;
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

/// Read what the client sent and feed it to the chip (garbled when the client's baud is not
/// the chip's).
fn receive(
    fd: i32,
    slave_fd: i32,
    device: &mut Device,
    opts: &ServeOptions,
    buf: &mut [u8],
    rx_clock: &mut Instant,
    origin: Instant,
) -> Result<()> {
    // SAFETY: reading into a valid buffer.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n <= 0 {
        let err = std::io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EINTR) => Ok(()),
            Some(libc::EIO) => {
                std::thread::sleep(Duration::from_millis(10));
                Ok(())
            }
            _ => Err(Error::Device(format!("pty read: {err}"))),
        };
    }
    let data = &buf[..n as usize];
    if opts.throttle {
        let now = Instant::now();
        *rx_clock = (*rx_clock).max(now) + byte_time(device.baud, data.len());
        sleep_until(*rx_clock);
    }
    device.now = origin.elapsed();
    match client_baud(slave_fd) {
        Some(b) if b != device.baud => {
            let garbled: Vec<u8> = data.iter().map(|b| b.rotate_left(3) ^ 0x11).collect();
            device.input(&garbled);
        }
        _ => device.input(data),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serialport crate sets rates through termios2/BOTHER; TCGETS2 sees standard and
    /// custom ones alike.
    #[test]
    fn client_baud_sees_bother_rates() {
        let pty = crate::serial::pty::open().expect("pty");
        for baud in [115_200u32, 921_600, 250_000] {
            let mut t =
                crate::serial::transport::SerialTransport::open(&pty.path, baud).expect("open");
            assert_eq!(client_baud(pty.slave.as_raw_fd()), Some(baud));
            crate::serial::transport::Transport::set_baud(&mut t, 460_800).expect("baud");
            assert_eq!(client_baud(pty.slave.as_raw_fd()), Some(460_800));
        }
    }
}
