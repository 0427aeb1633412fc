//! Workflows over a [`Loader`]: open a session, read a region (skipping erased sectors and
//! sectors a partial file already holds, all decided by the stub's MD5 per 64 KiB block and
//! per 4 KiB sector), write (skipping sectors that already match, compressed, verified by MD5),
//! erase and verify. Each emits [`ProgressEvent`]s and returns a report struct.

use super::loader::{ChipInfo, Loader};
use super::plan::{self, RomWritePlan, WritePlan};
use super::stub::Stub;
use super::transport::{Before, Transport};
use super::{busy, Progress, ProgressEvent, Task};
use crate::formats::flash::{ERASED, SECTOR_SIZE};
use crate::serial::protocol as c;
use crate::{Error, Result};
use serde::Serialize;
use std::time::{Duration, Instant};

/// How to open a session.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// Reset strategy before connecting.
    pub before: Before,
    /// Baud rate after the stub is up (`None`: stay at 115200).
    pub baud: Option<u32>,
    /// The stub to upload (`None`: ROM only).
    pub stub: Option<Stub>,
    /// Connect attempts (`None`: esptool's 7).
    pub connect_attempts: Option<usize>,
    /// Where to look for Ctrl-C / SIGTERM.
    pub stop: super::interrupt::StopFlag,
}

/// An open session: the loader plus what was learnt about the chip.
pub struct Session<T: Transport> {
    /// The loader.
    pub loader: Loader<T>,
    /// Chip, MAC, flash.
    pub info: ChipInfo,
    /// The stub that runs (`None`: ROM only).
    pub stub_source: Option<String>,
}

/// Connect, identify the chip, upload the stub, change baud, tell the stub the flash size.
pub fn open_session<T: Transport>(
    t: T,
    opts: &SessionOptions,
    progress: Progress,
) -> Result<Session<T>> {
    let mut loader = Loader::new(t);
    if let Some(n) = opts.connect_attempts {
        loader.connect_attempts = n;
    }
    loader.stop = opts.stop.clone();
    loader.probe_bauds = opts.baud.into_iter().collect();
    for b in c::STUB_FALLBACK_BAUDS {
        if !loader.probe_bauds.contains(&b) {
            loader.probe_bauds.push(b);
        }
    }
    loader.connect(opts.before)?;
    let mut stub_source = None;
    if let Some(baud) = loader.found_stub_at {
        if opts.before != Before::NoResetNoSync {
            progress(ProgressEvent::Note(format!(
                "the chip is still running a flasher stub (it answered SYNC with value 0 at \
                 {baud} baud): carrying on with it"
            )));
        }
        stub_source = Some(format!("already running at {baud} baud"));
    }
    // esptool's order: the chip must be an ESP8266 before ESP8266 code is uploaded.
    loader.check_magic()?;
    if let Some(stub) = &opts.stub {
        if !loader.stub {
            loader.load_stub(stub, progress)?;
            stub_source = Some(stub.source.clone());
        }
    }
    let info = loader.chip_info()?;
    if let Some(b) = opts.baud {
        loader.change_baud(b)?;
    }
    if let Some(size) = info.flash_size {
        loader.set_flash_size(size)?;
    }
    loader.ext = loader.probe_extensions()?;
    Ok(Session {
        loader,
        info,
        stub_source,
    })
}

pub use super::scan::{classify, classify_with, SectorState};

