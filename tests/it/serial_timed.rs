//! The loader against the simulator with hardware time (45 ms per sector erase, 0.7 ms per
//! page, MD5 at 2 MB/s, wire time at the baud) on a virtual clock, and the stubs' reply-first
//! behaviour: what must finish byte-exact, which faults are recovered from, which are reported
//! with which error, and where the chip is left. Virtual time: a timeout here is one the real
//! chip would cause, and the suite still runs in seconds.

use crate::common;
use common::sim::{noise, test_stub};
use espdump::serial::interrupt::StopFlag;
use espdump::serial::loader::{EndState, Loader};
use espdump::serial::ops::{self, Session, SessionOptions};
use espdump::serial::sim::{Device, DeviceConfig, Faults, Mode, SimTransport, StubKind};
use espdump::serial::transport::{After, Before};
use espdump::serial::ProgressEvent;
use espdump::Error;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

const MAC: [u8; 6] = [0x5C, 0xCF, 0x7F, 0xAA, 0xBB, 0xCC];

fn shelly() -> Option<Vec<u8>> {
    crate::common::try_corpus_bytes(crate::common::SHELLY_SW1)
}

fn timed(flash: Vec<u8>, kind: StubKind) -> SimTransport {
    let mut d = Device::new(
        flash,
        DeviceConfig {
            mac: MAC,
            jedec: None,
        },
    );
    d.timing = true;
    d.stub_kind = kind;
    let mut t = SimTransport::new(d);
    t.no_lines = true;
    t
}

fn opts(baud: Option<u32>) -> SessionOptions {
    SessionOptions {
        before: Before::NoReset,
        baud,
        stub: Some(test_stub()),
        connect_attempts: Some(1),
        stop: StopFlag::Never,
    }
}

fn session(t: SimTransport, baud: Option<u32>) -> Session<SimTransport> {
    ops::open_session(t, &opts(baud), &mut |_| {}).expect("session")
}

fn write_all(s: &mut Session<SimTransport>, image: &[u8]) -> ops::WriteReport {
    let plan = ops::plan_write(&mut s.loader, 0, image, &mut |_| {}).expect("plan");
    ops::execute_write(&mut s.loader, image, &plan, &mut |_| {}).expect("write")
}

/// The reported failure: a whole Shelly backup onto a unit whose flash holds other data, with
/// flash time and the reply-first stub. One 16 KiB block of it inflates to over 1 MB of 0xFF
/// that must be erased and programmed before the next reply; flat 3 s / 9 s timeouts gave up.
#[test]
fn shelly_restore_onto_used_flash_is_byte_exact() {
    let Some(img) = shelly() else { return };
    for (kind, baud) in [(StubKind::Current, None), (StubKind::Legacy, Some(921_600))] {
        let mut s = session(timed(noise(img.len(), 7), kind), baud);
        let rep = write_all(&mut s, &img);
        assert!(rep.verified);
        assert_eq!(rep.plan.unchanged_sectors, 0);
        let t = s.loader.transport();
        assert_eq!(t.device.flash.contents(), &img[..], "{kind:?}");
        // Every sector was erased once: 512 × 45 ms of chip time at least.
        assert!(t.clock >= Duration::from_millis(512 * 45), "{:?}", t.clock);
    }
}

#[test]
fn shelly_restore_onto_blank_flash_is_byte_exact() {
    let Some(img) = shelly() else { return };
    let mut s = session(
        timed(vec![0xFF; img.len()], StubKind::Current),
        Some(460_800),
    );
    let rep = write_all(&mut s, &img);
    assert!(rep.verified);
    assert_eq!(s.loader.transport().device.flash.contents(), &img[..]);
}

