//! `POST|GET /api/v1/plans`, `GET|PATCH|DELETE /api/v1/plans/{id}`: opening a draft, the drafts, one draft with
//! its statistics, renaming and deleting it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::AppState;
use super::super::access::Principal;
use super::super::error::Result;
use super::super::extract::{JsonBody, Path, Query};
use super::super::privacy::Access;
use super::{caller, plans};
use crate::app::plans::Shown;
use crate::atlas::propose::Options;
use crate::model::geojson_io::geometry_json;

/// A draft as the API shows it: its record, grids (GeoJSON), statistics and whether it is stale.
pub(super) fn shown_json(s: Shown) -> Value {
    let rec = &s.record;
    let features: Vec<Value> = s
        .grids
        .into_iter()
        .map(|(id, mut p, geometry)| {
            p.insert("id".into(), id.clone().into());
            json!({ "type": "Feature", "id": id, "properties": p, "geometry": geometry_json(&geo::Geometry::MultiPolygon(geometry)) })
        })
        .collect();
    json!({
        "id": rec.id,
        "community": rec.community,
        "name": rec.name,
        "author": rec.author,
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
        "base_version": rec.base_version,
        "current_version": s.current_version,
        "stale": s.stale,
        "edits": rec.edits,
        "can_undo": rec.steps_done > 0,
        "can_redo": rec.steps_total > rec.steps_done,
        "steps": s.steps,
        "grids": { "type": "FeatureCollection", "features": features },
        "stats": s.stats,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    community: String,
    name: String,
    /// Open the draft holding a proposal under these options instead of a copy of the published grids.
    #[serde(default)]
    propose: Option<Options>,
}

/// A new draft: a copy of the published grids, or a proposal (the same answer with `proposal` beside it: the
/// proposed grids' figures, the households changing manager and why the band is not met, if it is not).
pub async fn create(State(state): State<AppState>, access: Access, who: Principal, JsonBody(b): JsonBody<CreateBody>) -> Result<Response> {
    let plans = plans(&state);
    let body = match b.propose {
        None => shown_json(plans.open(&caller(&who), &access, &b.community, &b.name).await?),
        Some(opts) => {
            let p = plans.open_proposed(&caller(&who), &access, &b.community, &b.name, opts).await?;
            let mut v = shown_json(p.shown);
            v["proposal"] = json!(p.summary);
            v
        }
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize)]
pub struct ListQuery {
    community: Option<String>,
}

pub async fn list(State(state): State<AppState>, who: Principal, Query(q): Query<ListQuery>) -> Result<Json<Value>> {
    let plans = plans(&state).list(&caller(&who), q.community.as_deref()).await?;
    Ok(Json(json!({ "plans": plans })))
}

pub async fn one(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>> {
    Ok(Json(shown_json(plans(&state).show(&caller(&who), &access, id).await?)))
}

#[derive(Deserialize)]
pub struct RenameBody {
    name: String,
}

pub async fn rename(State(state): State<AppState>, who: Principal, Path(id): Path<i64>, JsonBody(b): JsonBody<RenameBody>) -> Result<Json<Value>> {
    Ok(Json(json!(plans(&state).rename(&caller(&who), id, &b.name).await?)))
}

pub async fn remove(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<StatusCode> {
    plans(&state).delete(&caller(&who), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
