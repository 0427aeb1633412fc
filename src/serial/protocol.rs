//! The ESP8266 serial loader protocol's numbers (esptool `loader.py`, `targets/esp8266.py`, docs
//! `advanced-topics/serial-protocol.rst`; `docs/serial.md`): SLIP bytes, packet header, opcodes,
//! SYNC, status and error codes, block sizes, baud rates, timeouts, retries and reset timing.

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
/// Baud rates a chip still running a stub may be found at after a previous session
/// (besides 115200 and `--baud`).
pub const STUB_FALLBACK_BAUDS: [u32; 2] = [921_600, 460_800];
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
