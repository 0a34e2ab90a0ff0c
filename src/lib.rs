//! gridmap: county grid management (网格化管理) over polygons.
//!
//! A county's towns, communities, legacy villages, grids, lanes/buildings and households are kept as
//! polygons in a store, loaded into an in-memory atlas with an R-tree per layer, and served over HTTP and a CLI.
#![forbid(unsafe_code)]

/// The data contract: layers, codes, features, CRSs and validity.
pub mod model;
/// Tables for people: CSV and XLSX with Chinese headers.
pub mod export;
/// Accounts, roles, scopes, passwords and bearer secrets.
pub mod accounts;
/// The durable record: GeoPackage (default) or PostGIS, one trait.
pub mod store;
/// The engine: every layer in memory, in metres, with an R-tree per layer.
pub mod atlas;
/// The use cases both faces call: startup, loading, imports, accounts, privacy, the locate view, plans.
pub mod app;
/// The HTTP API and map page.
pub mod http;
/// Seeded synthetic datasets: the Tongguan default (`geodata/`) and a lattice county for tests and benchmarks.
pub mod synth;
/// The command line: argument parsing and output over `app`.
pub mod cli;
