//! The overlay: the region maps of both inputs laid over each other by address, cut into pieces
//! that each lie in one structure per side, with the exact count and merged ranges of the bytes
//! that differ.

use super::model::{ByteRange, RegionDiff, RegionRef, Status};
use super::noise::is_empty_kind;
use crate::analysis::diff::policy as c;
use crate::analysis::inspect::{self, InspectReport};

/// Merged runs of changed bytes, built in address order.
struct Runs {
    base: u64,
    ranges: Vec<ByteRange>,
    count: usize,
    cur: Option<(usize, usize)>,
}

impl Runs {
    fn flush(&mut self) {
        if let Some((s, e)) = self.cur.take() {
            self.count += 1;
            if self.ranges.len() < c::MAX_RANGES {
                self.ranges.push(ByteRange {
                    start: self.base + s as u64,
                    end: self.base + e as u64,
                });
            }
        }
    }
    /// Add changed bytes `[s, e)`, `s` after every byte added before.
    fn add(&mut self, s: usize, e: usize) {
        match self.cur {
            Some((cs, ce)) if s - ce < c::RANGE_MERGE_GAP => self.cur = Some((cs, e)),
            Some(_) => {
                self.flush();
                self.cur = Some((s, e));
            }
            None => self.cur = Some((s, e)),
        }
    }
}

/// Number of non-zero bytes in a word.
fn nonzero_bytes(x: u64) -> u32 {
    let mut t = x | (x >> 4);
    t |= t >> 2;
    t |= t >> 1;
    (t & 0x0101_0101_0101_0101).count_ones()
}

/// Changed bytes of two equal-length slices as merged ranges (offsets from `base`), the exact
/// count of differing bytes and the number of ranges. Equal blocks are skipped with `memcmp`;
/// differing blocks are scanned a word at a time (runs closer than [`c::RANGE_MERGE_GAP`] ≥ 8
/// bytes merge, so a word's inner gaps never split a run).
pub fn changed_ranges(a: &[u8], b: &[u8], base: u64) -> (Vec<ByteRange>, u64, usize) {
    let n = a.len().min(b.len());
    let mut runs = Runs {
        base,
        ranges: Vec::new(),
        count: 0,
        cur: None,
    };
    let mut changed = 0u64;
    let mut pos = 0;
    while pos < n {
        let end = (pos + c::COMPARE_BLOCK).min(n);
        let (xa, xb) = (&a[pos..end], &b[pos..end]);
        if xa == xb {
            pos = end;
            continue;
        }
        let mut at = pos;
        for (wa, wb) in xa.chunks_exact(8).zip(xb.chunks_exact(8)) {
            let (mut p, mut q) = ([0u8; 8], [0u8; 8]);
            p.copy_from_slice(wa);
            q.copy_from_slice(wb);
            let x = u64::from_le_bytes(p) ^ u64::from_le_bytes(q);
            if x != 0 {
                let first = at + (x.trailing_zeros() / 8) as usize;
                let last = at + 7 - (x.leading_zeros() / 8) as usize;
                changed += u64::from(nonzero_bytes(x));
                runs.add(first, last + 1);
            }
            at += 8;
        }
        for i in at..end {
            if a[i] != b[i] {
                changed += 1;
                runs.add(i, i + 1);
            }
        }
        pos = end;
    }
    runs.flush();
    (runs.ranges, changed, runs.count)
}

fn rref(r: &inspect::Region) -> RegionRef {
    RegionRef {
        start: r.start,
        end: r.end,
        kind: r.kind,
        label: r.label.clone(),
    }
}

/// A piece of the common part: `[start, end)`, the region of each side where it starts
/// (`ia`, `ib`) and the structure of each side it lies in (`sa`, `sb`: `None` for erased or fill).
struct Piece {
    start: usize,
    end: usize,
    ia: usize,
    ib: usize,
    sa: Option<usize>,
    sb: Option<usize>,
}

impl Piece {
    /// Whether the next step (regions `i` of A and `j` of B, structures `sa`, `sb`) extends this
    /// piece: both lie in one structure on one side and the other side holds at most one
    /// structure that starts or ends with it (an image or file system that grew or shrank),
    /// never a structure nested inside it.
    fn takes(&self, step: Side2, other: Side2) -> bool {
        let (xa, i, sa) = step;
        let (xb, j, sb) = other;
        let same = |x: Option<usize>, y: Option<usize>| x.is_some() && x == y;
        let compatible = |x: Option<usize>, y: Option<usize>| x.is_none() || y.is_none() || x == y;
        if !compatible(self.sa, sa) || !compatible(self.sb, sb) {
            return false;
        }
        let aligned = |shared: &inspect::Region, other: Option<&inspect::Region>| {
            other.is_none_or(|o| o.start == shared.start || o.end == shared.end)
        };
        if same(self.sa, sa) {
            let other = if self.sb == sb { None } else { self.sb.or(sb) };
            aligned(&xa[i], other.and_then(|k| xb.get(k)))
        } else if same(self.sb, sb) {
            let other = if self.sa == sa { None } else { self.sa.or(sa) };
            aligned(&xb[j], other.and_then(|k| xa.get(k)))
        } else {
            false
        }
    }
}

