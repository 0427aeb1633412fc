//! espdump: inspect, sanitize, diff, read and write ESP8266 flash dumps.
//!
//! All logic lives in this library; the `espdump` binary is a thin shell over [`cli`].
//! Parsers take byte slices and return reports ([`report`]); nothing below [`cli`] prints.
#![deny(missing_docs)]

pub mod binparse;
pub mod bootloader;
pub mod claims;
pub mod cli;
pub mod diff;
pub mod error;
pub mod escape;
pub mod evidence;
pub mod extract;
pub mod flash;
pub mod fs;
pub mod identify;
pub mod identity;
pub mod image;
pub mod image_consts;
pub mod inspect;
pub mod layout;
pub mod partition;
pub mod profile;
pub mod rboot;
pub mod render;
pub mod report;
pub mod sanitize;
pub mod sdk;
pub mod serial;
pub mod shelly;
pub mod synth;
pub mod tasmota;
pub mod vendors;

pub use error::{Error, Result};
