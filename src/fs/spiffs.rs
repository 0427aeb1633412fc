//! SPIFFS images: detection, geometry, listing, reading, and the edits `sanitize` needs.
//!
//! Layout (reference `shelly-stock.md` §5, SPIFFS `spiffs_nucleus.h`): each logical block starts
//! with object lookup page(s) holding one u16 object id per page of the block (`0xFFFF` free,
//! `0x0000` deleted, bit 15 = index page), then the per-block magic and erase count. Every other
//! page has a 5-byte header (obj_id, span_ix, active-low flags). An object index header (span 0)
//! holds size, type, name (+ metadata) and the page indices of the first data spans; further index
//! pages hold more. Edits are done the way SPIFFS itself does them (lookup entry `0x0000` and
//! flags cleared for deletion, only 1→0 bit changes), so the image stays valid for the firmware.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use binrw::{BinRead, BinWrite};

use super::{FsInfo, FsKind};
use crate::binparse::{read_at, write_at};
use crate::flash::{ERASED, SECTOR_SIZE};
use crate::fs::spiffs_consts as c;
use crate::{Error, Result};

/// The header of every object page (`spiffs_page_header`): object id (bit 15 on index pages),
/// span index, and the active-low flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct PageHeader {
    /// Object id.
    pub obj_id: u16,
    /// Span index.
    pub span_ix: u16,
    /// Flags (`spiffs_consts::FLAG_*`, 0 = set).
    pub flags: u8,
}
const _: () = assert!(c::PAGE_HEADER_LEN == 5);

/// The fixed head of an object index header (`spiffs_page_object_ix_header`, span 0): the page
/// header, three alignment bytes, size and type. The name (and metadata, and the page indices)
/// follow at offsets that depend on the build configuration ([`Geometry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct IxHeader {
    /// Page header (obj_id with bit 15, span 0).
    pub page: PageHeader,
    /// Alignment.
    pub align: [u8; 3],
    /// Size in bytes (`c::SIZE_UNDEFINED` while unknown).
    pub size: u32,
    /// Object type (`c::TYPE_FILE` ...).
    pub obj_type: u8,
}
const _: () = assert!(c::IX_HDR_OFF_SIZE == 8 && c::IX_HDR_OFF_TYPE == 12);
const _: () = assert!(c::IX_HDR_OFF_NAME == 13);

/// The last four bytes of a block's lookup pages: the per-block magic and the erase count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct BlockTail {
    /// [`magic_for`] the page size, XOR the remaining block count with `SPIFFS_USE_MAGIC_LENGTH`.
    pub magic: u16,
    /// Erase count.
    pub erase_count: u16,
}

/// A lookup entry or a page index: the u16 arrays of lookup pages and index pages, whose
/// positions depend on the geometry.
fn entry_at(data: &[u8], off: usize) -> Option<u16> {
    read_at(data, off)
}

/// Write a lookup entry or page index.
fn set_entry(data: &mut [u8], off: usize, v: u16) -> Option<()> {
    write_at(data, off, &v)
}

/// The u16 magic for a page size (without the length term).
pub fn magic_for(page_size: usize) -> u16 {
    ((c::MAGIC_BASE ^ page_size as u32) & 0xFFFF) as u16
}

/// Number of object lookup pages per block.
pub fn lookup_pages(block_size: usize, page_size: usize) -> usize {
    if page_size == 0 {
        return 1;
    }
    ((block_size / page_size) * 2 / page_size).max(1)
}

/// Derived geometry of one SPIFFS region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Region start in the dump.
    pub base: usize,
    /// Logical block size.
    pub bs: usize,
    /// Logical page size.
    pub ps: usize,
    /// Blocks in the region.
    pub blocks: usize,
    /// Pages per block.
    pub ppb: usize,
    /// Lookup pages per block.
    pub lu_pages: usize,
    /// Lookup entries per block (= non-lookup pages per block).
    pub entries: usize,
    /// Offset of the page indices in an index header.
    pub hdr_ix_off: usize,
    /// Page indices in an index header.
    pub hdr_ix_entries: usize,
    /// Page indices in a further index page.
    pub ix_entries: usize,
    /// Data bytes per data page.
    pub data_len: usize,
    /// Name length with the NUL.
    pub name_len: usize,
    /// Metadata length.
    pub meta_len: usize,
}

fn hdr_ix_off(name_len: usize, meta_len: usize, aligned: bool) -> usize {
    let raw = c::IX_HDR_OFF_NAME + name_len + meta_len;
    if aligned {
        raw + (raw & 1)
    } else {
        raw
    }
}

