//! Finding SPIFFS regions in a dump: by the per-block magic (Mongoose OS, Arduino), or, without
//! it (old Arduino/Sming builds), by scoring the object lookup tables; then choosing the
//! name/metadata configuration whose index tables point at matching data pages.

use super::super::{FsInfo, FsKind};
use super::geometry::{
    entry_at, is_erased, lookup_pages, magic_for, page_state, span_count, BlockTail, Geometry,
    IxHeader, PageHeader, PageState,
};
use crate::formats::binparse::read_at;
use crate::formats::flash::{ERASED, SECTOR_SIZE};
use crate::formats::fs::spiffs::consts as c;

/// Read the magic slot of block `blk` and return the length term (0 when it is the plain magic),
/// or None when the slot holds no magic for this page size.
fn magic_term(data: &[u8], at: usize, bs: usize, ps: usize) -> Option<u16> {
    let pos = at.checked_add(lookup_pages(bs, ps) * ps - 4)?;
    Some(read_at::<BlockTail>(data, pos)?.magic ^ magic_for(ps))
}

/// SPIFFS regions that carry the per-block magic.
pub fn detect_magic(data: &[u8]) -> Vec<FsInfo> {
    let mut out = Vec::new();
    let mut o = 0usize;
    while o + SECTOR_SIZE <= data.len() {
        match magic_run_at(data, o, data.len()) {
            Some(mut f) => {
                bridge_erased_blocks(data, &mut f);
                o = f.end;
                out.push(f);
            }
            None => o += SECTOR_SIZE,
        }
    }
    out
}

/// A block erased by GC just before power was lost has no magic yet (SPIFFS writes the erase
/// count and magic right after erasing, and finishes the job at the next mount). Bridge such
/// all-0xFF blocks when plain-magic blocks of the same geometry follow.
fn bridge_erased_blocks(data: &[u8], f: &mut FsInfo) {
    if f.magic_length {
        return;
    }
    let (bs, ps) = (f.block_size, f.page_size);
    let mut grown = false;
    while all_erased(data, f.end, bs) {
        let mut m = 0;
        while f.end + (m + 2) * bs <= data.len()
            && magic_term(data, f.end + (m + 1) * bs, bs, ps) == Some(0)
        {
            m += 1;
        }
        if m == 0 {
            break;
        }
        f.end += (m + 1) * bs;
        f.block_count += m + 1;
        grown = true;
    }
    if grown {
        choose_config(data, f);
    }
}

/// Longest magic run starting at `o`, bounded by `limit`. Plain magic needs at least two blocks.
fn magic_run_at(data: &[u8], o: usize, limit: usize) -> Option<FsInfo> {
    let mut best: Candidate<bool> = None; // with the magic-length flag
    for &ps in c::PAGE_SIZES {
        // Cheap pre-check for the common case (one lookup page): the magic slot at ps-4.
        for &bs in c::BLOCK_SIZES {
            if bs < ps || o + bs > limit {
                continue;
            }
            let Some(term) = magic_term(data, o, bs, ps) else {
                continue;
            };
            let (n, with_len) = if term == 0 {
                let mut n = 1;
                while o + (n + 1) * bs <= limit && magic_term(data, o + n * bs, bs, ps) == Some(0) {
                    n += 1;
                }
                if n < 2 {
                    continue;
                }
                (n, false)
            } else {
                // SPIFFS_USE_MAGIC_LENGTH: term = block_count - bix, counting down to 1.
                let r = term as usize;
                if r < 2 || o + r * bs > limit {
                    continue;
                }
                let ok =
                    (1..r).all(|k| magic_term(data, o + k * bs, bs, ps) == Some((r - k) as u16));
                if !ok {
                    continue;
                }
                (r, true)
            };
            keep_longer(&mut best, data, o, (bs, ps, n), true, with_len);
        }
    }
    let (_, bs, ps, n, with_len) = best?;
    Some(region(data, o, (bs, ps, n), true, with_len))
}

/// True when most 4 KiB steps inside the candidate's blocks start like blocks themselves (magic,
/// or a consistent lookup table): then the blocks are really 4 KiB, and a larger candidate only
/// seems to cover more because it reads past the region's end.
fn smaller_blocks_inside(
    data: &[u8],
    o: usize,
    n: usize,
    bs: usize,
    ps: usize,
    magic: bool,
) -> bool {
    if bs <= SECTOR_SIZE || ps > SECTOR_SIZE {
        return false;
    }
    let (mut hits, mut total) = (0usize, 0usize);
    for k in 0..n {
        for j in 1..bs / SECTOR_SIZE {
            let at = o + k * bs + j * SECTOR_SIZE;
            total += 1;
            let like = if magic {
                magic_term(data, at, SECTOR_SIZE, ps) == Some(0)
            } else {
                positive(block_score(data, at, SECTOR_SIZE, ps))
                    || free_block(data, at, SECTOR_SIZE, ps)
            };
            hits += usize::from(like);
        }
    }
    hits * 2 > total
}

