//! Synthetic dumps and images, built from scratch for tests, fixtures and benchmarks.
//!
//! Nothing here is copied from a real device: code bytes are pseudo-random, strings are the
//! public format strings firmware carries, and every credential is fake. `fixtures/` is generated
//! from these builders (see `fixtures/README.md`).

use crate::formats::flash::{ERASED, SECTOR_SIZE};
use crate::formats::image::consts as ic;
use crate::formats::image::{v2_crc_transform, xor_checksum};
use crate::formats::sdk as sc;

/// Deterministic pseudo-random bytes (xorshift), standing in for machine code.
pub fn filler(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 11) as u8
        })
        .collect()
}

/// Code bytes with `strings` embedded (NUL-terminated) at the start, then filler.
pub fn code_with_strings(seed: u32, len: usize, strings: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::new();
    for s in strings {
        v.extend_from_slice(s);
        v.push(0);
    }
    let rest = len.saturating_sub(v.len());
    v.extend(filler(seed, rest));
    v.truncate(len.max(v.len()));
    v
}

fn push_segments(v: &mut Vec<u8>, segments: &[(u32, &[u8])]) {
    for (addr, data) in segments {
        v.extend_from_slice(&addr.to_le_bytes());
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
    }
}

fn finish_checksum(v: &mut Vec<u8>, image_start: usize, segments: &[(u32, &[u8])]) {
    let ck_off = image_start + ((v.len() - image_start) | ic::CHECKSUM_ALIGN_MASK);
    v.resize(ck_off, 0);
    v.push(xor_checksum(segments.iter().map(|(_, d)| *d)));
}

/// A v1 image with a valid checksum.
pub fn v1_image(entry: u32, mode: u8, size_freq: u8, segments: &[(u32, &[u8])]) -> Vec<u8> {
    let mut v = vec![ic::MAGIC_V1, segments.len() as u8, mode, size_freq];
    v.extend_from_slice(&entry.to_le_bytes());
    push_segments(&mut v, segments);
    finish_checksum(&mut v, 0, segments);
    v
}

