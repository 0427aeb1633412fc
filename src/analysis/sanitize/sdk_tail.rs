//! The SDK tail step of every recipe: RF calibration, system parameters and flag sector.

use super::Policy;
use crate::formats::bootloader::BootKind;
use crate::formats::flash::{ERASED, SECTOR_SIZE};
use crate::formats::sdk::{self, ParamCopy, SdkTail};
use crate::report::{size_str, Change};

pub(super) fn fill(out: &mut [u8], start: usize, end: usize, byte: u8) -> bool {
    let s = &mut out[start..end];
    if s.iter().all(|&b| b == byte) {
        return false;
    }
    s.fill(byte);
    true
}

/// The changes of one tail, labelled with the tail.
struct Log {
    region: String,
    list: Vec<Change>,
}

impl Log {
    /// Erase the sector at `o` when it is not erased already, and log it.
    fn erase_sector(&mut self, out: &mut [u8], o: usize, what: &str, why: &str) {
        if fill(out, o, o + SECTOR_SIZE, ERASED) {
            self.rec(o, o + SECTOR_SIZE, what, why);
        }
    }
    fn rec(&mut self, start: usize, end: usize, what: &str, why: &str) {
        self.list.push(Change {
            region: self.region.clone(),
            start: start as u64,
            end: end as u64,
            what: what.into(),
            why: why.into(),
        });
    }
}

/// Clean one SDK tail: station/softAP config and stored MAC gone in both copies.
pub(super) fn clean(out: &mut [u8], t: &SdkTail, p: &Policy, boot: BootKind) -> Vec<Change> {
    let size = t.flash_size as usize;
    let mut log = Log {
        region: format!(
            "sdk tail ({}, {} size)",
            size_str(size as u64),
            t.size_source
        ),
        list: Vec::new(),
    };
    // A stale tail's RF calibration position may be the current layout's (Tasmota's EEPROM slot
    // is the 1 MB SDK tail's RF cal sector): only its parameter copies and flag are cleaned.
    if t.rf_cal_present && !p.keep_rfcal && t.size_source != "stale" {
        log.erase_sector(
            out,
            t.rf_cal_offset as usize,
            "erased the RF calibration sector",
            "measured on the donor's chip; the new chip calibrates on first boot",
        );
    }
    let active = t.active_copy().filter(|c| !c.erased);
    match active {
        Some(a) if p.keep_wifi => keep_station(out, t, a, &mut log),
        _ => erase_params(out, t, active, boot, &mut log),
    }
    log.list
}

/// `--keep wifi`: keep the station config of the current copy; clear softAP, AP records of other
/// networks, the stored MAC; write it to both copies with a consistent flag sector.
fn keep_station(out: &mut [u8], t: &SdkTail, a: &ParamCopy, log: &mut Log) {
    let ao = a.offset as usize;
    let mut block = out[ao..ao + SECTOR_SIZE].to_vec();
    block[sdk::OFF_AP_SSID_LEN..sdk::OFF_AP_SSID_LEN + 4].fill(ERASED);
    block[sdk::OFF_AP_SSID..sdk::OFF_AP_SSID + 32].fill(ERASED);
    block[sdk::OFF_AP_PASSWORD..sdk::OFF_AP_PASSWORD + 64].fill(0);
    for i in 0..sdk::AP_RECORD_COUNT {
        let base = sdk::OFF_AP_RECORDS + i * sdk::AP_RECORD_LEN;
        let ssid_matches = a
            .ap_records
            .get(i)
            .is_some_and(|(s, _)| Some(s) == a.sta_ssid.as_ref());
        if !(i == 0 && ssid_matches) {
            block[base..base + sdk::AP_RECORD_LEN].fill(0);
        }
    }
    block[sdk::OFF_STA_MAC..sdk::OFF_STA_MAC + 6].fill(ERASED);
    for c in &t.copies {
        let o = c.offset as usize;
        if out[o..o + SECTOR_SIZE] != block[..] {
            out[o..o + SECTOR_SIZE].copy_from_slice(&block);
            log.rec(o, o + SECTOR_SIZE, &format!("copy {}: kept the station config, cleared softAP, other networks and the stored MAC", c.index), "identity; --keep wifi");
        }
    }
    let Some(f) = &t.flag else { return };
    let fo = f.offset as usize;
    let ck = sdk::param_checksum(&block, sdk::PARAM_CHECKSUM_LEN as usize);
    let mut flag = vec![f.current, 0xFF, 0xFF, 0xFF];
    for w in [
        sdk::FLAG_MAGIC1,
        f.counter.wrapping_add(1),
        sdk::PARAM_CHECKSUM_LEN,
        sdk::PARAM_CHECKSUM_LEN,
        ck,
        ck,
        sdk::FLAG_MAGIC2,
    ] {
        flag.extend_from_slice(&w.to_le_bytes());
    }
    let mut sector = vec![ERASED; SECTOR_SIZE];
    sector[..flag.len()].copy_from_slice(&flag);
    if out[fo..fo + SECTOR_SIZE] != sector[..] {
        out[fo..fo + SECTOR_SIZE].copy_from_slice(&sector);
        log.rec(
            fo,
            fo + SECTOR_SIZE,
            "rewrote the flag sector with both checksums",
            "consistency",
        );
    }
}

/// As a flash tool leaves it (blank.bin over the parameter sectors); boot_v1.x keeps its boot
/// selection in bytes 0..8, which are preserved so the same user bin boots.
fn erase_params(
    out: &mut [u8],
    t: &SdkTail,
    active: Option<&ParamCopy>,
    boot: BootKind,
    log: &mut Log,
) {
    let boot_bytes: Option<Vec<u8>> = (boot == BootKind::EspSdkBoot)
        .then(|| active.map(|a| out[a.offset as usize..a.offset as usize + 8].to_vec()))
        .flatten();
    let kept = if boot_bytes.is_some() {
        " (kept the 8 boot-selection bytes)"
    } else {
        ""
    };
    for c in &t.copies {
        let o = c.offset as usize;
        let mut sector = vec![ERASED; SECTOR_SIZE];
        if let Some(b) = &boot_bytes {
            sector[..8].copy_from_slice(b);
        }
        if out[o..o + SECTOR_SIZE] != sector[..] {
            out[o..o + SECTOR_SIZE].copy_from_slice(&sector);
            log.rec(
                o,
                o + SECTOR_SIZE,
                &format!("erased system parameters copy {}{kept}", c.index),
                "station/softAP config and stored MAC (secret, identity)",
            );
        }
    }
    if let Some(f) = &t.flag {
        log.erase_sector(
            out,
            f.offset as usize,
            "erased the system-parameter flag sector",
            "consistent with the erased copies (the SDK starts from defaults)",
        );
    }
}
