//! `espdump write --port P IN [--offset N]`: write an image or a whole dump, byte-exact.
//!
//! Before anything is sent: the image must fit the chip; a whole dump must match the chip's
//! flash size (file size and boot-header size code) unless `--force`; and a whole dump from
//! another unit is refused (clone guard) unless `--clone` (write the sanitized image) or
//! `--force`. Then the plan is printed: with the stub only sectors whose MD5 differs are
//! written, compressed, and the result is verified by MD5.

use super::args::parse_num;
use super::exit::{CliError, CliResult, Exit};
use super::io::read_input;
use super::serial_common::{
    chip_line, detected_size, finish, out_err, print_json, print_session_json, run_serial, start,
    ConnectArgs, Dev, StubUse,
};
use crate::analysis::clone_guard::{self, Guard};
use crate::analysis::unit_identity::DumpIdentity;
use crate::render::escape::escape;
use crate::serial::ops;
use crate::serial::plan::{Precompressed, WritePlan};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `write`.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
    /// Flash offset (sector aligned).
    #[arg(long, value_parser = parse_num, default_value = "0")]
    pub offset: u64,
    /// Write a dump whose size or header disagrees with the chip, or from another unit.
    #[arg(long)]
    pub force: bool,
    /// Write a dump from another unit after sanitizing it (as `espdump sanitize` does).
    #[arg(long)]
    pub clone: bool,
    /// Print the plan and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// The image or dump to write.
    pub input: PathBuf,
}

// The clone guard's two collaborators, both on one analysis of the dump: the identity it
// carries and the sanitizer.
fn analyse(data: &[u8]) -> Option<crate::analysis::inspect::InspectReport> {
    crate::analysis::inspect::inspect(data, &crate::analysis::inspect::Options::default()).ok()
}
fn dump_identity(data: &[u8], r: Option<&crate::analysis::inspect::InspectReport>) -> DumpIdentity {
    r.map(|r| crate::analysis::unit_identity::identity_of(data, r))
        .unwrap_or_default()
}
fn sanitize_for_clone(
    data: &[u8],
    r: Option<&crate::analysis::inspect::InspectReport>,
) -> crate::Result<Vec<u8>> {
    match r {
        Some(r) => crate::analysis::sanitize::sanitize_for_clone_with(data, r),
        None => crate::analysis::sanitize::sanitize_for_clone(data),
    }
}

/// Run `write`.
pub fn run(a: WriteArgs, w: &mut dyn Write) -> CliResult {
    run_serial(a.conn.json, w, |w| write(a, w))
}

/// A Tasmota `.dmp` settings backup is not a flash image: say where it belongs.
fn refuse_dmp(a: &WriteArgs, data: &[u8]) -> Result<(), CliError> {
    match crate::formats::tasmota::dmp::detect(data) {
        Some(d) => Err(CliError::refused(format!(
            "{} is a Tasmota configuration backup ({}, settings {}), not a flash image; \
             restore it in Tasmota's web UI (Restore Configuration) or with decode-config",
            a.input.display(),
            d.form.describe(),
            d.copy.version_str
        ))),
        None => Ok(()),
    }
}

