//! The serial flash layer: talk to an ESP8266's ROM loader and flasher stub.
//!
//! Layers, each usable alone: [`slip`] (framing), [`command`] / [`response`] (packets),
//! [`transport`] (the port), [`loader`] (a session: reset, sync, chip id, stub upload, baud,
//! flash primitives), [`plan`] (pure planning: MD5 sector skipping, ROM blocks, the erase-size
//! workaround), [`ops`] (read / write / erase / verify workflows with progress events),
//! [`stub`] (esptool-format stub JSON) and `sim` (feature `simulator`: a faithful simulated
//! chip, in memory or on a pty). Reference: `docs/serial.md` §P1-§P6.

#[cfg(all(unix, feature = "simulator"))]
pub mod bridge;
pub mod builtin_stub;
pub mod busy;
pub mod chip;
pub mod command;
mod flashio;
pub mod interrupt;
mod leave;
pub mod loader;
pub mod ops;
pub mod plan;
pub mod protocol;
#[cfg(all(unix, feature = "simulator"))]
pub mod pty;
pub mod registers;
pub mod response;
pub mod scan;
#[cfg(feature = "simulator")]
pub mod sim;
pub mod slip;
pub mod stub;
pub mod timeouts;
pub mod transport;

use serde::Serialize;

/// What a long operation is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// Uploading the flasher stub (bytes).
    UploadStub,
    /// Comparing MD5s to find sectors to skip (sectors).
    Scan,
    /// Reading flash (bytes).
    Read,
    /// Writing flash (bytes of image).
    Write,
    /// Erasing (bytes).
    Erase,
    /// Checking the result by MD5 (bytes).
    Verify,
}

/// Progress of a long operation, sent to a callback. The CLI renders these on stderr.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ProgressEvent {
    /// A task starts with `total` units.
    Begin {
        /// Task.
        task: Task,
        /// Units in all.
        total: u64,
    },
    /// `done` units of the task are finished.
    Advance {
        /// Task.
        task: Task,
        /// Units done so far.
        done: u64,
    },
    /// The task is over.
    End {
        /// Task.
        task: Task,
    },
    /// A one-line note for the user (e.g. a retry).
    Note(String),
    /// The chip is working before it can reply (`Some`: what it does, e.g. "chip erasing
    /// 2.0 MiB"), or it has replied (`None`). Sent around waits that may be long, so the user
    /// sees the chip work instead of a frozen bar.
    ChipBusy(Option<String>),
}

/// A progress callback.
pub type Progress<'a> = &'a mut dyn FnMut(ProgressEvent);