/// A v2 image: IROM block padded to `irom_align` (16 for esptool, 4096 for esptool2), an inner v1
/// image, and a CRC32 trailer when `crc` is set (SDK gen_appbin style).
pub fn v2_image(
    entry: u32,
    outer: [u8; 2],
    irom: &[u8],
    irom_align: usize,
    segments: &[(u32, &[u8])],
    crc: bool,
) -> Vec<u8> {
    let irom_len = irom.len().next_multiple_of(irom_align.max(16));
    let mut v = vec![ic::MAGIC_V2, ic::V2_BYTE1, outer[0], outer[1]];
    v.extend_from_slice(&entry.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    v.extend_from_slice(&(irom_len as u32).to_le_bytes());
    v.extend_from_slice(irom);
    v.resize(16 + irom_len, 0);
    v.extend_from_slice(&[ic::MAGIC_V1, segments.len() as u8, outer[0], outer[1]]);
    v.extend_from_slice(&entry.to_le_bytes());
    push_segments(&mut v, segments);
    finish_checksum(&mut v, 0, segments);
    if crc {
        let c = v2_crc_transform(crc32fast::hash(&v));
        v.extend_from_slice(&c.to_le_bytes());
    }
    v
}

/// An eboot-like loader (IRAM at 0x4010F000, the eboot strings in DRAM) padded with 0xAA to 4 KiB.
pub fn eboot(mode: u8, size_freq: u8) -> Vec<u8> {
    let rodata = code_with_strings(1, 0x28, &[b"v%08x\n", b"cp:", b"ld\n", b"e:%d\n"]);
    let text = filler(2, 0xD84);
    let mut v = v1_image(
        0x4010_F494,
        mode,
        size_freq,
        &[(0x4010_F000, &text), (0x3FFF_20B8, &rodata)],
    );
    v.resize(SECTOR_SIZE, ic::EBOOT_PAD);
    v
}

/// A Mongoose OS rBoot-like loader (banner and the mOS-only strings).
pub fn rboot_mgos(mode: u8, size_freq: u8) -> Vec<u8> {
    let dram = code_with_strings(
        3,
        0x2EC,
        &[
            b"\r\nrBoot v1.2.1-cesanta1 - richardaburton@gmail.com\r\n",
            b"First boot, attempt %d",
            b"Boot is unconfirmed",
            b"Boot failed, fallback to fw #%d",
        ],
    );
    let text = filler(4, 0x600);
    v1_image(
        0x4010_05E8,
        mode,
        size_freq,
        &[(0x4010_0000, &text), (0x3FFE_8000, &dram)],
    )
}

/// The 80-byte Mongoose OS rBoot config.
pub fn mgos_config(
    current: u8,
    roms: [u32; 2],
    rom_sizes: [u32; 2],
    fs: [u32; 2],
    fs_sizes: [u32; 2],
) -> Vec<u8> {
    let mut v = vec![0xE1, 0x01, 0x00, current, 0x00, 2, 0, 0, 0, 0, 0, 0];
    for w in [
        roms[0],
        roms[1],
        0,
        0,
        rom_sizes[0],
        rom_sizes[1],
        0,
        0,
        fs[0],
        fs[1],
        0,
        0,
        fs_sizes[0],
        fs_sizes[1],
        0,
        0,
        0,
    ] {
        v.extend_from_slice(&w.to_le_bytes());
    }
    v
}

/// The SDK's esp_init_data_default (v08 pattern) in its 128 bytes.
pub fn phy_init_data() -> Vec<u8> {
    let mut v = vec![
        0x05, 0x08, 0x04, 0x02, 0x05, 0x05, 0x05, 0x02, 0x05, 0x00, 0x04, 0x05, 0x05, 0x04, 0x05,
        0x05, 0x04, 0xFE, 0xFD, 0xFF, 0xF0, 0xF0, 0xF0, 0xE0, 0xE0, 0xE0, 0xE1, 0x0A, 0xFF, 0xFF,
        0xF8, 0x00,
    ];
    v.resize(sc::PHY_INIT_LEN, 0);
    v[107] = 33;
    v[114] = 1;
    v
}

/// Station and softAP settings for [`sdk_tail`].
#[derive(Debug, Clone, Default)]
pub struct SdkParams<'a> {
    /// Station SSID.
    pub sta_ssid: &'a [u8],
    /// Station password.
    pub sta_password: &'a [u8],
    /// softAP SSID (empty: `ESP_` + MAC tail).
    pub ap_ssid: &'a [u8],
    /// Stored station MAC.
    pub mac: [u8; 6],
    /// Arduino core layout: RF cal at size − 0x4000, no PHY init data, EEPROM below (untouched).
    pub arduino_layout: bool,
}

