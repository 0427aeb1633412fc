//! The simulated ESP8266: a ROM loader personality until a stub is uploaded and started, then
//! the flasher-stub personality. It decodes SLIP, checks headers and data checksums, answers
//! with the real status codes, models the ROM erase-size bug and NOR semantics, and records a
//! command log. It does not run Xtensa code: a MEM_END whose entry lies inside uploaded code
//! starts the "stub" (it sends `OHAI` as the real one does).
//!
//! The device is a pure state machine: bytes in ([`Device::input`]), bytes out
//! ([`Device::take_output`]). Drivers (in-memory transport, pty server) add timing and faults.

use super::faults::Faults;
use super::flash::NorFlash;
use crate::formats::flash::SECTOR_SIZE;
use crate::serial::command::{checksum, opcode_name, rom_erased_sectors};
use crate::serial::protocol as c;
use crate::serial::registers::ESP8266_MAGIC;
use crate::serial::response::encode_response;
use crate::serial::slip;
use md5::Md5;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// Which flasher stub the simulated chip runs after an upload (docs/serial.md, "Stub
/// generations"). Both reply to a data block before they inflate, erase and program it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum StubKind {
    /// esp-flasher-stub (esptool 5.x's default): a failure while processing a block is
    /// answered to the *next* command, whatever it is, and that command is skipped;
    /// FLASH_END never reboots and RUN_USER_CODE does nothing (both "TODO" in its sources).
    #[default]
    Current,
    /// The legacy esptool stub: a processing failure is reported by the next data block or
    /// END; FLASH_END with flag 0 reboots (into the ROM loader while GPIO0 is strapped low);
    /// RUN_USER_CODE runs the firmware.
    Legacy,
}

/// Which program answers on the UART.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The mask-ROM serial loader.
    Rom,
    /// The flasher stub (after MEM_END with an entry inside uploaded code).
    Stub,
    /// User code runs (after RUN_USER_CODE, ROM FLASH_END(run), or a jump into unknown code):
    /// the loader no longer answers.
    UserCode,
}

/// One command the device saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// Mode when it arrived.
    pub mode: Mode,
    /// Opcode name.
    pub op: String,
    /// First argument words of the payload (up to 5).
    pub args: Vec<u32>,
    /// Status sent back (`None` when no reply).
    pub status: Option<[u8; 2]>,
}

/// Identity and flash chip of the simulated unit.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    /// Station MAC the OTP words encode.
    pub mac: [u8; 6],
    /// JEDEC id (manufacturer | type << 8 | capacity << 16); `None`: derived from the size.
    pub jedec: Option<u32>,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        DeviceConfig {
            mac: [0x5C, 0xCF, 0x7F, 0x12, 0x34, 0x56],
            jedec: None,
        }
    }
}

#[derive(Debug)]
pub(super) struct WriteSession {
    pub(super) offset: usize,
    pub(super) size: usize,
    pub(super) block_size: usize,
    /// Next flash address to program (stub: sequential stream).
    pub(super) pos: usize,
    /// First sector not yet erased by the lazy stub eraser.
    pub(super) erased_to: usize,
    pub(super) inflate: Option<flate2::Decompress>,
    pub(super) compressed: bool,
}

#[derive(Debug)]
pub(super) struct ReadSession {
    pub(super) offset: usize,
    pub(super) length: usize,
    pub(super) packet: usize,
    pub(super) sent: usize,
    pub(super) md5: Md5,
}

#[derive(Debug, Default)]
pub(super) struct MemSession {
    pub(super) addr: u32,
    pub(super) size: u32,
    pub(super) written: u32,
}

