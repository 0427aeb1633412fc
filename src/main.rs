//! The `espdump` binary: parse arguments, run, map the outcome to an exit code.
#![deny(unsafe_code)]

fn main() -> std::process::ExitCode {
    espdump::cli::main()
}
