//! The `hellosales` binary: parses the command line and hands over to the library.

use clap::Parser;
use hellosales_server::cli::{self, Cli};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: glibc's malloc arenas contend under many
/// concurrent requests (measured in `docs/BENCHMARKS.md`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            #[allow(
                clippy::print_stderr,
                reason = "the binary reports its failure on stderr"
            )]
            {
                eprintln!("hellosales: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}
