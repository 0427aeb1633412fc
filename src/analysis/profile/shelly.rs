//! Stock Allterco Shelly (Gen1) firmware: a Mongoose OS app.
//!
//! Markers, from the stock firmware's announce message (documented in Shelly's Gen1 API,
//! `shellies/<id>/announce`): the device type code stored just before `shellies/%s/announce`,
//! and the `/settings` JSON format `{type:%Q,mac:%Q,auth:%B,fw:%Q` of the `/shelly` endpoint.

use super::{app::lossy, mongoose_os, App, Found, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;
use crate::analysis::inspect::FsReport;
use crate::analysis::layout::{Area, AreaRole, Layout};
use crate::report::{ConfigSection, Finding};
use memchr::memmem;

/// Stock Shelly.
pub struct Shelly;

const SHELLY_INFO: &[u8] = b"{type:%Q,mac:%Q,auth:%B,fw:%Q";

impl Profile for Shelly {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Shelly).refines(FirmwareKind::MongooseOs)
    }
    fn sanitize_recipe(&self) -> Option<&'static str> {
        Some("shelly")
    }
    /// The stock file systems (both slots), decoded: `conf0.json` … `conf9.json` merged as the
    /// firmware merges them, `hwinfo_struct.json`.
    fn config(&self, found: &Found<'_>) -> (Vec<ConfigSection>, Vec<Finding>) {
        let (mut sections, mut findings) = (Vec::new(), Vec::new());
        for f in found.filesystems.iter().filter(|f| f.stock_shelly) {
            let live = f.live.unwrap_or(true);
            let files = f.entries.clone();
            if let Some(sh) =
                crate::formats::shelly::decode_listed(found.data, &f.info, files, live)
            {
                findings.extend(sh.findings);
                sections.extend(sh.sections);
            }
        }
        (sections, findings)
    }
    /// The stock file systems found (`conf0.json` / `hwinfo_struct.json`), each as an area, when
    /// the boot config has not placed them already (an assembled image without its config).
    fn areas(&self, layout: &Layout, found: &Found<'_>) -> Vec<Area> {
        found
            .filesystems
            .iter()
            .filter(|f| f.stock_shelly)
            .filter(|f| {
                !layout
                    .areas
                    .iter()
                    .any(|a| a.role == AreaRole::Filesystem && a.start == f.start)
            })
            .map(|f| Area {
                start: f.start,
                end: f.end,
                role: AreaRole::Filesystem,
                owner: "shelly",
                flash_size: layout.flash_sizes.first().map_or(0, |s| s.size),
                label: "stock Shelly file system (conf0..9.json, hwinfo)".into(),
            })
            .collect()
    }
    fn keeps_filesystem(&self, fs: &FsReport) -> bool {
        fs.stock_shelly
    }
    fn secret_key(&self, path: &str) -> bool {
        mongoose_os::secret_key(path)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        let Some((o, id)) = mongoose_os::build_id(app) else {
            return s;
        };
        let info = app.find(SHELLY_INFO);
        let model = model_before_announce(app).or_else(|| info.and_then(|_| model_code(app)));
        let Some((mo, model)) = model else {
            return s;
        };
        s.version = crate::analysis::firmware::mgos_version(&id);
        s.hit(Strength::Version, o, id);
        s.hit(Strength::Marker, mo, model.clone());
        s.model = Some(model);
        s
    }
}

/// The model code just before `shellies/%s/announce`.
fn model_before_announce(app: &App) -> Option<(usize, String)> {
    let hay = app.hay;
    let mut from = 0;
    while let Some(p) = memmem::find(&hay[from..], b"\0shellies/%s/announce") {
        let end = from + p;
        from = end + 1;
        let st = hay[..end]
            .iter()
            .rposition(|&b| b == 0)
            .map_or(0, |i| i + 1);
        let m = &hay[st..end];
        if (4..=12).contains(&m.len())
            && m.starts_with(b"SH")
            && m.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        {
            return Some((app.base + st, lossy(m)));
        }
    }
    None
}

/// Older builds: a NUL-delimited type code (`\0SHDM-2\0`).
fn model_code(app: &App) -> Option<(usize, String)> {
    let hay = app.hay;
    let mut from = 0;
    while let Some(p) = memmem::find(&hay[from..], b"\0SH") {
        let st = from + p + 1;
        from = st;
        let n = hay[st..].iter().take(13).position(|&b| b == 0)?;
        let m = &hay[st..st + n];
        let ok = (4..=12).contains(&m.len())
            && m.iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'-')
            && m.iter().filter(|&&b| b == b'-').count() <= 1
            && !m.ends_with(b"-");
        if ok {
            return Some((app.base + st, lossy(m)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::bootloader::{BootKind, Bootloader};

    #[test]
    fn model_before_announce_found() {
        let boot = Bootloader {
            kind: BootKind::None,
            version: None,
            evidence_offset: None,
            evidence: None,
        };
        let hay = b",longid:%d\0SHSW-25\0shellies/%s/announce\0";
        let app = App::new(hay, 0x100, &boot);
        assert_eq!(model_before_announce(&app), Some((0x10b, "SHSW-25".into())));
    }
}
