//! Checks before writing a whole dump: it must fit the chip, its size and header flash size
//! must agree with the chip (unless forced), and it must come from this unit (the clone guard:
//! the MAC the chip reports against the identity the dump carries).

use crate::analysis::unit_identity::DumpIdentity;
use serde::Serialize;

/// True when `data` at `offset` looks like a whole-flash dump (offset 0 and a flash size).
pub fn is_whole_dump(offset: u64, len: usize) -> bool {
    offset == 0
        && crate::formats::flash::SIZES
            .iter()
            .any(|&(_, _, b)| b as usize == len)
}

/// A reason a dump does not match the chip's flash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SizeMismatch {
    /// Explanation.
    pub message: String,
}

/// Size checks of a whole dump against the chip: file size and the bootloader header's
/// flash-size code.
pub fn size_mismatches(data: &[u8], chip_size: u32) -> Vec<SizeMismatch> {
    let mut out = Vec::new();
    if data.len() != chip_size as usize {
        out.push(SizeMismatch {
            message: format!(
                "the dump is {} KiB but the chip has {} KiB of flash",
                data.len() / 1024,
                chip_size / 1024
            ),
        });
    }
    if let Some(h) = crate::formats::image::RawHeader::parse(data) {
        if h.magic == crate::formats::image::consts::MAGIC_V1
            || h.magic == crate::formats::image::consts::MAGIC_V2
        {
            if let Some((name, bytes)) = h.flash_size() {
                if bytes != chip_size {
                    out.push(SizeMismatch {
                        message: format!(
                            "the boot header at 0x0 says flash size {name} but the chip has {} KiB",
                            chip_size / 1024
                        ),
                    });
                }
            }
        }
    }
    out
}

/// The clone guard's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Guard {
    /// The dump names no unit: nothing to protect.
    NoIdentity,
    /// Every piece of identity in the dump matches this chip: restoring its own backup.
    SameUnit,
    /// The dump names another unit.
    OtherUnit {
        /// What in the dump names which unit (as stored: escape before printing).
        evidence: Vec<String>,
    },
}

/// Compare a dump's identity with the chip's MAC.
pub fn check(identity: &DumpIdentity, chip_mac: [u8; 6]) -> Guard {
    match identity.matches_mac(chip_mac) {
        None => Guard::NoIdentity,
        Some(true) => Guard::SameUnit,
        Some(false) => {
            let mut evidence: Vec<String> = identity
                .macs
                .iter()
                .filter(|m| m.mac != chip_mac)
                .map(|m| {
                    format!(
                        "MAC {} ({} at 0x{:06x})",
                        crate::formats::sdk::mac_string(&m.mac),
                        m.source,
                        m.offset
                    )
                })
                .collect();
            for d in &identity.device_ids {
                let n = d.mac_tail.len().min(6);
                let ok = n > 0 && chip_mac[6 - n..] == d.mac_tail[d.mac_tail.len() - n..];
                if !ok {
                    evidence.push(format!("device id {} ({})", d.id, d.source));
                }
            }
            Guard::OtherUnit { evidence }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::unit_identity::{IdEvidence, MacEvidence};

    #[test]
    fn whole_dump_sizes() {
        assert!(is_whole_dump(0, 1 << 20));
        assert!(is_whole_dump(0, 2 << 20));
        assert!(!is_whole_dump(0x1000, 1 << 20));
        assert!(!is_whole_dump(0, 300_000));
    }

    #[test]
    fn size_checks() {
        let mut d = vec![0xFFu8; 1 << 20];
        assert!(size_mismatches(&d, 1 << 20).is_empty());
        assert_eq!(size_mismatches(&d, 2 << 20).len(), 1);
        d[..4].copy_from_slice(&[0xE9, 1, 2, 0x40]); // header says 4MB
        let m = size_mismatches(&d, 1 << 20);
        assert_eq!(m.len(), 1);
        assert!(m[0].message.contains("4MB"), "{m:?}");
    }

    #[test]
    fn guard_verdicts() {
        let mac = [0x5C, 0xCF, 0x7F, 1, 2, 3];
        let mut id = DumpIdentity::default();
        assert_eq!(check(&id, mac), Guard::NoIdentity);
        id.macs.push(MacEvidence {
            mac,
            source: "sdk system params".into(),
            offset: 0xFE492,
        });
        assert_eq!(check(&id, mac), Guard::SameUnit);
        id.device_ids.push(IdEvidence {
            id: "shelly1-AABBCC".into(),
            mac_tail: vec![0xAA, 0xBB, 0xCC],
            source: "conf0.json".into(),
            offset: None,
        });
        match check(&id, mac) {
            Guard::OtherUnit { evidence } => {
                assert_eq!(
                    evidence,
                    vec!["device id shelly1-AABBCC (conf0.json)".to_string()]
                );
            }
            g => panic!("{g:?}"),
        }
    }
}
