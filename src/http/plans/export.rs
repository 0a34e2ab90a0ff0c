//! `GET /api/v1/plans/{id}/export?format=geojson|gpkg`: a draft as it would be published, as a download;
//! `GET /api/v1/plans/{id}/grids/{grid}/wallchart.png`: a draft grid's wall chart.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::super::AppState;
use super::super::access::Principal;
use super::super::error::Result;
use super::super::extract::{Path, Query};
use super::super::privacy::Access;
use super::super::wallchart::{ChartProps, place_of, render};
use super::{caller, plans};
use crate::app::plans::export::ExportFile;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// geojson (默认) 或 gpkg (GeoPackage) (the file's format)
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/plans/{id}/export", tag = "plans",
    summary = "导出草案: 按发布后的样子, GeoJSON 或 GeoPackage 下载 (a draft as a download)",
    params(("id" = i64, Path, description = "草案 id (the draft's id)"), ExportQuery),
    responses((status = 200, description = "文件 (the file)", content(
        (super::super::api_doc::bodies::FeatureCollection = "application/geo+json"), (Vec<u8> = "application/geopackage+sqlite3")),
        headers(("content-disposition" = String, description = "attachment; filename=..."))),
        (status = 404, description = "没有此草案 (no such draft)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn export(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>, Query(q): Query<ExportQuery>) -> Result<Response> {
    let e = plans(&state).export(&caller(&who), &access, id, q.format.as_deref()).await?;
    let (content_type, extension) = match &e.file {
        ExportFile::GeoJson(_) => ("application/geo+json", "geojson"),
        ExportFile::Gpkg(_) => ("application/geopackage+sqlite3", "gpkg"),
    };
    let headers = [
        (header::CONTENT_TYPE, content_type.to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.{extension}\"", e.stem)),
    ];
    Ok(match e.file {
        ExportFile::GeoJson(fc) => (headers, Json(fc)).into_response(),
        ExportFile::Gpkg(bytes) => (headers, bytes).into_response(),
    })
}

/// The wall chart of one grid of a draft, as it would be published.
#[utoipa::path(get, path = "/api/v1/plans/{id}/grids/{grid}/wallchart.png", tag = "wallchart",
    summary = "草案中一个网格的公示图 (A4 PNG) (a draft grid's wall chart)",
    params(("id" = i64, Path, description = "草案 id (the draft's id)"), ("grid" = String, Path, description = "草案中的网格 id (the grid's id in the draft)")),
    responses((status = 200, description = "PNG", content_type = "image/png", body = Vec<u8>),
        (status = 404, description = "没有此草案或网格 (no such draft or grid)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn wallchart(State(state): State<AppState>, access: Access, who: Principal, Path((id, grid)): Path<(i64, String)>) -> Result<Response> {
    let plans = plans(&state);
    let c = plans.chart(&caller(&who), id, &grid).await?;
    let atlas = plans.atlas().clone();
    let props = ChartProps::of(&c.properties, &grid, place_of(&atlas, &c.community), access.grid(&atlas, &grid), &state.public().people, c.footer);
    render(atlas, c.outline, c.neighbours, props).await
}
