//! LittleFS v2 images: detection and a read-only reader over a byte slice.
//!
//! Format (littlefs `SPEC.md`): metadata pairs of two blocks, each a log of commits. A commit is a
//! run of tags (big-endian, XOR-chained with the previous tag, valid bit clear) closed by a CRC
//! tag whose CRC-32 (reflected 0x04C11DB7, init 0xFFFFFFFF, no final XOR) covers the commit.
//! The block with the newer revision count and a valid commit wins. Replaying the tags of the
//! valid commits (create/delete splices, names, structs, tails) gives the directory. Files are
//! inline (data in the tag) or CTZ skip-lists (block `i` starts with `ctz(i)+1` back pointers).
//! The superblock is entry 0 of the root pair {0, 1}: name `littlefs`, then an inline struct
//! with version, block_size, block_count, name_max.
//!
//! Own code, no crate: `littlefs2` wraps the C library through bindgen (needs libclang and a C
//! toolchain at build time, and mounts through a block-device trait rather than a slice); no
//! maintained pure-Rust reader was found. This reader never writes.

use binrw::{BinRead, BinWrite};

use super::{FsInfo, FsKind};
use crate::formats::binparse::read_at;
use crate::formats::flash::SECTOR_SIZE;
use crate::formats::fs::littlefs_consts as c;

/// A metadata tag as stored: big-endian, XOR-chained with the previous tag (`SPEC.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(big)]
pub struct RawTag(pub u32);

/// The start of a freshly compacted superblock block: revision count, then the first commit's
/// superblock name tag (`F0 0F FF F7`, type 0x0FF, id 0, size 8) with the name `littlefs`, then the
/// inline-struct tag and the first fields of that struct. Used to find candidates; the geometry
/// that counts comes from the newest commit ([`Superblock`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct SuperblockHead {
    /// Revision count of the block.
    pub revision: u32,
    /// The inline-struct tag, after the name tag and the name.
    #[brw(magic = b"\xF0\x0F\xFF\xF7littlefs")]
    pub struct_tag: RawTag,
    /// On-disk version (major << 16 | minor).
    pub version: u32,
    /// Block size.
    pub block_size: u32,
}

/// The superblock's inline struct (`lfs_superblock`, little-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct Superblock {
    /// On-disk version (major << 16 | minor).
    pub version: u32,
    /// Block size.
    pub block_size: u32,
    /// Block count.
    pub block_count: u32,
    /// Longest name.
    pub name_max: u32,
    /// Largest file.
    pub file_max: u32,
    /// Largest custom attribute.
    pub attr_max: u32,
}

/// A pair of u32 payload words: a directory struct or hard tail (metadata pair), or a CTZ
/// struct (head block, size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
pub struct Words2(pub u32, pub u32);

/// littlefs CRC: CRC-32 register update without final XOR.
pub(crate) fn lfs_crc(crc: u32, data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(!crc);
    h.update(data);
    !h.finalize()
}

fn tag_type3(t: u32) -> u16 {
    ((t >> 20) & 0x7FF) as u16
}
fn tag_id(t: u32) -> u16 {
    ((t >> 10) & 0x3FF) as u16
}
fn tag_size(t: u32) -> u32 {
    t & 0x3FF
}
fn tag_dsize(t: u32) -> usize {
    let s = tag_size(t);
    4 + if s == c::SIZE_DELETED { 0 } else { s as usize }
}

fn superblock_head(data: &[u8], at: usize) -> Option<SuperblockHead> {
    read_at(data, at)
}

/// One directory entry as replayed from a metadata pair (payload offsets are absolute).
#[derive(Debug, Clone, Default)]
struct RawEntry {
    name_type: u16,
    name_at: Option<(usize, usize)>,
    struct_type: u16,
    struct_at: Option<(usize, usize)>,
}

/// The state of one metadata pair.
#[derive(Debug, Clone, Default)]
struct PairState {
    entries: Vec<RawEntry>,
    /// Absolute offset of the 8-byte payload of the last hard tail.
    hard_tail_at: Option<usize>,
}

