//! Property tests: arbitrary bytes never panic the parsers, and the region map always partitions
//! the input.

use espdump::analysis::inspect::{inspect, Options};
use proptest::prelude::*;

fn check(data: &[u8]) {
    let r = inspect(data, &Options::default());
    if data.is_empty() {
        assert!(r.is_err());
        return;
    }
    let r = r.unwrap();
    let mut pos = 0;
    for reg in &r.regions {
        assert_eq!(reg.start, pos);
        assert!(reg.end > reg.start);
        pos = reg.end;
    }
    assert_eq!(pos, data.len() as u64);
    for i in &r.images {
        assert!(i.end as usize <= data.len());
    }
}

/// Bytes that start like an image: magic, a segment count and plausible segment headers.
fn image_like() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![Just(0xE9u8), Just(0xEAu8)],
        0u8..20,
        any::<[u8; 6]>(),
        proptest::collection::vec((any::<u32>(), 0u32..0x3000), 0..6),
        proptest::collection::vec(any::<u8>(), 0..0x4000),
    )
        .prop_map(|(magic, count, hdr, segs, tail)| {
            let mut v = vec![magic, count];
            v.extend_from_slice(&hdr);
            for (a, l) in segs {
                v.extend_from_slice(&a.to_le_bytes());
                v.extend_from_slice(&l.to_le_bytes());
                v.extend(std::iter::repeat_n(0x5A, (l as usize).min(0x800)));
            }
            v.extend(tail);
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..0x6000)) {
        check(&data);
        let _ = espdump::formats::image::parse(&data, 0);
        let _ = espdump::formats::rboot::find(&data);
        let _ = espdump::formats::sdk::find(&data, Some(0x1000), None);
        let _ = espdump::formats::partition::parse(&data, data.len());
    }

    #[test]
    fn image_like_bytes_never_panic(data in image_like()) {
        check(&data);
    }

    #[test]
    fn structures_at_known_offsets_never_panic(
        fill in any::<u8>(),
        patches in proptest::collection::vec((0usize..0x20000, any::<[u8; 16]>()), 0..40),
    ) {
        let mut data = vec![fill; 0x20000];
        for (at, bytes) in patches {
            let end = (at + 16).min(data.len());
            data[at..end].copy_from_slice(&bytes[..end - at]);
        }
        // Seed the structures parsers look for.
        data[0x1000] = 0xE1;
        data[0x1001] = 0x01;
        data[0x8000] = 0xEA;
        data[0x8001] = 0x04;
        data[0x1F004..0x1F008].copy_from_slice(&0x55AA_55AAu32.to_le_bytes());
        check(&data);
    }
}

// ---------------------------------------------------------------------------------------------
// The binrw structures of the fixed layouts: written and read back byte-exact at their encoded
// length, never panicking on arbitrary bytes, and found by the parsers that use them.

mod structures {
    use crate::common::binrw_round_trip;
    use espdump::formats::binparse::{read_at, write_at};
    use espdump::formats::image::{ArduinoCrcWords, RawHeader, SegmentHeader};
    use espdump::formats::partition::RawRow;
    use espdump::formats::rboot::{RawHead, RawMgos, RawRaburton, RbootLayout};
    use espdump::formats::sdk::{RawApRecord, RawFlag, RawParams};
    use proptest::prelude::*;

    fn rboot_head() -> impl Strategy<Value = RawHead> {
        any::<[u8; 4]>().prop_map(|b| RawHead {
            mode: b[0],
            current_rom: b[1],
            gpio_rom: b[2],
            count: b[3],
        })
    }

