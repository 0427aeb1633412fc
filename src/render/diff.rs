//! Human rendering of a [`DiffReport`]: the verdict, the semantic changes (with line diffs), the
//! regions that differ, then the noise apart. Writes to a `&mut dyn Write`; every string that
//! came from a dump goes through [`escape`]. Mask the report first ([`DiffReport::masked`])
//! unless secrets are to be shown.

use crate::analysis::diff::lines::{LineDiff, LineOp};
use crate::analysis::diff::{DiffReport, RegionDiff, SemanticChange, Side, Status};
use crate::render::escape::escape;
use crate::render::human::{size_str, Style};
use serde_json::Value;
use std::io::{self, Write};

/// How many byte ranges a region line lists.
const RANGES_SHOWN: usize = 4;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn paint(style: Style, code: &str, s: &str) -> String {
    if style.color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// A value for display: strings quoted and escaped, `null` as `-`, the rest as compact JSON.
pub fn value_str(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".to_string(),
        Some(Value::String(s)) => format!("\"{}\"", escape(s)),
        Some(other) => escape(&other.to_string()).into_owned(),
    }
}

fn side_line(w: &mut dyn Write, tag: &str, name: &str, s: &Side) -> io::Result<()> {
    let mut line = format!(
        "{tag}  {}  ({}): {}, boot loader {}",
        escape(name),
        size_str(s.size),
        escape(&s.firmware),
        escape(&s.bootloader)
    );
    if let Some(a) = s.active_slot {
        line.push_str(&format!(", active slot {a}"));
    }
    writeln!(w, "{line}")?;
    for sl in &s.slots {
        writeln!(
            w,
            "   {:<7} 0x{:06x}  {}{}",
            escape(&sl.name),
            sl.offset,
            escape(&sl.describe()),
            if sl.running { "  (running)" } else { "" }
        )?;
    }
    Ok(())
}

fn change_line(w: &mut dyn Write, ch: &SemanticChange, style: Style) -> io::Result<()> {
    let what = match ch.change {
        crate::analysis::diff::ChangeKind::Changed => format!(
            "{} -> {}",
            value_str(ch.a.as_ref()),
            value_str(ch.b.as_ref())
        ),
        crate::analysis::diff::ChangeKind::Added => paint(
            style,
            "32",
            &format!("only in B: {}", value_str(ch.b.as_ref())),
        ),
        crate::analysis::diff::ChangeKind::Removed => paint(
            style,
            "31",
            &format!("only in A: {}", value_str(ch.a.as_ref())),
        ),
    };
    let class = ch
        .class
        .map(|c| format!(" [{}]", c.as_str()))
        .unwrap_or_default();
    writeln!(
        w,
        "  {:<11} {}  {}{}: {}",
        ch.area.as_str(),
        escape(&ch.source),
        escape(&ch.key),
        class,
        what
    )?;
    if let Some(n) = &ch.note {
        writeln!(w, "      ({})", escape(n))?;
    }
    match &ch.lines {
        Some(ld) => line_diff(w, ld, style),
        None => Ok(()),
    }
}

/// A file's line diff: the counts, then the hunks as `diff -u` shows them.
fn line_diff(w: &mut dyn Write, ld: &LineDiff, style: Style) -> io::Result<()> {
    writeln!(
        w,
        "      {} lines removed, {} added{}{}",
        ld.removed,
        ld.added,
        if ld.normalized_json {
            " (JSON pretty-printed, keys sorted)"
        } else {
            ""
        },
        if ld.minimal {
            ""
        } else {
            " (too large for a minimal diff)"
        }
    )?;
    for h in &ld.hunks {
        writeln!(
            w,
            "      {}",
            paint(
                style,
                "36",
                &format!(
                    "@@ -{},{} +{},{} @@",
                    h.a_start, h.a_len, h.b_start, h.b_len
                )
            )
        )?;
        for l in &h.lines {
            let text = format!("{}{}", l.op.marker(), escape(&l.text));
            let text = match l.op {
                LineOp::Removed => paint(style, "31", &text),
                LineOp::Added => paint(style, "32", &text),
                LineOp::Context => text,
            };
            writeln!(w, "      {text}")?;
        }
    }
    if ld.truncated {
        writeln!(w, "      ... (line diff cut)")?;
    }
    Ok(())
}

