//! Property tests for the file-system readers and the SPIFFS edits: arbitrary or mutated bytes
//! never panic (and never hang), and every edit keeps the reader consistent with a model and
//! with the rules `SPIFFS_check` applies at mount.

use std::collections::BTreeMap;

use std::sync::OnceLock;

use espdump::formats::fs::{self, littlefs, spiffs, FsInfo, FsKind};
use proptest::prelude::*;

fn corpus(name: &str) -> Option<Vec<u8>> {
    crate::common::try_corpus_bytes(name)
}

fn lfs_image() -> &'static Option<Vec<u8>> {
    static IMG: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    IMG.get_or_init(|| corpus("arduino_ledcontroller_lightwell_littlefs_1000K.bin"))
}

fn dimmer_fs1() -> &'static Option<Vec<u8>> {
    static IMG: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    IMG.get_or_init(|| {
        corpus("shelly_stock_dimmer2_v1.8.4_2MB.bin").map(|d| d[0x1BB000..0x1FB000].to_vec())
    })
}

/// Exercise every read-only entry point on whatever the detectors find.
fn read_everything(d: &[u8]) {
    for f in fs::detect_all(d) {
        assert!(f.start < f.end && f.end <= d.len());
        touch(d, &f);
    }
    let _ = fs::probe_at(d, 0, None);
    let _ = fs::probe_at(d, 0x1000, Some(d.len()));
}

fn touch(d: &[u8], f: &FsInfo) {
    match f.kind {
        FsKind::Spiffs => {
            for e in spiffs::list(d, f) {
                let c = spiffs::read_entry(d, f, &e);
                assert!(c.len() <= e.size as usize);
            }
            let _ = spiffs::deleted_stats(d, f);
            let _ = spiffs::recover_deleted(d, f);
            let _ = espdump::formats::shelly::decode(d, f, true);
            let _ = espdump::formats::shelly::secrets_and_ids(d, f);
            let mut copy = d.to_vec();
            let _ = espdump::formats::shelly::sanitize_fs(&mut copy, f, true);
        }
        FsKind::Littlefs => {
            for e in littlefs::list(d, f) {
                if let Some(c) = littlefs::read_entry(d, f, &e) {
                    assert_eq!(c.len(), e.size as usize);
                }
            }
        }
    }
}

/// Random bytes with SPIFFS magics / LittleFS signatures planted to reach the deep paths.
fn planted() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(any::<u8>(), 0x4000..0x8000),
        0u8..4,
        any::<u32>(),
    )
        .prop_map(|(mut d, mode, bs)| {
            match mode {
                0 => {
                    for o in (0..d.len()).step_by(4096) {
                        if o + 0x100 <= d.len() {
                            d[o + 0xFC..o + 0xFE].copy_from_slice(&0x0429u16.to_le_bytes());
                        }
                    }
                }
                1 => {
                    d[4..8].copy_from_slice(&[0xF0, 0x0F, 0xFF, 0xF7]);
                    d[8..16].copy_from_slice(b"littlefs");
                    d[0x18..0x1C].copy_from_slice(&(128u32 << (bs % 8)).to_le_bytes());
                }
                2 => {
                    // Lookup pages of erased-looking blocks with a few plausible entries.
                    for o in (0..d.len()).step_by(4096) {
                        if o + 0x100 <= d.len() {
                            d[o + 0x1E..o + 0x100].fill(0xFF);
                            d[o..o + 2].copy_from_slice(&0x8001u16.to_le_bytes());
                            d[o + 0x100..o + 0x102].copy_from_slice(&0x8001u16.to_le_bytes());
                        }
                    }
                }
                _ => {}
            }
            d
        })
}

fn mongoose(len: usize) -> FsInfo {
    spiffs::mongoose_info(0, len)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(d in proptest::collection::vec(any::<u8>(), 0..0x6000)) {
        read_everything(&d);
        // Fixed geometries over garbage.
        let n = d.len() / 4096 * 4096;
        if n >= 4096 {
            touch(&d, &mongoose(n));
            let lfs = FsInfo { kind: FsKind::Littlefs, block_size: 4096, block_count: n / 4096,
                page_size: 0, ..mongoose(n) };
            touch(&d, &lfs);
        }
    }


}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn planted_signatures_never_panic(d in planted()) {
        read_everything(&d);
    }
}