/// Write the SDK tail for `flash_size` into `dump`: RF cal blob, PHY init, parameters in copy
/// `current` (the other copy holds an older save with the same SSID), flag sector.
pub fn sdk_tail(dump: &mut [u8], flash_size: usize, p: &SdkParams, current: u8) {
    if p.arduino_layout {
        let rf = flash_size - sc::PHY_FROM_END;
        dump[rf..rf + 0x274].copy_from_slice(&filler(99, 0x274));
    } else {
        let rf = flash_size - sc::RF_CAL_FROM_END;
        dump[rf..rf + 0x274].copy_from_slice(&filler(99, 0x274));
        let phy = flash_size - sc::PHY_FROM_END;
        dump[phy..phy + sc::PHY_INIT_LEN].copy_from_slice(&phy_init_data());
    }
    let mut block = vec![0u8; sc::PARAM_BLOCK_LEN];
    block[0] = 0x04;
    block[1] = 0x07;
    block[sc::OFF_OPMODE] = 1;
    let put = |b: &mut Vec<u8>, off: usize, s: &[u8]| b[off..off + s.len()].copy_from_slice(s);
    put(
        &mut block,
        sc::OFF_STA_SSID_LEN,
        &(p.sta_ssid.len() as u32).to_le_bytes(),
    );
    put(&mut block, sc::OFF_STA_SSID, p.sta_ssid);
    put(&mut block, sc::OFF_STA_PASSWORD, p.sta_password);
    let ap_default = format!("ESP_{:02X}{:02X}{:02X}", p.mac[3], p.mac[4], p.mac[5]);
    let ap: &[u8] = if p.ap_ssid.is_empty() {
        ap_default.as_bytes()
    } else {
        p.ap_ssid
    };
    put(
        &mut block,
        sc::OFF_AP_SSID_LEN,
        &(ap.len() as u32).to_le_bytes(),
    );
    put(&mut block, sc::OFF_AP_SSID, ap);
    block[sc::OFF_AP_CHANNEL] = 1;
    put(
        &mut block,
        sc::OFF_AP_RECORDS,
        &(p.sta_ssid.len() as u32).to_le_bytes(),
    );
    put(&mut block, sc::OFF_AP_RECORDS + 4, p.sta_ssid);
    put(&mut block, sc::OFF_AP_RECORDS + 36, p.sta_password);
    put(&mut block, sc::OFF_STA_MAC, &p.mac);
    let mut older = block.clone();
    older[sc::OFF_STA_PASSWORD..sc::OFF_STA_PASSWORD + 64].fill(0);
    older[sc::OFF_STA_PASSWORD..sc::OFF_STA_PASSWORD + 9].copy_from_slice(b"oldsecret");
    let copies = if current == 0 {
        [&block, &older]
    } else {
        [&older, &block]
    };
    let mut checks = [0u32; 2];
    for (i, c) in copies.iter().enumerate() {
        let at = flash_size
            - if i == 0 {
                sc::PARAM0_FROM_END
            } else {
                sc::PARAM1_FROM_END
            };
        dump[at..at + SECTOR_SIZE].fill(ERASED);
        dump[at..at + c.len()].copy_from_slice(c);
        checks[i] = crate::formats::sdk::param_checksum(c, sc::PARAM_CHECKSUM_LEN as usize);
    }
    let f = flash_size - sc::FLAG_FROM_END;
    let flag = crate::formats::sdk::RawFlag {
        flag: current,
        pad: [ERASED; 3],
        counter: 5,
        lengths: [sc::PARAM_CHECKSUM_LEN; 2],
        checksums: checks,
        magic2: sc::FLAG_MAGIC2,
    };
    dump[f..f + SECTOR_SIZE].fill(ERASED);
    let mut w = std::io::Cursor::new(&mut dump[f..f + SECTOR_SIZE]);
    binrw::BinWrite::write(&flag, &mut w).expect("a flag sector fits in a sector");
}

/// An erased flash of `size` bytes.
pub fn erased(size: usize) -> Vec<u8> {
    vec![ERASED; size]
}

/// Copy `bytes` into `dump` at `at`.
pub fn put(dump: &mut [u8], at: usize, bytes: &[u8]) {
    dump[at..at + bytes.len()].copy_from_slice(bytes);
}

/// A stock Shelly-like Mongoose OS app image (v2, esptool2 style, no CRC) for `model`/`version`,
/// with the strings espdump's identification looks for.
pub fn shelly_app(model: &str, build_id: &str, seed: u32, irom_len: usize) -> Vec<u8> {
    let announce = format!(",longid:%d\0{model}\0shellies/%s/announce");
    let irom = code_with_strings(
        seed,
        irom_len,
        &[
            b"3.0.6-dev(865fa65)",
            b"{type:%Q,mac:%Q,auth:%B,fw:%Q",
            announce.as_bytes(),
            b"1.0",
            b"2023-09-13T11:20:03Z",
            build_id.as_bytes(),
        ],
    );
    let text = filler(seed + 1, 0x7564);
    let data = filler(seed + 2, 0x6D4);
    v2_image(
        0x4010_027C,
        [0xFF, 0xF0],
        &irom,
        SECTOR_SIZE,
        &[
            (0x4010_0000, &text),
            (0x3FFE_8000, &data),
            (0x3FFE_86D4, &[0u8; 8]),
        ],
        false,
    )
}

/// An Arduino sketch image (v1, IROM first at 0x40201010) carrying `strings`.
pub fn arduino_sketch(
    strings: &[&[u8]],
    seed: u32,
    irom_len: usize,
    mode: u8,
    size_freq: u8,
) -> Vec<u8> {
    let mut irom = vec![0u8; 8]; // __crc_len / __crc_val, filled by `arduino_crc_patch`
    irom.extend(code_with_strings(seed, irom_len, strings));
    let text = filler(seed + 1, 0x7400);
    let data = filler(seed + 2, 0x588);
    v1_image(
        0x4010_00E0,
        mode,
        size_freq,
        &[
            (0x4020_1010, &irom),
            (0x4010_0000, &text),
            (0x3FFE_8000, &data),
        ],
    )
}

