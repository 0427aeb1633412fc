//! Every ESP8266 magic number espdump uses, named once, with where it comes from.
//!
//! Sources: espressif/esptool `esptool/bin_image.py`, `esptool/targets/esp8266.py`;
//! espressif/ESP8266_NONOS_SDK `tools/gen_appbin.py`, `include/user_interface.h`;
//! raburton/rboot `rboot.h`; cesanta/mongoose-os `platforms/esp8266/rboot/rboot/rboot.h`;
//! esp8266/Arduino `tools/elf2bin.py`, `bootloaders/eboot`; arendst/Tasmota `settings.ino`;
//! littlefs `SPEC.md`; SPIFFS `spiffs_nucleus.h`. Byte-level notes: `shared/reference/*.md`.

/// Flash erase unit (one sector).
pub const SECTOR_SIZE: usize = 0x1000;
/// Value of erased NOR flash.
pub const ERASED: u8 = 0xFF;
/// Seed of the ESP8266 XOR checksum: image segment data (esptool `ESP_CHECKSUM_MAGIC`), the
/// SDK's system-parameter copies, and the data of the serial `*_DATA` commands.
pub const XOR_CHECKSUM_SEED: u8 = 0xEF;

/// Firmware image formats (esptool `bin_image.py`).
pub mod image {
    /// Magic byte of a v1 (ROM) image.
    pub const MAGIC_V1: u8 = 0xE9;
    /// Magic byte of a v2 (OTA, IROM-first) image.
    pub const MAGIC_V2: u8 = 0xEA;
    /// Byte 1 of a v2 image: a constant, not a count.
    pub const V2_BYTE1: u8 = 0x04;
    /// Length of the image header.
    pub const HEADER_LEN: usize = 8;
    /// Segment header length (load address + length).
    pub const SEGMENT_HEADER_LEN: usize = 8;
    /// Most segments esptool accepts.
    pub const MAX_SEGMENTS: u8 = 16;
    /// The checksum byte sits at the last byte of a 16-byte block: `end | 0x0F`.
    pub const CHECKSUM_ALIGN_MASK: usize = 0x0F;
    /// Segments longer than this make esptool warn ("Suspicious segment").
    pub const SUSPICIOUS_SEGMENT_LEN: u32 = 0x10000;
    /// Start of the flash-mapped IROM window.
    pub const IROM_START: u32 = 0x4020_0000;
    /// End (exclusive) of the IROM window.
    pub const IROM_END: u32 = 0x4030_0000;
    /// Start of IRAM.
    pub const IRAM_START: u32 = 0x4010_0000;
    /// End (exclusive) of the IRAM the loaders use (IRAM + cache area).
    pub const IRAM_END: u32 = 0x4011_0000;
    /// End (exclusive) of IRAM proper (esptool's IRAM map entry).
    pub const IRAM_PROPER_END: u32 = 0x4010_8000;
    /// Start of DRAM.
    pub const DRAM_START: u32 = 0x3FFE_8000;
    /// End (exclusive) of DRAM.
    pub const DRAM_END: u32 = 0x4000_0000;
    /// Arduino eboot loads its `.text` here (top of IRAM cache area).
    pub const EBOOT_TEXT_MIN: u32 = 0x4010_F000;
    /// Arduino sketches keep `__crc_len` here (flash offset of the IROM segment data).
    pub const ARDUINO_CRC_LEN_OFFSET: usize = 0x1010;
    /// Arduino sketches keep `__crc_val` here.
    pub const ARDUINO_CRC_VAL_OFFSET: usize = 0x1014;
    /// Arduino `.bin` files pad eboot with this byte up to 0x1000.
    pub const EBOOT_PAD: u8 = 0xAA;
    /// gzip magic of a compressed OTA upload staged in flash.
    pub const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];
}

/// Flash size codes (byte 3 high nibble) and frequency codes (low nibble).
pub mod flash {
    /// (code, esptool name, bytes) for every known size code.
    pub const SIZES: &[(u8, &str, u32)] = &[
        (0x0, "512KB", 512 * 1024),
        (0x1, "256KB", 256 * 1024),
        (0x2, "1MB", 1024 * 1024),
        (0x3, "2MB", 2 * 1024 * 1024),
        (0x4, "4MB", 4 * 1024 * 1024),
        (0x5, "2MB-c1", 2 * 1024 * 1024),
        (0x6, "4MB-c1", 4 * 1024 * 1024),
        (0x8, "8MB", 8 * 1024 * 1024),
        (0x9, "16MB", 16 * 1024 * 1024),
    ];
    /// (code, esptool name) for every known frequency code.
    pub const FREQS: &[(u8, &str)] = &[(0x0, "40m"), (0x1, "26m"), (0x2, "20m"), (0xF, "80m")];
    /// (code, esptool name) for every known SPI mode.
    pub const MODES: &[(u8, &str)] = &[(0, "QIO"), (1, "QOUT"), (2, "DIO"), (3, "DOUT")];
    /// Smallest real ESP8266 flash.
    pub const MIN_FLASH: usize = 512 * 1024;
    /// Largest ESP8266 flash.
    pub const MAX_FLASH: usize = 16 * 1024 * 1024;
}

