//! Rebuild a LittleFS v2 region with a given set of root files, the way littlefs's own compaction
//! lays it out (littlefs `SPEC.md`): the superblock pair {0, 1} holds one commit in block 0
//! (revision 1; block 1 erased) with the superblock entry (id 0: name `littlefs` and the inline
//! superblock struct) and one entry per file (ids from 1, names in littlefs's sort order: a NAME
//! tag of type `reg`, then a CTZSTRUCT with head block and size, or an empty INLINESTRUCT for an
//! empty file), closed by a CRC tag padded to the program size. File data goes in CTZ skip-lists
//! from block 2 on: block `i > 0` of a file starts with `ctz(i) + 1` little-endian pointers, the
//! `k`-th to the file's block `i - 2^k`. Everything else of the region is erased, so no stale
//! copy of any old file survives. Only flat file systems (no directories) are rebuilt.

use super::littlefs::lfs_crc;
use crate::formats::fs::littlefs_consts as c;

/// Commits are padded to a multiple of this (a multiple of every program size the ESP8266
/// Arduino core and ESP-IDF configure).
pub const PROG_ALIGN: usize = 256;

fn mktag(typ: u16, id: u16, size: usize) -> u32 {
    ((typ as u32) << 20) | ((id as u32 & 0x3FF) << 10) | (size as u32 & 0x3FF)
}

/// Bytes of data block `i` of a CTZ list can hold.
fn cap(bs: usize, i: usize) -> usize {
    if i == 0 {
        bs
    } else {
        bs - 4 * (i.trailing_zeros() as usize + 1)
    }
}

struct Commit<'a> {
    blk: &'a mut [u8],
    off: usize,
    ptag: u32,
    crc: u32,
}

impl Commit<'_> {
    fn prog(&mut self, b: &[u8]) -> Option<()> {
        self.blk
            .get_mut(self.off..self.off + b.len())?
            .copy_from_slice(b);
        self.crc = lfs_crc(self.crc, b);
        self.off += b.len();
        Some(())
    }
    fn tag(&mut self, typ: u16, id: u16, payload: &[u8]) -> Option<()> {
        if payload.len() > 0x3FE {
            return None;
        }
        let t = mktag(typ, id, payload.len());
        self.prog(&(t ^ self.ptag).to_be_bytes())?;
        self.ptag = t;
        self.prog(payload)
    }
    /// The CRC tag(s) up to the next program unit (littlefs `lfs_dir_commitcrc`).
    fn finish(&mut self, align: usize) -> Option<()> {
        let end = (self.off + 8).next_multiple_of(align);
        while self.off < end {
            let off = self.off + 4;
            let mut noff = (end - off).min(0x3FE) + off;
            if noff < end {
                noff = noff.min(end - 8);
            }
            // The next unit is erased, so its valid bit reads 1 and no reset is needed.
            let t = mktag(0x500, 0x3FF, noff - off);
            let word = (t ^ self.ptag).to_be_bytes();
            self.crc = lfs_crc(self.crc, &word);
            let crc = self.crc.to_le_bytes();
            let at = self.off;
            self.blk.get_mut(at..at + 4)?.copy_from_slice(&word);
            self.blk.get_mut(at + 4..at + 8)?.copy_from_slice(&crc);
            self.off = noff;
            self.ptag = t;
            self.crc = 0xFFFF_FFFF;
        }
        Some(())
    }
}

/// littlefs orders names by `memcmp` of the common prefix, then by length.
fn name_order(a: &str, b: &str) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    a.as_bytes()[..n]
        .cmp(&b.as_bytes()[..n])
        .then(a.len().cmp(&b.len()))
}

