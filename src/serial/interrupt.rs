//! Ctrl-C and SIGTERM for the serial commands: the handler only records the signal; the
//! workflows look at it at safe points (between read chunks, between write blocks, between MD5
//! queries) and stop there with [`crate::Error::Interrupted`], so nothing half-done is kept.
//! A second signal ends the process at once (the default action).

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

/// The process-wide signal slot the handlers write (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn record(sig: libc::c_int) {
    // A second signal while the first is being honoured: the user insists, stop at once.
    if SIGNAL.swap(sig, Ordering::SeqCst) != 0 {
        // SAFETY: signal() and raise() are async-signal-safe; SIG_DFL then re-raising ends the
        // process with the signal's default action.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

/// Install the SIGINT and SIGTERM handlers (idempotent).
pub fn install() {
    let handler = record as extern "C" fn(libc::c_int);
    // SAFETY: the handler only stores into an atomic, which is async-signal-safe; `signal`
    // with a valid function pointer has no other precondition.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
    }
}

/// Where a loader looks for a stop request: the process signal slot (the CLI) or a flag of
/// its own (tests, embedding programs).
#[derive(Debug, Clone, Default)]
pub enum StopFlag {
    /// Never stop.
    #[default]
    Never,
    /// The signal handlers of [`install`].
    Signals,
    /// A shared flag holding a signal number (0: keep going).
    Flag(Arc<AtomicI32>),
}

impl StopFlag {
    /// The signal that asked to stop, by name.
    pub fn requested(&self) -> Option<&'static str> {
        let sig = match self {
            StopFlag::Never => 0,
            StopFlag::Signals => SIGNAL.load(Ordering::SeqCst),
            StopFlag::Flag(f) => f.load(Ordering::SeqCst),
        };
        match sig {
            0 => None,
            libc::SIGTERM => Some("SIGTERM"),
            _ => Some("SIGINT"),
        }
    }

    /// `Err(Interrupted)` with `detail` when a stop was requested.
    pub fn check(&self, detail: impl FnOnce() -> String) -> crate::Result<()> {
        match self.requested() {
            None => Ok(()),
            Some(signal) => Err(crate::Error::Interrupted {
                signal,
                detail: detail(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_names_the_signal() {
        let f = Arc::new(AtomicI32::new(0));
        let s = StopFlag::Flag(f.clone());
        assert!(s.check(String::new).is_ok());
        f.store(libc::SIGTERM, Ordering::SeqCst);
        match s.check(|| "kept 3 blocks".into()) {
            Err(crate::Error::Interrupted { signal, detail }) => {
                assert_eq!(signal, "SIGTERM");
                assert_eq!(detail, "kept 3 blocks");
            }
            other => panic!("{other:?}"),
        }
        f.store(libc::SIGINT, Ordering::SeqCst);
        assert_eq!(s.requested(), Some("SIGINT"));
        assert_eq!(StopFlag::Never.requested(), None);
    }
}
