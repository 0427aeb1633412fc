//! Line diffs for text and JSON files: the common prefix and suffix are trimmed, then a longest
//! common subsequence table over the middle gives a minimal edit script. The table is capped at
//! [`MAX_CELLS`] cells (4 MiB of memory, a few milliseconds): beyond that the middle is shown as
//! removed then added, and the diff says it is not minimal. Output is grouped into hunks with
//! [`CONTEXT`] lines of context, as `diff -u` does, and capped at [`MAX_LINES_OUT`] lines.

use crate::diff::policy as c;
use serde::Serialize;

/// Most LCS table cells (lines of A × lines of B after trimming) computed for one file.
pub const MAX_CELLS: usize = c::LINE_DIFF_MAX_CELLS;
/// Context lines around each change.
pub const CONTEXT: usize = c::LINE_DIFF_CONTEXT;
/// Most lines kept in the hunks of one file.
pub const MAX_LINES_OUT: usize = c::LINE_DIFF_MAX_LINES;

/// What a line of a hunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineOp {
    /// In both files (context).
    Context,
    /// Only in A.
    Removed,
    /// Only in B.
    Added,
}

impl LineOp {
    /// The `diff -u` marker: ` `, `-` or `+`.
    pub fn marker(self) -> char {
        match self {
            LineOp::Context => ' ',
            LineOp::Removed => '-',
            LineOp::Added => '+',
        }
    }
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    /// Context, removed or added.
    pub op: LineOp,
    /// The line, without its newline. Untrusted: escape before printing.
    pub text: String,
    /// The same line with secrets masked, when it differs from `text`. Not serialised:
    /// [`super::DiffReport::masked`] moves it into `text`.
    #[serde(skip)]
    pub masked: Option<String>,
}

/// A run of changes with its context, like a `@@ -a,n +b,m @@` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    /// First line of the hunk in A (1-based; 0 when A has no lines here).
    pub a_start: usize,
    /// Lines of A in the hunk.
    pub a_len: usize,
    /// First line of the hunk in B (1-based; 0 when B has no lines here).
    pub b_start: usize,
    /// Lines of B in the hunk.
    pub b_len: usize,
    /// The lines.
    pub lines: Vec<DiffLine>,
}

/// A line diff of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineDiff {
    /// Lines only in A.
    pub removed: usize,
    /// Lines only in B.
    pub added: usize,
    /// The JSON was pretty-printed (keys sorted) before diffing, so line numbers are of that text.
    pub normalized_json: bool,
    /// False when the file was too large for a minimal diff (the middle is shown replaced).
    pub minimal: bool,
    /// Hunks were cut at [`MAX_LINES_OUT`] lines.
    pub truncated: bool,
    /// The hunks.
    pub hunks: Vec<Hunk>,
}

/// One step of an edit script: an index into A, into B, or into both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// `a[i] == b[j]`.
    Keep(usize, usize),
    /// `a[i]` removed.
    Remove(usize),
    /// `b[j]` added.
    Add(usize),
}

/// An edit script turning `a` into `b`, and whether it is minimal.
pub fn edit_script<T: PartialEq>(a: &[T], b: &[T]) -> (Vec<Edit>, bool) {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 4);
    out.extend((0..pre).map(|i| Edit::Keep(i, i)));
    let (n, m) = (am.len(), bm.len());
    let minimal = n.saturating_mul(m) <= MAX_CELLS;
    if n == 0 || m == 0 || !minimal {
        out.extend((0..n).map(|i| Edit::Remove(pre + i)));
        out.extend((0..m).map(|j| Edit::Add(pre + j)));
    } else {
        // lcs[i * (m + 1) + j] = LCS length of am[i..] and bm[j..].
        let w = m + 1;
        let mut lcs = vec![0u32; (n + 1) * w];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * w + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                out.push(Edit::Keep(pre + i, pre + j));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                out.push(Edit::Remove(pre + i));
                i += 1;
            } else {
                out.push(Edit::Add(pre + j));
                j += 1;
            }
        }
    }
    let (na, nb) = (a.len() - suf, b.len() - suf);
    out.extend((0..suf).map(|k| Edit::Keep(na + k, nb + k)));
    (out, minimal)
}

