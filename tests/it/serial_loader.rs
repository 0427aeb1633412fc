//! The loader and workflows against the in-memory simulator: exact flash contents, command
//! logs, skipping, ROM-only behaviour and injected faults.

use espdump::serial::loader::{EndState, Loader};
use espdump::serial::ops::{self, SessionOptions};
use espdump::serial::sim::{Device, DeviceConfig, Faults, Mode, SimTransport};
use espdump::serial::transport::{After, Before};
use espdump::serial::{ProgressEvent, Task};

const MAC: [u8; 6] = [0x5C, 0xCF, 0x7F, 0xAA, 0xBB, 0xCC];

use crate::common::sim::test_stub;

/// A pseudo-random image with ~60 % erased sectors.
fn image(size: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut v = vec![0xFFu8; size];
    for (i, s) in v.chunks_mut(4096).enumerate() {
        if (i * 7 + seed as usize) % 5 < 2 {
            for b in s.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = x as u8;
            }
        }
    }
    v
}

fn sim(flash: Vec<u8>) -> SimTransport {
    let mut t = SimTransport::new(Device::new(
        flash,
        DeviceConfig {
            mac: MAC,
            jedec: None,
        },
    ));
    t.no_lines = true;
    t
}

fn opts(stub: bool) -> SessionOptions {
    SessionOptions {
        before: Before::NoReset,
        baud: None,
        stub: stub.then(test_stub),
        connect_attempts: Some(1),
        stop: Default::default(),
    }
}

#[test]
fn info_through_rom_matches_device() {
    let mut events = Vec::new();
    let mut cb = |e: ProgressEvent| events.push(e);
    let s = ops::open_session(sim(vec![0xFF; 1 << 20]), &opts(false), &mut cb).expect("session");
    assert_eq!(s.info.chip, "ESP8266EX");
    assert_eq!(s.info.mac, "5c:cf:7f:aa:bb:cc");
    assert_eq!(s.info.flash_id, 0x1440EF);
    assert_eq!(s.info.flash_size, Some(1 << 20));
    assert_eq!(s.info.crystal_mhz, 26);
    assert_eq!(s.stub_source, None);
    assert!(events.is_empty());
}

#[test]
fn read_skips_erased_sectors_and_is_exact() {
    let img = image(1 << 20, 3);
    let mut s = ops::open_session(sim(img.clone()), &opts(true), &mut |_| {}).expect("session");
    assert!(s.loader.stub);
    let mut buf = vec![0u8; img.len()];
    let mut reads = 0u64;
    let mut cb = |e: ProgressEvent| {
        if let ProgressEvent::Begin {
            task: Task::Read,
            total,
        } = e
        {
            reads = total;
        }
    };
    let rep = ops::read_into(&mut s.loader, 0, &mut buf, &mut cb).expect("read");
    assert_eq!(buf, img);
    let data_sectors = img
        .chunks(4096)
        .filter(|c| c.iter().any(|&b| b != 0xFF))
        .count() as u32;
    assert_eq!(rep.sectors_read, data_sectors);
    assert_eq!(rep.sectors_erased, 256 - data_sectors);
    assert_eq!(reads, u64::from(data_sectors) * 4096);
    assert_eq!(rep.md5, hex::encode(espdump::serial::plan::md5(&img)));
    // Only READ_FLASH for data sectors went over the line.
    let dev = &s.loader.transport().device;
    let read_ops = dev.log.iter().filter(|l| l.op == "READ_FLASH").count();
    assert!(read_ops >= 1);
    assert!(dev.log.iter().all(|l| l.status != Some([0xC1, 0])));
}

#[test]
fn write_then_read_roundtrip_skips_unchanged() {
    let old = image(512 << 10, 5);
    let mut new = old.clone();
    new[0x2_0010] ^= 0xFF; // one changed sector
    new[0x7_F000..0x8_0000].fill(0x00); // last sector
    let mut s = ops::open_session(sim(old), &opts(true), &mut |_| {}).expect("session");
    let plan = ops::plan_write(&mut s.loader, 0, &new, &mut |_| {}).expect("plan");
    assert_eq!(plan.runs, vec![(0x2_0000, 0x1000), (0x7_F000, 0x1000)]);
    assert_eq!(plan.unchanged_sectors, 126);
    let rep = ops::execute_write(&mut s.loader, &new, &plan, &mut |_| {}).expect("write");
    assert!(rep.verified);
    assert_eq!(rep.bytes_written, 0x2000);
    assert_eq!(s.loader.transport().device.flash.contents(), &new[..]);
    let log: Vec<&str> = s
        .loader
        .transport()
        .device
        .log
        .iter()
        .map(|l| l.op.as_str())
        .collect();
    assert!(log.contains(&"FLASH_DEFL_BEGIN"));
    assert!(log.contains(&"FLASH_DEFL_END"));
    assert!(!log.contains(&"FLASH_DATA"));
}

