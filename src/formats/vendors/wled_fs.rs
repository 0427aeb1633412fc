//! The WLED sanitize recipe for file-system releases (0.11 on): `cfg.json` rewritten by
//! [`wled::sanitize_cfg`], `wsec.json` dropped or cut down by [`wled::sanitize_wsec`], every other
//! file (presets, LED maps, the web UI) kept byte for byte, and the LittleFS region rebuilt so that
//! no stale block or old metadata commit still holds a removed value.

use crate::formats::fs::{littlefs, littlefs_write, FsInfo, FsKind};
use crate::report::Change;

use super::wled::{self, Keep};

/// Does this file system hold WLED's settings?
pub fn is_wled_fs(data: &[u8], fs: &FsInfo) -> bool {
    fs.kind == FsKind::Littlefs
        && littlefs::list(data, fs)
            .iter()
            .any(|e| e.path == "/cfg.json" || e.path == "/wsec.json")
}

/// Apply the recipe to one LittleFS region. Errors name why it could not be applied (nothing is
/// changed then).
pub fn sanitize_fs(data: &mut [u8], fs: &FsInfo, keep: Keep) -> Result<Vec<Change>, String> {
    if littlefs::superblock_block_count(data, fs) != Some(fs.block_count) {
        return Err(format!(
            "the file system at 0x{:x} is cut short by the end of the dump; rebuilding it would change its size",
            fs.start
        ));
    }
    let entries = littlefs::list(data, fs);
    if let Some(d) = entries.iter().find(|e| e.is_dir) {
        return Err(format!(
            "the file system at 0x{:x} has directories ({}); only flat WLED file systems are rebuilt",
            fs.start, d.path
        ));
    }
    let mut files = Vec::new();
    let mut changes = Vec::new();
    let region = fs.label();
    for e in &entries {
        let content = littlefs::read_entry(data, fs, e)
            .ok_or_else(|| format!("{} cannot be read", e.path))?;
        let name = e.path.trim_start_matches('/').to_string();
        match name.as_str() {
            "cfg.json" => {
                let (text, changed) =
                    wled::sanitize_cfg(&content, keep).ok_or("cfg.json is not a JSON object")?;
                if !changed.is_empty() {
                    changes.push(change(
                        &region,
                        fs,
                        format!("cfg.json: reset {}", changed.join(", ")),
                    ));
                }
                files.push((name, text));
            }
            "wsec.json" => match wled::sanitize_wsec(&content, keep) {
                Some(t) => {
                    changes.push(change(
                        &region,
                        fs,
                        "wsec.json: only the kept passwords left".into(),
                    ));
                    files.push((name, t));
                }
                None => changes.push(change(
                    &region,
                    fs,
                    "deleted wsec.json (Wi-Fi, AP, OTA, MQTT passwords, Hue and Blynk keys)".into(),
                )),
            },
            _ => files.push((name, content)),
        }
    }
    let img = littlefs_write::build(
        fs.block_size,
        fs.block_count,
        fs.version,
        fs.name_len as u32,
        &files,
    )
    .ok_or("the kept files do not fit a rebuilt file system")?;
    let dst = data
        .get_mut(fs.start..fs.start + img.len())
        .ok_or("the file system runs past the input")?;
    if dst != img.as_slice() {
        dst.copy_from_slice(&img);
        changes.push(change(
            &region,
            fs,
            "rebuilt the file system (stale blocks and old commits erased)".into(),
        ));
    }
    Ok(changes)
}

fn change(region: &str, fs: &FsInfo, what: String) -> Change {
    Change {
        region: region.to_string(),
        start: fs.start as u64,
        end: fs.end as u64,
        what,
        why: "identity and secrets (WLED settings)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Vec<u8> {
        let files = vec![
            (
                "cfg.json".to_string(),
                br#"{"id":{"mdns":"wled-0a0b0c"},"hw":{"led":{"total":9}}}"#.to_vec(),
            ),
            (
                "wsec.json".to_string(),
                br#"{"nw":{"ins":[{"psk":"pw"}]}}"#.to_vec(),
            ),
            ("presets.json".to_string(), b"{}".to_vec()),
        ];
        littlefs_write::build(4096, 16, 0x0002_0000, 255, &files).unwrap()
    }

    #[test]
    fn recipe_on_a_rebuilt_image() {
        let mut d = image();
        let fs = littlefs::probe(&d, 0).unwrap();
        assert!(is_wled_fs(&d, &fs));
        let changes = sanitize_fs(&mut d, &fs, Keep::default()).unwrap();
        assert!(changes
            .iter()
            .any(|c| c.what.starts_with("deleted wsec.json")));
        assert!(littlefs::read(&d, &fs, "wsec.json").is_none());
        let cfg = littlefs::read(&d, &fs, "cfg.json").unwrap();
        assert!(!cfg.windows(11).any(|w| w == b"wled-0a0b0c"));
        assert_eq!(littlefs::read(&d, &fs, "presets.json").unwrap(), b"{}");
        // Applying it again changes nothing more.
        let again = sanitize_fs(&mut d, &fs, Keep::default()).unwrap();
        assert!(again.is_empty(), "{again:?}");
    }

    #[test]
    fn refuses_a_file_system_cut_by_the_dump() {
        let mut d = image();
        d.truncate(12 * 4096);
        let fs = littlefs::probe(&d, 0).unwrap();
        assert_eq!(fs.block_count, 12);
        let before = d.clone();
        assert!(sanitize_fs(&mut d, &fs, Keep::default()).is_err());
        assert_eq!(d, before, "nothing changed");
    }
}
