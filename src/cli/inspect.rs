//! `espdump inspect FILE`: map and identify a dump or image.

use super::args::{parse_num, OutputArgs};
use super::exit::{CliError, CliResult, Exit};
use super::io::{read_input, write_atomic};
use crate::analysis::inspect::{inspect, Options};
use crate::render::human::{self, Style};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Flash dump or firmware image.
    pub file: PathBuf,
    /// Inspect from this offset of the file (an image inside a larger file).
    #[arg(long, value_parser = parse_num, default_value = "0")]
    pub offset: u64,
    /// Also write the flash map as an SVG picture to this file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Output options.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Run `inspect`.
pub fn run(a: InspectArgs, w: &mut dyn Write) -> CliResult {
    let data = read_input(&a.file)?;
    let offset = usize::try_from(a.offset).map_err(|_| CliError::input("offset too large"))?;
    let report = inspect(&data, &Options { offset })
        .map_err(|e| CliError::input(format!("{}: {e}", a.file.display())))?;
    let name = a.file.display().to_string();
    if let Some(svg) = &a.svg {
        write_atomic(svg, human::svg(&report, &name).as_bytes())?;
    }
    let shown = if a.out.show_secrets {
        report
    } else {
        report.masked()
    };
    let io = super::exit::stdout_error;
    if a.out.json {
        serde_json::to_writer_pretty(&mut *w, &shown)
            .map_err(|e| CliError::output(e.to_string()))?;
        writeln!(w).map_err(io)?;
    } else {
        let style = Style {
            color: a.out.color.enabled(),
            show_secrets: a.out.show_secrets,
        };
        human::inspect(w, &name, &shown, style).map_err(io)?;
    }
    Ok(Exit::Ok)
}
