//! Pure planning for flash operations, tested with exact values: which sectors to read, skip or
//! write (by comparing MD5s), how the ROM path cuts an image into 0x400-byte blocks and what
//! FLASH_BEGIN erase size it sends, and how the stub path compresses an image.

use crate::formats::flash::{ERASED, SECTOR_SIZE};
use crate::serial::protocol as c;
use md5::{Digest, Md5};
use serde::Serialize;
use std::io::Write;
use std::ops::Range;

/// MD5 of `len` erased bytes.
pub fn erased_md5(len: usize) -> [u8; 16] {
    let mut h = Md5::new();
    let block = [ERASED; SECTOR_SIZE];
    let mut left = len;
    while left > 0 {
        let n = left.min(SECTOR_SIZE);
        h.update(&block[..n]);
        left -= n;
    }
    h.finalize().into()
}

/// MD5 of a byte slice.
pub fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// Runs of consecutive `true` entries, as index ranges.
pub fn runs(mask: &[bool]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &m) in mask.iter().enumerate() {
        match (m, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..mask.len());
    }
    out
}

/// Byte ranges (relative to the region start) of sector-sized chunks of a region `len` long.
pub fn sector_ranges(len: usize) -> Vec<Range<usize>> {
    (0..len.div_ceil(SECTOR_SIZE))
        .map(|i| i * SECTOR_SIZE..((i + 1) * SECTOR_SIZE).min(len))
        .collect()
}

/// What the ROM path sends for writing `len` bytes at `offset` (sector aligned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RomWritePlan {
    /// Flash offset.
    pub offset: u32,
    /// Bytes of image.
    pub len: u32,
    /// FLASH_BEGIN erase size (with the erase-bug workaround).
    pub erase_size: u32,
    /// Number of 0x400-byte FLASH_DATA blocks (the last one padded with 0xFF).
    pub blocks: u32,
    /// Sectors the ROM will really erase, `[first, end)`.
    pub erased_sectors: (u32, u32),
    /// A sector erased but not rewritten (odd sector count inside one 64 KiB block).
    pub collateral_sector: Option<u32>,
}

/// Plan a ROM write.
pub fn rom_write_plan(offset: u32, len: u32) -> RomWritePlan {
    use crate::serial::command::{rom_erase_size, rom_erased_sectors};
    let erase_size = rom_erase_size(offset, len);
    let (a, b) = rom_erased_sectors(offset, erase_size);
    let needed = a + len.div_ceil(SECTOR_SIZE as u32);
    RomWritePlan {
        offset,
        len,
        erase_size,
        blocks: len.div_ceil(c::ROM_BLOCK as u32),
        erased_sectors: (a, b),
        collateral_sector: (b > needed).then_some(needed),
    }
}

/// Cut `data` into `block`-sized pieces, padding the last with 0xFF.
pub fn padded_blocks(data: &[u8], block: usize) -> Vec<Vec<u8>> {
    data.chunks(block.max(1))
        .map(|ch| {
            let mut v = ch.to_vec();
            v.resize(block.max(1), ERASED);
            v
        })
        .collect()
}

/// A compressed write: the zlib stream cut into the stub's blocks, and what each releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deflated {
    /// [`deflate_blocks`].
    pub blocks: Vec<Vec<u8>>,
    /// [`inflated_sizes`] of those blocks.
    pub sizes: Vec<u64>,
}

impl Deflated {
    /// Compress `data` for FLASH_DEFL_DATA.
    pub fn of(data: &[u8]) -> Deflated {
        let blocks = deflate_blocks(data);
        let sizes = inflated_sizes(&blocks);
        Deflated { blocks, sizes }
    }
}

/// [`Deflated::of`] on another thread, started before it is known whether the image will be
/// written in one run (it is onto flash holding other data): compressing 2 MiB at level 9
/// takes some 0.15 s, which then overlaps the session setup and the MD5 scan.
#[derive(Debug)]
pub struct Precompressed {
    input: std::sync::Arc<[u8]>,
    job: std::thread::JoinHandle<Deflated>,
}

impl Precompressed {
    /// Start compressing `data`.
    pub fn start(data: &[u8]) -> Precompressed {
        let input: std::sync::Arc<[u8]> = data.into();
        let mine = input.clone();
        Precompressed {
            input,
            job: std::thread::spawn(move || Deflated::of(&mine)),
        }
    }

    /// The compressed form of `data`, when `data` is exactly the image this was started on.
    pub fn take_for(self, data: &[u8]) -> Option<Deflated> {
        if *self.input == *data {
            self.job.join().ok()
        } else {
            None
        }
    }
}

/// zlib-compress (level 9, as esptool) and cut into stub blocks (the last is not padded).
pub fn deflate_blocks(data: &[u8]) -> Vec<Vec<u8>> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    let z = enc.finish().unwrap_or_default();
    z.chunks(c::STUB_BLOCK).map(<[u8]>::to_vec).collect()
}

/// How many bytes each compressed block releases when the stub inflates the stream block by
/// block (esptool feeds its own decompressor the same way to size the timeouts).
pub fn inflated_sizes(blocks: &[Vec<u8>]) -> Vec<u64> {
    let mut d = flate2::Decompress::new(true);
    let mut out = vec![0u8; 0x10000];
    blocks
        .iter()
        .map(|b| {
            let start = d.total_out();
            let mut input: &[u8] = b;
            loop {
                let (i0, o0) = (d.total_in(), d.total_out());
                let r = d.decompress(input, &mut out, flate2::FlushDecompress::None);
                input = input.get((d.total_in() - i0) as usize..).unwrap_or(&[]);
                let stuck = d.total_in() == i0 && d.total_out() == o0;
                if r.is_err() || stuck || matches!(r, Ok(flate2::Status::StreamEnd)) {
                    break;
                }
                if input.is_empty() && ((d.total_out() - o0) as usize) < out.len() {
                    break;
                }
            }
            d.total_out() - start
        })
        .collect()
}