proptest! {
    // Each case reads a whole real image: fewer cases keep the debug test run short.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn mutated_littlefs_never_panics(muts in proptest::collection::vec((0usize..1_024_000, any::<u8>()), 1..48)) {
        let Some(img) = lfs_image() else { return Ok(()) };
        let mut d = img.clone();
        for (o, v) in muts {
            d[o] = v;
        }
        read_everything(&d);
        let f = FsInfo { kind: FsKind::Littlefs, start: 0, end: d.len(), block_size: 8192,
            block_count: 125, page_size: 0, name_len: 32, meta_len: 0, aligned_ix: false,
            magic: true, magic_length: false, config_evidence: 0, version: 0x20000 };
        touch(&d, &f);
    }

    #[test]
    fn mutated_spiffs_never_panics(muts in proptest::collection::vec((0usize..0x40000, any::<u8>()), 1..64)) {
        let Some(img) = dimmer_fs1() else { return Ok(()) };
        let mut d = img.clone();
        for (o, v) in muts {
            d[o] = v;
        }
        read_everything(&d);
        touch(&d, &mongoose(d.len()));
    }
}

// ---------------------------------------------------------------------------------------------
// Edits against a model

#[derive(Debug, Clone)]
enum Op {
    Write(u8, Vec<u8>),
    Delete(u8),
    Scrub,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..6, proptest::collection::vec(any::<u8>(), 0..1600)).prop_map(|(n, c)| Op::Write(n, c)),
        2 => (0u8..6).prop_map(Op::Delete),
        1 => Just(Op::Scrub),
    ]
}

fn name(n: u8) -> String {
    format!("file{n}.json")
}

