//! File systems (present, type and size) and their files (added, removed, changed), with a
//! line diff of each changed text or JSON file, secrets masked.

use crate::analysis::diff::lines;
use crate::analysis::diff::masking::{is_secret_file, mask_json, mask_text};
use crate::analysis::diff::model::{Area, SemanticChange};
use crate::analysis::diff::policy as c;
use crate::analysis::inspect::{self, InspectReport};
use serde_json::Value;

/// Read every file of a file system once: name → content (`None` when unreadable).
fn read_files(data: &[u8], f: &inspect::FsReport) -> Vec<(String, Option<Vec<u8>>)> {
    match f.info.kind {
        crate::formats::fs::FsKind::Spiffs => f
            .entries
            .iter()
            .map(|e| {
                let content = crate::formats::fs::spiffs::read_entry(data, &f.info, e);
                (e.name.clone(), Some(content))
            })
            .collect(),
        crate::formats::fs::FsKind::Littlefs => crate::formats::fs::littlefs::list(data, &f.info)
            .into_iter()
            .filter(|e| !e.is_dir)
            .map(|e| {
                let content = crate::formats::fs::littlefs::read_entry(data, &f.info, &e);
                (e.path, content)
            })
            .collect(),
    }
}

fn fs_label(f: &inspect::FsReport) -> String {
    format!("{}@0x{:06x}", f.fs_type, f.start)
}

/// File changes per paired file system. Returns the starts of paired file systems in which no
/// file changed (their byte changes are page moves: noise).
pub(crate) fn changes(
    a: &[u8],
    ra: &InspectReport,
    b: &[u8],
    rb: &InspectReport,
    secrets: &[String],
    out: &mut Vec<SemanticChange>,
) -> Vec<u64> {
    let mut quiet = Vec::new();
    for x in &ra.filesystems {
        if !rb.filesystems.iter().any(|y| y.start == x.start) {
            out.push(
                SemanticChange::new(Area::Filesystem, fs_label(x), "file system")
                    .values(Some(format!("{} files", x.files.len()).into()), None),
            );
        }
    }
    for y in &rb.filesystems {
        let Some(x) = ra.filesystems.iter().find(|x| x.start == y.start) else {
            out.push(
                SemanticChange::new(Area::Filesystem, fs_label(y), "file system")
                    .values(None, Some(format!("{} files", y.files.len()).into())),
            );
            continue;
        };
        let src = fs_label(y);
        if x.fs_type != y.fs_type || x.end != y.end {
            out.push(
                SemanticChange::new(Area::Filesystem, src.clone(), "type and size").values(
                    Some(format!("{} {} bytes", x.fs_type, x.end - x.start).into()),
                    Some(format!("{} {} bytes", y.fs_type, y.end - y.start).into()),
                ),
            );
        }
        let before = out.len();
        file_pair_changes((a, x), (b, y), &src, secrets, out);
        if out.len() == before {
            quiet.push(y.start);
        }
    }
    quiet
}

/// The files of one paired file system: removed, changed (with a line diff), added.
fn file_pair_changes(
    (a, x): (&[u8], &inspect::FsReport),
    (b, y): (&[u8], &inspect::FsReport),
    src: &str,
    secrets: &[String],
    out: &mut Vec<SemanticChange>,
) {
    let fa = read_files(a, x);
    let fb = read_files(b, y);
    let find = |v: &'_ [(String, Option<Vec<u8>>)], n: &str| -> Option<usize> {
        v.iter().position(|(m, _)| m == n)
    };
    for (name, ca) in &fa {
        let Some(j) = find(&fb, name) else {
            out.push(
                SemanticChange::new(Area::File, src, name.clone())
                    .values(Some(size_value(x, name)), None),
            );
            continue;
        };
        let cb = &fb[j].1;
        if ca == cb && ca.is_some() {
            continue;
        }
        let mut ch = SemanticChange::new(Area::File, src, name.clone())
            .values(Some(size_value(x, name)), Some(size_value(y, name)));
        match (ca, cb) {
            (Some(p), Some(q)) => file_lines(name, p, q, secrets, &mut ch),
            _ => ch.note = Some("unreadable: compared by size only".into()),
        }
        if ca.is_none() && cb.is_none() && ch.a == ch.b {
            continue;
        }
        out.push(ch);
    }
    for (name, _) in &fb {
        if find(&fa, name).is_none() {
            out.push(
                SemanticChange::new(Area::File, src, name.clone())
                    .values(None, Some(size_value(y, name))),
            );
        }
    }
}

fn size_value(f: &inspect::FsReport, name: &str) -> Value {
    let n = f
        .files
        .iter()
        .find(|x| x.name == name)
        .map_or(0, |x| x.size);
    format!("{n} bytes").into()
}

fn as_text(b: &[u8]) -> Option<&str> {
    if b.len() > c::LINE_DIFF_MAX_FILE || b.contains(&0) {
        return None;
    }
    std::str::from_utf8(b).ok()
}

/// Attach a line diff (or a note saying why there is none) to a changed file.
fn file_lines(name: &str, p: &[u8], q: &[u8], secrets: &[String], ch: &mut SemanticChange) {
    if is_secret_file(name) {
        ch.note = Some("secret file: content not shown".into());
        return;
    }
    let (Some(tp), Some(tq)) = (as_text(p), as_text(q)) else {
        ch.note = Some(if p.len().max(q.len()) > c::LINE_DIFF_MAX_FILE {
            "too large for a line diff".into()
        } else {
            "binary".into()
        });
        return;
    };
    let json = |t: &str| -> Option<Value> {
        serde_json::from_str::<Value>(t)
            .ok()
            .filter(|v| v.is_object() || v.is_array())
    };
    let is_json = name.to_ascii_lowercase().ends_with(".json") || tp.trim_start().starts_with('{');
    if is_json {
        if let (Some(jp), Some(jq)) = (json(tp), json(tq)) {
            let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
            let (mut mp, mut mq) = (jp.clone(), jq.clone());
            mask_json(&mut mp, "");
            mask_json(&mut mq, "");
            let (sp, sq) = (pretty(&jp), pretty(&jq));
            let (smp, smq) = (
                mask_text(&pretty(&mp), secrets),
                mask_text(&pretty(&mq), secrets),
            );
            ch.lines = Some(lines::diff_text(&sp, &sq, &smp, &smq, true));
            return;
        }
    }
    let (mp, mq) = (mask_text(tp, secrets), mask_text(tq, secrets));
    ch.lines = Some(lines::diff_text(tp, tq, &mp, &mq, false));
}
