//! The loader's flash primitives: READ_FLASH with acknowledgements and the stub's MD5 check,
//! compressed writes (FLASH_DEFL_*), ROM writes (FLASH_BEGIN with the erase-size workaround,
//! 0x400-byte FLASH_DATA blocks), block retries, and erasing (`docs/serial.md` §P4).

use super::command::Command;
use super::loader::Loader;
use super::plan;
use super::response::Status;
use super::slip;
use super::transport::Transport;
use super::{ProgressEvent, Task};
use crate::formats::flash::SECTOR_SIZE;
use crate::serial::protocol as c;
use crate::{Error, Result};
use std::time::Duration;

/// Decodes one frame of a read stream into the bytes it must yield (`None`: corrupt).
pub(super) type Unpack = dyn Fn(&[u8], usize) -> Option<Vec<u8>>;

impl<T: Transport> Loader<T> {
    /// READ_FLASH one region; the stub's MD5 over the data is checked. `on_bytes` is told the
    /// bytes received so far.
    pub fn read_flash(
        &mut self,
        offset: u32,
        len: u32,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Vec<u8>> {
        self.require_stub("reading flash")?;
        self.command(&Command::ReadFlash {
            offset,
            length: len,
        })?;
        let unpack = |p: &[u8], want: usize| (p.len() == want).then(|| p.to_vec());
        self.receive_acked(offset, len as usize, c::READ_PACKET, &unpack, on_bytes)
    }

    /// Receive the `len` bytes a stub streams after a read command (READ_FLASH, or the builtin
    /// stub's compressed read): each frame decoded by `unpack` (given the frame and the bytes
    /// it must yield, at most `unit`; `None` when it is corrupt), each acknowledged with the
    /// count so far, then the stub's MD5 of all the data checked. `on_bytes` gets the count.
    pub(super) fn receive_acked(
        &mut self,
        offset: u32,
        len: usize,
        unit: usize,
        unpack: &Unpack,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Vec<u8>> {
        let mut data = Vec::with_capacity(len);
        let frame_timeout = Duration::from_millis(c::TIMEOUT_READ_FRAME_MS);
        while data.len() < len {
            let at = offset as usize + data.len();
            let Some(p) = self.read_frame(frame_timeout)? else {
                return Err(Error::Device(format!(
                    "read at 0x{at:06x}: no data after {} of {len} bytes",
                    data.len()
                )));
            };
            let want = unit.min(len - data.len());
            let Some(chunk) = unpack(&p, want).filter(|u| u.len() == want) else {
                return Err(Error::Device(format!(
                    "read at 0x{at:06x}: corrupt packet ({} bytes on the line for {want})",
                    p.len()
                )));
            };
            data.extend_from_slice(&chunk);
            self.write_raw(&slip::encode(&(data.len() as u32).to_le_bytes()))?;
            on_bytes(data.len() as u64);
        }
        let digest = self.read_frame(frame_timeout)?.ok_or_else(|| {
            Error::Device(format!("read at 0x{offset:06x}: no MD5 after the data"))
        })?;
        if digest.len() != 16 {
            return Err(Error::Device(format!(
                "read at 0x{offset:06x}: expected a 16-byte MD5, got {} bytes",
                digest.len()
            )));
        }
        if digest != plan::md5(&data) {
            return Err(Error::Device(format!(
                "read at 0x{offset:06x}: MD5 mismatch, data corrupted on the line"
            )));
        }
        Ok(data)
    }

    /// Send a data block and wait up to `timeout`. Retried (at most 3 sends) only when the
    /// chip reports a checksum error, or on a timeout when `retry_on_timeout` (a block that is
    /// processed before the reply, so a lost reply means a lost block). Any other status is an
    /// error at once: with a reply-first stub it may be the deferred failure of the previous
    /// block.
    fn data_command(
        &mut self,
        cmd: &Command,
        timeout: Duration,
        retry_on_timeout: bool,
    ) -> Result<()> {
        let mut last = None;
        for _ in 0..c::BLOCK_RETRIES {
            self.send(cmd)?;
            match self.wait_response(cmd.opcode(), 0, timeout) {
                Ok(r) => match r.status() {
                    Status::Ok => return Ok(()),
                    st @ (Status::Rom(c::ROM_ERR_CHECKSUM)
                    | Status::Stub(c::STUB_ERR_BAD_CHECKSUM)) => {
                        last = Some(Error::Status {
                            command: cmd.name().to_string(),
                            status: st.to_string(),
                        });
                    }
                    st => {
                        return Err(Error::Status {
                            command: cmd.name().to_string(),
                            status: st.to_string(),
                        })
                    }
                },
                Err(e @ Error::Timeout { .. }) if retry_on_timeout => last = Some(e),
                Err(e) => return Err(e),
            }
            self.flush_input()?;
        }
        Err(last.unwrap_or_else(|| Error::Device("block write failed".into())))
    }

    /// Stop between blocks on Ctrl-C / SIGTERM, naming the range left unverified.
    fn check_stop(&self, offset: u32, len: usize, sent: usize) -> Result<()> {
        self.stop.check(|| {
            format!(
                "the write stopped between blocks after {sent} of {len} bytes at 0x{offset:06x}; \
                 0x{offset:06x}..0x{:06x} is unverified (partly written): run the same write \
                 again to finish it",
                offset as usize + len
            )
        })
    }

    /// Write `data` at `offset` through the stub, zlib-compressed (FLASH_DEFL_*), then
    /// FLASH_DEFL_END (stay in the stub). `progress` gets `Advance { Write, base + bytes sent }`
    /// after each block, and [`ProgressEvent::ChipBusy`] around a reply that waits for a block
    /// inflating to at least [`super::busy::ANNOUNCE_BYTES`].
    ///
    /// The stub replies to a block first and inflates, erases and programs it afterwards, so
    /// each reply also waits for the previous block's work: the timeout of block N+1 (and of
    /// the END) includes the budget for what block N inflates to.
    pub fn write_deflated(
        &mut self,
        offset: u32,
        data: &[u8],
        base: u64,
        progress: &mut dyn FnMut(ProgressEvent),
    ) -> Result<()> {
        self.write_deflated_with(offset, data, None, base, progress)
    }

    /// [`Loader::write_deflated`] with `data` already compressed (`pre`, from
    /// [`plan::Deflated::of`] on exactly `data`), e.g. while the session was being set up.
    pub fn write_deflated_with(
        &mut self,
        offset: u32,
        data: &[u8],
        pre: Option<plan::Deflated>,
        base: u64,
        progress: &mut dyn FnMut(ProgressEvent),
    ) -> Result<()> {
        self.require_stub("compressed writing")?;
        self.check_stop(offset, data.len(), 0)?;
        let plan::Deflated { blocks, sizes } = pre.unwrap_or_else(|| plan::Deflated::of(data));
        self.command(&Command::FlashDeflBegin {
            size: data.len() as u32,
            blocks: blocks.len() as u32,
            block_size: c::STUB_BLOCK as u32,
            offset,
        })?;
        let mut released = 0u64;
        // Bytes the previous block released that a reply-first stub still has to write.
        let mut pending = 0u64;
        for (seq, (b, unc)) in blocks.into_iter().zip(sizes).enumerate() {
            if seq > 0 {
                self.check_stop(offset, data.len(), released as usize)?;
            }
            let cmd = Command::FlashDeflData {
                seq: seq as u32,
                data: b,
            };
            // esptool's stub replies before it writes a block (its work delays the next reply);
            // espdump's own (it answered STUB_INFO) replies once the block is in flash.
            let work = super::timeouts::data_block_work(unc, true);
            let (now, later) = if self.ext.is_some() {
                (work, Duration::ZERO)
            } else {
                (Duration::ZERO, work)
            };
            let timeout = self.timeout_for(&cmd) + std::mem::take(&mut self.pending_work) + now;
            let busy = super::busy::announce(
                progress,
                "erasing and programming",
                if now.is_zero() { pending } else { unc },
                0,
            );
            // A lost reply may mean the stub consumed the block: never resend into the inflater.
            self.data_command(&cmd, timeout, false)?;
            if busy {
                progress(ProgressEvent::ChipBusy(None));
            }
            self.pending_work = later;
            pending = if later.is_zero() { 0 } else { unc };
            released += unc;
            progress(ProgressEvent::Advance {
                task: Task::Write,
                done: base + released.min(data.len() as u64),
            });
        }
        // The END's reply comes after the last block is in flash.
        let busy = super::busy::announce(progress, "erasing and programming", pending, 0);
        self.command(&Command::FlashDeflEnd { reboot: false })?;
        if busy {
            progress(ProgressEvent::ChipBusy(None));
        }
        Ok(())
    }

    /// Write `data` at a sector-aligned `offset` through the ROM: FLASH_BEGIN with the
    /// erase-size workaround, then 0x400-byte FLASH_DATA blocks (no FLASH_END, as esptool).
    pub fn write_rom(
        &mut self,
        offset: u32,
        data: &[u8],
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<()> {
        if offset as usize % SECTOR_SIZE != 0 {
            return Err(Error::Usage(format!(
                "the ROM writes whole sectors only: offset 0x{offset:x} is not a multiple of 0x1000"
            )));
        }
        self.check_stop(offset, data.len(), 0)?;
        let p = plan::rom_write_plan(offset, data.len() as u32);
        let begin = if self.stub {
            Command::FlashBegin {
                erase_size: data.len() as u32,
                blocks: p.blocks,
                block_size: c::ROM_BLOCK as u32,
                offset,
                stub_form: true,
            }
        } else {
            Command::FlashBegin {
                erase_size: p.erase_size,
                blocks: p.blocks,
                block_size: c::ROM_BLOCK as u32,
                offset,
                stub_form: false,
            }
        };
        self.command(&begin)?;
        let mut sent = 0u64;
        for (seq, b) in plan::padded_blocks(data, c::ROM_BLOCK)
            .into_iter()
            .enumerate()
        {
            if seq > 0 {
                self.check_stop(offset, data.len(), sent as usize)?;
            }
            let rom = !self.stub;
            let len = b.len() as u64;
            let cmd = Command::FlashData {
                seq: seq as u32,
                data: b,
            };
            let timeout = self.timeout_for(&cmd) + std::mem::take(&mut self.pending_work);
            self.data_command(&cmd, timeout, rom)?;
            if self.stub {
                self.pending_work = super::timeouts::data_block_work(len, true);
            }
            sent = (sent + c::ROM_BLOCK as u64).min(data.len() as u64);
            on_bytes(sent);
        }
        if self.stub {
            self.command(&Command::FlashEnd { reboot: false })?;
        }
        Ok(())
    }

    /// Erase the whole chip (stub).
    pub fn erase_flash(&mut self) -> Result<()> {
        self.require_stub("erasing the whole chip at once")?;
        self.command(&Command::EraseFlash).map(|_| ())
    }

    /// Erase a sector-aligned region: ERASE_REGION with the stub, FLASH_BEGIN with the
    /// workaround erase size through the ROM (which may erase one sector more; see
    /// [`plan::rom_write_plan`]).
    pub fn erase_region(&mut self, offset: u32, size: u32) -> Result<()> {
        if self.stub {
            return self
                .command(&Command::EraseRegion { offset, size })
                .map(|_| ());
        }
        let p = plan::rom_write_plan(offset, size);
        self.command(&Command::FlashBegin {
            erase_size: p.erase_size,
            blocks: 0,
            block_size: c::ROM_BLOCK as u32,
            offset,
            stub_form: false,
        })
        .map(|_| ())
    }
}
