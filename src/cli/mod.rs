//! The `gridmap` command line: argument parsing and output; the work is [`crate::app`]'s.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use clap::{Args, Parser, Subcommand};

/// `gridmap audit verify`: the audit log's hash chain.
pub mod audit;
/// `gridmap backup FILE` and `gridmap restore FILE`.
pub mod backup;
/// `gridmap check`: coverage completeness ("no blind spots") as a report.
pub mod check;
/// `gridmap crosswalk`: the merger crosswalk.
pub mod crosswalk;
/// `gridmap export DIR`.
pub mod export;
/// `gridmap generate`: the seeded synthetic datasets (arguments only; the generators are `crate::synth`).
pub mod generate;
/// `gridmap import DIR | FILE --layer L`.
pub mod import;
/// `gridmap locate LON LAT`: who is responsible for a spot.
pub mod locate;
/// `gridmap propose COMMUNITY | all`: grids proposed automatically, as drafts or files.
pub mod propose;
/// `gridmap serve`.
pub mod serve;
/// Where analysis commands read data: a directory or a store (arguments).
pub mod source;
/// `gridmap user`: accounts.
pub mod user;

use crate::app::state::AppState;
use crate::store::Location;

/// Serves the application over the network until shut down. The binary passes `gridmap::http::serve`, so the
/// command line depends on no face but its own.
pub type Serve = fn(tokio::net::TcpListener, AppState) -> Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>;

/// County grid management (网格化管理): coverage, merger crosswalk, locate and planning over grid polygons.
#[derive(Parser, Debug)]
#[command(name = "gridmap", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP service and map page.
    Serve(serve::ServeArgs),
    /// Import a dataset directory, or one layer file with --layer, into the store (one transaction).
    Import(import::ImportArgs),
    /// Export every layer of the store as a dataset directory of GeoJSON files.
    Export(export::ExportArgs),
    /// The 93→28 merger: legacy villages against communities, and cross-boundary households
    Crosswalk(crosswalk::CrosswalkArgs),
    /// Check coverage completeness ("no blind spots"): gaps, overlaps, households, staffing; exit 1 on defects
    Check(check::CheckArgs),
    /// Generate the seeded synthetic dataset (the Tongguan default, or a large county for benchmarks).
    Generate(generate::GenerateArgs),
    /// Who is responsible for a spot: town, community, grid, unit and household at LON LAT.
    Locate(locate::LocateArgs),
    /// Propose a community's grids automatically (or every community's: all): drafts in the store, or --out DIR
    Propose(propose::ProposeArgs),
    /// Accounts: add, list, disable, enable, reset a password, issue an API token.
    User(user::UserArgs),
    /// Write a consistent copy of the store to FILE while the server runs (VACUUM INTO; pg_dump for PostGIS)
    Backup(backup::BackupArgs),
    /// Restore the store from a backup FILE (stop the server first)
    Restore(backup::RestoreArgs),
    /// The audit log: verify its hash chain (exit 1 naming the first entry that does not verify)
    Audit(audit::AuditArgs),
}

/// Which store to use: a GeoPackage file (default data/gridmap.gpkg) or a PostGIS database.
#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// GeoPackage file to use [default: data/gridmap.gpkg]
    // Global, so `gridmap user add NAME --store PATH` works as well as `gridmap user --store PATH add NAME`.
    #[arg(long, value_name = "PATH", global = true)]
    pub store: Option<PathBuf>,
    /// PostGIS connection URL (postgres://...); takes precedence over --store
    #[arg(long, env = "DATABASE_URL", value_name = "URL", global = true)]
    pub database_url: Option<String>,
}

impl StoreArgs {
    pub fn location(&self) -> Location {
        Location::from_options(self.store.clone(), self.database_url.clone())
    }
}

/// Runs a parsed command line, `gridmap serve` through `serve`. Returns the process exit code.
pub fn run(cli: Cli, serve: Serve) -> anyhow::Result<i32> {
    match cli.command {
        Command::Serve(a) => runtime()?.block_on(serve::run(a, serve)).map(|_| 0),
        Command::Import(a) => runtime()?.block_on(import::run(a)).map(|_| 0),
        Command::Export(a) => runtime()?.block_on(export::run(a)).map(|_| 0),
        Command::Crosswalk(a) => runtime()?.block_on(crosswalk::run(a)).map(|_| 0),
        Command::Check(a) => runtime()?.block_on(check::run(a)),
        Command::Backup(a) => runtime()?.block_on(backup::backup(a)).map(|_| 0),
        Command::Restore(a) => runtime()?.block_on(backup::restore(a)).map(|_| 0),
        Command::Audit(a) => runtime()?.block_on(audit::run(a)),
        Command::Generate(a) => generate::run(&a).map(|_| 0),
        Command::Locate(a) => runtime()?.block_on(locate::run(a)),
        Command::Propose(a) => runtime()?.block_on(propose::run(a)),
        Command::User(a) => runtime()?.block_on(user::run(a)).map(|_| 0),
    }
}

/// Who runs the command, for the audit log: `cli:$USER`.
fn cli_actor() -> String {
    crate::app::accounts::Actor::cli().name
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}
