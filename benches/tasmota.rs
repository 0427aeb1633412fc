//! Benchmark: scanning a 2 MiB dump for Tasmota settings copies.

use criterion::{criterion_group, criterion_main, Criterion};
use espdump::formats::tasmota::builder::{build_settings, place, qpc_sector};
use espdump::formats::tasmota::{decode, detect_image, find_copies, FieldValue};
use std::hint::black_box;

#[allow(dead_code)]
#[path = "../tests/it/common/corpus.rs"]
mod corpus;

fn shelly_dump() -> Vec<u8> {
    // Pseudo-random "code" in the first MiB, erased flash above, four settings copies + QPC.
    let mut d = vec![0xFFu8; 2 << 20];
    let mut x: u32 = 0x1234_5678;
    for b in d.iter_mut().take(0xF0000) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    let v = 0x0C01_0106;
    for (off, sf) in [(0xFB000, 10), (0xFA000, 12), (0xF9000, 11), (0xF8000, 9)] {
        let b = build_settings(v, sf, &[("sta_ssid", 0, FieldValue::Str("bench".into()))]).unwrap();
        place(&mut d, off, &b);
    }
    place(&mut d, 0xF3000, &qpc_sector(1));
    d
}

fn bench(c: &mut Criterion) {
    let d = shelly_dump();
    assert_eq!(find_copies(&d).len(), 4);
    c.bench_function("tasmota_find_copies_2MiB", |b| {
        b.iter(|| find_copies(black_box(&d)))
    });
    let block = d[0xFA000..0xFB000].to_vec();
    c.bench_function("tasmota_decode_block", |b| {
        b.iter(|| decode(black_box(&block)))
    });
    // Version from the image: a real 12.x build at 0 of the dump when the corpus is there.
    let img = corpus::corpus_dir().join("tasmota_12.x_20221124.bin");
    let mut dump = d.clone();
    if let Ok(i) = std::fs::read(img) {
        dump[..i.len()].copy_from_slice(&i);
        assert!(detect_image(&dump).is_some());
    }
    c.bench_function("tasmota_detect_image_2MiB", |b| {
        b.iter(|| detect_image(black_box(&dump)))
    });
    // `.dmp` recognition runs first on every input: its cost on a dump, and a whole `inspect`
    // of a 4096-byte `.dmp`.
    c.bench_function("tasmota_dmp_detect_2MiB_dump", |b| {
        b.iter(|| espdump::formats::tasmota::dmp::detect(black_box(&d)))
    });
    let dmp = espdump::formats::tasmota::to_dmp(&block);
    let opts = espdump::analysis::inspect::Options::default();
    c.bench_function("tasmota_dmp_inspect", |b| {
        b.iter(|| espdump::analysis::inspect::inspect(black_box(&dmp), &opts))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
