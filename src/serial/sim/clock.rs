//! The simulated chip's sense of time: what its flash work costs (datasheet typicals: 45 ms
//! per 4 KiB sector erase, 0.7 ms per 256-byte page program, MD5 at 2 MB/s) and when each
//! queued output may leave the chip. Drivers ask for the output that is due at their clock
//! ([`Device::take_due`]) and how long to wait for the next ([`Device::next_due`]).

use super::device::Device;
use crate::serial::sim::timing as c;
use std::time::Duration;

impl Device {
    /// The time the flash work since `before` (sector erases, bytes programmed) and any extra
    /// work (MD5) takes; zero unless [`Device::timing`].
    pub(super) fn work_cost(&self, before: (u64, u64)) -> Duration {
        if !self.timing {
            return Duration::ZERO;
        }
        let erases = self.flash.sector_erases.saturating_sub(before.0);
        let programmed = self.flash.bytes_programmed.saturating_sub(before.1);
        let pages = programmed.div_ceil(c::SIM_PAGE as u64);
        Duration::from_micros(erases * c::SIM_SECTOR_ERASE_US + pages * c::SIM_PAGE_PROGRAM_US)
            + self.extra_work
    }

    /// Account for computing an MD5 over `bytes` of flash.
    pub(super) fn md5_work(&mut self, bytes: usize) {
        if self.timing {
            self.extra_work += Duration::from_nanos(bytes as u64 * c::SIM_MD5_NS_PER_BYTE);
        }
    }

    /// Queue what the chip has sent so far to leave at `due`.
    pub(super) fn schedule(&mut self, due: Duration) {
        if self.out.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.out);
        match self.segments.back_mut() {
            Some((t, b)) if *t == due => b.extend_from_slice(&bytes),
            _ => self.segments.push_back((due, bytes)),
        }
    }

    /// The output due at `now` (in order; a later segment never overtakes an earlier one).
    pub fn take_due(&mut self, now: Duration) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some((t, _)) = self.segments.front() {
            if *t > now {
                break;
            }
            if let Some((_, b)) = self.segments.pop_front() {
                out.extend_from_slice(&b);
            }
        }
        self.apply_output_faults(out)
    }

    /// When the next queued output is due.
    pub fn next_due(&self) -> Option<Duration> {
        self.segments.front().map(|(t, _)| *t)
    }

    /// Drop or corrupt outgoing bytes as the faults ask (counted from 1 over the whole run).
    pub(super) fn apply_output_faults(&mut self, out: Vec<u8>) -> Vec<u8> {
        if self.faults.drop_byte.is_empty() && self.faults.corrupt_byte.is_empty() {
            self.bytes_out += out.len() as u64;
            return out;
        }
        let mut kept = Vec::with_capacity(out.len());
        for b in out {
            self.bytes_out += 1;
            let n = self.bytes_out;
            if self.faults.drop_byte.contains(&n) {
                continue;
            }
            kept.push(if self.faults.corrupt_byte.contains(&n) {
                b ^ 0x5A
            } else {
                b
            });
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use crate::serial::command::Command;
    use crate::serial::sim::{Device, DeviceConfig, Mode};
    use crate::serial::slip;
    use std::time::Duration;

    /// A 256 KiB chip running the stub, spending flash time.
    fn timed_stub() -> Device {
        let mut d = Device::new(vec![0u8; 0x40000], DeviceConfig::default());
        d.timing = true;
        d.mode = Mode::Stub;
        d
    }

    fn send(d: &mut Device, cmd: &Command) {
        d.input(&slip::encode(&cmd.encode()));
    }

    #[test]
    fn erase_region_costs_45_ms_per_sector_and_md5_2_mb_per_s() {
        let mut d = timed_stub();
        send(
            &mut d,
            &Command::EraseRegion {
                offset: 0,
                size: 0x4000,
            },
        );
        assert_eq!(d.next_due(), Some(Duration::from_millis(180)));
        assert!(d.take_due(Duration::from_millis(179)).is_empty());
        assert!(!d.take_due(Duration::from_millis(180)).is_empty());
        d.now = Duration::from_millis(200);
        send(
            &mut d,
            &Command::FlashMd5 {
                addr: 0,
                size: 0x20000,
            },
        );
        // 128 KiB at 500 ns per byte = 65.536 ms after the command arrived.
        assert_eq!(d.next_due(), Some(Duration::from_micros(265_536)));
    }

    #[test]
    fn reply_first_block_delays_the_next_reply() {
        let mut d = timed_stub();
        send(
            &mut d,
            &Command::FlashBegin {
                erase_size: 0x1000,
                blocks: 1,
                block_size: 0x1000,
                offset: 0,
                stub_form: true,
            },
        );
        let _ = d.take_due(Duration::ZERO);
        send(
            &mut d,
            &Command::FlashData {
                seq: 0,
                data: vec![0x55; 0x1000],
            },
        );
        // Answered at once ...
        assert_eq!(d.next_due(), Some(Duration::ZERO));
        let _ = d.take_due(Duration::ZERO);
        // ... but busy for one erase and 16 pages: the END waits 45 + 11.2 ms.
        send(&mut d, &Command::FlashEnd { reboot: false });
        assert_eq!(d.next_due(), Some(Duration::from_micros(56_200)));
    }
}
