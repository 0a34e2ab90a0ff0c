//! Planners' drafts, their steps, publication and the history of published plans: the role both backends
//! implement, and the drafts' SQL.
//!
//! A draft's content (its grids and unit assignments) is an opaque JSON document here, and so is each of its
//! steps (one edit and what it changed, what undo and redo put back): the store keeps them and hands them
//! back; `crate::atlas::plan` gives them meaning. Steps are rows of their own, so that an edit reads and
//! writes the draft and one step, not the whole history. Two counters guard against lost writes: a draft's
//! `edits` (one per saved edit, so two requests editing one draft cannot overwrite each other) and a
//! community's plan `version` (one per publication, so a draft copied from an older plan is refused).
//!
//! The drafts' SQL is one text for SQLite and PostgreSQL but for the clock, the JSON casts and the time
//! format, which [`plan_drafts`] takes per backend. Publication writes layers, so each backend has its own.

use std::future::Future;

use serde_json::Value;
use sqlx::Row;

use super::error::{Error, Result};
use super::records::{AuditRecord, NewPlan, NextStep, PlanRecord, PlanSave, PlanVersion, Publication};
use crate::model::Feature;

/// Drafts, their steps, publication and the plan history of each community.
pub trait PlanStore: Send + Sync {
    /// Stores a new draft and its audit entry (with the draft's id as `plan` in its detail) in one
    /// transaction, and returns the draft with its id and times.
    fn create_plan(&self, plan: &NewPlan, audit: &AuditRecord) -> impl Future<Output = Result<PlanRecord>> + Send;
    /// Drafts, oldest first, of one community or all, without their content.
    fn plans(&self, community: Option<&str>) -> impl Future<Output = Result<Vec<PlanRecord>>> + Send;
    /// One draft with its content.
    fn plan(&self, id: i64) -> impl Future<Output = Result<Option<PlanRecord>>> + Send;
    /// Saves a draft's name and content, and moves its steps, in one transaction, if no other save came since
    /// `expected_edits`; returns the saved draft (without content), or None when the draft is gone or was
    /// saved by someone else first (then nothing is written).
    fn save_plan(&self, save: &PlanSave<'_>) -> impl Future<Output = Result<Option<PlanRecord>>> + Send;
    /// The step undo or redo would take: its number and content.
    fn plan_step(&self, id: i64, which: NextStep) -> impl Future<Output = Result<Option<(i64, Value)>>> + Send;
    /// The edits of a draft's applied steps, oldest first.
    fn plan_edits(&self, id: i64) -> impl Future<Output = Result<Vec<Value>>> + Send;
    /// Deletes a draft and its steps, with its audit entry, in one transaction; returns whether there was one
    /// (if not, nothing is written).
    fn delete_plan(&self, id: i64, audit: &AuditRecord) -> impl Future<Output = Result<bool>> + Send;

    /// The community's plan version: how many plans were published for it (0 before the first).
    fn plan_version(&self, community: &str) -> impl Future<Output = Result<i64>> + Send;
    /// Publishes a draft in one transaction: checks the base version ([`Error::Stale`] when another plan was
    /// published since), replaces the community's grids ([`Error::Exists`] for a grid code another community
    /// holds), updates units and households ([`Error::NotFound`] for a code that is not stored), records the
    /// version in the history and the change log, deletes the draft and its steps ([`Error::NotFound`] when
    /// the draft is gone) and bumps the revision. Returns the new version.
    fn publish_plan(&self, p: &Publication) -> impl Future<Output = Result<i64>> + Send;
    /// The community's published versions, oldest first.
    fn plan_versions(&self, community: &str) -> impl Future<Output = Result<Vec<PlanVersion>>> + Send;
}

/// A FeatureCollection of features, for the history.
pub fn collection(features: &[Feature]) -> Value {
    serde_json::json!({
        "type": "FeatureCollection",
        "features": features.iter().map(crate::model::geojson_io::feature_json).collect::<Vec<_>>(),
    })
}

pub(super) fn corrupt(what: &str, id: i64, e: serde_json::Error) -> Error {
    Error::Corrupt { layer: what.into(), code: id.to_string(), reason: e.to_string() }
}

/// A draft from the columns of [`plan_columns`], the content (as text) last if `with_content`.
pub(super) fn plan_from<R: Row>(r: &R, with_content: bool) -> Result<PlanRecord>
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

/// The SELECT of a draft's record without its content, in the order [`plan_from`] reads it; `$times` is the
/// backend's SELECT of `created_at, updated_at` as RFC 3339 text.
macro_rules! plan_columns {
    ($times:literal) => {
        concat!(
            "SELECT id, community_code, name, author, ", $times, ", base_version, edits, ",
            "(SELECT count(*) FROM gridmap_plan_steps s WHERE s.plan_id = p.id AND NOT s.undone), ",
            "(SELECT count(*) FROM gridmap_plan_steps s WHERE s.plan_id = p.id)"
        )
    };
}

/// The drafts' methods of [`PlanStore`] for one backend, invoked inside its `impl PlanStore` (a backend has
/// `pool()` and `audit_in`, see `accounts::account_queries`). `$now` is the SQL of the current time as stored,
/// `$json` the cast a JSON parameter needs, `$times` the SELECT of `created_at, updated_at` as RFC 3339 text,
/// `$text` the cast that reads a JSON column as text.
macro_rules! plan_drafts {
    (now = $now:literal, json = $json:literal, times = $times:literal, text = $text:literal) => {
        /// Stores a new draft and its audit entry (with the draft's id as `plan` in its detail) in one
        /// transaction, and returns the draft with its id and times.
        async fn create_plan(&self, plan: &$crate::store::records::NewPlan, audit: &$crate::store::records::AuditRecord) -> $crate::store::error::Result<$crate::store::records::PlanRecord> {
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
            if let ::serde_json::Value::Object(d) = &mut audit.detail {
                d.insert("plan".into(), id.into());
            }
            Self::audit_in(&mut tx, &audit).await?;
            tx.commit().await?;
            self.plan(id).await?.ok_or_else(|| $crate::store::error::Error::not_found("gridmap_plans", id))
        }

        /// Drafts, oldest first, of one community or all, without their content.
        async fn plans(&self, community: Option<&str>) -> $crate::store::error::Result<Vec<$crate::store::records::PlanRecord>> {
            let rows = sqlx::query(concat!(
                $crate::store::plans::plan_columns!($times), " FROM gridmap_plans p WHERE CAST($1 AS TEXT) IS NULL OR community_code = $1 ORDER BY id"
            ))
            .bind(community)
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(|r| $crate::store::plans::plan_from(r, false)).collect()
        }

        /// One draft with its content.
        async fn plan(&self, id: i64) -> $crate::store::error::Result<Option<$crate::store::records::PlanRecord>> {
            let row = sqlx::query(concat!(
                $crate::store::plans::plan_columns!($times), ", content", $text, " FROM gridmap_plans p WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
            row.map(|r| $crate::store::plans::plan_from(&r, true)).transpose()
        }

        /// Saves a draft's name and content, and moves its steps, in one transaction, if no other save
        /// came since `expected_edits`; returns the saved draft (without content), or None when the draft
        /// is gone or was saved by someone else first (then nothing is written).
        async fn save_plan(&self, save: &$crate::store::records::PlanSave<'_>) -> $crate::store::error::Result<Option<$crate::store::records::PlanRecord>> {
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
                $crate::store::records::StepWrite::Keep => {}
                $crate::store::records::StepWrite::Push { edit, step } => {
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
                $crate::store::records::StepWrite::Undo(seq) | $crate::store::records::StepWrite::Redo(seq) => {
                    let undone = matches!(save.step, $crate::store::records::StepWrite::Undo(_));
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
            let head = sqlx::query(concat!($crate::store::plans::plan_columns!($times), " FROM gridmap_plans p WHERE id = $1"))
                .bind(save.id)
                .fetch_optional(&mut *tx)
                .await?;
            let head = head.map(|r| $crate::store::plans::plan_from(&r, false)).transpose()?;
            tx.commit().await?;
            Ok(head)
        }

        /// The step undo or redo would take: its number and content.
        async fn plan_step(&self, id: i64, which: $crate::store::records::NextStep) -> $crate::store::error::Result<Option<(i64, ::serde_json::Value)>> {
            use ::sqlx::Row;
            let row = sqlx::query(match which {
                $crate::store::records::NextStep::Undo => concat!(
                    "SELECT seq, step", $text, " FROM gridmap_plan_steps WHERE plan_id = $1 AND NOT undone ",
                    "ORDER BY seq DESC LIMIT 1"
                ),
                $crate::store::records::NextStep::Redo => concat!(
                    "SELECT seq, step", $text, " FROM gridmap_plan_steps WHERE plan_id = $1 AND undone ",
                    "ORDER BY seq LIMIT 1"
                ),
            })
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
            row.map(|r| -> $crate::store::error::Result<(i64, ::serde_json::Value)> {
                let text: String = r.try_get(1)?;
                Ok((r.try_get(0)?, serde_json::from_str(&text).map_err(|e| $crate::store::plans::corrupt("gridmap_plan_steps", id, e))?))
            })
            .transpose()
        }

        /// The edits of a draft's applied steps, oldest first.
        async fn plan_edits(&self, id: i64) -> $crate::store::error::Result<Vec<::serde_json::Value>> {
            let texts: Vec<String> = sqlx::query_scalar(concat!(
                "SELECT edit", $text, " FROM gridmap_plan_steps WHERE plan_id = $1 AND NOT undone ORDER BY seq"
            ))
            .bind(id)
            .fetch_all(self.pool())
            .await?;
            texts.iter().map(|t| serde_json::from_str(t).map_err(|e| $crate::store::plans::corrupt("gridmap_plan_steps", id, e))).collect()
        }

        /// Deletes a draft and its steps, with its audit entry, in one transaction; returns whether there
        /// was one (if not, nothing is written).
        async fn delete_plan(&self, id: i64, audit: &$crate::store::records::AuditRecord) -> $crate::store::error::Result<bool> {
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
    };
}

pub(crate) use {plan_columns, plan_drafts};
