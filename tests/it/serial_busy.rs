//! While the chip works before a reply (erasing and programming what a compressed block
//! inflates to, erasing, MD5 of a large region), the workflows say so with
//! `ProgressEvent::ChipBusy` around the wait, so the CLI's spinner can keep moving. Run
//! against the simulator with flash time on a virtual clock, with both stub generations.

use crate::common;
use common::sim::{noise, test_stub};
use espdump::serial::interrupt::StopFlag;
use espdump::serial::ops::{self, Session, SessionOptions};
use espdump::serial::sim::{Device, DeviceConfig, SimTransport, StubKind};
use espdump::serial::transport::Before;
use espdump::serial::{ProgressEvent, Task};

fn session(flash: Vec<u8>, kind: StubKind) -> Session<SimTransport> {
    let mut d = Device::new(
        flash,
        DeviceConfig {
            mac: [0x5C, 0xCF, 0x7F, 0xAA, 0xBB, 0xCC],
            jedec: None,
        },
    );
    d.timing = true;
    d.stub_kind = kind;
    let mut t = SimTransport::new(d);
    t.no_lines = true;
    let opts = SessionOptions {
        before: Before::NoReset,
        baud: None,
        stub: Some(test_stub()),
        connect_attempts: Some(1),
        stop: StopFlag::Never,
    };
    ops::open_session(t, &opts, &mut |_| {}).expect("session")
}

/// Every announcement is closed (`None`) before any other event, and none is left open.
fn busy_spans(events: &[ProgressEvent]) -> Vec<String> {
    let mut open: Option<&String> = None;
    let mut spans = Vec::new();
    for e in events {
        match (e, open) {
            (ProgressEvent::ChipBusy(Some(m)), None) => open = Some(m),
            (ProgressEvent::ChipBusy(None), Some(m)) => {
                spans.push(m.clone());
                open = None;
            }
            (e, Some(m)) => panic!("{e:?} while '{m}' is open"),
            (ProgressEvent::ChipBusy(None), None) => panic!("ChipBusy(None) without Some"),
            _ => {}
        }
    }
    assert!(open.is_none(), "left open: {open:?}");
    spans
}

/// A block of mostly 0xFF inflates to far more than it carries: the wait for its erase and
/// program is announced with its size, then the final MD5; the flash ends byte-exact.
#[test]
fn write_announces_the_work_of_blocks_that_inflate_far() {
    let mut img = noise(1 << 20, 9);
    img[0x1_0000..0xF_0000].fill(0xFF);
    for kind in [StubKind::Current, StubKind::Legacy] {
        let mut s = session(noise(1 << 20, 4), kind);
        let mut events = Vec::new();
        let mut cb = |e: ProgressEvent| events.push(e);
        let plan = ops::plan_write(&mut s.loader, 0, &img, &mut cb).expect("plan");
        ops::execute_write(&mut s.loader, &img, &plan, &mut cb).expect("write");
        let spans = busy_spans(&events);
        let big: Vec<_> = spans
            .iter()
            .filter(|m| m.starts_with("chip erasing and programming "))
            .collect();
        assert!(!big.is_empty(), "{kind:?}: {spans:?}");
        // 0xE0000 bytes of 0xFF in one run: some single block releases at least 512 KiB.
        assert!(
            big.iter().any(|m| m.ends_with(" MiB") || {
                let kib: u64 = m
                    .trim_start_matches("chip erasing and programming ")
                    .trim_end_matches(" KiB")
                    .parse()
                    .unwrap_or(0);
                kib >= 512
            }),
            "{kind:?}: {big:?}"
        );
        assert_eq!(
            spans.last().map(String::as_str),
            Some("chip computing the MD5 of 1.0 MiB"),
            "{kind:?}"
        );
        // The announcements come while the Write task runs, between its advances.
        let begin = events
            .iter()
            .position(|e| {
                *e == ProgressEvent::Begin {
                    task: Task::Write,
                    total: 1 << 20,
                }
            })
            .expect("begin write");
        let first = events
            .iter()
            .position(|e| matches!(e, ProgressEvent::ChipBusy(Some(_))))
            .expect("busy");
        assert!(first > begin);
        assert_eq!(s.loader.transport().device.flash.contents(), &img[..]);
    }
}

/// Erasing the whole chip and a region are announced around the wait for the reply.
#[test]
fn erase_announces_the_chip_work() {
    let mut s = session(noise(2 << 20, 2), StubKind::Current);
    let mut events = Vec::new();
    ops::erase(&mut s.loader, 0, 2 << 20, true, &mut |e| events.push(e)).expect("erase");
    assert_eq!(
        events,
        vec![
            ProgressEvent::Begin {
                task: Task::Erase,
                total: 2 << 20
            },
            ProgressEvent::ChipBusy(Some("chip erasing 2.0 MiB".into())),
            ProgressEvent::ChipBusy(None),
            ProgressEvent::Advance {
                task: Task::Erase,
                done: 2 << 20
            },
            ProgressEvent::End { task: Task::Erase },
        ]
    );
    let mut events = Vec::new();
    ops::erase(&mut s.loader, 0x1_0000, 0x2_0000, false, &mut |e| {
        events.push(e)
    })
    .expect("erase");
    assert_eq!(
        busy_spans(&events),
        vec!["chip erasing 128 KiB".to_string()]
    );
    // A single sector is too short to announce.
    let mut events = Vec::new();
    ops::erase(&mut s.loader, 0x1000, 0x1000, false, &mut |e| {
        events.push(e)
    })
    .expect("erase");
    assert!(busy_spans(&events).is_empty());
    assert!(s
        .loader
        .transport()
        .device
        .flash
        .contents()
        .iter()
        .all(|&b| b == 0xFF));
}

/// A read whose sectors were all checked by the chip's MD5 (the block and sector scan, each
/// READ_FLASH's own MD5) asks for no whole-region MD5 at the end: no 1 MiB MD5 wait.
#[test]
fn md5_scanned_read_asks_no_whole_region_md5() {
    let img = noise(1 << 20, 6);
    let mut s = session(img.clone(), StubKind::Current);
    let mut buf = vec![0xFF; 1 << 20];
    let mut events = Vec::new();
    ops::read_into(&mut s.loader, 0, &mut buf, &mut |e| events.push(e)).expect("read");
    assert_eq!(buf, img);
    assert_eq!(busy_spans(&events), Vec::<String>::new());
}

/// The compressed read is the builtin stub's command: with esptool's stub running it is refused
/// (exit 5 class) before anything is sent, and the session still reads normally afterwards.
#[test]
fn compressed_read_without_the_builtin_stub_is_refused() {
    let img = noise(64 << 10, 9);
    let mut s = session(img.clone(), StubKind::Current);
    let e = s
        .loader
        .read_flash_deflated(0, 0x1000, &mut |_| {})
        .expect_err("refused");
    assert!(
        matches!(&e, espdump::Error::Refused(m) if m.contains("--stub builtin")),
        "{e:?}"
    );
    let got = s.loader.read_flash(0, 0x1000, &mut |_| {}).expect("read");
    assert_eq!(got, img[..0x1000]);
}
