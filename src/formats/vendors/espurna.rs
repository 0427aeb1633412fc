//! ESPurna settings: Embedis key/value pairs in the Arduino EEPROM sector, and with the
//! EEPROM_Rotate library (ESPurna 1.13 on) in a pool of sectors counting down from it.
//!
//! Format (ESPurna `settings.ino`, "Reverse engineering EEPROM storage format"): records grow
//! down from the last byte of the 4 KiB sector. At position `p` (first `p = 4095`) the byte is a
//! length `n` (0 or 0xFF: end); the key is the `n` bytes at `p - n - 1 .. p - 1` (byte `p - 1`
//! is the other byte of the two-byte length); then at `p - n - 2` the value's length `m` and the
//! value at `p - n - 2 - m - 1 ..`, and so on. EEPROM_Rotate keeps, at the offset ESPurna gives it
//! (`EEPROM_ROTATE_DATA` = 11), a check value in two bytes (big-endian 16-bit sum of every other
//! byte of the 4 KiB, the library's `_calculateCRC`) and a rotation counter in the third; the
//! copy whose check value holds and whose counter is highest is the live one.

use crate::formats::flash::SECTOR_SIZE;
use crate::report::{Class, ConfigItem, ConfigSection};
use serde::Serialize;

/// Sectors of the rotation pool examined below the EEPROM sector.
pub const POOL: usize = 4;
/// Where ESPurna puts the EEPROM_Rotate bytes (`EEPROM_ROTATE_DATA`).
pub const OFF_ROTATE: usize = 11;
/// Byte offset of the EEPROM_Rotate counter.
pub const OFF_COUNTER: usize = OFF_ROTATE + 2;

/// EEPROM_Rotate's check value: the 16-bit sum of every byte but its three own.
pub fn rotate_sum(sector: &[u8]) -> u16 {
    sector
        .iter()
        .enumerate()
        .filter(|(i, _)| !(OFF_ROTATE..=OFF_COUNTER).contains(i))
        .fold(0u16, |a, (_, &b)| a.wrapping_add(b as u16))
}

/// One key/value pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    /// Key (untrusted).
    pub key: String,
    /// Value (untrusted).
    pub value: String,
    /// Offset of the value in the dump.
    pub offset: u64,
}

/// One sector's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Offset of the sector.
    pub offset: u64,
    /// EEPROM_Rotate counter.
    pub counter: u8,
    /// The EEPROM_Rotate check value holds.
    pub check_valid: bool,
    /// Pairs in storage order.
    pub pairs: Vec<Pair>,
    /// Bytes the records occupy at the end of the sector.
    pub used: u64,
}

/// Parse one sector. None when no well-formed record is at its end.
pub fn parse(sector: &[u8], offset: u64) -> Option<Settings> {
    if sector.len() != SECTOR_SIZE {
        return None;
    }
    let mut pairs = Vec::new();
    let mut p = SECTOR_SIZE - 1;
    let take = |p: usize| -> Option<(usize, &[u8])> {
        let n = sector[p] as usize;
        if n == 0 || n == 0xFF {
            return None;
        }
        let np = p.checked_sub(n + 2)?;
        Some((np, &sector[np + 1..np + 1 + n]))
    };
    while pairs.len() < 512 {
        let Some((vp, key)) = take(p) else { break };
        let Some((np, value)) = take(vp) else { break };
        let printable = |b: &[u8]| b.iter().all(|&c| (0x20..0x7F).contains(&c));
        if !printable(key) || !printable(value) {
            return None;
        }
        pairs.push(Pair {
            key: super::text(key),
            value: super::text(value),
            offset: offset + np as u64 + 1,
        });
        p = np;
    }
    (!pairs.is_empty()).then(|| Settings {
        offset,
        counter: sector[OFF_COUNTER],
        check_valid: u16::from_be_bytes([sector[OFF_ROTATE], sector[OFF_ROTATE + 1]])
            == rotate_sum(sector),
        pairs,
        used: (SECTOR_SIZE - 1 - p) as u64,
    })
}