impl Geometry {
    fn build(
        base: usize,
        bs: usize,
        ps: usize,
        blocks: usize,
        cfg: (usize, usize, bool),
    ) -> Option<Self> {
        if ps < 64 || bs < ps || bs % ps != 0 || blocks == 0 {
            return None;
        }
        let ppb = bs / ps;
        let lu_pages = lookup_pages(bs, ps);
        if lu_pages >= ppb {
            return None;
        }
        let entries = ppb - lu_pages;
        // The lookup table must fit before the magic/erase count.
        if entries * 2 > lu_pages * ps - 4 {
            return None;
        }
        let off = hdr_ix_off(cfg.0, cfg.1, cfg.2);
        if off + 2 > ps {
            return None;
        }
        Some(Geometry {
            base,
            bs,
            ps,
            blocks,
            ppb,
            lu_pages,
            entries,
            hdr_ix_off: off,
            hdr_ix_entries: (ps - off) / 2,
            ix_entries: (ps - c::IX_PAGE_OFF_ENTRIES) / 2,
            data_len: ps - c::PAGE_HEADER_LEN,
            name_len: cfg.0,
            meta_len: cfg.1,
        })
    }

    /// Geometry of a detected region.
    pub fn of(fs: &FsInfo) -> Option<Self> {
        if fs.kind != FsKind::Spiffs {
            return None;
        }
        let g = Self::build(
            fs.start,
            fs.block_size,
            fs.page_size,
            fs.block_count,
            (fs.name_len, fs.meta_len, fs.aligned_ix),
        )?;
        let end = fs
            .start
            .checked_add(fs.block_size.checked_mul(fs.block_count)?)?;
        (end <= fs.end).then_some(g)
    }

    /// Total page slots (lookup pages included), the range of a page index.
    pub fn total_pages(&self) -> usize {
        self.blocks * self.ppb
    }

    /// Dump offset of a page.
    pub fn page_off(&self, pix: usize) -> usize {
        self.base + pix * self.ps
    }

    /// Dump offset of the lookup entry of a (non-lookup) page, if it is one.
    pub fn lu_entry_off(&self, pix: usize) -> Option<usize> {
        let blk = pix / self.ppb;
        let in_blk = pix % self.ppb;
        if blk >= self.blocks || in_blk < self.lu_pages {
            return None;
        }
        Some(self.base + blk * self.bs + (in_blk - self.lu_pages) * 2)
    }

    /// Page index of entry `i` of block `blk`.
    pub fn pix_of(&self, blk: usize, i: usize) -> usize {
        blk * self.ppb + self.lu_pages + i
    }

    fn is_object_page(&self, pix: usize) -> bool {
        pix < self.total_pages() && pix % self.ppb >= self.lu_pages
    }
}

/// What one non-lookup page holds, from its lookup entry and header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageState {
    /// Lookup entry free; page erased.
    Free,
    /// Lookup entry free, but the page holds bytes (interrupted write).
    DirtyFree,
    /// Deleted (lookup entry 0x0000 or flags DELET cleared).
    Deleted,
    /// Live, finalised index page (obj_id with bit 15, span).
    Index(u16, u16),
    /// Live, finalised data page (obj_id, span).
    Data(u16, u16),
    /// Used but inconsistent (header disagrees with lookup, not finalised ...).
    Inconsistent,
}

/// Classify the page at `pix`. Out-of-range pages are `Inconsistent`.
pub fn page_state(data: &[u8], g: &Geometry, pix: usize) -> PageState {
    let Some(lu_off) = g.lu_entry_off(pix) else {
        return PageState::Inconsistent;
    };
    let Some(lu) = entry_at(data, lu_off) else {
        return PageState::Inconsistent;
    };
    let po = g.page_off(pix);
    let Some(page) = data.get(po..po + g.ps) else {
        return PageState::Inconsistent;
    };
    if lu == c::OBJ_ID_FREE {
        return if is_erased(page) {
            PageState::Free
        } else {
            PageState::DirtyFree
        };
    }
    if lu == c::OBJ_ID_DELETED {
        return PageState::Deleted;
    }
    let Some(PageHeader {
        obj_id: id,
        span_ix: span,
        flags,
    }) = read_at(page, 0)
    else {
        return PageState::Inconsistent;
    };
    if flags & c::FLAG_DELET == 0 {
        return PageState::Deleted;
    }
    let used = flags & c::FLAG_USED == 0;
    let fin = flags & c::FLAG_FINAL == 0;
    let is_ix = flags & c::FLAG_INDEX == 0;
    if id != lu || !used || !fin || is_ix != (lu & c::OBJ_ID_IX_FLAG != 0) {
        return PageState::Inconsistent;
    }
    if is_ix {
        if span == 0 && flags & c::FLAG_IXDELE == 0 {
            return PageState::Deleted;
        }
        PageState::Index(id, span)
    } else {
        PageState::Data(id, span)
    }
}

// ---------------------------------------------------------------------------------------------
// Detection

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
    let mut best: Option<(usize, usize, usize, usize, bool)> = None; // (covered, bs, ps, n, len)
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
            let covered = n * bs;
            if best.is_none_or(|b| covered > b.0)
                && !smaller_blocks_inside(data, o, n, bs, ps, true)
            {
                best = Some((covered, bs, ps, n, with_len));
            }
        }
    }
    let (covered, bs, ps, n, with_len) = best?;
    let mut f = FsInfo {
        kind: FsKind::Spiffs,
        start: o,
        end: o + covered,
        block_size: bs,
        block_count: n,
        page_size: ps,
        name_len: 0,
        meta_len: 0,
        aligned_ix: true,
        magic: true,
        magic_length: with_len,
        config_evidence: 0,
        version: 0,
    };
    choose_config(data, &mut f);
    Some(f)
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

