//! `espdump sanitize IN -o OUT`: remove identity and secrets before cloning a dump.

use super::args::OutputArgs;
use super::exit::{stdout_error, CliError, CliResult, Exit};
use super::io::{read_input, same_file, write_atomic};
use crate::analysis::sanitize::{sanitize, Policy, SanitizeReport, Verification};
use crate::render::escape::escape;
use clap::Args;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `sanitize`.
#[derive(Debug, Args)]
pub struct SanitizeArgs {
    /// The dump to sanitize (never modified unless --in-place).
    pub input: PathBuf,
    /// Where to write the sanitized image.
    #[arg(short = 'o', long = "output", value_name = "OUT", required_unless_present_any = ["dry_run", "in_place"])]
    pub output: Option<PathBuf>,
    /// Keep these site settings (comma list): wifi, mqtt, rfcal.
    #[arg(long, value_name = "ITEMS", value_delimiter = ',')]
    pub keep: Vec<String>,
    /// Print the plan and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace the input file (atomically) instead of writing OUT.
    #[arg(long)]
    pub in_place: bool,
    /// For firmware without a recipe: clean only the SDK sectors.
    #[arg(long)]
    pub force_generic: bool,
    /// Output options.
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Serialize)]
struct Doc<'a> {
    input: String,
    output: Option<String>,
    written: bool,
    dry_run: bool,
    #[serde(flatten)]
    report: &'a SanitizeReport,
}

/// Run `sanitize`.
pub fn run(a: SanitizeArgs, w: &mut dyn Write) -> CliResult {
    let policy = Policy {
        force_generic: a.force_generic,
        ..Policy::default()
    }
    .with_keep(&a.keep)
    .map_err(|e| CliError::new(Exit::Usage, e))?;
    let target = if a.in_place {
        Some(a.input.clone())
    } else {
        a.output.clone()
    };
    if let Some(t) = &target {
        if !a.in_place && (same_file(t, &a.input) || *t == a.input) {
            return Err(CliError::refused(format!(
                "{}: output is the input file; use --in-place to replace it",
                t.display()
            )));
        }
    }
    let data = read_input(&a.input)?;
    let (out, report) = sanitize(&data, &policy).map_err(CliError::from)?;
    let ok = report.verification.ok();
    let mut written = false;
    if !a.dry_run && ok {
        if let Some(t) = &target {
            write_atomic(t, &out)?;
            written = true;
        }
    }
    let doc = Doc {
        input: a.input.display().to_string(),
        output: target.as_ref().map(|t| t.display().to_string()),
        written,
        dry_run: a.dry_run,
        report: &report,
    };
    if a.out.json {
        serde_json::to_writer_pretty(&mut *w, &doc).map_err(|e| stdout_error(e.into()))?;
        writeln!(w).map_err(stdout_error)?;
    } else {
        render(w, &doc).map_err(stdout_error)?;
    }
    if !ok {
        return Ok(Exit::Differences);
    }
    Ok(Exit::Ok)
}

fn render(w: &mut dyn Write, d: &Doc) -> std::io::Result<()> {
    render_header(w, d)?;
    render_changes(w, d)?;
    render_verification(w, &d.report.verification)?;
    writeln!(w)?;
    match (&d.output, d.written, d.dry_run) {
        (Some(o), true, _) => writeln!(w, "wrote {}", escape(o)),
        (_, _, true) => writeln!(w, "dry run: nothing written"),
        (Some(_), false, _) => writeln!(w, "nothing written: verification failed"),
        (None, _, _) => Ok(()),
    }
}

/// The input, its firmware and recipe, and which secrets the policy keeps.
fn render_header(w: &mut dyn Write, d: &Doc) -> std::io::Result<()> {
    let r = d.report;
    writeln!(
        w,
        "{}: {} {} — recipe {}",
        escape(&d.input),
        r.firmware,
        r.version.as_deref().map(escape).unwrap_or_default(),
        r.recipe
    )?;
    let kept: Vec<&str> = [
        ("wifi", r.policy.keep_wifi),
        ("mqtt", r.policy.keep_mqtt),
        ("rfcal", r.policy.keep_rfcal),
    ]
    .iter()
    .filter(|(_, k)| *k)
    .map(|(n, _)| *n)
    .collect();
    if !kept.is_empty() {
        writeln!(w, "keeping: {}", kept.join(", "))?;
    }
    writeln!(w)
}

/// One line per change, planned or made.
fn render_changes(w: &mut dyn Write, d: &Doc) -> std::io::Result<()> {
    let r = d.report;
    writeln!(
        w,
        "{} changes{}",
        r.changes.len(),
        if d.dry_run {
            " planned (dry run: nothing written)"
        } else {
            ""
        }
    )?;
    for c in &r.changes {
        writeln!(
            w,
            "  0x{:06x}..0x{:06x}  {}: {} ({})",
            c.start,
            c.end,
            escape(&c.region),
            escape(&c.what),
            escape(&c.why)
        )?;
    }
    Ok(())
}

/// The proof: what was checked on the result, residue found, problems.
fn render_verification(w: &mut dyn Write, v: &Verification) -> std::io::Result<()> {
    writeln!(w)?;
    writeln!(w, "verification")?;
    let mark = |b: bool| if b { "ok" } else { "FAILED" };
    writeln!(
        w,
        "  images byte-identical   {} ({} images)",
        mark(v.images_identical),
        v.images_checked
    )?;
    writeln!(w, "  checksums valid         {}", mark(v.checksums_valid))?;
    writeln!(
        w,
        "  file systems consistent {}",
        mark(v.filesystems_consistent)
    )?;
    writeln!(
        w,
        "  firmware unchanged      {}",
        mark(v.firmware_unchanged)
    )?;
    writeln!(
        w,
        "  residue                 {} ({} identity/secret strings searched, {} found)",
        mark(v.residue.is_empty()),
        v.residue_candidates,
        v.residue.len()
    )?;
    for res in &v.residue {
        writeln!(
            w,
            "    0x{:06x}  {} {}  in {}",
            res.offset,
            res.class.as_str(),
            escape(&res.key),
            escape(&res.region)
        )?;
    }
    for p in &v.problems {
        writeln!(w, "  problem: {}", escape(p))?;
    }
    Ok(())
}
