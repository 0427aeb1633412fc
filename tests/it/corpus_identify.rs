//! Identification of the real corpus files whose firmware is clear from SOURCES.md.

use crate::common;

use espdump::analysis::inspect::{inspect, InspectReport, Options, RegionKind};

fn report(name: &str) -> InspectReport {
    inspect(&common::corpus_bytes(name), &Options::default()).unwrap()
}

/// (file, kind, version, model, bootloader kind, bootloader version)
type Expect = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
);

#[test]
fn firmware_kind_version_model_and_bootloader() {
    require_corpus!();
    let table: &[Expect] = &[
        (
            "tasmota_6.4.1_sonoff-minimal.bin",
            "tasmota",
            Some("6.4.1"),
            None,
            "eboot",
            None,
        ),
        (
            "tasmota_6.6.0_sonoff-basic.bin",
            "tasmota",
            Some("6.6.0"),
            None,
            "eboot",
            None,
        ),
        (
            "tasmota_8.1.0.2.bin",
            "tasmota",
            Some("8.1.0.2"),
            None,
            "eboot",
            None,
        ),
        (
            "tasmota_8.5.bin",
            "tasmota",
            Some("8.5.0"),
            None,
            "eboot",
            None,
        ),
        (
            "tasmota-lite_9.2.0.bin",
            "tasmota",
            Some("9.2.0"),
            None,
            "eboot",
            None,
        ),
        (
            "tasmota_12.x_20221124.bin",
            "tasmota",
            Some("12.1.1.6"),
            None,
            "eboot",
            None,
        ),
        (
            "tasmota-minimal_12.x_20221124.bin",
            "tasmota",
            Some("12.1.1.6"),
            None,
            "eboot",
            None,
        ),
        (
            "shelly_stock_SHSW-1_v1.14.0_2MB.bin",
            "shelly",
            Some("1.14.0"),
            Some("SHSW-1"),
            "rboot-mgos",
            Some("1.2.1-cesanta1"),
        ),
        (
            "shelly_stock_SHSW-25_v1.14.0_2MB.bin",
            "shelly",
            Some("1.14.0"),
            Some("SHSW-25"),
            "rboot-mgos",
            Some("1.2.1-cesanta1"),
        ),
        (
            "shelly_stock_SHSW-PM_v1.14.0_2MB.bin",
            "shelly",
            Some("1.14.0"),
            Some("SHSW-PM"),
            "rboot-mgos",
            Some("1.2.1-cesanta1"),
        ),
        (
            "shelly_stock_SHPLG-S_v1.14.0_2MB.bin",
            "shelly",
            Some("1.14.0"),
            Some("SHPLG-S"),
            "rboot-mgos",
            Some("1.2.1-cesanta1"),
        ),
        (
            "shelly_stock_dimmer2_v1.7_2MB.bin",
            "shelly",
            Some("1.7"),
            Some("SHDM-2"),
            "rboot-mgos",
            Some("1.2.1"),
        ),
        (
            "shelly_stock_dimmer2_v1.8.4_2MB.bin",
            "shelly",
            Some("1.8.4"),
            Some("SHDM-2"),
            "rboot-mgos",
            Some("1.2.1"),
        ),
        (
            "mgos2.19_512k_bootcfg0x1000.bin",
            "mongoose-os",
            Some("0.1.1-4"),
            None,
            "rboot-mgos",
            Some("1.2.1-cesanta1-yaourdt"),
        ),
        (
            "mgos2.19_512k_bootcfg0x7000.bin",
            "mongoose-os",
            Some("0.1.1-4"),
            None,
            "rboot-mgos",
            Some("1.2.1-cesanta1-yaourdt"),
        ),
        (
            "esphome_shelly-1-esp8266_2023-06.bin",
            "esphome",
            Some("2023.5.5"),
            None,
            "eboot",
            None,
        ),
        (
            "espurna_1.14.1_base-1MB.bin",
            "espurna",
            Some("1.14.1"),
            None,
            "eboot",
            None,
        ),
        (
            "micropython_1.22.1_ESP8266_GENERIC.bin",
            "micropython",
            Some("1.22.1"),
            None,
            "none",
            None,
        ),
        (
            "micropython_1.22.1_ESP8266_GENERIC-FLASH_1M.bin",
            "micropython",
            Some("1.22.1"),
            None,
            "none",
            None,
        ),
        (
            "micropython_1.9.4-113_combined_cloudmanager.bin",
            "micropython",
            Some("1.9.4-113-g7d86ac6c"),
            None,
            "none",
            None,
        ),
        (
            "circuitpython_3.0.0-beta.0-50_combined_cloudmanager.bin",
            "circuitpython",
            Some("3.0.0-beta.0-50-g9a6a5ea2d-dirty"),
            None,
            "none",
            None,
        ),
        (
            "esptool_test_nodemcu-master-7-modules-2017-01-19-integer.bin",
            "nodemcu",
            Some("1.5.4.1"),
            None,
            "none",
            None,
        ),
        (
            "nonos_at_user1.2048.new.5.bin",
            "esp-at",
            Some("1.7.6"),
            None,
            "none",
            None,
        ),
        (
            "nonos_at_user2.2048.new.5.bin",
            "esp-at",
            Some("1.7.6"),
            None,
            "none",
            None,
        ),
        (
            "nonos_at_nano_user1.1024.new.2.bin",
            "esp-at",
            Some("1.7.6"),
            None,
            "none",
            None,
        ),
        (
            "haa_fullhaaboot_4.3.1.bin",
            "haa",
            Some("4.3.1"),
            None,
            "rboot",
            Some("1.4.0"),
        ),
        (
            "sming_rgbww_0.3.1_rom0.bin",
            "sming",
            Some("1.2.0"),
            None,
            "none",
            None,
        ),
        (
            "esp-homekit_sonoff_gruppio_OFF.bin",
            "esp-open-rtos",
            None,
            None,
            "none",
            None,
        ),
        (
            "dump_tuya-switch_factory_1MB.bin",
            "tuya",
            Some("1.0.7"),
            None,
            "esp-sdk-boot",
            Some("1.7(5d6f877)"),
        ),
        (
            "dump_tuya-curtain-motor_stock_1MB.bin",
            "tuya",
            Some("3.1.1"),
            None,
            "esp-sdk-boot",
            Some("1.7(5d6f877)"),
        ),
        (
            "dump_tuya-thermostat-ME102H_stock_1MB.bin",
            "tuya",
            Some("3.1.4"),
            None,
            "esp-sdk-boot",
            Some("1.7(5d6f877)"),
        ),
        (
            "dump_sonoff-ewelink_stock_1MB.bin",
            "ewelink",
            Some("2.6.0"),
            None,
            "esp-sdk-boot",
            Some("1.7(5d6f877)"),
        ),
        (
            "wled_0.8.5_esp8266_apa102.bin",
            "wled",
            Some("0.8.5"),
            None,
            "eboot",
            None,
        ),
        (
            "supla_H801_v23.11.28.bin",
            "supla",
            Some("23.11.02-dev"),
            None,
            "eboot",
            None,
        ),
        (
            "dump_led-clock-303WIFILC01_arduino_1MB.bin",
            "arduino",
            None,
            None,
            "eboot",
            None,
        ),
        (
            "dump_esp01_arduino-over-at_1MB.bin",
            "arduino",
            None,
            None,
            "eboot",
            None,
        ),
        (
            "esptool_test_arduino_esp8266_deepsleep.bin",
            "arduino",
            None,
            None,
            "eboot",
            None,
        ),
        (
            "arduino_ledcontroller_lightwell_app.bin",
            "arduino",
            None,
            None,
            "eboot",
            None,
        ),
        (
            "dump_wifi-doorbell_factory_512KB.bin",
            "nonos-sdk",
            None,
            None,
            "none",
            None,
        ),
        (
            "esptool_test_sdk_4096_user1.bin",
            "nonos-sdk",
            None,
            None,
            "none",
            None,
        ),
        (
            "nonos_boot_v1.2.bin",
            "none",
            None,
            None,
            "esp-sdk-boot",
            Some("1.2"),
        ),
        (
            "nonos_boot_v1.6.bin",
            "none",
            None,
            None,
            "esp-sdk-boot",
            Some("1.6"),
        ),
        (
            "nonos_boot_v1.7.bin",
            "none",
            None,
            None,
            "esp-sdk-boot",
            Some("1.7(5d6f877)"),
        ),
        (
            "esptool_test_boot_v1.4b1.bin",
            "none",
            None,
            None,
            "esp-sdk-boot",
            Some("1.4(b1)"),
        ),
        (
            "esp-open-rtos_rboot_gruppio.bin",
            "none",
            None,
            None,
            "rboot",
            Some("1.4.0"),
        ),
        (
            "sming_rgbww_0.3.1_rboot.bin",
            "none",
            None,
            None,
            "rboot",
            Some("1.3.0"),
        ),
        (
            "sming_rgbww_webapp0.3.3_spiffs.bin",
            "none",
            None,
            None,
            "none",
            None,
        ),
        (
            "arduino_ledcontroller_lightwell_littlefs_1000K.bin",
            "none",
            None,
            None,
            "none",
            None,
        ),
        ("nonos_blank.bin", "none", None, None, "none", None),
    ];
    let mut bad = Vec::new();
    for (file, kind, version, model, bkind, bversion) in table {
        let r = report(file);
        let got = (
            r.firmware.kind.as_str(),
            r.firmware.version.as_deref(),
            r.firmware.model.as_deref(),
            r.bootloader.kind.as_str(),
            r.bootloader.version.as_deref(),
        );
        if got != (*kind, *version, *model, *bkind, *bversion) {
            bad.push(format!("{file}: got {got:?}"));
        }
        if *kind != "none" && *kind != "unknown" {
            assert!(!r.firmware.evidence.is_empty(), "{file}: no evidence");
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn dimmer2_ota_dumps_show_the_active_slot() {
    require_corpus!();
    let old = report("shelly_stock_dimmer2_v1.7_2MB.bin");
    let new = report("shelly_stock_dimmer2_v1.8.4_2MB.bin");
    assert_eq!(old.boot_config.as_ref().unwrap().offset, 0x7000);
    assert_eq!(old.boot_config.as_ref().unwrap().current_rom, 0);
    assert_eq!(new.boot_config.as_ref().unwrap().current_rom, 1);
    assert_eq!(old.firmware.app_offset, Some(0x8000));
    assert_eq!(new.firmware.app_offset, Some(0x108000));
    let app = |r: &InspectReport| {
        r.regions
            .iter()
            .filter(|x| x.kind == RegionKind::App)
            .map(|x| x.start)
            .collect::<Vec<_>>()
    };
    assert_eq!(app(&old), vec![0x8000]);
    assert_eq!(app(&new), vec![0x108000]);
    // The SDK tail: flag names copy 1, both checksums valid.
    let t = &new.sdk[0];
    assert_eq!(
        (t.flash_size, t.flag.as_ref().unwrap().current),
        (0x200000, 1)
    );
    assert!(t.copies.iter().all(|c| c.checksum.unwrap().valid));
}

#[test]
fn regions_partition_every_corpus_file() {
    require_corpus!();
    for path in common::corpus_bins() {
        let data = std::fs::read(&path).unwrap();
        let r = inspect(&data, &Options::default()).unwrap();
        let mut pos = 0;
        for reg in &r.regions {
            assert_eq!(
                reg.start,
                pos,
                "{}: gap/overlap at 0x{pos:x}",
                path.display()
            );
            assert!(reg.end > reg.start);
            pos = reg.end;
        }
        assert_eq!(pos, data.len() as u64, "{}", path.display());
    }
}

#[test]
fn stale_images_and_false_magic() {
    require_corpus!();
    // The ESP-01 dump keeps a stale AT user2 image at 0x81000 behind an Arduino sketch.
    let r = report("dump_esp01_arduino-over-at_1MB.bin");
    let stale: Vec<_> = r
        .images
        .iter()
        .filter(|i| i.role == "stale")
        .map(|i| i.offset)
        .collect();
    assert_eq!(stale, vec![0x81000]);
    // 0xE9/0xEA bytes on sector boundaries inside code are not images.
    for f in [
        "micropython_1.22.1_ESP8266_GENERIC.bin",
        "circuitpython_3.0.0-beta.0-50_combined_cloudmanager.bin",
    ] {
        let r = report(f);
        assert!(
            r.images.iter().all(|i| i.role != "stale"),
            "{f}: {:?}",
            r.images
        );
    }
}

#[test]
fn arduino_core3_checksum_quirk_is_reported_not_rejected() {
    require_corpus!();
    let r = report("esphome_shelly-1-esp8266_2023-06.bin");
    let app = r.images.iter().find(|i| i.offset == 0x1000).unwrap();
    assert_eq!(
        (
            app.checksum.stored,
            app.checksum.computed,
            app.checksum.valid
        ),
        (0x4c, 0x37, false)
    );
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "image_checksum_mismatch" && f.offset == Some(0x1000)));
}

#[test]
fn v2_crc_trailer_on_sdk_user_bins() {
    require_corpus!();
    let r = report("nonos_at_user1.2048.new.5.bin");
    let crc = r.images[0].crc32.unwrap();
    assert!(crc.valid);
    assert_eq!(r.images[0].end, 446196);
    // Mongoose OS images carry no trailer.
    let r = report("shelly_stock_SHSW-1_v1.14.0_2MB.bin");
    assert!(r
        .images
        .iter()
        .filter(|i| i.image_version == 2)
        .all(|i| i.crc32.is_none()));
}

#[test]
fn shelly_filesystems_are_listed_with_the_live_slot() {
    require_corpus!();
    let r = report("shelly_stock_dimmer2_v1.8.4_2MB.bin");
    type Row<'a> = (u64, &'a str, Option<u8>, Option<bool>, usize);
    let fs: Vec<Row> = r
        .filesystems
        .iter()
        .map(|f| (f.start, f.fs_type, f.slot, f.live, f.files.len()))
        .collect();
    assert_eq!(
        fs,
        vec![
            (0xBB000, "spiffs", Some(0), Some(false), 10),
            (0x1BB000, "spiffs", Some(1), Some(true), 12)
        ]
    );
    let live: Vec<&str> = r.filesystems[1]
        .files
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    for name in ["conf0.json", "conf9.json", "hwinfo_struct.json", "passwd"] {
        assert!(live.contains(&name), "{live:?}");
    }
    let region = r.regions.iter().find(|x| x.start == 0x1BB000).unwrap();
    assert_eq!(
        (region.end, region.kind),
        (0x1FB000, RegionKind::Filesystem)
    );
}
