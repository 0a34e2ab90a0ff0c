//! The GeoPackage backend: one SQLite file in the OGC GeoPackage 1.3 form, the embedded default.
//!
//! geozero encodes the geometry blobs but writes none of the gpkg_* metadata tables, so the store does: the
//! application id and version, the spatial reference systems, contents and geometry columns are created by
//! the versioned migrations in migrations/gpkg/ (as PostGIS's are in migrations/), and this module keeps each
//! layer's extent in gpkg_contents up to date as it writes.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use geo::BoundingRect;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Row, Sqlite, Transaction};

use super::accounts::account_queries;
use super::codec;
use super::error::{Error, Result, found};
use super::layers::{HouseholdProps, LayerStore};
use super::plans::{PlanStore, collection, plan_drafts};
use super::records::{AuditRecord, ChangeEntry, ChangeRecord, PlanVersion, Publication};
use super::schema::{ColumnValue, column_value, columns};
use super::visits::visit_queries;
use crate::model::{Dataset, Feature, Layer};

/// 'GPKG' as a big-endian integer: what GeoPackage readers look for in the SQLite header.
const APPLICATION_ID: i64 = 0x4750_4B47;

/// The schema, from the GeoPackage core tables on: applied in order on open, each once.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/gpkg");

/// A GeoPackage file holding the seven layers.
#[derive(Clone)]
pub struct GpkgStore {
    path: PathBuf,
    pool: SqlitePool,
}

