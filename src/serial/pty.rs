//! Pseudo-terminal helper for the simulator: a pty pair with the slave in raw mode, so 0x0A,
//! 0x0D and 0x11/0x13 pass unchanged (`docs/serial.md`), and the baud rate a client set on it.
//! Unix only (feature `simulator`); the system calls go through `rustix`.

use crate::{Error, Result};
use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::fs::{Mode, OFlags};
use rustix::pty::OpenptFlags;
use rustix::termios::{OptionalActions, Termios};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

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

fn os_err(what: &str, e: rustix::io::Errno) -> Error {
    Error::Device(format!("{what}: {}", std::io::Error::from(e)))
}

/// Put a terminal in raw mode (8N1, no echo, no translation), receiver on, modem status
/// lines ignored.
fn make_raw(fd: impl AsFd) -> Result<()> {
    let mut t: Termios = rustix::termios::tcgetattr(&fd).map_err(|e| os_err("tcgetattr", e))?;
    t.make_raw();
    t.control_modes |= rustix::termios::ControlModes::CLOCAL | rustix::termios::ControlModes::CREAD;
    rustix::termios::tcsetattr(&fd, OptionalActions::Now, &t).map_err(|e| os_err("tcsetattr", e))
}

/// Open a pty pair with the slave in raw mode. Both ends are close-on-exec, so a chip process
/// started by [`super::bridge`] does not hold them.
pub fn open() -> Result<Pty> {
    let flags = OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC;
    let master = rustix::pty::openpt(flags).map_err(|e| os_err("posix_openpt", e))?;
    rustix::pty::grantpt(&master).map_err(|e| os_err("grantpt", e))?;
    rustix::pty::unlockpt(&master).map_err(|e| os_err("unlockpt", e))?;
    let name = rustix::pty::ptsname(&master, Vec::new()).map_err(|e| os_err("ptsname", e))?;
    let slave_flags = OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC;
    let slave = rustix::fs::open(name.as_c_str(), slave_flags, Mode::empty())
        .map_err(|e| os_err("open pty slave", e))?;
    make_raw(&slave)?;
    Ok(Pty {
        master,
        slave,
        path: name.to_string_lossy().into_owned(),
    })
}

/// The baud rate a client set on a terminal (`None` when it cannot be read or is 0). On Linux
/// `rustix` reads it with TCGETS2, so a rate set through termios2/BOTHER (how the serialport
/// crate sets every rate there) is seen as the number it is; a plain `cfgetospeed` would
/// report only the BOTHER flag.
pub fn client_baud(fd: impl AsFd) -> Option<u32> {
    let speed = rustix::termios::tcgetattr(fd).ok()?.output_speed();
    (speed > 0).then_some(speed)
}

/// Wait up to `ms` for `fd` to become ready for `flags`; `true` when it is.
pub fn wait_ready(fd: BorrowedFd<'_>, flags: PollFlags, ms: u64) -> bool {
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: (ms.min(999) * 1_000_000) as _,
    };
    let mut fds = [PollFd::new(&fd, flags)];
    matches!(rustix::event::poll(&mut fds, Some(&timeout)), Ok(n) if n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serialport crate sets rates through termios2/BOTHER; TCGETS2 sees standard and
    /// custom ones alike.
    #[test]
    fn client_baud_sees_bother_rates() {
        let pty = open().expect("pty");
        for baud in [115_200u32, 921_600, 250_000] {
            let mut t =
                crate::serial::transport::SerialTransport::open(&pty.path, baud).expect("open");
            assert_eq!(client_baud(&pty.slave), Some(baud));
            crate::serial::transport::Transport::set_baud(&mut t, 460_800).expect("baud");
            assert_eq!(client_baud(&pty.slave), Some(460_800));
        }
    }

    #[test]
    fn slave_is_raw_and_named() {
        let pty = open().expect("pty");
        assert!(pty.path.starts_with("/dev/"), "{}", pty.path);
        let t = rustix::termios::tcgetattr(&pty.slave).expect("tcgetattr");
        assert!(!t
            .local_modes
            .intersects(rustix::termios::LocalModes::ECHO | rustix::termios::LocalModes::ICANON));
        assert!(t
            .control_modes
            .contains(rustix::termios::ControlModes::CREAD));
    }
}
