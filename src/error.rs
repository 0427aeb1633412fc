//! The library's error type. Every variant says where and what.

use std::path::PathBuf;

/// Errors returned by espdump's library functions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input cannot be used at all (empty, too short, not an ESP8266 dump or image).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A structure could not be parsed at an offset.
    #[error("cannot parse {what} at 0x{offset:06x}: {reason}")]
    Parse {
        /// What was being parsed.
        what: &'static str,
        /// Where.
        offset: u64,
        /// Why it failed.
        reason: String,
    },
    /// An operation was refused to protect data (clone guard, no recipe, overwriting the input).
    #[error("refused: {0}")]
    Refused(String),
    /// Talking to the device failed (transport, protocol, timeout, ROM status).
    #[error("device: {0}")]
    Device(String),
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
