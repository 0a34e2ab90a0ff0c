//! `GET /api/v1/plans/{id}/export?format=geojson|gpkg`: a draft as it would be published, as a download;
//! `GET /api/v1/plans/{id}/grids/{grid}/wallchart.png`: a draft grid's wall chart.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::super::AppState;
use super::super::access::Principal;
use super::super::error::Result;
use super::super::extract::{Path, Query};
use super::super::privacy::Access;
use super::super::wallchart::{ChartProps, place_of, render};
use super::{caller, plans};
use crate::app::plans::export::ExportFile;

#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

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
pub async fn wallchart(State(state): State<AppState>, access: Access, who: Principal, Path((id, grid)): Path<(i64, String)>) -> Result<Response> {
    let plans = plans(&state);
    let c = plans.chart(&caller(&who), id, &grid).await?;
    let atlas = plans.atlas().clone();
    let props = ChartProps::of(&c.properties, &grid, place_of(&atlas, &c.community), access.grid(&atlas, &grid), &state.public().people, c.footer);
    render(atlas, c.outline, c.neighbours, props).await
}
