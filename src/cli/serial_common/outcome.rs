//! How a serial command ends, in `--json` too: the state the chip was left in
//! ([`EndReport`], `end_state`) is kept for the command's last word, and a failure prints one
//! JSON document on stdout with the error's kind, message and exit code next to it.

use super::super::exit::{CliError, CliResult, Exit};
use crate::serial::loader::{EndReport, EndState};
use crate::serial::transport::After;
use std::cell::RefCell;
use std::io::Write;

thread_local! {
    /// Where the current command's session left the chip, once known.
    static ENDED: RefCell<Option<EndReport>> = const { RefCell::new(None) };
}

/// Record where the chip was left (the last record wins).
pub(super) fn record(rep: EndReport) {
    ENDED.with(|e| *e.borrow_mut() = Some(rep));
}

/// The report for `state` reached with `after`: why the chip was not reset through RTS is
/// said first where a hard reset was asked for.
pub fn end_report(state: EndState, after: After) -> EndReport {
    let why = if state != EndState::HardReset && after == After::HardReset {
        "not reset: the port has no DTR/RTS reset lines; "
    } else {
        ""
    };
    EndReport::new(state, why)
}

/// The state recorded once the port is open and until a session ends: nothing is known.
pub(super) fn not_set_up() -> EndReport {
    EndReport {
        state: EndState::Unknown,
        message: "the session stopped before it was set up: the chip's state is not known (the \
                  ROM loader or a flasher stub may be running); power-cycle it (GPIO0 high to \
                  run the firmware, low for the loader)"
            .into(),
    }
}

/// The `kind` of a JSON error, one per exit code.
pub fn error_kind(exit: Exit) -> &'static str {
    match exit {
        Exit::Ok => "none",
        Exit::Differences => "differences",
        Exit::Usage => "usage",
        Exit::Input => "input",
        Exit::Device => "protocol",
        Exit::Refused => "refused",
        Exit::Output => "output",
        Exit::Timeout => "timeout",
        Exit::Port => "port",
        Exit::ChipStatus => "chip-status",
        Exit::Interrupted => "interrupted",
        Exit::Terminated => "terminated",
    }
}

/// The JSON document of a failed command: `{"error": {"kind", "message", "exit_code"},
/// "end_state"}`; `end_state` is null when the port was never opened (the chip untouched).
pub fn error_document(e: &CliError, end: Option<&EndReport>) -> serde_json::Value {
    serde_json::json!({
        "error": {
            "kind": error_kind(e.exit),
            "message": e.message,
            "exit_code": e.exit as u8,
        },
        "end_state": end,
    })
}

/// Run a serial command's `body`. With `json`, a failure also prints [`error_document`] on
/// stdout (the one JSON document of the run; the one-line error still goes to stderr and the
/// exit code is unchanged).
pub fn run_serial(
    json: bool,
    w: &mut dyn Write,
    body: impl FnOnce(&mut dyn Write) -> CliResult,
) -> CliResult {
    ENDED.with(|e| e.borrow_mut().take());
    let r = body(w);
    let end = ENDED.with(|e| e.borrow_mut().take());
    match r {
        Err(e) if json && !e.message.is_empty() => {
            super::print_json(w, &error_document(&e, end.as_ref()))?;
            Err(e)
        }
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_document_carries_kind_message_code_and_end_state() {
        let e = CliError::new(Exit::Timeout, "no reply to SPI_FLASH_MD5 within 3.1 s");
        let end = end_report(EndState::Stub { baud: 115_200 }, After::HardReset);
        let v = error_document(&e, Some(&end));
        assert_eq!(v["error"]["kind"], "timeout");
        assert_eq!(v["error"]["exit_code"], 7);
        assert_eq!(v["error"]["message"], e.message);
        assert_eq!(v["end_state"]["state"], "stub");
        assert_eq!(v["end_state"]["baud"], 115_200);
        assert!(v["end_state"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("not reset: the port has no DTR/RTS reset lines; ")));
        assert_eq!(
            error_document(&e, None)["end_state"],
            serde_json::Value::Null
        );
    }

    #[test]
    fn run_serial_prints_one_document_only_for_json_failures() {
        let fail = |_: &mut dyn Write| -> CliResult {
            record(end_report(EndState::RomLoader, After::NoReset));
            Err(CliError::refused("no"))
        };
        let mut out = Vec::new();
        let r = run_serial(true, &mut out, fail);
        assert_eq!(r.map_err(|e| e.exit).expect_err("fails"), Exit::Refused);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v["error"]["kind"], "refused");
        assert_eq!(v["error"]["exit_code"], 5);
        assert_eq!(v["end_state"]["state"], "rom-loader");
        let mut out = Vec::new();
        assert!(run_serial(false, &mut out, fail).is_err());
        assert!(out.is_empty());
        // A success prints what the body printed, and a stale record does not leak into the
        // next command.
        let mut out = Vec::new();
        assert_eq!(
            run_serial(true, &mut out, |_| Ok(Exit::Ok)).expect("ok"),
            Exit::Ok
        );
        assert!(out.is_empty());
        let mut out = Vec::new();
        let _ = run_serial(true, &mut out, |_| Err(CliError::input("bad")));
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v["end_state"], serde_json::Value::Null);
    }
}
