//! espdump's own flasher stub (C sources in `src/stub/`, built by `src/stub/Makefile` with
//! Debian's `gcc-xtensa-lx106`; the image is committed and embedded here) and the client side
//! of the commands it adds. The additions are negotiated: [`Loader::probe_extensions`] sends
//! `STUB_INFO`; any stub that answers it with an error (esptool's answers "invalid command",
//! the ROM "malformed") or not at all is driven with the standard protocol only.
//!
//! Added commands (`docs/stub.md`):
//! * `STUB_INFO` (0xE0): reply payload `EDST`, version u32, feature bits u32.
//! * `SECTOR_MAP` (0xE1) `offset, length`: one bit per 4 KiB sector, set when the sector is
//!   all 0xFF, least significant bit first.
//! * `READ_FLASH_DEFL` (0xE2) `offset, length, unit, max_in_flight`: like READ_FLASH, but each
//!   frame is one unit of `unit` bytes, a kind byte (0 raw, 1 raw deflate) and the bytes; the
//!   host acknowledges the running count of *uncompressed* bytes; an MD5 frame of the
//!   uncompressed data ends it.

use super::loader::Loader;
use super::ops::SectorState;
use super::plan;
use super::response::Status;
use super::stub::Stub;
use super::transport::Transport;
use super::{Progress, ProgressEvent, Task};
use crate::formats::flash::ERASED;
use crate::formats::flash::SECTOR_SIZE;
use crate::serial::protocol as c;
use crate::{Error, Result};
use serde::Serialize;
use std::time::Duration;

/// The stub image, esptool's JSON format, built from `src/stub/` (`make -C src/stub`).
pub const IMAGE_JSON: &[u8] = include_bytes!("../stub/espdump-stub.json");
/// What `--stub` accepts, and what `info`/reports call it.
pub const NAME: &str = "builtin";

/// Opcode STUB_INFO.
pub const OP_STUB_INFO: u8 = 0xE0;
/// Opcode SECTOR_MAP.
pub const OP_SECTOR_MAP: u8 = 0xE1;
/// Opcode READ_FLASH_DEFL.
pub const OP_READ_FLASH_DEFL: u8 = 0xE2;
/// STUB_INFO's magic.
pub const INFO_MAGIC: &[u8; 4] = b"EDST";
/// Feature bit: SECTOR_MAP.
pub const FEAT_SECTOR_MAP: u32 = 1;
/// Feature bit: READ_FLASH_DEFL.
pub const FEAT_READ_DEFL: u32 = 2;
/// Bytes the stub compresses per frame (its maximum).
pub const DEFL_UNIT: u32 = 0x4000;
/// Frames the stub may send before an acknowledgement.
pub const DEFL_IN_FLIGHT: u32 = 2;
/// Sectors per SECTOR_MAP query (the stub's maximum).
pub const MAP_SECTORS: u32 = 4096;

/// The embedded stub.
pub fn builtin() -> Result<Stub> {
    Stub::from_json(IMAGE_JSON, NAME)
}

/// What a stub that answered STUB_INFO offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Extensions {
    /// Protocol version of the stub.
    pub version: u32,
    /// SECTOR_MAP is available.
    pub sector_map: bool,
    /// READ_FLASH_DEFL is available.
    pub read_deflate: bool,
}

/// Name of an added opcode, for messages.
pub fn op_name(op: u8) -> &'static str {
    match op {
        OP_STUB_INFO => "STUB_INFO",
        OP_SECTOR_MAP => "SECTOR_MAP",
        OP_READ_FLASH_DEFL => "READ_FLASH_DEFL",
        _ => "UNKNOWN",
    }
}

fn words(ws: &[u32]) -> Vec<u8> {
    ws.iter().flat_map(|w| w.to_le_bytes()).collect()
}