/// Boot loaders at offset 0 (reference `esp8266-layout.md` §3).
pub mod boot {
    /// rBoot config magic (byte 0).
    pub const RBOOT_CONFIG_MAGIC: u8 = 0xE1;
    /// rBoot config version (byte 1).
    pub const RBOOT_CONFIG_VERSION: u8 = 0x01;
    /// rBoot config sector (raburton, Shelly 1/1PM/2/2.5).
    pub const RBOOT_CONFIG_ADDR: usize = 0x1000;
    /// Mongoose OS rBoot config on Plug S, Dimmer and later lines.
    pub const RBOOT_CONFIG_ADDR_MGOS_ALT: usize = 0x7000;
    /// Slots in an rBoot config (`MAX_ROMS`).
    pub const RBOOT_MAX_ROMS: usize = 4;
    /// Length of the Mongoose OS rBoot config struct.
    pub const RBOOT_MGOS_CONFIG_LEN: usize = 0x50;
    /// Length of raburton's rBoot config struct (with the optional checksum byte).
    pub const RBOOT_CONFIG_LEN: usize = 0x19;
    /// SDK boot_v1.x version banner.
    pub const SDK_BOOT_BANNER: &[u8] = b"2nd boot version : ";
    /// rBoot banner prefix.
    pub const RBOOT_BANNER: &[u8] = b"rBoot v";
    /// Strings only the Mongoose OS rBoot carries.
    pub const RBOOT_MGOS_MARKERS: &[&[u8]] = &[b"First boot, attempt", b"Boot is unconfirmed"];
    /// Mongoose OS app slots on a 2 MiB flash (used when the rBoot config is erased).
    pub const MGOS_DEFAULT_SLOTS: [usize; 2] = [0x8000, 0x10_8000];
    /// raburton rBoot's default ROM 0 when it writes a fresh config.
    pub const RBOOT_DEFAULT_ROM0: usize = 0x2000;
    /// SDK boot_v1.x user2 address by the flash-map code of the loader's header (user1 is 0x1000).
    pub const SDK_USER2: &[(u8, usize)] = &[
        (0x0, 0x4_1000),
        (0x2, 0x8_1000),
        (0x3, 0x8_1000),
        (0x4, 0x8_1000),
        (0x5, 0x10_1000),
        (0x6, 0x10_1000),
        (0x8, 0x10_1000),
        (0x9, 0x10_1000),
    ];
    /// Where builds without a loader keep raw IROM after the image at 0 (MicroPython 0x9000, SDK
    /// non-OTA and NodeMCU 0x10000, SDK 1.x 0x40000).
    pub const RAW_IROM_OFFSETS: [usize; 3] = [0x9000, 0x1_0000, 0x4_0000];
    /// Arduino eboot strings in its DRAM segment.
    pub const EBOOT_MARKERS: &[&[u8]] = &[b"v%08x", b"cp:"];
}

/// SDK sectors at the end of flash (reference `esp8266-layout.md` §4).
pub mod sdk {
    /// RF calibration sector (SDK/mOS layout), from the end of flash.
    pub const RF_CAL_FROM_END: usize = 0x5000;
    /// PHY init data sector (SDK/mOS) or RF cal (Arduino), from the end.
    pub const PHY_FROM_END: usize = 0x4000;
    /// System parameters copy 0, from the end.
    pub const PARAM0_FROM_END: usize = 0x3000;
    /// System parameters copy 1, from the end.
    pub const PARAM1_FROM_END: usize = 0x2000;
    /// System-parameter flag sector, from the end.
    pub const FLAG_FROM_END: usize = 0x1000;
    /// Magic at flag +0x04 (`AA 55 AA 55`).
    pub const FLAG_MAGIC1: u32 = 0x55AA_55AA;
    /// Magic at flag +0x1C (`55 AA 55 AA`).
    pub const FLAG_MAGIC2: u32 = 0xAA55_AA55;
    /// The SDK checksums this many bytes of the active copy.
    pub const PARAM_CHECKSUM_LEN: u32 = 32;
    /// PHY init data byte 0.
    pub const PHY_INIT_MAGIC: u8 = 0x05;
    /// PHY init data length.
    pub const PHY_INIT_LEN: usize = 128;
    /// Offsets inside a saved-parameter copy.
    pub const OFF_OPMODE: usize = 0x008;
    /// Station SSID length (u32).
    pub const OFF_STA_SSID_LEN: usize = 0x00C;
    /// Station SSID (32 bytes).
    pub const OFF_STA_SSID: usize = 0x010;
    /// Station password (64 bytes, unaligned).
    pub const OFF_STA_PASSWORD: usize = 0x037;
    /// Cached PMK (32 bytes).
    pub const OFF_STA_PMK: usize = 0x078;
    /// Station BSSID set flag.
    pub const OFF_STA_BSSID_SET: usize = 0x0A9;
    /// Station BSSID (6 bytes).
    pub const OFF_STA_BSSID: usize = 0x0AA;
    /// softAP SSID length (u32).
    pub const OFF_AP_SSID_LEN: usize = 0x0B0;
    /// softAP SSID (32 bytes).
    pub const OFF_AP_SSID: usize = 0x0B4;
    /// softAP password (64 bytes).
    pub const OFF_AP_PASSWORD: usize = 0x0D4;
    /// softAP channel.
    pub const OFF_AP_CHANNEL: usize = 0x135;
    /// softAP auth mode.
    pub const OFF_AP_AUTHMODE: usize = 0x136;
    /// Cached AP records: first record.
    pub const OFF_AP_RECORDS: usize = 0x140;
    /// Size of one cached AP record (len u32 + SSID 32 + password 64).
    pub const AP_RECORD_LEN: usize = 100;
    /// Number of cached AP records.
    pub const AP_RECORD_COUNT: usize = 5;
    /// Cached AP BSSIDs: bssid_set + 6 bytes each.
    pub const OFF_AP_RECORD_BSSIDS: usize = 0x348;
    /// Stored station MAC (kept by `system_restore`).
    pub const OFF_STA_MAC: usize = 0x492;
    /// Length of the saved block in SDK 3.0.x.
    pub const PARAM_BLOCK_LEN: usize = 0x4A4;
}

/// ESP-IDF style partition table used by ESP8266 RTOS SDK 3.x.
pub mod partition {
    /// Where the RTOS SDK puts the table.
    pub const TABLE_OFFSET: usize = 0x8000;
    /// Entry magic (`AA 50`).
    pub const ENTRY_MAGIC: u16 = 0x50AA;
    /// MD5 entry magic (`EB EB`).
    pub const MD5_MAGIC: u16 = 0xEBEB;
    /// Entry length.
    pub const ENTRY_LEN: usize = 32;
    /// Longest table.
    pub const MAX_LEN: usize = 0xC00;
}

