//! Listing and reading live files: the page map of a region, each file's index header, data
//! pages in span order, and the count of pages no live file references.

use std::collections::{HashMap, HashSet};

use super::super::FsInfo;
use super::geometry::{
    defined_size, entry_at, header_name, page_state, span_count, Geometry, IxHeader, PageState,
};
use crate::formats::binparse::read_at;
use crate::formats::flash::ERASED;
use crate::formats::fs::spiffs::consts as c;

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
pub(super) struct PageMap {
    pub(super) g: Geometry,
    pub(super) states: Vec<PageState>,
    /// First live page of each (obj_id with bit 15 for index pages, span).
    by_span: HashMap<(u16, u16), usize>,
}

impl PageMap {
    pub(super) fn new(data: &[u8], g: Geometry) -> Self {
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

    /// The page map of a SPIFFS region and which of its pages belong to a live file.
    pub(super) fn with_live(data: &[u8], fs: &FsInfo) -> Option<(Self, Vec<bool>)> {
        let m = PageMap::new(data, Geometry::of(fs)?);
        let live = m.live_pages(data);
        Some((m, live))
    }

    /// Which pages belong to a live file (index header, index pages, data pages).
    pub(super) fn live_pages(&self, data: &[u8]) -> Vec<bool> {
        let files = list_with(data, self);
        let mut live = vec![false; self.states.len()];
        let g = &self.g;
        let mut mark = |off: usize| {
            if off >= g.base {
                if let Some(x) = live.get_mut((off - g.base) / g.ps) {
                    *x = true;
                }
            }
        };
        for f in &files {
            mark(f.header_offset);
            f.index_offsets.iter().for_each(|&o| mark(o));
            f.data_offsets.iter().for_each(|&o| mark(o));
        }
        live
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
    let header = data
        .get(po..po + c::IX_HDR_OFF_NAME + g.name_len)
        .unwrap_or(&[]);
    let name_raw = header_name(header).to_vec();
    let size = defined_size(raw_size);
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

/// Count deleted and stray pages, and those that still hold readable data.
pub fn deleted_stats(data: &[u8], fs: &FsInfo) -> DeletedStats {
    let Some((m, live)) = PageMap::with_live(data, fs) else {
        return DeletedStats::default();
    };
    let g = m.g;
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
