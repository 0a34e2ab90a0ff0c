//! The map page: static files from web/, embedded in the binary so it runs from anywhere with no internet.

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use super::AppState;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

pub fn router() -> Router<AppState> {
    Router::new().fallback(asset)
}

async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match Assets::get(path) {
        Some(file) => {
            let mime = file.metadata.mimetype().to_string();
            // Vendored files are pinned by version: cache them; the app itself must not go stale.
            let cache = if path.starts_with("vendor/") { "public, max-age=86400" } else { "no-cache" };
            (
                [(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, cache.to_string())],
                Body::from(file.data.into_owned()),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, format!("没有此页面 (no such page): /{path}")).into_response(),
    }
}