/// True when every byte is 0xFF (word-wise, so that scanning a mostly erased dump is cheap).
pub fn is_erased(b: &[u8]) -> bool {
    let mut it = b.chunks_exact(8);
    let words = it
        .by_ref()
        .all(|w| u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) == u64::MAX);
    words && it.remainder().iter().all(|&x| x == ERASED)
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
    let mut best: Option<(usize, usize, usize, usize, usize)> = None; // covered, bs, ps, n, score
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
            let covered = n * bs;
            if best.is_none_or(|b| covered > b.0)
                && !smaller_blocks_inside(data, o, n, bs, ps, false)
            {
                best = Some((covered, bs, ps, n, score));
            }
        }
    }
    let (covered, bs, ps, n, _) = best?;
    let mut f = FsInfo {
        kind: FsKind::Spiffs,
        start: o,
        end: o + covered,
        block_size: bs,
        block_count: n,
        page_size: ps,
        name_len: 0,
        meta_len: 0,
        aligned_ix: true,
        magic: false,
        magic_length: false,
        config_evidence: 0,
        version: 0,
    };
    choose_config(data, &mut f);
    Some(f)
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

fn span_count(size: u32, data_len: usize) -> usize {
    if size == c::SIZE_UNDEFINED || data_len == 0 {
        return 0;
    }
    (size as usize).div_ceil(data_len)
}

// ---------------------------------------------------------------------------------------------
// Listing and reading

/// One live file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileEntry {
    /// Name as stored (no leading `/` on Mongoose OS; Arduino names start with `/`), lossy UTF-8.
    pub name: String,
    /// The raw name bytes up to the NUL.
    #[serde(skip)]
    pub name_raw: Vec<u8>,
    /// Size in bytes (0 when the header says undefined).
    pub size: u32,
    /// The header's size field was `0xFFFFFFFF`.
    pub size_undefined: bool,
    /// Object id (without bit 15).
    pub obj_id: u16,
    /// Object type (1 file, 2 dir, 3 hard link, 4 soft link).
    pub obj_type: u8,
    /// Dump offset of the index header page.
    pub header_offset: usize,
    /// Dump offsets of further index pages, in span order.
    pub index_offsets: Vec<usize>,
    /// Dump offsets of the data pages, in span order.
    pub data_offsets: Vec<usize>,
    /// Every data span was found.
    pub complete: bool,
}

/// Page map of a region: the state of every object page, and where each (object, span) lives.
struct PageMap {
    g: Geometry,
    states: Vec<PageState>,
    /// First live page of each (obj_id with bit 15 for index pages, span).
    by_span: HashMap<(u16, u16), usize>,
}

impl PageMap {
    fn new(data: &[u8], g: Geometry) -> Self {
        let states: Vec<PageState> = (0..g.total_pages())
            .map(|pix| {
                if g.is_object_page(pix) {
                    page_state(data, &g, pix)
                } else {
                    PageState::Inconsistent
                }
            })
            .collect();
        let mut by_span = HashMap::new();
        for (pix, s) in states.iter().enumerate() {
            if let PageState::Index(id, span) | PageState::Data(id, span) = *s {
                by_span.entry((id, span)).or_insert(pix);
            }
        }
        PageMap { g, states, by_span }
    }

    fn find_data(&self, id: u16, span: u16) -> Option<usize> {
        self.by_span.get(&(id, span)).copied()
    }

    fn find_index(&self, id: u16, span: u16) -> Option<usize> {
        self.by_span.get(&(id | c::OBJ_ID_IX_FLAG, span)).copied()
    }
}

fn entry_from_header(data: &[u8], m: &PageMap, pix: usize, id: u16) -> FileEntry {
    let g = &m.g;
    let po = g.page_off(pix);
    let hdr = read_at::<IxHeader>(data, po);
    let raw_size = hdr.map_or(c::SIZE_UNDEFINED, |h| h.size);
    let obj_type = hdr.map_or(0, |h| h.obj_type);
    let name_area = data
        .get(po + c::IX_HDR_OFF_NAME..po + c::IX_HDR_OFF_NAME + g.name_len)
        .unwrap_or(&[]);
    let nlen = name_area
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(name_area.len());
    let name_raw = name_area[..nlen].to_vec();
    let size = if raw_size == c::SIZE_UNDEFINED {
        0
    } else {
        raw_size
    };
    let oid = id & !c::OBJ_ID_IX_FLAG;
    let spans = span_count(size, g.data_len).min(g.total_pages());
    let mut data_offsets = Vec::with_capacity(spans);
    let mut index_offsets = Vec::new();
    let mut complete = true;
    let mut cur_ix: Option<(usize, usize)> = None; // (index span, page off)
    for s in 0..spans {
        let entry = if s < g.hdr_ix_entries {
            entry_at(data, po + g.hdr_ix_off + s * 2)
        } else {
            let k = 1 + (s - g.hdr_ix_entries) / g.ix_entries;
            let idx = (s - g.hdr_ix_entries) % g.ix_entries;
            if cur_ix.is_none_or(|(ck, _)| ck != k) {
                cur_ix = m.find_index(oid, k as u16).map(|p| (k, g.page_off(p)));
                if let Some((_, off)) = cur_ix {
                    index_offsets.push(off);
                }
            }
            cur_ix.and_then(|(_, off)| entry_at(data, off + c::IX_PAGE_OFF_ENTRIES + idx * 2))
        };
        let want = PageState::Data(oid, s as u16);
        let pix_d = entry
            .map(usize::from)
            .filter(|&p| m.states.get(p) == Some(&want))
            .or_else(|| m.find_data(oid, s as u16));
        match pix_d {
            Some(p) => data_offsets.push(g.page_off(p)),
            None => {
                complete = false;
                break;
            }
        }
    }
    FileEntry {
        name: String::from_utf8_lossy(&name_raw).into_owned(),
        name_raw,
        size,
        size_undefined: raw_size == c::SIZE_UNDEFINED,
        obj_id: oid,
        obj_type,
        header_offset: po,
        index_offsets,
        data_offsets,
        complete,
    }
}

