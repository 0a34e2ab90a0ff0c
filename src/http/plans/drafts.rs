//! `POST|GET /api/v1/plans`, `GET|PATCH|DELETE /api/v1/plans/{id}`: opening a draft, the drafts, one draft with
//! its statistics, renaming and deleting it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::super::AppState;
use super::super::access::Principal;
use super::super::error::Result;
use super::super::extract::{JsonBody, Path, Query};
use super::super::privacy::Access;
use super::{caller, plans};
use crate::app::plans::Shown;
use crate::atlas::plan::stats::Stats;
use crate::atlas::propose::Options;
use crate::model::geojson_io::geometry_json;

/// A draft as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct DraftView {
    pub id: i64,
    /// The community's code.
    pub community: String,
    pub name: String,
    pub author: String,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    /// The community's plan version the draft was copied from.
    pub base_version: i64,
    /// The community's plan version now: publishing is refused (409) when it moved on.
    pub current_version: i64,
    /// Whether another plan of the community was published since the draft was opened.
    pub stale: bool,
    /// How many times the draft was saved.
    pub edits: i64,
    pub can_undo: bool,
    pub can_redo: bool,
    /// The edits of the applied steps, oldest first.
    #[schema(value_type = Vec<crate::atlas::plan::Edit>)]
    pub steps: Vec<Value>,
    /// The draft's grids (lon/lat), each with its `id` (a published code it keeps, or `new-N`).
    #[schema(value_type = super::super::api_doc::bodies::FeatureCollection)]
    pub grids: Value,
    /// Live statistics: per grid households, people, band and pieces; blind spots, slivers and overlaps
    /// (`defects`, each with the `id` a publication acknowledges); households that change grid (`moves`).
    #[schema(value_type = Object)]
    pub stats: Stats,
    /// Only when the draft was opened with `propose`: the proposed grids' figures, the households changing
    /// manager, and why the band is not met if it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub proposal: Option<Value>,
}

/// A draft as the API shows it: its record, grids (GeoJSON), statistics and whether it is stale.
pub(super) fn shown_json(s: Shown) -> DraftView {
    let rec = &s.record;
    let features: Vec<Value> = s
        .grids
        .into_iter()
        .map(|(id, mut p, geometry)| {
            p.insert("id".into(), id.clone().into());
            json!({ "type": "Feature", "id": id, "properties": p, "geometry": geometry_json(&geo::Geometry::MultiPolygon(geometry)) })
        })
        .collect();
    DraftView {
        id: rec.id,
        community: rec.community.clone(),
        name: rec.name.clone(),
        author: rec.author.clone(),
        created_at: rec.created_at.clone(),
        updated_at: rec.updated_at.clone(),
        base_version: rec.base_version,
        current_version: s.current_version,
        stale: s.stale,
        edits: rec.edits,
        can_undo: rec.steps_done > 0,
        can_redo: rec.steps_total > rec.steps_done,
        steps: s.steps,
        grids: json!({ "type": "FeatureCollection", "features": features }),
        stats: s.stats,
        proposal: None,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// 社区编码 (the community's code)
    community: String,
    /// 草案名称 (the draft's name)
    name: String,
    /// Open the draft holding a proposal under these options instead of a copy of the published grids.
    #[serde(default)]
    propose: Option<Options>,
}

/// A new draft: a copy of the published grids, or a proposal (the same answer with `proposal` beside it: the
/// proposed grids' figures, the households changing manager and why the band is not met, if it is not).
#[utoipa::path(post, path = "/api/v1/plans", tag = "plans",
    summary = "新建草案: 复制社区现行网格, 或按 propose 自动划分 (open a draft)",
    description = "作者为登录账户; 只能在自己的范围内 (the author is the signed-in account; within the caller's scope).",
    request_body = CreateBody,
    responses((status = 201, description = "新草案 (the new draft)", body = DraftView),
        (status = 404, description = "没有此社区 (no such community)", body = super::super::api_doc::bodies::ErrorBody),
        (status = 422, description = "propose 选项无法满足 (the proposal's options cannot be met)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn create(State(state): State<AppState>, access: Access, who: Principal, JsonBody(b): JsonBody<CreateBody>) -> Result<Response> {
    let plans = plans(&state);
    let body = match b.propose {
        None => shown_json(plans.open(&caller(&who), &access, &b.community, &b.name).await?),
        Some(opts) => {
            let p = plans.open_proposed(&caller(&who), &access, &b.community, &b.name, opts).await?;
            let mut v = shown_json(p.shown);
            v.proposal = Some(json!(p.summary));
            v
        }
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 社区编码: 只看该社区的草案 (a community code)
    community: Option<String>,
}

/// Drafts in the caller's scope, without content.
#[derive(Serialize, ToSchema)]
pub struct DraftList {
    plans: Vec<crate::store::PlanRecord>,
}

#[utoipa::path(get, path = "/api/v1/plans", tag = "plans",
    summary = "草案列表, 不含内容 (drafts, without content)",
    params(ListQuery),
    responses((status = 200, description = "草案 (drafts)", body = DraftList)))]
pub async fn list(State(state): State<AppState>, who: Principal, Query(q): Query<ListQuery>) -> Result<Json<DraftList>> {
    let plans = plans(&state).list(&caller(&who), q.community.as_deref()).await?;
    Ok(Json(DraftList { plans }))
}

#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "plans",
    summary = "一个草案: 网格 (GeoJSON)、实时统计、是否过期 (one draft)",
    params(("id" = i64, Path, description = "草案 id (the draft's id)")),
    responses((status = 200, description = "草案 (the draft)", body = DraftView),
        (status = 404, description = "没有此草案 (no such draft)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn one(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<DraftView>> {
    Ok(Json(shown_json(plans(&state).show(&caller(&who), &access, id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct RenameBody {
    /// 新名称 (the new name)
    name: String,
}

#[utoipa::path(patch, path = "/api/v1/plans/{id}", tag = "plans",
    summary = "重命名草案 (rename a draft)",
    params(("id" = i64, Path, description = "草案 id (the draft's id)")),
    request_body = RenameBody,
    responses((status = 200, description = "草案记录 (the draft's record)", body = crate::store::PlanRecord),
        (status = 404, description = "没有此草案 (no such draft)", body = super::super::api_doc::bodies::ErrorBody),
        (status = 409, description = "草案同时被他人保存 (saved by someone else meanwhile)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn rename(State(state): State<AppState>, who: Principal, Path(id): Path<i64>, JsonBody(b): JsonBody<RenameBody>) -> Result<Json<crate::store::PlanRecord>> {
    Ok(Json(plans(&state).rename(&caller(&who), id, &b.name).await?))
}

#[utoipa::path(delete, path = "/api/v1/plans/{id}", tag = "plans",
    summary = "删除草案 (delete a draft)",
    params(("id" = i64, Path, description = "草案 id (the draft's id)")),
    responses((status = 204, description = "已删除 (deleted)"),
        (status = 404, description = "没有此草案 (no such draft)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn remove(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<StatusCode> {
    plans(&state).delete(&caller(&who), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
