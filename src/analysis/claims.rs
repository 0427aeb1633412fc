//! Claims on byte ranges, and their resolution into a region map.
//!
//! Every pass of `inspect` records what it claims: a range, a region kind, an owner (the
//! structure or layout that defines it) and a strength. One precedence decides the map:
//!
//! 1. strength: a checksummed or magic-checked structure beats a position in the layout, which
//!    beats a content guess;
//! 2. within a strength, the kind's rank (boot loader, app, boot data, file system, raw IROM,
//!    settings, SDK sectors, stale images, EEPROM, data partitions, in that order).
//!
//! Two claims that overlap are a `layout_conflict` finding naming both, unless they come from the
//! same owner or one contains the other by nature (a data partition holds a file system, an
//! EEPROM sector holds a firmware's settings).

use crate::analysis::inspect::{Region, RegionKind};
use crate::formats::flash::SECTOR_SIZE;
use crate::report::Finding;
use serde::Serialize;

/// How much a claim is worth, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStrength {
    /// Guessed from contents (an extent of non-erased data, a leftover).
    Content,
    /// Where the layout puts it.
    Position,
    /// A structure that checks itself: checksum, CRC, magic and consistent fields.
    Checksummed,
}

/// One claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Region kind.
    pub kind: RegionKind,
    /// Human label (may hold text from the dump: escape before printing).
    pub label: String,
    /// Who claims it: `bootloader`, `image`, `boot-config`, `filesystem`, `tasmota`, `sdk`,
    /// `arduino`, a layout name...
    pub owner: &'static str,
    /// Strength.
    pub strength: ClaimStrength,
}

/// Rank of a kind within one strength (higher wins).
fn rank(k: RegionKind) -> u8 {
    match k {
        RegionKind::Bootloader | RegionKind::Padding => 100,
        RegionKind::App | RegionKind::AppSlot => 95,
        RegionKind::BootConfig | RegionKind::PartitionTable => 90,
        RegionKind::Filesystem => 85,
        RegionKind::Irom => 80,
        RegionKind::Settings => 70,
        RegionKind::Sdk => 60,
        RegionKind::StaleImage => 50,
        RegionKind::Eeprom => 30,
        RegionKind::Data => 20,
        RegionKind::Erased | RegionKind::Unknown => 0,
    }
}

/// Whether `outer` may contain `inner` by nature.
fn contains_by_nature(outer: RegionKind, inner: RegionKind) -> bool {
    matches!(
        (outer, inner),
        (RegionKind::Data, _) | (RegionKind::Eeprom, RegionKind::Settings)
    )
}

/// The claims of one analysis.
#[derive(Debug, Clone, Default)]
pub struct Claims(pub Vec<Claim>);

impl Claims {
    /// Add a claim (empty ranges are dropped).
    pub fn add(
        &mut self,
        start: usize,
        end: usize,
        kind: RegionKind,
        label: impl Into<String>,
        owner: &'static str,
        strength: ClaimStrength,
    ) {
        if end > start {
            self.0.push(Claim {
                start,
                end,
                kind,
                label: label.into(),
                owner,
                strength,
            });
        }
    }
    /// Whether any claim covers `at`.
    pub fn covers(&self, at: usize) -> bool {
        self.0.iter().any(|c| c.start <= at && at < c.end)
    }
    /// The claims covering any byte of `[start, end)`.
    pub fn overlapping(&self, start: usize, end: usize) -> impl Iterator<Item = &Claim> {
        self.0
            .iter()
            .filter(move |c| c.start < end && start < c.end)
    }
    /// `layout_conflict` findings: overlapping claims of different owners that do not contain
    /// each other by nature. One finding per pair.
    pub fn conflicts(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut cs: Vec<&Claim> = self.0.iter().collect();
        cs.sort_by_key(|c| (c.start, c.end));
        for (i, a) in cs.iter().enumerate() {
            for b in cs[i + 1..].iter().take_while(|b| b.start < a.end) {
                if a.owner == b.owner
                    || contains_by_nature(a.kind, b.kind)
                    || contains_by_nature(b.kind, a.kind)
                {
                    continue;
                }
                let (w, l) = if precedes(a, b) { (a, b) } else { (b, a) };
                let s = a.start.max(b.start);
                let e = a.end.min(b.end);
                out.push(Finding::warning(
                    "layout_conflict",
                    Some(s as u64),
                    format!(
                        "0x{s:x}..0x{e:x} is claimed by {} ({}, {}) and by {} ({}, {}); the map shows {}",
                        w.owner,
                        w.label,
                        strength_name(w.strength),
                        l.owner,
                        l.label,
                        strength_name(l.strength),
                        w.owner
                    ),
                ));
            }
        }
        out
    }
}

fn strength_name(s: ClaimStrength) -> &'static str {
    match s {
        ClaimStrength::Content => "content guess",
        ClaimStrength::Position => "layout position",
        ClaimStrength::Checksummed => "checksummed structure",
    }
}

/// Whether `a` wins over `b` by the documented precedence.
fn precedes(a: &Claim, b: &Claim) -> bool {
    (a.strength, rank(a.kind)) >= (b.strength, rank(b.kind))
}

