//! The HTTP API and the map page (axum). Handlers are thin: parse into domain types, call the application
//! layer ([`crate::app`]) or the atlas, serialise. One router per resource.

use std::net::SocketAddr;

use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// The route table of who may call what, and the middleware enforcing it.
pub mod access;
/// The OpenAPI document of `/api/v1` (`/api/openapi.json`), generated from the handlers, and its page (`/api/docs`).
pub mod api_doc;
/// Sign-in, sign-out, password change, API tokens; the accounts list and the audit log for the admin.
pub mod session;
/// Security headers and request body limits.
pub mod hardening;
/// Coverage completeness: the summary and the defects, cached per atlas.
pub mod coverage;
/// The merger crosswalk, cross-boundary households and their reassignment; the change log.
pub mod crosswalk;
/// The API error type and its JSON body.
pub mod error;
/// The one JSON body extractor (and query and path), refusing bad input in the error body format.
pub mod extract;
/// ETags and Cache-Control for answers that follow the store's revision and the caller's masking.
pub mod caching;
/// Every layer as GeoJSON, with bbox filtering.
pub mod layers;
/// `/api/v1/basemap/tianditu/...`: 天地图 tiles through the server.
pub mod basemap;
/// `/api/v1/imports`: the web import (upload, preview, commit, cancel).
pub mod imports;
/// `/api/v1/layers/{layer}/export`: a layer as a Shapefile zip, KML, GeoPackage or GeoJSON download.
pub mod layer_export;
/// Locate, search, nearest, and the households of a grid or unit.
pub mod locate;
/// Health and dataset metadata.
pub mod meta;
/// OGC API – Features at `/ogcapi`: every layer and the coverage defects for GIS clients.
pub mod ogcapi;
/// Planners' drafts: edits, live statistics, diff and publishing.
pub mod plans;
/// The request's privacy access for handlers (the policy is [`crate::app::privacy`]).
pub mod privacy;
/// The public page of a plate's code (`/g/{code}`): grid, manager, community, as the county publishes them.
pub mod public;
/// Visits to households (民情联系) and the contact coverage they make, with its XLSX.
pub mod visits;
/// Printable wall charts of grids (PNG).
pub mod wallchart;
/// QR door plates of a grid, community or unit (PNG sheet, PDF on A4 pages).
pub mod plates;
/// A grid's notice (网格公示牌) as PNG or PDF, A4 or A3.
pub mod notice;
/// Hearing changes made by other servers or processes, and rebuilding the atlas.
pub mod watch;
/// Vector tiles (MVT) of every layer and the coverage defects, with TileJSON.
pub mod tiles;
/// The static map page.
pub mod web;

/// The shared state every handler extracts (store and atlas), kept at this path for the handlers.
pub use crate::app::state::AppState;

/// The whole application.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(meta::router())
        .merge(layers::router())
        .merge(locate::router())
        .merge(crosswalk::router())
        .merge(coverage::router())
        .merge(session::router())
        .merge(plans::router())
        .merge(wallchart::router())
        .merge(plates::router())
        .merge(notice::router())
        .merge(ogcapi::router())
        .merge(public::router())
        .merge(api_doc::router())
        .merge(tiles::router())
        .merge(visits::router())
        .merge(imports::router())
        .merge(basemap::router())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), access::authorize));
    hardening::apply(api.merge(web::router()).with_state(state))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Serves `app` on `listener` until ctrl-c.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    let watcher = watch::spawn(state.clone());
    tracing::info!(%addr, "serving http://{addr}/");
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    watcher.abort();
    Ok(())
}
