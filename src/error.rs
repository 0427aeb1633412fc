//! The library's error type. Every variant says where and what.

use std::path::PathBuf;

/// Errors returned by espdump's library functions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input cannot be used at all (empty, too short, not an ESP8266 dump or image).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// An operation was refused to protect data (clone guard, no recipe, overwriting the input).
    #[error("refused: {0}")]
    Refused(String),
    /// The device answered something the protocol does not allow (a short MD5, a corrupt
    /// packet, a chip that is not an ESP8266).
    #[error("device: {0}")]
    Device(String),
    /// No reply to a command within the time the work it asked for may take.
    #[error("device: no reply to {command} within {secs:.1} s{hint}")]
    Timeout {
        /// The command (opcode name).
        command: String,
        /// The timeout that expired, in seconds.
        secs: f64,
        /// What it probably means (empty or starting with "; ").
        hint: String,
    },
    /// The serial port itself failed (unplugged adapter, permission, ioctl error).
    #[error("port: {0}")]
    Transport(String),
    /// The ROM loader or the stub answered with a failure status.
    #[error("device: {command} failed: {status}")]
    Status {
        /// The command (opcode name).
        command: String,
        /// The decoded status, e.g. "stub error 0xc1 (bad data checksum)".
        status: String,
    },
    /// A command-line value is unusable (misaligned offset, region outside the flash).
    #[error("{0}")]
    Usage(String),
    /// Stopped by SIGINT or SIGTERM at a safe point.
    #[error("interrupted by {signal}: {detail}")]
    Interrupted {
        /// `SIGINT` or `SIGTERM`.
        signal: &'static str,
        /// What was kept and what was left undone.
        detail: String,
    },
    /// File-system I/O at the edge.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