/// The fake MAC of the synthetic fixtures' donor unit.
pub const FIXTURE_MAC: [u8; 6] = [0x5C, 0xCF, 0x7F, 0xA1, 0xB2, 0xC3];

fn spiffs_with(
    dump: &mut [u8],
    start: usize,
    len: usize,
    files: &[(&str, Vec<u8>)],
    deleted: &[(&str, Vec<u8>)],
) {
    let info = crate::formats::fs::spiffs::mongoose_info(start, len);
    let img = crate::formats::fs::spiffs::format(&info).expect("SPIFFS geometry");
    put(dump, start, &img);
    for (name, content) in deleted {
        crate::formats::fs::spiffs::write_file(dump, &info, name, content).expect("write");
        crate::formats::fs::spiffs::delete_file(dump, &info, name).expect("delete");
    }
    for (name, content) in files {
        crate::formats::fs::spiffs::write_file(dump, &info, name, content).expect("write");
    }
}

fn shelly_conf0(model_prefix: &str) -> Vec<u8> {
    format!(
        r#"{{"device":{{"id":"{model_prefix}-??????","mac":"","password":""}},"wifi":{{"ap":{{"enable":true,"ssid":"{model_prefix}-??????","pass":"","hostname":""}},"sta":{{"enable":false,"ssid":"","pass":""}}}},"mqtt":{{"enable":false,"server":"192.168.33.3:1883","client_id":"","user":"","pass":"","will_topic":""}},"login":{{"enabled":false,"username":"admin","password":"admin"}},"cloud":{{"enabled":true}},"sntp":{{"server":"time.google.com"}},"max_power":3500,"k_apparent":1750000}}"#
    )
    .into_bytes()
}

fn shelly_conf9(id: &str, ssid: &str, pass: &str, mqtt_pass: &str) -> Vec<u8> {
    format!(
        "{{\n  \"device\": {{\"id\": \"{id}\"}},\n  \"wifi\": {{\n    \"ap\": {{\"enable\": false, \"ssid\": \"{id}\", \"hostname\": \"{id}\"}},\n    \"sta\": {{\"enable\": true, \"ssid\": \"{ssid}\", \"pass\": \"{pass}\"}}\n  }},\n  \"mqtt\": {{\"enable\": true, \"server\": \"broker.example.invalid:1883\", \"user\": \"fake-mqtt-user\", \"pass\": \"{mqtt_pass}\", \"id\": \"{id}\", \"will_topic\": \"shellies/{id}/online\"}},\n  \"login\": {{\"enabled\": true, \"username\": \"admin\", \"password\": \"fake-login-pw\"}},\n  \"dns_sd\": {{\"host_name\": \"{id}\"}},\n  \"first_boot\": false\n}}\n"
    )
    .into_bytes()
}

const HWINFO: &[u8] = br#"{"longid":1,"selftest":true,"hwinfo_ver":1,"batch_id":1,"model":"shelly1","hw_revision":"prod-20190101","manufacturer":"Allterco"}"#;

/// The SDK tail as stock Shelly firmware leaves it: fake station credentials, the softAP named
/// after the device id, the fixture MAC, copy 1 current.
fn stock_sdk_tail(d: &mut [u8], size: usize, id: &str) {
    sdk_tail(
        d,
        size,
        &SdkParams {
            sta_ssid: b"FakeHomeNet",
            sta_password: b"fake-wifi-pass",
            ap_ssid: id.as_bytes(),
            mac: FIXTURE_MAC,
            arduino_layout: false,
        },
        1,
    );
}