/// The lookup/flag rules `SPIFFS_check` enforces, checked on every object page.
fn assert_check_consistent(d: &[u8], f: &FsInfo) {
    let g = spiffs::Geometry::of(f).unwrap();
    for blk in 0..g.blocks {
        let at = blk * g.bs;
        assert_eq!(
            &d[at + 0xFC..at + 0xFE],
            &0x0429u16.to_le_bytes(),
            "magic kept"
        );
        for i in 0..g.entries {
            let pix = g.pix_of(blk, i);
            let lu = u16::from_le_bytes([d[at + i * 2], d[at + i * 2 + 1]]);
            let po = g.page_off(pix);
            let flags = d[po + 4];
            match lu {
                0xFFFF => assert!(
                    d[po..po + g.ps].iter().all(|&b| b == 0xFF),
                    "free page erased"
                ),
                0x0000 => assert_eq!(flags & 0x80, 0, "deleted entry with DELET set"),
                id => {
                    assert_eq!(u16::from_le_bytes([d[po], d[po + 1]]), id);
                    assert_eq!(flags & 0x83, 0x80, "live page: used, final, not deleted");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn edits_keep_the_reader_consistent(ops in proptest::collection::vec(op(), 1..24)) {
        let f = mongoose(16 * 4096);
        let mut d = spiffs::format(&f).unwrap();
        // The formatted image is found by the detector with the same geometry.
        let det = fs::detect_all(&d);
        prop_assert_eq!(det.len(), 1);
        prop_assert_eq!((det[0].start, det[0].end, det[0].block_size), (0, d.len(), 4096));
        let mut model: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for o in ops {
            let before = d.clone();
            match o {
                Op::Write(n, c) => match spiffs::write_file(&mut d, &f, &name(n), &c) {
                    Ok(r) => {
                        prop_assert!(!r.is_empty());
                        model.insert(name(n), c);
                    }
                    Err(_) => prop_assert_eq!(&d, &before, "refused write changed the image"),
                },
                Op::Delete(n) => {
                    let r = spiffs::delete_file(&mut d, &f, &name(n));
                    prop_assert_eq!(r.is_ok(), model.remove(&name(n)).is_some());
                }
                Op::Scrub => {
                    spiffs::scrub_deleted(&mut d, &f);
                    let st = spiffs::deleted_stats(&d, &f);
                    prop_assert_eq!(st.with_data, 0);
                    prop_assert!(spiffs::recover_deleted(&d, &f).is_empty());
                }
            }
            // NOR flash: only 1 -> 0 bit changes.
            prop_assert!(before.iter().zip(&d).all(|(a, b)| a & b == *b));
            assert_check_consistent(&d, &f);
            let listed: BTreeMap<String, Vec<u8>> = spiffs::list(&d, &f)
                .into_iter()
                .map(|e| { prop_assert!(e.complete); Ok((e.name.clone(), spiffs::read_entry(&d, &f, &e))) })
                .collect::<Result<_, TestCaseError>>()?;
            prop_assert_eq!(&listed, &model);
        }
        // Deleted content is recoverable until scrubbed, never after.
        spiffs::scrub_deleted(&mut d, &f);
        prop_assert!(spiffs::recover_deleted(&d, &f).is_empty());
        let mut listed: Vec<String> = spiffs::list(&d, &f).into_iter().map(|e| e.name).collect();
        listed.sort();
        prop_assert_eq!(listed, model.keys().cloned().collect::<Vec<_>>());
    }
}

#[test]
fn deleted_file_is_recoverable_until_scrubbed() {
    let f = mongoose(8 * 4096);
    let mut d = spiffs::format(&f).unwrap();
    let secret = b"{\"wifi\":{\"sta\":{\"pass\":\"not-a-real-one\"}}}".repeat(9);
    spiffs::write_file(&mut d, &f, "conf9.json", &secret).unwrap();
    spiffs::write_file(&mut d, &f, "hwinfo_struct.json", b"{\"model\":\"x\"}").unwrap();
    let r = spiffs::delete_file(&mut d, &f, "conf9.json").unwrap();
    // Lookup entries (2 bytes) and flag bytes only.
    assert!(r.iter().all(|x| x.len() <= 2));
    assert!(spiffs::read(&d, &f, "conf9.json").is_none());
    let rec = spiffs::recover_deleted(&d, &f);
    assert_eq!(rec.len(), 1);
    assert_eq!(rec[0].name, "conf9.json");
    assert!(rec[0].complete);
    assert_eq!(rec[0].content, secret);
    let st = spiffs::deleted_stats(&d, &f);
    assert_eq!((st.deleted_pages, st.with_data), (3, 3));
    let z = spiffs::scrub_deleted(&mut d, &f);
    assert_eq!(z.iter().filter(|x| x.len() == 251).count(), 3);
    assert!(spiffs::recover_deleted(&d, &f).is_empty());
    assert_eq!(
        spiffs::read(&d, &f, "hwinfo_struct.json").unwrap(),
        b"{\"model\":\"x\"}"
    );
    assert!(d.windows(14).all(|w| w != b"not-a-real-one"));
}

#[test]
fn write_refuses_what_it_cannot_do() {
    let f = mongoose(4 * 4096);
    let mut d = spiffs::format(&f).unwrap();
    let img = d.clone();
    // 4 blocks: 60 pages, 30 kept in reserve.
    assert!(spiffs::write_file(&mut d, &f, "big", &vec![1u8; 251 * 40]).is_err());
    assert!(spiffs::write_file(&mut d, &f, &"n".repeat(48), b"x").is_err());
    assert!(spiffs::write_file(&mut d, &f, "", b"x").is_err());
    assert!(spiffs::delete_file(&mut d, &f, "missing").is_err());
    assert_eq!(d, img);
    // 93 spans fit the index header; 94 would need a second index page.
    let f = mongoose(16 * 4096);
    let mut d = spiffs::format(&f).unwrap();
    assert!(spiffs::write_file(&mut d, &f, "a", &vec![7u8; 251 * 93]).is_ok());
    assert!(spiffs::write_file(&mut d, &f, "b", &vec![7u8; 251 * 93 + 1]).is_err());
    assert_eq!(spiffs::read(&d, &f, "a").unwrap().len(), 251 * 93);
}

// ---------------------------------------------------------------------------------------------
// The binrw structures of the file systems: written and read back byte-exact, never panicking
// on arbitrary bytes, and what the readers see.

mod structures {
    use crate::common::binrw_round_trip;
    use espdump::formats::binparse::read_at;
    use espdump::formats::fs::littlefs::{RawTag, Superblock, SuperblockHead, Words2};
    use espdump::formats::fs::spiffs::{self, BlockTail, IxHeader, PageHeader};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn spiffs_structures_round_trip(
            id in any::<u16>(),
            span in any::<u16>(),
            flags in any::<u8>(),
            align in any::<[u8; 3]>(),
            size in any::<u32>(),
            ty in any::<u8>(),
        ) {
            let page = PageHeader { obj_id: id, span_ix: span, flags };
            prop_assert_eq!(binrw_round_trip(1, &page, 5), [&id.to_le_bytes()[..], &span.to_le_bytes(), &[flags]].concat());
            let ix = IxHeader { page, align, size, obj_type: ty };
            let b = binrw_round_trip(1, &ix, 13);
            prop_assert_eq!(&b[8..12], &size.to_le_bytes());
            prop_assert_eq!(b[12], ty);
            binrw_round_trip(1, &BlockTail { magic: id, erase_count: span }, 4);
        }

        /// A file written by `spiffs::write_file` (page and index headers through the writer)
        /// reads back through the same structures: its header, its data pages' headers, content.
        #[test]
        fn spiffs_written_headers_read_back(
            name in "[a-z]{1,20}",
            content in proptest::collection::vec(any::<u8>(), 0..2000),
        ) {
            let fs = spiffs::mongoose_info(0, 0x10000);
            let mut d = spiffs::format(&fs).unwrap();
            spiffs::write_file(&mut d, &fs, &name, &content).unwrap();
            let f = spiffs::find(&d, &fs, &name).unwrap();
            let ix: IxHeader = read_at(&d, f.header_offset).unwrap();
            prop_assert_eq!(ix.page.obj_id, f.obj_id | 0x8000);
            prop_assert_eq!((ix.page.span_ix, ix.page.flags, ix.size), (0, 0xF8, content.len() as u32));
            for (s, &o) in f.data_offsets.iter().enumerate() {
                let p: PageHeader = read_at(&d, o).unwrap();
                prop_assert_eq!((p.obj_id, p.span_ix as usize, p.flags), (f.obj_id, s, 0xFC));
            }
            let tail: BlockTail = read_at(&d, 0xFC).unwrap();
            prop_assert_eq!((tail.magic, tail.erase_count), (spiffs::magic_for(256), 0));
            prop_assert_eq!(spiffs::read_entry(&d, &fs, &f), content);
        }

        #[test]
        fn littlefs_structures_round_trip(w in any::<[u32; 6]>()) {
            prop_assert_eq!(binrw_round_trip(1, &RawTag(w[0]), 4), w[0].to_be_bytes().to_vec());
            let head = SuperblockHead { revision: w[0], struct_tag: RawTag(w[1]), version: w[2], block_size: w[3] };
            let b = binrw_round_trip(1, &head, 0x1C);
            prop_assert_eq!(&b[4..16], b"\xF0\x0F\xFF\xF7littlefs");
            prop_assert_eq!(&b[16..20], &w[1].to_be_bytes());
            prop_assert_eq!(&b[0x18..0x1C], &w[3].to_le_bytes());
            let sb = Superblock { version: w[0], block_size: w[1], block_count: w[2], name_max: w[3], file_max: w[4], attr_max: w[5] };
            binrw_round_trip(1, &sb, 24);
            binrw_round_trip(1, &Words2(w[0], w[1]), 8);
        }

        /// Every structure at every offset of arbitrary bytes: a value or `None`, never a panic.
        #[test]
        fn fs_structures_never_panic_on_arbitrary_bytes(
            data in proptest::collection::vec(any::<u8>(), 0..0x100),
            at in 0usize..0x120,
        ) {
            let _ = read_at::<PageHeader>(&data, at);
            let _ = read_at::<IxHeader>(&data, at);
            let _ = read_at::<BlockTail>(&data, at);
            let _ = read_at::<RawTag>(&data, at);
            let _ = read_at::<Superblock>(&data, at);
            let _ = read_at::<Words2>(&data, at);
            if let Some(h) = read_at::<SuperblockHead>(&data, at) {
                prop_assert_eq!(&data[at + 4..at + 16], b"\xF0\x0F\xFF\xF7littlefs");
                prop_assert_eq!(h.block_size.to_le_bytes(), [data[at + 0x18], data[at + 0x19], data[at + 0x1A], data[at + 0x1B]]);
            }
        }
    }

    /// The superblock of the Arduino-built LittleFS image in the corpus, through the structures.
    #[test]
    fn corpus_littlefs_superblock() {
        let Some(img) = super::lfs_image() else {
            return;
        };
        let head: SuperblockHead = read_at(img, 0).unwrap();
        let f = espdump::formats::fs::littlefs::probe(img, 0).unwrap();
        assert_eq!(head.block_size as usize, f.block_size);
        assert_eq!(head.version >> 16, 2);
        assert_eq!(f.version >> 16, 2);
    }
}
