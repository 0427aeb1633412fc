//! espdump: inspect, sanitize, diff, read and write ESP8266 flash dumps.
//!
//! All logic lives in this library; the `espdump` binary is a thin shell over `cli` (feature
//! `cli`). The tree reads top-down: `formats` (on-flash structures) → `analysis` → `render` and
//! `serial` → `cli`.
//! Parsers take byte slices and return reports ([`report`]); nothing below `cli` prints.
//!
//! Cargo features: `cli` (default; the command line, clap and indicatif), `simulator`
//! (default; the simulated chip in `serial::sim`, and on Unix its pty server and
//! `espdump simulate`), `testkit` (the synthetic dump builder `testkit`, for tests and
//! benchmarks). `--no-default-features` leaves the library: parsers, analysis, rendering and
//! the serial layer for real ports, on every host `serialport` supports.
#![deny(missing_docs)]
#![deny(unsafe_code)]

// Layers, top-down: each uses only those above it (rustfmt keeps this order: one per group).
pub mod error;

pub mod report;

/// On-flash formats, one module per structure (leaf parsers and their constants).
pub mod formats;

/// Analysis over the formats: layout, firmware, unit identity, inspect, sanitize, extract, diff.
pub mod analysis;

/// Rendering for people: tables, grid, SVG, diff text, escaping.
pub mod render;

pub mod serial;

#[cfg(feature = "cli")]
pub mod cli;

#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use error::{Error, Result};
