//! Sming framework applications.
//!
//! Version format, from Sming's Sming/Core (SmingVersion / the startup log):
//! `Sming Framework Version : <version>`.

use super::{app::marker_with_version, App, Meta, Profile, Score};
use crate::analysis::firmware::FirmwareKind;

/// Sming.
pub struct Sming;

impl Profile for Sming {
    fn meta(&self) -> Meta {
        Meta::new(FirmwareKind::Sming)
    }
    fn score(&self, app: &App<'_>) -> Score {
        marker_with_version(app, "Sming Framework Version : ", 48, &[' ', '\r', '\n'])
    }
}