#[test]
fn rom_only_write_and_erase_work_and_read_is_refused() {
    let mut s =
        ops::open_session(sim(vec![0x00; 256 << 10]), &opts(false), &mut |_| {}).expect("session");
    let data: Vec<u8> = (0..0x4000u32).map(|i| (i * 7) as u8).collect();
    let plan = ops::plan_write(&mut s.loader, 0x10000, &data, &mut |_| {}).expect("plan");
    let rom = plan.rom.clone().expect("rom plan");
    assert_eq!(rom.erase_size, 0x2000);
    assert_eq!(rom.blocks, 16);
    let rep = ops::execute_write(&mut s.loader, &data, &plan, &mut |_| {}).expect("write");
    assert!(!rep.verified);
    let dev = &s.loader.transport().device;
    assert_eq!(dev.flash.get(0x10000, 0x4000), Some(&data[..]));
    assert_eq!(dev.flash.get(0xF000, 0x1000), Some(&[0u8; 0x1000][..]));
    assert_eq!(dev.flash.get(0x14000, 0x1000), Some(&[0u8; 0x1000][..]));
    assert_eq!(dev.mode, Mode::Rom);
    let begins: Vec<_> = dev
        .log
        .iter()
        .filter(|l| l.op == "FLASH_BEGIN")
        .map(|l| l.args.clone())
        .collect();
    assert_eq!(
        begins.last().cloned(),
        Some(vec![0x2000, 16, 0x400, 0x10000])
    );
    // ROM erase of one sector (odd count): the ROM bug takes the next sector too.
    let e = ops::erase(&mut s.loader, 0x20000, 0x1000, false, &mut |_| {}).expect("erase");
    assert_eq!(e.collateral_sector, Some(0x21));
    let dev = &s.loader.transport().device;
    assert_eq!(dev.flash.get(0x20000, 0x2000), Some(&[0xFFu8; 0x2000][..]));
    assert_eq!(dev.flash.get(0x22000, 1), Some(&[0u8][..]));
    // Read needs the stub.
    let mut buf = vec![0u8; 0x1000];
    let err = ops::read_into(&mut s.loader, 0, &mut buf, &mut |_| {}).expect_err("refused");
    assert!(err.to_string().contains("needs the flasher stub"), "{err}");
}

#[test]
fn corrupted_read_byte_is_retried_and_exact() {
    let img = image(256 << 10, 9);
    let mut t = sim(img.clone());
    // Corrupt a byte well inside the READ_FLASH data stream, and drop another one later.
    t.device.faults = Faults::parse("corrupt@40000,drop@120000").expect("faults");
    let mut s = ops::open_session(t, &opts(true), &mut |_| {}).expect("session");
    let mut buf = vec![0u8; img.len()];
    let mut notes = Vec::new();
    let mut cb = |e: ProgressEvent| {
        if let ProgressEvent::Note(n) = e {
            notes.push(n)
        }
    };
    let rep = ops::read_into(&mut s.loader, 0, &mut buf, &mut cb).expect("read");
    assert_eq!(buf, img);
    assert!(rep.retries >= 1, "{rep:?}");
    assert!(!notes.is_empty());
}

#[test]
fn reset_mid_read_fails_loudly_then_resume_completes() {
    let img = image(512 << 10, 11);
    let mut t = sim(img.clone());
    t.device.faults = Faults::parse("reset@200").expect("faults");
    let mut s = ops::open_session(t, &opts(true), &mut |_| {}).expect("session");
    let mut buf = vec![0xFFu8; img.len()];
    let err = ops::read_into(&mut s.loader, 0, &mut buf, &mut |_| {}).expect_err("reset");
    assert!(err.to_string().contains("reset"), "{err}");
    // Resume: reconnect (the chip is in the ROM again), re-upload the stub, reuse the partial.
    let t = s.loader.into_transport();
    let mut s = ops::open_session(t, &opts(true), &mut |_| {}).expect("session 2");
    let partial = buf.clone();
    let rep = ops::read_into(&mut s.loader, 0, &mut buf, &mut |_| {}).expect("resume");
    assert_eq!(buf, img);
    assert!(rep.sectors_reused > 0, "{rep:?}");
    let reused_data = partial
        .chunks(4096)
        .zip(img.chunks(4096))
        .filter(|(p, i)| p == i && i.iter().any(|&b| b != 0xFF))
        .count() as u32;
    assert_eq!(rep.sectors_reused, reused_data);
}

