//! The `gridmap` binary: parse the command line and hand over to `gridmap::cli`.
#![forbid(unsafe_code)]

use clap::Parser;

// See Cargo.toml: a county's load is millions of small allocations on both cores.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "gridmap=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = gridmap::cli::Cli::parse();
    match gridmap::cli::run(cli, |listener, state| Box::pin(gridmap::http::serve(listener, state))) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
