//! `espdump ports`: list the serial ports of this machine.

use super::exit::{CliError, CliResult, Exit};
use super::serial_common::{out_err, print_json, run_serial};
use clap::Args;
use std::io::Write;

/// Arguments of `ports`.
#[derive(Debug, Args)]
pub struct PortsArgs {
    /// Print exactly one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Run `ports` (a failure with `--json` is a JSON error document; no chip is touched, so its
/// `end_state` is null).
pub fn run(a: PortsArgs, w: &mut dyn Write) -> CliResult {
    run_serial(a.json, w, |w| ports(a, w))
}

fn ports(a: PortsArgs, w: &mut dyn Write) -> CliResult {
    let ports = crate::serial::transport::list_ports().map_err(CliError::from)?;
    if a.json {
        print_json(w, &serde_json::json!({ "ports": ports }))?;
        return Ok(Exit::Ok);
    }
    if ports.is_empty() {
        writeln!(w, "no serial ports found").map_err(out_err)?;
    }
    for p in &ports {
        let ids = match (p.vid, p.pid) {
            (Some(v), Some(pi)) => format!(" {v:04x}:{pi:04x}"),
            _ => String::new(),
        };
        let desc = p
            .description
            .as_deref()
            .map(|d| format!(" {}", crate::render::escape::escape(d)))
            .unwrap_or_default();
        writeln!(
            w,
            "{}  {}{ids}{desc}",
            crate::render::escape::escape(&p.name),
            p.kind
        )
        .map_err(out_err)?;
    }
    Ok(Exit::Ok)
}
