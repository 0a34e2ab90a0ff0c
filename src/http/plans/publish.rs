//! `POST /api/v1/plans/{id}/publish`: publishing a draft (409 when stale, 422 listing the defects still to
//! acknowledge); `GET /api/v1/plans/versions`: the community's published versions.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::AppState;
use super::super::access::Principal;
use super::super::error::Result;
use super::super::extract::{JsonBody, Path, Query};
use super::{caller, plans};
use crate::atlas::plan::publish::Acknowledgement;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    #[serde(default)]
    acknowledge: Vec<Acknowledgement>,
    /// Renumber the whole community by the coding rule (else grids that persist keep their codes).
    #[serde(default)]
    renumber: bool,
}

pub async fn publish(State(state): State<AppState>, who: Principal, Path(id): Path<i64>, JsonBody(b): JsonBody<PublishBody>) -> Result<Json<Value>> {
    let p = plans(&state).publish(&caller(&who), id, &b.acknowledge, b.renumber).await?;
    // The store moved on: the answer names the atlas revision that shows the publication.
    state.reload_if_changed().await?;
    Ok(Json(json!({
        "version": p.version,
        "community": p.community,
        "published_by": p.published_by,
        "codes": p.codes,
        "grids": p.grids,
        "households_moved": p.households_moved,
        "units_moved": p.units_moved,
        "revision": state.atlas().revision,
    })))
}

#[derive(Deserialize)]
pub struct VersionsQuery {
    community: String,
}

pub async fn versions(State(state): State<AppState>, who: Principal, Query(q): Query<VersionsQuery>) -> Result<Json<Value>> {
    let versions = plans(&state).versions(&caller(&who), &q.community).await?;
    Ok(Json(json!({ "community": q.community, "versions": versions })))
}
