//! Timing of the simulated flash chip (datasheet typical values).

/// Simulated flash timing: 4 KiB sector erase (datasheet typical, µs).
pub const SIM_SECTOR_ERASE_US: u64 = 45_000;
/// Simulated flash timing: 256-byte page program (datasheet typical, µs).
pub const SIM_PAGE_PROGRAM_US: u64 = 700;
/// Simulated MD5 speed: flash read plus MD5 on the 80 MHz core (ns per byte; 2 MB/s).
pub const SIM_MD5_NS_PER_BYTE: u64 = 500;
/// Page size for the simulated program time.
pub const SIM_PAGE: usize = 256;
