//! Planners' drafts and the history of published plans, as both backends keep them.
//!
//! A draft's content (its grids and unit assignments) is an opaque JSON document here, and so is each of its
//! steps (one edit and what it changed, what undo and redo put back): the store keeps them and hands them
//! back; `crate::atlas::plan` gives them meaning. Steps are rows of their own, so that an edit reads and
//! writes the draft and one step, not the whole history. Two counters guard against lost writes: a draft's
//! `edits` (one per saved edit, so two requests editing one draft cannot overwrite each other) and a
//! community's plan `version` (one per publication, so a draft copied from an older plan is refused).
//!
//! The drafts' SQL is one text for SQLite and PostgreSQL but for the clock, the JSON casts and the time
//! format, which [`plan_queries`] takes per backend.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

use super::gpkg::GpkgStore;
use super::postgis::PostgisStore;
use super::accounts::AuditRecord;
use super::{AnyStore, Error, HasDb, Result};
use crate::model::Feature;

/// A stored draft.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanRecord {
    pub id: i64,
    pub community: String,
    pub name: String,
    /// Free text for now: whoever the request said it was.
    pub author: String,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    /// The community's plan version the draft was copied from.
    pub base_version: i64,
    /// How many times the draft was saved: what a save compares against.
    pub edits: i64,
    /// Steps applied (what undo can take back, newest last).
    pub steps_done: i64,
    /// Steps kept: the applied ones and those undone after them (what redo can put back).
    pub steps_total: i64,
    /// The draft itself (`Value::Null` in listings).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub content: Value,
}

/// A draft to create.
#[derive(Clone, Debug)]
pub struct NewPlan {
    pub community: String,
    pub name: String,
    pub author: String,
    pub base_version: i64,
    pub content: Value,
}

/// What a save changes.
#[derive(Clone, Debug)]
pub struct PlanSave<'a> {
    pub id: i64,
    /// The `edits` the caller read: the save is refused when another save came first.
    pub expected_edits: i64,
    pub name: &'a str,
    pub content: &'a Value,
    /// What happens to the draft's steps, in the same transaction.
    pub step: StepWrite<'a>,
    /// The save's audit entry, written in the same transaction.
    pub audit: &'a AuditRecord,
}

/// How a save moves a draft's steps.
#[derive(Clone, Copy, Debug)]
pub enum StepWrite<'a> {
    /// None (a rename, or an edit that changed nothing).
    Keep,
    /// A new step after the applied ones; the undone ones are dropped (they can no longer be redone).
    Push { edit: &'a Value, step: &'a Value },
    /// Step `seq` (the newest applied) is now undone.
    Undo(i64),
    /// Step `seq` (the oldest undone) is applied again.
    Redo(i64),
}

/// Which step [`AnyStore::plan_step`] finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// The newest applied step.
    Undo,
    /// The oldest undone step.
    Redo,
}

/// A publication: the community's grids replaced and its units and households moved, in one transaction.
#[derive(Clone, Debug)]
pub struct Publication {
    pub plan_id: i64,
    pub plan_name: String,
    pub community: String,
    /// The plan version the draft was based on: publishing fails with [`super::Error::Stale`] unless it is
    /// still the community's current one.
    pub base_version: i64,
    pub published_by: String,
    /// The community's grids as they were (kept in the history).
    pub grids_before: Vec<Feature>,
    /// Every grid the community has after publication.
    pub grids: Vec<Feature>,
    /// Units whose properties change (matched by code).
    pub units: Vec<Feature>,
    /// Households whose properties change (matched by code).
    pub households: Vec<Feature>,
    /// The change log's detail.
    pub detail: Value,
    /// The publication's audit entry, written in its transaction.
    pub audit: AuditRecord,
}

/// One published version of a community's plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanVersion {
    pub community: String,
    pub version: i64,
    pub published_by: String,
    /// UTC, RFC 3339.
    pub published_at: String,
    pub plan_name: String,
    /// GeoJSON FeatureCollections of the community's grids before and after.
    pub grids_before: Value,
    pub grids_after: Value,
}

/// A FeatureCollection of features, for the history.
pub fn collection(features: &[Feature]) -> Value {
    serde_json::json!({
        "type": "FeatureCollection",
        "features": features.iter().map(crate::model::geojson_io::feature_json).collect::<Vec<_>>(),
    })
}

fn corrupt(what: &str, id: i64, e: serde_json::Error) -> Error {
    Error::Corrupt { layer: what.into(), code: id.to_string(), reason: e.to_string() }
}