/// A stock Shelly 1 after an OTA, as `esptool read_flash 0 0x200000` would back it up: Mongoose OS
/// rBoot, config at 0x1000 naming slot 0 (v1.14.0), the previous firmware (v1.12.1) in slot 1,
/// both SPIFFS file systems with fake user config, deleted pages still holding an old password,
/// and the SDK tail with fake Wi-Fi credentials and the fake MAC [`FIXTURE_MAC`].
pub fn shelly1_stock_dump() -> Vec<u8> {
    let size = 0x20_0000;
    let mut d = erased(size);
    put(&mut d, 0, &rboot_mgos(2, 0x30));
    let app0 = shelly_app("SHSW-1", "20230913-112003/v1.14.0-gcb84623", 11, 0x4_0000);
    let app1 = shelly_app("SHSW-1", "20221027-091427/v1.12.1-ga9117d3", 21, 0x3_C000);
    put(
        &mut d,
        0x1000,
        &mgos_config(
            0,
            [0x8000, 0x10_8000],
            [app0.len() as u32, app1.len() as u32],
            [0xBB000, 0x1BB000],
            [0x40000, 0x40000],
        ),
    );
    put(&mut d, 0x8000, &app0);
    put(&mut d, 0x10_8000, &app1);
    let id = format!("shelly1-{}", hex::encode_upper(FIXTURE_MAC));
    let common = |conf9: Vec<u8>| {
        vec![
            ("conf0.json", shelly_conf0("shelly1")),
            ("hwinfo_struct.json", HWINFO.to_vec()),
            (
                "passwd",
                b"admin:Shelly:0123456789abcdef0123456789abcdef\n".to_vec(),
            ),
            ("index.html.gz", filler(31, 3000)),
            ("conf9.json", conf9),
        ]
    };
    // Both file systems hold the current configuration; the first also a deleted older one.
    let current = common(shelly_conf9(
        &id,
        "FakeHomeNet",
        "fake-wifi-pass",
        "fake-mqtt-pass",
    ));
    spiffs_with(
        &mut d,
        0xBB000,
        0x40000,
        &current,
        &[(
            "conf9_backup.json",
            shelly_conf9(
                &id,
                "FakeHomeNet",
                "old-fake-wifi-pass",
                "old-fake-mqtt-pass",
            ),
        )],
    );
    spiffs_with(&mut d, 0x1BB000, 0x40000, &current, &[]);
    stock_sdk_tail(&mut d, size, &id);
    d
}

/// Tasmota 12.1.1.6 (1 MB build) on a 2 MiB Shelly after a conversion from stock: eboot and the
/// sketch at 0x1000 (header says 1 MB, DOUT), settings ring with three copies and the EEPROM slot
/// (fake credentials), a quick power-cycle sector, the SDK tail at 1 MB, and the stock firmware's
/// leftovers above 1 MiB (slot 1 image, SPIFFS with conf9.json, the old SDK tail at 2 MiB).
pub fn tasmota_on_shelly_dump() -> Vec<u8> {
    let size = 0x20_0000;
    let mut d = erased(size);
    put(&mut d, 0, &eboot(3, 0x20));
    let marker: &[u8] = &[
        0xA5, 0x5A, 0xA5, 0x5A, 0x06, 0x01, 0x01, 0x0C, 0x5A, 0xA5, 0x5A, 0xA5,
    ];
    let sketch = arduino_sketch(
        &[
            b"Tasmota",
            b"DVES_%06X",
            b"%prefix%/%topic%/",
            b"http://ota.tasmota.com/tasmota/release/tasmota.bin.gz",
            b"2.2.2-dev(38a443e)",
            marker,
        ],
        41,
        0x6_0000,
        3,
        0x20,
    );
    put(&mut d, 0x1000, &sketch);
    let tail = format!(
        "{:02X}{:02X}{:02X}",
        FIXTURE_MAC[3], FIXTURE_MAC[4], FIXTURE_MAC[5]
    );
    let settings =
        |save: u32, wifi: &str, mqtt: &str| tasmota_fixture_settings(&tail, save, wifi, mqtt);
    put(
        &mut d,
        0xFB000,
        &settings(10, "fake-wifi-pass", "fake-mqtt-pass"),
    );
    put(
        &mut d,
        0xFA000,
        &settings(12, "fake-wifi-pass", "fake-mqtt-pass"),
    );
    put(
        &mut d,
        0xF9000,
        &settings(11, "older-fake-wifi-pass", "fake-mqtt-pass"),
    );
    put(
        &mut d,
        0xF3000,
        &crate::formats::tasmota::builder::qpc_sector(2),
    );
    sdk_tail(
        &mut d,
        0x10_0000,
        &SdkParams {
            sta_ssid: b"FakeHomeNet",
            sta_password: b"fake-wifi-pass",
            ap_ssid: b"",
            mac: FIXTURE_MAC,
            arduino_layout: true,
        },
        0,
    );
    stock_leftovers_above_1m(&mut d, size);
    d
}

