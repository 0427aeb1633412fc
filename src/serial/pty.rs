//! Pseudo-terminal helper for the simulator: `openpty` with the slave in raw mode, so 0x0A,
//! 0x0D and 0x11/0x13 pass unchanged (`serial-protocol.md` §7.1). Unix only.

use crate::{Error, Result};
use std::os::fd::{FromRawFd, OwnedFd};

/// A pty pair: the simulator keeps both ends (the slave stays open so the device survives
/// clients that close and reopen the path).
#[derive(Debug)]
pub struct Pty {
    /// Master side (the simulator reads and writes here).
    pub master: OwnedFd,
    /// Slave side, kept open.
    pub slave: OwnedFd,
    /// Path of the slave, e.g. `/dev/pts/3`.
    pub path: String,
}

fn os_err(what: &str) -> Error {
    Error::Device(format!("{what}: {}", std::io::Error::last_os_error()))
}

/// Put a terminal fd in raw mode (8N1, no echo, no translation).
pub fn make_raw(fd: i32) -> Result<()> {
    // SAFETY: tcgetattr/tcsetattr on a valid fd with a properly sized, zeroed termios.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut t) != 0 {
            return Err(os_err("tcgetattr"));
        }
        libc::cfmakeraw(&mut t);
        t.c_cflag |= libc::CLOCAL | libc::CREAD;
        if libc::tcsetattr(fd, libc::TCSANOW, &t) != 0 {
            return Err(os_err("tcsetattr"));
        }
    }
    Ok(())
}

/// Open a pty pair with the slave in raw mode.
pub fn open() -> Result<Pty> {
    let mut master: i32 = -1;
    let mut slave: i32 = -1;
    let mut name = [0 as libc::c_char; 256];
    // SAFETY: openpty writes two fds and a NUL-terminated name into the 256-byte buffer.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            name.as_mut_ptr(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if rc != 0 {
        return Err(os_err("openpty"));
    }
    // SAFETY: both fds were just returned by openpty and are owned by nobody else.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    use std::os::fd::AsRawFd;
    make_raw(slave.as_raw_fd())?;
    // SAFETY: openpty NUL-terminated the name.
    let path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    Ok(Pty {
        master,
        slave,
        path,
    })
}
