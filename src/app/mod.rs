//! The application layer: the use cases both faces (HTTP and the command line) call. It asks the atlas and the
//! store, decides what a caller may see, and knows nothing of HTTP or of argument parsing.

/// Opening the store, seeding an empty one from `geodata/`, the first admin, the state to serve.
pub mod startup;
/// Dataset directory or store → validated dataset → atlas: the one loader.
pub mod load;
/// The shared state: the store and its atlas, warmed on a background thread and reloaded on change.
pub mod state;
/// Importing a dataset directory or a layer file, checked against the store, in one transaction.
pub mod import;
/// Importing one file of any format (Shapefile, KML, GeoPackage, CSV, XLSX, GeoJSON): columns, CRS, parents, codes.
pub mod import_source;
/// Accounts, credentials and sign-in, each write with its audit entry.
pub mod accounts;
/// The privacy policy: what is personal, how it is masked, and who sees what unmasked.
pub mod privacy;
/// Sign-in throttling per username and client address.
pub mod throttle;
/// Group commit of the personal-read audit: concurrent reads share one durable commit.
pub mod audit_batch;
/// Consistent copies of the store while it is written, and restoring one.
pub mod backup;
/// Scheduled backups while serving: every period a copy into a directory, the last N kept, each audited.
pub mod backup_schedule;
/// The locate view: the JSON of locate, search, nearest and a grid's or unit's households.
pub mod locate;
/// The coverage report of an atlas, computed once per atlas and prepared for filtering.
pub mod coverage;
/// Vector tiles of a layer or of the coverage defects, as one caller may see them.
pub mod tiles;
/// The merger crosswalk of an atlas, computed once per atlas, and what one caller may see of it.
pub mod crosswalk;
/// Applying the merger's reassignment of cross-boundary households, audited in the same transaction.
pub mod reassign;
/// The plan workflow: drafts, edits with their steps and audit entries, live statistics, diff, publishing,
/// comparing and exporting.
pub mod plans;
/// What the county publishes about the people of the chain, and the public base URL of its plates.
pub mod publication;
/// The public card of a plate's code: grid, manager, community and service hall, as published.
pub mod public_card;
/// Visits to households (民情联系): recording one as the caller's scope allows, listing them masked.
pub mod visits;
/// Contact coverage (走访覆盖率) per grid and community, and its assessment workbook.
pub mod contact;
/// The coverage evidence for people: the defects under a parent by kind, named and placed, with what to do.
pub mod evidence;
/// Which door plates a grid, a community or a unit prints, and what each says.
pub mod plates;
/// Placing roster rows that have no coordinates by their address against the door plates.
pub mod roster_match;
/// A layer as a Shapefile zip, KML, GeoPackage or GeoJSON download, masked as the layer read is.
pub mod layer_export;
/// The web import: upload, preview with the CRS and columns chosen, commit in one transaction or cancel.
pub mod web_import;
/// 天地图 tiles through the server: its key kept there, the tiles cached on disk.
pub mod basemap;
/// What a use case can refuse, as one typed error.
pub mod error;

pub use error::{Error, Result};
