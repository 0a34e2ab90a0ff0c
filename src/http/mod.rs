//! The HTTP API and the map page (axum). Handlers are thin: parse into domain types, ask the atlas or the
//! store, serialise. One router per resource.

use std::net::SocketAddr;

use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// Coverage completeness: the summary and the defects, cached per atlas.
pub mod coverage;
/// The merger crosswalk, cross-boundary households and their reassignment; the change log.
pub mod crosswalk;
/// The API error type and its JSON body.
pub mod error;
/// Every layer as GeoJSON, with bbox filtering.
pub mod layers;
/// Locate, search, nearest, and the households of a grid or unit.
pub mod locate;
/// Health and dataset metadata.
pub mod meta;
/// Masking of names and phones, and the access token that lifts it.
pub mod privacy;
/// Shared state: store and atlas.
pub mod state;
/// Hearing changes made by other servers or processes, and rebuilding the atlas.
pub mod watch;
/// The static map page.
pub mod web;

pub use state::AppState;

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(meta::router())
        .merge(layers::router())
        .merge(locate::router())
        .merge(crosswalk::router())
        .merge(coverage::router())
        .merge(web::router())
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Serves `app` on `listener` until ctrl-c.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    let watcher = watch::spawn(state.clone());
    tracing::info!(%addr, "serving http://{addr}/");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    watcher.abort();
    Ok(())
}
