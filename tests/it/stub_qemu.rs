//! espdump's own stub built for the ESP8266's Xtensa lx106 (`make -C src/stub qemu`: the same
//! protocol core as the shipped image, with the semihosting test layer) and run by QEMU's
//! lx106 core, driven end to end by the real `espdump` binary through a pty bridged to
//! QEMU's stdin/stdout. Skips with one line when the cross compiler or QEMU is missing.

use crate::common::stub_scenarios;
use crate::common::stubrig;
use stubrig::Runner;

#[test]
fn read_write_erase_verify_byte_exact() {
    if let Some(r) = Runner::qemu() {
        stub_scenarios::read_write_erase_verify_byte_exact(&r);
    }
}

#[test]
fn region_write_keeps_neighbours_and_reads_back() {
    if let Some(r) = Runner::qemu() {
        stub_scenarios::region_write_keeps_neighbours_and_reads_back(&r);
    }
}

#[test]
fn shelly_dump_round_trip() {
    if let Some(r) = Runner::qemu() {
        stub_scenarios::shelly_dump_round_trip(&r);
    }
}

#[test]
fn corrupted_and_dropped_bytes_complete_byte_exact() {
    if let Some(r) = Runner::qemu() {
        stub_scenarios::corrupted_and_dropped_bytes_complete_byte_exact(&r);
    }
}

#[test]
fn reset_mid_read_fails_loudly_and_resume_finishes() {
    if let Some(r) = Runner::qemu() {
        stub_scenarios::reset_mid_read_fails_loudly_and_resume_finishes(&r);
    }
}

#[test]
fn stalled_write_block_fails_loudly_or_lands_exact() {
    if let Some(r) = Runner::qemu() {
        stub_scenarios::stalled_write_block_fails_loudly_or_lands_exact(&r);
    }
}

#[test]
fn info_names_the_stub() {
    if let Some(r) = Runner::qemu() {
        stub_scenarios::info_names_the_stub(&r);
    }
}