/// Resolve claims into a partition of `data`: the precedence above decides, gaps are classified
/// by content (erased, zero fill, unknown).
pub fn resolve(data: &[u8], claims: &Claims) -> Vec<Region> {
    let mut cs: Vec<&Claim> = claims.0.iter().collect();
    cs.sort_by(|a, b| {
        (b.strength, rank(b.kind))
            .cmp(&(a.strength, rank(a.kind)))
            .then(a.start.cmp(&b.start))
    });
    // Accepted intervals.
    let mut taken: Vec<(usize, usize, &Claim)> = Vec::new();
    for c in cs {
        let mut pieces = vec![(c.start.min(data.len()), c.end.min(data.len()))];
        for &(ts, te, _) in &taken {
            let mut next = Vec::new();
            for (s, e) in pieces {
                if te <= s || ts >= e {
                    next.push((s, e));
                } else {
                    if s < ts {
                        next.push((s, ts));
                    }
                    if te < e {
                        next.push((te, e));
                    }
                }
            }
            pieces = next;
        }
        taken.extend(
            pieces
                .into_iter()
                .filter(|(s, e)| e > s)
                .map(|(s, e)| (s, e, c)),
        );
    }
    taken.sort_by_key(|t| t.0);
    let mut out = Vec::with_capacity(taken.len() * 2 + 4);
    let mut pos = 0;
    for (s, e, c) in taken {
        if s > pos {
            fill_gap(data, pos, s, &mut out);
        }
        out.push(Region {
            start: s as u64,
            end: e as u64,
            kind: c.kind,
            label: c.label.clone(),
        });
        pos = e;
    }
    if pos < data.len() {
        fill_gap(data, pos, data.len(), &mut out);
    }
    out
}

fn push_merge(out: &mut Vec<Region>, start: usize, end: usize, kind: RegionKind, label: &str) {
    if let Some(last) = out.last_mut() {
        if last.kind == kind && last.end == start as u64 && last.label == label {
            last.end = end as u64;
            return;
        }
    }
    out.push(Region {
        start: start as u64,
        end: end as u64,
        kind,
        label: label.to_string(),
    });
}

fn classify(b: &[u8]) -> (RegionKind, &'static str) {
    if crate::formats::sdk::all_erased(b) {
        (RegionKind::Erased, "erased")
    } else if b.iter().all(|&x| x == 0) {
        (RegionKind::Padding, "zero fill")
    } else {
        (RegionKind::Unknown, "unknown data")
    }
}

/// Classify `[start, end)`: a partial first sector, whole sectors, a partial last sector.
fn fill_gap(data: &[u8], start: usize, end: usize, out: &mut Vec<Region>) {
    let mut pos = start;
    while pos < end {
        let next = (((pos / SECTOR_SIZE) + 1) * SECTOR_SIZE).min(end);
        let (kind, label) = classify(&data[pos..next]);
        push_merge(out, pos, next, kind, label);
        pos = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksummed_beats_position_and_the_overlap_is_a_finding() {
        let data = vec![0u8; 0x3000];
        let mut c = Claims::default();
        c.add(
            0x1000,
            0x2000,
            RegionKind::Sdk,
            "RF calibration",
            "sdk",
            ClaimStrength::Position,
        );
        c.add(
            0x1000,
            0x2000,
            RegionKind::Settings,
            "Tasmota settings",
            "tasmota",
            ClaimStrength::Checksummed,
        );
        let r = resolve(&data, &c);
        assert_eq!(r[1].kind, RegionKind::Settings);
        let f = c.conflicts();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "layout_conflict");
        assert_eq!(f[0].offset, Some(0x1000));
        assert!(f[0]
            .message
            .contains("tasmota (Tasmota settings, checksummed structure)"));
        assert!(f[0]
            .message
            .contains("sdk (RF calibration, layout position)"));
    }

    #[test]
    fn containers_and_same_owner_are_not_conflicts() {
        let mut c = Claims::default();
        c.add(
            0,
            0x4000,
            RegionKind::Data,
            "spiffs partition",
            "partition-table",
            ClaimStrength::Checksummed,
        );
        c.add(
            0,
            0x4000,
            RegionKind::Filesystem,
            "SPIFFS",
            "filesystem",
            ClaimStrength::Checksummed,
        );
        c.add(
            0x4000,
            0x5000,
            RegionKind::Eeprom,
            "EEPROM",
            "arduino",
            ClaimStrength::Position,
        );
        c.add(
            0x4000,
            0x5000,
            RegionKind::Settings,
            "Tasmota",
            "tasmota",
            ClaimStrength::Checksummed,
        );
        c.add(
            0x5000,
            0x6000,
            RegionKind::Sdk,
            "a",
            "sdk",
            ClaimStrength::Position,
        );
        c.add(
            0x5000,
            0x6000,
            RegionKind::Sdk,
            "b",
            "sdk",
            ClaimStrength::Position,
        );
        assert!(c.conflicts().is_empty());
    }
}