/// Tasmota settings (reference `tasmota.md`; arendst/Tasmota `settings.ino`, `tasmota_types.h`,
/// `tasmota.h`, `my_user_config.h`; tasmota/decode-config 16.0.0.0).
pub mod tasmota {
    /// Size of one settings copy (`sizeof(TSettings)` since 6.6.0.7).
    pub const SETTINGS_SIZE: usize = 0x1000;
    /// `cfg_size` of 6.0.0 .. 6.6.0.6 blocks.
    pub const SETTINGS_SIZE_OLD: usize = 0xE00;
    /// First version with the 16-bit header (`cfg_holder` u16, `cfg_size`, `bootcount` u16,
    /// `cfg_crc`); before it `cfg_holder` and `bootcount` were u32 and there was no checksum.
    pub const HEADER_V6: u32 = 0x0600_0000;
    /// Offset of `rules` (512-byte strings: one from 5.13.1, three from 6.0.0; decode-config).
    pub const OFF_RULES: usize = 0x800;
    /// Length of one rule.
    pub const RULE_LEN: usize = 512;
    /// First version with a rule.
    pub const RULES_FIRST: u32 = 0x050D_0100;
    /// Length of the fixed header both forms share (up to and including `flag`).
    pub const HEADER_LEN: usize = 0x14;
    /// Smallest block: 5.10.0 .. 5.12.0 (`sizeof(SYSCFG)`, decode-config template 0x670).
    pub const SETTINGS_SIZE_5X_MIN: usize = 0x670;
    /// `CFG_HOLDER` of 5.x builds (`user_config.h`), a u32 at 0x000.
    pub const CFG_HOLDER_5X: u32 = 0x2016_1209;
    /// The 6.x loader checks `cfg_crc` only for versions above this (`SettingsLoad`).
    pub const CRC16_CHECKED_ABOVE: u32 = 0x0600_0000;
    /// Offset of `cfg_holder` (u16).
    pub const OFF_CFG_HOLDER: usize = 0x000;
    /// Offset of `cfg_size` (u16).
    pub const OFF_CFG_SIZE: usize = 0x002;
    /// Offset of `save_flag` (u32).
    pub const OFF_SAVE_FLAG: usize = 0x004;
    /// Offset of `version` (u32).
    pub const OFF_VERSION: usize = 0x008;
    /// Offset of `bootcount` (u16).
    pub const OFF_BOOTCOUNT: usize = 0x00C;
    /// Offset of `cfg_crc` (u16, weighted byte sum).
    pub const OFF_CRC16: usize = 0x00E;
    /// Offset of `flag` (SetOption0..31, u32).
    pub const OFF_FLAG: usize = 0x010;
    /// Bit of `flag` for SetOption12 `stop_flash_rotate`.
    pub const FLAG_STOP_FLASH_ROTATE: u32 = 1 << 12;
    /// Offset of the text pool (since 8.0.0.1).
    pub const OFF_TEXT_POOL: usize = 0x017;
    /// Length of the text pool (`settings_text_size`).
    pub const TEXT_POOL_LEN: usize = 699;
    /// Number of pool strings on ESP8266 (`SET_MAX`).
    pub const SET_MAX: usize = 99;
    /// Offset of `power` (relay bitmask, u32).
    pub const OFF_POWER: usize = 0x2E8;
    /// Offset of `config_version` (u8, 0 = ESP8266; since 8.2.0.4).
    pub const OFF_CONFIG_VERSION: usize = 0xF36;
    /// Offset of `bootcount_reset_time` (u32; since 8.1.0.6).
    pub const OFF_BOOTCOUNT_RESET_TIME: usize = 0xFD4;
    /// Offset of `cfg_timestamp` (u32; since 6.6.0.10).
    pub const OFF_TIMESTAMP: usize = 0xFF8;
    /// Offset of `cfg_crc32` in a copy.
    pub const OFF_CRC32: usize = 0xFFC;
    /// Default `CFG_HOLDER` (`my_user_config.h`).
    pub const CFG_HOLDER_DEFAULT: u16 = 4617;
    /// `cfg_crc` covers this many bytes (`GetCfgCrc16`), except in the versions below.
    pub const CRC16_LEN: usize = 0xE00;
    /// First version whose `cfg_crc` covered the whole 4096 bytes (Tasmota's "miscalculation").
    pub const CRC16_FULL_FIRST: u32 = 0x0606_0007;
    /// Last version whose `cfg_crc` covered the whole 4096 bytes.
    pub const CRC16_FULL_LAST: u32 = 0x0606_000A;
    /// First version with `cfg_crc32` and `cfg_timestamp`.
    pub const CRC32_FIRST: u32 = 0x0606_000A;
    /// From this version on the loader validates a copy by `cfg_crc32` only.
    pub const CRC32_CHECKED_FIRST: u32 = 0x0606_000B;
    /// Initial value given to `crc32fast::Hasher::new_with_initial` for Tasmota's CRC32
    /// (register 0, final NOT); "123456789" gives 0xD202D277.
    pub const CRC32_INIT: u32 = 0xFFFF_FFFF;
    /// Oldest settings version [`crate::tasmota::decode()`] supports (5.10.0, decode-config's
    /// oldest layout).
    pub const MIN_VERSION: u32 = 0x050A_0000;
    /// Oldest version a 5.x header (u32 `cfg_holder` 0x20161209) may carry to count as a
    /// candidate: older copies are reported as unsupported, not decoded.
    pub const MIN_HEADER_VERSION: u32 = 0x0500_0000;
    /// Newest layout in the field tables (decode-config 16.0.0.0).
    pub const LAST_KNOWN_LAYOUT: u32 = 0x1000_0000;
    /// Versions below this (all of 16.x) decode with the newest table; newer ones are refused.
    pub const MAX_VERSION_EXCL: u32 = 0x1100_0000;
    /// First version with the text pool.
    pub const TEXT_POOL_FIRST: u32 = 0x0800_0001;
    /// Quick power-cycle sector magic (LE u32; bytes `FF 5A A5 FF`).
    pub const QPC_MAGIC: u32 = 0xFFA5_5AFF;
    /// Rotating settings slots of a settings scheme.
    pub const CFG_ROTATES: usize = 7;
    /// 1M-layout builds: EEPROM slot.
    pub const EEPROM_1M: usize = 0xFB000;
    /// 1M-layout builds: highest rotating slot (`SETTINGS_LOCATION`).
    pub const SETTINGS_LOCATION_1M: usize = 0xFA000;
    /// 1M-layout builds: quick power-cycle sector.
    pub const QPC_1M: usize = 0xF3000;
    /// File-system builds: highest rotating slot (clamped to 0xFD).
    pub const SETTINGS_LOCATION_FS: usize = 0xFD000;
    /// File-system builds: quick power-cycle sector.
    pub const QPC_FS: usize = 0xF6000;
    /// 2M1M builds: EEPROM slot.
    pub const EEPROM_2M1M: usize = 0x1FB000;
    /// 4M2M builds: EEPROM slot.
    pub const EEPROM_4M2M: usize = 0x3FB000;
    /// `.dmp` XOR key base (`CONFIG_FILE_XOR`): byte i ^= (0x5A + i) for i >= 2.
    pub const DMP_XOR: u8 = 0x5A;
    /// `.dmp` bytes before this index are not XORed (`cfg_holder`).
    pub const DMP_XOR_START: usize = 2;
    /// decode-config `.bin` trailer magic (LE u32 after the plain block).
    pub const BIN_MAGIC: u32 = 0x6357_6223;
    /// VERSION_MARKER head (`0x5AA55AA5` LE).
    pub const VERSION_MARKER_HEAD: [u8; 4] = [0xA5, 0x5A, 0xA5, 0x5A];
    /// VERSION_MARKER tail (`0xA55AA55A` LE).
    pub const VERSION_MARKER_TAIL: [u8; 4] = [0x5A, 0xA5, 0x5A, 0xA5];
    /// Default OTA URL of official builds: proves a Tasmota image.
    pub const OTA_URL_MARKER: &[u8] = b"ota.tasmota.com";
    /// Older builds' OTA server.
    pub const OTA_URL_MARKER_OLD: &[u8] = b"thehackbox.org";
    /// Default MQTT client id format.
    pub const MQTT_CLIENT_DEFAULT: &str = "DVES_%06X";
    /// Default MQTT user.
    pub const MQTT_USER_DEFAULT: &str = "DVES_USER";
    /// Default MQTT password.
    pub const MQTT_PASS_DEFAULT: &str = "DVES_PASS";
    /// Default MQTT port.
    pub const MQTT_PORT_DEFAULT: u16 = 1883;
    /// Default host name format (`WIFI_HOSTNAME`).
    pub const HOSTNAME_DEFAULT: &str = "%s-%04d";
    /// Default topic of 8.5 and later (`PROJECT "_%06X"`; 8.1.0.2 still used plain `tasmota`,
    /// seen in the corpus images). `sanitize` writes `<project>_%06X` for every version: 6.x
    /// `my_user_config.h` already documents the `%06X` form for a unique topic.
    pub const TOPIC_DEFAULT: &str = "tasmota_%06X";
    /// First version seen with [`TOPIC_DEFAULT`] compiled in (8.5.0; 8.1.0.2 has `tasmota`).
    pub const TOPIC_UNIQUE_FIRST: u32 = 0x0805_0000;
    /// Unique topic of 6.x builds.
    pub const TOPIC_DEFAULT_OLD: &str = "sonoff_%06X";
    /// Project name of 7.x and later.
    pub const PROJECT: &str = "tasmota";
    /// Project name of 6.x (`sonoff`).
    pub const PROJECT_OLD: &str = "sonoff";
    /// Friendly name of 7.x and later.
    pub const FRIENDLY_NAME: &str = "Tasmota";
    /// Friendly name of 6.x.
    pub const FRIENDLY_NAME_OLD: &str = "Sonoff";
    /// First version named Tasmota (7.0.0).
    pub const TASMOTA_RENAME: u32 = 0x0700_0000;
}

