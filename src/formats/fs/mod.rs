//! File systems inside a dump: where they are and how they are laid out.
//!
//! [`detect_all`] scans a whole dump on 4 KiB steps for LittleFS superblocks, for SPIFFS regions
//! that carry the per-block magic (Mongoose OS, Arduino), and for SPIFFS regions without it (old
//! Arduino/Sming builds), found by scoring the object lookup tables. [`probe_at`] checks one
//! place the caller already knows (an rBoot `fs_addresses[]` slot). The readers and the editing
//! operations live in [`spiffs`] and [`littlefs`]; they all take the dump and an [`FsInfo`].

use serde::Serialize;

pub mod littlefs;
pub mod littlefs_consts;
pub mod littlefs_write;
pub mod spiffs;

/// Which file system a region holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FsKind {
    /// SPIFFS (no superblock; per-block object lookup tables).
    Spiffs,
    /// LittleFS v2.
    Littlefs,
}

impl FsKind {
    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FsKind::Spiffs => "spiffs",
            FsKind::Littlefs => "littlefs",
        }
    }
}

/// A file-system region and its geometry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FsInfo {
    /// Which file system.
    pub kind: FsKind,
    /// First byte of the region in the dump.
    pub start: usize,
    /// One past the last byte of the region.
    pub end: usize,
    /// Logical block size (SPIFFS) or block size (LittleFS).
    pub block_size: usize,
    /// Number of blocks in the region.
    pub block_count: usize,
    /// SPIFFS logical page size; 0 for LittleFS.
    pub page_size: usize,
    /// SPIFFS object name length (with the NUL); LittleFS `name_max`.
    pub name_len: usize,
    /// SPIFFS metadata length after the name (Mongoose OS: 8); 0 for LittleFS.
    pub meta_len: usize,
    /// SPIFFS: object index tables aligned to 2 bytes (`SPIFFS_ALIGNED_OBJECT_INDEX_TABLES`).
    pub aligned_ix: bool,
    /// SPIFFS: the per-block magic is present (bounds are exact). LittleFS: always true (the
    /// superblock gives the bounds).
    pub magic: bool,
    /// SPIFFS: the magic also encodes the length (`SPIFFS_USE_MAGIC_LENGTH`).
    pub magic_length: bool,
    /// SPIFFS: object index entries that confirmed the name/meta configuration (0 = guessed).
    pub config_evidence: usize,
    /// LittleFS on-disk version (`0x00020000`, `0x00020001`); 0 for SPIFFS.
    pub version: u32,
}

impl FsInfo {
    /// Length of the region in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True for an empty region (never returned by the detectors).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A short label, e.g. `spiffs@0x0bb000`.
    pub fn label(&self) -> String {
        format!("{}@0x{:06x}", self.kind.as_str(), self.start)
    }
}

/// Find every file system in a dump. Regions are sorted by start and never overlap.
pub fn detect_all(data: &[u8]) -> Vec<FsInfo> {
    let mut found: Vec<FsInfo> = littlefs::detect(data);
    for f in spiffs::detect_magic(data) {
        if !overlaps(&found, f.start, f.end) {
            found.push(f);
        }
    }
    let covered: Vec<(usize, usize)> = found.iter().map(|f| (f.start, f.end)).collect();
    for f in spiffs::detect_scored(data, &covered) {
        if !overlaps(&found, f.start, f.end) {
            found.push(f);
        }
    }
    found.sort_by_key(|f| f.start);
    found
}

/// Check one region the caller knows about (e.g. an rBoot FS slot). `end_hint` is the end of
/// the slot if known; the detected region never extends past it.
pub fn probe_at(data: &[u8], start: usize, end_hint: Option<usize>) -> Option<FsInfo> {
    let limit = end_hint.unwrap_or(data.len()).min(data.len());
    if start >= limit {
        return None;
    }
    let window = data.get(..limit)?;
    if let Some(f) = littlefs::probe(window, start) {
        return Some(f);
    }
    spiffs::probe(window, start)
}

fn overlaps(found: &[FsInfo], start: usize, end: usize) -> bool {
    found.iter().any(|f| start < f.end && f.start < end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_erased_inputs_have_no_fs() {
        assert!(detect_all(&[]).is_empty());
        assert!(detect_all(&[0xFF; 0x10000]).is_empty());
        assert!(detect_all(&[0x00; 0x10000]).is_empty());
        assert!(probe_at(&[0xFF; 0x4000], 0, None).is_none());
        assert!(probe_at(&[0xFF; 0x4000], 0x8000, None).is_none());
    }
}
