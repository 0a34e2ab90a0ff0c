//! `/tiles`: Mapbox Vector Tiles of every layer and of the coverage defects (`/tiles/{name}/{z}/{x}/{y}.mvt`),
//! and a TileJSON 3.0.0 document for each (`/tiles/{name}.json`), encoded by [`crate::app::tiles`].
//!
//! Caching ([`super::caching`]): a tile depends on the store's revision and on how the caller is masked, and
//! on nothing else, so that pair is its ETag. TileJSON names the revision in its tile URLs (`?v=REV`): a tile asked for at the current
//! revision may be kept for a day (a new revision means new URLs); any other is revalidated every time.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::AppState;
use super::caching::{etag, not_modified};
use super::error::{Error, Result};
use super::extract::{Path, Query};
use super::ogcapi::collections::{Catalogue, Collection};
use super::privacy::Access;
use crate::app::tiles::{MAXZOOM, Source};
use crate::atlas::Atlas;
use crate::export::mvt::TileId;

/// The media type of a vector tile.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

pub fn router() -> Router<AppState> {
    // The router matches whole segments only: `{name}` is `grids.json`, `{y}` is `12.mvt`.
    Router::new().route("/tiles/{name}", get(tilejson)).route("/tiles/{name}/{z}/{x}/{y}", get(tile))
}

#[derive(Deserialize)]
struct TileQuery {
    /// The revision the tile URL was made at (TileJSON's `?v=`).
    v: Option<String>,
    /// An API token for clients that cannot send headers (taken by the access middleware), kept in TileJSON's
    /// tile URLs.
    token: Option<String>,
}

fn find(atlas: &Atlas, name: &str) -> Result<Source> {
    Source::find(atlas, name).ok_or_else(|| {
        let offered: Vec<&str> = atlas.layers().map(|(l, _)| l.name()).chain([crate::app::tiles::DEFECTS]).collect();
        Error::NotFound(format!("没有图层 {name:?} 的瓦片 (no tiles named {name:?}); 可用 (offered): {}", offered.join(", ")))
    })
}

/// `z`, `x` and `y.mvt` as a tile: a number that is not one is a 400 naming it, a tile that does not exist too.
fn parse_tile(z: &str, x: &str, y: &str) -> Result<TileId> {
    let Some(y) = y.strip_suffix(".mvt") else {
        return Err(Error::NotFound(format!("瓦片地址应以 .mvt 结尾，如 /tiles/grids/12/3300/1630.mvt (a tile's path ends in .mvt, not {y:?})")));
    };
    let int = |name: &str, v: &str| {
        v.parse::<u32>().map_err(|_| Error::BadRequest(format!("瓦片的 {name}={v:?} 不是非负整数 (tile {name} {v:?} is not a non-negative integer)")))
    };
    TileId::new(int("z", z)?, int("x", x)?, int("y", y)?).map_err(|e| Error::BadRequest(e.to_string()))
}

/// The caching headers of a tile or TileJSON at `revision`: a tile asked for at the current revision may be
/// kept for a day.
fn caching(revision: i64, access: &Access, q: &TileQuery) -> [(header::HeaderName, HeaderValue); 3] {
    let current = q.v.as_deref() == Some(revision.to_string().as_str());
    super::caching::headers(revision, access, current.then_some(86_400))
}

/// `GET /tiles/{name}/{z}/{x}/{y}.mvt`: one tile of a layer or of the coverage defects. Empty (zero bytes,
/// a valid tile) where there is nothing, below the source's minzoom, or for households to a caller who may not
/// see them.
async fn tile(
    State(state): State<AppState>,
    access: Access,
    headers: HeaderMap,
    Path((name, z, x, y)): Path<(String, String, String, String)>,
    Query(q): Query<TileQuery>,
) -> Result<Response> {
    let atlas = state.atlas();
    let source = find(&atlas, &name)?;
    let t = parse_tile(&z, &x, &y)?;
    let cache = caching(atlas.revision, &access, &q);
    if not_modified(&headers, &etag(atlas.revision, &access)) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let body = tokio::task::spawn_blocking(move || crate::app::tiles::tile(&atlas, source, t, &access))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    Ok((cache, [(header::CONTENT_TYPE, HeaderValue::from_static(MVT))], body).into_response())
}

