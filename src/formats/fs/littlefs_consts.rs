//! LittleFS on-flash numbers (littlefs `SPEC.md`; `docs/structures.md` §8): superblock magic,
//! tag types and the limits of the reader.

/// ASCII magic at +8 of each superblock.
pub const MAGIC: &[u8; 8] = b"littlefs";
/// First tag of a superblock as stored (`F0 0F FF F7`). The fixed start of a superblock block
/// (revision, this tag, [`MAGIC`], the inline struct) is `fs::littlefs::SuperblockHead`.
pub const FIRST_TAG: [u8; 4] = [0xF0, 0x0F, 0xFF, 0xF7];
/// Major on-disk version this reader understands.
pub const VERSION_MAJOR: u16 = 2;
/// Smallest block size littlefs accepts.
pub const MIN_BLOCK_SIZE: usize = 128;
/// Tag type: regular file name.
pub const TYPE_REG: u16 = 0x001;
/// Tag type: directory name.
pub const TYPE_DIR: u16 = 0x002;
/// Tag type: superblock name.
pub const TYPE_SUPERBLOCK: u16 = 0x0FF;
/// Tag type: directory struct (metadata pair of a subdirectory).
pub const TYPE_DIRSTRUCT: u16 = 0x200;
/// Tag type: inline file data.
pub const TYPE_INLINESTRUCT: u16 = 0x201;
/// Tag type: CTZ skip-list file (head block, size).
pub const TYPE_CTZSTRUCT: u16 = 0x202;
/// Tag type: create an id (splice +1).
pub const TYPE_CREATE: u16 = 0x401;
/// Tag type: delete an id (splice -1).
pub const TYPE_DELETE: u16 = 0x4FF;
/// Tag type: hard tail (directory continues in another pair).
pub const TYPE_HARDTAIL: u16 = 0x601;
/// Tag type1 of name tags.
pub const TYPE1_NAME: u16 = 0x000;
/// Tag type1 of struct tags.
pub const TYPE1_STRUCT: u16 = 0x200;
/// Tag type1 of splice tags.
pub const TYPE1_SPLICE: u16 = 0x400;
/// Tag type1 of tail tags.
pub const TYPE1_TAIL: u16 = 0x600;
/// Tag type2 (mask 0x780) of a commit CRC.
pub const TYPE2_CCRC: u16 = 0x500;
/// Tag size value meaning "deleted attribute".
pub const SIZE_DELETED: u32 = 0x3FF;
/// Deepest directory nesting followed.
pub const MAX_DEPTH: usize = 32;