fn list_with(data: &[u8], m: &PageMap) -> Vec<FileEntry> {
    let mut out: Vec<FileEntry> = Vec::new();
    let mut seen = HashSet::new();
    for (pix, st) in m.states.iter().enumerate() {
        if let PageState::Index(id, 0) = *st {
            let oid = id & !c::OBJ_ID_IX_FLAG;
            if !seen.insert(oid) {
                continue; // duplicate header after an interrupted move: keep the first
            }
            out.push(entry_from_header(data, m, pix, id));
        }
    }
    out
}

/// List the live files of a SPIFFS region, in page order.
pub fn list(data: &[u8], fs: &FsInfo) -> Vec<FileEntry> {
    match Geometry::of(fs) {
        Some(g) => list_with(data, &PageMap::new(data, g)),
        None => Vec::new(),
    }
}

/// Read the content of a listed file (as far as its pages are present).
pub fn read_entry(data: &[u8], fs: &FsInfo, f: &FileEntry) -> Vec<u8> {
    let dl = fs.page_size.saturating_sub(c::PAGE_HEADER_LEN);
    let mut out = Vec::with_capacity(f.size as usize);
    let mut left = f.size as usize;
    for &off in &f.data_offsets {
        let n = left.min(dl);
        let Some(chunk) = data.get(off + c::PAGE_HEADER_LEN..off + c::PAGE_HEADER_LEN + n) else {
            break;
        };
        out.extend_from_slice(chunk);
        left -= n;
    }
    out
}

/// Read a file by name (exact match; a leading `/` on either side is ignored).
pub fn read(data: &[u8], fs: &FsInfo, name: &str) -> Option<Vec<u8>> {
    let f = find(data, fs, name)?;
    Some(read_entry(data, fs, &f))
}

fn same_name(stored: &str, wanted: &str) -> bool {
    stored.trim_start_matches('/') == wanted.trim_start_matches('/')
}

/// Find a file by name.
pub fn find(data: &[u8], fs: &FsInfo, name: &str) -> Option<FileEntry> {
    list(data, fs)
        .into_iter()
        .find(|f| same_name(&f.name, name))
}

/// Map a byte offset inside a file to its dump offset.
pub fn file_offset_to_dump(fs: &FsInfo, f: &FileEntry, pos: usize) -> Option<usize> {
    let dl = fs.page_size.checked_sub(c::PAGE_HEADER_LEN)?;
    if dl == 0 || pos >= f.size as usize {
        return None;
    }
    let page = *f.data_offsets.get(pos / dl)?;
    Some(page + c::PAGE_HEADER_LEN + pos % dl)
}

/// Pages that are not part of any live file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeletedStats {
    /// Deleted pages (lookup entry 0x0000 or DELET flag cleared).
    pub deleted_pages: usize,
    /// Other non-free pages no live file references (orphans, unfinished, dirty free pages).
    pub stray_pages: usize,
    /// Deleted or stray pages whose payload is neither erased nor zeroed: readable old data.
    pub with_data: usize,
    /// Dump offsets of those pages.
    pub offsets: Vec<usize>,
    /// Free (erased) pages.
    pub free_pages: usize,
    /// Pages of live files.
    pub live_pages: usize,
}

fn live_page_set(m: &PageMap, files: &[FileEntry]) -> Vec<bool> {
    let mut live = vec![false; m.states.len()];
    let g = &m.g;
    let mut mark = |off: usize| {
        if off >= g.base {
            if let Some(x) = live.get_mut((off - g.base) / g.ps) {
                *x = true;
            }
        }
    };
    for f in files {
        mark(f.header_offset);
        f.index_offsets.iter().for_each(|&o| mark(o));
        f.data_offsets.iter().for_each(|&o| mark(o));
    }
    live
}