/// The simulated chip.
#[derive(Debug)]
pub struct Device {
    /// The flash.
    pub flash: NorFlash,
    /// Current personality.
    pub mode: Mode,
    /// Baud rate the UART runs at (115200 in the ROM; CHANGE_BAUDRATE moves it).
    pub baud: u32,
    /// Every command seen.
    pub log: Vec<LogEntry>,
    pub(super) cfg: DeviceConfig,
    pub(super) regs: HashMap<u32, u32>,
    pub(super) decoder: slip::Decoder,
    pub(super) out: Vec<u8>,
    pub(super) write: Option<WriteSession>,
    pub(super) read: Option<ReadSession>,
    pub(super) mem: Option<MemSession>,
    pub(super) mem_ranges: Vec<(u32, u32)>,
    pub(super) stub_flash_size: Option<usize>,
    /// Frames received (for fault injection).
    pub frames_in: u64,
    /// Bytes sent so far (for fault injection).
    pub bytes_out: u64,
    /// Faults to inject.
    pub faults: Faults,
    /// Spend datasheet flash time (sector erase, page program, MD5) before replies.
    pub timing: bool,
    /// The stub personality a started stub has.
    pub stub_kind: StubKind,
    /// The chip's clock, set by the driver before it feeds input.
    pub now: Duration,
    pub(super) busy_until: Duration,
    pub(super) segments: VecDeque<(Duration, Vec<u8>)>,
    pub(super) extra_work: Duration,
    pub(super) reply_first: bool,
    pub(super) deferred: Option<u8>,
    /// The chip-detect word (0xFFF0C101 for an ESP8266; set another to play an ESP32).
    pub chip_magic: u32,
    /// Data blocks the stub has accepted (for the `spi@N` fault).
    pub data_blocks: u64,
}

/// The ROM's boot banner (sent at 74880 baud) as a host at 115200 sees it: framing garbage
/// that contains SLIP delimiter and escape bytes (0xC0, 0xDB), so a decoder must resync.
pub fn boot_banner_at_115200() -> Vec<u8> {
    let text = b"\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,7)\r\n\r\n";
    let mut v: Vec<u8> = text.iter().map(|b| b.rotate_left(2) ^ 0x9C).collect();
    // Byte patterns a 74880-baud line really produces at 115200 include both SLIP specials.
    v.splice(7..7, [0xC0, 0x8E, 0xDB, 0x31, 0xC0, 0xDB]);
    v
}

