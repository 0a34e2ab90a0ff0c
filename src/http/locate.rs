//! Finding a household and the people responsible for it; the answers are [`crate::app::locate`]'s:
//!
//! - `GET /api/v1/locate?lon=&lat=&crs=wgs84|gcj02|bd09&radius_m=30`: who is responsible at a point (200 with
//!   `inside_county: false` outside the county).
//! - `GET /api/v1/search?q=&limit=10`: names, addresses, codes, pinyin.
//! - `GET /api/v1/nearest?lon=&lat=&crs=&k=5&radius_m=`: the k nearest households.
//! - `GET /api/v1/grids/{code}/households`, `GET /api/v1/units/{code}/households`.
//!
//! Personal data are masked unless the caller's role and scope cover the household ([`crate::app::privacy`]).
//! Bad parameters get a 400 that names the parameter and what is wrong with it.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use serde_json::Value;

use super::extract::{Path, Query};
use super::AppState;
use super::error::{Error, Result};
use super::privacy::Access;
use crate::app::locate::{MAX_RADIUS_M, households_json, locate_json, nearest_json, number, parse_point, search_json};
use crate::atlas::locate::DEFAULT_RADIUS_M;
use crate::model::Layer;

/// The locate, search, nearest and grid/unit household routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/locate", get(locate))
        .route("/api/v1/search", get(search))
        .route("/api/v1/nearest", get(nearest))
        .route("/api/v1/grids/{code}/households", get(grid_households))
        .route("/api/v1/units/{code}/households", get(unit_households))
}

/// Most households `nearest` returns.
pub const MAX_K: usize = 100;
/// Most hits `search` returns.
pub const MAX_LIMIT: usize = 50;
/// Longest query `search` accepts, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// Query parameters as given: every one a string, so that each can be checked and reported by name.
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointQuery {
    /// 经度 (longitude), 按 crs 给出
    #[param(value_type = f64, required = true, example = 110.2464)]
    lon: Option<String>,
    /// 纬度 (latitude)
    #[param(value_type = f64, required = true, example = 34.5443)]
    lat: Option<String>,
    /// 坐标系: wgs84 (默认, 同 CGCS2000)、gcj02 (高德、腾讯、微信)、bd09 (百度) (the point's CRS)
    #[param(value_type = Option<String>, example = "gcj02")]
    crs: Option<String>,
    /// 搜索半径 (米, 0 到 MAX_RADIUS_M); locate 默认 30 (radius in metres)
    #[param(value_type = Option<f64>)]
    radius_m: Option<String>,
    /// 最近住户数 (1 到 100, 默认 5) (how many households)
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    k: Option<String>,
}

fn radius(v: Option<&str>, default: Option<f64>) -> Result<Option<f64>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(s) => {
            let r = number("radius_m", Some(s), "metres")?;
            if !(0.0..=MAX_RADIUS_M).contains(&r) {
                return Err(Error::BadRequest(format!("搜索半径 radius_m {r} 须在 0 到 {MAX_RADIUS_M} 米之间 (radius_m {r} must be between 0 and {MAX_RADIUS_M} metres)")));
            }
            Ok(Some(r))
        }
    }
}

fn count(name: &str, v: Option<&str>, default: usize, max: usize) -> Result<usize> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(Error::BadRequest(format!("参数 {name} 的值 {s} 须是 1 到 {max} 的整数 ({name} {s:?} must be a whole number from 1 to {max})"))),
        },
    }
}

#[utoipa::path(get, path = "/api/v1/locate", tag = "locate",
    summary = "定位: 某点所属的镇、社区、网格与责任人 (locate)",
    description = "在县外时为 200 且 `inside_county: false`; 住户数据按调用者脱敏 (200 with inside_county false outside the county; \
        personal data masked per caller).",
    params(
        ("lon" = f64, Query, description = "经度 (longitude), 按 crs 给出"),
        ("lat" = f64, Query, description = "纬度 (latitude)"),
        ("crs" = Option<String>, Query, description = "坐标系: wgs84 (默认)、gcj02、bd09 (the point's CRS)"),
        ("radius_m" = Option<f64>, Query, description = "无所属网格时找最近住户的半径, 米, 默认 30 (radius for the nearest household)"),
    ),
    responses((status = 200, description = "责任链 (the chain of responsibility)", body = super::api_doc::bodies::Located)))]
