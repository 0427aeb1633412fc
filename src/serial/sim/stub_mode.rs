//! The flasher-stub personality of the simulated chip: 2-byte stub status codes, SPI_SET_PARAMS,
//! CHANGE_BAUDRATE, FLASH_* and FLASH_DEFL_* (zlib) with lazy sector erasing, SPI_FLASH_MD5,
//! READ_FLASH with acknowledgements and a final MD5 frame, ERASE_FLASH / ERASE_REGION and
//! RUN_USER_CODE (`docs/serial.md` §P4).

use super::device::{stub_err, word, Device, Mode, ReadSession, StubKind, WriteSession, OK};
use crate::formats::flash::SECTOR_SIZE;
use crate::serial::command::checksum;
use crate::serial::protocol as c;
use md5::{Digest, Md5};

/// Commands with a fixed payload length (checked in `stub_command`'s guards).
const KNOWN_FIXED_LENGTH: [u8; 11] = [
    c::OP_READ_REG,
    c::OP_WRITE_REG,
    c::OP_SPI_SET_PARAMS,
    c::OP_CHANGE_BAUDRATE,
    c::OP_FLASH_BEGIN,
    c::OP_FLASH_DEFL_BEGIN,
    c::OP_FLASH_END,
    c::OP_FLASH_DEFL_END,
    c::OP_SPI_FLASH_MD5,
    c::OP_ERASE_REGION,
    c::OP_READ_FLASH,
];

/// What a stub command handler did about the reply.
enum Step {
    /// It replied itself (or sent several replies) with this status.
    Replied([u8; 2]),
    /// Reply with this status and no data.
    Reply([u8; 2]),
    /// No reply at all (RUN_USER_CODE).
    Silent,
}

impl Device {
    pub(super) fn stub_command(&mut self, op: u8, p: &[u8], csum: u32) -> Option<[u8; 2]> {
        if let Some(st) = self.deferred_report(op) {
            return Some(st);
        }
        let step = match op {
            c::OP_SYNC => {
                for _ in 0..c::SYNC_REPLIES {
                    self.reply(op, 0, &[], OK);
                }
                Step::Replied(OK)
            }
            c::OP_READ_REG if p.len() == 4 => {
                let v = self.read_reg(word(p, 0));
                self.reply(op, v, &[], OK);
                Step::Replied(OK)
            }
            c::OP_WRITE_REG if !p.is_empty() && p.len() % 16 == 0 => {
                for e in p.chunks(16) {
                    self.write_reg(word(e, 0), word(e, 1), word(e, 2));
                }
                Step::Reply(OK)
            }
            c::OP_SPI_ATTACH => Step::Reply(OK),
            // esp-flasher-stub answers "not implemented" where the chip has no security info
            // (the ESP8266); the legacy stub does not know the command.
            c::OP_GET_SECURITY_INFO if self.stub_kind == StubKind::Current => {
                Step::Reply(stub_err(c::STUB_ERR_NOT_IMPLEMENTED))
            }
            c::OP_SPI_SET_PARAMS if p.len() == 24 => {
                self.stub_flash_size = Some(word(p, 1) as usize);
                Step::Reply(OK)
            }
            c::OP_CHANGE_BAUDRATE if p.len() == 8 => {
                self.reply(op, 0, &[], OK);
                self.baud = word(p, 0).max(1);
                Step::Replied(OK)
            }
            c::OP_FLASH_BEGIN | c::OP_FLASH_DEFL_BEGIN if p.len() == 16 || p.len() == 20 => {
                Step::Reply(self.stub_flash_begin(op, p))
            }
            c::OP_FLASH_DATA | c::OP_FLASH_DEFL_DATA => {
                Step::Reply(self.stub_flash_data(op, p, csum))
            }
            c::OP_FLASH_END | c::OP_FLASH_DEFL_END if p.len() == 4 => self.stub_flash_end(op, p),
            c::OP_SPI_FLASH_MD5 if p.len() == 16 => self.stub_md5(op, p),
            c::OP_ERASE_FLASH => {
                self.flash.erase_all();
                Step::Reply(OK)
            }
            c::OP_ERASE_REGION if p.len() == 8 => Step::Reply(self.stub_erase_region(p)),
            c::OP_READ_FLASH if p.len() == 16 => self.stub_read_flash(op, p),
            c::OP_RUN_USER_CODE => {
                // No reply. The current stub does not implement it and stays.
                if self.stub_kind == StubKind::Legacy {
                    self.mode = Mode::UserCode;
                }
                Step::Silent
            }
            c::OP_MEM_BEGIN | c::OP_MEM_DATA | c::OP_MEM_END => {
                Step::Reply(match self.mem_command(op, p, csum) {
                    Ok(()) => OK,
                    Err(_) => stub_err(c::STUB_ERR_BAD_DATA_LEN),
                })
            }
            // A known command whose payload has the wrong length, or an unknown one.
            _ if KNOWN_FIXED_LENGTH.contains(&op) => {
                Step::Reply(stub_err(c::STUB_ERR_BAD_DATA_LEN))
            }
            _ => Step::Reply(stub_err(c::STUB_ERR_INVALID_COMMAND)),
        };
        match step {
            Step::Replied(st) => Some(st),
            Step::Reply(st) => {
                self.reply(op, 0, &[], st);
                Some(st)
            }
            Step::Silent => None,
        }
    }