/// What a read did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadReport {
    /// Flash offset.
    pub offset: u32,
    /// Bytes in the output.
    pub size: u32,
    /// Sectors in the region.
    pub sectors: u32,
    /// Sectors transferred with READ_FLASH.
    pub sectors_read: u32,
    /// Sectors found erased by MD5 and not transferred.
    pub sectors_erased: u32,
    /// Sectors a partial file already held (checked by MD5).
    pub sectors_reused: u32,
    /// Reads retried after a line error.
    pub retries: u32,
    /// MD5 of the whole output (every sector of it checked against a chip-computed MD5).
    pub md5: String,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Longest single READ_FLASH (a failed chunk is retried whole; Ctrl-C is honoured between
/// chunks, within 3 s at 115200).
pub const READ_CHUNK: usize = 0x8000;

fn resync<T: Transport>(loader: &mut Loader<T>) -> Result<()> {
    loader.transport().sleep(Duration::from_millis(100));
    loader.flush_input()?;
    for _ in 0..c::SYNCS_PER_ATTEMPT {
        if loader.sync()? {
            if !loader.stub {
                return Err(Error::Device(
                    "the chip was reset during the transfer (the stub is gone); run again \
                     (read --resume keeps what was read)"
                        .into(),
                ));
            }
            return Ok(());
        }
        loader.flush_input()?;
    }
    Err(Error::Timeout {
        command: "SYNC".into(),
        secs: c::TIMEOUT_SYNC_MS as f64 / 1000.0,
        hint: ": the chip stopped answering during the read".into(),
    })
}

/// A read error worth another try: a timeout or a corrupt packet / MD5 on the line, not a
/// port failure or a chip status.
fn retriable(e: &Error) -> bool {
    matches!(e, Error::Timeout { .. } | Error::Device(_))
}

/// Read `[offset, offset + buf.len())` into `buf`. `buf` comes in holding what a partial file
/// had (or anything): sectors whose MD5 matches it are kept, erased sectors are filled with
/// 0xFF, the rest is read. On error `buf` holds everything read so far (save it for
/// `--resume`). Every sector is checked against an MD5 the chip computed (see the end).
pub fn read_into<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    buf: &mut [u8],
    progress: Progress,
) -> Result<ReadReport> {
    let t0 = Instant::now();
    if offset as usize % SECTOR_SIZE != 0 {
        return Err(Error::Usage(format!(
            "read offset 0x{offset:x} is not sector aligned (0x1000)"
        )));
    }
    let by_map = matches!(loader.ext, Some(e) if e.sector_map);
    let states = if by_map {
        super::builtin_stub::classify_by_map(loader, offset, buf, progress)?
    } else {
        classify(loader, offset, buf, progress)?
    };
    let ranges = plan::sector_ranges(buf.len());
    let mut report = ReadReport {
        offset,
        size: buf.len() as u32,
        sectors: ranges.len() as u32,
        sectors_read: 0,
        sectors_erased: 0,
        sectors_reused: 0,
        retries: 0,
        md5: String::new(),
        seconds: 0.0,
    };
    for (st, r) in states.iter().zip(&ranges) {
        match st {
            SectorState::Same => {
                if buf[r.clone()].iter().all(|&b| b == ERASED) {
                    report.sectors_erased += 1;
                } else {
                    report.sectors_reused += 1;
                }
            }
            SectorState::Erased => {
                buf[r.clone()].fill(ERASED);
                report.sectors_erased += 1;
            }
            SectorState::Differs => {}
        }
    }
    let mask: Vec<bool> = states.iter().map(|s| *s == SectorState::Differs).collect();
    let to_read: u64 = plan::runs(&mask)
        .iter()
        .map(|r| (ranges[r.end - 1].end - ranges[r.start].start) as u64)
        .sum();
    progress(ProgressEvent::Begin {
        task: Task::Read,
        total: to_read,
    });
    read_runs(loader, offset, buf, &ranges, &mask, &mut report, progress)?;
    progress(ProgressEvent::End { task: Task::Read });
    let local = plan::md5(buf);
    // After an MD5 scan every sector of `buf` already agrees with an MD5 the chip computed:
    // erased and kept sectors by the scan's block or sector MD5, read sectors by the stub's MD5
    // of each READ_FLASH (checked in `read_flash`); a whole-region MD5 would repeat those checks
    // at the chip's MD5 time (about 1 s per 2 MiB). The builtin stub's sector map is not an
    // MD5 (a bit flipped on the line would pass an unread sector as erased): check the whole.
    if by_map {
        verify_region_md5(loader, offset, buf.len(), local, progress)?;
    }
    report.md5 = hex::encode(local);
    report.seconds = t0.elapsed().as_secs_f64();
    Ok(report)
}

/// The chip's MD5 of `[offset, offset + len)` must equal `local` (the bytes read).
fn verify_region_md5<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    len: usize,
    local: [u8; 16],
    progress: Progress,
) -> Result<()> {
    let dev = busy::md5(loader, offset, len as u32, progress)?;
    if dev != local {
        return Err(Error::Device(format!(
            "the chip's MD5 of 0x{offset:06x}+0x{len:x} ({}) differs from the data read ({}): \
             the flash changed during the read or the line corrupted it",
            hex::encode(dev),
            hex::encode(local)
        )));
    }
    Ok(())
}

