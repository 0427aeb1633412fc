//! Property tests: arbitrary bytes never panic the Tasmota parsers; codecs round-trip.

use crate::common;

use espdump::formats::tasmota::{
    decode, detect_image, find_copies, from_dmp, identity, parse_copy, sanitize, scan,
    secrets_and_ids, textpool, to_dmp, KeepPolicy,
};
use proptest::prelude::*;

/// A 4096-byte block with a plausible header (so the decoder and sanitizer go deep) and
/// arbitrary content elsewhere.
fn plausible_block() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(any::<u8>(), 4096),
        prop_oneof![
            Just(0x0606_0000u32),
            Just(0x0606_000Bu32),
            Just(0x0801_0002u32),
            Just(0x0C01_0106u32),
            Just(0x1000_0000u32),
            Just(0x050A_0000u32),
            Just(0x050D_0100u32),
            Just(0x0604_0100u32),
            any::<u32>(),
        ],
        any::<bool>(),
    )
        .prop_map(|(mut b, v, old)| {
            if v < 0x0600_0000 {
                b[0..4].copy_from_slice(&0x2016_1209u32.to_le_bytes()); // 5.x header
            }
            b[2..4].copy_from_slice(&(if old { 0xE00u16 } else { 0x1000 }).to_le_bytes());
            b[8..12].copy_from_slice(&v.to_le_bytes());
            b[0xF36] = 0;
            b
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..9000)) {
        let _ = find_copies(&data);
        let _ = decode(&data);
        let _ = parse_copy(&data, 0);
        let _ = from_dmp(&data);
        let _ = espdump::formats::tasmota::dmp::detect(&data);
        let _ = detect_image(&data);
        let _ = textpool::split(&data);
        let _ = secrets_and_ids(&data);
        let _ = identity(&data, 0);
        let mut d = data.clone();
        let _ = sanitize(&mut d, &KeepPolicy::default());
    }

    #[test]
    fn plausible_blocks_never_panic(block in plausible_block(), keep_wifi in any::<bool>()) {
        let _ = decode(&block);
        let _ = secrets_and_ids(&block);
        let _ = identity(&block, 0xFB000);
        let mut dump = vec![0xFFu8; 0x100000];
        dump[0xFA000..0xFB000].copy_from_slice(&block);
        let _ = scan(&dump);
        let keep = KeepPolicy { wifi: keep_wifi, mqtt: false };
        if sanitize(&mut dump, &keep).is_ok() {
            // whatever was there, at most one copy remains and it is valid
            let sc = scan(&dump);
            prop_assert!(sc.copies.len() <= 1);
            prop_assert!(sc.copies.iter().all(|k| k.valid));
        }
    }

    #[test]
    fn dmp_round_trips(mut block in proptest::collection::vec(any::<u8>(), 4096)) {
        block[2..4].copy_from_slice(&0x1000u16.to_le_bytes());
        let d = to_dmp(&block);
        prop_assert_eq!(&d[..2], &block[..2]);
        prop_assert_eq!(from_dmp(&d).unwrap(), block);
    }

    #[test]
    fn pool_update_round_trips(
        strings in proptest::collection::vec("[a-zA-Z0-9 %._-]{0,8}", 99),
        idx in 0usize..99,
        new in "[a-z]{0,20}",
    ) {
        let refs: Vec<&[u8]> = strings.iter().map(|s| s.as_bytes()).collect();
        let pool = textpool::join(&refs).unwrap();
        let mut block = vec![0u8; 4096];
        block[0x17..0x17 + 699].copy_from_slice(&pool);
        let got: Vec<Vec<u8>> = textpool::split(&block).iter().map(|s| s.bytes.to_vec()).collect();
        let want: Vec<Vec<u8>> = strings.iter().map(|s| s.as_bytes().to_vec()).collect();
        prop_assert_eq!(&got, &want);
        textpool::update(&mut block, &[(idx, new.as_bytes())]).unwrap();
        for (i, s) in textpool::split(&block).iter().enumerate() {
            let expect = if i == idx { new.as_bytes() } else { strings[i].as_bytes() };
            prop_assert_eq!(s.bytes, expect);
        }
    }

    /// A real `.dmp` with arbitrary byte changes (checksum left stale, or fixed so the mutated
    /// block is taken for a .dmp and decoded and sanitised) or cut short never panics
    /// `inspect`, `sanitize` or `extract`.
    #[test]
    fn mutated_dmp_never_panics(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..40),
        fix in any::<bool>(),
        cut in proptest::option::of(any::<u16>()),
    ) {
        let name = ["tasmota-config_6.4.1_a.dmp", "tasmota-config_6.4.1_b.dmp", "tasmota-config_12.3.1.dmp"][which];
        let Some(file) = common::try_corpus_bytes(name) else {
            return Ok(());
        };
        let mut block = from_dmp(&file).unwrap();
        for (i, b) in &edits {
            let n = block.len();
            block[usize::from(*i) % n] = *b;
        }
        if fix {
            espdump::formats::tasmota::fix_checksums(&mut block);
        }
        let mut data = to_dmp(&block);
        if let Some(c) = cut {
            data.truncate(usize::from(c) % (data.len() + 1));
        }
        if data.is_empty() {
            return Ok(());
        }
        if let Ok(r) = espdump::analysis::inspect::inspect(&data, &espdump::analysis::inspect::Options::default()) {
            let _ = espdump::analysis::extract::plan(&data, &r);
        }
        let _ = espdump::analysis::sanitize::sanitize(&data, &espdump::analysis::sanitize::Policy::default());
        let _ = espdump::analysis::diff::diff(&data, &file, &espdump::analysis::diff::Options::default());
    }

    /// Built 5.x / 6.x `.dmp` files (1648, 2560, 3584 bytes; no checksum before 6.0.0.1) with
    /// arbitrary byte changes go deep (a 5.x header stays recognisable) and never panic.
    #[test]
    fn mutated_old_dmp_never_panics(
        version in prop_oneof![Just(0x050A_0000u32), Just(0x050D_0100u32), Just(0x0600_0000u32), Just(0x0604_0100u32)],
        edits in proptest::collection::vec((16u16..0xE00, any::<u8>()), 1..60),
    ) {
        let mut block = espdump::formats::tasmota::SettingsBuilder::new(version).build().to_vec();
        let n = espdump::formats::tasmota::fields::block_size(version).unwrap();
        block.truncate(n);
        for (i, b) in &edits {
            let i = usize::from(*i) % n;
            block[i.max(16)] = *b;
        }
        espdump::formats::tasmota::fix_checksums(&mut block);
        let data = to_dmp(&block);
        prop_assert_eq!(data.len(), n);
        let r = espdump::analysis::inspect::inspect(&data, &espdump::analysis::inspect::Options::default()).unwrap();
        prop_assert!(r.dmp.is_some());
        let _ = espdump::analysis::extract::plan(&data, &r);
        if let Ok((out, rep)) = espdump::analysis::sanitize::sanitize(&data, &espdump::analysis::sanitize::Policy::default()) {
            prop_assert_eq!(out.len(), n);
            prop_assert!(rep.verification.checksums_valid);
        }
    }
}