/// Score one block as a SPIFFS block without magic: `Some((consistent, checked))` when its lookup
/// page is well formed, `None` otherwise.
fn block_score(data: &[u8], at: usize, bs: usize, ps: usize) -> Option<(usize, usize)> {
    let lu = lookup_pages(bs, ps);
    let ppb = bs / ps;
    let entries = ppb.checked_sub(lu)?;
    let lu_len = lu * ps;
    let page = data.get(at..at.checked_add(lu_len)?)?;
    let magic_pos = lu_len - 4;
    if entries * 2 > magic_pos || page[magic_pos] != ERASED || page[magic_pos + 1] != ERASED {
        return None;
    }
    if !is_erased(&page[entries * 2..magic_pos + 2]) {
        return None;
    }
    if is_erased(&page[..entries * 2]) {
        return Some((0, 0));
    }
    let (mut ok, mut checked) = (0, 0);
    for i in 0..entries {
        let Some(e) = entry_at(page, i * 2) else {
            break;
        };
        if e == c::OBJ_ID_FREE || e == c::OBJ_ID_DELETED {
            continue;
        }
        checked += 1;
        let Some(h) = read_at::<PageHeader>(data, at + (lu + i) * ps) else {
            continue;
        };
        if h.obj_id == e && h.flags & c::FLAG_USED == 0 {
            ok += 1;
        }
    }
    Some((ok, checked))
}

fn all_erased(data: &[u8], at: usize, len: usize) -> bool {
    data.get(at..at.saturating_add(len)).is_some_and(is_erased)
}

/// A formatted, unused block: all 0xFF except the erase count, which SPIFFS always writes after
/// erasing a block (so plain erased flash is not taken for free FS space).
fn free_block(data: &[u8], at: usize, bs: usize, ps: usize) -> bool {
    let ec = lookup_pages(bs, ps) * ps - 2;
    read_at::<BlockTail>(data, at + ec - 2).is_some_and(|t| t.erase_count != 0xFFFF)
        && all_erased(data, at, ec)
        && all_erased(data, at + ec + 2, bs - ec - 2)
}

/// Longest lookup table of any candidate geometry (128-byte pages in 64 KiB blocks: 8 pages).
const LOOKUP_SPAN_MAX: usize = 1024;

/// SPIFFS regions without a magic, found by scoring lookup tables, outside `covered` ranges.
pub fn detect_scored(data: &[u8], covered: &[(usize, usize)]) -> Vec<FsInfo> {
    let mut out = Vec::new();
    let is_covered = |a: usize, b: usize| covered.iter().any(|&(s, e)| a < e && s < b);
    let mut o = 0usize;
    while o + SECTOR_SIZE <= data.len() {
        // Every candidate's lookup entries lie in the first 1 KiB: an erased start is no block.
        if is_covered(o, o + SECTOR_SIZE) || all_erased(data, o, LOOKUP_SPAN_MAX) {
            o += SECTOR_SIZE;
            continue;
        }
        match scored_run_at(data, o, data.len()) {
            Some(f) if !is_covered(f.start, f.end) => {
                o = f.end;
                out.push(f);
            }
            _ => o += SECTOR_SIZE,
        }
    }
    out
}

fn positive(s: Option<(usize, usize)>) -> bool {
    matches!(s, Some((ok, checked)) if checked > 0 && ok == checked)
}

/// A scored (no magic) run starting at `o`; erased blocks after it are included.
fn scored_run_at(data: &[u8], o: usize, limit: usize) -> Option<FsInfo> {
    let mut best: Candidate<usize> = None; // with the score
    for &ps in c::PAGE_SIZES {
        for &bs in c::BLOCK_SIZES {
            if bs < ps || o + bs > limit || !positive(block_score(data, o, bs, ps)) {
                continue;
            }
            let (mut n, mut pos_blocks, mut score) = (0usize, 0usize, 0usize);
            while o + (n + 1) * bs <= limit {
                let at = o + n * bs;
                let s = block_score(data, at, bs, ps);
                if positive(s) {
                    pos_blocks += 1;
                    score += s.map_or(0, |x| x.0);
                } else if !free_block(data, at, bs, ps) {
                    break;
                }
                n += 1;
            }
            if pos_blocks < c::MIN_SCORED_BLOCKS && score < 4 {
                continue;
            }
            // Trailing erased blocks count as free space of the FS (Sming/Arduino images end so).
            keep_longer(&mut best, data, o, (bs, ps, n), false, score);
        }
    }
    let (_, bs, ps, n, _) = best?;
    Some(region(data, o, (bs, ps, n), false, false))
}