fn region_line(w: &mut dyn Write, r: &RegionDiff, style: Style) -> io::Result<()> {
    let status = match r.status {
        Status::Same => "same".to_string(),
        Status::Changed => paint(style, "33", "changed"),
        Status::OnlyA => paint(style, "31", "only A"),
        Status::OnlyB => paint(style, "32", "only B"),
    };
    let (ka, kb) = (
        r.a.as_ref().map(|x| x.kind.as_str()).unwrap_or("-"),
        r.b.as_ref().map(|x| x.kind.as_str()).unwrap_or("-"),
    );
    let kinds = if ka == kb {
        ka.to_string()
    } else {
        format!("{ka} -> {kb}")
    };
    let label = match (&r.a, &r.b, r.status) {
        (_, Some(b), Status::OnlyB) => escape(&b.label).into_owned(),
        (Some(a), Some(b), _) if a.label != b.label => {
            format!("{} -> {}", escape(&a.label), escape(&b.label))
        }
        (Some(a), _, _) => escape(&a.label).into_owned(),
        (None, Some(b), _) => escape(&b.label).into_owned(),
        (None, None, _) => String::new(),
    };
    writeln!(
        w,
        "  0x{:06x}  0x{:06x}  {:>9}  {:<7}  {:<15}  {}",
        r.start,
        r.end,
        size_str(r.end - r.start),
        status,
        kinds,
        label
    )?;
    if r.status != Status::Same && r.changed_bytes > 0 {
        let shown: Vec<String> = r
            .ranges
            .iter()
            .take(RANGES_SHOWN)
            .map(|x| format!("0x{:x}..0x{:x}", x.start, x.end))
            .collect();
        writeln!(
            w,
            "      {} changed in {}: {}{}",
            plural(r.changed_bytes as usize, "byte", "bytes"),
            plural(r.range_count, "range", "ranges"),
            shown.join(", "),
            if r.range_count > shown.len() {
                ", ..."
            } else {
                ""
            }
        )?;
    }
    if let Some(why) = r.noise_reason {
        writeln!(w, "      noise: {why}")?;
    }
    Ok(())
}

/// Write the human report of `diff`. `a`/`b` are the input names.
pub fn render(w: &mut dyn Write, a: &str, b: &str, r: &DiffReport, style: Style) -> io::Result<()> {
    header(w, a, b, r, style)?;
    let real: Vec<&SemanticChange> = r.changes.iter().filter(|c| !c.noise).collect();
    if !real.is_empty() {
        writeln!(w)?;
        writeln!(w, "changes")?;
        for ch in real {
            change_line(w, ch, style)?;
        }
    }
    regions(w, r, style)?;
    noise(w, r, style)
}

/// The two inputs, what was compared and the verdict with its counts.
fn header(w: &mut dyn Write, a: &str, b: &str, r: &DiffReport, style: Style) -> io::Result<()> {
    side_line(w, "A", a, &r.a)?;
    side_line(w, "B", b, &r.b)?;
    if r.settings_only {
        writeln!(
            w,
            "a Tasmota .dmp is compared by its settings only (no flash map, no bytes)"
        )?;
    }
    if r.size_differs {
        writeln!(
            w,
            "sizes differ: A {} bytes, B {} bytes; compared the first {} bytes",
            r.a.size, r.b.size, r.common_size
        )?;
    }
    let verdict = if r.identical {
        paint(style, "32", "identical")
    } else {
        paint(style, "31", "different")
    };
    let tail = counts(r);
    if tail.is_empty() {
        writeln!(w, "result: {verdict}")
    } else {
        writeln!(w, "result: {verdict} ({})", tail.join(", "))
    }
}

/// The counts after the verdict: changes, regions that differ, noise shown apart or ignored.
fn counts(r: &DiffReport) -> Vec<String> {
    let s = &r.summary;
    let mut tail = Vec::new();
    if s.changes > 0 {
        tail.push(plural(s.changes, "change", "changes"));
    }
    let differ = s.regions_changed + s.regions_only_a + s.regions_only_b;
    if differ > 0 {
        tail.push(plural(differ, "region differs", "regions differ"));
    }
    if s.noise > 0 {
        tail.push(format!(
            "{} shown apart",
            plural(s.noise, "noise entry", "noise entries")
        ));
    }
    if r.noise_hidden > 0 {
        tail.push(format!(
            "{} ignored",
            plural(r.noise_hidden, "noise entry", "noise entries")
        ));
    }
    tail
}

/// The regions that differ (noise apart) and those with the same bytes but a new role.
fn regions(w: &mut dyn Write, r: &DiffReport, style: Style) -> io::Result<()> {
    let regions: Vec<&RegionDiff> = r
        .regions
        .iter()
        .filter(|x| x.status != Status::Same && !x.noise)
        .collect();
    let roles: Vec<&RegionDiff> = r
        .regions
        .iter()
        .filter(|x| {
            x.status == Status::Same
                && matches!((&x.a, &x.b), (Some(p), Some(q)) if p.kind != q.kind || p.label != q.label)
        })
        .collect();
    if regions.is_empty() && roles.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(
        w,
        "regions ({} same{}; the others listed)",
        r.summary.regions_same,
        if roles.is_empty() {
            String::new()
        } else {
            format!(", of which {} with a new role", roles.len())
        }
    )?;
    let mut all: Vec<&RegionDiff> = regions.into_iter().chain(roles).collect();
    all.sort_by_key(|x| x.start);
    for x in all {
        region_line(w, x, style)?;
    }
    Ok(())
}

/// The changes and regions marked noise, apart.
fn noise(w: &mut dyn Write, r: &DiffReport, style: Style) -> io::Result<()> {
    let noise_changes: Vec<&SemanticChange> = r.changes.iter().filter(|c| c.noise).collect();
    let noise_regions: Vec<&RegionDiff> = r
        .regions
        .iter()
        .filter(|x| x.status != Status::Same && x.noise)
        .collect();
    if noise_changes.is_empty() && noise_regions.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(
        w,
        "noise (rewritten by the firmware itself; --ignore-noise hides it)"
    )?;
    for ch in noise_changes {
        change_line(w, ch, style)?;
    }
    for x in noise_regions {
        region_line(w, x, style)?;
    }
    Ok(())
}