#[test]
fn stalled_reply_times_out_as_device_error() {
    let mut t = sim(vec![0xFF; 256 << 10]);
    t.device.faults = Faults::parse("stall@1").expect("faults");
    let mut l = Loader::new(t);
    l.connect_attempts = 1;
    // The first SYNC is swallowed; the next ones answer.
    l.connect(Before::NoReset).expect("connect after retry");
    assert!(!l.stub);
}

#[test]
fn finish_without_lines_returns_to_rom() {
    let mut s =
        ops::open_session(sim(vec![0xFF; 256 << 10]), &opts(true), &mut |_| {}).expect("session");
    assert!(s.loader.stub);
    // The current stub does not reboot on FLASH_END: the chip is reported (and found by
    // SYNC) still in the stub, at 115200 so the next session can use it.
    let st = s.loader.finish(After::HardReset).expect("finish");
    assert_eq!(st, EndState::Stub { baud: 115_200 });
    assert_eq!(s.loader.transport().device.mode, Mode::Stub);
}

#[test]
fn reset_lines_enter_the_loader() {
    let mut t = SimTransport::new(Device::new(vec![0xFF; 256 << 10], DeviceConfig::default()));
    t.device.mode = Mode::UserCode; // firmware running
    let mut l = Loader::new(t);
    l.connect(Before::DefaultReset).expect("connect");
    assert_eq!(l.reset_lines, Some(true));
    assert_eq!(l.transport().device.mode, Mode::Rom);
    assert_eq!(
        l.finish(After::HardReset).expect("finish"),
        EndState::HardReset
    );
    assert_eq!(l.transport().device.mode, Mode::UserCode);
}

#[test]
fn baud_change_needs_stub_and_switches_both_ends() {
    let mut o = opts(true);
    o.baud = Some(921_600);
    let mut s = ops::open_session(sim(vec![0xFF; 256 << 10]), &o, &mut |_| {}).expect("session");
    assert_eq!(s.loader.transport().device.baud, 921_600);
    assert_eq!(s.loader.transport().host_baud, 921_600);
    let md5 = s.loader.md5(0, 0x1000).expect("md5 at new baud");
    assert_eq!(md5, espdump::serial::plan::erased_md5(0x1000));
    let mut o = opts(false);
    o.baud = Some(921_600);
    let err = ops::open_session(sim(vec![0xFF; 256 << 10]), &o, &mut |_| {})
        .err()
        .expect("refused");
    assert!(err.to_string().contains("cannot change baud"), "{err}");
}

#[test]
fn progress_events_come_in_order() {
    let img = vec![0xFFu8; 256 << 10];
    let mut s = ops::open_session(sim(img), &opts(true), &mut |_| {}).expect("session");
    let data = image(0x8000, 1);
    let mut events = Vec::new();
    let mut cb = |e: ProgressEvent| events.push(e);
    let plan = ops::plan_write(&mut s.loader, 0x1000, &data, &mut cb).expect("plan");
    ops::execute_write(&mut s.loader, &data, &plan, &mut cb).expect("write");
    let kinds: Vec<String> = events
        .iter()
        .map(|e| match e {
            ProgressEvent::Begin { task, total } => format!("begin {task:?} {total}"),
            ProgressEvent::Advance { task, .. } => format!("advance {task:?}"),
            ProgressEvent::End { task } => format!("end {task:?}"),
            ProgressEvent::Note(n) => format!("note {n}"),
            ProgressEvent::ChipBusy(m) => format!("busy {m:?}"),
        })
        .collect();
    let written: u64 = plan.runs.iter().map(|r| u64::from(r.1)).sum();
    let mut want = vec![
        "begin Scan 8".to_string(),
        "advance Scan".into(),
        "end Scan".into(),
    ];
    want.push(format!("begin Write {written}"));
    let blocks = kinds.iter().filter(|k| *k == "advance Write").count();
    assert!(blocks >= plan.runs.len());
    want.resize(want.len() + blocks, "advance Write".to_string());
    want.push("end Write".into());
    want.push("begin Verify 32768".into());
    want.push("end Verify".into());
    assert_eq!(kinds, want);
    // The last write advance reaches the total.
    let last = events.iter().rev().find_map(|e| match e {
        ProgressEvent::Advance {
            task: Task::Write,
            done,
        } => Some(*done),
        _ => None,
    });
    assert_eq!(last, Some(written));
}