/// Line diff of two texts. `a_masked`/`b_masked` are the same texts with secrets masked, line for
/// line (pass the same texts when there is nothing to mask).
pub fn diff_text(a: &str, b: &str, a_masked: &str, b_masked: &str, json: bool) -> LineDiff {
    let al: Vec<&str> = a.lines().collect();
    let bl: Vec<&str> = b.lines().collect();
    let am: Vec<&str> = a_masked.lines().collect();
    let bm: Vec<&str> = b_masked.lines().collect();
    let (script, minimal) = edit_script(&al, &bl);
    let line = |op: LineOp, raw: &str, masked: Option<&&str>| DiffLine {
        op,
        text: raw.to_string(),
        masked: masked.filter(|m| **m != raw).map(|m| m.to_string()),
    };
    let mut removed = 0;
    let mut added = 0;
    for e in &script {
        match e {
            Edit::Remove(_) => removed += 1,
            Edit::Add(_) => added += 1,
            Edit::Keep(..) => {}
        }
    }
    // Group changes into hunks with CONTEXT lines around them.
    let changed: Vec<usize> = script
        .iter()
        .enumerate()
        .filter(|(_, e)| !matches!(e, Edit::Keep(..)))
        .map(|(k, _)| k)
        .collect();
    let mut hunks = Vec::new();
    let mut emitted = 0usize;
    let mut truncated = false;
    let mut k = 0;
    while k < changed.len() {
        let first = changed[k];
        let mut last = first;
        while k + 1 < changed.len() && changed[k + 1] <= last + 2 * CONTEXT + 1 {
            k += 1;
            last = changed[k];
        }
        k += 1;
        let from = first.saturating_sub(CONTEXT);
        let to = (last + CONTEXT + 1).min(script.len());
        let mut h = Hunk {
            a_start: 0,
            a_len: 0,
            b_start: 0,
            b_len: 0,
            lines: Vec::new(),
        };
        for e in &script[from..to] {
            if emitted >= MAX_LINES_OUT {
                truncated = true;
                break;
            }
            let (op, ai, bi) = match *e {
                Edit::Keep(i, j) => (LineOp::Context, Some(i), Some(j)),
                Edit::Remove(i) => (LineOp::Removed, Some(i), None),
                Edit::Add(j) => (LineOp::Added, None, Some(j)),
            };
            if let Some(i) = ai {
                if h.a_len == 0 {
                    h.a_start = i + 1;
                }
                h.a_len += 1;
            }
            if let Some(j) = bi {
                if h.b_len == 0 {
                    h.b_start = j + 1;
                }
                h.b_len += 1;
            }
            h.lines.push(match (op, ai, bi) {
                (LineOp::Added, _, Some(j)) => line(op, bl[j], bm.get(j)),
                (_, Some(i), _) => line(op, al[i], am.get(i)),
                _ => continue,
            });
            emitted += 1;
        }
        if !h.lines.is_empty() {
            hunks.push(h);
        }
        if truncated {
            break;
        }
    }
    LineDiff {
        removed,
        added,
        normalized_json: json,
        minimal,
        truncated,
        hunks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(a: &[&str], b: &[&str], s: &[Edit]) -> Vec<String> {
        s.iter()
            .filter_map(|e| match *e {
                Edit::Keep(i, _) => Some(a[i].to_string()),
                Edit::Add(j) => Some(b[j].to_string()),
                Edit::Remove(_) => None,
            })
            .collect()
    }

    #[test]
    fn script_rebuilds_b_and_is_minimal() {
        let a = ["a", "b", "c", "d", "e"];
        let b = ["a", "x", "c", "d", "y", "e", "f"];
        let (s, minimal) = edit_script(&a, &b);
        assert!(minimal);
        assert_eq!(apply(&a, &b, &s), b);
        let removed = s.iter().filter(|e| matches!(e, Edit::Remove(_))).count();
        let added = s.iter().filter(|e| matches!(e, Edit::Add(_))).count();
        assert_eq!((removed, added), (1, 3));
    }

    #[test]
    fn hunks_have_context_and_one_based_lines() {
        let a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let d = diff_text(a, b, a, b, false);
        assert_eq!((d.removed, d.added), (1, 1));
        assert_eq!(d.hunks.len(), 1);
        let h = &d.hunks[0];
        assert_eq!((h.a_start, h.a_len, h.b_start, h.b_len), (3, 5, 3, 5));
        let ops: String = h.lines.iter().map(|l| l.op.marker()).collect();
        assert_eq!(ops, "  -+  ");
        assert_eq!(h.lines[2].text, "5");
        assert_eq!(h.lines[3].text, "five");
    }

    #[test]
    fn far_apart_changes_make_two_hunks() {
        let a: String = (0..30).map(|i| format!("{i}\n")).collect();
        let b: String = (0..30)
            .map(|i| match i {
                3 => "three\n".to_string(),
                25 => "x\n".to_string(),
                _ => format!("{i}\n"),
            })
            .collect();
        let d = diff_text(&a, &b, &a, &b, false);
        assert_eq!(d.hunks.len(), 2);
    }

    #[test]
    fn masked_lines_are_kept_aside() {
        let d = diff_text("p=1\n", "p=secret\n", "p=1\n", "p=****\n", false);
        let added = d.hunks[0]
            .lines
            .iter()
            .find(|l| l.op == LineOp::Added)
            .unwrap();
        assert_eq!(added.text, "p=secret");
        assert_eq!(added.masked.as_deref(), Some("p=****"));
    }

    #[test]
    fn too_large_is_bounded_and_not_minimal() {
        let a: String = (0..3000).map(|i| format!("a{i}\n")).collect();
        let b: String = (0..3000).map(|i| format!("b{i}\n")).collect();
        let d = diff_text(&a, &b, &a, &b, false);
        assert!(!d.minimal);
        assert!(d.truncated);
        assert_eq!((d.removed, d.added), (3000, 3000));
        let n: usize = d.hunks.iter().map(|h| h.lines.len()).sum();
        assert_eq!(n, MAX_LINES_OUT);
    }
}
