//! espdump's integration tests, as modules of one test binary so the library links once.
//! Run one area with a filter: `cargo test --test it serial_cli::`.
//!
//! Tests that need the real corpus of third-party dumps find it through `ESPDUMP_CORPUS`
//! (default `../shared/corpus` beside the repository) and skip, with one line on stderr for
//! the whole run, when it is absent outside CI (see `common::corpus`).

/// Return from the test when the corpus is absent (one line on stderr says so for the run;
/// under CI a missing corpus fails instead).
macro_rules! require_corpus {
    () => {
        if !$crate::common::have_corpus() {
            return;
        }
    };
}

mod common;

mod corpus_golden;
mod corpus_identify;
mod diff_cli;
mod diff_corpus;
mod diff_props;
mod diff_report;
mod diff_sanitize;
mod esptool_conformance;
mod extract_cli;
mod fixtures;
mod fs_corpus;
mod fs_littlefs_python;
mod fs_props;
mod inspect_cli;
mod layers;
mod layout_areas;
mod layout_regression;
mod littlefs_write_python;
mod proptest_parsers;
mod sanitize_cli;
mod sanitize_props;
mod serial_busy;
mod serial_cli;
mod serial_end_state;
mod serial_errors;
mod serial_esptool;
mod serial_interrupt;
mod serial_json_errors;
mod serial_loader;
mod serial_pty;
mod serial_restore;
mod serial_timed;
mod stub_codec;
mod stub_figures;
mod stub_host;
mod stub_qemu;
mod tasmota_decode_config;
mod tasmota_dmp;
mod tasmota_image;
mod tasmota_prop;
mod tasmota_settings;
mod vendors_corpus;
mod vendors_inspect;
mod vendors_props;
mod vendors_sanitize;
