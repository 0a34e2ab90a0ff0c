//! `GET /api/v1/basemap/tianditu/{layer}/{z}/{x}/{y}`: a 天地图 tile through the server, which holds the key and
//! keeps the tiles (see [`crate::app::basemap`]). Without `serve --tianditu-key` the route answers 404.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::AppState;
use super::error::{Error, Result};
use super::extract::Path;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/basemap/tianditu/{layer}/{z}/{x}/{y}", get(tianditu_tile))
}

#[utoipa::path(get, path = "/api/v1/basemap/tianditu/{layer}/{z}/{x}/{y}", tag = "meta",
    summary = "天地图瓦片, 经服务器取得并缓存 (a 天地图 basemap tile through the server)",
    description = "密钥只在服务器 (serve --tianditu-key); 取过的瓦片存于服务器, 断网时照常显示 (the key stays on the server; tiles \
        fetched once are served again offline). 未配置密钥时为 404.",
    params(("layer" = String, Path, description = "vec 矢量底图, cva 矢量注记, img 影像底图, cia 影像注记"),
        ("z" = u8, Path, description = "缩放级 0..=18 (zoom)"), ("x" = u32, Path, description = "列 (column)"),
        ("y" = u32, Path, description = "行 (row)")),
    responses((status = 200, description = "PNG 或 JPEG 瓦片 (the tile)", content(
        (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))),
        (status = 400, description = "瓦片超出范围 (tile out of range)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "未配置天地图, 或没有此图层 (no 天地图 key, or no such layer)", body = super::api_doc::bodies::ErrorBody),
        (status = 502, description = "天地图暂时无法访问 (the tile server failed)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn tianditu_tile(State(state): State<AppState>, Path((layer, z, x, y)): Path<(String, u8, u32, u32)>) -> Result<impl IntoResponse> {
    let Some(t) = state.tianditu() else {
        return Err(Error::NotFound("本服务器未配置天地图（serve --tianditu-key），地图不使用在线底图（no 天地图 key configured）".into()));
    };
    let tile = t.tile(&layer, z, x, y).await?;
    Ok((
        [
            (header::CONTENT_TYPE, tile.content_type),
            // A tile changes rarely; the browser keeps it a week (the server keeps it for good).
            (header::CACHE_CONTROL, "public, max-age=604800".to_string()),
        ],
        tile.bytes,
    ))
}
