//! gridmap: county grid management (网格化管理) over polygons.
//!
//! A county's towns, communities, legacy villages, grids, lanes/buildings and households are kept as
//! polygons in a store, loaded into an in-memory atlas (metres, an R-tree and a cell index per layer, one
//! placement rule), and served over HTTP and a CLI through one application layer. Modules are listed from the
//! bottom layer up: each uses only those above it in this list.
#![forbid(unsafe_code)]

/// The data contract: layers, codes, features, CRSs and validity.
pub mod model;
/// Accounts, roles, scopes, passwords and bearer secrets.
pub mod accounts;
/// The durable record: GeoPackage (default) or PostGIS, three role traits (layers, accounts, plans).
pub mod store;
/// Reading a county's own files (Shapefile, KML/KMZ, GeoPackage, CSV, XLSX): rows, CRS and encoding.
pub mod import;
/// The engine: every layer in memory, in metres; one placement rule; coverage, crosswalk, locate, plans.
pub mod atlas;
/// Files for people: CSV and XLSX with Chinese headers, wall charts, GeoPackage exports.
pub mod export;
/// Seeded synthetic datasets: the Tongguan default (`geodata/`) and a lattice county for tests and benchmarks.
pub mod synth;
/// The use cases both faces call: startup, loading, imports, accounts, privacy, the locate view, plans.
pub mod app;
/// The HTTP API and map page: thin handlers over `app`.
pub mod http;
/// The command line: argument parsing and output over `app`.
pub mod cli;
