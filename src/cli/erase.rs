//! `espdump erase --port P [--offset N --size N]`: erase a region, or the whole chip.

use super::args::parse_num;
use super::exit::{CliResult, Exit};
use super::serial_common::{
    check_region, chip_line, detected_size, finish, out_err, print_json, run_serial, start,
    ConnectArgs, StubUse,
};
use crate::serial::ops;
use clap::Args;
use std::io::Write;

/// Arguments of `erase`.
#[derive(Debug, Args)]
pub struct EraseArgs {
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
    /// Start of the region (sector aligned; default 0).
    #[arg(long, value_parser = parse_num)]
    pub offset: Option<u64>,
    /// Bytes to erase (sector multiple; default: to the end of flash).
    #[arg(long, value_parser = parse_num)]
    pub size: Option<u64>,
}

/// Run `erase`.
pub fn run(a: EraseArgs, w: &mut dyn Write) -> CliResult {
    run_serial(a.conn.json, w, |w| erase(a, w))
}

fn erase(a: EraseArgs, w: &mut dyn Write) -> CliResult {
    // Without any stub, the ROM loader erases (with a notice).
    let (mut bars, mut s) = start(&a.conn, None, StubUse::RomFallback)?;
    let chip = u64::from(detected_size(&s)?);
    let offset = a.offset.unwrap_or(0);
    let size = a.size.unwrap_or(chip.saturating_sub(offset));
    check_region(offset, size, chip)?;
    let whole = offset == 0 && size == chip;
    let mut cb = |e| bars.event(e);
    let rep = ops::erase(&mut s.loader, offset as u32, size as u32, whole, &mut cb)?;
    let end = finish(&mut s, &a.conn, &mut bars)?;
    if a.conn.json {
        print_json(
            w,
            &serde_json::json!({ "port": s.port, "chip": s.info, "stub": s.stub_source, "erase": rep, "end_state": end }),
        )?;
        return Ok(Exit::Ok);
    }
    writeln!(w, "{}", chip_line(&s)).map_err(out_err)?;
    let what = if whole {
        "whole chip".to_string()
    } else {
        format!("0x{offset:06x}+0x{size:x}")
    };
    writeln!(w, "erased {what}").map_err(out_err)?;
    if let Some(sec) = rep.collateral_sector {
        writeln!(
            w,
            "note: the ROM's erase bug also erased sector 0x{:06x}",
            sec as usize * crate::formats::flash::SECTOR_SIZE
        )
        .map_err(out_err)?;
    }
    Ok(Exit::Ok)
}