/// A planned write, as shown to the user before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WritePlan {
    /// Flash offset of the image.
    pub offset: u32,
    /// Image length.
    pub len: u32,
    /// Sectors the image covers.
    pub sectors: u32,
    /// Sectors already holding the wanted bytes (skipped).
    pub unchanged_sectors: u32,
    /// Runs to write: (flash offset, length).
    pub runs: Vec<(u32, u32)>,
    /// ROM-only details, when writing without the stub.
    pub rom: Option<RomWritePlan>,
}

/// Plan a stub write from the per-sector difference mask.
pub fn stub_write_plan(offset: u32, len: u32, differ: &[bool]) -> WritePlan {
    let ranges = sector_ranges(len as usize);
    let runs = runs(differ)
        .into_iter()
        .filter_map(|r| {
            let a = ranges.get(r.start)?.start;
            let b = ranges.get(r.end.checked_sub(1)?)?.end;
            Some((offset + a as u32, (b - a) as u32))
        })
        .collect();
    WritePlan {
        offset,
        len,
        sectors: ranges.len() as u32,
        unchanged_sectors: differ.iter().filter(|&&d| !d).count() as u32,
        runs,
        rom: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Compressing ahead gives exactly the blocks compressing on the spot gives, and only for
    /// the same image.
    #[test]
    fn precompressed_is_the_same_stream_and_only_for_its_image() {
        let mut img: Vec<u8> = (0..0x30000u32).map(|i| (i * 7 / 5) as u8).collect();
        img[0x20000..].fill(ERASED);
        let pre = Precompressed::start(&img);
        assert_eq!(pre.take_for(&img), Some(Deflated::of(&img)));
        let mut other = img.clone();
        other[5] ^= 1;
        assert_eq!(Precompressed::start(&img).take_for(&other), None);
        assert_eq!(Precompressed::start(&img).take_for(&img[..0x1000]), None);
    }

    #[test]
    fn erased_md5_value() {
        // md5 of 4096 x 0xFF
        assert_eq!(
            hex::encode(erased_md5(4096)),
            "6ae59e64850377ee5470c854761551ea"
        );
        assert_eq!(erased_md5(4096), md5(&[0xFF; 4096]));
        assert_eq!(erased_md5(5000), md5(&[0xFF; 5000]));
    }

    #[test]
    fn runs_exact() {
        assert_eq!(runs(&[true, true, false, true]), vec![0..2, 3..4]);
        assert_eq!(runs(&[false, false]), Vec::<Range<usize>>::new());
        assert_eq!(runs(&[]), Vec::<Range<usize>>::new());
    }

    #[test]
    fn stub_plan_skips_matching_sectors() {
        // Sectors 1 and 2 differ from the device (as the MD5 scan reports), 0 and 3 match.
        let diff = vec![false, true, true, false];
        let plan = stub_write_plan(0x10000, 0x3800, &diff);
        assert_eq!(plan.runs, vec![(0x11000, 0x2000)]);
        assert_eq!(plan.sectors, 4);
        assert_eq!(plan.unchanged_sectors, 2);
    }

    #[test]
    fn rom_plan_exact() {
        let p = rom_write_plan(0x11000, 9000);
        assert_eq!(p.erase_size, 0x2000);
        assert_eq!(p.blocks, 9);
        assert_eq!(p.erased_sectors, (0x11, 0x15));
        assert_eq!(p.collateral_sector, Some(0x14));
        let p = rom_write_plan(0, 0x10_0000);
        assert_eq!(p.erase_size, 0xF_0000);
        assert_eq!(p.blocks, 1024);
        assert_eq!(p.collateral_sector, None);
    }

    #[test]
    fn blocks_are_padded() {
        let b = padded_blocks(&[1, 2, 3], 2);
        assert_eq!(b, vec![vec![1, 2], vec![3, 0xFF]]);
    }

    #[test]
    fn deflate_roundtrip() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let blocks = deflate_blocks(&data);
        assert!(blocks[..blocks.len() - 1].iter().all(|b| b.len() == 0x4000));
        let sizes = inflated_sizes(&blocks);
        assert_eq!(sizes.iter().sum::<u64>(), data.len() as u64);
        let z: Vec<u8> = blocks.concat();
        let mut d = flate2::read::ZlibDecoder::new(&z[..]);
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut d, &mut out).expect("inflate");
        assert_eq!(out, data);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Runs cover exactly the differing sectors, in order, without overlap.
        #[test]
        fn plan_covers_differing_bytes(mask in proptest::collection::vec(any::<bool>(), 0..64), tail in 1usize..=4096) {
            let len = if mask.is_empty() { 0 } else { (mask.len() - 1) * 4096 + tail };
            let plan = stub_write_plan(0x2000, len as u32, &mask);
            let mut covered = vec![false; len];
            let mut last_end = 0u32;
            for &(o, l) in &plan.runs {
                prop_assert!(o >= last_end);
                prop_assert_eq!((o - 0x2000) % 4096, 0);
                last_end = o + l;
                for b in &mut covered[(o - 0x2000) as usize..(o - 0x2000 + l) as usize] { *b = true; }
            }
            for (i, &c) in covered.iter().enumerate() {
                prop_assert_eq!(c, mask[i / 4096]);
            }
        }
    }
}
