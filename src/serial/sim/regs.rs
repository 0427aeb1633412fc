//! The simulated chip's registers: chip magic, OTP words encoding the MAC, the UART divider
//! (26 MHz crystal), and the SPI0 "user command" engine answering RDID and SFDP the way
//! esptool's `run_spiflash_command` expects (`docs/serial.md` §P5).

use super::device::Device;
use crate::serial::registers as c;

/// JEDEC capacity byte for a flash size (0x14 = 1 MiB … 0x18 = 16 MiB).
pub fn capacity_code(size: usize) -> u8 {
    let mut code = 0x12u8; // 256 KiB
    let mut s = 256 * 1024;
    while s < size && code < 0x19 {
        s *= 2;
        code += 1;
    }
    code
}

impl Device {
    fn otp(&self) -> [u32; 4] {
        let m = self.cfg.mac;
        let mac0 = u32::from(m[5]) << 24;
        let mac1 = (u32::from(m[3]) << 8) | u32::from(m[4]);
        let mac3 = (u32::from(m[0]) << 16) | (u32::from(m[1]) << 8) | u32::from(m[2]);
        [mac0, mac1, 0, mac3]
    }

    fn jedec(&self) -> u32 {
        self.cfg.jedec.unwrap_or_else(|| {
            0xEF | (0x40 << 8) | (u32::from(capacity_code(self.flash.len())) << 16)
        })
    }

    pub(super) fn read_reg(&self, addr: u32) -> u32 {
        let otp = self.otp();
        match addr {
            c::REG_CHIP_MAGIC => self.chip_magic,
            c::REG_OTP_MAC0 => otp[0],
            c::REG_OTP_MAC1 => otp[1],
            c::REG_OTP_MAC2 => otp[2],
            c::REG_OTP_MAC3 => otp[3],
            // 26 MHz crystal: divider = 2 * 26e6 / baud.
            c::REG_UART_CLKDIV => 52_000_000 / self.baud.max(1),
            _ => self.regs.get(&addr).copied().unwrap_or(0),
        }
    }

    pub(super) fn write_reg(&mut self, addr: u32, value: u32, mask: u32) {
        let old = self.read_reg(addr);
        let new = (old & !mask) | (value & mask);
        self.regs.insert(addr, new);
        if addr == c::SPI_BASE + c::SPI_CMD && new & c::SPI_CMD_USR != 0 {
            self.spi_user_command();
            self.regs.insert(addr, new & !c::SPI_CMD_USR);
        }
    }

    /// The SPI0 "user command" engine, enough for RDID, SFDP, status and reset commands.
    fn spi_user_command(&mut self) {
        let reg = |s: &Self, off: u32| s.regs.get(&(c::SPI_BASE + off)).copied().unwrap_or(0);
        let usr = reg(self, c::SPI_USR);
        let usr1 = reg(self, c::SPI_USR1);
        let usr2 = reg(self, c::SPI_USR2);
        let cmd = (usr2 & 0xFF) as u8;
        let addr_bits = ((usr1 >> c::SPI_ADDR_BITLEN_SHIFT) & 0x3F) + 1;
        let addr = if usr & c::SPI_USR_ADDR != 0 {
            reg(self, c::SPI_ADDR) >> (32 - addr_bits.min(32))
        } else {
            0
        };
        let miso_bits = if usr & c::SPI_USR_MISO != 0 {
            ((usr1 >> c::SPI_MISO_BITLEN_SHIFT) & 0x1FF) + 1
        } else {
            0
        };
        let mut bytes = [0u8; 4];
        match cmd {
            c::FLASH_CMD_RDID => bytes[..3].copy_from_slice(&self.jedec().to_le_bytes()[..3]),
            c::FLASH_CMD_RDSFDP => {
                // Minimal SFDP header: signature, then a parameter header with id 0xEF.
                let table: [u8; 0x18] = [
                    b'S', b'F', b'D', b'P', 0x06, 0x01, 0x00, 0xFF, 0x00, 0x06, 0x01, 0x10, 0x30,
                    0x00, 0x00, 0xFF, 0xEF, 0x00, 0x01, 0x03, 0x80, 0x00, 0x00, 0xFF,
                ];
                for (i, b) in bytes.iter_mut().enumerate() {
                    *b = table.get(addr as usize + i).copied().unwrap_or(0xFF);
                }
            }
            _ => {}
        }
        if miso_bits > 0 {
            let mut v = u32::from_le_bytes(bytes);
            if miso_bits < 32 {
                v &= (1u32 << miso_bits) - 1;
            }
            self.regs.insert(c::SPI_BASE + c::SPI_W0, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_codes() {
        assert_eq!(capacity_code(512 * 1024), 0x13);
        assert_eq!(capacity_code(1 << 20), 0x14);
        assert_eq!(capacity_code(4 << 20), 0x16);
    }
}
