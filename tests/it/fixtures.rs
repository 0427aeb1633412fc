//! The bundled fixtures are exactly what espdump's own builders (`espdump::testkit`) produce.
//! Regenerate with `ESPDUMP_UPDATE_FIXTURES=1 cargo test --test it fixtures::`.

use crate::common;

use espdump::analysis::inspect::{inspect, Options, RegionKind};
use espdump::testkit;

fn check(name: &str, built: Vec<u8>) {
    let path = common::fixture(name);
    if std::env::var_os("ESPDUMP_UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &built).unwrap();
    }
    let on_disk = std::fs::read(&path)
        .unwrap_or_else(|_| panic!("{} missing; regenerate the fixtures", path.display()));
    assert!(
        on_disk == built,
        "{name} differs from what src/testkit.rs builds; regenerate the fixtures"
    );
}

#[test]
fn fixtures_are_reproducible() {
    check("shelly1_stock_2MB.bin", testkit::shelly1_stock_dump());
    check(
        "tasmota_on_shelly_2MB.bin",
        testkit::tasmota_on_shelly_dump(),
    );
}

#[test]
fn shelly_fixture_inspects_as_stock_shelly() {
    let d = std::fs::read(common::fixture("shelly1_stock_2MB.bin")).unwrap();
    let r = inspect(&d, &Options::default()).unwrap();
    assert_eq!(r.firmware.kind.as_str(), "shelly");
    assert_eq!(r.firmware.version.as_deref(), Some("1.14.0"));
    assert_eq!(r.firmware.model.as_deref(), Some("SHSW-1"));
    assert_eq!(r.filesystems.len(), 2);
    assert_eq!(r.filesystems[0].live, Some(true));
    assert!(r.filesystems[0].deleted_pages_with_data > 0);
    let names: Vec<&str> = r.filesystems[0]
        .files
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        names,
        vec![
            "conf0.json",
            "hwinfo_struct.json",
            "passwd",
            "index.html.gz",
            "conf9.json"
        ]
    );
}

#[test]
fn tasmota_fixture_inspects_as_tasmota_with_leftovers() {
    let d = std::fs::read(common::fixture("tasmota_on_shelly_2MB.bin")).unwrap();
    let r = inspect(&d, &Options::default()).unwrap();
    assert_eq!(r.firmware.kind.as_str(), "tasmota");
    assert_eq!(r.firmware.version.as_deref(), Some("12.1.1.6"));
    assert_eq!(r.bootloader.kind.as_str(), "eboot");
    let s = r.settings.as_ref().unwrap();
    let copies: Vec<(u64, u32, bool)> = s
        .copies
        .iter()
        .map(|c| (c.offset, c.save_flag, c.newest))
        .collect();
    assert_eq!(
        copies,
        vec![
            (0xF9000, 11, false),
            (0xFA000, 12, true),
            (0xFB000, 10, false)
        ]
    );
    assert_eq!(s.qpc, vec![0xF3000]);
    let kind_at = |o: u64| {
        r.regions
            .iter()
            .find(|x| x.start <= o && o < x.end)
            .unwrap()
            .kind
    };
    assert_eq!(kind_at(0xFA000), RegionKind::Settings);
    assert_eq!(kind_at(0x108000), RegionKind::StaleImage);
    assert_eq!(kind_at(0x1BB000), RegionKind::Filesystem);
    assert_eq!(kind_at(0xFD000), RegionKind::Sdk);
    assert_eq!(kind_at(0x1FD000), RegionKind::Sdk);
    assert_eq!(r.sdk.len(), 2);
}
