//! `inspect` on a 2 MiB dump: the whole analysis (map, images, checksums, SDK, identification).

use criterion::{criterion_group, criterion_main, Criterion};
use espdump::analysis::inspect::{inspect, Options};
use std::hint::black_box;

#[allow(dead_code)]
#[path = "../tests/it/common/corpus.rs"]
mod corpus;

fn bench(c: &mut Criterion) {
    let corpus = corpus::corpus_dir();
    for name in [
        "shelly_stock_dimmer2_v1.8.4_2MB.bin",
        "shelly_stock_SHSW-1_v1.14.0_2MB.bin",
    ] {
        if let Ok(data) = std::fs::read(corpus.join(name)) {
            c.bench_function(&format!("inspect {name}"), |b| {
                b.iter(|| inspect(black_box(&data), &Options::default()).unwrap())
            });
        }
    }
    let tasmota = espdump::testkit::tasmota_on_shelly_dump();
    c.bench_function("inspect 2 MiB Tasmota over stock Shelly (synthetic)", |b| {
        b.iter(|| inspect(black_box(&tasmota), &Options::default()).unwrap())
    });
    let mut synthetic = espdump::testkit::filler(7, 0x20_0000);
    synthetic[0] = 0;
    c.bench_function("inspect 2 MiB random", |b| {
        b.iter(|| inspect(black_box(&synthetic), &Options::default()).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