/// One Tasmota 12.1.1.6 settings copy of the conversion fixture (fake credentials; `tail` is the
/// MAC's last three bytes in hex, as Tasmota derives names from it).
fn tasmota_fixture_settings(tail: &str, save: u32, wifi: &str, mqtt: &str) -> [u8; 4096] {
    use crate::formats::tasmota::{build_settings, FieldValue};
    let s = |x: &str| FieldValue::Str(x.to_string());
    let fields = vec![
        ("sta_ssid", 0, s("FakeHomeNet")),
        ("sta_pwd", 0, s(wifi)),
        ("hostname", 0, s(&format!("tasmota-{tail}-0451"))),
        ("mqtt_host", 0, s("broker.example.invalid")),
        ("mqtt_user", 0, s("fake-mqtt-user")),
        ("mqtt_pwd", 0, s(mqtt)),
        ("mqtt_topic", 0, s(&format!("tasmota_{tail}"))),
        ("mqtt_client", 0, s(&format!("DVES_{tail}"))),
        ("friendlyname", 0, s("Fixture Relay")),
        ("devicename", 0, s("Fixture Shelly")),
        ("web_password", 0, s("fake-web-pass")),
        ("energy_power_calibration", 0, FieldValue::Int(1540)),
        ("bootcount", 0, FieldValue::Int(17)),
    ];
    build_settings(0x0C01_0106, save, &fields).expect("settings")
}

/// What a stock Shelly firmware leaves above 1 MiB after a conversion to a 1 MB Tasmota build:
/// the slot 1 image, SPIFFS with conf9.json, and its SDK tail at the end of the 2 MiB flash.
fn stock_leftovers_above_1m(d: &mut [u8], size: usize) {
    // Leftovers of the stock firmware above 1 MiB.
    let id = format!("shelly1-{}", hex::encode_upper(FIXTURE_MAC));
    put(
        d,
        0x10_8000,
        &shelly_app("SHSW-1", "20230913-112003/v1.14.0-gcb84623", 51, 0x3_0000),
    );
    spiffs_with(
        d,
        0x1BB000,
        0x40000,
        &[
            ("conf0.json", shelly_conf0("shelly1")),
            ("hwinfo_struct.json", HWINFO.to_vec()),
            (
                "conf9.json",
                shelly_conf9(&id, "FakeHomeNet", "fake-wifi-pass", "fake-mqtt-pass"),
            ),
        ],
        &[],
    );
    // The 0x1FB000 tail as the stock firmware left it.
    stock_sdk_tail(d, size, &id);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::image::parse;

    #[test]
    fn built_images_parse_with_valid_checksums() {
        let v1 = v1_image(
            0x4010_0004,
            2,
            0x30,
            &[
                (0x4010_0000, &filler(1, 0x40)),
                (0x3FFE_8000, &[1, 2, 3, 4]),
            ],
        );
        let i = parse(&v1, 0).unwrap();
        assert!(i.checksum.valid && i.end == v1.len());
        let v2 = v2_image(
            0x4010_0004,
            [0, 1],
            &filler(5, 100),
            16,
            &[(0x4010_0000, &filler(6, 64))],
            true,
        );
        let i = parse(&v2, 0).unwrap();
        assert!(i.checksum.valid);
        assert!(i.v2.as_ref().unwrap().crc32.unwrap().valid);
        assert_eq!(i.end, v2.len());
        let app = shelly_app("SHSW-1", "20230913-112003/v1.14.0-gcb84623", 7, 0x2000);
        let i = parse(&app, 0).unwrap();
        assert!(i.checksum.valid && i.v2.as_ref().unwrap().crc32.is_none());
        assert_eq!(eboot(3, 0x20).len(), 0x1000);
    }
}
