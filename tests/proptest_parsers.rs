//! Property tests: arbitrary bytes never panic the parsers, and the region map always partitions
//! the input.

use espdump::inspect::{inspect, Options};
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
        let _ = espdump::image::parse(&data, 0);
        let _ = espdump::rboot::find(&data);
        let _ = espdump::sdk::find(&data, Some(0x1000), None);
        let _ = espdump::partition::parse(&data, data.len());
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
