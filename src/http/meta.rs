//! `/health` and `/api/v1/meta`: is the server up, and what county does it hold.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use geo::BoundingRect;
use serde_json::{Value, json};

use super::AppState;
use super::error::Result;
use crate::model::Layer;
use crate::store::LayerStore;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health)).route("/api/v1/meta", get(meta))
}

async fn health(State(state): State<AppState>) -> Result<Json<Value>> {
    let revision = state.store().revision().await?;
    Ok(Json(json!({ "status": "ok", "revision": revision, "store": state.store().describe() })))
}

async fn meta(State(state): State<AppState>) -> Json<Value> {
    let atlas = state.atlas();
    let county = atlas.layer(Layer::County).and_then(|l| l.features.first());
    // The extent in lon/lat, from the widest layer present.
    let bbox = Layer::ALL
        .iter()
        .filter_map(|l| atlas.layer(*l))
        .find(|l| !l.is_empty())
        .and_then(|l| {
            l.features.iter().filter_map(|f| f.geometry.bounding_rect()).reduce(|a, b| {
                geo::Rect::new(
                    geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            })
        })
        .map(|r| json!([r.min().x, r.min().y, r.max().x, r.max().y]));
    let counts: serde_json::Map<String, Value> =
        atlas.counts().into_iter().map(|(l, n)| (l.name().to_string(), json!(n))).collect();
    Json(json!({
        "county": county.map(|c| json!({ "code": c.code, "name": c.name() })),
        "bbox": bbox,
        "crs": { "stored": "EPSG:4490", "metric": format!("EPSG:{}", atlas.crs.epsg) },
        "counts": counts,
        "revision": atlas.revision,
    }))
}
