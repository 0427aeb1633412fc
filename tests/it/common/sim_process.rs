//! Starting and stopping `espdump simulate` as a child process (shared by the tests and
//! `benches/serial.rs`, which includes this file by path: only std and libc here).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};

/// Run `espdump simulate ARGS` (in `cwd` when given) and wait for the pty path it prints
/// first; the child and that path.
pub fn spawn_simulator<S: AsRef<OsStr>>(cwd: Option<&Path>, args: &[S]) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_espdump"));
    cmd.arg("simulate")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().expect("spawn simulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("simulator stdout"))
        .read_line(&mut line)
        .expect("simulator pty path");
    (child, line.trim().to_string())
}

/// Ask a simulator to save and exit (SIGTERM), and wait for it.
pub fn terminate(child: &mut Child) -> ExitStatus {
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("child pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("kill");
    child.wait().expect("wait for simulator")
}
