//! A loader session over any [`Transport`]: reset and sync with retries, chip detection, MAC,
//! flash id and size, stub upload, baud change, and the flash primitives (read with per-read
//! MD5, compressed and ROM writes, erase, MD5). Commands are sequenced only here.

pub use super::chip::{flash_size_from_id, mac_from_otp, ChipInfo};
use super::command::Command;
use super::interrupt::StopFlag;
pub use super::leave::{EndReport, EndState};
use super::response::{Response, Status};
use super::slip;
use super::stub::Stub;
use super::timeouts;
use super::transport::{self, Before, Transport};
use super::{Progress, ProgressEvent, Task};
use crate::serial::protocol::{
    BAUD_SETTLE_MS, CONNECT_ATTEMPTS, ESP8266_STATUS_LEN, MEM_BLOCK, OP_MEM_END, OP_SYNC, ROM_BAUD,
    STUB_GREETING, SYNCS_PER_ATTEMPT, SYNC_REPLIES, SYNC_ROM_VALUE, TIMEOUT_MEM_END_ROM_MS,
    TIMEOUT_OHAI_MS, TIMEOUT_SYNC_MS,
};
use crate::serial::registers as c;
use crate::{Error, Result};
use std::collections::VecDeque;
use std::time::Duration;

/// A session with the chip.
pub struct Loader<T: Transport> {
    t: T,
    dec: slip::Decoder,
    frames: VecDeque<Vec<u8>>,
    /// The stub is running (else the ROM loader).
    pub stub: bool,
    /// Current baud rate.
    pub baud: u32,
    /// espdump's stub extensions, when the running stub offers them.
    pub ext: Option<super::builtin_stub::Extensions>,
    /// Whether the port has reset lines (`None` until tried).
    pub reset_lines: Option<bool>,
    /// Connect attempts.
    pub connect_attempts: usize,
    /// Commands sent (statistics).
    pub commands_sent: u64,
    /// Bytes written to the port.
    pub bytes_out: u64,
    /// Bytes read from the port.
    pub bytes_in: u64,
    /// Work the stub accepted (a data block it replied to first) and may still be doing: the
    /// next reply waits for it, so the next timeout includes it.
    pub pending_work: Duration,
    /// Where to look for Ctrl-C / SIGTERM at safe points.
    pub stop: StopFlag,
    /// Bauds to try when the chip does not answer at 115200 (a stub left running at the fast
    /// rate of an earlier session).
    pub probe_bauds: Vec<u32>,
    /// Set when connect found a stub already running (SYNC value 0), with its baud.
    pub found_stub_at: Option<u32>,
    buf: Vec<u8>,
}

impl<T: Transport> Loader<T> {
    /// A session over `t` at 115200 baud.
    pub fn new(t: T) -> Self {
        Loader {
            t,
            dec: slip::Decoder::new(),
            frames: VecDeque::new(),
            stub: false,
            baud: ROM_BAUD,
            ext: None,
            reset_lines: None,
            connect_attempts: CONNECT_ATTEMPTS,
            commands_sent: 0,
            bytes_out: 0,
            bytes_in: 0,
            pending_work: Duration::ZERO,
            stop: StopFlag::Never,
            probe_bauds: Vec::new(),
            found_stub_at: None,
            buf: vec![0u8; 8192],
        }
    }

    /// The transport.
    pub fn transport(&mut self) -> &mut T {
        &mut self.t
    }

    /// Give the transport back.
    pub fn into_transport(self) -> T {
        self.t
    }