/// A draft from the columns of `plan_queries`' SELECT, the content (as text) last if `with_content`.
fn plan_from<R: Row>(r: &R, with_content: bool) -> Result<PlanRecord>
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let id: i64 = r.try_get(0)?;
    let content = if with_content {
        let text: String = r.try_get(10)?;
        serde_json::from_str(&text).map_err(|e| corrupt("gridmap_plans", id, e))?
    } else {
        Value::Null
    };
    Ok(PlanRecord {
        id,
        community: r.try_get(1)?,
        name: r.try_get(2)?,
        author: r.try_get(3)?,
        created_at: r.try_get(4)?,
        updated_at: r.try_get(5)?,
        base_version: r.try_get(6)?,
        edits: r.try_get(7)?,
        steps_done: r.try_get(8)?,
        steps_total: r.try_get(9)?,
        content,
    })
}

/// The drafts' queries for one backend. `$now` is the SQL of the current time as stored, `$json` the cast a
/// JSON parameter needs, `$times` the SELECT of `created_at, updated_at` as RFC 3339 text, `$text` the cast
/// that reads a JSON column as text.
macro_rules! plan_queries {
    ($store:ty, now = $now:literal, json = $json:literal, times = $times:literal, text = $text:literal) => {
        /// The SELECT of a draft's record without its content, in the order `plan_from` reads it.
        macro_rules! plan_columns {
            () => {
                concat!(
                    "SELECT id, community_code, name, author, ", $times, ", base_version, edits, ",
                    "(SELECT count(*) FROM gridmap_plan_steps s WHERE s.plan_id = p.id AND NOT s.undone), ",
                    "(SELECT count(*) FROM gridmap_plan_steps s WHERE s.plan_id = p.id)"
                )
            };
        }

        impl $store {
            /// Stores a new draft and its audit entry (with the draft's id as `plan` in its detail) in one
            /// transaction, and returns the draft with its id and times.
            pub async fn create_plan(&self, plan: &NewPlan, audit: &AuditRecord) -> Result<PlanRecord> {
                let mut tx = self.pool().begin().await?;
                let id: i64 = sqlx::query_scalar(concat!(
                    "INSERT INTO gridmap_plans (community_code, name, author, base_version, content) \
                     VALUES ($1, $2, $3, $4, $5", $json, ") RETURNING id"
                ))
                .bind(&plan.community)
                .bind(&plan.name)
                .bind(&plan.author)
                .bind(plan.base_version)
                .bind(plan.content.to_string())
                .fetch_one(&mut *tx)
                .await?;
                let mut audit = audit.clone();
                if let Value::Object(d) = &mut audit.detail {
                    d.insert("plan".into(), id.into());
                }
                Self::audit_in(&mut tx, &audit).await?;
                tx.commit().await?;
                self.plan(id).await?.ok_or_else(|| Error::NotFound { layer: "gridmap_plans".into(), code: id.to_string() })
            }

            /// Drafts, oldest first, of one community or all, without their content.
            pub async fn plans(&self, community: Option<&str>) -> Result<Vec<PlanRecord>> {
                let rows = sqlx::query(concat!(
                    plan_columns!(), " FROM gridmap_plans p WHERE CAST($1 AS TEXT) IS NULL OR community_code = $1 ORDER BY id"
                ))
                .bind(community)
                .fetch_all(self.pool())
                .await?;
                rows.iter().map(|r| plan_from(r, false)).collect()
            }

            /// One draft with its content.
            pub async fn plan(&self, id: i64) -> Result<Option<PlanRecord>> {
                let row = sqlx::query(concat!(
                    plan_columns!(), ", content", $text, " FROM gridmap_plans p WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
                row.map(|r| plan_from(&r, true)).transpose()
            }

            /// One draft without its content, in a transaction.
            async fn plan_head<'c>(tx: &mut sqlx::Transaction<'c, <Self as HasDb>::Db>, id: i64) -> Result<Option<PlanRecord>> {
                let row = sqlx::query(concat!(
                    plan_columns!(), " FROM gridmap_plans p WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(|r| plan_from(&r, false)).transpose()
            }

            /// Saves a draft's name and content, and moves its steps, in one transaction, if no other save
            /// came since `expected_edits`; returns the saved draft (without content), or None when the draft
            /// is gone or was saved by someone else first (then nothing is written).
            pub async fn save_plan(&self, save: &PlanSave<'_>) -> Result<Option<PlanRecord>> {
                let mut tx = self.pool().begin().await?;
                let saved = sqlx::query(concat!(
                    "UPDATE gridmap_plans SET name = $1, content = $2", $json, ", edits = edits + 1, \
                     updated_at = ", $now, " WHERE id = $3 AND edits = $4"
                ))
                .bind(save.name)
                .bind(save.content.to_string())
                .bind(save.id)
                .bind(save.expected_edits)
                .execute(&mut *tx)
                .await?;
                if saved.rows_affected() == 0 {
                    return Ok(None);
                }
                match save.step {
                    StepWrite::Keep => {}
                    StepWrite::Push { edit, step } => {
                        sqlx::query("DELETE FROM gridmap_plan_steps WHERE plan_id = $1 AND undone")
                            .bind(save.id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(concat!(
                            "INSERT INTO gridmap_plan_steps (plan_id, seq, undone, edit, step) VALUES ($1, \
                             (SELECT COALESCE(MAX(seq), 0) + 1 FROM gridmap_plan_steps WHERE plan_id = $1), \
                             $2, $3", $json, ", $4", $json, ")"
                        ))
                        .bind(save.id)
                        .bind(false)
                        .bind(edit.to_string())
                        .bind(step.to_string())
                        .execute(&mut *tx)
                        .await?;
                    }
                    StepWrite::Undo(seq) | StepWrite::Redo(seq) => {
                        let undone = matches!(save.step, StepWrite::Undo(_));
                        let moved = sqlx::query("UPDATE gridmap_plan_steps SET undone = $1 WHERE plan_id = $2 AND seq = $3 AND undone <> $1")
                            .bind(undone)
                            .bind(save.id)
                            .bind(seq)
                            .execute(&mut *tx)
                            .await?;
                        if moved.rows_affected() == 0 {
                            return Ok(None);
                        }
                    }
                }
                Self::audit_in(&mut tx, save.audit).await?;
                let head = Self::plan_head(&mut tx, save.id).await?;
                tx.commit().await?;
                Ok(head)
            }

            /// The step undo or redo would take: its number and content.
            pub async fn plan_step(&self, id: i64, which: NextStep) -> Result<Option<(i64, Value)>> {
                let row = sqlx::query(match which {
                    NextStep::Undo => concat!(
                        "SELECT seq, step", $text, " FROM gridmap_plan_steps WHERE plan_id = $1 AND NOT undone ",
                        "ORDER BY seq DESC LIMIT 1"
                    ),
                    NextStep::Redo => concat!(
                        "SELECT seq, step", $text, " FROM gridmap_plan_steps WHERE plan_id = $1 AND undone ",
                        "ORDER BY seq LIMIT 1"
                    ),
                })
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
                row.map(|r| -> Result<(i64, Value)> {
                    let text: String = r.try_get(1)?;
                    Ok((r.try_get(0)?, serde_json::from_str(&text).map_err(|e| corrupt("gridmap_plan_steps", id, e))?))
                })
                .transpose()
            }

            /// The edits of a draft's applied steps, oldest first.
            pub async fn plan_edits(&self, id: i64) -> Result<Vec<Value>> {
                let texts: Vec<String> = sqlx::query_scalar(concat!(
                    "SELECT edit", $text, " FROM gridmap_plan_steps WHERE plan_id = $1 AND NOT undone ORDER BY seq"
                ))
                .bind(id)
                .fetch_all(self.pool())
                .await?;
                texts.iter().map(|t| serde_json::from_str(t).map_err(|e| corrupt("gridmap_plan_steps", id, e))).collect()
            }

            /// Deletes a draft and its steps, with its audit entry, in one transaction; returns whether there
            /// was one (if not, nothing is written).
            pub async fn delete_plan(&self, id: i64, audit: &AuditRecord) -> Result<bool> {
                let mut tx = self.pool().begin().await?;
                sqlx::query("DELETE FROM gridmap_plan_steps WHERE plan_id = $1").bind(id).execute(&mut *tx).await?;
                let done = sqlx::query("DELETE FROM gridmap_plans WHERE id = $1").bind(id).execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                Self::audit_in(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}

plan_queries!(GpkgStore, now = "strftime('%Y-%m-%dT%H:%M:%fZ','now')", json = "", times = "created_at, updated_at", text = "");
plan_queries!(
    PostgisStore,
    now = "now()",
    json = "::json",
    times = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), \
             to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
    text = "::text"
);

super::dispatch! {
    /// Stores a new draft and its audit entry and returns the draft with its id and times.
    fn create_plan(&self, plan: &NewPlan, audit: &AuditRecord) -> Result<PlanRecord>;
    /// Drafts, oldest first, of one community or all, without their content.
    fn plans(&self, community: Option<&str>) -> Result<Vec<PlanRecord>>;
    /// One draft with its content.
    fn plan(&self, id: i64) -> Result<Option<PlanRecord>>;
    /// Saves a draft, moves its steps and audits it if no other save came first (else None, and nothing is
    /// written).
    fn save_plan(&self, save: &PlanSave<'_>) -> Result<Option<PlanRecord>>;
    /// The step undo or redo would take.
    fn plan_step(&self, id: i64, which: NextStep) -> Result<Option<(i64, Value)>>;
    /// The edits of a draft's applied steps, oldest first.
    fn plan_edits(&self, id: i64) -> Result<Vec<Value>>;
    /// Deletes a draft and its steps, audited.
    fn delete_plan(&self, id: i64, audit: &AuditRecord) -> Result<bool>;
}
