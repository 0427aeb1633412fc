//! Line diffs for text and JSON files. The edit script comes from Myers' algorithm (the `similar`
//! crate, without its heuristics, so the script is a shortest one) run under a time bound,
//! [`DEADLINE`]: a pair of huge files with little in common cannot hang the diff; past the bound
//! the rest is shown as removed then added, and the diff says it is not minimal. Output is
//! grouped into hunks with [`CONTEXT`] lines of context, as `diff -u` does, and capped at
//! [`MAX_LINES_OUT`] lines.

use crate::analysis::diff::policy as c;
use serde::Serialize;
use similar::algorithms::{myers, DiffHook};
use std::time::{Duration, Instant};

/// Longest time spent searching for a shortest edit script of one file.
pub const DEADLINE: Duration = Duration::from_millis(500);
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
    /// False when the time bound cut the search short (the rest is shown removed, then added).
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

/// Collects the steps `similar` reports as [`Edit`]s.
struct Script(Vec<Edit>);

impl DiffHook for Script {
    type Error = std::convert::Infallible;
    fn equal(&mut self, old: usize, new: usize, len: usize) -> Result<(), Self::Error> {
        self.0
            .extend((0..len).map(|k| Edit::Keep(old + k, new + k)));
        Ok(())
    }
    fn delete(&mut self, old: usize, len: usize, _new: usize) -> Result<(), Self::Error> {
        self.0.extend((old..old + len).map(Edit::Remove));
        Ok(())
    }
    fn insert(&mut self, _old: usize, new: usize, len: usize) -> Result<(), Self::Error> {
        self.0.extend((new..new + len).map(Edit::Add));
        Ok(())
    }
}

/// An edit script turning `a` into `b`, and whether it is minimal (false when [`DEADLINE`]
/// passed before the search ended).
pub fn edit_script<T: PartialEq>(a: &[T], b: &[T]) -> (Vec<Edit>, bool) {
    edit_script_until(a, b, Instant::now().checked_add(DEADLINE))
}

/// [`edit_script`] with another deadline (`None`: no time bound).
pub fn edit_script_until<T: PartialEq>(
    a: &[T],
    b: &[T],
    deadline: Option<Instant>,
) -> (Vec<Edit>, bool) {
    let mut script = Script(Vec::with_capacity(a.len().max(b.len()) + 4));
    let Ok(()) = myers::diff_deadline_raw(&mut script, a, 0..a.len(), b, 0..b.len(), deadline);
    let minimal = deadline.is_none_or(|d| Instant::now() <= d);
    let mut script = script.0;
    removals_first(&mut script);
    (script, minimal)
}

/// Within each run of changes between two kept lines, put the removed lines before the added
/// ones (as `diff -u` shows them; Myers' search may report them the other way round).
fn removals_first(script: &mut [Edit]) {
    for run in script.split_mut(|e| matches!(e, Edit::Keep(..))) {
        // A stable sort: removals keep their order, additions theirs.
        run.sort_by_key(|e| matches!(e, Edit::Add(_)));
    }
}

/// Line diff of two texts. `a_masked`/`b_masked` are the same texts with secrets masked, line for
/// line (pass the same texts when there is nothing to mask).
pub fn diff_text(a: &str, b: &str, a_masked: &str, b_masked: &str, json: bool) -> LineDiff {
    let deadline = Instant::now().checked_add(DEADLINE);
    diff_text_until(a, b, a_masked, b_masked, json, deadline)
}

/// [`diff_text`] with another deadline (`None`: no time bound).
pub fn diff_text_until(
    a: &str,
    b: &str,
    a_masked: &str,
    b_masked: &str,
    json: bool,
    deadline: Option<Instant>,
) -> LineDiff {
    let text = Texts {
        a: a.lines().collect(),
        b: b.lines().collect(),
        a_masked: a_masked.lines().collect(),
        b_masked: b_masked.lines().collect(),
    };
    let (script, minimal) = edit_script_until(&text.a, &text.b, deadline);
    let removed = script
        .iter()
        .filter(|e| matches!(e, Edit::Remove(_)))
        .count();
    let added = script.iter().filter(|e| matches!(e, Edit::Add(_))).count();
    let (hunks, truncated) = hunks(&script, &text);
    LineDiff {
        removed,
        added,
        normalized_json: json,
        minimal,
        truncated,
        hunks,
    }
}

/// The lines of both texts, raw and masked.
struct Texts<'a> {
    a: Vec<&'a str>,
    b: Vec<&'a str>,
    a_masked: Vec<&'a str>,
    b_masked: Vec<&'a str>,
}

impl Texts<'_> {
    /// The hunk line for one step of the script.
    fn line(&self, e: Edit) -> DiffLine {
        let (op, raw, masked) = match e {
            Edit::Keep(i, _) => (LineOp::Context, self.a[i], self.a_masked.get(i)),
            Edit::Remove(i) => (LineOp::Removed, self.a[i], self.a_masked.get(i)),
            Edit::Add(j) => (LineOp::Added, self.b[j], self.b_masked.get(j)),
        };
        DiffLine {
            op,
            text: raw.to_string(),
            masked: masked.filter(|m| **m != raw).map(|m| m.to_string()),
        }
    }
}

