//! `/health` and `/api/v1/meta`: is the server up, and what county does it hold.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use geo::BoundingRect;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

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

/// The county of the dataset.
#[derive(Serialize, ToSchema)]
pub struct County {
    pub code: String,
    pub name: String,
}

/// The CRSs: lon/lat as stored, and the metric one the atlas computes in.
#[derive(Serialize, ToSchema)]
pub struct Crs {
    /// `EPSG:4490` (CGCS2000 lon/lat).
    pub stored: String,
    /// The CGCS2000 Gauss-Kruger zone chosen from the data, e.g. `EPSG:4546`.
    pub metric: String,
}

/// What the server holds.
#[derive(Serialize, ToSchema)]
pub struct Meta {
    pub county: Option<County>,
    /// West, south, east, north in degrees, of the widest layer present.
    pub bbox: Option<[f64; 4]>,
    pub crs: Crs,
    /// Features per layer name (`county`, `towns`, `communities`, `villages`, `grids`, `units`, `households`).
    pub counts: BTreeMap<String, usize>,
    /// The store's revision the atlas was built from.
    pub revision: i64,
    /// The online basemaps the server offers (`tianditu`, `tianditu-img` with `serve --tianditu-key`); empty: the
    /// map works offline on the county's own layers.
    pub basemaps: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/meta", tag = "meta",
    summary = "数据集元数据: 县、范围、坐标系与各图层要素数 (dataset metadata)",
    responses((status = 200, description = "元数据 (metadata)", body = Meta)))]
pub(super) async fn meta(State(state): State<AppState>) -> Json<Meta> {
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
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
    let counts = atlas.counts().into_iter().map(|(l, n)| (l.name().to_string(), n)).collect();
    Json(Meta {
        county: county.map(|c| County { code: c.code.clone(), name: c.name().to_string() }),
        bbox,
        crs: Crs { stored: "EPSG:4490".into(), metric: format!("EPSG:{}", atlas.crs.epsg) },
        counts,
        revision: atlas.revision,
        basemaps: if state.tianditu().is_some() { vec!["tianditu".into(), "tianditu-img".into()] } else { vec![] },
    })
}