/// Build the image of a flat LittleFS (`block_size` x `block_count`, on-disk `version`,
/// `name_max`) holding `files` (names without `/`). None when the files do not fit, a name is
/// too long or holds a `/`, or the metadata does not fit in one block.
pub fn build(
    block_size: usize,
    block_count: usize,
    version: u32,
    name_max: u32,
    files: &[(String, Vec<u8>)],
) -> Option<Vec<u8>> {
    if block_size < c::MIN_BLOCK_SIZE || block_count < 2 || files.len() > 0x3FE {
        return None;
    }
    let bs = block_size;
    let mut img = vec![0xFFu8; bs * block_count];
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| name_order(&a.0, &b.0));
    // Data first: CTZ lists from block 2.
    let mut next = 2usize;
    let mut structs: Vec<Option<(u32, u32)>> = Vec::new();
    for (name, data) in &sorted {
        if name.is_empty() || name.contains('/') || name.len() > name_max as usize {
            return None;
        }
        if data.is_empty() {
            structs.push(None);
            continue;
        }
        let head = write_ctz(&mut img, bs, &mut next, data)?;
        structs.push(Some((head as u32, data.len() as u32)));
    }
    // Metadata: one commit in block 0.
    let sb = superblock(version, bs, block_count, name_max);
    let (b0, _) = img.split_at_mut(bs);
    let mut cm = Commit {
        blk: b0,
        off: 0,
        ptag: 0xFFFF_FFFF,
        crc: 0xFFFF_FFFF,
    };
    cm.prog(&1u32.to_le_bytes())?;
    cm.tag(c::TYPE_SUPERBLOCK, 0, c::MAGIC)?;
    cm.tag(c::TYPE_INLINESTRUCT, 0, &sb)?;
    for (i, ((name, _), st)) in sorted.iter().zip(&structs).enumerate() {
        let id = i as u16 + 1;
        cm.tag(c::TYPE_REG, id, name.as_bytes())?;
        match st {
            Some((head, size)) => {
                let mut s = head.to_le_bytes().to_vec();
                s.extend_from_slice(&size.to_le_bytes());
                cm.tag(c::TYPE_CTZSTRUCT, id, &s)?;
            }
            None => cm.tag(c::TYPE_INLINESTRUCT, id, &[])?,
        }
    }
    cm.finish(PROG_ALIGN.min(bs))?;
    Some(img)
}

/// Write `data` as a CTZ skip-list into blocks `*next..` of `img` (blocks of `bs` bytes);
/// returns the head (the last block). None when the image has too few blocks left.
fn write_ctz(img: &mut [u8], bs: usize, next: &mut usize, data: &[u8]) -> Option<usize> {
    let block_count = img.len() / bs;
    let mut blocks: Vec<usize> = Vec::new();
    let mut pos = 0;
    let mut i: usize = 0;
    while pos < data.len() {
        if *next >= block_count {
            return None;
        }
        let b = *next;
        *next += 1;
        let base = b * bs;
        let ptrs = if i == 0 {
            0
        } else {
            i.trailing_zeros() as usize + 1
        };
        for k in 0..ptrs {
            let target = blocks[i - (1 << k)] as u32;
            img[base + 4 * k..base + 4 * k + 4].copy_from_slice(&target.to_le_bytes());
        }
        let take = cap(bs, i).min(data.len() - pos);
        img[base + 4 * ptrs..base + 4 * ptrs + take].copy_from_slice(&data[pos..pos + take]);
        pos += take;
        blocks.push(b);
        i += 1;
    }
    blocks.last().copied()
}

/// The inline superblock struct: version, block size and count, name, file and attribute limits.
fn superblock(version: u32, bs: usize, block_count: usize, name_max: u32) -> Vec<u8> {
    let mut sb = Vec::with_capacity(24);
    for v in [
        version,
        bs as u32,
        block_count as u32,
        name_max,
        0x7FFF_FFFF,
        0x3FE,
    ] {
        sb.extend_from_slice(&v.to_le_bytes());
    }
    sb
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::fs::{littlefs, FsInfo};

    fn info(bs: usize, bc: usize) -> FsInfo {
        littlefs::probe(&build(bs, bc, 0x0002_0000, 255, &[]).unwrap(), 0).unwrap()
    }

    #[test]
    fn own_reader_reads_the_rebuilt_image() {
        let files: Vec<(String, Vec<u8>)> = vec![
            ("cfg.json".into(), b"{\"a\":1}".to_vec()),
            ("empty".into(), Vec::new()),
            (
                "big.bin".into(),
                (0..20000u32).map(|i| (i * 7) as u8).collect(),
            ),
        ];
        let img = build(4096, 16, 0x0002_0000, 255, &files).unwrap();
        let fs = littlefs::probe(&img, 0).unwrap();
        assert_eq!((fs.block_size, fs.block_count), (4096, 16));
        assert_eq!(&img[..4], &1u32.to_le_bytes());
        assert_eq!(img[4..8], c::FIRST_TAG);
        for (n, d) in &files {
            assert_eq!(littlefs::read(&img, &fs, n).as_ref(), Some(d), "{n}");
        }
        assert_eq!(littlefs::list(&img, &fs).len(), 3);
        assert!(img[4096..8192].iter().all(|&b| b == 0xFF), "block 1 erased");
        let _ = info(4096, 4);
    }

    #[test]
    fn refuses_what_does_not_fit() {
        let big = vec![("x".to_string(), vec![1u8; 5 * 4096])];
        assert!(build(4096, 4, 0x0002_0000, 255, &big).is_none());
        assert!(build(4096, 8, 0x0002_0000, 255, &[("a/b".into(), vec![1])]).is_none());
        assert!(build(4096, 8, 0x0002_0000, 4, &[("long_name".into(), vec![1])]).is_none());
    }
}
