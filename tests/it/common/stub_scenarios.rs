//! End-to-end scenarios for espdump's own stub, run by `stub_host.rs` (the host build) and
//! `stub_qemu.rs` (the lx106 build under QEMU): the real `espdump` binary reads, writes,
//! erases and verifies through a pty, byte-exact, with the serial tests' line faults.

use super::stubrig::*;

pub fn read_write_erase_verify_byte_exact(r: &Runner) {
    let img = pattern(512 << 10, 7);
    let dir = tempfile::tempdir().expect("tmp");
    let chip = Chip::start(r, dir.path(), &img, "", false);
    let o = espdump(&chip, &["read", "--json", "backup.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_same(
        &std::fs::read(dir.path().join("backup.bin")).expect("out"),
        &img,
        "backup",
    );
    let j = o.json();
    assert_eq!(j["read"]["sectors"], 128);
    assert_eq!(j["read"]["sectors_erased"], 64, "{}", o.stdout);
    // Compressed read: the random quarter cannot shrink, the text quarter does, the erased
    // half costs next to nothing.
    let wire = chip.chip_bytes();
    assert!(wire < (img.len() as u64) * 3 / 10, "chip sent {wire} bytes");

    let o = espdump(
        &chip,
        &[
            "erase", "--json", "--offset", "0x10000", "--size", "0x20000",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = espdump(&chip, &["verify", "--json", "backup.bin"]);
    assert_eq!(
        o.code, 1,
        "verify must report the erased region: {}",
        o.stdout
    );
    let j = o.json();
    let differing = j["verify"]["differing"]
        .as_array()
        .map(|a| a.len())
        .unwrap_or(0);
    assert_eq!(differing, 16, "{}", o.stdout); // 32 sectors erased, half were erased anyway

    let o = espdump(&chip, &["write", "--json", "backup.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = espdump(&chip, &["verify", "--json", "backup.bin"]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let flash = chip.stop();
    assert_same(&flash, &img, "flash");
}

pub fn region_write_keeps_neighbours_and_reads_back(r: &Runner) {
    let img = pattern(256 << 10, 3);
    let dir = tempfile::tempdir().expect("tmp");
    let app: Vec<u8> = (0..70_000u32).map(|i| (i * 7 + i / 300) as u8).collect();
    std::fs::write(dir.path().join("app.bin"), &app).expect("app");
    let chip = Chip::start(r, dir.path(), &img, "", false);
    let o = espdump(
        &chip,
        &["write", "--json", "--offset", "0x11000", "app.bin"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = espdump(
        &chip,
        &[
            "read", "--offset", "0x11000", "--size", "0x12000", "part.bin",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let part = std::fs::read(dir.path().join("part.bin")).expect("part");
    assert_same(&part[..app.len()], &app, "region");
    let flash = chip.stop();
    let mut want = img.clone();
    want[0x11000..0x11000 + app.len()].copy_from_slice(&app);
    assert_same(&flash, &want, "flash outside the image unchanged");
}

pub fn shelly_dump_round_trip(r: &Runner) {
    let Some(img) = shelly() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let chip = Chip::start(r, dir.path(), &img, "", false);
    let o = espdump(&chip, &["read", "--json", "backup.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_same(
        &std::fs::read(dir.path().join("backup.bin")).expect("out"),
        &img,
        "backup",
    );
    let o = espdump(&chip, &["erase", "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = espdump(&chip, &["write", "--json", "backup.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = espdump(&chip, &["verify", "backup.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_same(&chip.stop(), &img, "flash");
}

pub fn corrupted_and_dropped_bytes_complete_byte_exact(r: &Runner) {
    let img = pattern(1 << 20, 11);
    let dir = tempfile::tempdir().expect("tmp");
    let chip = Chip::start(r, dir.path(), &img, "corrupt@60000,drop@200000", false);
    let o = espdump(&chip, &["read", "--json", "out.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.json()["read"]["retries"].as_u64().unwrap_or(0) >= 1,
        "{}",
        o.stdout
    );
    assert_same(
        &std::fs::read(dir.path().join("out.bin")).expect("out"),
        &img,
        "read",
    );
    assert_same(&chip.stop(), &img, "flash");
}

pub fn reset_mid_read_fails_loudly_and_resume_finishes(r: &Runner) {
    let img = pattern(512 << 10, 13);
    let dir = tempfile::tempdir().expect("tmp");
    let chip = Chip::start(r, dir.path(), &img, "reset@30", false);
    let o = espdump(&chip, &["read", "out.bin"]);
    assert_eq!(o.code, 4, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("--resume"), "{}", o.stderr);
    assert!(!dir.path().join("out.bin").exists(), "no truncated output");
    let o = espdump(&chip, &["read", "--resume", "--json", "out.bin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_same(
        &std::fs::read(dir.path().join("out.bin")).expect("out"),
        &img,
        "read",
    );
    assert_same(&chip.stop(), &img, "flash");
}

pub fn stalled_write_block_fails_loudly_or_lands_exact(r: &Runner) {
    let img = vec![0xFFu8; 256 << 10];
    let new = pattern(256 << 10, 5);
    for n in [30u64, 32, 34] {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("new.bin"), &new).expect("new");
        let chip = Chip::start(r, dir.path(), &img, &format!("stall@{n}"), false);
        let o = espdump(&chip, &["write", "--json", "new.bin"]);
        let flash = chip.stop();
        if o.code == 0 {
            assert_same(&flash, &new, &format!("stall@{n}"));
        } else {
            // 7: no reply in time; 4: a broken protocol; 9: a failure status.
            assert!([4, 7, 9].contains(&o.code), "stall@{n}: {}", o.stderr);
            assert!(!o.stderr.is_empty());
        }
    }
}

pub fn info_names_the_stub(r: &Runner) {
    let img = pattern(256 << 10, 9);
    let dir = tempfile::tempdir().expect("tmp");
    let chip = Chip::start(r, dir.path(), &img, "", false);
    let o = espdump(&chip, &["info", "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let j = o.json();
    assert_eq!(j["chip"]["chip"], "ESP8266EX");
    assert_eq!(j["chip"]["flash_size"], 256 << 10);
    // No esptool in this environment variable-free run means the builtin stub is selected,
    // unless an esptool is installed, which stays the default.
    let sel = j["stub_selected"].as_str().unwrap_or("");
    assert!(
        sel == "builtin" || sel.ends_with("esp8266.json"),
        "{}",
        o.stdout
    );
    let o = espdump(&chip, &["info", "--stub", "builtin"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("stub:        builtin (espdump's own"),
        "{}",
        o.stdout
    );
    drop(chip);
}
