//! Exit codes (documented in README.md) and the error type the CLI reports with.

use std::fmt;

/// The process exit codes. Stable: scripts depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Success; for `diff`/`verify`: no differences.
    Ok = 0,
    /// `diff`/`verify`: differences found; `sanitize`: residue left in the output.
    Differences = 1,
    /// Bad command line (clap's own code for usage errors).
    Usage = 2,
    /// The input cannot be read or is not an ESP8266 dump/image.
    Input = 3,
    /// The device broke the protocol (unexpected or corrupt reply, MD5 mismatch, not an ESP8266).
    Device = 4,
    /// Refused to protect data (clone guard, no sanitize recipe, output equals input, size mismatch).
    Refused = 5,
    /// An output file could not be written.
    Output = 6,
    /// The chip did not answer a command in time (the command is named).
    Timeout = 7,
    /// The serial port failed (cannot open, unplugged, ioctl error on the reset lines).
    Port = 8,
    /// The ROM loader or the stub answered a command with a failure status.
    ChipStatus = 9,
    /// Stopped by Ctrl-C (SIGINT) at a safe point; confirmed work was kept.
    Interrupted = 130,
    /// Stopped by SIGTERM at a safe point; confirmed work was kept.
    Terminated = 143,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

/// A failure with the exit code it maps to. Printed as one line: `espdump: error: ...`.
#[derive(Debug)]
pub struct CliError {
    /// Exit code.
    pub exit: Exit,
    /// One-line message.
    pub message: String,
}

impl CliError {
    /// Build an error.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
        }
    }
    /// Input error (exit 3).
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(Exit::Input, message)
    }
    /// Output error (exit 6).
    pub fn output(message: impl Into<String>) -> Self {
        Self::new(Exit::Output, message)
    }
    /// Refusal (exit 5).
    pub fn refused(message: impl Into<String>) -> Self {
        Self::new(Exit::Refused, message)
    }
    /// Device error (exit 4).
    pub fn device(message: impl Into<String>) -> Self {
        Self::new(Exit::Device, message)
    }
}

/// Map an error writing to stdout: a closed pipe (`espdump ... | head`) ends quietly with 0.
pub fn stdout_error(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CliError::new(Exit::Ok, String::new())
    } else {
        CliError::output(format!("stdout: {e}"))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<crate::Error> for CliError {
    fn from(e: crate::Error) -> Self {
        let exit = match &e {
            crate::Error::InvalidInput(_) => Exit::Input,
            crate::Error::Refused(_) => Exit::Refused,
            crate::Error::Device(_) => Exit::Device,
            crate::Error::Timeout { .. } => Exit::Timeout,
            crate::Error::Transport(_) => Exit::Port,
            crate::Error::Status { .. } => Exit::ChipStatus,
            crate::Error::Usage(_) => Exit::Usage,
            crate::Error::Interrupted { signal, .. } => {
                if *signal == "SIGTERM" {
                    Exit::Terminated
                } else {
                    Exit::Interrupted
                }
            }
            crate::Error::Io { .. } => Exit::Input,
            #[allow(unreachable_patterns)]
            _ => Exit::Device,
        };
        CliError::new(exit, e.to_string())
    }
}

/// What a command returns.
pub type CliResult = Result<Exit, CliError>;