/// `GET /tiles/{name}.json`: the TileJSON 3.0.0 of a layer or of the coverage defects.
async fn tilejson(
    State(state): State<AppState>,
    access: Access,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<TileQuery>,
) -> Result<Response> {
    let Some(name) = file.strip_suffix(".json") else {
        return Err(Error::NotFound(format!("没有 /tiles/{file}：TileJSON 在 /tiles/{{图层}}.json，瓦片在 /tiles/{{图层}}/{{z}}/{{x}}/{{y}}.mvt (TileJSON is at /tiles/NAME.json, tiles at /tiles/NAME/Z/X/Y.mvt)")));
    };
    let atlas = state.atlas();
    let source = find(&atlas, name)?;
    // The document names the current revision: it is revalidated every time, whatever `v` it was asked with.
    let cache = caching(atlas.revision, &access, &TileQuery { v: None, token: None });
    if not_modified(&headers, &etag(atlas.revision, &access)) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let mut query = vec![("v", atlas.revision.to_string())];
    query.extend(q.token.map(|t| ("token", t)));
    let url = format!(
        "{}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?{}",
        super::ogcapi::origin(&headers),
        source.name(),
        serde_urlencoded::to_string(&query).expect("pairs of strings encode")
    );
    let doc = tokio::task::spawn_blocking(move || document(&atlas, source, url)).await.map_err(|e| Error::Internal(e.into()))?;
    Ok((cache, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], axum::Json(doc)).into_response())
}

/// The TileJSON 3.0.0 of `source` with tiles at `url`: zooms, bounds from the data's extent, and the one
/// vector layer with every property its features carry and the type of each.
fn document(atlas: &Atlas, source: Source, url: String) -> Value {
    let collection = match source {
        Source::Layer(l) => Collection::Layer(l),
        Source::Defects => Collection::Defects,
    };
    let cat = Catalogue::of(atlas);
    let keys = cat.keys(collection);
    let fields = match source {
        Source::Layer(l) => field_types(&keys, atlas.layer(l).into_iter().flat_map(|i| i.features.iter().map(|f| &f.properties))),
        Source::Defects => {
            let cov = crate::app::coverage::of(atlas);
            field_types(&keys, cov.features.iter().filter_map(|(v, _, _)| v["properties"].as_object()))
        }
    };
    let (minzoom, name) = (source.minzoom(), source.name());
    let mut doc = json!({
        "tilejson": "3.0.0",
        "name": name,
        "description": collection.title(),
        "scheme": "xyz",
        "tiles": [url],
        "minzoom": minzoom,
        "maxzoom": MAXZOOM,
        "vector_layers": [{ "id": name, "description": collection.title(), "minzoom": minzoom, "maxzoom": MAXZOOM, "fields": fields }],
    });
    if let Some([w, s, e, n]) = cat.bbox(collection) {
        doc["bounds"] = json!([w, s, e, n]);
        doc["center"] = json!([(w + e) / 2.0, (s + n) / 2.0, minzoom.max(10)]);
    }
    doc
}

/// Each key's type as TileJSON describes fields (`String`, `Number`, `Boolean`), from the first feature that
/// has a value for it; arrays and objects travel as JSON text, so they are strings.
fn field_types<'a>(keys: &[&str], rows: impl Iterator<Item = &'a Map<String, Value>>) -> Map<String, Value> {
    let mut types: Vec<Option<&'static str>> = vec![None; keys.len()];
    for row in rows {
        for (k, t) in keys.iter().zip(types.iter_mut()).filter(|(_, t)| t.is_none()) {
            *t = match row.get(*k) {
                None | Some(Value::Null) => None,
                Some(Value::Number(_)) => Some("Number"),
                Some(Value::Bool(_)) => Some("Boolean"),
                Some(_) => Some("String"),
            };
        }
        if types.iter().all(Option::is_some) {
            break;
        }
    }
    keys.iter()
        .zip(types)
        .map(|(k, t)| {
            let counted = *k == crate::app::privacy::HOUSEHOLD_COUNT;
            ((*k).to_string(), Value::from(t.unwrap_or(if counted { "Number" } else { "String" })))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_are_parsed_or_refused_saying_which_part() {
        assert_eq!(parse_tile("12", "3300", "1630.mvt").unwrap(), TileId { z: 12, x: 3300, y: 1630 });
        assert!(matches!(parse_tile("12", "3300", "1630.png"), Err(Error::NotFound(_))));
        let Err(Error::BadRequest(m)) = parse_tile("z", "1", "1.mvt") else { panic!("accepted") };
        assert!(m.starts_with("瓦片的 z=\"z\" 不是非负整数"), "{m}");
        assert!(matches!(parse_tile("1", "-1", "0.mvt"), Err(Error::BadRequest(_))));
        assert!(matches!(parse_tile("1", "2", "0.mvt"), Err(Error::BadRequest(_))));
    }
}
