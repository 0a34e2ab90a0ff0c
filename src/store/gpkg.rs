//! The GeoPackage backend: one SQLite file in the OGC GeoPackage 1.3 form, the embedded default.
//!
//! geozero encodes the geometry blobs but writes none of the gpkg_* metadata tables, so this module does:
//! the application id and version, the spatial reference systems, contents (with extents) and geometry columns.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use geo::BoundingRect;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Row, Sqlite, Transaction};

use super::schema::{ColumnType, ColumnValue, column_value, columns, geometry_type};
use super::plans::collection;
use super::accounts::AuditRecord;
use super::{ChangeEntry, ChangeRecord, Error, PlanVersion, Publication, Result, Store, codec, parse_properties};
use crate::model::crs::STORED_EPSG;
use crate::model::{Dataset, Feature, Layer};

/// 'GPKG' as a big-endian integer: what GeoPackage readers look for in the SQLite header.
const APPLICATION_ID: i64 = 0x4750_4B47;
/// GeoPackage 1.3.0.
const USER_VERSION: i64 = 10300;

const WKT_4326: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;
const WKT_4490: &str = r#"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4490"]]"#;

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

    async fn ensure_schema(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let app_id: i64 = sqlx::query_scalar("PRAGMA application_id").fetch_one(&mut *tx).await?;
        if app_id != 0 && app_id != APPLICATION_ID {
            return Err(Error::Open(self.path.display().to_string(), "not a GeoPackage file".into()));
        }
        sqlx::query(&format!("PRAGMA application_id = {APPLICATION_ID}")).execute(&mut *tx).await?;
        sqlx::query(&format!("PRAGMA user_version = {USER_VERSION}")).execute(&mut *tx).await?;
        for ddl in [
            "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, \
             organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, \
             description TEXT)",
            "CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, \
             identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT \
             (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, \
             srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
            "CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, \
             geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, \
             CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), \
             CONSTRAINT uk_gc_table_name UNIQUE (table_name), \
             CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), \
             CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))",
            // gridmap's own bookkeeping; not registered in gpkg_contents, so GIS clients do not list it.
            "CREATE TABLE IF NOT EXISTS gridmap_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "INSERT OR IGNORE INTO gridmap_meta (key, value) VALUES ('revision', '0')",
            "CREATE TABLE IF NOT EXISTS gridmap_changes (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), actor TEXT NOT NULL, \
             action TEXT NOT NULL, detail TEXT NOT NULL)",
            // Accounts, credentials and the audit log: the same tables as migrations/0003_accounts.sql.
            "CREATE TABLE IF NOT EXISTS gridmap_accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, password_hash TEXT NOT NULL, \
             role TEXT NOT NULL, scope TEXT NOT NULL, enabled BOOLEAN NOT NULL DEFAULT 1, \
             must_change_password BOOLEAN NOT NULL DEFAULT 0, failed_logins INTEGER NOT NULL DEFAULT 0, \
             locked_until INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS gridmap_tokens (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             token_hash TEXT NOT NULL UNIQUE, account_id INTEGER NOT NULL REFERENCES gridmap_accounts (id), \
             kind TEXT NOT NULL, label TEXT NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL, \
             expires_at INTEGER NOT NULL, revoked BOOLEAN NOT NULL DEFAULT 0)",
            "CREATE TABLE IF NOT EXISTS gridmap_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, \
             actor TEXT NOT NULL, action TEXT NOT NULL, address TEXT NOT NULL, households TEXT NOT NULL, \
             detail TEXT NOT NULL)",
            // Append-only: SQLite itself refuses to change or remove an audit entry.
            "CREATE TRIGGER IF NOT EXISTS gridmap_audit_no_update BEFORE UPDATE ON gridmap_audit \
             BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER IF NOT EXISTS gridmap_audit_no_delete BEFORE DELETE ON gridmap_audit \
             BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            // Planners' drafts and the history of published plans (see store::plans).
            "CREATE TABLE IF NOT EXISTS gridmap_plan_heads (community_code TEXT PRIMARY KEY, \
             version INTEGER NOT NULL DEFAULT 0)",
            "CREATE TABLE IF NOT EXISTS gridmap_plans (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             community_code TEXT NOT NULL, name TEXT NOT NULL, author TEXT NOT NULL, \
             created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), \
             updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), \
             base_version INTEGER NOT NULL, edits INTEGER NOT NULL DEFAULT 0, content TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS gridmap_plans_community ON gridmap_plans (community_code)",
            "CREATE TABLE IF NOT EXISTS gridmap_plan_steps (plan_id INTEGER NOT NULL REFERENCES gridmap_plans (id), \
             seq INTEGER NOT NULL, undone BOOLEAN NOT NULL DEFAULT 0, edit TEXT NOT NULL, step TEXT NOT NULL, \
             PRIMARY KEY (plan_id, seq))",
            "CREATE TABLE IF NOT EXISTS gridmap_plan_versions (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             community_code TEXT NOT NULL, version INTEGER NOT NULL, published_by TEXT NOT NULL, \
             published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), plan_name TEXT NOT NULL, \
             grids_before TEXT NOT NULL, grids_after TEXT NOT NULL, UNIQUE (community_code, version))",
            // Registered as an attribute table: GDAL then lists only registered tables, so gridmap's other
            // bookkeeping tables stay out of a GIS user's layer list.
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) \
             VALUES ('gridmap_meta', 'attributes', 'gridmap_meta', 'gridmap bookkeeping (revision)')",
        ] {
            sqlx::query(ddl).execute(&mut *tx).await?;
        }
        let srs: [(&str, i64, &str, i64, &str, &str); 4] = [
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
            ("WGS 84 geodetic", 4326, "EPSG", 4326, WKT_4326, "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
            ("China Geodetic Coordinate System 2000", STORED_EPSG as i64, "EPSG", STORED_EPSG as i64, WKT_4490, "CGCS2000 longitude/latitude"),
        ];
        for (name, id, org, org_id, def, desc) in srs {
            sqlx::query(
                "INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, \
                 definition, description) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(name)
            .bind(id)
            .bind(org)
            .bind(org_id)
            .bind(def)
            .bind(desc)
            .execute(&mut *tx)
            .await?;
        }
        for layer in Layer::ALL {
            let t = layer.name();
            let cols: String = columns(layer)
                .iter()
                .map(|(c, ty)| format!(", \"{c}\" {}", if *ty == ColumnType::Integer { "INTEGER" } else { "TEXT" }))
                .collect();
            sqlx::query(&format!(
                "CREATE TABLE IF NOT EXISTS \"{t}\" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \
                 geom {}, code TEXT NOT NULL UNIQUE{cols}, properties TEXT NOT NULL)",
                geometry_type(layer)
            ))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) \
                 VALUES (?, 'features', ?, ?, ?)",
            )
            .bind(t)
            .bind(t)
            .bind(layer.name_zh())
            .bind(STORED_EPSG as i64)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) \
                 VALUES (?, 'geom', ?, ?, 0, 0)",
            )
            .bind(t)
            .bind(geometry_type(layer))
            .bind(STORED_EPSG as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
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
            Self::bind_row(q, layer, f).execute(&mut **tx).await?;
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
            if done.rows_affected() == 0 {
                return Err(Error::NotFound { layer: t.into(), code: f.code.clone() });
            }
        }
        Ok(())
    }

    /// Replaces the layers of `ds` and appends `audit`, in one transaction.
    async fn replace_audited(&self, ds: &Dataset, audit: Option<&AuditRecord>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (layer, features) in &ds.layers {
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

impl Store for GpkgStore {
    async fn load(&self) -> Result<Dataset> {
        let mut ds = Dataset::default();
        for layer in Layer::ALL {
            let rows = sqlx::query(&format!("SELECT code, properties, geom FROM \"{}\" ORDER BY fid", layer.name()))
                .fetch_all(&self.pool)
                .await?;
            if rows.is_empty() {
                continue;
            }
            let mut features = Vec::with_capacity(rows.len());
            for row in rows {
                let code: String = row.try_get(0)?;
                let props: String = row.try_get(1)?;
                let blob: Vec<u8> = row.try_get(2)?;
                features.push(Feature {
                    properties: parse_properties(layer.name(), &code, &props)?,
                    geometry: codec::from_gpkg(&blob)?,
                    code,
                });
            }
            ds.layers.insert(layer, features);
        }
        Ok(ds)
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
        sqlx::query("DELETE FROM gridmap_plans WHERE id = ?").bind(p.plan_id).execute(&mut *tx).await?;
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
