//! `espdump info --port P`: chip, MAC, flash id and detected size (through the ROM loader,
//! or the stub if one is already running).

use super::exit::{CliResult, Exit};
use super::serial_common::{finish, out_err, print_json, run_serial, start, ConnectArgs, StubUse};
use clap::Args;
use std::io::Write;

/// Arguments of `info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectArgs,
}

/// Run `info`.
pub fn run(a: InfoArgs, w: &mut dyn Write) -> CliResult {
    run_serial(a.conn.json, w, |w| info(a, w))
}

fn info(a: InfoArgs, w: &mut dyn Write) -> CliResult {
    let (mut bars, mut s) = start(&a.conn, None, StubUse::No)?;
    let info = s.info.clone();
    let stub = s.stub_source.clone();
    let end = finish(&mut s, &a.conn, &mut bars)?;
    // The stub read/write/erase/verify would upload (info itself talks to the ROM).
    let selected = if a.conn.no_stub {
        None
    } else {
        crate::serial::stub::find_stub(a.conn.stub.as_deref())
            .ok()
            .map(|s| s.source)
    };
    if a.conn.json {
        print_json(
            w,
            &serde_json::json!({ "port": s.port, "chip": info, "stub": stub, "stub_selected": selected, "end_state": end }),
        )?;
        return Ok(Exit::Ok);
    }
    let size = match info.flash_size {
        Some(b) => format!("{} KiB ({b} bytes)", b / 1024),
        None => "unknown (pass --flash-size to read, write, erase and verify)".into(),
    };
    writeln!(w, "chip:        {}", info.chip).map_err(out_err)?;
    writeln!(w, "mac:         {}", info.mac).map_err(out_err)?;
    writeln!(w, "chip id:     0x{:06x}", info.chip_id).map_err(out_err)?;
    writeln!(w, "crystal:     {} MHz", info.crystal_mhz).map_err(out_err)?;
    writeln!(
        w,
        "flash id:    0x{:06x} (manufacturer 0x{:02x}, device 0x{:04x})",
        info.flash_id, info.flash_manufacturer, info.flash_device
    )
    .map_err(out_err)?;
    writeln!(w, "flash size:  {size}").map_err(out_err)?;
    let stub_line = match (&stub, &selected) {
        (Some(running), _) => format!("{running} (running)"),
        (None, Some(name)) if name == crate::serial::builtin_stub::NAME => {
            "builtin (espdump's own; used by read, write, erase and verify)".into()
        }
        (None, Some(path)) => format!("{path} (used by read, write, erase and verify)"),
        (None, None) => "none (ROM loader only)".into(),
    };
    writeln!(
        w,
        "stub:        {}",
        crate::render::escape::escape(&stub_line)
    )
    .map_err(out_err)?;
    Ok(Exit::Ok)
}
