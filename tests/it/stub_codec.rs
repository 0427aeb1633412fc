//! The stub's codecs on varied data, through its protocol (host build and lx106 build under
//! QEMU, in-process client):
//! its inflater takes zlib streams of every block kind (stored, fixed and dynamic Huffman,
//! from flate2 at levels 0, 1, 6 and 9), its compressor's output (READ_FLASH_DEFL) inflates
//! to the flash contents, and its MD5 matches, for 24 seeded inputs of mixed structure.

use crate::common::stubrig;
use espdump::serial::builtin_stub;
use espdump::serial::command::Command;
use espdump::serial::ops::{open_session, SessionOptions};
use espdump::serial::transport::{Before, SerialTransport};
use std::io::Write;
use stubrig::*;

fn data(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        let r = next();
        let n = (r >> 8) as usize % 3000 + 1;
        match r % 5 {
            0 => v.extend((0..n).map(|_| next() as u8)),
            1 => v.extend(std::iter::repeat_n(r as u8, n)),
            2 if v.len() > 300 => {
                let back = (r >> 20) as usize % v.len().min(30_000) + 1;
                for _ in 0..n {
                    v.push(v[v.len() - back]);
                }
            }
            3 => v.extend(b"espdump flasher stub text ".iter().cycle().take(n)),
            _ => v.extend(std::iter::repeat_n(0xFF, n)),
        }
    }
    v.truncate(len);
    v
}

fn zlib(d: &[u8], level: u32) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(d).expect("zlib");
    e.finish().expect("zlib")
}

#[test]
fn host_build_inflater_compressor_and_md5_on_varied_data() {
    if let Some(r) = Runner::host() {
        varied_data(&r);
    }
}

#[test]
fn lx106_build_under_qemu_inflater_compressor_and_md5_on_varied_data() {
    if let Some(r) = Runner::qemu() {
        varied_data(&r);
    }
}

fn varied_data(r: &Runner) {
    let dir = tempfile::tempdir().expect("tmp");
    let chip = Chip::start(r, dir.path(), &vec![0xFFu8; 1 << 20], "", false);
    let t = SerialTransport::open(&chip.port(), 115_200).expect("port");
    let opts = SessionOptions {
        before: Before::NoReset,
        stub: Some(builtin_stub::builtin().expect("stub")),
        connect_attempts: Some(2),
        ..Default::default()
    };
    let mut s = open_session(t, &opts, &mut |_| {}).expect("session");
    let l = &mut s.loader;
    assert!(l.ext.is_some_and(|e| e.read_deflate && e.sector_map));
    for seed in 0..24u64 {
        let len = 1 + (seed as usize * 37_911) % 200_000;
        let d = data(seed, len);
        let level = [0, 1, 6, 9][seed as usize % 4];
        let z = zlib(&d, level);
        let blocks: Vec<&[u8]> = z.chunks(0x4000).collect();
        let off = 0x1000 * (seed as u32 % 64);
        l.command(&Command::FlashDeflBegin {
            size: len as u32,
            blocks: blocks.len() as u32,
            block_size: 0x4000,
            offset: off,
        })
        .expect("begin");
        for (i, b) in blocks.iter().enumerate() {
            l.command(&Command::FlashDeflData {
                seq: i as u32,
                data: b.to_vec(),
            })
            .unwrap_or_else(|e| panic!("seed {seed} level {level} block {i}: {e}"));
        }
        l.command(&Command::FlashDeflEnd { reboot: false })
            .unwrap_or_else(|e| panic!("seed {seed} level {level}: {e}"));
        let back = l
            .read_flash_deflated(off, len as u32, &mut |_| {})
            .expect("compressed read");
        assert_same(&back, &d, &format!("seed {seed} level {level}"));
        let want: [u8; 16] = espdump::serial::plan::md5(&d);
        assert_eq!(l.md5(off, len as u32).expect("md5"), want, "seed {seed}");
        // Erase what was written so the next case starts from erased flash.
        let span = (off as usize + len).div_ceil(4096) * 4096 - off as usize;
        l.erase_region(off, span as u32).expect("erase");
    }
    drop(s);
    drop(chip);
}
