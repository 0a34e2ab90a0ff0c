//! The store: the durable record of a county's layers. One trait, two backends.
//!
//! Every write is one transaction: it lands whole or not at all. The atlas is rebuilt from the store.

use std::future::Future;
use std::path::PathBuf;

use serde::Serialize;

use crate::model::{Dataset, Feature, Layer};

/// Dispatches each listed operation of the backends' inherent impls from [`AnyStore`] (accounts, drafts).
macro_rules! dispatch {
    ($( $(#[$m:meta])* fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )*) => {
        impl AnyStore {
            $(
                $(#[$m])*
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match self {
                        AnyStore::Gpkg(s) => s.$name($($arg),*).await,
                        AnyStore::Postgis(s) => s.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

pub(crate) use dispatch;

/// Names a backend's database, for the transactions the shared queries (accounts, drafts) take.
pub(crate) trait HasDb {
    type Db: sqlx::Database;
}

impl HasDb for gpkg::GpkgStore {
    type Db = sqlx::Sqlite;
}

impl HasDb for postgis::PostgisStore {
    type Db = sqlx::Postgres;
}

/// The embedded default: a GeoPackage 1.3 file (SQLite) that opens in QGIS, ArcGIS or SuperMap.
pub mod gpkg;
/// PostGIS via sqlx, for shared deployments (schema in migrations/).
pub mod postgis;
/// Geometry blobs for each backend.
mod codec;
/// Table columns shared by both backends.
pub mod schema;
/// Accounts, sessions and API tokens, and the append-only audit log, in either backend.
pub mod accounts;
/// Planners' drafts and the history of published plans.
pub mod plans;

pub use plans::{NewPlan, NextStep, PlanRecord, PlanSave, PlanVersion, Publication, StepWrite};

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("store {0}: {1}")]
    Open(String, String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{layer} {code} is not in the store")]
    NotFound { layer: String, code: String },
    #[error("{0} already exists")]
    Exists(String),
    #[error("geometry codec: {0}")]
    Geometry(String),
    #[error("stored properties of {layer} {code} are not a JSON object: {reason}")]
    Corrupt { layer: String, code: String, reason: String },
    #[error("the plan of community {community} is at version {current}, not {base}: it was published since")]
    Stale { community: String, base: i64, current: i64 },
}

pub type Result<T> = std::result::Result<T, Error>;

/// The operations both backends provide.
pub trait Store: Send + Sync {
    /// Every non-empty layer in the store.
    fn load(&self) -> impl Future<Output = Result<Dataset>> + Send;

    /// Replaces each layer present in `ds` by its features, in one transaction: all of it lands, or nothing.
    fn replace_layers(&self, ds: &Dataset) -> impl Future<Output = Result<()>> + Send;

    /// [`Store::replace_layers`] with the import's audit entry in the same transaction.
    fn import_layers(&self, ds: &Dataset, audit: &accounts::AuditRecord) -> impl Future<Output = Result<()>> + Send;

    /// Updates existing features (matched by code) and appends `record` to the change log, in one
    /// transaction. A code that is not stored fails the whole write.
    fn update_features(
        &self,
        layer: Layer,
        features: &[Feature],
        record: &ChangeRecord,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The newest change-log entries, newest first.
    fn changes(&self, limit: i64) -> impl Future<Output = Result<Vec<ChangeEntry>>> + Send;

    /// A number that grows with every committed write: what caches compare against.
    fn revision(&self) -> impl Future<Output = Result<i64>> + Send;

    /// A short description for logs ("GeoPackage data/gridmap.gpkg", "PostGIS 127.0.0.1:5432/gridmap").
    fn describe(&self) -> String;

    /// The community's plan version: how many plans were published for it (0 before the first).
    fn plan_version(&self, community: &str) -> impl Future<Output = Result<i64>> + Send;

    /// Publishes a draft in one transaction: checks the base version ([`Error::Stale`] when another plan was
    /// published since), replaces the community's grids, updates units and households, records the version
    /// in the history and the change log, deletes the draft and its steps and bumps the revision. Returns the new version.
    fn publish_plan(&self, p: &Publication) -> impl Future<Output = Result<i64>> + Send;

    /// The community's published versions, oldest first.
    fn plan_versions(&self, community: &str) -> impl Future<Output = Result<Vec<PlanVersion>>> + Send;
}

/// What a write records in the change log: who, what kind of change, and its details.
#[derive(Clone, Debug)]
pub struct ChangeRecord {
    pub actor: String,
    pub action: String,
    pub detail: serde_json::Value,
    /// The write's audit entry, appended in the same transaction (a request's write; none for the store's
    /// own bookkeeping).
    pub audit: Option<accounts::AuditRecord>,
}

/// A change-log entry as read back.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ChangeEntry {
    pub id: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: serde_json::Value,
}

/// Where the store is: a GeoPackage file or a PostGIS database.
#[derive(Clone, Debug)]
pub enum Location {
    Gpkg(PathBuf),
    Postgis(String),
}

impl Location {
    /// `--database-url` (or DATABASE_URL) wins; otherwise `--store PATH`; otherwise the default file.
    pub fn from_options(store: Option<PathBuf>, database_url: Option<String>) -> Self {
        match (database_url, store) {
            (Some(url), _) => Location::Postgis(url),
            (None, Some(p)) => Location::Gpkg(p),
            (None, None) => Location::Gpkg(PathBuf::from(DEFAULT_GPKG)),
        }
    }
}

/// The default store file, relative to the working directory (the repository root).
pub const DEFAULT_GPKG: &str = "data/gridmap.gpkg";

/// Either backend, chosen at run time.
#[derive(Clone)]
pub enum AnyStore {
    Gpkg(gpkg::GpkgStore),
    Postgis(postgis::PostgisStore),
}

impl AnyStore {
    /// Opens (creating if needed) the store at `loc`.
    pub async fn open(loc: &Location) -> Result<Self> {
        Ok(match loc {
            Location::Gpkg(p) => AnyStore::Gpkg(gpkg::GpkgStore::open(p).await?),
            Location::Postgis(url) => AnyStore::Postgis(postgis::PostgisStore::connect(url).await?),
        })
    }
}

impl Store for AnyStore {
    async fn load(&self) -> Result<Dataset> {
        match self {
            AnyStore::Gpkg(s) => s.load().await,
            AnyStore::Postgis(s) => s.load().await,
        }
    }
    async fn replace_layers(&self, ds: &Dataset) -> Result<()> {
        match self {
            AnyStore::Gpkg(s) => s.replace_layers(ds).await,
            AnyStore::Postgis(s) => s.replace_layers(ds).await,
        }
    }
    async fn import_layers(&self, ds: &Dataset, audit: &accounts::AuditRecord) -> Result<()> {
        match self {
            AnyStore::Gpkg(s) => s.import_layers(ds, audit).await,
            AnyStore::Postgis(s) => s.import_layers(ds, audit).await,
        }
    }
    async fn update_features(&self, layer: Layer, features: &[Feature], record: &ChangeRecord) -> Result<()> {
        match self {
            AnyStore::Gpkg(s) => s.update_features(layer, features, record).await,
            AnyStore::Postgis(s) => s.update_features(layer, features, record).await,
        }
    }
    async fn changes(&self, limit: i64) -> Result<Vec<ChangeEntry>> {
        match self {
            AnyStore::Gpkg(s) => s.changes(limit).await,
            AnyStore::Postgis(s) => s.changes(limit).await,
        }
    }
    async fn revision(&self) -> Result<i64> {
        match self {
            AnyStore::Gpkg(s) => s.revision().await,
            AnyStore::Postgis(s) => s.revision().await,
        }
    }
    fn describe(&self) -> String {
        match self {
            AnyStore::Gpkg(s) => s.describe(),
            AnyStore::Postgis(s) => s.describe(),
        }
    }
    async fn plan_version(&self, community: &str) -> Result<i64> {
        match self {
            AnyStore::Gpkg(s) => s.plan_version(community).await,
            AnyStore::Postgis(s) => s.plan_version(community).await,
        }
    }
    async fn publish_plan(&self, p: &Publication) -> Result<i64> {
        match self {
            AnyStore::Gpkg(s) => s.publish_plan(p).await,
            AnyStore::Postgis(s) => s.publish_plan(p).await,
        }
    }
    async fn plan_versions(&self, community: &str) -> Result<Vec<PlanVersion>> {
        match self {
            AnyStore::Gpkg(s) => s.plan_versions(community).await,
            AnyStore::Postgis(s) => s.plan_versions(community).await,
        }
    }
}

/// Parses a stored properties JSON text back into an object.
fn parse_properties(layer: &str, code: &str, text: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::Corrupt { layer: layer.into(), code: code.into(), reason: "not an object".into() }),
        Err(e) => Err(Error::Corrupt { layer: layer.into(), code: code.into(), reason: e.to_string() }),
    }
}
