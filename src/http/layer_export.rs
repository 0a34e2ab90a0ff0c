//! `GET /api/v1/layers/{layer}/export?format=shp|kml|gpkg|geojson&encoding=utf-8|gbk`: a layer as a download for
//! QGIS, ArcGIS, 奥维互动地图 or Google Earth, masked as `/api/v1/layers/{layer}` is.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::error::Result;
use super::extract::{Path, Query};
use super::privacy::Access;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ExportQuery {
    /// shp (默认, Shapefile 压缩包), kml, gpkg (GeoPackage), geojson (the file's format)
    format: Option<String>,
    /// Shapefile 属性表的编码: utf-8 (默认) 或 gbk (the .dbf's text encoding)
    encoding: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/layers/{layer}/export", tag = "layers",
    summary = "导出图层为文件: Shapefile、KML、GeoPackage 或 GeoJSON (a layer as a file)",
    description = "Shapefile 为 zip (含 .shp .shx .dbf .prj .cpg, CGCS2000 经纬度); 住户同时有门点与院落时分为两个 Shapefile. \
        个人信息与图层读取一样按角色与范围脱敏; 无权查看住户者不能导出住户 (masked as the layer read; households refused \
        to callers who may not see them).",
    params(("layer" = String, Path, description = "图层名 (layer): county, towns, communities, villages, grids, units, households, addresses"),
        ExportQuery),
    responses((status = 200, description = "文件 (the file)", content(
        (Vec<u8> = "application/zip"), (String = "application/vnd.google-earth.kml+xml"),
        (Vec<u8> = "application/geopackage+sqlite3"), (super::api_doc::bodies::FeatureCollection = "application/geo+json")),
        headers(("content-disposition" = String, description = "attachment; filename=..."))),
        (status = 400, description = "格式或编码不支持 (unknown format or encoding)", body = super::api_doc::bodies::ErrorBody),
        (status = 403, description = "无权查看住户 (may not see households)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "没有此图层 (no such layer)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn layer_export(
    State(state): State<AppState>,
    access: Access,
    Path(layer): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<impl IntoResponse> {
    let atlas = state.atlas();
    let file = crate::app::layer_export::export_layer(&atlas, &access, &layer, q.format.as_deref(), q.encoding.as_deref()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, file.format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file.file_name)),
        ],
        file.bytes,
    ))
}
