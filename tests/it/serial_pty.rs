//! The simulator served in-process on a pty (pty.rs + serve.rs) and driven through the real
//! `serialport` transport: the same path a USB adapter takes, without a second process.

use espdump::serial::ops::{self, SessionOptions};
use espdump::serial::sim::serve::{serve, ServeOptions};
use espdump::serial::sim::{Device, DeviceConfig};
use espdump::serial::stub::Stub;
use espdump::serial::transport::{Before, SerialTransport, Transport};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn stub() -> Stub {
    Stub {
        entry: 0x4010_C504,
        text: vec![0; 16],
        text_start: 0x4010_C500,
        data: vec![],
        data_start: 0,
        source: "test".into(),
    }
}

fn run_on_pty<R>(flash: Vec<u8>, opts: ServeOptions, f: impl FnOnce(&str) -> R) -> (R, Device) {
    let pty = espdump::serial::pty::open().expect("pty");
    let path = pty.path.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let h = std::thread::spawn(move || {
        let mut dev = Device::new(flash, DeviceConfig::default());
        serve(&pty, &mut dev, &opts, &stop2).expect("serve");
        dev
    });
    let r = f(&path);
    stop.store(true, Ordering::SeqCst);
    (r, h.join().expect("join"))
}

#[test]
fn pty_transport_reads_and_has_no_reset_lines() {
    let mut img = vec![0xFFu8; 256 << 10];
    for (i, b) in img[0x8000..0x9800].iter_mut().enumerate() {
        *b = (i % 253) as u8;
    }
    let want = img.clone();
    let ((buf, lines), dev) = run_on_pty(img, ServeOptions::default(), |path| {
        let mut t = SerialTransport::open(path, 115_200).expect("open");
        // A pty has no modem lines: reported as such, not as an error.
        let lines = t.set_lines(Some(true), Some(false)).expect("lines");
        let o = SessionOptions {
            before: Before::DefaultReset,
            baud: Some(921_600),
            stub: Some(stub()),
            connect_attempts: Some(2),
            stop: Default::default(),
        };
        let mut s = ops::open_session(t, &o, &mut |_| {}).expect("session");
        assert_eq!(s.loader.reset_lines, Some(false));
        let mut buf = vec![0u8; 256 << 10];
        let rep = ops::read_into(&mut s.loader, 0, &mut buf, &mut |_| {}).expect("read");
        assert_eq!(rep.sectors_read, 2);
        assert_eq!(rep.sectors_erased, 62);
        (buf, lines)
    });
    assert!(!lines);
    assert_eq!(buf, want);
    assert_eq!(dev.baud, 921_600);
}

#[test]
fn throttled_pty_runs_at_the_line_rate() {
    let img: Vec<u8> = (0..64 << 10).map(|i: u32| (i * 7 % 251) as u8).collect();
    let opts = ServeOptions {
        throttle: true,
        latency: Duration::ZERO,
    };
    let (secs, _) = run_on_pty(img.clone(), opts, |path| {
        let t = SerialTransport::open(path, 115_200).expect("open");
        let o = SessionOptions {
            before: Before::NoReset,
            baud: Some(921_600),
            stub: Some(stub()),
            connect_attempts: Some(2),
            stop: Default::default(),
        };
        let mut s = ops::open_session(t, &o, &mut |_| {}).expect("session");
        let t0 = Instant::now();
        let data = s.loader.read_flash(0, 32 << 10, &mut |_| {}).expect("read");
        assert_eq!(data, img[..32 << 10]);
        t0.elapsed().as_secs_f64()
    });
    // 32 KiB at 921600 baud is at least 0.356 s on the wire.
    let floor = (32 << 10) as f64 * 10.0 / 921_600.0;
    assert!(secs >= floor * 0.95, "{secs} s < line-rate floor {floor} s");
    assert!(secs < floor * 6.0, "{secs} s far above {floor} s");
}