/// SPIFFS (reference `shelly-stock.md` §5, `esp8266-layout.md` §5.2).
pub mod spiffs {
    /// Base of the per-block magic: `(MAGIC_BASE ^ page_size) & 0xFFFF`.
    pub const MAGIC_BASE: u32 = 0x2014_0529;
    /// Logical page sizes tried, most likely first.
    pub const PAGE_SIZES: &[usize] = &[256, 512, 128];
    /// Logical block sizes tried, smallest first.
    pub const BLOCK_SIZES: &[usize] = &[4096, 8192, 16384, 32768, 65536];
    /// Lookup entry of a free page.
    pub const OBJ_ID_FREE: u16 = 0xFFFF;
    /// Lookup entry of a deleted page.
    pub const OBJ_ID_DELETED: u16 = 0x0000;
    /// Bit 15 of an object id marks an object index page.
    pub const OBJ_ID_IX_FLAG: u16 = 0x8000;
    /// Length of a page header: u16 obj_id, u16 span_ix, u8 flags.
    pub const PAGE_HEADER_LEN: usize = 5;
    /// Offset of `size` in an index header (after 3 alignment bytes).
    pub const IX_HDR_OFF_SIZE: usize = 8;
    /// Offset of `type` in an index header.
    pub const IX_HDR_OFF_TYPE: usize = 12;
    /// Offset of `name` in an index header.
    pub const IX_HDR_OFF_NAME: usize = 13;
    /// Offset of the entries in an extra index page (header + 3 alignment bytes).
    pub const IX_PAGE_OFF_ENTRIES: usize = 8;
    /// Flag bit (active low): page written.
    pub const FLAG_USED: u8 = 1 << 0;
    /// Flag bit (active low): page finalised.
    pub const FLAG_FINAL: u8 = 1 << 1;
    /// Flag bit (active low): index page (1 = data page).
    pub const FLAG_INDEX: u8 = 1 << 2;
    /// Flag bit (active low): index header being deleted.
    pub const FLAG_IXDELE: u8 = 1 << 6;
    /// Flag bit (active low): page deleted.
    pub const FLAG_DELET: u8 = 1 << 7;
    /// Flags byte of a live, finalised index page.
    pub const FLAGS_LIVE_INDEX: u8 = 0xF8;
    /// Flags byte of a live, finalised data page.
    pub const FLAGS_LIVE_DATA: u8 = 0xFC;
    /// Object type of a regular file.
    pub const TYPE_FILE: u8 = 1;
    /// Size field of an index header whose size is not yet known.
    pub const SIZE_UNDEFINED: u32 = 0xFFFF_FFFF;
    /// Known (name_len, meta_len, aligned index tables) build configurations, most likely first:
    /// Mongoose OS (48 + 8 metadata, aligned), Arduino/Sming (32, aligned and not), ESP-IDF (32 + 4).
    pub const CONFIGS: &[(usize, usize, bool)] = &[
        (48, 8, true),
        (32, 0, true),
        (32, 0, false),
        (32, 4, false),
        (32, 4, true),
        (64, 0, true),
    ];
    /// Free blocks SPIFFS keeps for garbage collection; writes must leave this many pages' worth.
    pub const GC_RESERVE_BLOCKS: usize = 2;
    /// Smallest believable SPIFFS region without a magic, in blocks with consistent lookup entries.
    pub const MIN_SCORED_BLOCKS: usize = 2;
}

