//! The on-flash structures of SPIFFS and the geometry derived from a region's parameters:
//! page and block sizes, lookup pages, where the page indices of an index header start (which
//! depends on the build's name and metadata lengths), and the state of each page.

use binrw::{BinRead, BinWrite};

use super::super::{FsInfo, FsKind};
use crate::formats::binparse::{read_at, write_at};
use crate::formats::flash::ERASED;
use crate::formats::fs::spiffs::consts as c;

/// The header of every object page (`spiffs_page_header`): object id (bit 15 on index pages),
/// span index, and the active-low flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct PageHeader {
    /// Object id.
    pub obj_id: u16,
    /// Span index.
    pub span_ix: u16,
    /// Flags (`c::FLAG_*`, 0 = set).
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
pub(super) fn entry_at(data: &[u8], off: usize) -> Option<u16> {
    read_at(data, off)
}

/// Write a lookup entry or page index.
pub(super) fn set_entry(data: &mut [u8], off: usize, v: u16) -> Option<()> {
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
    pub(super) fn build(
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

    pub(super) fn is_object_page(&self, pix: usize) -> bool {
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

/// True when every byte is 0xFF (word-wise, so that scanning a mostly erased dump is cheap).
pub fn is_erased(b: &[u8]) -> bool {
    let mut it = b.chunks_exact(8);
    let words = it
        .by_ref()
        .all(|w| u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) == u64::MAX);
    words && it.remainder().iter().all(|&x| x == ERASED)
}

/// The size field of an index header, 0 when it is undefined (`0xFFFFFFFF`: still being written).
pub(super) fn defined_size(raw: u32) -> u32 {
    if raw == c::SIZE_UNDEFINED {
        0
    } else {
        raw
    }
}

/// The name of an index header page `h` (bytes up to the NUL); `h` ends where the name area
/// ends.
pub(super) fn header_name(h: &[u8]) -> &[u8] {
    let area = h.get(c::IX_HDR_OFF_NAME..).unwrap_or(&[]);
    let n = area.iter().position(|&b| b == 0).unwrap_or(area.len());
    &area[..n]
}

/// Data pages of a file of `size` bytes (0 when the size is undefined).
pub(super) fn span_count(size: u32, data_len: usize) -> usize {
    if size == c::SIZE_UNDEFINED || data_len == 0 {
        return 0;
    }
    (size as usize).div_ceil(data_len)
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