/// A run candidate: bytes covered, block size, page size, blocks, and what else its finder keeps.
type Candidate<T> = Option<(usize, usize, usize, usize, T)>;

/// Keep the candidate (`n` blocks of `bs` bytes, pages of `ps`) when it covers more than the best
/// so far and is not really a run of smaller blocks.
fn keep_longer<T>(
    best: &mut Candidate<T>,
    data: &[u8],
    o: usize,
    (bs, ps, n): (usize, usize, usize),
    magic: bool,
    extra: T,
) {
    let covered = n * bs;
    if best.as_ref().is_none_or(|b| covered > b.0)
        && !smaller_blocks_inside(data, o, n, bs, ps, magic)
    {
        *best = Some((covered, bs, ps, n, extra));
    }
}

/// The region of `n` blocks of `bs` bytes (pages of `ps`) at `o`, with the name configuration
/// its index tables point to.
fn region(
    data: &[u8],
    o: usize,
    (bs, ps, n): (usize, usize, usize),
    magic: bool,
    magic_length: bool,
) -> FsInfo {
    let mut f = FsInfo {
        kind: FsKind::Spiffs,
        start: o,
        end: o + n * bs,
        block_size: bs,
        block_count: n,
        page_size: ps,
        name_len: 0,
        meta_len: 0,
        aligned_ix: true,
        magic,
        magic_length,
        config_evidence: 0,
        version: 0,
    };
    choose_config(data, &mut f);
    f
}

/// Probe one known place: magic first, then scoring. `data` ends where the caller's slot ends.
pub fn probe(data: &[u8], start: usize) -> Option<FsInfo> {
    if let Some(f) = magic_run_at(data, start, data.len()) {
        return Some(f);
    }
    scored_run_at(data, start, data.len())
}

/// Pick the (name_len, meta_len, aligned) configuration whose index tables point at matching
/// data pages most often.
fn choose_config(data: &[u8], f: &mut FsInfo) {
    let default = if f.magic && f.page_size == 256 && f.block_size == 4096 {
        c::CONFIGS[0]
    } else {
        c::CONFIGS[1]
    };
    // Index headers do not depend on the name configuration: find them once, from the lookup
    // entries (bit 15 set), reading only their headers.
    let Some(g0) = Geometry::build(f.start, f.block_size, f.page_size, f.block_count, default)
    else {
        return;
    };
    let mut headers: Vec<(usize, u16, u32)> = Vec::new();
    'blocks: for blk in 0..g0.blocks {
        for i in 0..g0.entries {
            let pix = g0.pix_of(blk, i);
            let lu = g0
                .lu_entry_off(pix)
                .and_then(|o| entry_at(data, o))
                .unwrap_or(0);
            if lu & c::OBJ_ID_IX_FLAG == 0 || lu == c::OBJ_ID_FREE {
                continue;
            }
            if let PageState::Index(id, 0) = page_state(data, &g0, pix) {
                let size = read_at::<IxHeader>(data, g0.page_off(pix)).map_or(0, |h| h.size);
                headers.push((pix, id, size));
                if headers.len() >= 256 {
                    break 'blocks;
                }
            }
        }
    }
    let mut best = (0i64, default, 0usize);
    for &cfg in c::CONFIGS {
        let Some(g) = Geometry::build(f.start, f.block_size, f.page_size, f.block_count, cfg)
        else {
            continue;
        };
        let (mut ok, mut bad) = (0i64, 0i64);
        for &(pix, id, size) in &headers {
            let po = g.page_off(pix);
            let spans = span_count(size, g.data_len);
            for k in 0..spans.min(g.hdr_ix_entries).min(4) {
                let e = entry_at(data, po + g.hdr_ix_off + k * 2).unwrap_or(0xFFFF) as usize;
                let want = PageState::Data(id & !c::OBJ_ID_IX_FLAG, k as u16);
                if g.is_object_page(e) && page_state(data, &g, e) == want {
                    ok += 1;
                } else {
                    bad += 1;
                }
            }
        }
        let score = ok - bad;
        if score > best.0 {
            best = (score, cfg, ok as usize);
        }
    }
    f.name_len = best.1 .0;
    f.meta_len = best.1 .1;
    f.aligned_ix = best.1 .2;
    f.config_evidence = best.2;
}