/// Every settings copy in the pool that ends at the EEPROM sector (`eeprom_offset`), live first
/// (a holding check value, then the highest counter).
pub fn find(data: &[u8], eeprom_offset: usize) -> Vec<Settings> {
    let mut out: Vec<Settings> = (0..POOL)
        .filter_map(|i| {
            let o = eeprom_offset.checked_sub(i * SECTOR_SIZE)?;
            parse(data.get(o..o + SECTOR_SIZE)?, o as u64)
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse((s.check_valid, s.counter)));
    out
}

/// How an ESPurna key is classed (its keys are camelCase, indexed ones end in a digit).
pub fn classify(key: &str) -> Class {
    let k = key
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .to_ascii_lowercase();
    if k.contains("pass") || k.ends_with("key") || k.contains("token") || k.contains("secret") {
        Class::Secret
    } else if matches!(
        k.as_str(),
        "hostname" | "mqttclientid" | "mqtttopic" | "desc" | "friendlyname"
    ) {
        Class::Identity
    } else if k == "ssid"
        || k.ends_with("server")
        || k.ends_with("host")
        || matches!(
            k.as_str(),
            "mqttuser" | "ip" | "gw" | "mask" | "dns" | "mqttport"
        )
    {
        if k == "mqttuser" {
            Class::Secret
        } else {
            Class::Site
        }
    } else {
        Class::Setting
    }
}

/// A copy as a config section.
pub fn section(s: &Settings, live: bool) -> ConfigSection {
    ConfigSection {
        source: format!(
            "espurna settings @0x{:06x} (counter {}, check {})",
            s.offset,
            s.counter,
            if s.check_valid { "valid" } else { "BAD" }
        ),
        live,
        items: s
            .pairs
            .iter()
            .map(|p| {
                ConfigItem::new(
                    p.key.as_str(),
                    p.value.as_str(),
                    classify(&p.key),
                    Some(p.offset),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Build a sector the way Embedis writes it: each record below the previous one.
    pub(crate) fn build(pairs: &[(&str, &str)], counter: u8) -> Vec<u8> {
        let mut s = vec![0xFFu8; SECTOR_SIZE];
        s[OFF_COUNTER] = counter;
        let mut p = SECTOR_SIZE - 1;
        for (k, v) in pairs {
            for field in [k.as_bytes(), v.as_bytes()] {
                s[p] = field.len() as u8;
                s[p - 1] = 0;
                let st = p - 1 - field.len();
                s[st..p - 1].copy_from_slice(field);
                p = st - 1;
            }
        }
        s[p] = 0;
        let sum = rotate_sum(&s).to_be_bytes();
        s[OFF_ROTATE..OFF_ROTATE + 2].copy_from_slice(&sum);
        s
    }

    #[test]
    fn reads_records_from_the_end() {
        let s = build(
            &[
                ("ssid0", "HomeNet"),
                ("pass0", "pw123456"),
                ("hostname", "ESPURNA-0A1B2C"),
            ],
            7,
        );
        let st = parse(&s, 0xFB000).unwrap();
        assert_eq!(st.pairs.len(), 3);
        assert_eq!(st.pairs[0].key, "ssid0");
        assert_eq!(st.pairs[0].value, "HomeNet");
        // value of the first pair: key "ssid0" occupies 4094-5..4093, its length at 4095/4094;
        // value length at 4088, value at 4088-7-1 = 4080.
        assert_eq!(st.pairs[0].offset, 0xFB000 + 4080);
        assert_eq!(st.counter, 7);
        assert!(st.check_valid);
        assert_eq!(classify("pass0"), Class::Secret);
        assert_eq!(classify("ssid0"), Class::Site);
        assert_eq!(classify("hostname"), Class::Identity);
        assert_eq!(classify("relayBoot0"), Class::Setting);
    }

    #[test]
    fn newest_copy_first_and_garbage_rejected() {
        let mut d = vec![0xFFu8; 0x10_0000];
        d[0xFB000..0xFC000].copy_from_slice(&build(&[("a", "1")], 3));
        d[0xFA000..0xFB000].copy_from_slice(&build(&[("a", "2")], 4));
        let f = find(&d, 0xFB000);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].offset, 0xFA000);
        assert!(parse(&vec![0xFF; SECTOR_SIZE], 0).is_none());
        // A newer counter with a broken check value does not win.
        let mut torn = build(&[("a", "3")], 9);
        torn[100] = 0;
        d[0xF9000..0xFA000].copy_from_slice(&torn);
        let f = find(&d, 0xFB000);
        assert_eq!((f[0].offset, f[2].offset), (0xFA000, 0xF9000));
        assert!(!f[2].check_valid);
        let mut bad = build(&[("a", "1")], 0);
        bad[SECTOR_SIZE - 3] = 0x01; // key byte not printable
        assert!(parse(&bad, 0).is_none());
    }
}