/// LittleFS (littlefs `SPEC.md`).
pub mod littlefs {
    /// ASCII magic at +8 of each superblock.
    pub const MAGIC: &[u8; 8] = b"littlefs";
    /// First tag of a superblock as stored (`F0 0F FF F7`). The fixed start of a superblock block
    /// (revision, this tag, [`MAGIC`], the inline struct) is `fs::littlefs::SuperblockHead`.
    pub const FIRST_TAG: [u8; 4] = [0xF0, 0x0F, 0xFF, 0xF7];
    /// Major on-disk version this reader understands.
    pub const VERSION_MAJOR: u16 = 2;
    /// Smallest block size littlefs accepts.
    pub const MIN_BLOCK_SIZE: usize = 128;
    /// Tag type: regular file name.
    pub const TYPE_REG: u16 = 0x001;
    /// Tag type: directory name.
    pub const TYPE_DIR: u16 = 0x002;
    /// Tag type: superblock name.
    pub const TYPE_SUPERBLOCK: u16 = 0x0FF;
    /// Tag type: directory struct (metadata pair of a subdirectory).
    pub const TYPE_DIRSTRUCT: u16 = 0x200;
    /// Tag type: inline file data.
    pub const TYPE_INLINESTRUCT: u16 = 0x201;
    /// Tag type: CTZ skip-list file (head block, size).
    pub const TYPE_CTZSTRUCT: u16 = 0x202;
    /// Tag type: create an id (splice +1).
    pub const TYPE_CREATE: u16 = 0x401;
    /// Tag type: delete an id (splice -1).
    pub const TYPE_DELETE: u16 = 0x4FF;
    /// Tag type: hard tail (directory continues in another pair).
    pub const TYPE_HARDTAIL: u16 = 0x601;
    /// Tag type1 of name tags.
    pub const TYPE1_NAME: u16 = 0x000;
    /// Tag type1 of struct tags.
    pub const TYPE1_STRUCT: u16 = 0x200;
    /// Tag type1 of splice tags.
    pub const TYPE1_SPLICE: u16 = 0x400;
    /// Tag type1 of tail tags.
    pub const TYPE1_TAIL: u16 = 0x600;
    /// Tag type2 (mask 0x780) of a commit CRC.
    pub const TYPE2_CCRC: u16 = 0x500;
    /// Tag size value meaning "deleted attribute".
    pub const SIZE_DELETED: u32 = 0x3FF;
    /// Deepest directory nesting followed.
    pub const MAX_DEPTH: usize = 32;
}

/// Stock Shelly / Mongoose OS.
pub mod shelly {
    /// Config levels: `conf0.json` (defaults) .. `conf9.json` (user).
    pub const CONF_LEVELS: usize = 10;
    /// The user level.
    pub const USER_LEVEL: usize = 9;
    /// User-level files `sanitize` deletes (identity and secrets).
    pub const USER_FILES: &[&str] = &[
        "conf9.json",
        "conf9_backup.json",
        "conf9.json.try",
        "conf.json",
    ];
    /// Factory data, always kept.
    pub const HWINFO_FILE: &str = "hwinfo_struct.json";
    /// htdigest file of the web login.
    pub const PASSWD_FILE: &str = "passwd";
    /// Default web login user.
    pub const DEFAULT_USER: &str = "admin";
    /// Default web login realm.
    pub const DEFAULT_REALM: &str = "Shelly";
    /// Default web login password.
    pub const DEFAULT_PASSWORD: &str = "admin";
    /// Device id prefix of every stock Gen1 device.
    pub const ID_PREFIX: &str = "shelly";
    /// Longest model part of a device id (`shellyswitch25` ...).
    pub const ID_MAX_PREFIX: usize = 24;
}

