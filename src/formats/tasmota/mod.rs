//! Tasmota: settings copies in a dump, their decoding, `.dmp` export, image version, sanitising.
//!
//! Entry points (`docs/tasmota-settings.md`):
//! * [`scan`] / [`find_copies`]: every settings copy in a dump, both checksums checked, the copy
//!   the firmware loads marked `newest`; quick power-cycle sectors.
//! * [`decode()`] / [`decode_at`]: one block to named, classified values, keyed on its version
//!   (5.10.0 .. 16.x, ESP8266), or [`Unsupported`].
//! * [`to_dmp`] / [`from_dmp`] / [`dmp::detect`]: the `.dmp` backup format Tasmota and
//!   decode-config read, recognised by content; `crate::analysis::dmp`: a `.dmp` as an input of
//!   `inspect`, `sanitize`, `extract` and `diff`.
//! * [`detect_image`]: Tasmota and its version in a firmware image, OTA file or dump.
//! * [`sanitize()`], [`secrets_and_ids`], [`identity`]: the clone recipe and its residue checks.
//! * [`findings()`]: bad copies, no loadable copy, `CFG_HOLDER` or version mismatch with the image.
//! * [`builder`]: synthetic blocks by field name, for tests and fixtures.

pub mod builder;
pub mod consts;
pub mod decode;
pub mod dmp;
pub mod fields;
pub mod findings;
#[rustfmt::skip]
mod fields_gen;
pub mod image;
pub mod sanitize;
pub mod settings;
pub mod textpool;

pub use builder::{build_settings, FieldValue, SettingsBuilder};
pub use decode::{decode, decode_at, Decoded, Unsupported};
pub use dmp::{from_bin, from_dmp, to_bin, to_dmp};
pub use findings::findings;
pub use image::{detect_image, TasmotaImage};
pub use sanitize::{
    identity, sanitize, secrets_and_ids, secrets_and_ids_except, KeepPolicy, SanitizeError,
};
pub use settings::{
    crc16, crc32, find_copies, fix_checksums, newest_block, parse_copy, scan, version_string, Scan,
    SettingsCopy, Slot,
};
