use super::*;
use crate::formats::fs::spiffs::consts as c;
use crate::formats::fs::{FsInfo, FsKind};

fn info(
    bs: usize,
    ps: usize,
    blocks: usize,
    cfg: (usize, usize, bool),
    magic: bool,
    ml: bool,
) -> FsInfo {
    FsInfo {
        kind: FsKind::Spiffs,
        start: 0,
        end: bs * blocks,
        block_size: bs,
        block_count: blocks,
        page_size: ps,
        name_len: cfg.0,
        meta_len: cfg.1,
        aligned_ix: cfg.2,
        magic,
        magic_length: ml,
        config_evidence: 0,
        version: 0,
    }
}

#[test]
fn magic_values() {
    assert_eq!(magic_for(256), 0x0429);
    assert_eq!(magic_for(512), 0x0729);
    assert_eq!(lookup_pages(4096, 256), 1);
    assert_eq!(lookup_pages(65536, 256), 2);
    assert_eq!(lookup_pages(65536, 128), 8);
}

#[test]
fn mongoose_geometry_numbers() {
    let g = Geometry::of(&mongoose_info(0, 0x40000)).unwrap();
    assert_eq!((g.ppb, g.lu_pages, g.entries), (16, 1, 15));
    assert_eq!(
        (g.hdr_ix_off, g.hdr_ix_entries, g.ix_entries, g.data_len),
        (70, 93, 124, 251)
    );
    assert_eq!(g.blocks * g.entries / 2, 480);
}

/// Every supported build variant: format, write, embed in a dump, detect the exact geometry
/// and configuration back, read the files.
#[test]
fn variants_are_detected_and_read_back() {
    let files: [(&str, Vec<u8>); 3] = [
        ("/a.txt", b"hello".to_vec()),
        ("/b.bin", (0..1000u32).map(|i| (i * 7) as u8).collect()),
        ("/c.json", b"{\"k\":1}".repeat(60)),
    ];
    for &(bs, ps) in &[
        (4096, 256),
        (8192, 256),
        (4096, 512),
        (16384, 256),
        (4096, 128),
    ] {
        for &cfg in c::CONFIGS {
            for &(magic, ml) in &[(true, false), (true, true), (false, false)] {
                let blocks = 12;
                let f = info(bs, ps, blocks, cfg, magic, ml);
                if Geometry::of(&f).is_none() {
                    continue;
                }
                let mut img = format(&f).unwrap();
                for (n, body) in &files {
                    if n.len() < cfg.0 {
                        write_file(&mut img, &f, n, body).unwrap();
                    }
                }
                // Embed between non-erased filler so the scored variant's end is exact too.
                let at = 0x20000;
                let mut dump = vec![0x5Au8; at + img.len() + 0x8000];
                dump[at..at + img.len()].copy_from_slice(&img);
                let found = crate::formats::fs::detect_all(&dump);
                let what = format!("bs {bs} ps {ps} cfg {cfg:?} magic {magic} len {ml}");
                assert_eq!(found.len(), 1, "{what} {found:?}");
                let d = &found[0];
                assert_eq!((d.start, d.end), (at, at + img.len()), "{what} {d:?}");
                assert_eq!(
                    (d.block_size, d.page_size, d.block_count),
                    (bs, ps, blocks),
                    "{what}"
                );
                assert_eq!(
                    (d.name_len + d.meta_len, d.aligned_ix),
                    (cfg.0 + cfg.1, cfg.2),
                    "{what}"
                );
                assert_eq!((d.magic, d.magic_length), (magic, ml), "{what}");
                for (n, body) in &files {
                    assert_eq!(read(&dump, d, n).as_deref(), Some(&body[..]), "{what} {n}");
                }
            }
        }
    }
}

#[test]
fn an_erased_block_without_magic_is_bridged() {
    let f = mongoose_info(0, 16 * 4096);
    let mut img = format(&f).unwrap();
    write_file(&mut img, &f, "conf0.json", &[b'x'; 900]).unwrap();
    img[5 * 4096..6 * 4096].fill(0xFF);
    let mut dump = vec![0x11u8; 0x1000];
    dump.extend_from_slice(&img);
    dump.extend_from_slice(&[0x22u8; 0x3000]);
    let found = crate::formats::fs::detect_all(&dump);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].start, found[0].block_count), (0x1000, 16));
    assert_eq!(
        read(&dump, &found[0], "conf0.json").unwrap(),
        vec![b'x'; 900]
    );
    // A second erased block further on is bridged too.
    dump[0x1000 + 9 * 4096..0x1000 + 10 * 4096].fill(0xFF);
    assert_eq!(crate::formats::fs::detect_all(&dump)[0].block_count, 16);
}

#[test]
fn page_states() {
    let f = mongoose_info(0, 4 * 4096);
    let mut img = format(&f).unwrap();
    let g = Geometry::of(&f).unwrap();
    assert_eq!(page_state(&img, &g, 1), PageState::Free);
    assert_eq!(page_state(&img, &g, 0), PageState::Inconsistent);
    write_file(&mut img, &f, "x", b"abc").unwrap();
    let e = find(&img, &f, "x").unwrap();
    let hp = (e.header_offset) / 256;
    let dp = e.data_offsets[0] / 256;
    assert_eq!(
        page_state(&img, &g, hp),
        PageState::Index(e.obj_id | 0x8000, 0)
    );
    assert_eq!(page_state(&img, &g, dp), PageState::Data(e.obj_id, 0));
    assert_eq!(img[e.header_offset + 4], 0xF8);
    assert_eq!(img[e.data_offsets[0] + 4], 0xFC);
    delete_file(&mut img, &f, "x").unwrap();
    assert_eq!(img[e.header_offset + 4], 0x38);
    assert_eq!(img[e.data_offsets[0] + 4], 0x7C);
    assert_eq!(page_state(&img, &g, hp), PageState::Deleted);
    // A page written without its lookup entry is dirty free space; scrub makes it deleted.
    img[g.page_off(5)] = 0x12;
    assert_eq!(page_state(&img, &g, 5), PageState::DirtyFree);
    assert_eq!(deleted_stats(&img, &f).stray_pages, 1);
    scrub_deleted(&mut img, &f);
    assert_eq!(page_state(&img, &g, 5), PageState::Deleted);
    assert_eq!(deleted_stats(&img, &f).with_data, 0);
}