/// The clone guard for a whole dump: its size must fit the chip (unless `--force`) and it
/// must come from this unit (else `--clone` sanitizes it, `--force` writes it as is).
/// Returns the guard's verdict (for whole dumps) and whether `data` was sanitized.
fn guard_whole_dump(
    a: &WriteArgs,
    s: &Dev,
    chip: u32,
    data: &mut Vec<u8>,
) -> Result<(Option<Guard>, bool), CliError> {
    let name = a.input.display();
    if !(clone_guard::is_whole_dump(a.offset, data.len())
        || (a.offset == 0 && data.len() == chip as usize))
    {
        return Ok((None, false));
    }
    let mism = clone_guard::size_mismatches(data, chip);
    if !mism.is_empty() && !a.force {
        let why: Vec<String> = mism.into_iter().map(|m| m.message).collect();
        return Err(CliError::refused(format!(
            "{name} is a whole dump for another flash size: {}; pass --force to write it anyway",
            why.join("; ")
        )));
    }
    let analysis = analyse(data);
    let verdict = clone_guard::check(&dump_identity(data, analysis.as_ref()), s.info.mac_bytes);
    let mut cloned = false;
    if let Guard::OtherUnit { evidence } = &verdict {
        if a.clone {
            *data = sanitize_for_clone(data, analysis.as_ref())?;
            cloned = true;
        } else if !a.force {
            return Err(CliError::refused(format!(
                "{name} was read from another unit (chip MAC {}; the dump names {}). \
                 Writing it would give this unit the other's identity and Wi-Fi settings. \
                 Use --clone to write a sanitized copy, or --force to write it as is",
                s.info.mac,
                evidence
                    .iter()
                    .map(|e| escape(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok((Some(verdict), cloned))
}

fn write(a: WriteArgs, w: &mut dyn Write) -> CliResult {
    let mut data = read_input(&a.input)?;
    refuse_dmp(&a, &data)?;
    // Compress while the session is set up and the flash scanned: used when the whole image
    // is written (flash holding other data); a plan of several runs compresses each itself.
    let pre = (!a.conn.no_stub && !a.dry_run).then(|| Precompressed::start(&data));
    // Without any stub, the ROM loader writes (with a notice).
    let (mut bars, mut s) = start(&a.conn, Some(a.offset), StubUse::RomFallback)?;
    let chip = detected_size(&s)?;
    let name = a.input.display().to_string();
    if a.offset + data.len() as u64 > u64::from(chip) {
        return Err(CliError::refused(format!(
            "{name} ({} bytes at 0x{:x}) does not fit in the chip's {chip} bytes of flash",
            data.len(),
            a.offset
        )));
    }
    let (guard_verdict, cloned) = guard_whole_dump(&a, &s, chip, &mut data)?;
    let (data, preserved) = ops::preserve_sector_tail(&mut s.loader, a.offset as u32, &data, chip)?;
    let mut cb = |e| bars.event(e);
    let plan = ops::plan_write(&mut s.loader, a.offset as u32, &data, &mut cb)?;
    if !a.conn.json {
        writeln!(w, "{}", chip_line(&s)).map_err(out_err)?;
        let what = format!("{name} ({} bytes)", data.len());
        print_plan(w, &what, cloned, &plan, preserved, data.len())?;
    }
    if a.dry_run {
        let end = finish(&mut s, &a.conn, &mut bars)?;
        if a.conn.json {
            print_json(
                w,
                &serde_json::json!({ "port": s.port, "chip": s.info, "guard": guard_verdict, "plan": plan, "dry_run": true, "end_state": end }),
            )?;
        }
        return Ok(Exit::Ok);
    }
    let mut cb = |e| bars.event(e);
    let rep = ops::execute_write_with(&mut s.loader, &data, &plan, pre, &mut cb)?;
    let end = finish(&mut s, &a.conn, &mut bars)?;
    if a.conn.json {
        print_session_json(
            w,
            &s,
            serde_json::json!({
                "input": name,
                "preserved_tail_bytes": preserved,
                "guard": guard_verdict,
                "cloned": cloned,
                "write": rep,
                "end_state": end,
            }),
        )?;
        return Ok(Exit::Ok);
    }
    writeln!(
        w,
        "wrote {} bytes in {:.1} s; {}",
        rep.bytes_written,
        rep.seconds,
        if rep.verified {
            "verified: the chip's MD5 matches the image"
        } else {
            "not verified (the ROM loader has no MD5)"
        }
    )
    .map_err(out_err)?;
    Ok(Exit::Ok)
}

/// The human plan: what is written where, and the ROM loader's caveats.
fn print_plan(
    w: &mut dyn Write,
    what: &str,
    cloned: bool,
    plan: &WritePlan,
    preserved: u32,
    len: usize,
) -> Result<(), CliError> {
    let bytes: u64 = plan.runs.iter().map(|r| u64::from(r.1)).sum();
    writeln!(
        w,
        "plan: {what} at 0x{:06x}{}: {} of {} sectors to write ({} bytes) in {} run(s), {} unchanged",
        plan.offset,
        if cloned { " (sanitized clone)" } else { "" },
        plan.sectors - plan.unchanged_sectors,
        plan.sectors,
        bytes,
        plan.runs.len(),
        plan.unchanged_sectors
    )
    .map_err(out_err)?;
    if preserved > 0 {
        writeln!(
            w,
            "      the image ends inside a sector: the {preserved} bytes after it, to the sector end, are kept as they are on the chip"
        )
        .map_err(out_err)?;
    }
    let Some(rom) = &plan.rom else {
        return Ok(());
    };
    writeln!(
        w,
        "      ROM loader: FLASH_BEGIN erase size 0x{:x}, {} blocks of 0x400, no verification possible",
        rom.erase_size, rom.blocks
    )
    .map_err(out_err)?;
    let tail = len.next_multiple_of(crate::formats::flash::SECTOR_SIZE) - len;
    if tail > 0 {
        writeln!(
            w,
            "      note: the ROM cannot read the {tail} bytes after the image to the sector end: they will be erased"
        )
        .map_err(out_err)?;
    }
    if let Some(sec) = rom.collateral_sector {
        writeln!(
            w,
            "      note: the ROM's erase bug will also erase sector 0x{:06x}",
            sec as usize * crate::formats::flash::SECTOR_SIZE
        )
        .map_err(out_err)?;
    }
    Ok(())
}