/// Read the runs of sectors marked in `mask` into `buf`, 32 KiB per READ_FLASH, retrying a
/// chunk after a line error and stopping between chunks on Ctrl-C / SIGTERM.
fn read_runs<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    buf: &mut [u8],
    ranges: &[std::ops::Range<usize>],
    mask: &[bool],
    report: &mut ReadReport,
    progress: Progress,
) -> Result<()> {
    let mut done = 0u64;
    for run in plan::runs(mask) {
        let (a, b) = (ranges[run.start].start, ranges[run.end - 1].end);
        let mut pos = a;
        while pos < b {
            let kept = done;
            loader
                .stop
                .check(|| format!("the read stopped after {kept} bytes confirmed by MD5"))?;
            let n = READ_CHUNK.min(b - pos);
            let mut attempt = 0;
            let data = loop {
                let base = done;
                let mut cb = |got: u64| {
                    progress(ProgressEvent::Advance {
                        task: Task::Read,
                        done: base + got,
                    })
                };
                match loader.read_flash_best(offset + pos as u32, n as u32, &mut cb) {
                    Ok(d) => break d,
                    Err(e) if attempt + 1 < c::BLOCK_RETRIES && retriable(&e) => {
                        attempt += 1;
                        report.retries += 1;
                        progress(ProgressEvent::Note(format!("{e}; retrying")));
                        resync(loader)?;
                    }
                    Err(e) => return Err(e),
                }
            };
            buf[pos..pos + n].copy_from_slice(&data);
            report.sectors_read += n.div_ceil(SECTOR_SIZE) as u32;
            done += n as u64;
            pos += n;
        }
    }
    Ok(())
}

/// Plan a write of `data` at `offset`. With the stub, sectors already holding the wanted bytes
/// are skipped; through the ROM everything is written (the ROM cannot compare).
pub fn plan_write<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    data: &[u8],
    progress: Progress,
) -> Result<WritePlan> {
    if offset as usize % SECTOR_SIZE != 0 {
        return Err(Error::Usage(format!(
            "write offset 0x{offset:x} is not sector aligned (0x1000)"
        )));
    }
    if loader.stub {
        let states = classify_with(loader, offset, data, true, progress)?;
        let differ: Vec<bool> = states.iter().map(|s| *s != SectorState::Same).collect();
        Ok(plan::stub_write_plan(offset, data.len() as u32, &differ))
    } else {
        let rom: RomWritePlan = plan::rom_write_plan(offset, data.len() as u32);
        let all = vec![true; data.len().div_ceil(SECTOR_SIZE)];
        let mut p = plan::stub_write_plan(offset, data.len() as u32, &all);
        p.rom = Some(rom);
        Ok(p)
    }
}

