//! Planners' drafts and the history of published plans, as both backends keep them.
//!
//! A draft's content (its grids, unit assignments and undo/redo steps) is an opaque JSON document here: the
//! store keeps it and hands it back; `crate::plan` gives it meaning. Two counters guard against lost writes:
//! a draft's `edits` (one per saved edit, so two requests editing one draft cannot overwrite each other) and
//! a community's plan `version` (one per publication, so a draft copied from an older plan is refused).

use serde::Serialize;
use serde_json::Value;

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
