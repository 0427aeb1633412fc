//! SPIFFS on-flash numbers (pellepl/spiffs `spiffs_nucleus.h`, `spiffs_config.h`;
//! `docs/structures.md` §7): block magic, page header and flag bits, object index header offsets,
//! and the build configurations tried.

/// Base of the per-block magic: `(MAGIC_BASE ^ page_size) & 0xFFFF`.
pub const MAGIC_BASE: u32 = 0x2014_0529;
/// Logical page sizes tried, most likely first.
pub const PAGE_SIZES: &[usize] = &[256, 512, 128];
/// Logical block sizes tried, smallest first.
pub const BLOCK_SIZES: &[usize] = &[4096, 8192, 16384, 32768, 65536];
/// Lookup entry of a free page.
pub const OBJ_ID_FREE: u16 = 0xFFFF;
/// Lookup entry of a deleted page.
pub const OBJ_ID_DELETED: u16 = 0x0000;
/// Bit 15 of an object id marks an object index page.
pub const OBJ_ID_IX_FLAG: u16 = 0x8000;
/// Length of a page header: u16 obj_id, u16 span_ix, u8 flags.
pub const PAGE_HEADER_LEN: usize = 5;
/// Offset of `size` in an index header (after 3 alignment bytes).
pub const IX_HDR_OFF_SIZE: usize = 8;
/// Offset of `type` in an index header.
pub const IX_HDR_OFF_TYPE: usize = 12;
/// Offset of `name` in an index header.
pub const IX_HDR_OFF_NAME: usize = 13;
/// Offset of the entries in an extra index page (header + 3 alignment bytes).
pub const IX_PAGE_OFF_ENTRIES: usize = 8;
/// Flag bit (active low): page written.
pub const FLAG_USED: u8 = 1 << 0;
/// Flag bit (active low): page finalised.
pub const FLAG_FINAL: u8 = 1 << 1;
/// Flag bit (active low): index page (1 = data page).
pub const FLAG_INDEX: u8 = 1 << 2;
/// Flag bit (active low): index header being deleted.
pub const FLAG_IXDELE: u8 = 1 << 6;
/// Flag bit (active low): page deleted.
pub const FLAG_DELET: u8 = 1 << 7;
/// Flags byte of a live, finalised index page.
pub const FLAGS_LIVE_INDEX: u8 = 0xF8;
/// Flags byte of a live, finalised data page.
pub const FLAGS_LIVE_DATA: u8 = 0xFC;
/// Object type of a regular file.
pub const TYPE_FILE: u8 = 1;
/// Size field of an index header whose size is not yet known.
pub const SIZE_UNDEFINED: u32 = 0xFFFF_FFFF;
/// Known (name_len, meta_len, aligned index tables) build configurations, most likely first:
/// Mongoose OS (48 + 8 metadata, aligned), Arduino/Sming (32, aligned and not), ESP-IDF (32 + 4).
pub const CONFIGS: &[(usize, usize, bool)] = &[
    (48, 8, true),
    (32, 0, true),
    (32, 0, false),
    (32, 4, false),
    (32, 4, true),
    (64, 0, true),
];
/// Free blocks SPIFFS keeps for garbage collection; writes must leave this many pages' worth.
pub const GC_RESERVE_BLOCKS: usize = 2;
/// Smallest believable SPIFFS region without a magic, in blocks with consistent lookup entries.
pub const MIN_SCORED_BLOCKS: usize = 2;
