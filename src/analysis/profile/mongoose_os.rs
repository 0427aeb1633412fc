//! Mongoose OS applications.
//!
//! Marker, from mongoose-os's build (`mos build`, fw/src/mgos_build_info): the build id
//! `YYYYMMDD-HHMMSS/<git describe>` stored right after the ISO build timestamp
//! `YYYY-MM-DDTHH:MM:SSZ\0` in the image's build info.

use super::{app::lossy, app::printable, App, Meta, Profile, Score, Strength};
use crate::analysis::firmware::FirmwareKind;

/// Mongoose OS.
pub struct MongooseOs;

impl Profile for MongooseOs {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::MongooseOs)
    }
    fn sanitize_recipe(&self) -> Option<&'static str> {
        Some("shelly")
    }
    /// A Mongoose OS app keeps its configuration in the same `confN.json` file system.
    fn keeps_filesystem(&self, fs: &crate::analysis::inspect::FsReport) -> bool {
        fs.stock_shelly
    }
    fn secret_key(&self, path: &str) -> bool {
        secret_key(path)
    }
    fn score(&self, app: &App<'_>) -> Score {
        let mut s = Score::default();
        if let Some((o, id)) = build_id(app) {
            s.version = crate::analysis::firmware::mgos_version(&id);
            s.hit(Strength::Version, o, id);
        }
        s
    }
}

/// A Mongoose OS configuration key that holds a secret (classified as the firmware's config
/// schema does: `*.pass`, `*.key`, ...).
pub(super) fn secret_key(path: &str) -> bool {
    crate::formats::shelly::config::classify(path) == crate::report::Class::Secret
}

/// The Mongoose OS build id, as (absolute offset, text); searched once per app.
pub(super) fn build_id(app: &App) -> Option<(usize, String)> {
    app.memo
        .mgos_build_id
        .get_or_init(|| search_build_id(app))
        .clone()
}

fn search_build_id(app: &App) -> Option<(usize, String)> {
    let hay = app.hay;
    let mut from = 0;
    while let Some(p) = memchr::memchr(b'/', &hay[from..]) {
        let slash = from + p;
        from = slash + 1;
        if slash < 15 + 21 {
            continue;
        }
        let st = slash - 15;
        let id = &hay[st..slash];
        let ok = id[..8].iter().all(u8::is_ascii_digit)
            && id[8] == b'-'
            && id[9..].iter().all(u8::is_ascii_digit);
        let ts = &hay[st - 21..st];
        let ts_ok = ts[20] == 0 && ts[19] == b'Z' && ts[10] == b'T' && ts[4] == b'-';
        if ok && ts_ok {
            return Some((app.base + st, lossy(printable(&hay[st..], 96))));
        }
    }
    None
}