/// Count deleted and stray pages, and those that still hold readable data.
pub fn deleted_stats(data: &[u8], fs: &FsInfo) -> DeletedStats {
    let Some(g) = Geometry::of(fs) else {
        return DeletedStats::default();
    };
    let m = PageMap::new(data, g);
    let files = list_with(data, &m);
    let live = live_page_set(&m, &files);
    let mut st = DeletedStats::default();
    for (pix, s) in m.states.iter().enumerate() {
        if !g.is_object_page(pix) {
            continue;
        }
        match s {
            PageState::Free => {
                st.free_pages += 1;
                continue;
            }
            _ if live[pix] => {
                st.live_pages += 1;
                continue;
            }
            PageState::Deleted => st.deleted_pages += 1,
            _ => st.stray_pages += 1,
        }
        let po = g.page_off(pix);
        if let Some(p) = data.get(po + c::PAGE_HEADER_LEN..po + g.ps) {
            if p.iter().any(|&b| b != ERASED) && p.iter().any(|&b| b != 0) {
                st.with_data += 1;
                st.offsets.push(po);
            }
        }
    }
    st
}

// ---------------------------------------------------------------------------------------------
// Editing

fn delete_page(data: &mut [u8], g: &Geometry, pix: usize, header: bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if let Some(lu) = g.lu_entry_off(pix) {
        if set_entry(data, lu, c::OBJ_ID_DELETED).is_some() {
            out.push(lu..lu + 2);
        }
    }
    let fo = g.page_off(pix) + 4;
    if let Some(b) = data.get_mut(fo) {
        let mut clear = c::FLAG_DELET | c::FLAG_USED;
        if header {
            clear |= c::FLAG_IXDELE;
        }
        *b &= !clear;
        out.push(fo..fo + 1);
    }
    out
}

/// Delete a file as SPIFFS does: lookup entries 0x0000, flags DELET/USED (and IXDELE on the
/// header) cleared. Returns the byte ranges written. Content stays until [`scrub_deleted`].
pub fn delete_file(data: &mut [u8], fs: &FsInfo, name: &str) -> Result<Vec<Range<usize>>> {
    let g = Geometry::of(fs).ok_or_else(|| Error::InvalidInput("not a SPIFFS region".into()))?;
    let f = find(data, fs, name)
        .ok_or_else(|| Error::InvalidInput(format!("no file {name:?} in {}", fs.label())))?;
    Ok(delete_entry(data, &g, &f))
}

fn delete_entry(data: &mut [u8], g: &Geometry, f: &FileEntry) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let pix = |off: usize| (off - g.base) / g.ps;
    // Header first (IXDELE), then data pages, then further index pages, like spiffs_object_truncate.
    out.extend(delete_page(data, g, pix(f.header_offset), true));
    for &o in &f.data_offsets {
        out.extend(delete_page(data, g, pix(o), false));
    }
    for &o in &f.index_offsets {
        out.extend(delete_page(data, g, pix(o), false));
    }
    out
}

/// Turn every page that no live file references into a deleted page and zero its payload
/// (bytes 5.. of the page), so no stale content survives. Only 1→0 bit changes are made, and
/// lookup entries and flags agree afterwards (what `SPIFFS_check` expects of deleted pages).
pub fn scrub_deleted(data: &mut [u8], fs: &FsInfo) -> Vec<Range<usize>> {
    let Some(g) = Geometry::of(fs) else {
        return Vec::new();
    };
    let m = PageMap::new(data, g);
    let files = list_with(data, &m);
    let live = live_page_set(&m, &files);
    let mut out = Vec::new();
    for (pix, s) in m.states.iter().enumerate() {
        if !g.is_object_page(pix) || live[pix] || *s == PageState::Free {
            continue;
        }
        // Lookup entry 0x0000, flags DELET/USED cleared.
        if let Some(lu) = g.lu_entry_off(pix) {
            if entry_at(data, lu) != Some(c::OBJ_ID_DELETED) && set_entry(data, lu, 0).is_some() {
                out.push(lu..lu + 2);
            }
        }
        let po = g.page_off(pix);
        if let Some(fl) = data.get_mut(po + 4) {
            let nf = *fl & !(c::FLAG_DELET | c::FLAG_USED);
            if nf != *fl {
                *fl = nf;
                out.push(po + 4..po + 5);
            }
        }
        if let Some(p) = data.get_mut(po + c::PAGE_HEADER_LEN..po + g.ps) {
            if p.iter().any(|&b| b != 0) {
                p.fill(0);
                out.push(po + c::PAGE_HEADER_LEN..po + g.ps);
            }
        }
    }
    out
}

