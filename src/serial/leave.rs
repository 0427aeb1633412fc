//! Ending a session: `--after` carried out, and the state the chip is left in found out by
//! SYNC rather than assumed (the current esp-flasher-stub ignores the reboot request of
//! FLASH_END; the legacy stub obeys it). See docs/serial.md, "Stub generations".

use super::command::Command;
use super::loader::Loader;
use super::transport::{self, After, Transport};
use crate::serial::protocol as c;
use crate::{Error, Result};
use std::time::Duration;

/// Where a session left the chip (reported to the user; never guessed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum EndState {
    /// EN was pulsed through RTS with GPIO0 high: the firmware boots.
    HardReset,
    /// The ROM loader answered a SYNC at 115200.
    RomLoader,
    /// A flasher stub answered a SYNC (value 0) at this baud.
    Stub {
        /// Its baud rate.
        baud: u32,
    },
    /// The loader was asked to run the firmware and no longer answers.
    UserCode,
    /// Nothing answered: the state is not known.
    Unknown,
}

impl EndState {
    /// What the user should know, in one sentence.
    pub fn describe(&self) -> String {
        match self {
            EndState::HardReset => "the chip was reset through RTS and runs its firmware".into(),
            EndState::RomLoader => "the chip is in the ROM loader (checked by SYNC); power-cycle \
                it with GPIO0 high to run the firmware"
                .into(),
            EndState::Stub { baud } => format!(
                "the chip is still running the flasher stub at {baud} baud (checked by SYNC; \
                 the next espdump command continues with it); power-cycle it with GPIO0 high \
                 to run the firmware"
            ),
            EndState::UserCode => "the chip left the loader to run its firmware".into(),
            EndState::Unknown => "the chip does not answer: its state is unknown; power-cycle \
                it (GPIO0 high to run the firmware, low for the loader)"
                .into(),
        }
    }
}

/// Where the chip was left, as reported: the state and its one-sentence description. The
/// human note on stderr and the JSON `end_state` field are both rendered from this.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EndReport {
    /// The state (`state`, plus `baud` for a stub).
    #[serde(flatten)]
    pub state: EndState,
    /// [`EndState::describe`], prefixed with why the chip was not reset where that applies.
    pub message: String,
}

impl EndReport {
    /// The report for `state`, its message prefixed with `why` (may be empty).
    pub fn new(state: EndState, why: &str) -> Self {
        EndReport {
            state,
            message: format!("{why}{}", state.describe()),
        }
    }
}

impl<T: Transport> Loader<T> {
    /// End the session per `after` and say where the chip is, checked by a SYNC where the
    /// lines did not reset it. Errors on the way are folded into [`EndState::Unknown`].
    pub fn finish(&mut self, after: After) -> Result<EndState> {
        if after == After::HardReset
            && self.reset_lines != Some(false)
            && transport::hard_reset(self.transport())?
        {
            self.reset_lines = Some(true);
            self.stub = false;
            return Ok(EndState::HardReset);
        }
        if after == After::HardReset {
            self.reset_lines = Some(false);
        }
        Ok(match self.leave(after) {
            Ok(st) => st,
            Err(Error::Transport(m)) => return Err(Error::Transport(m)),
            Err(_) => EndState::Unknown,
        })
    }

    fn leave(&mut self, after: After) -> Result<EndState> {
        self.pending_work = Duration::ZERO;
        if !self.stub {
            if after != After::SoftReset {
                return Ok(EndState::RomLoader);
            }
            self.command(&Command::flash_begin_empty(false))?;
            self.send(&Command::FlashEnd { reboot: false })?;
            return Ok(EndState::UserCode);
        }
        // Whatever happens next, a stub that stays must be found at 115200.
        if self.baud != c::ROM_BAUD {
            self.change_baud(c::ROM_BAUD)?;
        }
        match after {
            After::NoResetStub => return Ok(EndState::Stub { baud: self.baud }),
            After::SoftReset => self.send(&Command::RunUserCode)?,
            _ => {
                // esptool's "leave the stub": the legacy stub reboots into the ROM loader, the
                // current one replies and stays (reboot not implemented).
                self.command(&Command::flash_begin_empty(true))?;
                self.command(&Command::FlashEnd { reboot: true })?;
            }
        }
        self.transport()
            .sleep(Duration::from_millis(c::RESET_PULSE_MS));
        self.flush_input()?;
        for _ in 0..2 {
            if self.sync()? {
                return Ok(if self.stub {
                    EndState::Stub { baud: self.baud }
                } else {
                    EndState::RomLoader
                });
            }
        }
        self.stub = false;
        Ok(if after == After::SoftReset {
            EndState::UserCode
        } else {
            EndState::Unknown
        })
    }
}
