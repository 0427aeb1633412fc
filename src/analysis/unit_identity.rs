//! The identity a dump carries: which unit it was read from.
//!
//! Used by the clone guard of `write` (refuse to restore another unit's dump unless sanitized or
//! forced) and by `sanitize`'s residue scan. Sources: the SDK's stored station MAC, stock Shelly
//! device ids (`shelly1-XXXXXX`, `shellydimmer2-XXXXXXXXXXXX`), Tasmota names derived from the MAC.

use crate::analysis::inspect::InspectReport;
use serde::Serialize;

pub use crate::formats::evidence::{IdEvidence, MacEvidence};

/// Everything in a dump that names one physical unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DumpIdentity {
    /// Stored MACs.
    pub macs: Vec<MacEvidence>,
    /// MAC-derived device names.
    pub device_ids: Vec<IdEvidence>,
}

impl DumpIdentity {
    /// True when the dump names no unit at all (nothing to guard).
    pub fn is_empty(&self) -> bool {
        self.macs.is_empty() && self.device_ids.is_empty()
    }

    /// Compare with a chip's station MAC. `None`: the dump carries no identity; `Some(true)`: every
    /// piece of evidence matches the chip; `Some(false)`: at least one names another unit.
    pub fn matches_mac(&self, chip_mac: [u8; 6]) -> Option<bool> {
        if self.is_empty() {
            return None;
        }
        let macs_ok = self.macs.iter().all(|m| m.mac == chip_mac);
        let ids_ok = self.device_ids.iter().all(|d| {
            let n = d.mac_tail.len().min(6);
            n > 0 && chip_mac[6 - n..] == d.mac_tail[d.mac_tail.len() - n..]
        });
        Some(macs_ok && ids_ok)
    }
}

/// Collect every identity a dump carries (inspecting it once; an input `inspect` refuses carries
/// none). Callers that already have the analysis use [`identity_of`].
pub fn dump_identity(data: &[u8]) -> DumpIdentity {
    crate::analysis::inspect::inspect(data, &crate::analysis::inspect::Options::default())
        .map(|r| identity_of(data, &r))
        .unwrap_or_default()
}

/// Every identity the analysis `r` of `data` found: the SDK's stored MACs (both parameter
/// copies, at the header's flash size and at the dump size), Tasmota names derived from a MAC in
/// the newest settings copy, and stock Shelly device ids in the stock file systems.
pub fn identity_of(data: &[u8], r: &InspectReport) -> DumpIdentity {
    let mut id = DumpIdentity::default();
    for t in r.sdk.iter().filter(|t| t.size_source != "stale") {
        for c in &t.copies {
            if let Some(m) = c.mac_evidence() {
                if !id.macs.iter().any(|x| x.offset == m.offset) {
                    id.macs.push(m);
                }
            }
        }
    }
    let newest = r.settings.as_ref().and_then(|s| s.newest_copy());
    if let Some(copy) = newest {
        let o = copy.offset as usize;
        if let Some(block) = data.get(o..o + crate::formats::tasmota::consts::SETTINGS_SIZE) {
            id.device_ids
                .extend(crate::formats::tasmota::identity(block, copy.offset));
        }
    }
    for f in r.filesystems.iter().filter(|f| f.stock_shelly) {
        for e in crate::formats::shelly::identity_listed(data, &f.info, &f.entries) {
            if !id
                .device_ids
                .iter()
                .any(|d| d.id == e.id && d.mac_tail == e.mac_tail)
            {
                id.device_ids.push(e);
            }
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_compares_full_mac_and_tails() {
        let mut id = DumpIdentity::default();
        assert_eq!(id.matches_mac([1, 2, 3, 4, 5, 6]), None);
        id.macs.push(MacEvidence {
            mac: [1, 2, 3, 4, 5, 6],
            source: "sdk".into(),
            offset: 0,
        });
        id.device_ids.push(IdEvidence {
            id: "shelly1-040506".into(),
            mac_tail: vec![4, 5, 6],
            source: "conf".into(),
            offset: None,
        });
        assert_eq!(id.matches_mac([1, 2, 3, 4, 5, 6]), Some(true));
        assert_eq!(id.matches_mac([1, 2, 3, 4, 5, 7]), Some(false));
        id.macs.clear();
        assert_eq!(id.matches_mac([9, 9, 9, 4, 5, 6]), Some(true));
    }

    #[test]
    fn dump_identity_finds_sdk_macs_in_both_copies() {
        let mut d = crate::testkit::erased(0x10_0000);
        crate::testkit::sdk_tail(
            &mut d,
            0x10_0000,
            &crate::testkit::SdkParams {
                sta_ssid: b"FakeNet",
                sta_password: b"pw",
                ap_ssid: b"",
                mac: [0x5C, 0xCF, 0x7F, 1, 2, 3],
                arduino_layout: false,
            },
            1,
        );
        let id = dump_identity(&d);
        let offs: Vec<u64> = id.macs.iter().map(|m| m.offset).collect();
        assert_eq!(offs, vec![0xFD000 + 0x492, 0xFE000 + 0x492]);
        assert_eq!(id.matches_mac([0x5C, 0xCF, 0x7F, 1, 2, 3]), Some(true));
        assert_eq!(id.matches_mac([0x5C, 0xCF, 0x7F, 1, 2, 4]), Some(false));
        assert_eq!(
            dump_identity(&crate::testkit::erased(0x10_0000)).matches_mac([0; 6]),
            None
        );
    }

    #[test]
    fn dump_identity_finds_the_shelly_device_id() {
        let d = crate::testkit::shelly1_stock_dump();
        let id = dump_identity(&d);
        assert!(id
            .device_ids
            .iter()
            .any(|e| e.id == "shelly1-5CCF7FA1B2C3" && e.mac_tail == crate::testkit::FIXTURE_MAC));
        assert_eq!(id.matches_mac(crate::testkit::FIXTURE_MAC), Some(true));
        let mut other = crate::testkit::FIXTURE_MAC;
        other[5] ^= 1;
        assert_eq!(id.matches_mac(other), Some(false));
    }
}