/// A backup that differs only in its config sectors: only those are written.
#[test]
fn shelly_restore_of_changed_config_writes_only_those_sectors() {
    let Some(img) = shelly() else { return };
    let mut on_chip = img.clone();
    // Two sectors of the file-system area and one SDK parameter sector differ on the chip.
    for at in [0x0F_A000usize, 0x0F_B000, 0x1F_D000] {
        on_chip[at..at + 0x1000].copy_from_slice(&noise(0x1000, at as u32));
    }
    let mut s = session(timed(on_chip, StubKind::Current), None);
    let rep = write_all(&mut s, &img);
    assert_eq!(
        rep.plan.runs,
        vec![(0x0F_A000, 0x2000), (0x1F_D000, 0x1000)]
    );
    assert_eq!(rep.plan.unchanged_sectors, 512 - 3);
    assert_eq!(s.loader.transport().device.flash.contents(), &img[..]);
}

/// A block the stub fails to program is reported by the reply to the *next* command, as a chip
/// status (not a timeout), without retrying.
#[test]
fn deferred_stub_error_is_reported_by_the_next_reply() {
    let img = noise(0x40000, 3);
    let mut t = timed(vec![0xFF; 0x80000], StubKind::Current);
    t.device.faults = Faults::parse("spi@2").expect("faults");
    let mut s = session(t, None);
    let plan = ops::plan_write(&mut s.loader, 0, &img, &mut |_| {}).expect("plan");
    let err = ops::execute_write(&mut s.loader, &img, &plan, &mut |_| {}).expect_err("spi");
    match &err {
        Error::Status { command, status } => {
            assert_eq!(command, "FLASH_DEFL_DATA");
            assert!(status.contains("0xc4"), "{status}");
        }
        e => panic!("expected a chip status, got {e:?}"),
    }
    let sent: Vec<_> = s
        .loader
        .transport()
        .device
        .log
        .iter()
        .map(|e| e.op.as_str())
        .collect();
    assert_eq!(sent.iter().filter(|o| **o == "FLASH_DEFL_DATA").count(), 3);
}

/// A stalled data-block reply is a timeout naming the command.
#[test]
fn stalled_block_is_a_timeout_naming_the_command() {
    let img = noise(0x20000, 5);
    let mut s = session(timed(vec![0xFF; 0x80000], StubKind::Current), None);
    let plan = ops::plan_write(&mut s.loader, 0, &img, &mut |_| {}).expect("plan");
    let n = s.loader.transport().device.frames_in;
    s.loader.transport().device.faults = Faults::parse(&format!("stall@{}", n + 3)).expect("f");
    let err = ops::execute_write(&mut s.loader, &img, &plan, &mut |_| {}).expect_err("stall");
    match err {
        Error::Timeout { command, secs, .. } => {
            assert_eq!(command, "FLASH_DEFL_DATA");
            assert!(secs >= 3.0, "{secs}");
        }
        e => panic!("expected a timeout, got {e:?}"),
    }
}

/// Where the chip is left, per stub generation: the current stub ignores the reboot request
/// and is found (by SYNC) still running, at 115200; the legacy one reboots into the ROM.
#[test]
fn end_state_is_checked_not_assumed() {
    for (kind, want) in [
        (StubKind::Current, EndState::Stub { baud: 115_200 }),
        (StubKind::Legacy, EndState::RomLoader),
    ] {
        let mut s = session(timed(vec![0xFF; 0x40000], kind), Some(921_600));
        assert_eq!(s.loader.finish(After::NoReset).expect("finish"), want);
        let d = &s.loader.transport().device;
        assert_eq!(d.baud, 115_200);
        assert_eq!(d.mode == Mode::Stub, kind == StubKind::Current);
    }
}

