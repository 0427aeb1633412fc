//! Properties of `diff`: arbitrary inputs never panic, the overlay partitions the compared
//! bytes, the byte counts are exact, a dump against itself is identical, and line-diff edit
//! scripts rebuild the second text.

use espdump::analysis::diff::lines::{diff_text, edit_script, Edit, LineOp};
use espdump::analysis::diff::{changed_ranges, diff, Options, Status};
use proptest::prelude::*;
use std::sync::OnceLock;

fn shelly() -> &'static [u8] {
    static D: OnceLock<Vec<u8>> = OnceLock::new();
    D.get_or_init(espdump::testkit::shelly1_stock_dump)
}

fn check_overlay(a: &[u8], b: &[u8], r: &espdump::analysis::diff::DiffReport) {
    let mut pos = 0;
    let mut total = 0;
    for x in &r.regions {
        assert_eq!(x.start, pos, "gap or overlap");
        assert!(x.end > x.start);
        assert!(x.ranges.len() <= x.range_count);
        if x.status == Status::Same {
            assert_eq!(x.changed_bytes, 0);
        }
        if x.end <= r.common_size {
            total += x.changed_bytes;
        }
        pos = x.end;
    }
    assert_eq!(pos, a.len().max(b.len()) as u64);
    let exact = a.iter().zip(b).filter(|(x, y)| x != y).count() as u64;
    assert_eq!(total, exact);
    assert_eq!(r.identical, a == b);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_small_inputs_never_panic(
        a in proptest::collection::vec(any::<u8>(), 1..4096),
        b in proptest::collection::vec(any::<u8>(), 1..4096),
    ) {
        let r = diff(&a, &b, &Options::default()).unwrap();
        check_overlay(&a, &b, &r);
        let m = r.masked();
        let _ = serde_json::to_string(&m).unwrap();
        let mut out = Vec::new();
        espdump::render::diff::render(&mut out, "a", "b", &m, Default::default()).unwrap();
        prop_assert!(diff(&a, &a, &Options::default()).unwrap().identical);
    }

    #[test]
    fn line_scripts_rebuild_b(
        a in proptest::collection::vec(0u8..6, 0..60),
        b in proptest::collection::vec(0u8..6, 0..60),
    ) {
        let (s, minimal) = edit_script(&a, &b);
        prop_assert!(minimal);
        let rebuilt: Vec<u8> = s.iter().filter_map(|e| match *e {
            Edit::Keep(i, j) => { assert_eq!(a[i], b[j]); Some(a[i]) }
            Edit::Add(j) => Some(b[j]),
            Edit::Remove(_) => None,
        }).collect();
        prop_assert_eq!(&rebuilt, &b);
        let kept: Vec<u8> = s.iter().filter_map(|e| match *e {
            Edit::Keep(i, _) | Edit::Remove(i) => Some(a[i]),
            Edit::Add(_) => None,
        }).collect();
        prop_assert_eq!(&kept, &a);
        let ta: String = a.iter().map(|x| format!("{x}\n")).collect();
        let tb: String = b.iter().map(|x| format!("{x}\n")).collect();
        let d = diff_text(&ta, &tb, &ta, &tb, false);
        let adds = d.hunks.iter().flat_map(|h| &h.lines).filter(|l| l.op == LineOp::Added).count();
        prop_assert_eq!(adds, d.added);
        prop_assert_eq!(d.added as i64 - d.removed as i64, b.len() as i64 - a.len() as i64);
    }

    #[test]
    fn ranges_count_every_changed_byte(
        a in proptest::collection::vec(any::<u8>(), 0..2000),
        flips in proptest::collection::vec((0usize..2000, 1u8..=255), 0..40),
    ) {
        let mut b = a.clone();
        for (at, x) in flips {
            if let Some(v) = b.get_mut(at) { *v ^= x; }
        }
        let (ranges, n, count) = changed_ranges(&a, &b, 0);
        let exact = a.iter().zip(&b).filter(|(x, y)| x != y).count() as u64;
        prop_assert_eq!(n, exact);
        prop_assert!(ranges.len() <= count);
        for w in ranges.windows(2) { prop_assert!(w[0].end < w[1].start); }
        for r in &ranges {
            prop_assert!(a[r.start as usize] != b[r.start as usize]);
            prop_assert!(a[r.end as usize - 1] != b[r.end as usize - 1]);
        }
    }
}

proptest! {
    // Each case inspects two 2 MiB dumps: few cases.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn mutated_fixture_diffs_exactly(
        flips in proptest::collection::vec((0usize..0x20_0000, 1u8..=255), 1..64),
        cut in proptest::option::of(0x1000usize..0x20_0000),
    ) {
        let a = shelly();
        let mut b = a.to_vec();
        for (at, x) in flips { b[at] ^= x; }
        if let Some(c) = cut { b.truncate(c); }
        let r = diff(a, &b, &Options::default()).unwrap();
        check_overlay(a, &b, &r);
        let q = diff(a, &b, &Options { ignore_noise: true }).unwrap();
        prop_assert!(!q.identical || (a.len() == b.len()));
    }
}