/// Replay the valid commits of one block. None when it has no valid commit.
fn fetch_block(data: &[u8], at: usize, bs: usize) -> Option<(u32, PairState)> {
    let blk = data.get(at..at.checked_add(bs)?)?;
    let rev: u32 = read_at(blk, 0)?;
    let mut crc = lfs_crc(0xFFFF_FFFF, &blk[0..4]);
    let mut ptag: u32 = 0xFFFF_FFFF;
    let mut off = 0usize;
    let mut state = PairState::default();
    let mut pending: Vec<(u32, usize)> = Vec::new(); // (tag, payload offset in blk)
    let mut committed = false;
    // Every tag takes at least 4 bytes, so this loop is bounded by bs / 4.
    loop {
        off += tag_dsize(ptag);
        let Some(RawTag(raw)) = read_at(blk, off) else {
            break;
        };
        crc = lfs_crc(crc, &blk[off..off + 4]);
        let tag = raw ^ ptag;
        if tag & 0x8000_0000 != 0 || off + tag_dsize(tag) > bs {
            break;
        }
        ptag = tag;
        if tag_type3(tag) & 0x780 == c::TYPE2_CCRC {
            let Some(dcrc) = read_at::<u32>(blk, off + 4) else {
                break;
            };
            if crc != dcrc {
                break;
            }
            ptag ^= ((tag_type3(tag) as u32) & 1) << 31;
            for (t, p) in pending.drain(..) {
                apply(&mut state, t, at + p);
            }
            committed = true;
            crc = 0xFFFF_FFFF;
            continue;
        }
        let end = off + tag_dsize(tag);
        crc = lfs_crc(crc, &blk[off + 4..end]);
        pending.push((tag, off + 4));
    }
    committed.then_some((rev, state))
}

fn apply(st: &mut PairState, tag: u32, payload: usize) {
    let t3 = tag_type3(tag);
    let id = tag_id(tag) as usize;
    let size = tag_size(tag);
    let t1 = t3 & 0x700;
    if t3 == c::TYPE_CREATE {
        if id <= st.entries.len() {
            st.entries.insert(id, RawEntry::default());
        }
        return;
    }
    if t3 == c::TYPE_DELETE {
        if id < st.entries.len() {
            st.entries.remove(id);
        }
        return;
    }
    if t1 == c::TYPE1_TAIL {
        st.hard_tail_at = (t3 == c::TYPE_HARDTAIL && size == 8).then_some(payload);
        return;
    }
    if id >= 0x3FF || (t1 != c::TYPE1_NAME && t1 != c::TYPE1_STRUCT) || size == c::SIZE_DELETED {
        return;
    }
    if id >= st.entries.len() {
        st.entries.resize(id + 1, RawEntry::default());
    }
    let e = &mut st.entries[id];
    if t1 == c::TYPE1_NAME {
        e.name_type = t3;
        e.name_at = Some((payload, size as usize));
    } else {
        e.struct_type = t3;
        e.struct_at = Some((payload, size as usize));
    }
}