/// One side's regions, the index of the current one and the structure it is (if any).
type Side2<'a> = (&'a [inspect::Region], usize, Option<usize>);

/// Cut `[0, common)` into pieces at every region boundary of either side, merging the steps that
/// lie in one structure (see [`Piece::takes`]).
fn pieces(xa: &[inspect::Region], xb: &[inspect::Region], common: usize) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = Vec::new();
    let (mut i, mut j, mut pos) = (0usize, 0usize, 0usize);
    while pos < common {
        while xa.get(i).is_some_and(|r| r.end as usize <= pos) {
            i += 1;
        }
        while xb.get(j).is_some_and(|r| r.end as usize <= pos) {
            j += 1;
        }
        let (Some(ria), Some(rib)) = (xa.get(i), xb.get(j)) else {
            break;
        };
        let end = (ria.end as usize).min(rib.end as usize).min(common);
        if end <= pos {
            break;
        }
        let sa = (!is_empty_kind(ria.kind)).then_some(i);
        let sb = (!is_empty_kind(rib.kind)).then_some(j);
        match pieces.last_mut() {
            Some(p) if p.takes((xa, i, sa), (xb, j, sb)) => {
                p.end = end;
                p.sa = p.sa.or(sa);
                p.sb = p.sb.or(sb);
            }
            _ => pieces.push(Piece {
                start: pos,
                end,
                ia: i,
                ib: j,
                sa,
                sb,
            }),
        }
        pos = end;
    }
    pieces
}

/// Compare the bytes of one piece of the common part.
fn piece_diff(p: &Piece, a: &[u8], ra: &InspectReport, b: &[u8], rb: &InspectReport) -> RegionDiff {
    let (ranges, changed, count) =
        changed_ranges(&a[p.start..p.end], &b[p.start..p.end], p.start as u64);
    let status = if changed == 0 {
        Status::Same
    } else {
        match (p.sa, p.sb) {
            (None, Some(_)) => Status::OnlyB,
            (Some(_), None) => Status::OnlyA,
            _ => Status::Changed,
        }
    };
    RegionDiff {
        start: p.start as u64,
        end: p.end as u64,
        status,
        a: ra.regions.get(p.sa.unwrap_or(p.ia)).map(rref),
        b: rb.regions.get(p.sb.unwrap_or(p.ib)).map(rref),
        changed_bytes: changed,
        range_count: count,
        ranges,
        noise: false,
        noise_reason: None,
    }
}

/// The regions of the longer input past the common part, as only-in-A or only-in-B pieces.
fn past_common(
    a_len: usize,
    ra: &InspectReport,
    b_len: usize,
    rb: &InspectReport,
) -> Vec<RegionDiff> {
    let common = a_len.min(b_len);
    let (longer, status, is_a) = if a_len > b_len {
        (&ra.regions, Status::OnlyA, true)
    } else {
        (&rb.regions, Status::OnlyB, false)
    };
    let mut out = Vec::new();
    for r in longer.iter().filter(|r| r.end as usize > common) {
        let start = (r.start as usize).max(common) as u64;
        let x = Some(rref(r));
        out.push(RegionDiff {
            start,
            end: r.end,
            status,
            a: if is_a { x.clone() } else { None },
            b: if is_a { None } else { x },
            changed_bytes: r.end - start,
            range_count: 1,
            ranges: vec![ByteRange { start, end: r.end }],
            noise: false,
            noise_reason: None,
        });
    }
    out
}

/// Overlay the two region maps over the common part; the rest of the longer input follows as
/// only-in-A / only-in-B pieces.
pub(super) fn overlay(
    a: &[u8],
    ra: &InspectReport,
    b: &[u8],
    rb: &InspectReport,
) -> Vec<RegionDiff> {
    let common = a.len().min(b.len());
    let pieces = pieces(&ra.regions, &rb.regions, common);
    let mut out = Vec::with_capacity(pieces.len() + 4);
    out.extend(pieces.iter().map(|p| piece_diff(p, a, ra, b, rb)));
    out.extend(past_common(a.len(), ra, b.len(), rb));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_close_runs_and_count_exactly() {
        let a = vec![0u8; 1000];
        let mut b = a.clone();
        b[10] = 1;
        b[20] = 1; // 9 equal bytes between: merged
        b[500] = 1;
        b[999] = 1;
        let (r, n, count) = changed_ranges(&a, &b, 0x1000);
        assert_eq!(n, 4);
        assert_eq!(count, 3);
        assert_eq!(
            r,
            vec![
                ByteRange {
                    start: 0x100a,
                    end: 0x1015
                },
                ByteRange {
                    start: 0x11f4,
                    end: 0x11f5
                },
                ByteRange {
                    start: 0x13e7,
                    end: 0x13e8
                },
            ]
        );
    }

    #[test]
    fn ranges_are_capped_but_counted() {
        let a = vec![0u8; 64 * 100];
        let b: Vec<u8> = (0..a.len()).map(|i| u8::from(i % 64 == 0)).collect();
        let (r, n, count) = changed_ranges(&a, &b, 0);
        assert_eq!(n, 100);
        assert_eq!(count, 100);
        assert_eq!(r.len(), c::MAX_RANGES);
    }
}
