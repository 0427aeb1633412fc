//! What the loader learns about a chip: the ESP8266 vs ESP8285 decision, the MAC from the OTP
//! words, and the flash size from the JEDEC id (`docs/serial.md` §P5). Pure functions.

use crate::{Error, Result};
use serde::Serialize;

/// What `info` reports about the chip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChipInfo {
    /// `ESP8266EX`, `ESP8285N08`, …
    pub chip: String,
    /// Station MAC, `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// The MAC bytes.
    #[serde(skip)]
    pub mac_bytes: [u8; 6],
    /// SDK chip id (`system_get_chip_id`).
    pub chip_id: u32,
    /// Crystal frequency in MHz (26 or 40), from the UART divider.
    pub crystal_mhz: u32,
    /// JEDEC id of the flash (manufacturer | type << 8 | capacity << 16).
    pub flash_id: u32,
    /// Flash manufacturer byte.
    pub flash_manufacturer: u8,
    /// Flash device (type << 8 | capacity).
    pub flash_device: u16,
    /// Detected size in bytes (`None`: unknown id).
    pub flash_size: Option<u32>,
}

/// Flash size from a JEDEC id (`docs/serial.md` §P5).
pub fn flash_size_from_id(id: u32) -> Option<u32> {
    let manufacturer = (id & 0xFF) as u8;
    let cap = ((id >> 16) & 0xFF) as u8;
    if manufacturer == 0x1F {
        // Adesto: low 5 bits of the device byte, 0x04 = 512 KiB.
        let code = ((id >> 8) & 0x1F) as u8;
        return (0x04..=0x09)
            .contains(&code)
            .then(|| (512 * 1024) << (code - 0x04));
    }
    let code = match cap {
        0x12..=0x19 => cap - 0x12,
        0x32..=0x39 => cap - 0x32,
        _ => return None,
    };
    Some((256 * 1024) << code)
}

/// MAC from the OTP words (esptool `ESP8266ROM.read_mac`).
pub fn mac_from_otp(mac0: u32, mac1: u32, mac3: u32) -> Result<[u8; 6]> {
    let oui = if mac3 != 0 {
        [(mac3 >> 16) as u8, (mac3 >> 8) as u8, mac3 as u8]
    } else {
        match (mac1 >> 16) & 0xFF {
            0 => [0x18, 0xFE, 0x34],
            1 => [0xAC, 0xD0, 0x74],
            x => {
                return Err(Error::Device(format!(
                    "unknown OUI code {x} in the OTP MAC words"
                )))
            }
        }
    };
    Ok([
        oui[0],
        oui[1],
        oui[2],
        (mac1 >> 8) as u8,
        mac1 as u8,
        (mac0 >> 24) as u8,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_from_ids() {
        assert_eq!(flash_size_from_id(0x1640EF), Some(4 << 20));
        assert_eq!(flash_size_from_id(0x1440C8), Some(1 << 20));
        assert_eq!(flash_size_from_id(0x154068), Some(2 << 20));
        assert_eq!(flash_size_from_id(0x3240EF), Some(256 << 10));
        assert_eq!(flash_size_from_id(0x00451F), Some(1 << 20));
        assert_eq!(flash_size_from_id(0xFFFFFF), None);
    }

    #[test]
    fn mac_rules() {
        assert_eq!(
            mac_from_otp(0x5600_0000, 0x1234, 0x5CCF7F).ok(),
            Some([0x5C, 0xCF, 0x7F, 0x12, 0x34, 0x56])
        );
        assert_eq!(
            mac_from_otp(0xAB00_0000, 0x0001_1234, 0).ok(),
            Some([0xAC, 0xD0, 0x74, 0x12, 0x34, 0xAB])
        );
        assert_eq!(
            mac_from_otp(0, 0x0000_0102, 0).ok(),
            Some([0x18, 0xFE, 0x34, 0x01, 0x02, 0x00])
        );
        assert!(mac_from_otp(0, 0x0005_0000, 0).is_err());
        assert_eq!(
            crate::formats::sdk::mac_string(&[0x5C, 0xCF, 0x7F, 0, 1, 0xAB]),
            "5c:cf:7f:00:01:ab"
        );
    }
}
