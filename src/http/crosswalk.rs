//! `/api/v1/crosswalk`: the 93→28 merger crosswalk, cross-boundary households, and their reassignment.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use serde_json::{Value, json};

use super::extract::Query;
use super::AppState;
use super::error::{Error, Result};
use super::access::Principal;
use super::privacy::Access;
use crate::app::crosswalk::{self, Memo, visible, visible_proposal};
use crate::atlas::Atlas;
use crate::atlas::crosswalk::CrossHousehold;
use crate::export::{self, crosswalk as tables};
use crate::model::Layer;
use crate::store::LayerStore;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/crosswalk", get(crosswalk))
        .route("/api/v1/crosswalk/households", get(households))
        .route("/api/v1/crosswalk/reassignment", get(proposal).post(apply))
        .route("/api/v1/changes", get(changes))
}

async fn compute(state: &AppState) -> Result<(Arc<Atlas>, Arc<Memo>)> {
    let atlas = state.atlas();
    let a = atlas.clone();
    let memo = tokio::task::spawn_blocking(move || crosswalk::of(&a)).await.map_err(|e| Error::Internal(e.into()))?;
    Ok((atlas, memo))
}

#[derive(Deserialize)]
pub(super) struct FormatQuery {
    format: Option<String>,
    community: Option<String>,
}

/// The `community` filter's description, one for every route that takes it.
const COMMUNITY: &str = "社区编码: 只看与该社区有关的住户 (a community code)";

fn check_community(atlas: &Atlas, code: Option<&str>) -> Result<()> {
    if let Some(c) = code
        && atlas.layer(Layer::Communities).and_then(|l| l.get(c)).is_none()
    {
        return Err(Error::NotFound(format!("社区 {c} 不在数据中 (community {c:?} is not in the dataset)")));
    }
    Ok(())
}

