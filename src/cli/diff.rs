//! `espdump diff A B`: compare two dumps by structure. Exit 0 identical, 1 different (as
//! `diff(1)`), 3 when an input cannot be read, 6 when stdout fails.

use super::args::OutputArgs;
use super::exit::{stdout_error, CliError, CliResult, Exit};
use super::io::read_input;
use crate::analysis::diff::{diff, Options};
use crate::render::human::Style;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// First dump (A), e.g. the older backup.
    pub a: PathBuf,
    /// Second dump (B).
    pub b: PathBuf,
    /// Drop what the firmware rewrites by itself (RF calibration, SDK save counters, Tasmota
    /// bootcount/save_flag/CRCs/timestamps) from the output and from the verdict.
    #[arg(long)]
    pub ignore_noise: bool,
    /// Output options.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Run `diff`.
pub fn run(a: DiffArgs, w: &mut dyn Write) -> CliResult {
    let da = read_input(&a.a)?;
    let db = read_input(&a.b)?;
    let report = diff(
        &da,
        &db,
        &Options {
            ignore_noise: a.ignore_noise,
        },
    )
    .map_err(|e| CliError::input(e.to_string()))?;
    let shown = if a.out.show_secrets {
        report
    } else {
        report.masked()
    };
    if a.out.json {
        serde_json::to_writer_pretty(&mut *w, &shown).map_err(|e| {
            if e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) {
                CliError::new(Exit::Ok, String::new())
            } else {
                CliError::output(e.to_string())
            }
        })?;
        writeln!(w).map_err(stdout_error)?;
    } else {
        let style = Style {
            color: a.out.color.enabled(),
            show_secrets: a.out.show_secrets,
        };
        crate::render::diff::render(
            w,
            &a.a.display().to_string(),
            &a.b.display().to_string(),
            &shown,
            style,
        )
        .map_err(stdout_error)?;
    }
    Ok(if shown.identical {
        Exit::Ok
    } else {
        Exit::Differences
    })
}
