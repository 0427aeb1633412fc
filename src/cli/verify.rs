//! `espdump verify --port P FILE [--offset N]`: compare a file with the flash by MD5, sector by
//! sector, and list the sectors that differ (exit 1 when any does).

use super::args::parse_num;
use super::exit::{CliError, CliResult, Exit};
use super::io::read_input;
use super::serial_common::{
    chip_line, detected_size, finish, out_err, print_json, run_serial, start, ConnectArgs, StubUse,
};
use crate::serial::ops;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Comparing needs the stub: say what to drop.
const STUB: StubUse = StubUse::Required(
    "verify needs the flasher stub: the ESP8266 ROM loader cannot read flash or compute MD5 \
     (drop --no-stub)",
);

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
    /// Flash offset the file belongs at.
    #[arg(long, value_parser = parse_num, default_value = "0")]
    pub offset: u64,
    /// The dump or image to compare.
    pub file: PathBuf,
}

/// Run `verify`.
pub fn run(a: VerifyArgs, w: &mut dyn Write) -> CliResult {
    run_serial(a.conn.json, w, |w| verify(a, w))
}

fn verify(a: VerifyArgs, w: &mut dyn Write) -> CliResult {
    let data = read_input(&a.file)?;
    let (mut bars, mut s) = start(&a.conn, None, STUB)?;
    let chip = u64::from(detected_size(&s)?);
    if a.offset + data.len() as u64 > chip {
        return Err(CliError::new(
            Exit::Usage,
            format!(
                "{} ({} bytes at 0x{:x}) does not fit in the chip's {chip} bytes",
                a.file.display(),
                data.len(),
                a.offset
            ),
        ));
    }
    let mut cb = |e| bars.event(e);
    let rep = ops::verify(&mut s.loader, a.offset as u32, &data, &mut cb)?;
    let end = finish(&mut s, &a.conn, &mut bars)?;
    let code = if rep.differing.is_empty() {
        Exit::Ok
    } else {
        Exit::Differences
    };
    if a.conn.json {
        print_json(
            w,
            &serde_json::json!({ "port": s.port, "chip": s.info, "file": a.file.display().to_string(), "verify": rep, "end_state": end }),
        )?;
        return Ok(code);
    }
    writeln!(w, "{}", chip_line(&s)).map_err(out_err)?;
    if rep.differing.is_empty() {
        writeln!(
            w,
            "identical: {} sectors match {}",
            rep.sectors,
            a.file.display()
        )
        .map_err(out_err)?;
    } else {
        writeln!(
            w,
            "{} of {} sectors differ:",
            rep.differing.len(),
            rep.sectors
        )
        .map_err(out_err)?;
        for off in &rep.differing {
            let note = if rep.erased_on_chip.contains(off) {
                " (erased on the chip)"
            } else {
                ""
            };
            writeln!(w, "  0x{off:06x}{note}").map_err(out_err)?;
        }
    }
    Ok(code)
}
