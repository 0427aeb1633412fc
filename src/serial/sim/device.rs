//! The simulated ESP8266: a ROM loader personality until a stub is uploaded and started, then
//! the flasher-stub personality. It decodes SLIP, checks headers and data checksums, answers
//! with the real status codes, models the ROM erase-size bug and NOR semantics, and records a
//! command log. It does not run Xtensa code: a MEM_END whose entry lies inside uploaded code
//! starts the "stub" (it sends `OHAI` as the real one does).
//!
//! The device is a pure state machine: bytes in ([`Device::input`]), bytes out
//! ([`Device::take_output`]). Drivers (in-memory transport, pty server) add timing and faults.

use super::flash::NorFlash;
use crate::consts::serial as c;
use crate::consts::SECTOR_SIZE;
use crate::serial::command::{checksum, opcode_name, rom_erased_sectors};
use crate::serial::response::encode_response;
use crate::serial::slip;
use md5::{Digest, Md5};
use serde::Serialize;
use std::collections::HashMap;

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

/// JEDEC capacity byte for a flash size (0x14 = 1 MiB … 0x18 = 16 MiB).
pub fn capacity_code(size: usize) -> u8 {
    let mut code = 0x12u8; // 256 KiB
    let mut s = 256 * 1024;
    while s < size && code < 0x19 {
        s *= 2;
        code += 1;
    }
    code
}

#[derive(Debug)]
struct WriteSession {
    offset: usize,
    size: usize,
    block_size: usize,
    /// Next flash address to program (stub: sequential stream).
    pos: usize,
    /// First sector not yet erased by the lazy stub eraser.
    erased_to: usize,
    inflate: Option<flate2::Decompress>,
    compressed: bool,
}

#[derive(Debug)]
struct ReadSession {
    offset: usize,
    length: usize,
    packet: usize,
    sent: usize,
    md5: Md5,
}

#[derive(Debug, Default)]
struct MemSession {
    addr: u32,
    size: u32,
    written: u32,
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
    cfg: DeviceConfig,
    regs: HashMap<u32, u32>,
    decoder: slip::Decoder,
    out: Vec<u8>,
    write: Option<WriteSession>,
    read: Option<ReadSession>,
    mem: Option<MemSession>,
    mem_ranges: Vec<(u32, u32)>,
    stub_flash_size: Option<usize>,
    /// Frames received (for fault injection).
    pub frames_in: u64,
    /// Bytes sent so far (for fault injection).
    pub bytes_out: u64,
    /// Faults to inject.
    pub faults: Faults,
}

/// Faults to inject, each firing once. Counts are 1-based.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Faults {
    /// Drop the Nth byte the chip sends.
    pub drop_byte: Vec<u64>,
    /// Flip bits in the Nth byte the chip sends.
    pub corrupt_byte: Vec<u64>,
    /// Swallow the Nth frame received without answering (a timeout for the host).
    pub stall_frame: Vec<u64>,
    /// Reset the chip when the Nth frame arrives (the frame is lost).
    pub reset_frame: Vec<u64>,
}

impl Faults {
    /// Parse `drop@N,corrupt@N,stall@N,reset@N` (any number, comma separated).
    pub fn parse(spec: &str) -> Result<Faults, String> {
        let mut f = Faults::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (kind, n) = item
                .split_once('@')
                .ok_or_else(|| format!("fault `{item}`: expected KIND@N"))?;
            let n: u64 = n
                .parse()
                .map_err(|_| format!("fault `{item}`: N must be a positive integer"))?;
            if n == 0 {
                return Err(format!("fault `{item}`: N counts from 1"));
            }
            match kind {
                "drop" => f.drop_byte.push(n),
                "corrupt" => f.corrupt_byte.push(n),
                "stall" => f.stall_frame.push(n),
                "reset" => f.reset_frame.push(n),
                _ => {
                    return Err(format!(
                        "fault `{item}`: kind must be drop, corrupt, stall or reset"
                    ))
                }
            }
        }
        Ok(f)
    }
}

