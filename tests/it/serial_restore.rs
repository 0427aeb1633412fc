//! The reported failure and its neighbours, end to end: a whole 2 MiB Shelly backup restored
//! by the real esptool 5.6 and by `espdump write --force` through the same simulator with
//! datasheet flash time and the current stub's reply-first behaviour: onto used flash, onto
//! blank flash, and of a backup differing only in its config sectors. All byte-exact.

use crate::common;
use common::sim::{espdump_cmd, esptool, esptool_available, noise, text, Sim};
use std::time::Instant;

use common::SHELLY_SW1 as SHELLY;

fn restore_with_both_tools(tag: &str, on_chip: &[u8], img: &[u8]) {
    std::thread::scope(|sc| {
        let es = sc.spawn(|| {
            let dir = tempfile::tempdir().expect("tmp");
            let d = dir.path();
            std::fs::write(d.join("backup.bin"), img).expect("w");
            let sim = Sim::start(d, "e", on_chip, &[]);
            let t0 = Instant::now();
            let o = esptool(d, &sim, &["write-flash", "0", "backup.bin"]);
            let secs = t0.elapsed().as_secs_f64();
            assert!(o.status.success(), "esptool {tag}: {}", text(&o));
            assert!(text(&o).contains("Hash of data verified"), "{}", text(&o));
            assert!(sim.stop() == img, "esptool {tag}: flash differs");
            secs
        });
        let ed = sc.spawn(|| {
            let dir = tempfile::tempdir().expect("tmp");
            let d = dir.path();
            std::fs::write(d.join("backup.bin"), img).expect("w");
            let sim = Sim::start(d, "d", on_chip, &[]);
            let t0 = Instant::now();
            let o = espdump_cmd(d, &sim, &["write", "--force", "backup.bin"])
                .output()
                .expect("espdump");
            let secs = t0.elapsed().as_secs_f64();
            assert!(o.status.success(), "espdump {tag}: {}", text(&o));
            assert!(
                String::from_utf8_lossy(&o.stdout).contains("verified: the chip's MD5 matches"),
                "{}",
                text(&o)
            );
            assert!(sim.stop() == img, "espdump {tag}: flash differs");
            secs
        });
        let (a, b) = (es.join().expect("esptool"), ed.join().expect("espdump"));
        eprintln!("{tag}: esptool {a:.1} s, espdump {b:.1} s");
    });
}

fn shelly() -> Option<Vec<u8>> {
    if !esptool_available() {
        return None;
    }
    common::try_corpus_bytes(SHELLY)
}

#[test]
fn shelly_restore_onto_used_flash_both_tools() {
    let Some(img) = shelly() else { return };
    restore_with_both_tools("used flash", &noise(img.len(), 77), &img);
}

#[test]
fn shelly_restore_onto_blank_flash_both_tools() {
    let Some(img) = shelly() else { return };
    restore_with_both_tools("blank flash", &vec![0xFF; img.len()], &img);
}

#[test]
fn shelly_restore_of_changed_config_sectors_both_tools() {
    let Some(img) = shelly() else { return };
    let mut on_chip = img.clone();
    for at in [0x0F_A000usize, 0x0F_B000, 0x1F_D000] {
        on_chip[at..at + 0x1000].copy_from_slice(&noise(0x1000, at as u32));
    }
    restore_with_both_tools("config sectors", &on_chip, &img);
}
