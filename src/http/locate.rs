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
#[derive(Deserialize, Default)]
pub struct PointQuery {
    lon: Option<String>,
    lat: Option<String>,
    crs: Option<String>,
    radius_m: Option<String>,
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

async fn locate(State(state): State<AppState>, access: Access, Query(q): Query<PointQuery>) -> Result<Json<Value>> {
    let p = parse_point(q.lon.as_deref(), q.lat.as_deref(), q.crs.as_deref())?;
    let r = radius(q.radius_m.as_deref(), Some(DEFAULT_RADIUS_M))?.unwrap_or(DEFAULT_RADIUS_M);
    Ok(Json(locate_json(&state.atlas(), &p, r, &access)))
}

async fn nearest(State(state): State<AppState>, access: Access, Query(q): Query<PointQuery>) -> Result<Json<Value>> {
    let p = parse_point(q.lon.as_deref(), q.lat.as_deref(), q.crs.as_deref())?;
    let k = count("k", q.k.as_deref(), 5, MAX_K)?;
    let max = radius(q.radius_m.as_deref(), None)?;
    Ok(Json(nearest_json(&state.atlas(), &p, k, max, &access)))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    limit: Option<String>,
}

async fn search(State(state): State<AppState>, access: Access, Query(sq): Query<SearchQuery>) -> Result<Json<Value>> {
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

async fn grid_households(State(state): State<AppState>, access: Access, Path(code): Path<String>) -> Result<Json<Value>> {
    households_of(state, access, Layer::Grids, code).await
}

async fn unit_households(State(state): State<AppState>, access: Access, Path(code): Path<String>) -> Result<Json<Value>> {
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
