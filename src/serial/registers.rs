//! ESP8266 registers the serial layer reads and writes through the ROM loader (esptool
//! `targets/esp8266.py`; `docs/serial.md`): chip detection, OTP MAC words, the UART divider and
//! the SPI0 user-command registers used for the flash id and SFDP.

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