/// Sweep every kind of fault over the whole transfer: each run either completes byte-exact
/// or returns an error; never a wrong result reported as success.
#[test]
fn faults_anywhere_never_yield_wrong_data() {
    let img = image(64 << 10, 17);
    let data = image(64 << 10, 23);
    let (mut ok, mut failed) = (0, 0);
    for kind in ["drop", "corrupt", "stall", "reset"] {
        let positions: Vec<u64> = match kind {
            "drop" | "corrupt" => (1..=14).map(|i| i * 4_007).collect(),
            _ => (1..=14).map(|i| i * 5).collect(),
        };
        for n in positions {
            let spec = format!("{kind}@{n}");
            // Read.
            let mut t = sim(img.clone());
            t.device.faults = Faults::parse(&spec).expect("spec");
            let r = ops::open_session(t, &opts(true), &mut |_| {}).and_then(|mut s| {
                let mut buf = vec![0u8; img.len()];
                ops::read_into(&mut s.loader, 0, &mut buf, &mut |_| {}).map(|_| buf)
            });
            match r {
                Ok(buf) => {
                    assert_eq!(buf, img, "read with {spec} returned wrong data");
                    ok += 1;
                }
                Err(_) => failed += 1,
            }
            // Write.
            let mut t = sim(img.clone());
            t.device.faults = Faults::parse(&spec).expect("spec");
            let w = ops::open_session(t, &opts(true), &mut |_| {}).and_then(|mut s| {
                let plan = ops::plan_write(&mut s.loader, 0, &data, &mut |_| {})?;
                ops::execute_write(&mut s.loader, &data, &plan, &mut |_| {})?;
                Ok(s.loader.into_transport().device.flash.contents().to_vec())
            });
            match w {
                Ok(flash) => {
                    assert_eq!(flash, data, "write with {spec} reported success wrongly");
                    ok += 1;
                }
                Err(_) => failed += 1,
            }
        }
    }
    // Both outcomes occur: faults are survived by retries, or reported.
    assert!(ok > 0 && failed > 0, "ok {ok} failed {failed}");
}

/// A port that never stops sending bytes (wrong baud, a chatty application) cannot keep the
/// loader past its deadline, even inside an unterminated frame.
#[test]
fn babbling_port_times_out() {
    struct Babble(bool);
    impl espdump::serial::transport::Transport for Babble {
        fn write_all(&mut self, _: &[u8]) -> espdump::Result<()> {
            Ok(())
        }
        fn read(&mut self, buf: &mut [u8], _: std::time::Duration) -> espdump::Result<usize> {
            std::thread::sleep(std::time::Duration::from_millis(1));
            let first = !self.0;
            self.0 = true;
            for (i, b) in buf.iter_mut().enumerate() {
                *b = if first && i == 0 { 0xC0 } else { 0x41 };
            }
            Ok(buf.len().min(64))
        }
        fn set_baud(&mut self, _: u32) -> espdump::Result<()> {
            Ok(())
        }
        fn set_lines(&mut self, _: Option<bool>, _: Option<bool>) -> espdump::Result<bool> {
            Ok(false)
        }
        fn clear_input(&mut self) -> espdump::Result<()> {
            Ok(())
        }
    }
    let mut l = Loader::new(Babble(false));
    let t0 = std::time::Instant::now();
    assert_eq!(
        l.read_frame(std::time::Duration::from_millis(50))
            .expect("read"),
        None
    );
    assert!(t0.elapsed() < std::time::Duration::from_secs(1));
    l.connect_attempts = 1;
    let err = l.connect(Before::NoReset).expect_err("no chip");
    assert!(matches!(err, espdump::Error::Timeout { .. }), "{err}");
    assert!(err.to_string().contains("no reply to SYNC"), "{err}");
    assert!(t0.elapsed() < std::time::Duration::from_secs(3));
}
