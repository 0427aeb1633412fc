//! Recovering deleted files: SPIFFS only clears flags and lookup entries when it deletes, so
//! index headers, names and data stay readable until their block is erased.

use super::super::FsInfo;
use super::geometry::{
    defined_size, entry_at, header_name, page_state, span_count, Geometry, IxHeader, PageHeader,
    PageState,
};
use crate::formats::binparse::read_at;
use crate::formats::fs::spiffs::consts as c;

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
        let size = defined_size(ix.size);
        let name = header_name(&h[..(c::IX_HDR_OFF_NAME + g.name_len).min(g.ps)]);
        if name.is_empty() {
            continue;
        }
        let (content, complete) = deleted_content(data, &g, h, oid, size);
        out.push(DeletedFile {
            name: String::from_utf8_lossy(name).into_owned(),
            obj_id: oid,
            size,
            header_offset: po,
            complete,
            content,
        });
    }
    out
}

/// The data of deleted object `oid` (`size` bytes) as far as the page indices of its header
/// page `h` lead to matching deleted data pages; true when all of it was found.
fn deleted_content(data: &[u8], g: &Geometry, h: &[u8], oid: u16, size: u32) -> (Vec<u8>, bool) {
    let spans = span_count(size, g.data_len).min(g.hdr_ix_entries);
    let mut content = Vec::new();
    let complete = span_count(size, g.data_len) <= g.hdr_ix_entries;
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
            return (content, false);
        }
        let n = left.min(g.data_len);
        let Some(chunk) = data.get(dp + c::PAGE_HEADER_LEN..dp + c::PAGE_HEADER_LEN + n) else {
            return (content, false);
        };
        content.extend_from_slice(chunk);
        left -= n;
    }
    (content, complete)
}
