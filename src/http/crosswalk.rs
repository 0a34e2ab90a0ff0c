//! `/api/v1/crosswalk`: the 93→28 merger crosswalk, cross-boundary households, and their reassignment.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
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
struct FormatQuery {
    format: Option<String>,
    community: Option<String>,
}

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

async fn crosswalk(State(state): State<AppState>, access: Access, Query(q): Query<FormatQuery>) -> Result<Response> {
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

async fn households(State(state): State<AppState>, access: Access, Query(q): Query<FormatQuery>) -> Result<Response> {
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

async fn proposal(State(state): State<AppState>, access: Access, Query(q): Query<FormatQuery>) -> Result<Response> {
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
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyBody {
    /// Only households lying in this community; all when absent. `null` is refused: it would silently mean
    /// the whole county.
    #[serde(default, deserialize_with = "present")]
    community: Option<Option<String>>,
}

/// A field that is present, null or not: `Some(None)` for `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

async fn apply(
    State(state): State<AppState>,
    access: Access,
    who: Principal,
    super::extract::JsonBody(body): super::extract::JsonBody<ApplyBody>,
) -> Result<Json<Value>> {
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
        return Ok(Json(json!({ "changed": 0, "revision": done.revision, "message": "没有需要调整的住户 (nothing to reassign)" })));
    }
    Ok(Json(json!({
        "changed": done.changed,
        "revision": done.revision,
        "applied_by": who.actor(),
        "at": done.at,
        "grids": visible_proposal(&done.atlas, done.proposal, &access).grids,
    })))
}

#[derive(Deserialize)]
struct ChangesQuery {
    limit: Option<i64>,
}

async fn changes(State(state): State<AppState>, Query(q): Query<ChangesQuery>) -> Result<Json<Value>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(Error::BadRequest(format!("条数 limit {limit} 须在 1 到 1000 之间 (limit {limit} must be between 1 and 1000)")));
    }
    Ok(Json(json!({ "changes": state.store().changes(limit).await? })))
}
