//! Rendering of reports for people: tables, the sector grid and SVG map, diff text, and escaping of
//! every string that comes from a dump.

pub mod diff;
pub mod escape;
pub mod human;