fn download(body: Vec<u8>, content_type: &str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        body,
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv; charset=utf-8";

fn bad_format(f: &str, allowed: &str) -> Error {
    Error::BadRequest(format!("格式 {f} 不可用，可选 {allowed} (format {f:?} is not one of {allowed})"))
}

#[utoipa::path(get, path = "/api/v1/crosswalk", tag = "crosswalk",
    summary = "合并对照: 93 个原行政村对 28 个社区的面积与户数占比 (the merger crosswalk)",
    params(("format" = Option<String>, Query, description = "json (默认)、csv (原行政村表)、xlsx (三张表) (output format)")),
    responses((status = 200, description = "对照表 (the crosswalk)", content(
        (super::api_doc::bodies::Crosswalk = "application/json"), (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
pub(super) async fn crosswalk(State(state): State<AppState>, access: Access, Query(q): Query<FormatQuery>) -> Result<Response> {
    let (atlas, memo) = compute(&state).await?;
    let cw = &memo.0;
    match q.format.as_deref().unwrap_or("json") {
        "json" => {
            let split = cw.villages.iter().filter(|v| v.split).count();
            let off_target = cw.villages.iter().filter(|v| !v.target_holds_most).count();
            Ok(Json(json!({
                "summary": {
                    "villages": cw.villages.len(),
                    "communities": cw.communities.len(),
                    "split_villages": split,
                    "villages_mostly_outside_target": off_target,
                    "cross_boundary_households": cw.households.len(),
                },
                "villages": cw.villages,
                "communities": cw.communities,
            }))
            .into_response())
        }
        "csv" => Ok(download(tables::villages_table(cw).to_csv().into_bytes(), CSV, "crosswalk-villages.csv")),
        "xlsx" => {
            let book = export::to_xlsx(&[
                tables::villages_table(cw),
                tables::communities_table(cw),
                tables::households_table(&visible(&atlas, &cw.households, &access)),
            ])
            .map_err(|e| Error::Internal(e.into()))?;
            Ok(download(book, XLSX, "crosswalk.xlsx"))
        }
        other => Err(bad_format(other, "json, csv, xlsx")),
    }
}

fn households_geojson(hh: &[&CrossHousehold]) -> Value {
    let mut features = Vec::with_capacity(hh.len() * 2);
    for h in hh {
        let props = serde_json::to_value(h).expect("serialisable");
        if let Some(v) = h.village_lonlat {
            features.push(json!({
                "type": "Feature",
                "properties": { "kind": "link", "code": h.code, "reasons": h.reasons },
                "geometry": { "type": "LineString", "coordinates": [v, h.lonlat] },
            }));
        }
        let mut p = props;
        p["kind"] = "household".into();
        features.push(json!({ "type": "Feature", "properties": p, "geometry": { "type": "Point", "coordinates": h.lonlat } }));
    }
    json!({ "type": "FeatureCollection", "name": "cross_boundary_households", "features": features })
}

#[utoipa::path(get, path = "/api/v1/crosswalk/households", tag = "crosswalk",
    summary = "跨界住户: 登记地与所在地不一致的住户 (cross-boundary households)",
    description = "geojson 另有从登记村到住户的连线; 无权查看住户者只得到户数 (geojson adds a line from the registered village \
        to the household; callers who may not see households get the count only).",
    params(("format" = Option<String>, Query, description = "json (默认)、geojson、csv (output format)"),
        ("community" = Option<String>, Query, description = COMMUNITY)),
    responses((status = 200, description = "跨界住户 (cross-boundary households)", content(
        (super::api_doc::bodies::CrossHouseholds = "application/json"), (super::api_doc::bodies::FeatureCollection = "application/geo+json"), (String = "text/csv"))),
        (status = 404, description = "没有此社区 (no such community)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn households(State(state): State<AppState>, access: Access, Query(q): Query<FormatQuery>) -> Result<Response> {
    let (atlas, memo) = compute(&state).await?;
    check_community(&atlas, q.community.as_deref())?;
    let shown = visible(&atlas, &memo.0.households, &access);
    let hh: Vec<&CrossHousehold> = shown
        .iter()
        .filter(|h| {
            q.community.as_deref().is_none_or(|c| {
                h.located_community == c
                    || h.registered_community.as_deref() == Some(c)
                    || h.roster_grid_community.as_deref() == Some(c)
            })
        })
        .collect();
    match q.format.as_deref().unwrap_or("json") {
        "json" if !access.sees_households() => {
            let count = memo.0.households.len();
            Ok(Json(json!({ "count": count, "households": [], "withheld": true, "message": crate::app::privacy::WITHHELD })).into_response())
        }
        "json" => Ok(Json(json!({ "count": hh.len(), "households": hh })).into_response()),
        "geojson" => Ok(([(header::CONTENT_TYPE, "application/geo+json")], Json(households_geojson(&hh))).into_response()),
        "csv" => {
            let owned: Vec<CrossHousehold> = hh.into_iter().cloned().collect();
            Ok(download(tables::households_table(&owned).to_csv().into_bytes(), CSV, "cross-boundary-households.csv"))
        }
        other => Err(bad_format(other, "json, geojson, csv")),
    }
}

#[utoipa::path(get, path = "/api/v1/crosswalk/reassignment", tag = "crosswalk",
    summary = "调整建议: 每户跨界住户归入其所在网格, 各网格与网格员的增减 (the reassignment proposal)",
    params(("format" = Option<String>, Query, description = "json (默认)、csv (output format)"),
        ("community" = Option<String>, Query, description = COMMUNITY)),
    responses((status = 200, description = "调整建议 (the proposal)", content(
        (crate::atlas::reassign::Proposal = "application/json"), (String = "text/csv"))),
        (status = 404, description = "没有此社区 (no such community)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn proposal(State(state): State<AppState>, access: Access, Query(q): Query<FormatQuery>) -> Result<Response> {
    let (atlas, memo) = compute(&state).await?;
    check_community(&atlas, q.community.as_deref())?;
    let p = visible_proposal(&atlas, atlas.reassignment(&memo.0.households, q.community.as_deref()), &access);
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(p).into_response()),
        "csv" => Ok(download(tables::proposal_table(&p).to_csv().into_bytes(), CSV, "reassignment.csv")),
        other => Err(bad_format(other, "json, csv")),
    }
}

/// Who applies is the signed-in account; an unknown field (such as the former `applied_by`) is refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ApplyBody {
    /// Only households lying in this community; all when absent. `null` is refused: it would silently mean
    /// the whole county.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable = false)]
    community: Option<Option<String>>,
}

/// A field that is present, null or not: `Some(None)` for `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// What applying the reassignment did.
#[derive(Serialize, ToSchema)]
pub(super) struct Applied {
    /// Households whose roster grid changed (0: nothing to reassign).
    changed: usize,
    /// The store's revision after the write.
    revision: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
    /// The signed-in account that applied it.
    #[serde(skip_serializing_if = "Option::is_none")]
    applied_by: Option<String>,
    /// UTC, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<String>,
    /// Gains and losses per grid and manager.
    #[serde(skip_serializing_if = "Option::is_none")]
    grids: Option<Vec<crate::atlas::reassign::GridDiff>>,
}

#[utoipa::path(post, path = "/api/v1/crosswalk/reassignment", tag = "crosswalk",
    summary = "执行调整: 在一个事务中把跨界住户归入所在网格 (apply the reassignment)",
    description = "社区书记只能调整本社区, 县级管理员可调整全县; 重复执行不再改变 (a secretary applies it in their community, the \
        county admin anywhere; applying twice changes nothing). 变更日志与审计日志记录执行人与时间.",
    request_body = ApplyBody,
    responses((status = 200, description = "已执行 (applied)", body = Applied),
        (status = 404, description = "没有此社区 (no such community)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn apply(
    State(state): State<AppState>,
    access: Access,
    who: Principal,
    super::extract::JsonBody(body): super::extract::JsonBody<ApplyBody>,
) -> Result<Json<Applied>> {
    let community = match body.community {
        Some(None) => {
            return Err(Error::Unprocessable(
                "社区字段 community 不能为 null：只改一个社区请给出社区代码，改全县请省略该字段 (community must not be null; omit it for the whole county)".into(),
            ))
        }
        Some(Some(c)) => Some(c),
        None => None,
    };
    let done = crate::app::reassign::reassign(&state, community.as_deref(), &who.scope(), &who.as_actor()).await?;
    if done.changed == 0 {
        let message = Some("没有需要调整的住户 (nothing to reassign)");
        return Ok(Json(Applied { changed: 0, revision: done.revision, message, applied_by: None, at: None, grids: None }));
    }
    let grids = visible_proposal(&done.atlas, done.proposal, &access).grids;
    Ok(Json(Applied {
        changed: done.changed,
        revision: done.revision,
        message: None,
        applied_by: Some(who.actor()),
        at: done.at,
        grids: Some(grids),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ChangesQuery {
    /// 条数 (1 到 1000, 默认 50) (how many entries)
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// The change log, newest first.
#[derive(Serialize, ToSchema)]
pub(super) struct Changes {
    changes: Vec<crate::store::ChangeEntry>,
}

#[utoipa::path(get, path = "/api/v1/changes", tag = "crosswalk",
    summary = "变更日志, 最新在前 (the change log, newest first)",
    params(ChangesQuery),
    responses((status = 200, description = "变更 (changes)", body = Changes)))]
pub(super) async fn changes(State(state): State<AppState>, Query(q): Query<ChangesQuery>) -> Result<Json<Changes>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(Error::BadRequest(format!("条数 limit {limit} 须在 1 到 1000 之间 (limit {limit} must be between 1 and 1000)")));
    }
    Ok(Json(Changes { changes: state.store().changes(limit).await? }))
}