    fn row() -> impl Strategy<Value = RawRow> {
        prop_oneof![
            (any::<(u8, u8, u32, u32, [u8; 16], u32)>()).prop_map(
                |(ptype, subtype, offset, size, label, flags)| RawRow::Entry {
                    ptype,
                    subtype,
                    offset,
                    size,
                    label,
                    flags
                }
            ),
            (any::<([u8; 14], [u8; 16])>()).prop_map(|(pad, digest)| RawRow::Md5 { pad, digest }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn image_structures_round_trip(h in any::<[u8; 8]>(), s in any::<(u32, u32)>()) {
            let raw = RawHeader::parse(&h).unwrap();
            prop_assert_eq!(binrw_round_trip(3, &raw, RawHeader::SIZE), h.to_vec());
            let seg = SegmentHeader { addr: s.0, len: s.1 };
            let b = binrw_round_trip(3, &seg, SegmentHeader::SIZE);
            prop_assert_eq!(&b[4..8], &s.1.to_le_bytes());
            binrw_round_trip(3, &ArduinoCrcWords { len: s.0, val: s.1 }, 8);
        }

        #[test]
        fn rboot_structures_round_trip(
            h in rboot_head(),
            b in any::<[u8; 6]>(),
            w in any::<[[u32; 4]; 4]>(),
        ) {
            let bytes = binrw_round_trip(3, &h, 6);
            prop_assert_eq!(&bytes[..2], &[0xE1, 0x01]);
            let r = RawRaburton { head: h, unused: [b[0], b[1]], roms: w[0] };
            let bytes = binrw_round_trip(3, &r, 0x18);
            prop_assert_eq!(&bytes[8..12], &w[0][0].to_le_bytes());
            let m = RawMgos {
                head: h,
                previous_rom: b[0],
                is_first_boot: b[1],
                boot_attempts: b[2],
                fw_updated: b[3],
                padding: [b[4], b[5]],
                roms: w[0],
                rom_sizes: w[1],
                fs_addresses: w[2],
                fs_sizes: w[3],
            };
            let bytes = binrw_round_trip(3, &m, 0x4C);
            prop_assert_eq!(&bytes[0x3C..0x40], &w[3][0].to_le_bytes());
        }

        /// A Mongoose OS config built with the writer is found with the same fields.
        #[test]
        fn rboot_config_is_found_as_written(
            count in 1u8..=4,
            current in 0u8..4,
            slots in proptest::collection::vec((1u32..0x80, 1u32..0x40), 4),
            state in any::<[u8; 4]>(),
        ) {
            let current = current % count;
            let n = count as usize;
            let mut m = RawMgos {
                head: RawHead { mode: 0, current_rom: current, gpio_rom: 0, count },
                previous_rom: state[0] % 16,
                is_first_boot: state[1] % 16,
                boot_attempts: state[2] % 16,
                fw_updated: state[3] % 16,
                padding: [0; 2],
                roms: [0; 4],
                rom_sizes: [0; 4],
                fs_addresses: [0; 4],
                fs_sizes: [0; 4],
            };
            for (i, &(a, l)) in slots.iter().enumerate().take(n) {
                m.roms[i] = a * 0x1_0000;
                m.rom_sizes[i] = l * 0x100;
                m.fs_addresses[i] = a * 0x1_0000 + 0x8000;
                m.fs_sizes[i] = 0x4000;
            }
            let mut dump = vec![0xFFu8; 0x8000];
            write_at(&mut dump, 0x7000, &m).unwrap();
            let c = espdump::formats::rboot::find(&dump).unwrap();
            prop_assert_eq!(c.layout, RbootLayout::Mgos);
            prop_assert_eq!((c.offset, c.current_rom, c.count), (0x7000, current, count));
            prop_assert_eq!(&c.roms[..], &m.roms[..n]);
            prop_assert_eq!(&c.rom_sizes[..], &m.rom_sizes[..n]);
            prop_assert_eq!(&c.fs_addresses[..], &m.fs_addresses[..n]);
            prop_assert_eq!(&c.fs_sizes[..], &m.fs_sizes[..n]);
            prop_assert_eq!(c.boot_attempts, Some(m.boot_attempts));
        }

        #[test]
        fn partition_rows_round_trip(r in row()) {
            let bytes = binrw_round_trip(3, &r, 32);
            let magic = match r { RawRow::Entry { .. } => [0xAA, 0x50], RawRow::Md5 { .. } => [0xEB, 0xEB] };
            prop_assert_eq!(&bytes[..2], &magic);
        }

        /// A table written row by row (entries inside the flash, then the MD5 row) parses back.
        #[test]
        fn partition_table_is_found_as_written(
            entries in proptest::collection::vec((any::<(u8, u8)>(), 1u32..0x100, 1u32..0x100, "[a-z_]{1,16}"), 1..10),
        ) {
            use md5::{Digest, Md5};
            let mut dump = vec![0xFFu8; 0x9000];
            let mut at = 0x8000;
            for ((t, st), off, size, label) in &entries {
                let mut l = [0u8; 16];
                l[..label.len()].copy_from_slice(label.as_bytes());
                let row = RawRow::Entry { ptype: *t, subtype: *st, offset: off * 0x1000, size: size * 0x1000, label: l, flags: 0 };
                write_at(&mut dump, at, &row).unwrap();
                at += 32;
            }
            let digest: [u8; 16] = Md5::digest(&dump[0x8000..at]).into();
            write_at(&mut dump, at, &RawRow::Md5 { pad: [0xFF; 14], digest }).unwrap();
            let t = espdump::formats::partition::parse(&dump, 0x20_0000).unwrap();
            prop_assert!(espdump::formats::partition::parse(&dump, 0x1000).is_none());
            prop_assert_eq!(t.md5_valid, Some(true));
            prop_assert_eq!(t.len, entries.len() * 32 + 32);
            for (p, ((ty, st), off, size, label)) in t.entries.iter().zip(&entries) {
                prop_assert_eq!((p.ptype, p.subtype, p.offset, p.size), (*ty, *st, off * 0x1000, size * 0x1000));
                prop_assert_eq!(&p.label, label);
            }
        }

        #[test]
        fn sdk_structures_round_trip(
            w in any::<[u32; 6]>(),
            f in any::<[u8; 4]>(),
            ssid in any::<[u8; 32]>(),
            pw in proptest::collection::vec(any::<u8>(), 64),
        ) {
            let flag = RawFlag {
                flag: f[0],
                pad: [f[1], f[2], f[3]],
                counter: w[0],
                lengths: [w[1], w[2]],
                checksums: [w[3], w[4]],
                magic2: w[5],
            };
            let bytes = binrw_round_trip(3, &flag, 0x20);
            prop_assert_eq!(&bytes[4..8], &[0xAA, 0x55, 0xAA, 0x55]);
            let rec = RawApRecord { ssid_len: w[0], ssid, password: pw.try_into().unwrap() };
            binrw_round_trip(3, &rec, 100);
        }

        /// A flag sector built with the writer, over a tail with PHY init data, is what
        /// `sdk::find` reports, and its checksums are judged against the copies.
        #[test]
        fn sdk_flag_is_found_as_written(
            current in any::<u8>(),
            counter in any::<u32>(),
            copy in proptest::collection::vec(any::<u8>(), 32),
            second_magic in any::<bool>(),
        ) {
            let size = 0x10_0000;
            let mut dump = vec![0xFFu8; size];
            dump[size - 0x4000..size - 0x4000 + 128].fill(5);
            let active = usize::from(current != 0);
            let at = size - 0x3000 + active * 0x1000;
            dump[at..at + 32].copy_from_slice(&copy);
            let ck = espdump::formats::sdk::param_checksum(&copy, 32);
            let mut checksums = [0u32; 2];
            checksums[active] = ck;
            let flag = RawFlag {
                flag: current,
                pad: [0xFF; 3],
                counter,
                lengths: [32, 32],
                checksums,
                magic2: if second_magic { 0xAA55_AA55 } else { 0 },
            };
            write_at(&mut dump, size - 0x1000, &flag).unwrap();
            let tails = espdump::formats::sdk::find(&dump, None, None);
            prop_assert_eq!(tails.len(), 1);
            let f = tails[0].flag.as_ref().unwrap();
            prop_assert_eq!((f.current as usize, f.counter, f.second_magic), (active, counter, second_magic));
            prop_assert_eq!(f.checksums, checksums);
            let a = tails[0].active_copy().unwrap();
            prop_assert_eq!(a.index as usize, active);
            prop_assert!(a.checksum.unwrap().valid);
        }

        /// Every structure at every offset of arbitrary bytes: a value or `None`, never a panic.
        #[test]
        fn structures_never_panic_on_arbitrary_bytes(
            data in proptest::collection::vec(any::<u8>(), 0..0x600),
            at in 0usize..0x700,
        ) {
            let _ = read_at::<RawHeader>(&data, at);
            let _ = read_at::<SegmentHeader>(&data, at);
            let _ = read_at::<ArduinoCrcWords>(&data, at);
            let _ = read_at::<RawHead>(&data, at);
            let _ = read_at::<RawRaburton>(&data, at);
            let _ = read_at::<RawMgos>(&data, at);
            let _ = read_at::<RawRow>(&data, at);
            let _ = read_at::<RawFlag>(&data, at);
            let _ = read_at::<RawApRecord>(&data, at);
            if let Some(p) = read_at::<RawParams>(&data, at) {
                prop_assert!(data.len() >= at + 0x498);
                prop_assert_eq!(&p.sta_mac[..], &data[at + 0x492..at + 0x498]);
            }
            let _ = espdump::formats::rboot::parse(&data, at, 0x100_0000);
            let _ = espdump::formats::image::arduino_crc(&data);
        }
    }
}
