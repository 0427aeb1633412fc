//! Ctrl-C and SIGTERM for the serial commands: the handler only records the signal; the
//! workflows look at it at safe points (between read chunks, between write blocks, between MD5
//! queries) and stop there with [`crate::Error::Interrupted`], so nothing half-done is kept.
//! A second signal ends the process at once (the default action).

use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Once};

/// The signal that asked to stop (0: none), written by the handlers of [`install`].
static SIGNAL: AtomicUsize = AtomicUsize::new(0);
/// Set by the first signal; arms the second one to end the process.
static SEEN: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Install the SIGINT and SIGTERM handlers (once; later calls do nothing). The first signal
/// is only recorded; a second one ends the process with the signal's default action (on
/// Windows, exit status 128 + signal).
pub fn install() {
    INSTALL.call_once(|| {
        for sig in [SIGINT, SIGTERM] {
            // Order matters: the check of an earlier signal runs before this one is recorded.
            // Registration fails only for forbidden signals, which these are not; without a
            // handler a signal keeps its default action, which still stops the command.
            #[cfg(unix)]
            let _ = signal_hook::flag::register_conditional_default(sig, &SEEN);
            #[cfg(not(unix))]
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, &SEEN);
            let _ = signal_hook::flag::register_usize(sig, &SIGNAL, sig as usize);
            let _ = signal_hook::flag::register(sig, &SEEN);
        }
    });
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
            StopFlag::Signals => SIGNAL.load(Ordering::SeqCst) as i32,
            StopFlag::Flag(f) => f.load(Ordering::SeqCst),
        };
        match sig {
            0 => None,
            SIGTERM => Some("SIGTERM"),
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
        f.store(SIGTERM, Ordering::SeqCst);
        match s.check(|| "kept 3 blocks".into()) {
            Err(crate::Error::Interrupted { signal, detail }) => {
                assert_eq!(signal, "SIGTERM");
                assert_eq!(detail, "kept 3 blocks");
            }
            other => panic!("{other:?}"),
        }
        f.store(SIGINT, Ordering::SeqCst);
        assert_eq!(s.requested(), Some("SIGINT"));
        assert_eq!(StopFlag::Never.requested(), None);
    }
}
