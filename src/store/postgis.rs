//! The PostGIS backend, for shared deployments: several gridmap servers over one database.
//!
//! Writes go in as one transaction of bulk `UNNEST` inserts (thousands of rows per statement, not a round trip
//! per row) and announce the new revision on the `gridmap_changes` channel when they commit.

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};

use super::accounts::account_queries;
use super::codec;
use super::error::{Error, Result, found};
use super::layers::{HouseholdProps, LayerStore, RawRow, decode_rows};
use super::plans::{PlanStore, collection, plan_drafts};
use super::records::{AuditRecord, ChangeEntry, ChangeRecord, PlanVersion, Publication};
use super::schema::{ColumnType, ColumnValue, column_value, columns};
use super::visits::visit_queries;
use crate::model::{Dataset, Feature, Layer};

/// The NOTIFY channel on which committed revisions are announced.
pub const CHANGES_CHANNEL: &str = "gridmap_changes";

const CHUNK: usize = 2000;

/// A PostGIS database holding the seven layers.
#[derive(Clone)]
pub struct PostgisStore {
    url: String,
    pool: PgPool,
}

impl PostgisStore {
    /// Connects and brings the schema up to date (migrations/).
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let store = Self { url: url.to_string(), pool };
        store.backfill_audit_chain().await?;
        Ok(store)
    }

    /// The connection pool, for modules that keep their own tables in the same database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Bumps the revision and announces it; listeners hear it only if the transaction commits.
    async fn bump_revision(tx: &mut Transaction<'_, Postgres>) -> Result<()> {
        let rev: String = sqlx::query_scalar(
            "UPDATE gridmap_meta SET value = (value::bigint + 1)::text WHERE key = 'revision' RETURNING value",
        )
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANGES_CHANNEL).bind(&rev).execute(&mut **tx).await?;
        Ok(())
    }

    async fn write_layer(tx: &mut Transaction<'_, Postgres>, layer: Layer, features: &[Feature]) -> Result<()> {
        sqlx::query(&format!("DELETE FROM {}", layer.name())).execute(&mut **tx).await?;
        Self::insert_rows(tx, layer, features).await
    }

    async fn insert_rows(tx: &mut Transaction<'_, Postgres>, layer: Layer, features: &[Feature]) -> Result<()> {
        let t = layer.name();
        let cols = columns(layer);
        let names: String = cols.iter().map(|(c, _)| format!(", {c}")).collect();
        let arrays: String = cols
            .iter()
            .enumerate()
            .map(|(i, (_, ty))| format!(", ${}::{}[]", i + 2, if *ty == ColumnType::Integer { "int8" } else { "text" }))
            .collect();
        let n = cols.len();
        let aliases: String = cols.iter().map(|(c, _)| format!(", {c}")).collect();
        let sql = format!(
            "INSERT INTO {t} (code{names}, properties, geom) \
             SELECT code{aliases}, p::json, ST_GeomFromEWKB(g) \
             FROM UNNEST($1::text[]{arrays}, ${}::text[], ${}::bytea[]) AS u(code{aliases}, p, g)",
            n + 2,
            n + 3
        );
        for chunk in features.chunks(CHUNK) {
            let mut q = sqlx::query(&sql).bind(chunk.iter().map(|f| f.code.clone()).collect::<Vec<_>>());
            for (c, ty) in cols {
                match ty {
                    ColumnType::Text => {
                        let v: Vec<Option<String>> = chunk
                            .iter()
                            .map(|f| match column_value(f, c, *ty) {
                                ColumnValue::Text(v) => v,
                                ColumnValue::Integer(_) => unreachable!(),
                            })
                            .collect();
                        q = q.bind(v);
                    }
                    ColumnType::Integer => {
                        let v: Vec<Option<i64>> = chunk
                            .iter()
                            .map(|f| match column_value(f, c, *ty) {
                                ColumnValue::Integer(v) => v,
                                ColumnValue::Text(_) => unreachable!(),
                            })
                            .collect();
                        q = q.bind(v);
                    }
                }
            }
            let props: Vec<String> =
                chunk.iter().map(|f| serde_json::Value::Object(f.properties.clone()).to_string()).collect();
            let geoms = chunk.iter().map(|f| codec::to_ewkb(&f.geometry)).collect::<Result<Vec<_>>>()?;
            // One statement per chunk: which code is the duplicate, only the database's message says.
            q.bind(props)
                .bind(geoms)
                .execute(&mut **tx)
                .await
                .map_err(|e| Error::exists_or(e, || format!("a code of this write in {t}")))?;
        }
        Ok(())
    }

    /// Updates features by code; a code that is not stored fails.
    async fn update_rows(tx: &mut Transaction<'_, Postgres>, layer: Layer, features: &[Feature]) -> Result<()> {
        let t = layer.name();
        let cols = columns(layer);
        let sets: String = cols.iter().enumerate().map(|(i, (c, _))| format!("{c} = ${}, ", i + 2)).collect();
        let sql = format!(
            "UPDATE {t} SET geom = ST_GeomFromEWKB($1), {sets}properties = ${}::json WHERE code = ${}",
            cols.len() + 2,
            cols.len() + 3
        );
        for f in features {
            let mut q = sqlx::query(&sql).bind(codec::to_ewkb(&f.geometry)?);
            for (c, ty) in cols {
                q = match column_value(f, c, *ty) {
                    ColumnValue::Text(v) => q.bind(v),
                    ColumnValue::Integer(v) => q.bind(v),
                };
            }
            let done = q
                .bind(serde_json::Value::Object(f.properties.clone()).to_string())
                .bind(&f.code)
                .execute(&mut **tx)
                .await?;
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

    async fn log_change(tx: &mut Transaction<'_, Postgres>, record: &ChangeRecord) -> Result<()> {
        sqlx::query("INSERT INTO gridmap_changes (actor, action, detail) VALUES ($1, $2, $3::json)")
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

impl LayerStore for PostgisStore {
    async fn load_with(&self, props: HouseholdProps) -> Result<Dataset> {
        let mut ds = Dataset::default();
        for layer in Layer::ALL {
            let t = std::time::Instant::now();
            let rows: Vec<RawRow> = sqlx::query_as(&format!("SELECT code, properties::text, ST_AsEWKB(geom) FROM {} ORDER BY id",
                layer.name())).fetch_all(&self.pool).await?;
            if rows.is_empty() {
                continue;
            }
            let (n, read_ms) = (rows.len(), t.elapsed().as_millis());
            let features = decode_rows(layer, rows, codec::from_ewkb, props).await?;
            tracing::debug!(layer = layer.name(), rows = n, read_ms, decode_ms = t.elapsed().as_millis() - read_ms, "loaded");
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
        let rows = sqlx::query(
            "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), actor, action, detail::text \
             FROM gridmap_changes ORDER BY id DESC LIMIT $1",
        )
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
        // Never log credentials.
        let shown = self.url.rsplit('@').next().unwrap_or(&self.url);
        format!("PostGIS {shown}")
    }
}

// Appenders queue on a transaction-level advisory lock (released at commit or rollback); the head is read
// after it is taken, so under READ COMMITTED it sees the previous appender's committed entry.
account_queries!(
    PostgisStore,
    Postgres,
    lock = "SELECT pg_advisory_xact_lock(hashtext('gridmap_audit_chain'))",
    head = "SELECT (SELECT COALESCE(hash, '') FROM gridmap_audit ORDER BY id DESC LIMIT 1), \
            nextval(pg_get_serial_sequence('gridmap_audit', 'id'))"
);

visit_queries!(PostgisStore, Postgres);

impl PlanStore for PostgisStore {
    plan_drafts!(
        now = "now()",
        json = "::json",
        times = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), \
                 to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        text = "::text"
    );

    async fn plan_version(&self, community: &str) -> Result<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT version FROM gridmap_plan_heads WHERE community_code = $1")
            .bind(community)
            .fetch_optional(&self.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    async fn publish_plan(&self, p: &Publication) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        // Compare and set on the head row: a concurrent publisher waits for this row lock, then finds the
        // version moved on and is refused.
        sqlx::query("INSERT INTO gridmap_plan_heads (community_code, version) VALUES ($1, 0) ON CONFLICT DO NOTHING")
            .bind(&p.community)
            .execute(&mut *tx)
            .await?;
        let moved = sqlx::query("UPDATE gridmap_plan_heads SET version = version + 1 WHERE community_code = $1 AND version = $2")
            .bind(&p.community)
            .bind(p.base_version)
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() == 0 {
            let current: i64 = sqlx::query_scalar("SELECT version FROM gridmap_plan_heads WHERE community_code = $1")
                .bind(&p.community)
                .fetch_one(&mut *tx)
                .await?;
            return Err(Error::Stale { community: p.community.clone(), base: p.base_version, current });
        }
        let version = p.base_version + 1;
        sqlx::query("DELETE FROM grids WHERE community_code = $1").bind(&p.community).execute(&mut *tx).await?;
        Self::insert_rows(&mut tx, Layer::Grids, &p.grids).await?;
        Self::update_rows(&mut tx, Layer::Units, &p.units).await?;
        Self::update_rows(&mut tx, Layer::Households, &p.households).await?;
        sqlx::query(
            "INSERT INTO gridmap_plan_versions (community_code, version, published_by, plan_name, grids_before, \
             grids_after) VALUES ($1, $2, $3, $4, $5::json, $6::json)",
        )
        .bind(&p.community)
        .bind(version)
        .bind(&p.published_by)
        .bind(&p.plan_name)
        .bind(collection(&p.grids_before).to_string())
        .bind(collection(&p.grids).to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM gridmap_plan_steps WHERE plan_id = $1").bind(p.plan_id).execute(&mut *tx).await?;
        let draft = sqlx::query("DELETE FROM gridmap_plans WHERE id = $1").bind(p.plan_id).execute(&mut *tx).await?;
        found(draft.rows_affected(), "gridmap_plans", p.plan_id)?;
        let record = ChangeRecord { actor: p.published_by.clone(), action: "plan.publish".into(), detail: p.detail.clone(), audit: Some(p.audit.clone()) };
        Self::log_change(&mut tx, &record).await?;
        Self::bump_revision(&mut tx).await?;
        tx.commit().await?;
        Ok(version)
    }

    async fn plan_versions(&self, community: &str) -> Result<Vec<PlanVersion>> {
        let rows = sqlx::query(
            "SELECT community_code, version, published_by, \
             to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), plan_name, \
             grids_before::text, grids_after::text FROM gridmap_plan_versions WHERE community_code = $1 ORDER BY version",
        )
        .bind(community)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let json = |i: usize| -> Result<serde_json::Value> {
                    let t: String = r.try_get(i)?;
                    serde_json::from_str(&t).map_err(|e| Error::Corrupt { layer: "gridmap_plan_versions".into(), code: i.to_string(), reason: e.to_string() })
                };
                Ok(PlanVersion {
                    community: r.try_get(0)?,
                    version: r.try_get(1)?,
                    published_by: r.try_get(2)?,
                    published_at: r.try_get(3)?,
                    plan_name: r.try_get(4)?,
                    grids_before: json(5)?,
                    grids_after: json(6)?,
                })
            })
            .collect()
    }
}
