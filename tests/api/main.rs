//! The integration tests, one binary (one link of PROJ and the whole stack, not one per capability): the real
//! server on 127.0.0.1:0 over a fresh store per test, the real `gridmap` binary, PostGIS as an oracle, GDAL and
//! headless Chromium as independent clients. `cargo test --test api coverage` runs the modules whose path
//! matches. Tests run in parallel threads of one process: nothing here may set environment variables, change
//! the current directory or bind a fixed port.

/// The shared harness: `spawn_app`, fresh PostGIS databases, the mini dataset, browsers.
mod common;

/// Accounts over HTTP: sign-in, password change, CSRF, lock-out, tokens, masking, the audit log.
mod accounts_api;
/// Accounts through the real binary: the first admin, `gridmap user ...`.
mod accounts_cli;
/// The audit log's hash chain on both backends: concurrent writers, `gridmap audit verify`, tampering found.
mod audit_chain;
/// `gridmap backup` under write load, `gridmap restore`, scheduled backups while serving, and PostGIS dumps.
mod backup_cli;
/// Every API route as every role against one written table of who may do what.
mod authz_matrix;
/// `gridmap import` and `gridmap export` over a GeoPackage file or PostGIS.
mod cli_import_export;
/// kill -9 during imports and after acknowledged writes, two servers publishing at once, concurrent edits.
mod crash_safety;
/// The coverage endpoints on the real server, over GeoPackage and PostGIS.
mod coverage_api;
/// The coverage evidence as a workbook (calamine) and a printable A4 list (poppler), with masking.
mod evidence;
/// `gridmap check`: formats, exit status, thresholds, bad input.
mod coverage_cli;
/// Coverage exactness with PostGIS as the oracle.
mod coverage_postgis;
/// The coverage rules over an atlas, on hand-made and lattice datasets.
mod coverage_rules;
/// The merger crosswalk over HTTP and the CLI, and its reassignment.
mod crosswalk_api;
/// Every route with unknown ids and conflicting writes: 4xx in the one error body, never 5xx.
mod errors_api;
/// Errors in Chinese first, in the envelope: rejections, ranges, nulls, scope refusals.
mod errors_messages;
/// The fuzz targets' corpus replayed through the readers: nothing in it panics.
mod fuzz_corpus;
/// The GeoPackage store read by GDAL's ogrinfo.
mod gpkg_ogrinfo;
/// Health, metadata, layers as GeoJSON, 4xx errors and the map page.
mod http_layers;
/// `gridmap import FILE --layer L` for Shapefile, KML/KMZ, GeoPackage, CSV and XLSX made by ogr2ogr.
mod import_formats;
/// 天地图 through the server: the key kept there, tiles cached, the page drawing them from its own origin.
mod basemap;
/// The web import: upload, preview, commit with its audit entry, cancel; scopes; bad uploads.
mod imports_api;
/// Sign-in: the same answer and time for unknown users and wrong passwords, throttling instead of locks.
mod login_hardening;
/// Locate, nearest, search and household lists over HTTP, with masking.
mod locate_api;
/// `gridmap locate` on a directory and on a store.
mod locate_cli;
/// OGC API – Features at /ogcapi read by GDAL, paging, CRSs, masking, and the Core requirements one by one.
mod ogcapi;
/// `/api/openapi.json` against the router both ways, its well-formedness, and the `/api/docs` page.
mod openapi_doc;
/// Planners' drafts, edits, undo, diff, publish and export over HTTP.
mod plans_api;
/// Proposed drafts over HTTP: contiguity, determinism, locked grids, bad options, publishing.
mod propose_api;
/// `gridmap propose` on a store: files, drafts, the whole county, bad options.
mod propose_cli;
/// Privacy by default: counts, not households, for anonymous callers and viewers.
mod privacy_default;
/// The public page of a plate's code (`/g/{code}`) and the publication setting.
mod public_page;
/// QR door plates, the wall chart's QR code and the grid notice, read back by zbarimg and poppler.
mod plates;
/// Roster rows without coordinates placed by their address against the door plates.
mod roster_address;
/// The store contract on both backends.
mod store_contract;
/// Servers hearing changes made elsewhere (LISTEN/NOTIFY, imports).
mod store_sync;
/// Vector tiles read by GDAL's MVT driver: features and masking as the layers route, TileJSON, ETags, bad addresses.
mod tiles;
/// Visits (民情联系) and contact coverage over HTTP on both stores, with the assessment workbook.
mod visits_api;
/// Page benchmarks, ignored as tests: scripts/bench-mygrid-4g.sh runs them.
mod web_bench;
/// The map page in headless Chromium.
mod web_map;
/// The web import on the page: preview on the map, commit, the layers reloaded.
mod web_import;
mod web_offline;
/// The "my grid" view on a phone-sized window.
mod web_phone;
/// The planner panel driven through ChromeDriver.
mod web_planner;
/// 自动划分 in the planner panel: propose, open, publish.
mod web_propose;
/// A planner's publish in Chromium: the preview is the result, codes that persist are kept.
mod web_publish;
/// Recording a visit as a grid manager on a phone-sized page.
mod web_visits;
/// Signing in on the map page through ChromeDriver.
mod web_signin;
/// The secretary settles her community's cross-boundary households in the merger view.
mod web_settle;
/// Phone numbers on the page: a masked one is never a call link.
mod web_tel;
/// The coverage and merger views in headless Chromium.
mod web_views;
/// Every string the page shows is Chinese and names things by name.
mod web_words;
