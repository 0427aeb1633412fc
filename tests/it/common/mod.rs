//! Helpers shared by the integration tests: the corpus, the reference tools, the simulator
//! harness (`sim`, `stubrig`) and running the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of a project fixture.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Run the real `espdump` binary.
pub fn espdump(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_espdump"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run espdump")
}

/// A finished process: exit code (-1 when killed by a signal), stdout and stderr as text.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Out {
    fn from(o: Output) -> Out {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Out {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout, self.stderr))
    }
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Write a binrw structure `v` at `at` into an erased buffer, check that it takes exactly `len`
/// bytes (one byte less refuses both the write and the read) and reads back equal; the bytes.
pub fn binrw_round_trip<T>(at: usize, v: &T, len: usize) -> Vec<u8>
where
    T: binrw::BinRead + binrw::BinWrite + PartialEq + std::fmt::Debug,
    for<'a> <T as binrw::BinRead>::Args<'a>: Default,
    for<'a> <T as binrw::BinWrite>::Args<'a>: Default,
{
    use espdump::formats::binparse::{read_at, write_at};
    let mut buf = vec![0xFFu8; len + at];
    assert_eq!(write_at(&mut buf, at, v), Some(()));
    assert!(
        write_at(&mut buf[..len + at - 1], at, v).is_none(),
        "shorter than {len}"
    );
    assert_eq!(read_at::<T>(&buf, at).as_ref(), Some(v));
    assert!(read_at::<T>(&buf[..len + at - 1], at).is_none());
    buf.split_off(at)
}

pub mod corpus;
pub mod sim;
pub mod sim_process;
pub mod stub_scenarios;
pub mod stubrig;
pub mod tools;

pub use corpus::*;
pub use tools::*;
