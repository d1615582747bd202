//! The `leakhound` binary: parse arguments, run, exit with the documented code.

use std::process::ExitCode;

fn main() -> ExitCode {
    leakhound::cli::run(std::env::args_os())
}