impl GpkgStore {
    /// Opens the file, creating it (and its directory) with the GeoPackage tables if it does not exist.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Open(path.display().to_string(), e.to_string()))?;
        }
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .foreign_keys(false);
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?;
        let store = Self { path: path.to_path_buf(), pool };
        store.ensure_schema().await?;
        Ok(store)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection pool, for modules that keep their own tables in the same file.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Refuses an SQLite file that is some other application's, then brings the schema up to date. A file
    /// written before the migrations existed holds the first ones' tables already; they are idempotent, so
    /// they are recorded as applied and change nothing.
    async fn ensure_schema(&self) -> Result<()> {
        let app_id: i64 = sqlx::query_scalar("PRAGMA application_id").fetch_one(&self.pool).await?;
        if app_id != 0 && app_id != APPLICATION_ID {
            return Err(Error::Open(self.path.display().to_string(), "not a GeoPackage file".into()));
        }
        MIGRATOR.run(&self.pool).await?;
        self.backfill_audit_chain().await?;
        Ok(())
    }

    /// Binds a feature's derived columns and properties, in the order `columns(layer)` gives.
    fn bind_row<'q>(
        mut q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
        layer: Layer,
        f: &Feature,
    ) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
        for (c, ty) in columns(layer) {
            q = match column_value(f, c, *ty) {
                ColumnValue::Text(v) => q.bind(v),
                ColumnValue::Integer(v) => q.bind(v),
            };
        }
        q.bind(serde_json::Value::Object(f.properties.clone()).to_string())
    }

    async fn bump_revision(tx: &mut Transaction<'_, Sqlite>) -> Result<()> {
        sqlx::query("UPDATE gridmap_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn write_layer(tx: &mut Transaction<'_, Sqlite>, layer: Layer, features: &[Feature]) -> Result<()> {
        sqlx::query(&format!("DELETE FROM \"{}\"", layer.name())).execute(&mut **tx).await?;
        Self::insert_rows(tx, layer, features).await?;
        Self::set_extent(tx, layer, features.iter().map(|f| f.geometry.clone())).await
    }

    async fn insert_rows(tx: &mut Transaction<'_, Sqlite>, layer: Layer, features: &[Feature]) -> Result<()> {
        let t = layer.name();
        let cols = columns(layer);
        let names: String = cols.iter().map(|(c, _)| format!(", \"{c}\"")).collect();
        let marks: String = cols.iter().map(|_| ", ?").collect();
        let sql = format!("INSERT INTO \"{t}\" (geom, code{names}, properties) VALUES (?, ?{marks}, ?)");
        for f in features {
            let q = sqlx::query(&sql).bind(codec::to_gpkg(&f.geometry)?).bind(&f.code);
            Self::bind_row(q, layer, f)
                .execute(&mut **tx)
                .await
                .map_err(|e| Error::exists_or(e, || format!("{t} {}", f.code)))?;
        }
        Ok(())
    }

    /// Records the layer's extent (what GIS clients zoom to) in gpkg_contents.
    async fn set_extent(
        tx: &mut Transaction<'_, Sqlite>,
        layer: Layer,
        geoms: impl Iterator<Item = geo::Geometry<f64>>,
    ) -> Result<()> {
        let ext = geoms.filter_map(|g| g.bounding_rect()).reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        });
        sqlx::query(
            "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, \
             last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
        )
        .bind(ext.map(|r| r.min().x))
        .bind(ext.map(|r| r.min().y))
        .bind(ext.map(|r| r.max().x))
        .bind(ext.map(|r| r.max().y))
        .bind(layer.name())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Updates features by code; a code that is not stored fails.
    async fn update_rows(tx: &mut Transaction<'_, Sqlite>, layer: Layer, features: &[Feature]) -> Result<()> {
        let t = layer.name();
        let sets: String = columns(layer).iter().map(|(c, _)| format!("\"{c}\" = ?, ")).collect();
        let sql = format!("UPDATE \"{t}\" SET geom = ?, {sets}properties = ? WHERE code = ?");
        for f in features {
            let q = sqlx::query(&sql).bind(codec::to_gpkg(&f.geometry)?);
            let done = Self::bind_row(q, layer, f).bind(&f.code).execute(&mut **tx).await?;
            found(done.rows_affected(), t, &f.code)?;
        }
        Ok(())
    }

    /// Replaces the layers of `ds` and appends `audit`, in one transaction.
    async fn replace_audited(&self, ds: &Dataset, audit: Option<&AuditRecord>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (layer, features) in &ds.layers {
            // Says how far a long import got (the crash tests read it to know a kill landed mid-transaction).
            tracing::debug!(layer = layer.name(), features = features.len(), "writing layer");
            Self::write_layer(&mut tx, *layer, features).await?;
        }
        Self::bump_revision(&mut tx).await?;
        if let Some(audit) = audit {
            Self::audit_in(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn log_change(tx: &mut Transaction<'_, Sqlite>, record: &ChangeRecord) -> Result<()> {
        sqlx::query("INSERT INTO gridmap_changes (actor, action, detail) VALUES (?, ?, ?)")
            .bind(&record.actor)
            .bind(&record.action)
            .bind(record.detail.to_string())
            .execute(&mut **tx)
            .await?;
        if let Some(audit) = &record.audit {
            Self::audit_in(tx, audit).await?;
        }
        Ok(())
    }
}

impl LayerStore for GpkgStore {
    async fn load_with(&self, props: HouseholdProps) -> Result<Dataset> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || super::gpkg_read::load(&path, props))
            .await
            .map_err(|e| Error::Open(self.path.display().to_string(), e.to_string()))?
    }

    async fn replace_layers(&self, ds: &Dataset) -> Result<()> {
        self.replace_audited(ds, None).await
    }

    async fn import_layers(&self, ds: &Dataset, audit: &AuditRecord) -> Result<()> {
        self.replace_audited(ds, Some(audit)).await
    }

    async fn update_features(&self, layer: Layer, features: &[Feature], record: &ChangeRecord) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::update_rows(&mut tx, layer, features).await?;
        Self::log_change(&mut tx, record).await?;
        Self::bump_revision(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn changes(&self, limit: i64) -> Result<Vec<ChangeEntry>> {
        let rows = sqlx::query("SELECT id, at, actor, action, detail FROM gridmap_changes ORDER BY id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| {
                let detail: String = r.try_get(4)?;
                Ok(ChangeEntry {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
                })
            })
            .collect()
    }

    async fn revision(&self) -> Result<i64> {
        let v: String = sqlx::query_scalar("SELECT value FROM gridmap_meta WHERE key = 'revision'")
            .fetch_one(&self.pool)
            .await?;
        Ok(v.parse().unwrap_or(0))
    }

    fn describe(&self) -> String {
        format!("GeoPackage {}", self.path.display())
    }
}

// SQLite has one writer at a time: a write first (one that changes nothing) makes the transaction that writer
// before it reads the head, so two appenders never read the same head (and a read-then-write transaction
// cannot fail to upgrade). The next id is AUTOINCREMENT's, taken by hand because the hash covers it.
account_queries!(
    GpkgStore,
    Sqlite,
    lock = "UPDATE gridmap_meta SET value = value WHERE key = 'revision'",
    head = "SELECT (SELECT COALESCE(hash, '') FROM gridmap_audit ORDER BY id DESC LIMIT 1), \
            MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'gridmap_audit'), 0), \
                COALESCE((SELECT MAX(id) FROM gridmap_audit), 0)) + 1"
);

