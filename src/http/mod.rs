//! The HTTP API and the map page (axum). Handlers are thin: parse into domain types, ask the atlas or the
//! store, serialise. One router per resource.

use std::net::SocketAddr;

use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// The API error type and its JSON body.
pub mod error;
/// Every layer as GeoJSON, with bbox filtering.
pub mod layers;
/// Health and dataset metadata.
pub mod meta;
/// Shared state: store and atlas.
pub mod state;
/// The static map page.
pub mod web;

pub use state::AppState;

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(meta::router())
        .merge(layers::router())
        .merge(web::router())
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Serves `app` on `listener` until ctrl-c.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    tracing::info!(%addr, "serving http://{addr}/");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