/// With the stub, extend an image that ends inside a sector with the flash's current bytes up
/// to the sector end, so the stub's whole-sector erase does not destroy them (esptool loses
/// them). Returns the image to write and how many bytes were preserved.
pub fn preserve_sector_tail<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    data: &[u8],
    chip_size: u32,
) -> Result<(Vec<u8>, u32)> {
    let end = u64::from(offset) + data.len() as u64;
    let sector_end = end.div_ceil(SECTOR_SIZE as u64) * SECTOR_SIZE as u64;
    let tail = sector_end.min(u64::from(chip_size)).saturating_sub(end);
    if !loader.stub || tail == 0 {
        return Ok((data.to_vec(), 0));
    }
    let mut out = data.to_vec();
    let bytes = loader.read_flash(end as u32, tail as u32, &mut |_| {})?;
    out.extend_from_slice(&bytes);
    Ok((out, tail as u32))
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WriteReport {
    /// The plan that was executed.
    pub plan: WritePlan,
    /// Image bytes written (sum of the runs).
    pub bytes_written: u64,
    /// Verified by the chip's MD5 (false through the ROM, which has no MD5).
    pub verified: bool,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Execute a write plan and verify the whole image by MD5 (stub).
pub fn execute_write<T: Transport>(
    loader: &mut Loader<T>,
    data: &[u8],
    wp: &WritePlan,
    progress: Progress,
) -> Result<WriteReport> {
    execute_write_with(loader, data, wp, None, progress)
}

/// [`execute_write`]; `pre` is `data` compressed in advance, used when the plan writes it in
/// one run (as onto flash holding other data).
pub fn execute_write_with<T: Transport>(
    loader: &mut Loader<T>,
    data: &[u8],
    wp: &WritePlan,
    mut pre: Option<plan::Precompressed>,
    progress: Progress,
) -> Result<WriteReport> {
    let t0 = Instant::now();
    let total: u64 = wp.runs.iter().map(|r| u64::from(r.1)).sum();
    progress(ProgressEvent::Begin {
        task: Task::Write,
        total,
    });
    let mut done = 0u64;
    if let (Some(rom), false) = (&wp.rom, loader.stub) {
        // The ROM erases the whole region before it answers FLASH_BEGIN.
        let mut busy = busy::announce(progress, "erasing", u64::from(rom.erase_size), 0);
        let mut cb = |n: u64| {
            if std::mem::take(&mut busy) {
                progress(ProgressEvent::ChipBusy(None));
            }
            progress(ProgressEvent::Advance {
                task: Task::Write,
                done: n,
            })
        };
        loader.write_rom(wp.offset, data, &mut cb)?;
    } else {
        for &(off, len) in &wp.runs {
            let rel = (off - wp.offset) as usize;
            let slice = data
                .get(rel..rel + len as usize)
                .ok_or_else(|| Error::InvalidInput("write plan outside the image".into()))?;
            let whole = slice.len() == data.len();
            let z = pre.take().filter(|_| whole).and_then(|p| p.take_for(slice));
            loader.write_deflated_with(off, slice, z, done, &mut *progress)?;
            done += u64::from(len);
        }
    }
    progress(ProgressEvent::End { task: Task::Write });
    let mut verified = false;
    if loader.stub {
        progress(ProgressEvent::Begin {
            task: Task::Verify,
            total: data.len() as u64,
        });
        let dev = busy::md5(loader, wp.offset, data.len() as u32, progress)?;
        if dev != plan::md5(data) {
            return Err(Error::Device(format!(
                "verification failed: the chip's MD5 of the written region ({}) is not the \
                 image's ({})",
                hex::encode(dev),
                hex::encode(plan::md5(data))
            )));
        }
        progress(ProgressEvent::End { task: Task::Verify });
        verified = true;
    }
    Ok(WriteReport {
        plan: wp.clone(),
        bytes_written: total,
        verified,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Flash offset.
    pub offset: u32,
    /// Bytes compared.
    pub size: u32,
    /// Sectors compared.
    pub sectors: u32,
    /// Offsets of sectors that differ (erased on the chip or other content).
    pub differing: Vec<u32>,
    /// Of those, the ones erased on the chip.
    pub erased_on_chip: Vec<u32>,
}

/// Compare `data` with the flash at `offset`, sector by sector, by MD5.
pub fn verify<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    data: &[u8],
    progress: Progress,
) -> Result<VerifyReport> {
    if offset as usize % SECTOR_SIZE != 0 {
        return Err(Error::Usage(format!(
            "verify offset 0x{offset:x} is not sector aligned (0x1000)"
        )));
    }
    let states = classify(loader, offset, data, progress)?;
    let ranges = plan::sector_ranges(data.len());
    let mut rep = VerifyReport {
        offset,
        size: data.len() as u32,
        sectors: ranges.len() as u32,
        differing: Vec::new(),
        erased_on_chip: Vec::new(),
    };
    for (st, r) in states.iter().zip(&ranges) {
        let at = offset + r.start as u32;
        match st {
            SectorState::Same => {}
            SectorState::Erased => {
                rep.differing.push(at);
                rep.erased_on_chip.push(at);
            }
            SectorState::Differs => rep.differing.push(at),
        }
    }
    Ok(rep)
}

/// What `erase` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EraseReport {
    /// Flash offset.
    pub offset: u32,
    /// Bytes erased.
    pub size: u32,
    /// The whole chip.
    pub whole_chip: bool,
    /// Through the ROM: sector erased beyond the region because of the ROM's erase bug.
    pub collateral_sector: Option<u32>,
}

/// Erase `[offset, offset + size)` (sector aligned), or the whole chip.
pub fn erase<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    size: u32,
    whole_chip: bool,
    progress: Progress,
) -> Result<EraseReport> {
    if offset as usize % SECTOR_SIZE != 0 || size as usize % SECTOR_SIZE != 0 {
        return Err(Error::Usage(format!(
            "erase region 0x{offset:x}+0x{size:x} is not sector aligned (0x1000)"
        )));
    }
    progress(ProgressEvent::Begin {
        task: Task::Erase,
        total: u64::from(size),
    });
    let mut collateral = None;
    let busy = busy::announce(progress, "erasing", u64::from(size), 0);
    if whole_chip && loader.stub {
        loader.erase_flash()?;
    } else {
        if !loader.stub {
            collateral = plan::rom_write_plan(offset, size).collateral_sector;
        }
        loader.erase_region(offset, size)?;
    }
    if busy {
        progress(ProgressEvent::ChipBusy(None));
    }
    progress(ProgressEvent::Advance {
        task: Task::Erase,
        done: u64::from(size),
    });
    progress(ProgressEvent::End { task: Task::Erase });
    Ok(EraseReport {
        offset,
        size,
        whole_chip,
        collateral_sector: collateral,
    })
}