pub(super) async fn locate(State(state): State<AppState>, access: Access, Query(q): Query<PointQuery>) -> Result<Json<Value>> {
    let p = parse_point(q.lon.as_deref(), q.lat.as_deref(), q.crs.as_deref())?;
    let r = radius(q.radius_m.as_deref(), Some(DEFAULT_RADIUS_M))?.unwrap_or(DEFAULT_RADIUS_M);
    Ok(Json(locate_json(&state.atlas(), &p, r, &access)))
}

#[utoipa::path(get, path = "/api/v1/nearest", tag = "locate",
    summary = "最近的 k 户 (the k nearest households)",
    params(PointQuery),
    responses((status = 200, description = "最近住户 (nearest households)", body = super::api_doc::bodies::Nearest)))]
pub(super) async fn nearest(State(state): State<AppState>, access: Access, Query(q): Query<PointQuery>) -> Result<Json<Value>> {
    let p = parse_point(q.lon.as_deref(), q.lat.as_deref(), q.crs.as_deref())?;
    let k = count("k", q.k.as_deref(), 5, MAX_K)?;
    let max = radius(q.radius_m.as_deref(), None)?;
    Ok(Json(nearest_json(&state.atlas(), &p, k, max, &access)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchQuery {
    /// 搜索词: 姓名、拼音或首字母、地址、编码 (a name, pinyin, initials, address or code), 至多 100 字
    #[param(required = true, example = "zhangsan")]
    q: Option<String>,
    /// 至多返回条数 (1 到 50, 默认 10) (most hits)
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    limit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "locate",
    summary = "搜索: 姓名、拼音、地址与编码 (search)",
    params(SearchQuery),
    responses((status = 200, description = "按相关度排序的结果 (ranked hits)", body = super::api_doc::bodies::SearchHits)))]
pub(super) async fn search(State(state): State<AppState>, access: Access, Query(sq): Query<SearchQuery>) -> Result<Json<Value>> {
    let q = sq.q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(Error::BadRequest("缺少搜索词 q：姓名、地址、编码或拼音 (q is required: a name, address, code or pinyin, e.g. q=zhangsan)".into()));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(Error::BadRequest(format!("搜索词 q 超过 {MAX_QUERY_CHARS} 个字符 (q is longer than {MAX_QUERY_CHARS} characters)")));
    }
    let limit = count("limit", sq.limit.as_deref(), 10, MAX_LIMIT)?;
    let atlas = state.atlas();
    let body = tokio::task::spawn_blocking(move || search_json(&atlas, &q, limit, &access))
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    Ok(Json(body))
}

#[utoipa::path(get, path = "/api/v1/grids/{code}/households", tag = "locate",
    summary = "网格的住户: 位于其中的与名册所列的 (a grid's households)",
    params(("code" = String, Path, description = "网格编码 (grid code)")),
    responses((status = 200, description = "住户列表 (households)", body = super::api_doc::bodies::HouseholdsOf),
        (status = 404, description = "没有此编码 (no such code)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn grid_households(State(state): State<AppState>, access: Access, Path(code): Path<String>) -> Result<Json<Value>> {
    households_of(state, access, Layer::Grids, code).await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/households", tag = "locate",
    summary = "巷道楼栋的住户: 位于其中的与名册所列的 (a unit's households)",
    params(("code" = String, Path, description = "巷道楼栋编码 (unit code)")),
    responses((status = 200, description = "住户列表 (households)", body = super::api_doc::bodies::HouseholdsOf),
        (status = 404, description = "没有此编码 (no such code)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn unit_households(State(state): State<AppState>, access: Access, Path(code): Path<String>) -> Result<Json<Value>> {
    households_of(state, access, Layer::Units, code).await
}

async fn households_of(state: AppState, access: Access, layer: Layer, code: String) -> Result<Json<Value>> {
    let atlas = state.atlas();
    let body = tokio::task::spawn_blocking(move || households_json(&atlas, layer, &code, &access))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    Ok(Json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radius_and_counts_are_bounded() {
        assert_eq!(radius(None, Some(30.0)).unwrap(), Some(30.0));
        assert!(radius(Some("-1"), None).is_err());
        assert!(radius(Some("5000"), None).is_err());
        assert_eq!(count("k", Some("7"), 5, MAX_K).unwrap(), 7);
        assert!(count("k", Some("0"), 5, MAX_K).is_err());
        assert!(count("k", Some("x"), 5, MAX_K).unwrap_err().to_string().contains("k \"x\""));
    }
}
