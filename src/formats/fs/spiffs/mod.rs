//! SPIFFS images: detection, geometry, listing, reading, and the edits `sanitize` needs.
//!
//! Layout (`docs/structures.md` §7, SPIFFS `spiffs_nucleus.h`): each logical block starts
//! with object lookup page(s) holding one u16 object id per page of the block (`0xFFFF` free,
//! `0x0000` deleted, bit 15 = index page), then the per-block magic and erase count. Every other
//! page has a 5-byte header (obj_id, span_ix, active-low flags). An object index header (span 0)
//! holds size, type, name (+ metadata) and the page indices of the first data spans; further index
//! pages hold more. Edits are done the way SPIFFS itself does them (lookup entry `0x0000` and
//! flags cleared for deletion, only 1→0 bit changes), so the image stays valid for the firmware.

//!
//! The parts: [`geometry`] (on-flash structures, derived geometry, page states), [`detect`]
//! (finding regions and their configuration), [`read`](mod@read) (listing and reading live files),
//! [`recover`] (deleted files), [`write`](mod@write) (deleting, scrubbing, writing, formatting).

pub mod detect;
pub mod geometry;
pub mod read;
pub mod recover;
pub mod write;

pub use detect::{detect_magic, detect_scored, probe};
pub use geometry::{
    is_erased, lookup_pages, magic_for, mongoose_info, page_state, BlockTail, Geometry, IxHeader,
    PageHeader, PageState,
};
pub use read::{
    deleted_stats, file_offset_to_dump, find, list, read, read_entry, DeletedStats, FileEntry,
};
pub use recover::{recover_deleted, DeletedFile};
pub use write::{delete_file, format, scrub_deleted, write_file};

pub mod consts;
#[cfg(test)]
mod tests;
