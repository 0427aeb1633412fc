//! `extract`: everything worth taking out of a dump as separate files, planned as data.
//!
//! The plan lists each output (a relative path and its bytes); the CLI writes it. Names read from a
//! dump are untrusted: [`safe_name`] keeps them inside the output folder.

use crate::analysis::inspect::InspectReport;
use crate::formats::fs::FsKind;
use serde::Serialize;

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Path relative to the output folder.
    pub path: String,
    /// What it is.
    pub source: String,
    /// Size in bytes.
    pub size: u64,
    /// The bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// A file name from a dump made safe for a local file system: no separators, no `..`, no control
/// characters; empty names become `_`.
pub fn safe_name(name: &str) -> String {
    let s: String = name
        .trim_start_matches('/')
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    match s.as_str() {
        "" | "." | ".." => "_".to_string(),
        _ => s,
    }
}

/// Plan the extraction of `data` described by `r`.
pub fn plan(data: &[u8], r: &InspectReport) -> Vec<Item> {
    if r.dmp.is_some() {
        if let Some(d) = crate::formats::tasmota::dmp::detect(data) {
            return crate::analysis::dmp::extract_dmp(&d);
        }
    }
    let mut out = Vec::new();
    for f in &r.filesystems {
        let dir = format!(
            "fs-{:06x}-{}{}",
            f.start,
            f.fs_type,
            f.slot.map(|s| format!("-slot{s}")).unwrap_or_default()
        );
        match f.info.kind {
            FsKind::Spiffs => {
                for e in &f.entries {
                    let bytes = crate::formats::fs::spiffs::read_entry(data, &f.info, e);
                    out.push(Item {
                        path: format!("{dir}/{}", safe_name(&e.name)),
                        source: format!("{} file {}", f.fs_type, e.name),
                        size: bytes.len() as u64,
                        bytes,
                    });
                }
            }
            FsKind::Littlefs => {
                for e in crate::formats::fs::littlefs::list(data, &f.info)
                    .into_iter()
                    .filter(|e| !e.is_dir)
                {
                    if let Some(bytes) = crate::formats::fs::littlefs::read_entry(data, &f.info, &e)
                    {
                        let rel: Vec<String> = e
                            .path
                            .split('/')
                            .filter(|p| !p.is_empty())
                            .map(safe_name)
                            .collect();
                        out.push(Item {
                            path: format!("{dir}/{}", rel.join("/")),
                            source: format!("littlefs file {}", e.path),
                            size: bytes.len() as u64,
                            bytes,
                        });
                    }
                }
            }
        }
    }
    for i in &r.images {
        let bytes = data[i.offset as usize..i.end as usize].to_vec();
        out.push(Item {
            path: format!("images/{:06x}-{}.bin", i.offset, i.role),
            source: format!("image v{} ({})", i.image_version, i.role),
            size: bytes.len() as u64,
            bytes,
        });
    }
    if let Some(c) = r.settings.as_ref().and_then(|s| s.newest_copy()) {
        let block = &data
            [c.offset as usize..c.offset as usize + crate::formats::tasmota::consts::SETTINGS_SIZE];
        out.push(Item {
            path: format!("tasmota/settings-{:06x}.bin", c.offset),
            source: format!("Tasmota settings {} (plain flash copy)", c.version_str),
            size: block.len() as u64,
            bytes: block.to_vec(),
        });
        let dmp = crate::formats::tasmota::to_dmp(block);
        out.push(Item {
            path: format!("tasmota/settings-{:06x}.dmp", c.offset),
            source: "Tasmota settings as .dmp (Tasmota restore, decode-config)".into(),
            size: dmp.len() as u64,
            bytes: dmp,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_folder() {
        assert_eq!(safe_name("/conf9.json"), "conf9.json");
        assert_eq!(safe_name("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(safe_name(".."), "_");
        assert_eq!(safe_name("a\x1bb"), "a_b");
        assert_eq!(safe_name(""), "_");
    }
}