visit_queries!(GpkgStore, Sqlite);

impl PlanStore for GpkgStore {
    plan_drafts!(now = "strftime('%Y-%m-%dT%H:%M:%fZ','now')", json = "", times = "created_at, updated_at", text = "");

    async fn plan_version(&self, community: &str) -> Result<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT version FROM gridmap_plan_heads WHERE community_code = ?")
            .bind(community)
            .fetch_optional(&self.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    async fn publish_plan(&self, p: &Publication) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        // Compare and set: only the publisher whose base is still current moves the version on.
        sqlx::query("INSERT OR IGNORE INTO gridmap_plan_heads (community_code, version) VALUES (?, 0)")
            .bind(&p.community)
            .execute(&mut *tx)
            .await?;
        let moved = sqlx::query("UPDATE gridmap_plan_heads SET version = version + 1 WHERE community_code = ? AND version = ?")
            .bind(&p.community)
            .bind(p.base_version)
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() == 0 {
            let current: i64 = sqlx::query_scalar("SELECT version FROM gridmap_plan_heads WHERE community_code = ?")
                .bind(&p.community)
                .fetch_one(&mut *tx)
                .await?;
            return Err(Error::Stale { community: p.community.clone(), base: p.base_version, current });
        }
        let version = p.base_version + 1;
        sqlx::query("DELETE FROM grids WHERE community_code = ?").bind(&p.community).execute(&mut *tx).await?;
        Self::insert_rows(&mut tx, Layer::Grids, &p.grids).await?;
        let blobs: Vec<Vec<u8>> = sqlx::query_scalar("SELECT geom FROM grids").fetch_all(&mut *tx).await?;
        let geoms = blobs.iter().map(|b| codec::from_gpkg(b)).collect::<Result<Vec<_>>>()?;
        Self::set_extent(&mut tx, Layer::Grids, geoms.into_iter()).await?;
        Self::update_rows(&mut tx, Layer::Units, &p.units).await?;
        Self::update_rows(&mut tx, Layer::Households, &p.households).await?;
        sqlx::query(
            "INSERT INTO gridmap_plan_versions (community_code, version, published_by, plan_name, grids_before, \
             grids_after) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.community)
        .bind(version)
        .bind(&p.published_by)
        .bind(&p.plan_name)
        .bind(collection(&p.grids_before).to_string())
        .bind(collection(&p.grids).to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM gridmap_plan_steps WHERE plan_id = ?").bind(p.plan_id).execute(&mut *tx).await?;
        let draft = sqlx::query("DELETE FROM gridmap_plans WHERE id = ?").bind(p.plan_id).execute(&mut *tx).await?;
        found(draft.rows_affected(), "gridmap_plans", p.plan_id)?;
        let record = ChangeRecord { actor: p.published_by.clone(), action: "plan.publish".into(), detail: p.detail.clone(), audit: Some(p.audit.clone()) };
        Self::log_change(&mut tx, &record).await?;
        Self::bump_revision(&mut tx).await?;
        tx.commit().await?;
        Ok(version)
    }

    async fn plan_versions(&self, community: &str) -> Result<Vec<PlanVersion>> {
        let rows = sqlx::query(
            "SELECT community_code, version, published_by, published_at, plan_name, grids_before, grids_after \
             FROM gridmap_plan_versions WHERE community_code = ? ORDER BY version",
        )
        .bind(community)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let json = |c: &str| -> Result<serde_json::Value> {
                    let t: String = r.try_get(c)?;
                    serde_json::from_str(&t).map_err(|e| Error::Corrupt { layer: "gridmap_plan_versions".into(), code: c.into(), reason: e.to_string() })
                };
                Ok(PlanVersion {
                    community: r.try_get(0)?,
                    version: r.try_get(1)?,
                    published_by: r.try_get(2)?,
                    published_at: r.try_get(3)?,
                    plan_name: r.try_get(4)?,
                    grids_before: json("grids_before")?,
                    grids_after: json("grids_after")?,
                })
            })
            .collect()
    }
}