/// Serial protocol (reference `serial-protocol.md`; espressif/esptool `loader.py`,
/// `targets/esp8266.py`, docs `advanced-topics/serial-protocol.rst`).
pub mod serial {
    /// SLIP frame delimiter.
    pub const SLIP_END: u8 = 0xC0;
    /// SLIP escape byte.
    pub const SLIP_ESC: u8 = 0xDB;
    /// Escaped `SLIP_END` (after `SLIP_ESC`).
    pub const SLIP_ESC_END: u8 = 0xDC;
    /// Escaped `SLIP_ESC` (after `SLIP_ESC`).
    pub const SLIP_ESC_ESC: u8 = 0xDD;

    /// Direction byte of a request.
    pub const DIR_REQUEST: u8 = 0x00;
    /// Direction byte of a response.
    pub const DIR_RESPONSE: u8 = 0x01;
    /// Length of the request/response header.
    pub const HEADER_LEN: usize = 8;
    /// Status bytes at the end of every ESP8266 response (ROM and stub).
    pub const ESP8266_STATUS_LEN: usize = 2;
    /// Seed of the data checksum of `*_DATA` commands (the image checksum's seed).
    pub const CHECKSUM_SEED: u8 = super::XOR_CHECKSUM_SEED;

    /// Opcode FLASH_BEGIN.
    pub const OP_FLASH_BEGIN: u8 = 0x02;
    /// Opcode FLASH_DATA.
    pub const OP_FLASH_DATA: u8 = 0x03;
    /// Opcode FLASH_END.
    pub const OP_FLASH_END: u8 = 0x04;
    /// Opcode MEM_BEGIN.
    pub const OP_MEM_BEGIN: u8 = 0x05;
    /// Opcode MEM_END.
    pub const OP_MEM_END: u8 = 0x06;
    /// Opcode MEM_DATA.
    pub const OP_MEM_DATA: u8 = 0x07;
    /// Opcode SYNC.
    pub const OP_SYNC: u8 = 0x08;
    /// Opcode WRITE_REG.
    pub const OP_WRITE_REG: u8 = 0x09;
    /// Opcode READ_REG.
    pub const OP_READ_REG: u8 = 0x0A;
    /// Opcode SPI_SET_PARAMS (stub).
    pub const OP_SPI_SET_PARAMS: u8 = 0x0B;
    /// Opcode SPI_ATTACH (stub).
    pub const OP_SPI_ATTACH: u8 = 0x0D;
    /// Opcode CHANGE_BAUDRATE (stub).
    pub const OP_CHANGE_BAUDRATE: u8 = 0x0F;
    /// Opcode FLASH_DEFL_BEGIN (stub).
    pub const OP_FLASH_DEFL_BEGIN: u8 = 0x10;
    /// Opcode FLASH_DEFL_DATA (stub).
    pub const OP_FLASH_DEFL_DATA: u8 = 0x11;
    /// Opcode FLASH_DEFL_END (stub).
    pub const OP_FLASH_DEFL_END: u8 = 0x12;
    /// Opcode SPI_FLASH_MD5 (stub).
    pub const OP_SPI_FLASH_MD5: u8 = 0x13;
    /// Opcode GET_SECURITY_INFO (not on the ESP8266).
    pub const OP_GET_SECURITY_INFO: u8 = 0x14;
    /// Opcode ERASE_FLASH (stub).
    pub const OP_ERASE_FLASH: u8 = 0xD0;
    /// Opcode ERASE_REGION (stub).
    pub const OP_ERASE_REGION: u8 = 0xD1;
    /// Opcode READ_FLASH (stub).
    pub const OP_READ_FLASH: u8 = 0xD2;
    /// Opcode RUN_USER_CODE (stub, ESP8266 only, no reply).
    pub const OP_RUN_USER_CODE: u8 = 0xD3;

    /// SYNC payload prefix; followed by [`SYNC_FILL_LEN`] bytes of [`SYNC_FILL`].
    pub const SYNC_PREFIX: [u8; 4] = [0x07, 0x07, 0x12, 0x20];
    /// SYNC payload fill byte (lets the ROM auto-baud lock).
    pub const SYNC_FILL: u8 = 0x55;
    /// SYNC payload fill length.
    pub const SYNC_FILL_LEN: usize = 32;
    /// Value the ROM returns in SYNC replies (a stub returns 0).
    pub const SYNC_ROM_VALUE: u32 = 0x2012_0707;
    /// How many replies a SYNC provokes.
    pub const SYNC_REPLIES: usize = 8;

    /// ROM status byte 0 on failure.
    pub const STATUS_ROM_FAIL: u8 = 0x01;
    /// ROM error "malformed message" (also the reply to an unknown opcode).
    pub const ROM_ERR_MALFORMED: u8 = 0x05;
    /// ROM error "checksum error".
    pub const ROM_ERR_CHECKSUM: u8 = 0x07;
    /// ROM error "invalid input parameter".
    pub const ROM_ERR_INVALID_PARAM: u8 = 0x01;
    /// Stub error: bad data length.
    pub const STUB_ERR_BAD_DATA_LEN: u8 = 0xC0;
    /// Stub error: bad data checksum.
    pub const STUB_ERR_BAD_CHECKSUM: u8 = 0xC1;
    /// Stub error: bad block size.
    pub const STUB_ERR_BAD_BLOCKSIZE: u8 = 0xC2;
    /// Stub error: invalid command.
    pub const STUB_ERR_INVALID_COMMAND: u8 = 0xC3;
    /// Stub error: SPI operation failed.
    pub const STUB_ERR_SPI_FAILED: u8 = 0xC4;
    /// Stub error: not in flash mode (DATA without BEGIN).
    pub const STUB_ERR_NOT_IN_FLASH_MODE: u8 = 0xC6;
    /// Stub error: inflate error.
    pub const STUB_ERR_INFLATE: u8 = 0xC7;
    /// Stub error: not enough data.
    pub const STUB_ERR_NOT_ENOUGH_DATA: u8 = 0xC8;
    /// Stub error: too much data.
    pub const STUB_ERR_TOO_MUCH_DATA: u8 = 0xC9;
    /// Stub error: command not implemented.
    pub const STUB_ERR_NOT_IMPLEMENTED: u8 = 0xFF;
    /// Greeting a started stub sends: the 4 bytes `OHAI` in their own frame.
    pub const STUB_GREETING: &[u8; 4] = b"OHAI";

