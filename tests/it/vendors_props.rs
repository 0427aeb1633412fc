//! Property tests for the vendor decoders: arbitrary bytes, and bytes that start like each format,
//! never panic, and what they return stays inside the input.

use espdump::formats::vendors::{eeprom, esphome, espurna, ewelink, supla, tuya, wled};
use proptest::prelude::*;

fn all(d: &[u8]) {
    for r in ewelink::find_records(d) {
        assert!((r.offset as usize) < d.len());
        let _ = ewelink::section(&r);
    }
    if let Some(i) = ewelink::scan_image(d, 0) {
        assert!(i.version.is_none_or(|v| (v.offset as usize) < d.len()));
    }
    for r in tuya::find_records(d) {
        for o in &r.objects {
            assert!((o.offset as usize) < d.len());
        }
        for i in tuya::section(&r).items {
            assert!(i.offset.is_none_or(|o| (o as usize) < d.len()));
        }
    }
    let _ = tuya::scan_image(d, 0);
    let _ = tuya::classify_area(d);
    if let Some(o) = tuya::parse_ota(d) {
        assert!(o.header_len as usize <= d.len());
    }
    let _ = wled::scan_image(d, 0);
    if let Some(s) = wled::decode_eeprom(d, 0) {
        assert!(s
            .items
            .iter()
            .all(|i| i.offset.is_some_and(|o| (o as usize) < d.len())));
    }
    let _ = wled::json_section("x".into(), d);
    let _ = wled::sanitize_cfg(d, wled::Keep::default());
    let _ = wled::sanitize_wsec(
        d,
        wled::Keep {
            wifi: true,
            mqtt: true,
        },
    );
    let _ = esphome::scan_image(d, 0);
    let _ = supla::scan_image(d, 0);
    for s in espurna::find(d, d.len().saturating_sub(0x1000)) {
        assert!(s.pairs.iter().all(|p| (p.offset as usize) < d.len()));
    }
    let _ = eeprom::at(d, d.len());
}

fn seeded() -> impl Strategy<Value = Vec<u8>> {
    let seeds: Vec<&'static [u8]> = vec![
        b"8DB0839D",
        b"\x55\xAA\x55\xAA9.0.0\0\0\0\0\0\0\0\0\0\x01",
        b"{\"prod_idx\":\"1\",\"auz_key\":\"",
        b"\0wled1234\0",
        b"user_main.c\0",
        b"\0device\0",
        b"SuplaDevice initialized\0SDK ",
        b"\0a\0Jun 11 2023, 20:10:10\0",
        b"{\"nw\":{\"ins\":[",
    ];
    (
        proptest::sample::select(seeds),
        proptest::collection::vec(any::<u8>(), 0..0x3000),
        0usize..0x2000,
    )
        .prop_map(|(seed, mut v, at)| {
            let at = at.min(v.len());
            v.splice(at..at, seed.iter().copied());
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_bytes(d in proptest::collection::vec(any::<u8>(), 0..0x3000)) {
        all(&d);
    }

    #[test]
    fn format_like_bytes(d in seeded()) {
        all(&d);
        // A 4 KiB sector with the format at its start.
        let mut s = d.clone();
        s.resize(0x1000, 0xFF);
        all(&s);
    }

    #[test]
    fn embedis_like_tails(tail in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut s = vec![0xFFu8; 0x1000];
        let n = tail.len();
        s[0x1000 - n..].copy_from_slice(&tail);
        let _ = espurna::parse(&s, 0);
    }
}
