//! Serve a chip that runs as a separate process (espdump's stub built for the host, or the
//! stub under QEMU's lx106 core) on a pty: the process's stdin/stdout are the chip's UART.
//! Like the simulator's server it can throttle the chip's output to the client's baud rate
//! (10 bit times per byte) and inject line faults: bytes dropped or corrupted on the way to
//! the host, a request frame swallowed, or a chip reset when a given frame arrives (the
//! process's input is closed, it exits and is started again, and answers as the ROM loader).

use super::pty::{self, Pty};
use super::sim::faults::Faults;
use super::sim::line_time;
use crate::serial::protocol::{ROM_BAUD, SLIP_END};
use crate::{Error, Result};
use rustix::event::PollFlags;
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How to run and serve the chip process.
#[derive(Debug, Clone)]
pub struct BridgeOptions {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Working directory of the process.
    pub dir: std::path::PathBuf,
    /// Throttle the chip's output to the client's baud rate.
    pub throttle: bool,
    /// Faults to inject.
    pub faults: Faults,
}

struct Shared {
    stdin: Option<ChildStdin>,
    child: Option<Child>,
    resets: u32,
}

/// A running bridge; dropping it stops the process (its input is closed, so a stub saves its
/// flash and exits) and the threads.
pub struct Bridge {
    /// The pty path a client opens.
    pub path: String,
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
    threads: Vec<JoinHandle<()>>,
    _pty: Arc<Pty>,
    sent: Arc<AtomicU64>,
}

/// The baud rate the client set on the pty (115200 when it cannot be read).
fn baud(pty: &Pty) -> u32 {
    pty::client_baud(&pty.slave).unwrap_or(ROM_BAUD)
}

fn spawn(o: &BridgeOptions) -> Result<Child> {
    let (prog, args) = o
        .argv
        .split_first()
        .ok_or_else(|| Error::InvalidInput("bridge: no program".into()))?;
    Command::new(prog)
        .args(args)
        .current_dir(&o.dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| Error::Device(format!("cannot start {prog}: {e}")))
}