    /// A failure while processing the previous data block is answered now: by any command
    /// (current stub, which then skips the command) or by the next data block / END (legacy
    /// stub's get_flash_error). Replies and returns the status when it does.
    fn deferred_report(&mut self, op: u8) -> Option<[u8; 2]> {
        let reports = match self.stub_kind {
            StubKind::Current => true,
            StubKind::Legacy => matches!(
                op,
                c::OP_FLASH_DATA | c::OP_FLASH_DEFL_DATA | c::OP_FLASH_END | c::OP_FLASH_DEFL_END
            ),
        };
        if !reports {
            return None;
        }
        let code = self.deferred.take()?;
        let st = stub_err(code);
        self.reply(op, 0, &[], st);
        Some(st)
    }

    /// FLASH_BEGIN / FLASH_DEFL_BEGIN: check the block size and range, open a write session.
    fn stub_flash_begin(&mut self, op: u8, p: &[u8]) -> [u8; 2] {
        let (size, _blocks, bs, off) = (word(p, 0), word(p, 1), word(p, 2), word(p, 3));
        if bs as usize > c::STUB_BLOCK {
            return stub_err(c::STUB_ERR_BAD_BLOCKSIZE);
        }
        if (off as usize).saturating_add(size as usize) > self.flash.len() {
            return stub_err(c::STUB_ERR_TOO_MUCH_DATA);
        }
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

    /// FLASH_END / FLASH_DEFL_END: close the session; the legacy stub reboots on flag 0.
    fn stub_flash_end(&mut self, op: u8, p: &[u8]) -> Step {
        let st = match (self.write.take(), self.stub_kind) {
            (None, StubKind::Current) => stub_err(c::STUB_ERR_NOT_IN_FLASH_MODE),
            (Some(w), StubKind::Current) if w.pos < w.offset + w.size => {
                stub_err(c::STUB_ERR_BAD_DATA_LEN)
            }
            (Some(w), StubKind::Legacy) if w.pos < w.offset + w.size => {
                stub_err(c::STUB_ERR_NOT_ENOUGH_DATA)
            }
            _ => OK,
        };
        self.reply(op, 0, &[], st);
        // Only the legacy stub implements the reboot (flag 0); the ROM loader comes back
        // because GPIO0 is still strapped low, and prints its banner.
        if st == OK && word(p, 0) == 0 && self.stub_kind == StubKind::Legacy {
            self.reset(true);
        }
        Step::Replied(st)
    }

    /// SPI_FLASH_MD5: the digest of a flash range, after the time the chip spends on it.
    fn stub_md5(&mut self, op: u8, p: &[u8]) -> Step {
        let (addr, size) = (word(p, 0) as usize, word(p, 1) as usize);
        match self.flash.get(addr, size) {
            Some(d) => {
                let digest: [u8; 16] = Md5::digest(d).into();
                self.md5_work(size);
                self.reply(op, 0, &digest, OK);
                Step::Replied(OK)
            }
            None => Step::Reply(stub_err(c::STUB_ERR_SPI_FAILED)),
        }
    }

    /// ERASE_REGION: sector-aligned ranges inside the flash only.
    fn stub_erase_region(&mut self, p: &[u8]) -> [u8; 2] {
        let (off, size) = (word(p, 0) as usize, word(p, 1) as usize);
        if off % SECTOR_SIZE != 0 || size % SECTOR_SIZE != 0 {
            return stub_err(c::STUB_ERR_BAD_DATA_LEN);
        }
        if off.saturating_add(size) > self.flash.len() {
            return stub_err(c::STUB_ERR_SPI_FAILED);
        }
        for s in off / SECTOR_SIZE..(off + size) / SECTOR_SIZE {
            self.flash.erase_sector(s);
        }
        OK
    }

    /// READ_FLASH: answer, then stream packets that wait for acknowledgements.
    fn stub_read_flash(&mut self, op: u8, p: &[u8]) -> Step {
        let (off, len, packet) = (
            word(p, 0) as usize,
            word(p, 1) as usize,
            word(p, 2) as usize,
        );
        if packet == 0 || packet > c::READ_PACKET {
            return Step::Reply(stub_err(c::STUB_ERR_BAD_DATA_LEN));
        }
        if off.saturating_add(len) > self.flash.len() {
            return Step::Reply(stub_err(c::STUB_ERR_SPI_FAILED));
        }
        self.reply(op, 0, &[], OK);
        self.read = Some(ReadSession {
            offset: off,
            length: len,
            packet,
            sent: 0,
            md5: Md5::new(),
        });
        self.read_send_next();
        Step::Replied(OK)
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
            return Err(c::STUB_ERR_SPI_FAILED);
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
        // Both stubs acknowledge a good block first and process it afterwards: the work delays
        // the next reply, and its failure is reported there.
        self.reply_first = true;
        self.data_blocks += 1;
        if self.faults.spi_fail.contains(&self.data_blocks) {
            self.deferred = Some(c::STUB_ERR_SPI_FAILED);
            return OK;
        }
        let data = data.to_vec();
        if let Err(e) = self.process_block(&data) {
            self.deferred = Some(e);
        }
        OK
    }

    fn process_block(&mut self, data: &[u8]) -> Result<(), u8> {
        let compressed = self.write.as_ref().is_some_and(|w| w.compressed);
        if !compressed {
            return self.stub_program(data);
        }
        // Inflate this chunk.
        let mut input = data;
        let mut out = vec![0u8; 0x10000];
        loop {
            let Some(inf) = self.write.as_mut().and_then(|w| w.inflate.as_mut()) else {
                return Err(c::STUB_ERR_INFLATE);
            };
            let before_in = inf.total_in();
            let before_out = inf.total_out();
            let r = inf.decompress(input, &mut out, flate2::FlushDecompress::None);
            let used = (inf.total_in() - before_in) as usize;
            let produced = (inf.total_out() - before_out) as usize;
            input = input.get(used..).unwrap_or(&[]);
            if r.is_err() {
                return Err(c::STUB_ERR_INFLATE);
            }
            if produced > 0 {
                let chunk = out[..produced].to_vec();
                self.stub_program(&chunk)?;
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
        Ok(())
    }

    pub(super) fn read_send_next(&mut self) {
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

    pub(super) fn read_ack(&mut self, f: &[u8]) {
        let Some(r) = self.read.as_ref() else { return };
        if f.len() == 4 && word(f, 0) as usize == r.sent {
            self.read_send_next();
        }
        // Anything else is ignored, as the stub waits for the acknowledgement it expects.
    }
}
