//! `espdump extract FILE --out DIR`: write every file system file, every image and the newest
//! Tasmota settings (plain and `.dmp`) into a folder.

use super::exit::{stdout_error, CliError, CliResult, Exit};
use super::io::{io_reason, read_input, write_atomic};
use crate::analysis::extract::plan;
use crate::analysis::inspect::{inspect, Options};
use crate::render::escape::escape;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Flash dump or image.
    pub file: PathBuf,
    /// Folder to write into (created if missing; existing files are never overwritten).
    #[arg(long = "out", short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// Print one JSON document listing what was written.
    #[arg(long)]
    pub json: bool,
}

/// Run `extract`.
pub fn run(a: ExtractArgs, w: &mut dyn Write) -> CliResult {
    let data = read_input(&a.file)?;
    let report = inspect(&data, &Options::default())
        .map_err(|e| CliError::input(format!("{}: {e}", a.file.display())))?;
    let items = plan(&data, &report);
    if a.out.exists() && !a.out.is_dir() {
        return Err(CliError::output(format!(
            "{}: exists and is not a folder",
            a.out.display()
        )));
    }
    for it in &items {
        let p = a.out.join(&it.path);
        if p.exists() {
            return Err(CliError::refused(format!(
                "{}: already exists; extract into an empty folder",
                p.display()
            )));
        }
    }
    for it in &items {
        let p = a.out.join(&it.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                CliError::output(format!("{}: {}", parent.display(), io_reason(&e)))
            })?;
        }
        write_atomic(&p, &it.bytes)?;
    }
    if a.json {
        let doc = serde_json::json!({ "input": a.file.display().to_string(), "out": a.out.display().to_string(), "files": items });
        serde_json::to_writer_pretty(&mut *w, &doc).map_err(|e| stdout_error(e.into()))?;
        writeln!(w).map_err(stdout_error)?;
    } else {
        for it in &items {
            writeln!(
                w,
                "{:>9}  {}  ({})",
                it.size,
                escape(&a.out.join(&it.path).display().to_string()),
                escape(&it.source)
            )
            .map_err(stdout_error)?;
        }
        writeln!(
            w,
            "{} files written to {}",
            items.len(),
            escape(&a.out.display().to_string())
        )
        .map_err(stdout_error)?;
    }
    Ok(Exit::Ok)
}
