//! espdump: inspect, sanitize, diff, read and write ESP8266 flash dumps.
//!
//! All logic lives in this library; the `espdump` binary is a thin shell over `cli` (feature
//! `cli`).
//! Parsers take byte slices and return reports ([`report`]); nothing below `cli` prints.
//!
//! Cargo features: `cli` (default; the command line, clap and indicatif), `simulator`
//! (default; the simulated chip in `serial::sim`, and on Unix its pty server and
//! `espdump simulate`), `testkit` (the synthetic dump builder `synth`, for tests and
//! benchmarks). `--no-default-features` leaves the library: parsers, analysis, rendering and
//! the serial layer for real ports, on every host `serialport` supports.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod binparse;
pub mod bootloader;
pub mod claims;
#[cfg(feature = "cli")]
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
#[cfg(any(test, feature = "testkit"))]
pub mod synth;
pub mod tasmota;
pub mod vendors;

pub use error::{Error, Result};