    /// Chip-detect register.
    pub const REG_CHIP_MAGIC: u32 = 0x4000_1000;
    /// Value of [`REG_CHIP_MAGIC`] on the ESP8266.
    pub const ESP8266_MAGIC: u32 = 0xFFF0_C101;
    /// OTP word 0 (MAC0).
    pub const REG_OTP_MAC0: u32 = 0x3FF0_0050;
    /// OTP word 1 (MAC1).
    pub const REG_OTP_MAC1: u32 = 0x3FF0_0054;
    /// OTP word 2.
    pub const REG_OTP_MAC2: u32 = 0x3FF0_0058;
    /// OTP word 3 (MAC3, OUI).
    pub const REG_OTP_MAC3: u32 = 0x3FF0_005C;
    /// UART clock divider (crystal detection).
    pub const REG_UART_CLKDIV: u32 = 0x6000_0014;
    /// Mask of the divider field.
    pub const UART_CLKDIV_MASK: u32 = 0xF_FFFF;
    /// SPI0 register base.
    pub const SPI_BASE: u32 = 0x6000_0200;
    /// SPI CMD register offset.
    pub const SPI_CMD: u32 = 0x00;
    /// SPI ADDR register offset.
    pub const SPI_ADDR: u32 = 0x04;
    /// SPI USR register offset.
    pub const SPI_USR: u32 = 0x1C;
    /// SPI USR1 register offset.
    pub const SPI_USR1: u32 = 0x20;
    /// SPI USR2 register offset.
    pub const SPI_USR2: u32 = 0x24;
    /// SPI W0 register offset.
    pub const SPI_W0: u32 = 0x40;
    /// CMD bit "start user command".
    pub const SPI_CMD_USR: u32 = 1 << 18;
    /// USR flag: command phase.
    pub const SPI_USR_COMMAND: u32 = 1 << 31;
    /// USR flag: address phase.
    pub const SPI_USR_ADDR: u32 = 1 << 30;
    /// USR flag: dummy phase.
    pub const SPI_USR_DUMMY: u32 = 1 << 29;
    /// USR flag: MISO phase.
    pub const SPI_USR_MISO: u32 = 1 << 28;
    /// USR flag: MOSI phase.
    pub const SPI_USR_MOSI: u32 = 1 << 27;
    /// USR1 shift of the MISO bit length - 1.
    pub const SPI_MISO_BITLEN_SHIFT: u32 = 8;
    /// USR1 shift of the address bit length - 1.
    pub const SPI_ADDR_BITLEN_SHIFT: u32 = 26;
    /// USR2 shift of the command bit length - 1.
    pub const SPI_USR2_COMMAND_LEN_SHIFT: u32 = 28;
    /// SPI flash command: read JEDEC id.
    pub const FLASH_CMD_RDID: u8 = 0x9F;
    /// SPI flash command: read SFDP.
    pub const FLASH_CMD_RDSFDP: u8 = 0x5A;
    /// SFDP signature as a little-endian word (`SFDP`).
    pub const SFDP_SIGNATURE: u32 = 0x5044_4653;

    /// ROM flash-write block size.
    pub const ROM_BLOCK: usize = 0x400;
    /// Stub flash-write block size (esptool's choice; the stub buffer holds 0x4000).
    pub const STUB_BLOCK: usize = 0x4000;
    /// RAM-download block size for the stub upload.
    pub const MEM_BLOCK: usize = 0x1800;
    /// READ_FLASH packet size (the new stub rejects larger).
    pub const READ_PACKET: usize = 0x1000;
    /// READ_FLASH max-in-flight argument (esptool sends 64; the stubs use 1).
    pub const READ_MAX_IN_FLIGHT: u32 = 64;
    /// Sectors per 64 KiB erase block.
    pub const SECTORS_PER_BLOCK: usize = 16;
    /// 64 KiB erase block.
    pub const ERASE_BLOCK: usize = 0x10000;
    /// SPI_SET_PARAMS block size argument.
    pub const PARAMS_BLOCK: u32 = 0x10000;
    /// SPI_SET_PARAMS page size argument.
    pub const PARAMS_PAGE: u32 = 0x100;
    /// SPI_SET_PARAMS status mask argument.
    pub const PARAMS_STATUS_MASK: u32 = 0xFFFF;
    /// Baud rate the ROM loader talks at.
    pub const ROM_BAUD: u32 = 115_200;
    /// Bits on the wire per byte (8N1).
    pub const BITS_PER_BYTE: u32 = 10;

