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
    /// Seed of the XOR checksum over segment data.
    pub const CHECKSUM_SEED: u8 = 0xEF;
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
    /// Seed of the system-parameter XOR checksum.
    pub const PARAM_CHECKSUM_SEED: u32 = 0xEF;
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

/// Tasmota settings (reference `tasmota.md`).
pub mod tasmota {
    /// Size of one settings copy.
    pub const SETTINGS_SIZE: usize = 0x1000;
    /// Offset of `cfg_crc32` in a copy.
    pub const OFF_CRC32: usize = 0xFFC;
    /// Quick power-cycle sector magic (LE u32).
    pub const QPC_MAGIC: u32 = 0xFFA5_5AFF;
}

/// SPIFFS (reference `shelly-stock.md` §5, `esp8266-layout.md` §5.2).
pub mod spiffs {
    /// Base of the per-block magic: `(MAGIC_BASE ^ page_size) & 0xFFFF`.
    pub const MAGIC_BASE: u32 = 0x2014_0529;
}

/// LittleFS (littlefs `SPEC.md`).
pub mod littlefs {
    /// ASCII magic at +8 of each superblock.
    pub const MAGIC: &[u8; 8] = b"littlefs";
    /// First tag of a superblock as stored (`F0 0F FF F7`).
    pub const FIRST_TAG: [u8; 4] = [0xF0, 0x0F, 0xFF, 0xF7];
}

/// Stock Shelly / Mongoose OS.
pub mod shelly {}

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
    /// Seed of the data checksum of `*_DATA` commands.
    pub const CHECKSUM_SEED: u8 = 0xEF;

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
    /// ROM FLASH_BEGIN / ERASE_REGION timeout per MB (ms).
    pub const TIMEOUT_ERASE_PER_MB_MS: u64 = 40_000;
    /// MD5 timeout per MB (ms).
    pub const TIMEOUT_MD5_PER_MB_MS: u64 = 8000;
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
    /// Delay after EN high before releasing GPIO0 (ms), short and long variants.
    pub const RESET_DELAYS_MS: [u64; 2] = [50, 550];
    /// Wait after CHANGE_BAUDRATE before flushing (ms).
    pub const BAUD_SETTLE_MS: u64 = 50;

    /// Environment variable naming a stub JSON file.
    pub const STUB_ENV: &str = "ESPDUMP_STUB";
    /// Path of the ESP8266 stub inside an installed esptool package.
    pub const ESPTOOL_STUB_REL: &str = "targets/stub_flasher/2/esp8266.json";
}