/// Newer in sequence arithmetic.
fn rev_newer(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// Fetch a metadata pair: the newer block with a valid commit.
fn fetch_pair(data: &[u8], fs: &FsInfo, pair: (u32, u32)) -> Option<PairState> {
    let addr = |b: u32| -> Option<usize> {
        let b = b as usize;
        (b < fs.block_count).then(|| fs.start + b * fs.block_size)
    };
    let a = addr(pair.0).and_then(|o| fetch_block(data, o, fs.block_size));
    let b = addr(pair.1).and_then(|o| fetch_block(data, o, fs.block_size));
    match (a, b) {
        (Some(a), Some(b)) => Some(if rev_newer(b.0, a.0) { b.1 } else { a.1 }),
        (Some(a), None) => Some(a.1),
        (None, Some(b)) => Some(b.1),
        (None, None) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Detection

/// Check for a LittleFS superblock at `start` and read the geometry.
pub fn probe(data: &[u8], start: usize) -> Option<FsInfo> {
    // Bootstrap from the first commit's fixed layout, then trust the newest commit.
    let bs0 = superblock_head(data, start)?.block_size as usize;
    if bs0 < c::MIN_BLOCK_SIZE || start.checked_add(bs0)? > data.len() {
        return None;
    }
    let mut f = FsInfo {
        kind: FsKind::Littlefs,
        start,
        end: data.len(),
        block_size: bs0,
        block_count: 2,
        page_size: 0,
        name_len: 0,
        meta_len: 0,
        aligned_ix: false,
        magic: true,
        magic_length: false,
        config_evidence: 0,
        version: 0,
    };
    let st = fetch_pair(data, &f, (0, 1))?;
    let sb = st.entries.first()?;
    let (name_off, name_len) = sb.name_at?;
    if sb.name_type != c::TYPE_SUPERBLOCK || data.get(name_off..name_off + name_len)? != c::MAGIC {
        return None;
    }
    let (so, sl) = sb.struct_at?;
    if sb.struct_type != c::TYPE_INLINESTRUCT || sl < 24 {
        return None;
    }
    let sup: Superblock = read_at(data, so)?;
    let (version, bs, bc) = (
        sup.version,
        sup.block_size as usize,
        sup.block_count as usize,
    );
    let name_max = sup.name_max as usize;
    if (version >> 16) as u16 != c::VERSION_MAJOR || bs != bs0 || bc < 2 {
        return None;
    }
    let fit = (data.len() - start) / bs;
    f.block_count = bc.min(fit);
    f.end = start + f.block_count * bs;
    f.version = version;
    f.name_len = name_max;
    Some(f)
}

/// The block count the superblock states (the region in a dump can be shorter when the dump is).
pub fn superblock_block_count(data: &[u8], fs: &FsInfo) -> Option<usize> {
    let st = fetch_pair(data, fs, (0, 1))?;
    let (so, sl) = st.entries.first()?.struct_at?;
    (sl >= 24).then_some(())?;
    let sup: Superblock = read_at(data, so)?;
    Some(sup.block_count as usize)
}

/// Every LittleFS region in a dump (superblocks on 4 KiB boundaries).
pub fn detect(data: &[u8]) -> Vec<FsInfo> {
    let mut out = Vec::new();
    let mut o = 0usize;
    while o + SECTOR_SIZE <= data.len() {
        if superblock_head(data, o).is_some() {
            if let Some(f) = probe(data, o) {
                o = f.end.max(o + SECTOR_SIZE).next_multiple_of(SECTOR_SIZE);
                out.push(f);
                continue;
            }
        }
        o += SECTOR_SIZE;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Listing and reading

/// One file or directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LfsEntry {
    /// Absolute path with a leading `/` (lossy UTF-8).
    pub path: String,
    /// A directory.
    pub is_dir: bool,
    /// File size in bytes (0 for directories).
    pub size: u32,
    /// Stored inline in its metadata tag.
    pub inline: bool,
    /// Dump offset of the data: the inline payload or the CTZ head block.
    pub offset: Option<usize>,
    /// CTZ head block (not for inline files).
    #[serde(skip)]
    pub head: Option<u32>,
}

/// List every file and directory (depth-first, in directory order).
pub fn list(data: &[u8], fs: &FsInfo) -> Vec<LfsEntry> {
    let mut out = Vec::new();
    if fs.kind != FsKind::Littlefs || fs.block_size == 0 {
        return out;
    }
    let mut budget = fs.block_count.saturating_mul(2).max(2);
    walk(data, fs, (0, 1), "", 0, &mut budget, &mut out);
    out
}

fn walk(
    data: &[u8],
    fs: &FsInfo,
    pair: (u32, u32),
    prefix: &str,
    depth: usize,
    budget: &mut usize,
    out: &mut Vec<LfsEntry>,
) {
    if depth > c::MAX_DEPTH {
        return;
    }
    let mut cur = Some(pair);
    while let Some(p) = cur.take() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let Some(st) = fetch_pair(data, fs, p) else {
            return;
        };
        for e in &st.entries {
            let Some((no, nl)) = e.name_at else { continue };
            let Some(name) = data.get(no..no + nl) else {
                continue;
            };
            let path = format!("{prefix}/{}", String::from_utf8_lossy(name));
            match e.name_type {
                c::TYPE_REG => {
                    let (inline, size, offset, head) = match (e.struct_type, e.struct_at) {
                        (c::TYPE_INLINESTRUCT, Some((o, l))) => (true, l as u32, Some(o), None),
                        (c::TYPE_CTZSTRUCT, Some((o, 8))) => {
                            let (head, size) =
                                read_at(data, o).map_or((u32::MAX, 0), |Words2(h, s)| (h, s));
                            let off = (head as usize) < fs.block_count;
                            let off = off.then(|| fs.start + head as usize * fs.block_size);
                            (false, size, off, Some(head))
                        }
                        _ => (true, 0, None, None),
                    };
                    out.push(LfsEntry {
                        path,
                        is_dir: false,
                        size,
                        inline,
                        offset,
                        head,
                    });
                }
                c::TYPE_DIR => {
                    out.push(LfsEntry {
                        path: path.clone(),
                        is_dir: true,
                        size: 0,
                        inline: false,
                        offset: None,
                        head: None,
                    });
                    if let (c::TYPE_DIRSTRUCT, Some((o, 8))) = (e.struct_type, e.struct_at) {
                        if let Some(Words2(a, b)) = read_at(data, o) {
                            walk(data, fs, (a, b), &path, depth + 1, budget, out);
                        }
                    }
                }
                _ => {}
            }
        }
        cur = st
            .hard_tail_at
            .and_then(|o| read_at(data, o).map(|Words2(a, b)| (a, b)));
    }
}

/// Read a listed file's content (as far as its blocks are valid).
pub fn read_entry(data: &[u8], fs: &FsInfo, e: &LfsEntry) -> Option<Vec<u8>> {
    if e.is_dir {
        return None;
    }
    let size = e.size as usize;
    if e.inline {
        let o = e.offset?;
        return data.get(o..o + size).map(<[u8]>::to_vec);
    }
    let head = e.head? as usize;
    let bs = fs.block_size;
    if size == 0 {
        return Some(Vec::new());
    }
    // Capacity of CTZ block i: block_size minus its back pointers.
    let cap = |i: usize| -> usize {
        if i == 0 {
            bs
        } else {
            bs.saturating_sub(4 * (i.trailing_zeros() as usize + 1))
        }
    };
    let mut n = 0usize;
    let mut total = 0usize;
    while total < size {
        if n > fs.block_count {
            return None;
        }
        total += cap(n);
        n += 1;
    }
    // Walk back from the head through pointer 0 to collect blocks in order.
    let mut blocks = vec![0usize; n];
    let mut b = head;
    for i in (0..n).rev() {
        if b >= fs.block_count {
            return None;
        }
        blocks[i] = b;
        if i > 0 {
            b = read_at::<u32>(data, fs.start + b * bs)? as usize;
        }
    }
    let mut out = Vec::with_capacity(size);
    for (i, &blk) in blocks.iter().enumerate() {
        let skip = bs - cap(i);
        let from = fs.start + blk * bs + skip;
        let take = cap(i).min(size - out.len());
        out.extend_from_slice(data.get(from..from + take)?);
    }
    Some(out)
}

/// Read a file by absolute path (leading `/` optional).
pub fn read(data: &[u8], fs: &FsInfo, path: &str) -> Option<Vec<u8>> {
    let want = format!("/{}", path.trim_start_matches('/'));
    let e = list(data, fs).into_iter().find(|e| e.path == want)?;
    read_entry(data, fs, &e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::binparse::write_at;

    #[test]
    fn superblock_head_magic_is_first_tag_and_name() {
        let head = SuperblockHead {
            revision: 1,
            struct_tag: RawTag(0x2010_0018),
            version: 0x0002_0000,
            block_size: 4096,
        };
        let mut b = [0u8; 0x1C];
        write_at(&mut b, 0, &head).unwrap();
        assert_eq!(b[4..8], c::FIRST_TAG);
        assert_eq!(&b[8..16], c::MAGIC);
        assert_eq!(b[16..20], [0x20, 0x10, 0x00, 0x18]);
        assert_eq!(superblock_head(&b, 0), Some(head));
        b[15] ^= 1;
        assert_eq!(superblock_head(&b, 0), None);
    }
}