    /// Normal command timeout (ms).
    pub const TIMEOUT_DEFAULT_MS: u64 = 3000;
    /// SYNC timeout (ms).
    pub const TIMEOUT_SYNC_MS: u64 = 100;
    /// MEM_END timeout on the ROM (ms).
    pub const TIMEOUT_MEM_END_ROM_MS: u64 = 200;
    /// Wait for the stub greeting (ms).
    pub const TIMEOUT_OHAI_MS: u64 = 3000;
    /// ROM FLASH_BEGIN / ERASE_REGION timeout, seconds per 10^6 bytes (esptool
    /// `ERASE_REGION_TIMEOUT_PER_MB`).
    pub const TIMEOUT_ERASE_PER_SEC_MB: u64 = 40;
    /// Erase-and-write timeout of a data block, seconds per 10^6 bytes (esptool
    /// `ERASE_WRITE_TIMEOUT_PER_MB`).
    pub const TIMEOUT_ERASE_WRITE_PER_SEC_MB: u64 = 40;
    /// MD5 timeout, seconds per 10^6 bytes (esptool `MD5_TIMEOUT_PER_MB`).
    pub const TIMEOUT_MD5_PER_SEC_MB: u64 = 8;
    /// The stub's inflate buffer: one flash-block erase may start per buffer cycle (esptool
    /// `STUB_DEFLATE_BUFFER_SIZE`).
    pub const STUB_INFLATE_BUFFER: usize = 32 * 1024;
    /// Simulated flash timing: 4 KiB sector erase (datasheet typical, µs).
    pub const SIM_SECTOR_ERASE_US: u64 = 45_000;
    /// Simulated flash timing: 256-byte page program (datasheet typical, µs).
    pub const SIM_PAGE_PROGRAM_US: u64 = 700;
    /// Simulated MD5 speed: flash read plus MD5 on the 80 MHz core (ns per byte; 2 MB/s).
    pub const SIM_MD5_NS_PER_BYTE: u64 = 500;
    /// Page size for the simulated program time.
    pub const SIM_PAGE: usize = 256;
    /// Baud rates a chip still running a stub may be found at after a previous session
    /// (besides 115200 and `--baud`).
    pub const STUB_FALLBACK_BAUDS: [u32; 2] = [921_600, 460_800];
    /// Environment variable with the default port.
    pub const PORT_ENV: &str = "ESPDUMP_PORT";
    /// Environment variable with the default baud rate.
    pub const BAUD_ENV: &str = "ESPDUMP_BAUD";
    /// ERASE_FLASH timeout (ms).
    pub const TIMEOUT_CHIP_ERASE_MS: u64 = 120_000;
    /// Per-frame READ_FLASH timeout (ms).
    pub const TIMEOUT_READ_FRAME_MS: u64 = 3000;
    /// Connect attempts.
    pub const CONNECT_ATTEMPTS: usize = 7;
    /// SYNCs per connect attempt.
    pub const SYNCS_PER_ATTEMPT: usize = 5;
    /// Block retries on a failed FLASH_DATA.
    pub const BLOCK_RETRIES: usize = 3;
    /// Reset pulse (EN low) duration (ms).
    pub const RESET_PULSE_MS: u64 = 100;
    /// esptool's `DEFAULT_RESET_DELAY` (ms): EN high to GPIO0 release; the long variant adds
    /// 500 ms (esptool `_construct_reset_strategy_sequence`).
    pub const RESET_DELAY_MS: u64 = 50;
    /// The extra delay of the long reset variants (ms).
    pub const RESET_EXTRA_DELAY_MS: u64 = 500;
    /// Wait after CHANGE_BAUDRATE before flushing (ms).
    pub const BAUD_SETTLE_MS: u64 = 50;

    /// Environment variable naming a stub JSON file.
    pub const STUB_ENV: &str = "ESPDUMP_STUB";
    /// Path of the ESP8266 stub inside an installed esptool package.
    pub const ESPTOOL_STUB_REL: &str = "targets/stub_flasher/2/esp8266.json";
}

/// `diff`: limits of the comparison (chosen here, not an on-flash format).
pub mod diff {
    /// Changed byte runs closer than this many equal bytes are reported as one range.
    pub const RANGE_MERGE_GAP: usize = 16;
    /// Most byte ranges listed per region (the count and the changed-byte total are always exact).
    pub const MAX_RANGES: usize = 32;
    /// Bytes compared at once (`memcmp`) before a differing block is scanned word by word.
    pub const COMPARE_BLOCK: usize = 4096;
    /// Most LCS cells of one line diff (lines of A × lines of B after trimming): 4 MiB of `u32`.
    pub const LINE_DIFF_MAX_CELLS: usize = 1 << 20;
    /// Context lines around a change in a hunk.
    pub const LINE_DIFF_CONTEXT: usize = 2;
    /// Most hunk lines kept for one file.
    pub const LINE_DIFF_MAX_LINES: usize = 200;
    /// Files larger than this are compared as bytes only (no line diff).
    pub const LINE_DIFF_MAX_FILE: usize = 256 * 1024;
    /// Secret values shorter than this are not searched for in free text (too many false hits).
    pub const MIN_SECRET_LEN: usize = 4;
}

/// `diff`: what counts as noise and how sources are named (names, not on-flash numbers).
pub mod diff_names {
    /// Tasmota fields the firmware rewrites by itself (save counter, boot counter, checksums,
    /// timestamps, relay state and energy counters saved with every save).
    pub const TASMOTA_NOISE: &[&str] = &[
        "save_flag",
        "bootcount",
        "cfg_crc",
        "cfg_crc32",
        "cfg_timestamp",
        "bootcount_reset_time",
        "energy_kWhtotal_time",
        "power",
        "pulse_counter",
    ];
    /// Prefixes of Tasmota energy counters saved with every save.
    pub const TASMOTA_NOISE_PREFIXES: &[&str] = &[
        "energy_kWhtoday",
        "energy_kWhyesterday",
        "energy_kWhtotal",
        "energy_kWhdoy",
        "energy_kWhexport",
    ];
    /// Config sections of Tasmota settings copies start with this.
    pub const TASMOTA_SOURCE: &str = "tasmota settings";
    /// Config sections of SDK parameter copies start with this.
    pub const SDK_SOURCE: &str = "sdk system params";
    /// The merged (effective) Mongoose OS config of a file system ends with this.
    pub const EFFECTIVE_SUFFIX: &str = ":effective";
    /// Files whose content is never shown in a line diff.
    pub const SECRET_FILES: &[&str] = &["passwd", "htpasswd", ".htpasswd"];
    /// File-name endings whose content is never shown in a line diff.
    pub const SECRET_FILE_SUFFIXES: &[&str] = &[".key", "_key.pem", ".key.pem", ".psk"];
}
