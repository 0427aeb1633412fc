//! Which sectors of a region already hold the expected bytes, by the stub's MD5: per 64 KiB
//! block, per 4 KiB sector inside blocks that differ, and (for a write onto flash where nothing
//! matched yet) a one-sector probe before hashing a whole block.

use super::loader::Loader;
use super::plan;
use super::transport::Transport;
use super::{Progress, ProgressEvent, Task};
use crate::formats::flash::ERASED;
use crate::serial::protocol as c;
use crate::Result;
use serde::Serialize;
/// What the device holds in a sector, compared with an expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SectorState {
    /// Equal to the expected bytes.
    Same,
    /// Erased (all 0xFF) but the expectation differs.
    Erased,
    /// Neither.
    Differs,
}

/// Classify every sector of `[offset, offset + expect.len())` by MD5: one SPI_FLASH_MD5 per
/// 64 KiB block, and per 4 KiB sector only inside blocks that differ.
pub fn classify<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    expect: &[u8],
    progress: Progress,
) -> Result<Vec<SectorState>> {
    classify_with(loader, offset, expect, false, progress)
}

/// Per-sector MD5s inside differing blocks stop paying off for a write when this many found
/// no sector to skip: the rest of the differing blocks are written whole.
const FRUITLESS_SECTOR_CHECKS: usize = 32;

/// [`classify`]; with `for_write`, per-sector checks stop after [`FRUITLESS_SECTOR_CHECKS`]
/// that found nothing to skip (a chip full of other data), since each costs a round trip and
/// the chip's MD5 time while a sector write costs about 56 ms anyway. Sectors not checked are
/// reported as [`SectorState::Differs`].
pub fn classify_with<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    expect: &[u8],
    for_write: bool,
    progress: Progress,
) -> Result<Vec<SectorState>> {
    let (mut checked, mut skippable) = (0usize, 0usize);
    let sectors = plan::sector_ranges(expect.len());
    let per_block = c::SECTORS_PER_BLOCK;
    progress(ProgressEvent::Begin {
        task: Task::Scan,
        total: sectors.len() as u64,
    });
    let mut out = Vec::with_capacity(sectors.len());
    for (bi, group) in sectors.chunks(per_block).enumerate() {
        loader
            .stop
            .check(|| "stopped while comparing by MD5; nothing was changed".into())?;
        let (a, b) = (group[0].start, group[group.len() - 1].end);
        // Probing pays only while nothing matched: once a sector matched, this is likely the
        // unit's own data and every block gets the full check.
        let matched = out.contains(&SectorState::Same);
        if for_write
            && !matched
            && group.len() > 1
            && probe_holds_other_data(loader, offset, expect, group)?
        {
            out.resize(out.len() + group.len(), SectorState::Differs);
            progress(ProgressEvent::Advance {
                task: Task::Scan,
                done: ((bi + 1) * per_block).min(sectors.len()) as u64,
            });
            continue;
        }
        let want = expect.get(a..b).unwrap_or(&[]);
        let dev = loader.md5(offset + a as u32, (b - a) as u32)?;
        if dev == plan::md5(want) {
            out.resize(out.len() + group.len(), SectorState::Same);
        } else if dev == plan::erased_md5(b - a) {
            for r in group {
                let want = expect.get(r.clone()).unwrap_or(&[]);
                out.push(if want.iter().all(|&x| x == ERASED) {
                    SectorState::Same
                } else {
                    SectorState::Erased
                });
            }
        } else if for_write && checked >= FRUITLESS_SECTOR_CHECKS && skippable == 0 {
            out.resize(out.len() + group.len(), SectorState::Differs);
        } else {
            for r in group {
                let st = sector_state(loader, offset, expect, r)?;
                checked += 1;
                skippable += usize::from(st == SectorState::Same);
                out.push(st);
            }
        }
        progress(ProgressEvent::Advance {
            task: Task::Scan,
            done: ((bi + 1) * per_block).min(sectors.len()) as u64,
        });
    }
    progress(ProgressEvent::End { task: Task::Scan });
    Ok(out)
}

/// One sector's state by its MD5 on the chip (`r` is relative to `offset`).
pub(super) fn sector_state<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    expect: &[u8],
    r: &std::ops::Range<usize>,
) -> Result<SectorState> {
    let want = expect.get(r.clone()).unwrap_or(&[]);
    let d = loader.md5(offset + r.start as u32, r.len() as u32)?;
    Ok(if d == plan::md5(want) {
        SectorState::Same
    } else if d == plan::erased_md5(r.len()) {
        SectorState::Erased
    } else {
        SectorState::Differs
    })
}

/// For a write, while no sector has matched yet, one sector's MD5 before the block's: when
/// the block's first sector holds neither the wanted bytes nor 0xFF, the block is written
/// whole without hashing all of it (on flash full of other data the scan then costs 1/16 of
/// the chip's MD5 time). A block whose first sector matches or is erased gets the full check.
fn probe_holds_other_data<T: Transport>(
    loader: &mut Loader<T>,
    offset: u32,
    expect: &[u8],
    group: &[std::ops::Range<usize>],
) -> Result<bool> {
    Ok(sector_state(loader, offset, expect, &group[0])? == SectorState::Differs)
}