/// A chip still running a stub from an earlier session is found at 115200 or at the fast
/// baud and used (not re-uploaded), and the user is told.
#[test]
fn chip_still_in_stub_at_either_baud_is_used() {
    for at in [115_200u32, 921_600] {
        let img = noise(0x40000, at);
        let mut t = timed(img.clone(), StubKind::Current);
        t.device.mode = Mode::Stub;
        t.device.baud = at;
        let mut notes = Vec::new();
        let mut cb = |e| {
            if let ProgressEvent::Note(n) = e {
                notes.push(n)
            }
        };
        let mut s = ops::open_session(t, &opts(Some(921_600)), &mut cb).expect("session");
        assert_eq!(s.loader.found_stub_at, Some(at));
        assert!(
            notes
                .iter()
                .any(|n| n.contains("still running a flasher stub")),
            "{notes:?}"
        );
        let mut buf = vec![0u8; img.len()];
        ops::read_into(&mut s.loader, 0, &mut buf, &mut |_| {}).expect("read");
        assert_eq!(buf, img);
        let log = &s.loader.transport().device.log;
        assert!(
            !log.iter().any(|e| e.op == "MEM_BEGIN"),
            "stub uploaded again"
        );
    }
}

/// Ctrl-C during a read: what was confirmed by MD5 stays in the buffer; a new session with
/// --resume semantics finishes it byte-exact.
#[test]
fn interrupted_read_keeps_confirmed_data_and_resumes() {
    let img = noise(0x60000, 11);
    let flag = Arc::new(AtomicI32::new(0));
    let mut o = opts(None);
    o.stop = StopFlag::Flag(flag.clone());
    let mut s =
        ops::open_session(timed(img.clone(), StubKind::Current), &o, &mut |_| {}).expect("session");
    let mut buf = vec![0xFFu8; img.len()];
    let f2 = flag.clone();
    let mut cb = |e| {
        if let ProgressEvent::Advance { done, .. } = e {
            if done >= 0x10000 {
                f2.store(libc::SIGINT, Ordering::SeqCst);
            }
        }
    };
    let err = ops::read_into(&mut s.loader, 0, &mut buf, &mut cb).expect_err("stop");
    assert!(
        matches!(
            err,
            Error::Interrupted {
                signal: "SIGINT",
                ..
            }
        ),
        "{err:?}"
    );
    let kept = buf.iter().zip(&img).take_while(|(a, b)| a == b).count();
    assert!(kept >= 0x10000 && kept < img.len(), "{kept:#x}");
    // Nothing unconfirmed: every byte is either the chip's or the untouched 0xFF fill.
    assert!(buf.iter().zip(&img).all(|(a, b)| a == b || *a == 0xFF));
    let st = s.loader.finish(After::HardReset).expect("finish");
    assert_eq!(st, EndState::Stub { baud: 115_200 });
    let t = s.loader.into_transport();
    let mut s = ops::open_session(t, &opts(None), &mut |_| {}).expect("again");
    let rep = ops::read_into(&mut s.loader, 0, &mut buf, &mut |_| {}).expect("resume");
    assert_eq!(buf, img);
    assert!(rep.sectors_reused >= 16, "{rep:?}");
}

/// Ctrl-C during a write stops between blocks and names the unverified range; running the
/// write again finishes it byte-exact.
#[test]
fn interrupted_write_stops_between_blocks_and_rerun_finishes() {
    let img = noise(0x80000, 13);
    let flag = Arc::new(AtomicI32::new(0));
    let mut o = opts(None);
    o.stop = StopFlag::Flag(flag.clone());
    let t = timed(vec![0xA5; 0x100000], StubKind::Current);
    let mut s = ops::open_session(t, &o, &mut |_| {}).expect("session");
    let plan = ops::plan_write(&mut s.loader, 0, &img, &mut |_| {}).expect("plan");
    let f2 = flag.clone();
    let mut cb = |e| {
        if let ProgressEvent::Advance { done, .. } = e {
            if done >= 0x20000 {
                f2.store(libc::SIGTERM, Ordering::SeqCst);
            }
        }
    };
    let err = ops::execute_write(&mut s.loader, &img, &plan, &mut cb).expect_err("stop");
    match &err {
        Error::Interrupted { signal, detail } => {
            assert_eq!(*signal, "SIGTERM");
            assert!(
                detail.contains("0x000000..0x080000 is unverified"),
                "{detail}"
            );
        }
        e => panic!("{e:?}"),
    }
    flag.store(0, Ordering::SeqCst);
    let _ = s.loader.finish(After::HardReset).expect("finish");
    let mut s = session(s.loader.into_transport(), None);
    let rep = write_all(&mut s, &img);
    assert!(rep.verified);
    assert_eq!(
        &s.loader.transport().device.flash.contents()[..img.len()],
        &img[..]
    );
}