/// Write (create or replace) a small file the way SPIFFS would: the old object is deleted, a
/// free object id is taken, data pages and then the index header are written into erased pages
/// (preferring blocks already in use), and the lookup entries are set. Files needing more than
/// the header's page indices are refused, as is a write that would eat the GC reserve.
pub fn write_file(
    data: &mut [u8],
    fs: &FsInfo,
    name: &str,
    content: &[u8],
) -> Result<Vec<Range<usize>>> {
    let g = Geometry::of(fs).ok_or_else(|| Error::InvalidInput("not a SPIFFS region".into()))?;
    if name.is_empty() || name.len() >= g.name_len || name.as_bytes().contains(&0) {
        return Err(Error::InvalidInput(format!("bad SPIFFS name {name:?}")));
    }
    let spans = content.len().div_ceil(g.data_len);
    if spans > g.hdr_ix_entries || content.len() >= c::SIZE_UNDEFINED as usize {
        return Err(Error::Refused(format!(
            "{} bytes need more than one index page",
            content.len()
        )));
    }
    let mut out = Vec::new();
    // Plan first (the old object's pages are not free and its id stays taken), so that a refused
    // write leaves the image untouched.
    let old = find(data, fs, name);
    let m = PageMap::new(data, g);
    // Free object id.
    let max_id = (g.blocks * g.entries / 2).min(c::OBJ_ID_IX_FLAG as usize - 1);
    let mut used = vec![false; max_id + 1];
    for s in &m.states {
        if let PageState::Index(id, _) | PageState::Data(id, _) = *s {
            if let Some(u) = used.get_mut((id & !c::OBJ_ID_IX_FLAG) as usize) {
                *u = true;
            }
        }
    }
    let oid = (1..=max_id)
        .find(|&i| !used[i])
        .ok_or_else(|| Error::Refused("no free SPIFFS object id".into()))? as u16;
    // Free pages: partly used blocks first, then empty blocks.
    let need = spans + 1;
    let mut block_used = vec![false; g.blocks];
    for (pix, s) in m.states.iter().enumerate() {
        if g.is_object_page(pix) && *s != PageState::Free {
            block_used[pix / g.ppb] = true;
        }
    }
    let free: Vec<usize> = (0..g.total_pages())
        .filter(|&p| m.states[p] == PageState::Free)
        .collect();
    if free.len() < need + c::GC_RESERVE_BLOCKS * g.entries {
        return Err(Error::Refused(format!(
            "only {} free pages in {}",
            free.len(),
            fs.label()
        )));
    }
    let mut pages: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&p| block_used[p / g.ppb])
        .take(need)
        .collect();
    if pages.len() < need {
        let more: Vec<usize> = free
            .iter()
            .copied()
            .filter(|&p| !block_used[p / g.ppb])
            .take(need - pages.len())
            .collect();
        pages.extend(more);
    }
    let Some((hdr_pix, data_pix)) = pages.split_first() else {
        return Err(Error::Refused("no free SPIFFS page".into()));
    };
    if let Some(old) = old {
        out.extend(delete_entry(data, &g, &old));
    }
    // Data pages.
    for (s, (&pix, chunk)) in data_pix.iter().zip(content.chunks(g.data_len)).enumerate() {
        let po = g.page_off(pix);
        let page = &mut data[po..po + g.ps];
        let header = PageHeader {
            obj_id: oid,
            span_ix: s as u16,
            flags: c::FLAGS_LIVE_DATA,
        };
        write_at(page, 0, &header);
        page[c::PAGE_HEADER_LEN..c::PAGE_HEADER_LEN + chunk.len()].copy_from_slice(chunk);
        out.push(po..po + g.ps);
    }
    // Index header.
    let po = g.page_off(*hdr_pix);
    {
        let page = &mut data[po..po + g.ps];
        let header = IxHeader {
            page: PageHeader {
                obj_id: oid | c::OBJ_ID_IX_FLAG,
                span_ix: 0,
                flags: c::FLAGS_LIVE_INDEX,
            },
            align: [ERASED; 3],
            size: content.len() as u32,
            obj_type: c::TYPE_FILE,
        };
        write_at(page, 0, &header);
        let n = &mut page[c::IX_HDR_OFF_NAME..c::IX_HDR_OFF_NAME + g.name_len];
        n.fill(0);
        n[..name.len()].copy_from_slice(name.as_bytes());
        for (k, &pix) in data_pix.iter().enumerate() {
            set_entry(page, g.hdr_ix_off + k * 2, pix as u16);
        }
    }
    out.push(po..po + g.ps);
    // Lookup entries.
    for (k, &pix) in pages.iter().enumerate() {
        let id = if k == 0 { oid | c::OBJ_ID_IX_FLAG } else { oid };
        if let Some(lu) = g.lu_entry_off(pix) {
            set_entry(data, lu, id);
            out.push(lu..lu + 2);
        }
    }
    Ok(out)
}

/// Build an empty, formatted SPIFFS image (erase count 0 and magic in every block), as
/// `SPIFFS_format` / mkspiffs produce. For tests and for rebuilding a region from scratch.
pub fn format(fs: &FsInfo) -> Option<Vec<u8>> {
    let g = Geometry::of(&FsInfo {
        start: 0,
        ..fs.clone()
    })?;
    let mut img = vec![ERASED; g.bs * g.blocks];
    for blk in 0..g.blocks {
        let at = blk * g.bs + g.lu_pages * g.ps - 4;
        let magic = if !fs.magic {
            u16::MAX // left erased
        } else if fs.magic_length {
            magic_for(g.ps) ^ (g.blocks - blk) as u16
        } else {
            magic_for(g.ps)
        };
        let tail = BlockTail {
            magic,
            erase_count: 0,
        };
        write_at(&mut img, at, &tail)?;
    }
    Some(img)
}