/// Spans `[from, to)` of the script around its changes, with [`CONTEXT`] lines either side;
/// changes closer than twice the context share a span.
fn hunk_spans(script: &[Edit]) -> Vec<(usize, usize)> {
    let changed: Vec<usize> = script
        .iter()
        .enumerate()
        .filter(|(_, e)| !matches!(e, Edit::Keep(..)))
        .map(|(k, _)| k)
        .collect();
    let mut spans = Vec::new();
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
        spans.push((from, to));
    }
    spans
}

/// The hunks of a script, at most [`MAX_LINES_OUT`] lines in all; true when cut there.
fn hunks(script: &[Edit], text: &Texts) -> (Vec<Hunk>, bool) {
    let mut hunks = Vec::new();
    let mut emitted = 0usize;
    for (from, to) in hunk_spans(script) {
        let mut h = Hunk {
            a_start: 0,
            a_len: 0,
            b_start: 0,
            b_len: 0,
            lines: Vec::new(),
        };
        for &e in &script[from..to] {
            if emitted >= MAX_LINES_OUT {
                if !h.lines.is_empty() {
                    hunks.push(h);
                }
                return (hunks, true);
            }
            let (ai, bi) = match e {
                Edit::Keep(i, j) => (Some(i), Some(j)),
                Edit::Remove(i) => (Some(i), None),
                Edit::Add(j) => (None, Some(j)),
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
            h.lines.push(text.line(e));
            emitted += 1;
        }
        if !h.lines.is_empty() {
            hunks.push(h);
        }
    }
    (hunks, false)
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
    fn no_common_line_is_bounded() {
        // 20,000 lines each, nothing in common: Myers' worst case. The time bound keeps it short;
        // either way every line is removed or added and the hunks stop at MAX_LINES_OUT.
        let a: String = (0..20_000).map(|i| format!("a{i}\n")).collect();
        let b: String = (0..20_000).map(|i| format!("b{i}\n")).collect();
        let d = diff_text(&a, &b, &a, &b, false);
        assert!(d.truncated);
        assert_eq!((d.removed, d.added), (20_000, 20_000));
        let n: usize = d.hunks.iter().map(|h| h.lines.len()).sum();
        assert_eq!(n, MAX_LINES_OUT);
        assert_eq!(d.hunks.len(), 1);
        assert!(d.hunks[0].lines.iter().all(|l| l.op == LineOp::Removed));
    }

    #[test]
    fn past_the_deadline_the_rest_is_replaced_and_not_minimal() {
        // Interleaved common lines: a shortest script keeps them; with no time at all the search
        // gives up at once and shows everything between the common ends as removed then added.
        let a: String = (0..400).map(|i| format!("{}\n", i % 7)).collect();
        let b: String = (0..400).map(|i| format!("{}\n", i % 5)).collect();
        let past = Some(Instant::now());
        std::thread::sleep(Duration::from_millis(2));
        let d = diff_text_until(&a, &b, &a, &b, false, past);
        assert!(!d.minimal);
        let full = diff_text(&a, &b, &a, &b, false);
        assert!(full.minimal);
        assert!(full.removed < d.removed);
        assert_eq!(d.removed as i64 - d.added as i64, 0);
        let (s, _) = edit_script_until(&[1, 2, 3, 9], &[1, 5, 6, 9], past);
        assert_eq!(
            s,
            vec![
                Edit::Keep(0, 0),
                Edit::Remove(1),
                Edit::Remove(2),
                Edit::Add(1),
                Edit::Add(2),
                Edit::Keep(3, 3)
            ]
        );
    }

    /// Length of a longest common subsequence: the oracle for minimality (textbook table).
    fn lcs_len(a: &[u8], b: &[u8]) -> usize {
        let mut row = vec![0usize; b.len() + 1];
        for x in a {
            let mut diag = 0;
            for (j, y) in b.iter().enumerate() {
                let up = row[j + 1];
                row[j + 1] = if x == y { diag + 1 } else { up.max(row[j]) };
                diag = up;
            }
        }
        row[b.len()]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// The script keeps a longest common subsequence (so it is a shortest edit script), and
        /// in each run of changes the removed lines come before the added ones.
        #[test]
        fn scripts_are_shortest_and_removals_lead(
            a in proptest::collection::vec(0u8..6, 0..80),
            b in proptest::collection::vec(0u8..6, 0..80),
        ) {
            let (s, minimal) = edit_script(&a, &b);
            proptest::prop_assert!(minimal);
            let kept = s.iter().filter(|e| matches!(e, Edit::Keep(..))).count();
            proptest::prop_assert_eq!(kept, lcs_len(&a, &b));
            for w in s.windows(2) {
                proptest::prop_assert!(!matches!(w, [Edit::Add(_), Edit::Remove(_)]));
            }
        }
    }
}
