//! Edits done the way SPIFFS itself does them (only 1→0 bit changes where a page is deleted):
//! deleting a file, scrubbing deleted pages, writing a small file, formatting an empty region.

use std::ops::Range;

use super::super::FsInfo;
use super::geometry::{
    entry_at, magic_for, set_entry, BlockTail, Geometry, IxHeader, PageHeader, PageState,
};
use super::read::{find, FileEntry, PageMap};
use crate::formats::binparse::write_at;
use crate::formats::flash::ERASED;
use crate::formats::fs::spiffs::consts as c;
use crate::{Error, Result};

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

pub(super) fn delete_entry(data: &mut [u8], g: &Geometry, f: &FileEntry) -> Vec<Range<usize>> {
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
    let Some((m, live)) = PageMap::with_live(data, fs) else {
        return Vec::new();
    };
    let g = m.g;
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
    // Plan first (the old object's pages are not free and its id stays taken), so that a refused
    // write leaves the image untouched.
    let old = find(data, fs, name);
    let m = PageMap::new(data, g);
    let oid = free_object_id(&m)?;
    let pages = free_pages(&m, spans + 1, fs)?;
    let Some((&hdr_pix, data_pix)) = pages.split_first() else {
        return Err(Error::Refused("no free SPIFFS page".into()));
    };
    let mut out = Vec::new();
    if let Some(old) = old {
        out.extend(delete_entry(data, &g, &old));
    }
    out.extend(write_data_pages(data, &g, oid, data_pix, content));
    let ix = IndexHeader {
        pix: hdr_pix,
        oid,
        name,
        size: content.len(),
        data_pix,
    };
    out.push(write_index_header(data, &g, &ix));
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

/// The lowest object id no page uses.
fn free_object_id(m: &PageMap) -> Result<u16> {
    let g = &m.g;
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
        .ok_or_else(|| Error::Refused("no free SPIFFS object id".into()))?;
    Ok(oid as u16)
}

/// `need` free pages, from partly used blocks first, then from empty blocks; refused when the
/// write would leave less than the GC reserve free.
fn free_pages(m: &PageMap, need: usize, fs: &FsInfo) -> Result<Vec<usize>> {
    let g = &m.g;
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
    Ok(pages)
}

/// Write the data pages of object `oid`, span by span. Returns the byte ranges written.
fn write_data_pages(
    data: &mut [u8],
    g: &Geometry,
    oid: u16,
    data_pix: &[usize],
    content: &[u8],
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
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
    out
}

/// What goes into a new index header: its page, the object id, name, size and data pages.
struct IndexHeader<'a> {
    pix: usize,
    oid: u16,
    name: &'a str,
    size: usize,
    data_pix: &'a [usize],
}

/// Write the index header page (span 0). Returns the byte range written.
fn write_index_header(data: &mut [u8], g: &Geometry, ix: &IndexHeader) -> Range<usize> {
    let po = g.page_off(ix.pix);
    let page = &mut data[po..po + g.ps];
    let header = IxHeader {
        page: PageHeader {
            obj_id: ix.oid | c::OBJ_ID_IX_FLAG,
            span_ix: 0,
            flags: c::FLAGS_LIVE_INDEX,
        },
        align: [ERASED; 3],
        size: ix.size as u32,
        obj_type: c::TYPE_FILE,
    };
    write_at(page, 0, &header);
    let n = &mut page[c::IX_HDR_OFF_NAME..c::IX_HDR_OFF_NAME + g.name_len];
    n.fill(0);
    n[..ix.name.len()].copy_from_slice(ix.name.as_bytes());
    for (k, &pix) in ix.data_pix.iter().enumerate() {
        set_entry(page, g.hdr_ix_off + k * 2, pix as u16);
    }
    po..po + g.ps
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
