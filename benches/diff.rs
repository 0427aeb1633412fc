//! `diff` of two 2 MiB dumps: the real Shelly Dimmer 2 pair (OTA 1.7 → 1.8.4), a dump against
//! itself, and the Tasmota fixture against a copy with one setting changed. Target: < 10 ms.
//! Also the comparison alone (both inputs already inspected), to show where the time goes.

use criterion::{criterion_group, criterion_main, Criterion};
use espdump::analysis::diff::{diff, diff_reports, Options};
use espdump::analysis::inspect::inspect;
use std::hint::black_box;

#[allow(dead_code)]
#[path = "../tests/it/common/corpus.rs"]
mod corpus;

fn bench(c: &mut Criterion) {
    let corpus = corpus::corpus_dir();
    let opts = Options::default();
    if let (Ok(a), Ok(b)) = (
        std::fs::read(corpus.join("shelly_stock_dimmer2_v1.7_2MB.bin")),
        std::fs::read(corpus.join("shelly_stock_dimmer2_v1.8.4_2MB.bin")),
    ) {
        c.bench_function("diff dimmer2 1.7 vs 1.8.4", |x| {
            x.iter(|| diff(black_box(&a), black_box(&b), &opts).unwrap())
        });
        c.bench_function("diff dimmer2 1.8.4 vs itself", |x| {
            x.iter(|| diff(black_box(&b), black_box(&b), &opts).unwrap())
        });
        let (ra, rb) = (
            inspect(&a, &Default::default()).unwrap(),
            inspect(&b, &Default::default()).unwrap(),
        );
        c.bench_function("diff dimmer2 1.7 vs 1.8.4 (inspected)", |x| {
            x.iter(|| diff_reports(black_box(&a), &ra, black_box(&b), &rb, &opts))
        });
    }
    let a = espdump::testkit::tasmota_on_shelly_dump();
    let mut b = a.clone();
    b[0xFA000 + 0x40] ^= 1;
    espdump::formats::tasmota::fix_checksums(&mut b[0xFA000..0xFB000]);
    c.bench_function("diff tasmota fixture, one field", |x| {
        x.iter(|| diff(black_box(&a), black_box(&b), &opts).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