/// esptool's order: the chip magic is checked before any stub code is uploaded.
#[test]
fn wrong_chip_gets_no_stub() {
    let mut t = timed(vec![0xFF; 0x40000], StubKind::Current);
    t.device.chip_magic = 0x00F0_1D83; // an ESP32's word
    let err = ops::open_session(t, &opts(None), &mut |_| {})
        .err()
        .expect("refused");
    assert!(err.to_string().contains("not an ESP8266"), "{err}");
}

/// Both esptool reset sequences put a running chip into the loader; they alternate.
#[test]
fn reset_strategies_alternate_and_enter_the_loader() {
    let mut t = timed(vec![0xFF; 0x40000], StubKind::Current);
    t.no_lines = false;
    t.device.mode = Mode::UserCode;
    let mut l = Loader::new(t);
    l.connect(Before::DefaultReset).expect("connect");
    assert_eq!(l.reset_lines, Some(true));
    assert!(!l.stub);
    let seq = espdump::serial::transport::reset_sequence();
    assert!(matches!(
        seq[0],
        espdump::serial::transport::ResetStrategy::UnixTight { .. }
    ));
    for s in seq {
        l.transport().device.mode = Mode::UserCode;
        assert!(espdump::serial::transport::reset_into_loader(l.transport(), s).expect("reset"));
        assert_eq!(l.transport().device.mode, Mode::Rom, "{s:?}");
    }
}

/// Bytes the chip hashed for SPI_FLASH_MD5 commands so far.
fn md5_bytes(s: &mut Session<SimTransport>) -> u64 {
    let log = &s.loader.transport().device.log;
    log.iter()
        .filter(|e| e.op.contains("MD5"))
        .map(|e| u64::from(e.args.get(1).copied().unwrap_or(0)))
        .sum()
}

/// Onto flash where no sector matches, the skip-unchanged scan probes one sector per 64 KiB
/// block and hashes nothing more (it used to hash all 2 MiB, about 1 s of chip time); the
/// result is still byte-exact and verified. Where sectors match it still finds them all.
#[test]
fn skip_scan_costs_little_when_nothing_matches() {
    let Some(img) = shelly() else { return };
    let mut s = session(timed(noise(img.len(), 11), StubKind::Current), None);
    let plan = ops::plan_write(&mut s.loader, 0, &img, &mut |_| {}).expect("plan");
    assert_eq!(plan.unchanged_sectors, 0);
    assert_eq!(
        md5_bytes(&mut s),
        32 * 0x1000,
        "scan hashed more than one sector per block"
    );
    ops::execute_write(&mut s.loader, &img, &plan, &mut |_| {}).expect("write");
    assert_eq!(s.loader.transport().device.flash.contents(), &img[..]);
    // Before anything matched, a block whose first sector holds other data is written whole;
    // once sectors matched, every block is checked sector by sector again.
    let mut on_chip = img.clone();
    on_chip[..0x1000].copy_from_slice(&noise(0x1000, 3));
    on_chip[0x2_0000..0x2_1000].copy_from_slice(&noise(0x1000, 1));
    on_chip[0x3_1000..0x3_2000].copy_from_slice(&noise(0x1000, 2));
    let mut s = session(timed(on_chip, StubKind::Current), None);
    let rep = write_all(&mut s, &img);
    assert_eq!(
        rep.plan.runs,
        vec![(0, 0x1_0000), (0x2_0000, 0x1000), (0x3_1000, 0x1000)]
    );
    assert_eq!(s.loader.transport().device.flash.contents(), &img[..]);
}
