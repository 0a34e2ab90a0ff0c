//! Visits (民情联系): the role both backends implement, and its SQL (one text for SQLite and PostgreSQL,
//! expanded per backend by [`visit_queries`]).
//!
//! Visits are append-only: there is no update or delete path here, and each backend's triggers refuse one
//! from anywhere else. A visit carries the `client_id` the phone made for it, unique in the table: recording
//! the same id again finds the first visit and writes nothing, so a retry or an offline queue sent twice
//! counts once.

use std::future::Future;

use sqlx::Row;

use super::error::{Error, Result};
use super::records::{AuditRecord, NewVisit, Visit, VisitFilter};

/// Visits to households, append-only.
pub trait VisitStore: Send + Sync {
    /// Stores a visit with its audit entry (made from the new id) in one transaction and returns it with
    /// `true`; when a visit with the same `client_id` is stored already, returns that one with `false` and
    /// writes nothing.
    fn record_visit(
        &self,
        v: &NewVisit,
        audit: impl FnOnce(i64) -> AuditRecord + Send,
    ) -> impl Future<Output = Result<(Visit, bool)>> + Send;
    /// The visits `filter` selects, newest first.
    fn visits(&self, filter: &VisitFilter) -> impl Future<Output = Result<Vec<Visit>>> + Send;
    /// The codes of the households visited at or after `since` (RFC 3339 UTC), each once.
    fn visited_households(&self, since: &str) -> impl Future<Output = Result<Vec<String>>> + Send;
}

/// The columns [`visit_from`] reads, in its order.
pub(super) const VISIT_COLUMNS: &str = "id, client_id, household_code, grid_code, community_code, kind, note, tags, \
    visited_at, recorded_at, account, lon, lat, distance_m, flagged_far";

pub(super) fn visit_from<R: Row>(r: &R) -> Result<Visit>
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> f64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let id: i64 = r.try_get(0)?;
    let tags: String = r.try_get(7)?;
    let tags = serde_json::from_str(&tags)
        .map_err(|e| Error::Corrupt { layer: "gridmap_visits".into(), code: id.to_string(), reason: e.to_string() })?;
    let (lon, lat): (Option<f64>, Option<f64>) = (r.try_get(11)?, r.try_get(12)?);
    Ok(Visit {
        id,
        client_id: r.try_get(1)?,
        household: r.try_get(2)?,
        grid: r.try_get(3)?,
        community: r.try_get(4)?,
        kind: r.try_get(5)?,
        note: r.try_get(6)?,
        tags,
        visited_at: r.try_get(8)?,
        recorded_at: r.try_get(9)?,
        account: r.try_get(10)?,
        lonlat: lon.zip(lat).map(|(x, y)| [x, y]),
        distance_m: r.try_get(13)?,
        flagged_far: r.try_get(14)?,
    })
}

/// Implements [`VisitStore`] for backend `$store`, whose `pool()` is of database `$db` and which has
/// `audit_in` (from [`super::accounts::account_queries`]).
macro_rules! visit_queries {
    ($store:ty, $db:ty) => {
        const _: () = {
            use $crate::accounts::clock;
            use $crate::store::error::Result;
            use $crate::store::records::{AuditRecord, NewVisit, Visit, VisitFilter};
            use $crate::store::visits::{VISIT_COLUMNS, VisitStore, visit_from};

            impl $store {
                async fn visit_by_client_id(&self, client_id: &str) -> Result<Option<Visit>> {
                    let row = sqlx::query(&format!("SELECT {VISIT_COLUMNS} FROM gridmap_visits WHERE client_id = $1"))
                        .bind(client_id)
                        .fetch_optional(self.pool())
                        .await?;
                    row.as_ref().map(visit_from).transpose()
                }
            }

            impl VisitStore for $store {
                async fn record_visit(&self, v: &NewVisit, audit: impl FnOnce(i64) -> AuditRecord + Send) -> Result<(Visit, bool)> {
                    let mut tx = self.pool().begin().await?;
                    // A concurrent insert of the same client_id waits for this one, then does nothing.
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO gridmap_visits (client_id, household_code, grid_code, community_code, kind, note, tags, \
                         visited_at, recorded_at, account, lon, lat, distance_m, flagged_far) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                         ON CONFLICT (client_id) DO NOTHING RETURNING id",
                    )
                    .bind(&v.client_id)
                    .bind(&v.household)
                    .bind(&v.grid)
                    .bind(&v.community)
                    .bind(&v.kind)
                    .bind(&v.note)
                    .bind(serde_json::to_string(&v.tags).expect("strings serialise"))
                    .bind(&v.visited_at)
                    .bind(clock::rfc3339(clock::now()))
                    .bind(&v.account)
                    .bind(v.lonlat.map(|p| p.0))
                    .bind(v.lonlat.map(|p| p.1))
                    .bind(v.distance_m)
                    .bind(v.flagged_far)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let created = match id {
                        Some(id) => {
                            Self::audit_in(&mut tx, &audit(id)).await?;
                            tx.commit().await?;
                            true
                        }
                        None => {
                            tx.rollback().await?;
                            false
                        }
                    };
                    let stored = self.visit_by_client_id(&v.client_id).await?;
                    let stored = stored.ok_or_else(|| $crate::store::error::Error::not_found("gridmap_visits", &v.client_id))?;
                    Ok((stored, created))
                }

                async fn visits(&self, f: &VisitFilter) -> Result<Vec<Visit>> {
                    let mut sql = format!("SELECT {VISIT_COLUMNS} FROM gridmap_visits WHERE visited_at >= $1");
                    let mut n = 1;
                    if f.household.is_some() {
                        n += 1;
                        sql.push_str(&format!(" AND household_code = ${n}"));
                    }
                    if let Some(gs) = &f.grids {
                        if gs.is_empty() {
                            return Ok(vec![]);
                        }
                        let marks: Vec<String> = (0..gs.len()).map(|i| format!("${}", n + 1 + i)).collect();
                        n += gs.len();
                        sql.push_str(&format!(" AND grid_code IN ({})", marks.join(", ")));
                    }
                    sql.push_str(&format!(" ORDER BY visited_at DESC, id DESC LIMIT ${}", n + 1));
                    let mut q = sqlx::query(&sql).bind(f.since.clone().unwrap_or_default());
                    if let Some(h) = &f.household {
                        q = q.bind(h);
                    }
                    for g in f.grids.iter().flatten() {
                        q = q.bind(g);
                    }
                    let rows = q.bind(f.limit).fetch_all(self.pool()).await?;
                    rows.iter().map(visit_from).collect()
                }

                async fn visited_households(&self, since: &str) -> Result<Vec<String>> {
                    Ok(sqlx::query_scalar("SELECT DISTINCT household_code FROM gridmap_visits WHERE visited_at >= $1")
                        .bind(since)
                        .fetch_all(self.pool())
                        .await?)
                }
            }
        };
    };
}

pub(crate) use visit_queries;