/// The Mongoose OS / stock Shelly geometry for a region of `len` bytes at `start`.
pub fn mongoose_info(start: usize, len: usize) -> FsInfo {
    FsInfo {
        kind: FsKind::Spiffs,
        start,
        end: start + len,
        block_size: 4096,
        block_count: len / 4096,
        page_size: 256,
        name_len: c::CONFIGS[0].0,
        meta_len: c::CONFIGS[0].1,
        aligned_ix: c::CONFIGS[0].2,
        magic: true,
        magic_length: false,
        config_evidence: 0,
        version: 0,
    }
}

/// A deleted file reassembled from its deleted pages (SPIFFS only clears flags and lookup
/// entries, so headers, names and data stay readable until the block is erased).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeletedFile {
    /// Name from the deleted index header.
    pub name: String,
    /// Object id (without bit 15).
    pub obj_id: u16,
    /// Size from the header (0 when undefined).
    pub size: u32,
    /// Dump offset of the deleted index header.
    pub header_offset: usize,
    /// Every data span referenced by the header was found intact.
    pub complete: bool,
    /// The recovered bytes (spans that were not found are left out).
    #[serde(skip)]
    pub content: Vec<u8>,
}

/// Reassemble deleted files whose index header is still readable (first index page only).
pub fn recover_deleted(data: &[u8], fs: &FsInfo) -> Vec<DeletedFile> {
    let Some(g) = Geometry::of(fs) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for pix in 0..g.total_pages() {
        if !g.is_object_page(pix) || page_state(data, &g, pix) != PageState::Deleted {
            continue;
        }
        let po = g.page_off(pix);
        let Some(h) = data.get(po..po + g.ps) else {
            continue;
        };
        let Some(ix) = read_at::<IxHeader>(h, 0) else {
            continue;
        };
        let (id, flags) = (ix.page.obj_id, ix.page.flags);
        // A (deleted) index header: bit 15 in the id, INDEX flag set (0), span 0, written.
        if id & c::OBJ_ID_IX_FLAG == 0
            || id == c::OBJ_ID_FREE
            || ix.page.span_ix != 0
            || flags & c::FLAG_INDEX != 0
            || flags & c::FLAG_USED != 0
        {
            continue;
        }
        let oid = id & !c::OBJ_ID_IX_FLAG;
        let raw_size = ix.size;
        let size = if raw_size == c::SIZE_UNDEFINED {
            0
        } else {
            raw_size
        };
        let name_area = &h[c::IX_HDR_OFF_NAME..(c::IX_HDR_OFF_NAME + g.name_len).min(g.ps)];
        let nlen = name_area
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(name_area.len());
        if nlen == 0 {
            continue;
        }
        let spans = span_count(size, g.data_len).min(g.hdr_ix_entries);
        let mut content = Vec::new();
        let mut complete = span_count(size, g.data_len) <= g.hdr_ix_entries;
        let mut left = size as usize;
        for s in 0..spans {
            let e = entry_at(h, g.hdr_ix_off + s * 2).unwrap_or(0xFFFF) as usize;
            let dp = g.page_off(e);
            let ok = g.is_object_page(e)
                && read_at::<PageHeader>(data, dp).is_some_and(|d| {
                    d.obj_id == oid
                        && d.span_ix == s as u16
                        && d.flags & c::FLAG_INDEX != 0
                        && d.flags & c::FLAG_USED == 0
                });
            if !ok {
                complete = false;
                break;
            }
            let n = left.min(g.data_len);
            match data.get(dp + c::PAGE_HEADER_LEN..dp + c::PAGE_HEADER_LEN + n) {
                Some(chunk) => content.extend_from_slice(chunk),
                None => {
                    complete = false;
                    break;
                }
            }
            left -= n;
        }
        out.push(DeletedFile {
            name: String::from_utf8_lossy(&name_area[..nlen]).into_owned(),
            obj_id: oid,
            size,
            header_offset: po,
            complete,
            content,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        bs: usize,
        ps: usize,
        blocks: usize,
        cfg: (usize, usize, bool),
        magic: bool,
        ml: bool,
    ) -> FsInfo {
        FsInfo {
            kind: FsKind::Spiffs,
            start: 0,
            end: bs * blocks,
            block_size: bs,
            block_count: blocks,
            page_size: ps,
            name_len: cfg.0,
            meta_len: cfg.1,
            aligned_ix: cfg.2,
            magic,
            magic_length: ml,
            config_evidence: 0,
            version: 0,
        }
    }

    #[test]
    fn magic_values() {
        assert_eq!(magic_for(256), 0x0429);
        assert_eq!(magic_for(512), 0x0729);
        assert_eq!(lookup_pages(4096, 256), 1);
        assert_eq!(lookup_pages(65536, 256), 2);
        assert_eq!(lookup_pages(65536, 128), 8);
    }

    #[test]
    fn mongoose_geometry_numbers() {
        let g = Geometry::of(&mongoose_info(0, 0x40000)).unwrap();
        assert_eq!((g.ppb, g.lu_pages, g.entries), (16, 1, 15));
        assert_eq!(
            (g.hdr_ix_off, g.hdr_ix_entries, g.ix_entries, g.data_len),
            (70, 93, 124, 251)
        );
        assert_eq!(g.blocks * g.entries / 2, 480);
    }

    /// Every supported build variant: format, write, embed in a dump, detect the exact geometry
    /// and configuration back, read the files.
    #[test]
    fn variants_are_detected_and_read_back() {
        let files: [(&str, Vec<u8>); 3] = [
            ("/a.txt", b"hello".to_vec()),
            ("/b.bin", (0..1000u32).map(|i| (i * 7) as u8).collect()),
            ("/c.json", b"{\"k\":1}".repeat(60)),
        ];
        for &(bs, ps) in &[
            (4096, 256),
            (8192, 256),
            (4096, 512),
            (16384, 256),
            (4096, 128),
        ] {
            for &cfg in c::CONFIGS {
                for &(magic, ml) in &[(true, false), (true, true), (false, false)] {
                    let blocks = 12;
                    let f = info(bs, ps, blocks, cfg, magic, ml);
                    if Geometry::of(&f).is_none() {
                        continue;
                    }
                    let mut img = format(&f).unwrap();
                    for (n, body) in &files {
                        if n.len() < cfg.0 {
                            write_file(&mut img, &f, n, body).unwrap();
                        }
                    }
                    // Embed between non-erased filler so the scored variant's end is exact too.
                    let at = 0x20000;
                    let mut dump = vec![0x5Au8; at + img.len() + 0x8000];
                    dump[at..at + img.len()].copy_from_slice(&img);
                    let found = crate::fs::detect_all(&dump);
                    let what = format!("bs {bs} ps {ps} cfg {cfg:?} magic {magic} len {ml}");
                    assert_eq!(found.len(), 1, "{what} {found:?}");
                    let d = &found[0];
                    assert_eq!((d.start, d.end), (at, at + img.len()), "{what} {d:?}");
                    assert_eq!(
                        (d.block_size, d.page_size, d.block_count),
                        (bs, ps, blocks),
                        "{what}"
                    );
                    assert_eq!(
                        (d.name_len + d.meta_len, d.aligned_ix),
                        (cfg.0 + cfg.1, cfg.2),
                        "{what}"
                    );
                    assert_eq!((d.magic, d.magic_length), (magic, ml), "{what}");
                    for (n, body) in &files {
                        assert_eq!(read(&dump, d, n).as_deref(), Some(&body[..]), "{what} {n}");
                    }
                }
            }
        }
    }

    #[test]
    fn an_erased_block_without_magic_is_bridged() {
        let f = mongoose_info(0, 16 * 4096);
        let mut img = format(&f).unwrap();
        write_file(&mut img, &f, "conf0.json", &[b'x'; 900]).unwrap();
        img[5 * 4096..6 * 4096].fill(0xFF);
        let mut dump = vec![0x11u8; 0x1000];
        dump.extend_from_slice(&img);
        dump.extend_from_slice(&[0x22u8; 0x3000]);
        let found = crate::fs::detect_all(&dump);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start, found[0].block_count), (0x1000, 16));
        assert_eq!(
            read(&dump, &found[0], "conf0.json").unwrap(),
            vec![b'x'; 900]
        );
        // A second erased block further on is bridged too.
        dump[0x1000 + 9 * 4096..0x1000 + 10 * 4096].fill(0xFF);
        assert_eq!(crate::fs::detect_all(&dump)[0].block_count, 16);
    }

    #[test]
    fn page_states() {
        let f = mongoose_info(0, 4 * 4096);
        let mut img = format(&f).unwrap();
        let g = Geometry::of(&f).unwrap();
        assert_eq!(page_state(&img, &g, 1), PageState::Free);
        assert_eq!(page_state(&img, &g, 0), PageState::Inconsistent);
        write_file(&mut img, &f, "x", b"abc").unwrap();
        let e = find(&img, &f, "x").unwrap();
        let hp = (e.header_offset) / 256;
        let dp = e.data_offsets[0] / 256;
        assert_eq!(
            page_state(&img, &g, hp),
            PageState::Index(e.obj_id | 0x8000, 0)
        );
        assert_eq!(page_state(&img, &g, dp), PageState::Data(e.obj_id, 0));
        assert_eq!(img[e.header_offset + 4], 0xF8);
        assert_eq!(img[e.data_offsets[0] + 4], 0xFC);
        delete_file(&mut img, &f, "x").unwrap();
        assert_eq!(img[e.header_offset + 4], 0x38);
        assert_eq!(img[e.data_offsets[0] + 4], 0x7C);
        assert_eq!(page_state(&img, &g, hp), PageState::Deleted);
        // A page written without its lookup entry is dirty free space; scrub makes it deleted.
        img[g.page_off(5)] = 0x12;
        assert_eq!(page_state(&img, &g, 5), PageState::DirtyFree);
        assert_eq!(deleted_stats(&img, &f).stray_pages, 1);
        scrub_deleted(&mut img, &f);
        assert_eq!(page_state(&img, &g, 5), PageState::Deleted);
        assert_eq!(deleted_stats(&img, &f).with_data, 0);
    }
}
