//! File-system detection on whole 2 MiB dumps (target: well under 1 ms), plus listing and the
//! Shelly sanitize recipe on the Dimmer 2 dump.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

#[allow(dead_code)]
#[path = "../tests/it/common/corpus.rs"]
mod corpus;

fn bench(c: &mut Criterion) {
    let corpus = corpus::corpus_dir();
    for name in [
        "shelly_stock_dimmer2_v1.8.4_2MB.bin",
        "shelly_stock_SHSW-1_v1.14.0_2MB.bin",
        "dump_tuya-switch_factory_1MB.bin",
        "sming_rgbww_webapp0.3.3_spiffs.bin",
        "arduino_ledcontroller_lightwell_littlefs_1000K.bin",
    ] {
        let Ok(data) = std::fs::read(corpus.join(name)) else {
            continue;
        };
        c.bench_function(&format!("detect_all {name}"), |b| {
            b.iter(|| espdump::formats::fs::detect_all(black_box(&data)))
        });
    }
    let erased = vec![0xFFu8; 0x20_0000];
    c.bench_function("detect_all 2 MiB erased", |b| {
        b.iter(|| espdump::formats::fs::detect_all(black_box(&erased)))
    });
    // Pseudo-random 2 MiB (xorshift), the worst case for the scoring path.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let random: Vec<u8> = (0..0x20_0000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    c.bench_function("detect_all 2 MiB random", |b| {
        b.iter(|| espdump::formats::fs::detect_all(black_box(&random)))
    });
    if let Ok(data) = std::fs::read(corpus.join("shelly_stock_dimmer2_v1.8.4_2MB.bin")) {
        let all = espdump::formats::fs::detect_all(&data);
        c.bench_function("spiffs list dimmer2 fs1", |b| {
            b.iter(|| espdump::formats::fs::spiffs::list(black_box(&data), &all[1]))
        });
        c.bench_function("shelly sanitize_fs dimmer2 both slots", |b| {
            b.iter(|| {
                let mut out = data.clone();
                for (i, f) in all.iter().enumerate() {
                    espdump::formats::shelly::sanitize_fs(&mut out, f, i == 1);
                }
                out
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