    pub(super) fn write_raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.bytes_out += bytes.len() as u64;
        self.t.write_all(bytes)
    }

    /// Send a command without waiting.
    pub fn send(&mut self, cmd: &Command) -> Result<()> {
        self.commands_sent += 1;
        let frame = slip::encode(&cmd.encode());
        self.write_raw(&frame)
    }

    /// Discard pending input and any partial frame.
    pub fn flush_input(&mut self) -> Result<()> {
        self.frames.clear();
        self.dec.reset();
        self.t.clear_input()
    }

    /// Next SLIP frame, or `None` after `timeout` without one.
    pub fn read_frame(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>> {
        if let Some(f) = self.frames.pop_front() {
            return Ok(Some(f));
        }
        let deadline = self.t.now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(self.t.now());
            let n = self.t.read(&mut self.buf, left)?;
            if n == 0 {
                // A timeout, or a signal woke the wait early: go on until the deadline.
                if self.t.now() >= deadline {
                    return Ok(None);
                }
                continue;
            }
            self.bytes_in += n as u64;
            let got = self.dec.push_all(&self.buf[..n]);
            self.frames.extend(got);
            if let Some(f) = self.frames.pop_front() {
                return Ok(Some(f));
            }
            // A partial frame stays in the decoder for the next call; a babbling port cannot
            // keep us here past the deadline.
            if self.t.now() >= deadline {
                return Ok(None);
            }
        }
    }

    /// Wait for the response to `op` (skipping other frames, at most 100).
    pub fn wait_response(
        &mut self,
        op: u8,
        data_len: usize,
        timeout: Duration,
    ) -> Result<Response> {
        let deadline = self.t.now() + timeout;
        for _ in 0..100 {
            let left = deadline.saturating_duration_since(self.t.now());
            let Some(frame) = self.read_frame(left)? else {
                break;
            };
            if let Some(r) = Response::decode(&frame, data_len, ESP8266_STATUS_LEN) {
                if r.op == op {
                    return Ok(r);
                }
            }
        }
        Err(Error::Timeout {
            command: super::command::opcode_name(op).to_string(),
            secs: timeout.as_secs_f64(),
            hint: String::new(),
        })
    }

    /// The reply timeout of `cmd`: its own work plus the time to send it.
    pub fn timeout_for(&self, cmd: &Command) -> Duration {
        cmd.timeout() + timeouts::wire(cmd.encode().len(), self.baud)
    }

    /// Send a command and return its successful response.
    pub fn command(&mut self, cmd: &Command) -> Result<Response> {
        let extra = std::mem::take(&mut self.pending_work);
        self.command_within(cmd, self.timeout_for(cmd) + extra)
    }

    /// Send a command and return its successful response, waiting up to `timeout`.
    pub fn command_within(&mut self, cmd: &Command, timeout: Duration) -> Result<Response> {
        self.send(cmd)?;
        let r = match self.wait_response(cmd.opcode(), cmd.response_data_len(), timeout) {
            Ok(r) => r,
            Err(e) => return Err(self.explain_timeout(e)),
        };
        match r.status() {
            Status::Ok => Ok(r),
            st => Err(Error::Status {
                command: cmd.name().to_string(),
                status: st.to_string(),
            }),
        }
    }

    /// After a missing reply with the stub running: probe with one SYNC whether the chip was
    /// reset (the ROM answers instead of the stub), and say so.
    fn explain_timeout(&mut self, e: Error) -> Error {
        let Error::Timeout { command, secs, .. } = &e else {
            return e;
        };
        if !self.stub || self.flush_input().is_err() {
            return e;
        }
        let (command, secs) = (command.clone(), *secs);
        let baud = self.baud;
        match self.sync() {
            Ok(true) if !self.stub => Error::Timeout {
                command,
                secs,
                hint: "; the chip was reset during the transfer (the ROM loader answers, the \
                       stub is gone); run again"
                    .into(),
            },
            Ok(true) => Error::Timeout {
                command,
                secs,
                hint: format!("; the stub still answers SYNC at {baud} baud"),
            },
            _ => e,
        }
    }

    /// One SYNC; `Ok(true)` when the chip answered. Sets [`Loader::stub`] from the reply.
    pub fn sync(&mut self) -> Result<bool> {
        self.send(&Command::Sync)?;
        match self.wait_response(OP_SYNC, 0, Duration::from_millis(TIMEOUT_SYNC_MS)) {
            Ok(r) if r.status() == Status::Ok => {
                self.stub = r.value != SYNC_ROM_VALUE;
                // Drain the other seven replies.
                for _ in 1..SYNC_REPLIES {
                    if self
                        .read_frame(Duration::from_millis(TIMEOUT_SYNC_MS))?
                        .is_none()
                    {
                        break;
                    }
                }
                self.frames.clear();
                Ok(true)
            }
            Ok(_) | Err(Error::Timeout { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Reset (per `before`) and sync, with retries: esptool's reset sequences cycle over the
    /// attempts; after each attempt's SYNCs at 115200 the [`Loader::probe_bauds`] are tried for
    /// a stub left running by an earlier session.
    pub fn connect(&mut self, before: Before) -> Result<()> {
        if before == Before::NoResetNoSync {
            self.stub = true;
            self.found_stub_at = Some(self.baud);
            return Ok(());
        }
        let seq = transport::reset_sequence();
        for attempt in 0..self.connect_attempts.max(1) {
            self.stop
                .check(|| "while connecting; nothing was changed".into())?;
            if before == Before::DefaultReset && self.reset_lines != Some(false) {
                let ok = transport::reset_into_loader(&mut self.t, seq[attempt % seq.len()])?;
                self.reset_lines = Some(ok);
            }
            for _ in 0..SYNCS_PER_ATTEMPT {
                self.flush_input()?;
                if self.sync()? {
                    if self.stub {
                        self.found_stub_at = Some(self.baud);
                    }
                    return Ok(());
                }
                self.t.sleep(Duration::from_millis(50));
            }
            if self.probe_stub_bauds()? {
                return Ok(());
            }
        }
        Err(Error::Timeout {
            command: "SYNC".into(),
            secs: TIMEOUT_SYNC_MS as f64 / 1000.0,
            hint: format!(
                " ({} connect attempts): check the port and wiring, hold GPIO0 low while \
                 resetting (download mode), or try --before no-reset",
                self.connect_attempts.max(1)
            ),
        })
    }

    /// Try one SYNC at each probe baud; on a stub's answer stay at that baud.
    fn probe_stub_bauds(&mut self) -> Result<bool> {
        let home = self.baud;
        let bauds: Vec<u32> = self
            .probe_bauds
            .iter()
            .copied()
            .filter(|&b| b != home)
            .collect();
        for b in bauds {
            self.t.set_baud(b)?;
            self.flush_input()?;
            if self.sync()? && self.stub {
                self.baud = b;
                self.found_stub_at = Some(b);
                return Ok(true);
            }
        }
        self.t.set_baud(home)?;
        self.stub = false;
        Ok(false)
    }

    /// READ_REG.
    pub fn read_reg(&mut self, addr: u32) -> Result<u32> {
        Ok(self.command(&Command::ReadReg { addr })?.value)
    }

    /// WRITE_REG (mask all ones, no delay).
    pub fn write_reg(&mut self, addr: u32, value: u32) -> Result<()> {
        self.command(&Command::WriteReg {
            addr,
            value,
            mask: 0xFFFF_FFFF,
            delay_us: 0,
        })
        .map(|_| ())
    }

    /// Run a SPI flash command through the SPI0 user-command engine (no address, no MOSI),
    /// reading back `read_bits` (≤ 32) from W0. Sequence as esptool's `run_spiflash_command`.
    pub fn spi_command(&mut self, cmd: u8, read_bits: u32) -> Result<u32> {
        let base = c::SPI_BASE;
        let old_usr = self.read_reg(base + c::SPI_USR)?;
        let old_usr2 = self.read_reg(base + c::SPI_USR2)?;
        let miso = read_bits.saturating_sub(1).min(0x1FF);
        self.write_reg(base + c::SPI_USR1, miso << c::SPI_MISO_BITLEN_SHIFT)?;
        let mut flags = c::SPI_USR_COMMAND;
        if read_bits > 0 {
            flags |= c::SPI_USR_MISO;
        }
        self.write_reg(base + c::SPI_USR, flags)?;
        self.write_reg(
            base + c::SPI_USR2,
            (7 << c::SPI_USR2_COMMAND_LEN_SHIFT) | u32::from(cmd),
        )?;
        self.write_reg(base + c::SPI_W0, 0)?;
        self.write_reg(base + c::SPI_CMD, c::SPI_CMD_USR)?;
        let mut done = false;
        for _ in 0..10 {
            if self.read_reg(base + c::SPI_CMD)? & c::SPI_CMD_USR == 0 {
                done = true;
                break;
            }
        }
        if !done {
            return Err(Error::Device("SPI flash command did not complete".into()));
        }
        let v = self.read_reg(base + c::SPI_W0)?;
        self.write_reg(base + c::SPI_USR, old_usr)?;
        self.write_reg(base + c::SPI_USR2, old_usr2)?;
        Ok(v)
    }

    /// Check the chip-detect word before anything is uploaded (esptool's order: an ESP32 on
    /// the port must not receive ESP8266 code).
    pub fn check_magic(&mut self) -> Result<()> {
        let magic = self.read_reg(c::REG_CHIP_MAGIC)?;
        if magic != c::ESP8266_MAGIC {
            return Err(Error::Device(format!(
                "not an ESP8266 (chip magic 0x{magic:08x}, expected 0x{:08x}); espdump speaks \
                 to the ESP8266 and ESP8285 only",
                c::ESP8266_MAGIC
            )));
        }
        Ok(())
    }

    /// Identify the chip, MAC, crystal and flash.
    pub fn chip_info(&mut self) -> Result<ChipInfo> {
        self.check_magic()?;
        let mac0 = self.read_reg(c::REG_OTP_MAC0)?;
        let mac1 = self.read_reg(c::REG_OTP_MAC1)?;
        let mac2 = self.read_reg(c::REG_OTP_MAC2)?;
        let mac3 = self.read_reg(c::REG_OTP_MAC3)?;
        let efuse_lo = u64::from(mac0) | (u64::from(mac1) << 32);
        let is_8285 = efuse_lo & (1 << 4) != 0 || mac2 & (1 << 16) != 0;
        let chip = if is_8285 { "ESP8285" } else { "ESP8266EX" }.to_string();
        let mac = mac_from_otp(mac0, mac1, mac3)?;
        let div = self.read_reg(c::REG_UART_CLKDIV)? & c::UART_CLKDIV_MASK;
        let est = u64::from(self.baud) * u64::from(div) / 1_000_000 / 2;
        let crystal_mhz = if est > 33 { 40 } else { 26 };
        if !self.stub {
            // The ROM needs the flash attached first (FLASH_BEGIN with nothing to write).
            self.command(&Command::flash_begin_empty(false))?;
        }
        let flash_id = self.spi_command(c::FLASH_CMD_RDID, 24)? & 0xFF_FFFF;
        Ok(ChipInfo {
            chip,
            mac: crate::formats::sdk::mac_string(&mac),
            mac_bytes: mac,
            chip_id: (mac0 >> 24) | ((mac1 & 0xFF_FFFF) << 8),
            crystal_mhz,
            flash_id,
            flash_manufacturer: (flash_id & 0xFF) as u8,
            flash_device: ((flash_id >> 8) & 0xFFFF) as u16,
            flash_size: flash_size_from_id(flash_id),
        })
    }

    /// Upload and start the stub; waits for its `OHAI`.
    pub fn load_stub(&mut self, stub: &Stub, progress: Progress) -> Result<()> {
        if self.stub {
            return Ok(());
        }
        let total = (stub.text.len() + stub.data.len()) as u64;
        progress(ProgressEvent::Begin {
            task: Task::UploadStub,
            total,
        });
        let mut done = 0u64;
        for (addr, seg) in [(stub.text_start, &stub.text), (stub.data_start, &stub.data)] {
            if seg.is_empty() {
                continue;
            }
            let blocks = seg.len().div_ceil(MEM_BLOCK) as u32;
            self.command(&Command::MemBegin {
                size: seg.len() as u32,
                blocks,
                block_size: MEM_BLOCK as u32,
                addr,
            })?;
            for (seq, chunk) in seg.chunks(MEM_BLOCK).enumerate() {
                self.command(&Command::MemData {
                    seq: seq as u32,
                    data: chunk.to_vec(),
                })?;
                done += chunk.len() as u64;
                progress(ProgressEvent::Advance {
                    task: Task::UploadStub,
                    done,
                });
            }
        }
        // The ROM may reset its UART when jumping: short timeout, failure ignored (esptool).
        let end = Command::MemEnd { entry: stub.entry };
        self.send(&end)?;
        let _ = self.wait_response(OP_MEM_END, 0, Duration::from_millis(TIMEOUT_MEM_END_ROM_MS));
        let deadline = self.t.now() + Duration::from_millis(TIMEOUT_OHAI_MS);
        let mut greeted = false;
        // Skip a bounded number of stray frames (a late MEM_END reply, noise) before OHAI.
        for _ in 0..100 {
            let left = deadline.saturating_duration_since(self.t.now());
            match self.read_frame(left)? {
                Some(f) if f == STUB_GREETING => {
                    greeted = true;
                    break;
                }
                Some(_) if self.t.now() < deadline => continue,
                _ => break,
            }
        }
        if !greeted {
            return Err(Error::Device(format!(
                "the stub from {} did not start (no OHAI greeting)",
                stub.source
            )));
        }
        self.stub = true;
        progress(ProgressEvent::End {
            task: Task::UploadStub,
        });
        Ok(())
    }

    /// CHANGE_BAUDRATE (stub only), then switch the port.
    pub fn change_baud(&mut self, baud: u32) -> Result<()> {
        if baud == self.baud {
            return Ok(());
        }
        if !self.stub {
            return Err(Error::Device(
                "the ESP8266 ROM cannot change baud rate; the stub is needed for --baud".into(),
            ));
        }
        self.command(&Command::ChangeBaud {
            new: baud,
            old: self.baud,
        })?;
        self.t.set_baud(baud)?;
        self.baud = baud;
        self.t.sleep(Duration::from_millis(BAUD_SETTLE_MS));
        self.flush_input()
    }

    /// SPI_SET_PARAMS with the flash size (stub only; the ROM needs none).
    pub fn set_flash_size(&mut self, size: u32) -> Result<()> {
        if self.stub {
            self.command(&Command::SpiSetParams { total_size: size })?;
        }
        Ok(())
    }

    /// MD5 of a flash region (stub only).
    pub fn md5(&mut self, addr: u32, size: u32) -> Result<[u8; 16]> {
        self.require_stub("MD5")?;
        let r = self.command(&Command::FlashMd5 { addr, size })?;
        r.data
            .as_slice()
            .try_into()
            .map_err(|_| Error::Device("SPI_FLASH_MD5 reply has no digest".into()))
    }

    pub(super) fn require_stub(&self, what: &str) -> Result<()> {
        if self.stub {
            Ok(())
        } else {
            Err(Error::Refused(format!(
                "{what} needs the flasher stub: the ESP8266 ROM loader cannot read flash or \
                 compute MD5 (run without --no-stub)"
            )))
        }
    }
}