fn word(p: &[u8], i: usize) -> u32 {
    p.get(i * 4..i * 4 + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

const OK: [u8; 2] = [0, 0];

fn rom_err(code: u8) -> [u8; 2] {
    [c::STATUS_ROM_FAIL, code]
}

fn stub_err(code: u8) -> [u8; 2] {
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
        }
    }

    /// Take the bytes the chip has sent.
    pub fn take_output(&mut self) -> Vec<u8> {
        let out = std::mem::take(&mut self.out);
        if self.faults.drop_byte.is_empty() && self.faults.corrupt_byte.is_empty() {
            self.bytes_out += out.len() as u64;
            return out;
        }
        let mut kept = Vec::with_capacity(out.len());
        for b in out {
            self.bytes_out += 1;
            let n = self.bytes_out;
            if self.faults.drop_byte.contains(&n) {
                continue;
            }
            if self.faults.corrupt_byte.contains(&n) {
                kept.push(b ^ 0x5A);
            } else {
                kept.push(b);
            }
        }
        kept
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
        if banner {
            self.out.extend_from_slice(
                b"\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,7)\r\n\r\nwaiting for host\r\n",
            );
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
    }

    fn send_frame(&mut self, packet: &[u8]) {
        slip::encode_into(packet, &mut self.out);
    }

    fn reply(&mut self, op: u8, value: u32, data: &[u8], status: [u8; 2]) {
        let p = encode_response(op, value, data, status);
        self.send_frame(&p);
    }

    fn frame(&mut self, f: &[u8]) {
        if self.mode == Mode::UserCode {
            return;
        }
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

    fn otp(&self) -> [u32; 4] {
        let m = self.cfg.mac;
        let mac0 = u32::from(m[5]) << 24;
        let mac1 = (u32::from(m[3]) << 8) | u32::from(m[4]);
        let mac3 = (u32::from(m[0]) << 16) | (u32::from(m[1]) << 8) | u32::from(m[2]);
        [mac0, mac1, 0, mac3]
    }

    fn jedec(&self) -> u32 {
        self.cfg.jedec.unwrap_or_else(|| {
            0xEF | (0x40 << 8) | (u32::from(capacity_code(self.flash.len())) << 16)
        })
    }

    fn read_reg(&self, addr: u32) -> u32 {
        let otp = self.otp();
        match addr {
            c::REG_CHIP_MAGIC => c::ESP8266_MAGIC,
            c::REG_OTP_MAC0 => otp[0],
            c::REG_OTP_MAC1 => otp[1],
            c::REG_OTP_MAC2 => otp[2],
            c::REG_OTP_MAC3 => otp[3],
            // 26 MHz crystal: divider = 2 * 26e6 / baud.
            c::REG_UART_CLKDIV => 52_000_000 / self.baud.max(1),
            _ => self.regs.get(&addr).copied().unwrap_or(0),
        }
    }

    fn write_reg(&mut self, addr: u32, value: u32, mask: u32) {
        let old = self.read_reg(addr);
        let new = (old & !mask) | (value & mask);
        self.regs.insert(addr, new);
        if addr == c::SPI_BASE + c::SPI_CMD && new & c::SPI_CMD_USR != 0 {
            self.spi_user_command();
            self.regs.insert(addr, new & !c::SPI_CMD_USR);
        }
    }

    /// The SPI0 "user command" engine, enough for RDID, SFDP, status and reset commands.
    fn spi_user_command(&mut self) {
        let reg = |s: &Self, off: u32| s.regs.get(&(c::SPI_BASE + off)).copied().unwrap_or(0);
        let usr = reg(self, c::SPI_USR);
        let usr1 = reg(self, c::SPI_USR1);
        let usr2 = reg(self, c::SPI_USR2);
        let cmd = (usr2 & 0xFF) as u8;
        let addr_bits = ((usr1 >> c::SPI_ADDR_BITLEN_SHIFT) & 0x3F) + 1;
        let addr = if usr & c::SPI_USR_ADDR != 0 {
            reg(self, c::SPI_ADDR) >> (32 - addr_bits.min(32))
        } else {
            0
        };
        let miso_bits = if usr & c::SPI_USR_MISO != 0 {
            ((usr1 >> c::SPI_MISO_BITLEN_SHIFT) & 0x1FF) + 1
        } else {
            0
        };
        let mut bytes = [0u8; 4];
        match cmd {
            c::FLASH_CMD_RDID => bytes[..3].copy_from_slice(&self.jedec().to_le_bytes()[..3]),
            c::FLASH_CMD_RDSFDP => {
                // Minimal SFDP header: signature, then a parameter header with id 0xEF.
                let table: [u8; 0x18] = [
                    b'S', b'F', b'D', b'P', 0x06, 0x01, 0x00, 0xFF, 0x00, 0x06, 0x01, 0x10, 0x30,
                    0x00, 0x00, 0xFF, 0xEF, 0x00, 0x01, 0x03, 0x80, 0x00, 0x00, 0xFF,
                ];
                for (i, b) in bytes.iter_mut().enumerate() {
                    *b = table.get(addr as usize + i).copied().unwrap_or(0xFF);
                }
            }
            _ => {}
        }
        if miso_bits > 0 {
            let mut v = u32::from_le_bytes(bytes);
            if miso_bits < 32 {
                v &= (1u32 << miso_bits) - 1;
            }
            self.regs.insert(c::SPI_BASE + c::SPI_W0, v);
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

    fn mem_command(&mut self, op: u8, p: &[u8], csum: u32) -> Result<(), u8> {
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

    fn stub_command(&mut self, op: u8, p: &[u8], csum: u32) -> Option<[u8; 2]> {
        let st = match op {
            c::OP_SYNC => {
                for _ in 0..c::SYNC_REPLIES {
                    self.reply(op, 0, &[], OK);
                }
                return Some(OK);
            }
            c::OP_READ_REG if p.len() == 4 => {
                let v = self.read_reg(word(p, 0));
                self.reply(op, v, &[], OK);
                return Some(OK);
            }
            c::OP_WRITE_REG if !p.is_empty() && p.len() % 16 == 0 => {
                for e in p.chunks(16) {
                    self.write_reg(word(e, 0), word(e, 1), word(e, 2));
                }
                OK
            }
            c::OP_SPI_ATTACH => OK,
            c::OP_SPI_SET_PARAMS if p.len() == 24 => {
                self.stub_flash_size = Some(word(p, 1) as usize);
                OK
            }
            c::OP_CHANGE_BAUDRATE if p.len() == 8 => {
                self.reply(op, 0, &[], OK);
                self.baud = word(p, 0).max(1);
                return Some(OK);
            }
            c::OP_FLASH_BEGIN | c::OP_FLASH_DEFL_BEGIN if p.len() == 16 || p.len() == 20 => {
                let (size, _blocks, bs, off) = (word(p, 0), word(p, 1), word(p, 2), word(p, 3));
                if bs as usize > c::STUB_BLOCK {
                    stub_err(c::STUB_ERR_BAD_BLOCKSIZE)
                } else if (off as usize).saturating_add(size as usize) > self.flash.len() {
                    stub_err(c::STUB_ERR_TOO_MUCH_DATA)
                } else {
                    let compressed = op == c::OP_FLASH_DEFL_BEGIN;
                    self.write = Some(WriteSession {
                        offset: off as usize,
                        size: size as usize,
                        block_size: bs as usize,
                        pos: off as usize,
                        erased_to: off as usize / SECTOR_SIZE,
                        inflate: compressed.then(|| flate2::Decompress::new(true)),
                        compressed,
                    });
                    OK
                }
            }
            c::OP_FLASH_DATA | c::OP_FLASH_DEFL_DATA => self.stub_flash_data(op, p, csum),
            c::OP_FLASH_END | c::OP_FLASH_DEFL_END if p.len() == 4 => {
                let st = match self.write.take() {
                    Some(w) if w.pos < w.offset + w.size => stub_err(c::STUB_ERR_NOT_ENOUGH_DATA),
                    _ => OK,
                };
                self.reply(op, 0, &[], st);
                if word(p, 0) == 0 {
                    self.reset(false);
                }
                return Some(st);
            }
            c::OP_SPI_FLASH_MD5 if p.len() == 16 => {
                let (addr, size) = (word(p, 0) as usize, word(p, 1) as usize);
                match self.flash.get(addr, size) {
                    Some(d) => {
                        let digest: [u8; 16] = Md5::digest(d).into();
                        self.reply(op, 0, &digest, OK);
                        return Some(OK);
                    }
                    None => stub_err(0xC4),
                }
            }
            c::OP_ERASE_FLASH => {
                self.flash.erase_all();
                OK
            }
            c::OP_ERASE_REGION if p.len() == 8 => {
                let (off, size) = (word(p, 0) as usize, word(p, 1) as usize);
                if off % SECTOR_SIZE != 0 || size % SECTOR_SIZE != 0 {
                    stub_err(c::STUB_ERR_BAD_DATA_LEN)
                } else if off.saturating_add(size) > self.flash.len() {
                    stub_err(0xC4)
                } else {
                    for s in off / SECTOR_SIZE..(off + size) / SECTOR_SIZE {
                        self.flash.erase_sector(s);
                    }
                    OK
                }
            }
            c::OP_READ_FLASH if p.len() == 16 => {
                let (off, len, packet) = (
                    word(p, 0) as usize,
                    word(p, 1) as usize,
                    word(p, 2) as usize,
                );
                if packet == 0 || packet > c::READ_PACKET {
                    stub_err(c::STUB_ERR_BAD_DATA_LEN)
                } else if off.saturating_add(len) > self.flash.len() {
                    stub_err(0xC4)
                } else {
                    self.reply(op, 0, &[], OK);
                    self.read = Some(ReadSession {
                        offset: off,
                        length: len,
                        packet,
                        sent: 0,
                        md5: Md5::new(),
                    });
                    self.read_send_next();
                    return Some(OK);
                }
            }
            c::OP_RUN_USER_CODE => {
                self.mode = Mode::UserCode;
                return None;
            }
            c::OP_MEM_BEGIN | c::OP_MEM_DATA | c::OP_MEM_END => {
                match self.mem_command(op, p, csum) {
                    Ok(()) => OK,
                    Err(_) => stub_err(c::STUB_ERR_BAD_DATA_LEN),
                }
            }
            c::OP_READ_REG
            | c::OP_WRITE_REG
            | c::OP_SPI_SET_PARAMS
            | c::OP_CHANGE_BAUDRATE
            | c::OP_FLASH_BEGIN
            | c::OP_FLASH_DEFL_BEGIN
            | c::OP_FLASH_END
            | c::OP_FLASH_DEFL_END
            | c::OP_SPI_FLASH_MD5
            | c::OP_ERASE_REGION
            | c::OP_READ_FLASH => stub_err(c::STUB_ERR_BAD_DATA_LEN),
            _ => stub_err(c::STUB_ERR_INVALID_COMMAND),
        };
        self.reply(op, 0, &[], st);
        Some(st)
    }

    /// Program `bytes` at the session position, erasing sectors lazily as the stub does.
    fn stub_program(&mut self, bytes: &[u8]) -> Result<(), u8> {
        let Some(w) = self.write.as_mut() else {
            return Err(c::STUB_ERR_NOT_IN_FLASH_MODE);
        };
        let end_limit = w.offset + w.size;
        let take = bytes.len().min(end_limit.saturating_sub(w.pos));
        if take < bytes.len() && w.compressed {
            return Err(c::STUB_ERR_TOO_MUCH_DATA);
        }
        let start = w.pos;
        let end = start + take;
        if take > 0 {
            let last_sector = (end - 1) / SECTOR_SIZE;
            let first = w.erased_to;
            w.erased_to = w.erased_to.max(last_sector + 1);
            for s in first..=last_sector {
                self.flash.erase_sector(s);
            }
        }
        if let Some(w) = self.write.as_mut() {
            w.pos = end;
        }
        if !self.flash.program(start, &bytes[..take]) {
            return Err(0xC4);
        }
        Ok(())
    }

    fn stub_flash_data(&mut self, op: u8, p: &[u8], csum: u32) -> [u8; 2] {
        let len = word(p, 0) as usize;
        let data = p.get(16..).unwrap_or(&[]);
        let Some(w) = self.write.as_ref() else {
            return stub_err(c::STUB_ERR_NOT_IN_FLASH_MODE);
        };
        if (op == c::OP_FLASH_DEFL_DATA) != w.compressed {
            return stub_err(c::STUB_ERR_NOT_IN_FLASH_MODE);
        }
        if data.len() != len || len > w.block_size {
            return stub_err(c::STUB_ERR_BAD_DATA_LEN);
        }
        if u32::from(checksum(data)) != csum {
            return stub_err(c::STUB_ERR_BAD_CHECKSUM);
        }
        if !w.compressed {
            return match self.stub_program(data) {
                Ok(()) => OK,
                Err(e) => stub_err(e),
            };
        }
        // Inflate this chunk.
        let mut input = data;
        let mut out = vec![0u8; 0x10000];
        loop {
            let Some(inf) = self.write.as_mut().and_then(|w| w.inflate.as_mut()) else {
                return stub_err(c::STUB_ERR_INFLATE);
            };
            let before_in = inf.total_in();
            let before_out = inf.total_out();
            let r = inf.decompress(input, &mut out, flate2::FlushDecompress::None);
            let used = (inf.total_in() - before_in) as usize;
            let produced = (inf.total_out() - before_out) as usize;
            input = input.get(used..).unwrap_or(&[]);
            if r.is_err() {
                return stub_err(c::STUB_ERR_INFLATE);
            }
            if produced > 0 {
                let chunk = out[..produced].to_vec();
                if let Err(e) = self.stub_program(&chunk) {
                    return stub_err(e);
                }
            }
            if matches!(r, Ok(flate2::Status::StreamEnd))
                || (input.is_empty() && produced < out.len())
            {
                break;
            }
            if used == 0 && produced == 0 {
                break;
            }
        }
        OK
    }

    fn read_send_next(&mut self) {
        let Some(r) = self.read.as_mut() else { return };
        if r.sent >= r.length {
            let digest: [u8; 16] = std::mem::take(&mut r.md5).finalize().into();
            self.read = None;
            self.send_frame(&digest);
            return;
        }
        let n = r.packet.min(r.length - r.sent);
        let addr = r.offset + r.sent;
        let chunk = self
            .flash
            .get(addr, n)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        if let Some(r) = self.read.as_mut() {
            r.md5.update(&chunk);
            r.sent += n;
        }
        self.send_frame(&chunk);
    }

    fn read_ack(&mut self, f: &[u8]) {
        let Some(r) = self.read.as_ref() else { return };
        if f.len() == 4 && word(f, 0) as usize == r.sent {
            self.read_send_next();
        }
        // Anything else is ignored, as the stub waits for the acknowledgement it expects.
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

    #[test]
    fn faults_parse() {
        let f = Faults::parse("drop@5, corrupt@7,stall@2,reset@9").expect("ok");
        assert_eq!(f.drop_byte, vec![5]);
        assert_eq!(f.corrupt_byte, vec![7]);
        assert_eq!(f.stall_frame, vec![2]);
        assert_eq!(f.reset_frame, vec![9]);
        assert!(Faults::parse("drop@0").is_err());
        assert!(Faults::parse("melt@3").is_err());
        assert!(Faults::parse("drop").is_err());
    }

    #[test]
    fn capacity_codes() {
        assert_eq!(capacity_code(512 * 1024), 0x13);
        assert_eq!(capacity_code(1 << 20), 0x14);
        assert_eq!(capacity_code(4 << 20), 0x16);
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
