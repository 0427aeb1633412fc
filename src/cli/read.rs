//! `espdump read --port P [--offset N --size N] [--resume] OUT`: back up flash.
//!
//! Erased sectors are recognised by the stub's MD5 and not transferred; the result is checked
//! against the chip's MD5 of the whole region and written atomically. After a broken read the
//! data so far is kept in `OUT.part`; `--resume` reuses every sector of it whose MD5 matches.

use super::args::parse_num;
use super::exit::{CliError, CliResult, Exit};
use super::io::write_atomic;
use super::serial_common::{
    check_region, chip_line, detected_size, finish, out_err, print_session_json, run_serial, start,
    ConnectArgs, StubUse,
};
use crate::formats::flash::ERASED;
use crate::serial::ops::{self, ReadReport};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Reading needs the stub: say what to drop.
const STUB: StubUse = StubUse::Required(
    "reading flash needs the flasher stub: the ESP8266 ROM loader cannot read flash \
     (drop --no-stub)",
);

/// Arguments of `read`.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
    /// Flash offset to start at (sector aligned).
    #[arg(long, value_parser = parse_num, default_value = "0")]
    pub offset: u64,
    /// Bytes to read (default: to the end of the detected flash).
    #[arg(long, value_parser = parse_num)]
    pub size: Option<u64>,
    /// Continue a broken read: reuse the sectors of OUT.part (or OUT) that the chip confirms
    /// by MD5.
    #[arg(long)]
    pub resume: bool,
    /// Output file.
    pub out: PathBuf,
}

/// The sidecar holding a partial read.
pub fn part_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_os_string();
    s.push(".part");
    PathBuf::from(s)
}

/// Run `read`.
pub fn run(a: ReadArgs, w: &mut dyn Write) -> CliResult {
    run_serial(a.conn.json, w, |w| read(a, w))
}

/// `buf` filled from `OUT.part` (else `OUT`) for `--resume`; which file, if any.
fn resume_into(out: &Path, buf: &mut [u8]) -> Option<String> {
    for cand in [&part_path(out), out] {
        if let Ok(old) = std::fs::read(cand) {
            let n = old.len().min(buf.len());
            buf[..n].copy_from_slice(&old[..n]);
            return Some(cand.display().to_string());
        }
    }
    None
}

fn read(a: ReadArgs, w: &mut dyn Write) -> CliResult {
    let (mut bars, mut s) = start(&a.conn, Some(a.offset), STUB)?;
    let chip = match a.size {
        Some(sz) => s.info.flash_size.map(u64::from).unwrap_or(a.offset + sz),
        None => u64::from(detected_size(&s)?),
    };
    let size = a.size.unwrap_or(chip.saturating_sub(a.offset));
    check_region(a.offset, size, chip)?;
    let part = part_path(&a.out);
    let mut buf = vec![ERASED; size as usize];
    let resumed_from = if a.resume {
        resume_into(&a.out, &mut buf)
    } else {
        None
    };
    let mut cb = |e| bars.event(e);
    let rep = match ops::read_into(&mut s.loader, a.offset as u32, &mut buf, &mut cb) {
        Ok(r) => r,
        Err(e) => {
            // `buf` holds only MD5-confirmed data where it was read (and the old partial
            // file elsewhere): worth keeping for --resume whatever stopped the read.
            let saved = write_atomic(&part, &buf).is_ok();
            let mut err = CliError::from(e);
            if saved {
                err.message.push_str(&format!(
                    "; what was confirmed is in {} (run again with --resume)",
                    part.display()
                ));
            }
            return Err(err);
        }
    };
    write_atomic(&a.out, &buf)?;
    let _ = std::fs::remove_file(&part);
    let end = finish(&mut s, &a.conn, &mut bars)?;
    drop(bars);
    if a.conn.json {
        print_session_json(
            w,
            &s,
            serde_json::json!({
                "output": a.out.display().to_string(),
                "resumed_from": resumed_from,
                "read": rep,
                "end_state": end,
            }),
        )?;
        return Ok(Exit::Ok);
    }
    writeln!(w, "{}", chip_line(&s)).map_err(out_err)?;
    print_human(w, &rep, resumed_from.as_deref(), &a.out)
}

fn print_human(
    w: &mut dyn Write,
    rep: &ReadReport,
    resumed_from: Option<&str>,
    out: &Path,
) -> CliResult {
    if let Some(r) = resumed_from {
        writeln!(w, "resumed from {r}").map_err(out_err)?;
    }
    writeln!(
        w,
        "read 0x{:06x}+0x{:x} in {:.1} s: {} sectors read, {} erased (skipped), {} reused, {} retries",
        rep.offset, rep.size, rep.seconds, rep.sectors_read, rep.sectors_erased, rep.sectors_reused, rep.retries
    )
    .map_err(out_err)?;
    writeln!(w, "md5 {} (matches the chip)", rep.md5).map_err(out_err)?;
    writeln!(w, "wrote {}", out.display()).map_err(out_err)?;
    Ok(Exit::Ok)
}
