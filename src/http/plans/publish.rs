//! `POST /api/v1/plans/{id}/publish`: publishing a draft (409 when stale, 422 listing the defects still to
//! acknowledge); `GET /api/v1/plans/versions`: the community's published versions.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::AppState;
use super::super::access::Principal;
use super::super::error::Result;
use super::super::extract::{JsonBody, Path, Query};
use super::{caller, plans};
use crate::atlas::plan::publish::Acknowledgement;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// Each defect left, acknowledged with a reason.
    #[serde(default)]
    acknowledge: Vec<Acknowledgement>,
    /// Renumber the whole community by the coding rule (else grids that persist keep their codes).
    #[serde(default)]
    renumber: bool,
}

/// What a publication did.
#[derive(Serialize, ToSchema)]
pub struct PublishedView {
    /// The community's new plan version.
    version: i64,
    community: String,
    published_by: String,
    /// Draft grid id → the grid code it got.
    codes: BTreeMap<String, String>,
    /// How many grids the community has now.
    grids: usize,
    households_moved: usize,
    units_moved: usize,
    /// The atlas revision that shows the publication.
    revision: i64,
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/publish", tag = "plans",
    summary = "发布草案: 一个事务内按编码规则重编网格、迁移巷道楼栋与住户、保留历史版本 (publish a draft)",
    params(("id" = i64, Path, description = "草案 id (the draft's id)")),
    request_body = PublishBody,
    responses((status = 200, description = "已发布 (published)", body = PublishedView),
        (status = 404, description = "没有此草案 (no such draft)", body = super::super::api_doc::bodies::ErrorBody),
        (status = 409, description = "草案打开后社区已有新发布 (another plan was published since the draft was opened)", body = super::super::api_doc::bodies::ErrorBody),
        (status = 422, description = "尚有缺陷未确认, 见 unacknowledged (defects not acknowledged)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn publish(State(state): State<AppState>, who: Principal, Path(id): Path<i64>, JsonBody(b): JsonBody<PublishBody>) -> Result<Json<PublishedView>> {
    let p = plans(&state).publish(&caller(&who), id, &b.acknowledge, b.renumber).await?;
    // The store moved on: the answer names the atlas revision that shows the publication.
    state.reload_if_changed().await?;
    Ok(Json(PublishedView {
        version: p.version,
        community: p.community,
        published_by: p.published_by,
        codes: p.codes,
        grids: p.grids,
        households_moved: p.households_moved,
        units_moved: p.units_moved,
        revision: state.atlas().revision,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionsQuery {
    /// 社区编码 (the community's code)
    community: String,
}

/// A community's published versions.
#[derive(Serialize, ToSchema)]
pub struct Versions {
    community: String,
    versions: Vec<crate::store::PlanVersion>,
}

#[utoipa::path(get, path = "/api/v1/plans/versions", tag = "plans",
    summary = "社区已发布的各版本: 发布人、时间、前后网格 (published versions)",
    params(VersionsQuery),
    responses((status = 200, description = "版本 (versions)", body = Versions),
        (status = 404, description = "没有此社区 (no such community)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn versions(State(state): State<AppState>, who: Principal, Query(q): Query<VersionsQuery>) -> Result<Json<Versions>> {
    let versions = plans(&state).versions(&caller(&who), &q.community).await?;
    Ok(Json(Versions { community: q.community, versions }))
}
