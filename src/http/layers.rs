//! `/api/v1/layers/{layer}`: a layer as GeoJSON, optionally only the features whose geometry meets a lon/lat box.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{Path, Query};
use super::error::{Error, Result};
use super::privacy::Access;
use super::AppState;
use super::caching;
use crate::atlas::bbox::BboxLonLat;
use crate::model::geojson_io::feature_json;
use crate::model::Layer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/layers/{layer}", get(layer))
        .route("/api/v1/layers/{layer}/export", get(super::layer_export::layer_export))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct LayerQuery {
    /// 范围 west,south,east,north (度), 经 R 树筛选 (a lon/lat box in degrees)
    #[param(example = "110.24,34.54,110.26,34.56")]
    bbox: Option<String>,
}

/// Parses `west,south,east,north` in degrees.
pub fn parse_bbox(s: &str) -> Result<BboxLonLat> {
    let bad = |why: &str| Error::BadRequest(format!("参数 bbox {s} 有误：{why}；应为 west,south,east,north（度） (bbox {s:?}: expected west,south,east,north in degrees)"));
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad("不是四个数 (not four numbers)"))?;
    let [west, south, east, north] = v[..] else { return Err(bad("不是四个数 (not four numbers)")) };
    if v.iter().any(|x| !x.is_finite()) {
        return Err(bad("含非有限数 (not finite)"));
    }
    if !(-180.0..=180.0).contains(&west) || !(-180.0..=180.0).contains(&east) {
        return Err(bad("经度超出 -180..180 (longitude outside -180..180)"));
    }
    if !(-90.0..=90.0).contains(&south) || !(-90.0..=90.0).contains(&north) {
        return Err(bad("纬度超出 -90..90，经纬度是否写反了？ (latitude outside -90..90: lon and lat swapped?)"));
    }
    if west > east || south > north {
        return Err(bad("西不能大于东，南不能大于北 (west must not exceed east, nor south north)"));
    }
    Ok(BboxLonLat { west, south, east, north })
}

#[utoipa::path(get, path = "/api/v1/layers/{layer}", tag = "layers",
    summary = "图层的 GeoJSON, 可按范围筛选 (a layer as GeoJSON)",
    description = "住户等个人信息按调用者的角色与范围脱敏; 无权查看住户者得到空集合与 `withheld` (personal data masked per caller; \
        households withheld from callers who may not see them).",
    params(("layer" = String, Path, description = "图层名 (layer): county, towns, communities, villages, grids, units, households, addresses"),
        LayerQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection", body = super::api_doc::bodies::FeatureCollection,
        content_type = "application/geo+json"),
        (status = 304, description = "未变: If-None-Match 与当前 ETag 相同 (not modified since the ETag given)"),
        (status = 404, description = "没有此图层 (no such layer)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn layer(
    State(state): State<AppState>,
    access: Access,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<LayerQuery>,
) -> Result<Response> {
    let layer: Layer = name.parse().map_err(|e: crate::model::layer::UnknownLayer| Error::NotFound(e.to_string()))?;
    let bbox = q.bbox.as_deref().map(parse_bbox).transpose()?;
    let atlas = state.atlas();
    // The answer follows the revision and the caller's masking alone: a page opened again fetches nothing new.
    let cache = caching::headers(atlas.revision, &access, None);
    if caching::not_modified(&headers, &caching::etag(atlas.revision, &access)) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let body = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
        let Some(idx) = atlas.layer(layer) else { return Ok(collection(&atlas, layer, &access, Vec::new())) };
        if layer == Layer::Households && !access.sees_households() {
            return Ok(withheld(layer));
        }
        let hits = match bbox {
            Some(b) => atlas.meeting_bbox(layer, b)?,
            None => (0..idx.len()).collect(),
        };
        Ok(collection(&atlas, layer, &access, hits))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;
    Ok((cache, [(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}

/// An empty FeatureCollection saying why (households for a caller who may not see them).
fn withheld(layer: Layer) -> Vec<u8> {
    let body = serde_json::json!({
        "type": "FeatureCollection", "name": layer.name(), "features": [],
        "withheld": true, "message": crate::app::privacy::WITHHELD,
    });
    serde_json::to_vec(&body).expect("serialisable")
}

/// A FeatureCollection of the features at `indexes` of `layer`, their properties as `access` may see them.
fn collection(atlas: &crate::atlas::Atlas, layer: Layer, access: &Access, indexes: Vec<usize>) -> Vec<u8> {
    let mut out = format!("{{\"type\":\"FeatureCollection\",\"name\":\"{}\",\"features\":[", layer.name()).into_bytes();
    let features = atlas.layer(layer).map_or(&[][..], |l| &l.features[..]);
    for (n, i) in indexes.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let mut v = feature_json(&features[i]);
        v["properties"] = serde_json::Value::Object(access.properties(atlas, layer, i));
        serde_json::to_writer(&mut out, &v).expect("writing to a Vec cannot fail");
    }
    out.extend_from_slice(b"]}");
    out
}