fn write_master(fd: BorrowedFd<'_>, mut data: &[u8], stop: &AtomicBool) {
    while !data.is_empty() && !stop.load(Ordering::Relaxed) {
        match rustix::io::write(fd, data) {
            Ok(n) if n > 0 => data = &data[n..],
            _ => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

impl Bridge {
    /// Start the process and serve it on a new pty.
    pub fn start(opts: BridgeOptions) -> Result<Bridge> {
        let pty = Arc::new(pty::open()?);
        let stop = Arc::new(AtomicBool::new(false));
        let mut child = spawn(&opts)?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let shared = Arc::new(Mutex::new(Shared {
            stdin,
            child: Some(child),
            resets: 0,
        }));
        let mut b = Bridge {
            path: pty.path.clone(),
            stop: stop.clone(),
            shared: shared.clone(),
            threads: Vec::new(),
            _pty: pty.clone(),
            sent: Arc::new(AtomicU64::new(0)),
        };
        let opts = Arc::new(opts);
        let link = Link {
            pty,
            stop,
            opts,
            sent: b.sent.clone(),
        };
        b.threads.push(out_thread(stdout, &link, 0));
        b.threads
            .push(std::thread::spawn(move || in_thread(&link, &shared)));
        Ok(b)
    }

    /// Bytes the chip has sent towards the host so far.
    pub fn chip_bytes(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Chip resets injected so far.
    pub fn resets(&self) -> u32 {
        self.shared.lock().map(|s| s.resets).unwrap_or(0)
    }

    /// Stop: close the process's input, wait for it (a stub saves its flash), stop threads.
    pub fn stop(mut self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        let child = {
            let mut sh = self
                .shared
                .lock()
                .map_err(|_| Error::Device("bridge".into()))?;
            sh.stdin = None;
            sh.child.take()
        };
        let mut status = None;
        if let Some(mut c) = child {
            status = Some(c.wait().map_err(|e| Error::Device(format!("wait: {e}")))?);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        match status {
            Some(s) if !s.success() => Err(Error::Device(format!("chip process: {s}"))),
            _ => Ok(()),
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// What the threads share.
#[derive(Clone)]
struct Link {
    pty: Arc<Pty>,
    stop: Arc<AtomicBool>,
    opts: Arc<BridgeOptions>,
    sent: Arc<AtomicU64>,
}

/// Chip → host: copy the process's output to the pty, throttled, with byte faults. `base` is
/// the number of chip bytes sent by earlier incarnations (fault positions count across resets).
fn out_thread(stdout: Option<std::process::ChildStdout>, link: &Link, base: u64) -> JoinHandle<()> {
    let Link {
        pty,
        stop,
        opts,
        sent: counter,
    } = link.clone();
    std::thread::spawn(move || {
        let Some(mut out) = stdout else { return };
        let fd = pty.master.as_fd();
        let mut sent = base;
        let mut clock = Instant::now();
        let mut buf = vec![0u8; 4096];
        loop {
            let n = match out.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            counter.fetch_add(n as u64, Ordering::Relaxed);
            let mut chunk = Vec::with_capacity(n);
            for &b in &buf[..n] {
                sent += 1;
                if opts.faults.drop_byte.contains(&sent) {
                    continue;
                }
                let corrupt = opts.faults.corrupt_byte.contains(&sent);
                chunk.push(if corrupt { b ^ 0x5A } else { b });
            }
            if opts.throttle {
                for part in chunk.chunks(256) {
                    clock = clock.max(Instant::now()) + line_time(baud(&pty), part.len());
                    let now = Instant::now();
                    if clock > now {
                        std::thread::sleep(clock - now);
                    }
                    write_master(fd, part, &stop);
                }
            } else {
                write_master(fd, &chunk, &stop);
            }
            if stop.load(Ordering::Relaxed) {
                return;
            }
        }
    })
}

/// Host → chip: copy the pty to the process's input, counting request frames for the
/// frame faults.
fn in_thread(link: &Link, shared: &Mutex<Shared>) {
    let (pty, stop, opts) = (&link.pty, &link.stop, &link.opts);
    let fd = pty.master.as_fd();
    let mut buf = vec![0u8; 4096];
    let mut frames = 0u64;
    let mut in_frame = false;
    let mut cur: Vec<u8> = Vec::new();
    let mut extra: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        if !pty::wait_ready(fd, PollFlags::IN, 20) {
            continue;
        }
        let n = match rustix::io::read(fd, &mut buf) {
            Ok(n) if n > 0 => n,
            _ => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
        };
        let mut pass = Vec::with_capacity(n);
        for &b in &buf[..n] {
            if b != SLIP_END {
                if in_frame {
                    cur.push(b);
                } else {
                    pass.push(b);
                }
                continue;
            }
            if !in_frame || cur.is_empty() {
                in_frame = true;
                continue;
            }
            // A whole frame: deliver, swallow, or reset the chip.
            frames += 1;
            let frame = std::mem::take(&mut cur);
            if opts.faults.stall_frame.contains(&frames) {
                continue;
            }
            if opts.faults.reset_frame.contains(&frames) {
                if let Ok(mut sh) = shared.lock() {
                    reset_chip(&mut sh, link, &mut extra);
                }
                pass.clear();
                continue;
            }
            pass.push(SLIP_END);
            pass.extend_from_slice(&frame);
            pass.push(SLIP_END);
        }
        if !pass.is_empty() {
            if let Ok(mut sh) = shared.lock() {
                if let Some(w) = sh.stdin.as_mut() {
                    let _ = w.write_all(&pass).and_then(|_| w.flush());
                }
            }
        }
    }
    for t in extra {
        let _ = t.join();
    }
}

/// Restart the chip process (it saves its flash on the end of input and comes back as the
/// ROM loader); its output continues through a new thread.
fn reset_chip(sh: &mut Shared, link: &Link, extra: &mut Vec<JoinHandle<()>>) {
    sh.stdin = None;
    if let Some(mut c) = sh.child.take() {
        let _ = c.wait();
    }
    sh.resets += 1;
    if let Ok(mut c) = spawn(&link.opts) {
        sh.stdin = c.stdin.take();
        let out = c.stdout.take();
        sh.child = Some(c);
        extra.push(out_thread(out, link, u64::MAX / 2));
    }
}
