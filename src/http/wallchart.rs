//! Printable wall charts (网格公示图) of grids: `GET /api/v1/grids/{code}/wallchart.png` for a published grid,
//! `GET /api/v1/plans/{id}/grids/{grid}/wallchart.png` for a grid of a draft (see `plans.rs`). The manager's
//! name and phone are shown as the county publishes them ([`crate::app::publication`]), in full for a caller
//! who may see them anyway; households as dots only to those who may see them. A published grid's chart
//! carries the QR code of its public page (`{public url}/g/{code}`; without `--public-url`, under the address
//! the request came to).

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use geo::{BoundingRect, Intersects, MultiPolygon};

use super::extract::Path;
use super::AppState;
use super::error::{Error, Result};
use super::privacy::{Access, View};
use crate::accounts::clock;
use crate::app::publication::{Post, Publication};
use crate::atlas::Atlas;
use crate::export::wallchart::WallChart;
use crate::model::{Feature, Layer};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/grids/{code}/wallchart.png", get(published))
}

/// Lon/lat polygons of a stored feature.
pub fn outline(f: &Feature) -> MultiPolygon<f64> {
    match &f.geometry {
        geo::Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        geo::Geometry::MultiPolygon(mp) => mp.clone(),
        _ => MultiPolygon(vec![]),
    }
}

/// `城关街道 · 南新社区居委会` for a community code.
pub fn place_of(atlas: &Atlas, community: &str) -> String {
    let c = atlas.layer(Layer::Communities).and_then(|l| l.get(community));
    let town = c.and_then(|c| c.nonempty_prop("town_code")).and_then(|t| atlas.layer(Layer::Towns)?.get(t)).map(|t| t.name().to_string());
    [town, c.map(|c| c.name().to_string())].into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

/// The chart of `grid` over `atlas` with the grid's own properties (name, manager as `view` shows them) filled
/// in. Blocking: projects and places every unit and household near the grid.
pub fn chart(atlas: &Atlas, grid: &MultiPolygon<f64>, neighbours: &[(String, MultiPolygon<f64>)], props: ChartProps) -> std::result::Result<WallChart, String> {
    let mut chart = WallChart::from_atlas(atlas, grid, neighbours)?;
    chart.title = props.title;
    chart.code = props.code;
    chart.place = props.place;
    chart.manager = props.manager;
    chart.manager_phone = props.manager_phone;
    chart.footer = props.footer;
    chart.qr_url = props.qr_url;
    if !props.household_dots {
        chart.household_points.clear();
    }
    Ok(chart)
}

/// A chart ([`chart`]) rendered to PNG off the async runtime.
pub async fn render(atlas: std::sync::Arc<Atlas>, grid: MultiPolygon<f64>, neighbours: Vec<(String, MultiPolygon<f64>)>, props: ChartProps) -> Result<Response> {
    let png = tokio::task::spawn_blocking(move || chart(&atlas, &grid, &neighbours, props)?.png())
    .await
    .map_err(|e| Error::Internal(e.into()))?
    .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], png).into_response())
}

/// What a chart says of its grid, besides what the atlas tells.
pub struct ChartProps {
    pub title: String,
    pub code: String,
    pub place: String,
    pub manager: Option<String>,
    pub manager_phone: Option<String>,
    pub footer: String,
    /// Whether households show as dots (not for callers who may not see households; the count still shows).
    pub household_dots: bool,
    /// The grid's public page, as a QR code on the chart (none for a draft's grid).
    pub qr_url: Option<String>,
}

impl ChartProps {
    /// From a grid's properties, the manager as the county publishes them (in full where `view` is).
    pub fn of(props: &serde_json::Map<String, serde_json::Value>, code: &str, place: String, view: View, people: &Publication, footer: String) -> ChartProps {
        let get = |k: &str| props.get(k).and_then(serde_json::Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let manager = people.person(Post::Manager, props, view);
        ChartProps {
            title: get("name").unwrap_or(code).to_string(),
            code: code.to_string(),
            place,
            manager: manager.name.map(|n| n.text),
            manager_phone: manager.phone.map(|p| p.text),
            footer,
            household_dots: true,
            qr_url: None,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/grids/{code}/wallchart.png", tag = "wallchart",
    summary = "网格公示图 (A4 PNG): 网格、网格员及其电话按县里公开的口径 (a grid's wall chart)",
    params(("code" = String, Path, description = "网格编码 (the grid's code)")),
    responses((status = 200, description = "PNG", content_type = "image/png", body = Vec<u8>),
        (status = 404, description = "没有此网格 (no such grid)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn published(State(state): State<AppState>, access: Access, headers: HeaderMap, Path(code): Path<String>) -> Result<Response> {
    let p = published_chart(&state, &access, &code, &headers)?;
    render(p.atlas, p.grid, p.neighbours, p.props).await
}

/// What the chart of a published grid is drawn from.
pub struct Published {
    pub atlas: std::sync::Arc<Atlas>,
    /// The grid's lon/lat outline.
    pub grid: MultiPolygon<f64>,
    pub neighbours: Vec<(String, MultiPolygon<f64>)>,
    pub props: ChartProps,
}

/// The published grid `code` as its chart shows it to the caller of `access`, with the QR code of its page
/// under the public URL (or the request's own origin). Unknown grids are 404.
pub fn published_chart(state: &AppState, access: &Access, code: &str, headers: &HeaderMap) -> Result<Published> {
    let code = code.to_string();
    let atlas = state.atlas();
    let grids = atlas.layer(Layer::Grids).ok_or_else(|| Error::NotFound("没有载入网格 (no grids are loaded)".into()))?;
    let f = grids.get(&code).ok_or_else(|| Error::NotFound(format!("没有网格 {code} (no grid {code})")))?;
    let community = f.str_prop("community_code").unwrap_or_default().to_string();
    // Only grids near this one can show on its chart: the rest would be projected for nothing.
    let near = f.geometry.bounding_rect().map(|r| {
        let pad = r.width().max(r.height());
        geo::Rect::new((r.min().x - pad, r.min().y - pad), (r.max().x + pad, r.max().y + pad))
    });
    let neighbours: Vec<(String, MultiPolygon<f64>)> = grids
        .features
        .iter()
        .filter(|g| g.code != code && near.is_some_and(|n| g.geometry.bounding_rect().is_some_and(|r| r.intersects(&n))))
        .map(|g| (g.name().to_string(), outline(g)))
        .collect();
    let footer = format!("数据版本 {} · 制图 {}", atlas.revision, &clock::rfc3339(clock::now())[..10]);
    let mut props = ChartProps::of(&f.properties, &code, place_of(&atlas, &community), access.grid(&atlas, &code), &state.public().people, footer);
    props.household_dots = access.sees_households();
    props.qr_url = Some(state.public().page_url(&code, &super::ogcapi::origin(headers)));
    let grid = outline(f);
    Ok(Published { atlas: atlas.clone(), grid, neighbours, props })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_shows_the_manager_as_published_even_to_anonymous_callers() {
        let props = serde_json::json!({"name": "第1网格", "manager": "樊建军", "manager_phone": "13900000503"});
        let props = props.as_object().unwrap();
        let chart = ChartProps::of(props, "G1", String::new(), View::Masked, &Publication::default(), String::new());
        assert_eq!((chart.manager.as_deref(), chart.manager_phone.as_deref()), (Some("樊建军"), Some("13900000503")));
        let names_only: Publication = "manager=name".parse().unwrap();
        let chart = ChartProps::of(props, "G1", String::new(), View::Masked, &names_only, String::new());
        assert_eq!(chart.manager_phone.as_deref(), Some("139****0503"));
    }
}
