//! Identity evidence found in a dump: stored MACs and MAC-derived device names.
//!
//! A module of its own so the parsers that find evidence (`sdk`, `shelly`, `tasmota`) do not
//! depend on [`crate::analysis::unit_identity`], which collects it (no `identity` <-> `sdk` <-> `shelly` cycle).

use serde::Serialize;

/// A MAC address stored in the dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MacEvidence {
    /// The six bytes, in transmission order.
    pub mac: [u8; 6],
    /// Where it came from, e.g. `sdk system params copy 1`.
    pub source: String,
    /// Offset of the first byte in the dump.
    pub offset: u64,
}

/// A device name that embeds (part of) the MAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdEvidence {
    /// The id as stored, e.g. `shellydimmer2-A1B2C3D4E5F6`.
    pub id: String,
    /// The trailing MAC bytes the id shows (3 or 6 bytes).
    pub mac_tail: Vec<u8>,
    /// Where it came from.
    pub source: String,
    /// Offset of the id text in the dump, if it maps to one place.
    pub offset: Option<u64>,
}