pub(super) fn word(p: &[u8], i: usize) -> u32 {
    p.get(i * 4..i * 4 + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

pub(super) const OK: [u8; 2] = [0, 0];

pub(super) fn rom_err(code: u8) -> [u8; 2] {
    [c::STATUS_ROM_FAIL, code]
}

pub(super) fn stub_err(code: u8) -> [u8; 2] {
    [code, 0]
}

impl Device {
    /// A chip in the ROM loader holding `flash`.
    pub fn new(flash: Vec<u8>, cfg: DeviceConfig) -> Self {
        Device {
            flash: NorFlash::new(flash),
            mode: Mode::Rom,
            baud: c::ROM_BAUD,
            log: Vec::new(),
            cfg,
            regs: HashMap::new(),
            decoder: slip::Decoder::new(),
            out: Vec::new(),
            write: None,
            read: None,
            mem: None,
            mem_ranges: Vec::new(),
            stub_flash_size: None,
            frames_in: 0,
            bytes_out: 0,
            faults: Faults::default(),
            timing: false,
            stub_kind: StubKind::Current,
            now: Duration::ZERO,
            busy_until: Duration::ZERO,
            segments: VecDeque::new(),
            extra_work: Duration::ZERO,
            reply_first: false,
            deferred: None,
            chip_magic: ESP8266_MAGIC,
            data_blocks: 0,
        }
    }

    /// Take every byte the chip has queued, due or not (the untimed in-memory path).
    pub fn take_output(&mut self) -> Vec<u8> {
        self.schedule(self.now);
        let all: Vec<u8> = self.segments.drain(..).flat_map(|(_, b)| b).collect();
        self.apply_output_faults(all)
    }

    /// Reset the chip (EN pulse with GPIO0 low, or a brown-out): back to the ROM loader at
    /// 115200 with everything in RAM lost. `banner` adds the boot banner the ROM prints at
    /// 74880 baud, which looks like noise at 115200.
    pub fn reset(&mut self, banner: bool) {
        self.mode = Mode::Rom;
        self.baud = c::ROM_BAUD;
        self.write = None;
        self.read = None;
        self.mem = None;
        self.mem_ranges.clear();
        self.stub_flash_size = None;
        self.decoder.reset();
        self.regs.clear();
        self.deferred = None;
        if banner {
            self.out.extend_from_slice(&boot_banner_at_115200());
        }
    }

    /// Feed received bytes.
    pub fn input(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(frame) = self.decoder.push(b) {
                self.frames_in += 1;
                let n = self.frames_in;
                if self.faults.stall_frame.contains(&n) {
                    continue;
                }
                if self.faults.reset_frame.contains(&n) {
                    self.reset(true);
                    continue;
                }
                self.frame(&frame);
            }
        }
        self.schedule(self.now.max(self.busy_until));
    }

    pub(super) fn send_frame(&mut self, packet: &[u8]) {
        slip::encode_into(packet, &mut self.out);
    }

    pub(super) fn reply(&mut self, op: u8, value: u32, data: &[u8], status: [u8; 2]) {
        let p = encode_response(op, value, data, status);
        self.send_frame(&p);
    }

    /// One received frame: dispatch it, then queue what it sent for the time the chip is done
    /// (a reply-first data block is answered at once and keeps the chip busy afterwards).
    fn frame(&mut self, f: &[u8]) {
        if self.mode == Mode::UserCode {
            return;
        }
        let start = self.now.max(self.busy_until);
        let before = (self.flash.sector_erases, self.flash.bytes_programmed);
        self.extra_work = Duration::ZERO;
        self.reply_first = false;
        self.dispatch(f);
        let cost = self.work_cost(before);
        let done = start + cost;
        self.busy_until = done;
        self.schedule(if self.reply_first { start } else { done });
    }

    fn dispatch(&mut self, f: &[u8]) {
        if self.read.is_some() {
            if f.len() >= c::HEADER_LEN && f[0] == c::DIR_REQUEST {
                // A new command while a read waits for its acknowledgement: the host gave up on
                // the read; drop it and serve the command (lets a host recover without a reset).
                self.read = None;
            } else {
                self.read_ack(f);
                return;
            }
        }
        if f.len() < c::HEADER_LEN || f[0] != c::DIR_REQUEST {
            return; // not a command: the loaders ignore it
        }
        let op = f[1];
        let len = usize::from(u16::from_le_bytes([f[2], f[3]]));
        let csum = word(&f[4..8], 0);
        let payload = &f[c::HEADER_LEN..];
        let args: Vec<u32> = (0..5.min(payload.len() / 4))
            .map(|i| word(payload, i))
            .collect();
        let mode = self.mode;
        let status = if payload.len() != len {
            // Length field disagrees with the frame.
            let st = match mode {
                Mode::Rom => rom_err(c::ROM_ERR_MALFORMED),
                _ => stub_err(c::STUB_ERR_BAD_DATA_LEN),
            };
            self.reply(op, 0, &[], st);
            Some(st)
        } else {
            match mode {
                Mode::Rom => self.rom_command(op, payload, csum),
                _ => self.stub_command(op, payload, csum),
            }
        };
        self.log.push(LogEntry {
            mode,
            op: opcode_name(op).to_string(),
            args,
            status,
        });
        // The stub announces itself after the MEM_END reply.
        if mode == Mode::Rom && self.mode == Mode::Stub {
            self.send_frame(c::STUB_GREETING);
        }
    }

    fn rom_command(&mut self, op: u8, p: &[u8], csum: u32) -> Option<[u8; 2]> {
        let st = match op {
            c::OP_SYNC => {
                if p.len() == 36 && p[..4] == c::SYNC_PREFIX && p[4..].iter().all(|&b| b == 0x55) {
                    for _ in 0..c::SYNC_REPLIES {
                        self.reply(op, c::SYNC_ROM_VALUE, &[], OK);
                    }
                    return Some(OK);
                }
                rom_err(c::ROM_ERR_MALFORMED)
            }
            c::OP_READ_REG if p.len() == 4 => {
                let v = self.read_reg(word(p, 0));
                self.reply(op, v, &[], OK);
                return Some(OK);
            }
            c::OP_WRITE_REG if p.len() == 16 => {
                self.write_reg(word(p, 0), word(p, 1), word(p, 2));
                OK
            }
            c::OP_FLASH_BEGIN if p.len() == 16 => {
                let (erase, blocks, bs, off) = (word(p, 0), word(p, 1), word(p, 2), word(p, 3));
                if off as usize % SECTOR_SIZE != 0 || bs == 0 && blocks != 0 {
                    rom_err(c::ROM_ERR_INVALID_PARAM)
                } else {
                    let (a, b) = rom_erased_sectors(off, erase);
                    let chip_sectors = (self.flash.len() / SECTOR_SIZE) as u32;
                    for s in a..b.min(chip_sectors) {
                        self.flash.erase_sector(s as usize);
                    }
                    self.write = Some(WriteSession {
                        offset: off as usize,
                        size: blocks as usize * bs as usize,
                        block_size: bs as usize,
                        pos: off as usize,
                        erased_to: 0,
                        inflate: None,
                        compressed: false,
                    });
                    OK
                }
            }
            c::OP_FLASH_DATA => self.rom_flash_data(p, csum),
            c::OP_FLASH_END if p.len() == 4 => {
                self.write = None;
                self.reply(op, 0, &[], OK);
                if word(p, 0) == 0 {
                    // Reboot: GPIO0 still strapped low, back into the ROM loader.
                    self.reset(false);
                } else {
                    self.mode = Mode::UserCode;
                }
                return Some(OK);
            }
            c::OP_MEM_BEGIN | c::OP_MEM_DATA | c::OP_MEM_END => {
                match self.mem_command(op, p, csum) {
                    Ok(()) => OK,
                    Err(e) => rom_err(e),
                }
            }
            _ => rom_err(c::ROM_ERR_MALFORMED),
        };
        self.reply(op, 0, &[], st);
        Some(st)
    }

    fn rom_flash_data(&mut self, p: &[u8], csum: u32) -> [u8; 2] {
        let (len, seq) = (word(p, 0) as usize, word(p, 1) as usize);
        let data = p.get(16..).unwrap_or(&[]);
        let Some(w) = self.write.as_ref() else {
            return rom_err(c::ROM_ERR_INVALID_PARAM);
        };
        if data.len() != len || len != w.block_size {
            return rom_err(c::ROM_ERR_MALFORMED);
        }
        if u32::from(checksum(data)) != csum {
            return rom_err(c::ROM_ERR_CHECKSUM);
        }
        let addr = w.offset + seq * w.block_size;
        if !self.flash.program(addr, data) {
            return rom_err(0x08);
        }
        OK
    }

    pub(super) fn mem_command(&mut self, op: u8, p: &[u8], csum: u32) -> Result<(), u8> {
        match op {
            c::OP_MEM_BEGIN => {
                if p.len() != 16 {
                    return Err(c::ROM_ERR_MALFORMED);
                }
                if let Some(m) = self.mem.take() {
                    self.mem_ranges
                        .push((m.addr, m.addr.saturating_add(m.written)));
                }
                self.mem = Some(MemSession {
                    addr: word(p, 3),
                    size: word(p, 0),
                    written: 0,
                });
                Ok(())
            }
            c::OP_MEM_DATA => {
                let data = p.get(16..).unwrap_or(&[]);
                if data.len() != word(p, 0) as usize {
                    return Err(c::ROM_ERR_MALFORMED);
                }
                if u32::from(checksum(data)) != csum {
                    return Err(c::ROM_ERR_CHECKSUM);
                }
                let m = self.mem.as_mut().ok_or(c::ROM_ERR_INVALID_PARAM)?;
                m.written = m.written.saturating_add(data.len() as u32);
                if m.written > m.size {
                    return Err(0x0E);
                }
                Ok(())
            }
            _ => {
                if p.len() != 8 {
                    return Err(c::ROM_ERR_MALFORMED);
                }
                if let Some(m) = self.mem.take() {
                    self.mem_ranges
                        .push((m.addr, m.addr.saturating_add(m.written)));
                }
                let (no_entry, entry) = (word(p, 0), word(p, 1));
                if no_entry == 0 {
                    let known = self
                        .mem_ranges
                        .iter()
                        .any(|&(a, b)| entry >= a && entry < b);
                    // Reply first (the mode switch happens after the reply is queued).
                    self.mode = if known { Mode::Stub } else { Mode::UserCode };
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serial::command::Command;
    use proptest::prelude::*;

    fn send(d: &mut Device, cmd: &Command) -> Vec<Vec<u8>> {
        d.input(&slip::encode(&cmd.encode()));
        slip::Decoder::new().push_all(&d.take_output())
    }

    #[test]
    fn rom_answers_sync_eight_times_and_refuses_stub_commands() {
        let mut d = Device::new(vec![0xFF; 0x40000], DeviceConfig::default());
        let frames = send(&mut d, &Command::Sync);
        assert_eq!(frames.len(), 8);
        assert_eq!(
            frames[0],
            vec![0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0, 0]
        );
        let f = send(
            &mut d,
            &Command::FlashMd5 {
                addr: 0,
                size: 0x1000,
            },
        );
        assert_eq!(
            f,
            vec![vec![0x01, 0x13, 0x02, 0x00, 0, 0, 0, 0, 0x01, 0x05]]
        );
        let f = send(
            &mut d,
            &Command::ReadFlash {
                offset: 0,
                length: 0x1000,
            },
        );
        assert_eq!(f[0][8..], [0x01, 0x05]);
    }

    #[test]
    fn rom_checksum_error_and_stub_checksum_error() {
        let mut d = Device::new(vec![0xFF; 0x40000], DeviceConfig::default());
        send(
            &mut d,
            &Command::FlashBegin {
                erase_size: 0x1000,
                blocks: 1,
                block_size: 0x400,
                offset: 0,
                stub_form: false,
            },
        );
        let mut pkt = Command::FlashData {
            seq: 0,
            data: vec![0; 0x400],
        }
        .encode();
        pkt[4] ^= 1; // wrong checksum
        d.input(&slip::encode(&pkt));
        let f = slip::Decoder::new().push_all(&d.take_output());
        assert_eq!(f[0][8..], [0x01, 0x07]);
        assert_eq!(d.flash.get(0, 4), Some(&[0xFF; 4][..]));
    }

    #[test]
    fn unknown_entry_point_runs_user_code() {
        let mut d = Device::new(vec![0xFF; 0x40000], DeviceConfig::default());
        send(&mut d, &Command::MemEnd { entry: 0x4010_0000 });
        assert_eq!(d.mode, Mode::UserCode);
        assert!(send(&mut d, &Command::Sync).is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Arbitrary bytes (and arbitrary frames) never panic the simulated chip.
        #[test]
        fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600),
                                        op: u8, payload in proptest::collection::vec(any::<u8>(), 0..64),
                                        stub: bool) {
            let mut d = Device::new(vec![0xFF; 0x20000], DeviceConfig::default());
            if stub { d.mode = Mode::Stub; }
            d.input(&bytes);
            let mut pkt = vec![0x00, op, payload.len() as u8, 0, 0, 0, 0, 0];
            pkt.extend_from_slice(&payload);
            d.input(&slip::encode(&pkt));
            let _ = d.take_output();
        }
    }
}
