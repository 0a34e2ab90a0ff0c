//! The store: the durable record of a county's layers, accounts, plans and visits. Four role traits, two
//! backends that implement all four, and [`AnyStore`], which forwards to whichever one was opened.
//!
//! Every write is one transaction: it lands whole or not at all. The atlas is rebuilt from the store. A
//! missing record, a duplicate and a stale publication are told apart ([`Error`]) on both backends alike.

/// What can go wrong, in the store's terms: not found, exists, stale, or a fault.
mod error;
/// The records the roles read and write, apart from the queries, so that everything here imports them.
pub mod records;
/// The layers' role: load, replace and update features, the change log and the revision.
mod layers;
/// The accounts' role: accounts, sessions and API tokens, the append-only audit log; and its shared SQL.
pub mod accounts;
/// The audit log's hash chain: the canonical encoding of an entry, its hash, and the walk that verifies it.
pub mod audit_chain;
/// The plans' role: drafts and their steps, publication and the plan history; and the drafts' shared SQL.
pub mod plans;
/// Visits to households (民情联系), append-only, one per phone-made `client_id`; and their shared SQL.
pub mod visits;
/// Which derived columns each layer's table has, in both backends.
pub mod schema;
/// Geometry blobs for each backend.
pub(crate) mod codec;
/// The embedded default: a GeoPackage 1.3 file (SQLite) that opens in QGIS, ArcGIS or SuperMap; its schema
/// in migrations/gpkg/.
pub mod gpkg;
/// Loading every layer of a GeoPackage at once: a direct read transaction, decoded on every core.
mod gpkg_read;
/// PostGIS via sqlx, for shared deployments; its schema in migrations/.
pub mod postgis;
/// Either backend, chosen at run time, and where to find it.
mod any;

pub use accounts::AccountStore;
pub use any::{AnyStore, DEFAULT_GPKG, Location};
pub use error::{Error, Result};
pub use layers::{HouseholdProps, LayerStore};
pub use plans::PlanStore;
pub use visits::VisitStore;
pub use records::{ChangeEntry, ChangeRecord, NewPlan, NextStep, PlanRecord, PlanSave, PlanVersion, Publication, StepWrite, NewVisit, Visit, VisitFilter};