impl<T: Transport> Loader<T> {
    fn ext_command(
        &mut self,
        op: u8,
        data: Vec<u8>,
        reply_len: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>> {
        self.send(&super::command::Command::Raw { op, data })?;
        let r = self.wait_response(op, reply_len, timeout)?;
        match r.status() {
            Status::Ok if r.data.len() == reply_len => Ok(r.data),
            Status::Ok => Err(Error::Device(format!("reply to {} too short", op_name(op)))),
            st => Err(Error::Status {
                command: op_name(op).to_string(),
                status: st.to_string(),
            }),
        }
    }

    /// Ask the running stub for espdump's extensions; `None` from any stub that does not
    /// know STUB_INFO (an error status, or no answer within a second).
    pub fn probe_extensions(&mut self) -> Result<Option<Extensions>> {
        if !self.stub {
            return Ok(None);
        }
        match self.ext_command(OP_STUB_INFO, Vec::new(), 12, Duration::from_secs(1)) {
            Ok(d) if &d[..4] == INFO_MAGIC => {
                let feat = u32::from_le_bytes([d[8], d[9], d[10], d[11]]);
                Ok(Some(Extensions {
                    version: u32::from_le_bytes([d[4], d[5], d[6], d[7]]),
                    sector_map: feat & FEAT_SECTOR_MAP != 0,
                    read_deflate: feat & FEAT_READ_DEFL != 0,
                }))
            }
            Ok(_) | Err(Error::Device(_) | Error::Timeout { .. } | Error::Status { .. }) => {
                self.flush_input()?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Which sectors of `[offset, offset + len)` are erased (SECTOR_MAP). Both sector aligned.
    pub fn sector_map(&mut self, offset: u32, len: u32) -> Result<Vec<bool>> {
        let mut out = Vec::with_capacity((len as usize) / SECTOR_SIZE);
        let step = MAP_SECTORS * SECTOR_SIZE as u32;
        let mut pos = 0u32;
        while pos < len {
            let n = step.min(len - pos);
            let sectors = (n as usize).div_ceil(SECTOR_SIZE);
            let map = self.ext_command(
                OP_SECTOR_MAP,
                words(&[offset + pos, n]),
                sectors.div_ceil(8),
                super::timeouts::md5(n),
            )?;
            out.extend((0..sectors).map(|i| map[i / 8] & (1 << (i % 8)) != 0));
            pos += n;
        }
        Ok(out)
    }

    /// READ_FLASH_DEFL one region: units inflated here, acknowledged by uncompressed count,
    /// the stub's MD5 of the uncompressed data checked. `on_bytes` gets the bytes so far.
    pub fn read_flash_deflated(
        &mut self,
        offset: u32,
        len: u32,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Vec<u8>> {
        if self.ext.is_none_or(|e| !e.read_deflate) {
            return Err(Error::Refused(
                "a compressed read needs espdump's own stub running (--stub builtin)".into(),
            ));
        }
        self.ext_command(
            OP_READ_FLASH_DEFL,
            words(&[offset, len, DEFL_UNIT, DEFL_IN_FLIGHT]),
            0,
            Duration::from_millis(c::TIMEOUT_DEFAULT_MS),
        )?;
        // Each unit: 0 + the raw bytes, or 1 + a raw deflate stream of them.
        let unpack = |f: &[u8], want: usize| match f.split_first() {
            Some((0, raw)) => Some(raw.to_vec()),
            Some((1, packed)) => Some(inflate_raw(packed, want)),
            _ => None,
        };
        self.receive_acked(offset, len as usize, DEFL_UNIT as usize, &unpack, on_bytes)
    }

    /// Read with the fastest command the running stub offers.
    pub fn read_flash_best(
        &mut self,
        offset: u32,
        len: u32,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Vec<u8>> {
        match self.ext {
            Some(e) if e.read_deflate => self.read_flash_deflated(offset, len, on_bytes),
            _ => self.read_flash(offset, len, on_bytes),
        }
    }
}

/// [`super::ops::classify`] with the builtin stub's SECTOR_MAP: one query tells the erased sectors; MD5
/// is asked only for sectors the buffer already holds data for (a resumed read).
pub fn classify_by_map<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    expect: &[u8],
    progress: Progress,
) -> Result<Vec<SectorState>> {
    let sectors = plan::sector_ranges(expect.len());
    progress(ProgressEvent::Begin {
        task: Task::Scan,
        total: sectors.len() as u64,
    });
    let span = (sectors.len() * SECTOR_SIZE) as u32;
    let erased = loader.sector_map(offset, span)?;
    let mut out = Vec::with_capacity(sectors.len());
    for (r, &is_erased) in sectors.iter().zip(&erased) {
        let want = expect.get(r.clone()).unwrap_or(&[]);
        let want_erased = want.iter().all(|&x| x == ERASED);
        out.push(match (is_erased, want_erased) {
            (true, true) => SectorState::Same,
            (true, false) => SectorState::Erased,
            (false, true) => SectorState::Differs,
            // The map says not erased: only "same" can spare the read.
            (false, false) => match super::scan::sector_state(loader, offset, expect, r)? {
                SectorState::Same => SectorState::Same,
                _ => SectorState::Differs,
            },
        });
    }
    progress(ProgressEvent::End { task: Task::Scan });
    Ok(out)
}

/// Inflate one raw deflate unit of `want` bytes; anything else (corrupt, short, long) gives
/// a vector of another length.
fn inflate_raw(packed: &[u8], want: usize) -> Vec<u8> {
    let mut d = flate2::Decompress::new(false);
    let mut out = Vec::with_capacity(want + 1);
    match d.decompress_vec(packed, &mut out, flate2::FlushDecompress::Finish) {
        Ok(flate2::Status::StreamEnd) => out,
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_image_parses_and_fits_the_chip() {
        let s = builtin().expect("embedded stub");
        assert_eq!(s.source, NAME);
        assert_eq!(s.text_start, 0x4010_C000);
        assert!(s.text_start as usize + s.text.len() <= 0x4011_0000);
        assert!(s.entry >= s.text_start);
        assert_eq!(s.data_start, 0x3FFE_8000);
    }

    #[test]
    fn inflate_raw_rejects_wrong_lengths() {
        use std::io::Write;
        let data = vec![7u8; 5000];
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&data).expect("deflate");
        let packed = e.finish().expect("deflate");
        assert_eq!(inflate_raw(&packed, 5000), data);
        assert_ne!(inflate_raw(&packed[..packed.len() - 1], 5000).len(), 5000);
        assert_ne!(inflate_raw(b"\xff\xff", 5000).len(), 5000);
    }
}
