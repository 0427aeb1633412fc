//! The ESP-IDF style partition table that ESP8266 RTOS SDK 3.x writes at 0x8000: 32-byte entries
//! (`AA 50`, type, subtype, offset, size, 16-byte label, flags), ended by an MD5 entry (`EB EB`)
//! or erased bytes.

use crate::formats::binparse::read_at;
use binrw::{BinRead, BinWrite};
use md5::{Digest, Md5};
use serde::Serialize;

// ESP-IDF partition table numbers (`docs/structures.md` §4).
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

/// One 32-byte row of the table as stored: a partition entry (`AA 50`) or the MD5 entry
/// (`EB EB`) over the rows before it. Anything else ends the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BinRead, BinWrite)]
#[brw(little)]
#[br(return_unexpected_error)]
pub enum RawRow {
    /// `esp_partition_info_t`.
    #[brw(magic = 0x50AAu16)]
    Entry {
        /// Type byte.
        ptype: u8,
        /// Subtype byte.
        subtype: u8,
        /// Flash offset.
        offset: u32,
        /// Size.
        size: u32,
        /// Label, NUL-padded.
        label: [u8; 16],
        /// Flags (bit 0: encrypted).
        flags: u32,
    },
    /// The MD5 row.
    #[brw(magic = 0xEBEBu16)]
    Md5 {
        /// Padding (erased).
        pad: [u8; 14],
        /// MD5 of the rows before this one.
        digest: [u8; 16],
    },
}
const _: () = assert!(ENTRY_MAGIC == 0x50AA && MD5_MAGIC == 0xEBEB && ENTRY_LEN == 32);

/// One partition entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partition {
    /// Label (untrusted text).
    pub label: String,
    /// Type byte (0 app, 1 data).
    pub ptype: u8,
    /// Subtype byte.
    pub subtype: u8,
    /// Flash offset.
    pub offset: u32,
    /// Size.
    pub size: u32,
}

impl Partition {
    /// A short kind name: `app`, `nvs`, `phy_init`, `ota_data`, `spiffs`, `fat`, `data`.
    pub fn kind_name(&self) -> &'static str {
        match (self.ptype, self.subtype) {
            (0, _) => "app",
            (1, 0x00) => "ota_data",
            (1, 0x01) => "phy_init",
            (1, 0x02) => "nvs",
            (1, 0x81) => "fat",
            (1, 0x82) => "spiffs",
            _ => "data",
        }
    }
}

/// A parsed table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionTable {
    /// Offset of the table.
    pub offset: u64,
    /// Entries in order.
    pub entries: Vec<Partition>,
    /// MD5 entry check: `Some(true)` valid, `Some(false)` mismatch, `None` absent.
    pub md5_valid: Option<bool>,
    /// Length of the table including the MD5 entry.
    pub len: usize,
}

/// Parse the table at 0x8000, if there is one. Entries must lie inside `flash_len`.
pub fn parse(data: &[u8], flash_len: usize) -> Option<PartitionTable> {
    let base = TABLE_OFFSET;
    let mut entries = Vec::new();
    let mut pos = base;
    let mut md5_valid = None;
    while pos < base + MAX_LEN {
        match read_at::<RawRow>(data, pos) {
            Some(RawRow::Entry {
                ptype,
                subtype,
                offset,
                size,
                label,
                ..
            }) => {
                if size == 0 || (offset as usize).checked_add(size as usize)? > flash_len {
                    return None;
                }
                let n = label.iter().position(|&b| b == 0).unwrap_or(label.len());
                entries.push(Partition {
                    label: String::from_utf8_lossy(&label[..n]).into_owned(),
                    ptype,
                    subtype,
                    offset,
                    size,
                });
                pos += ENTRY_LEN;
            }
            Some(RawRow::Md5 { digest, .. }) => {
                md5_valid = Some(Md5::digest(&data[base..pos]).as_slice() == digest);
                pos += ENTRY_LEN;
                break;
            }
            None => break,
        }
    }
    if entries.is_empty() {
        return None;
    }
    Some(PartitionTable {
        offset: base as u64,
        entries,
        md5_valid,
        len: pos - base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(t: u8, st: u8, off: u32, size: u32, label: &str) -> Vec<u8> {
        let mut e = vec![0xAA, 0x50, t, st];
        e.extend_from_slice(&off.to_le_bytes());
        e.extend_from_slice(&size.to_le_bytes());
        let mut l = [0u8; 16];
        l[..label.len()].copy_from_slice(label.as_bytes());
        e.extend_from_slice(&l);
        e.extend_from_slice(&0u32.to_le_bytes());
        e
    }

    #[test]
    fn parses_table_with_md5() {
        let mut v = vec![0xFFu8; 0x10_0000];
        let mut t = entry(1, 2, 0x9000, 0x6000, "nvs");
        t.extend(entry(1, 1, 0xF000, 0x1000, "phy_init"));
        t.extend(entry(0, 0, 0x10000, 0xF0000, "factory"));
        let digest = Md5::digest(&t);
        let mut m = vec![0xEB, 0xEB];
        m.extend([0xFF; 14]);
        m.extend_from_slice(&digest);
        t.extend(m);
        v[0x8000..0x8000 + t.len()].copy_from_slice(&t);
        let p = parse(&v, v.len()).unwrap();
        assert_eq!(p.entries.len(), 3);
        assert_eq!(p.entries[2].label, "factory");
        assert_eq!(p.entries[2].kind_name(), "app");
        assert_eq!(p.entries[0].kind_name(), "nvs");
        assert_eq!(p.md5_valid, Some(true));
        assert_eq!(p.len, 4 * 32);
        v[0x8000 + 12] = b'N';
        assert_eq!(parse(&v, v.len()).unwrap().md5_valid, Some(false));
    }

    #[test]
    fn no_table_in_erased_or_out_of_range() {
        assert!(parse(&vec![0xFF; 0x9000], 0x9000).is_none());
        let mut v = vec![0xFFu8; 0x9000];
        let e = entry(0, 0, 0x10000, 0xF0000, "factory");
        v[0x8000..0x8020].copy_from_slice(&e);
        assert!(parse(&v, 0x8_0000).is_none());
    }
}
