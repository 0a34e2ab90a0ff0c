//! OGC API – Features (Part 1: Core, GeoJSON, OpenAPI 3.0; Part 2: CRS by reference) at `/ogcapi`, so QGIS,
//! ArcGIS, GDAL (`OAPIF:`) and other platforms read the layers and the coverage defects live. Every layer of the
//! atlas is a collection, and so are the defects. The access middleware applies as on `/api/v1`: masking per
//! caller, scope, the audit of unmasked personal data, API tokens (also as `?token=`).

use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use super::error::{Error, Result};
use super::extract::{Path, Query};
use super::privacy::Access;
use collections::{Catalogue, Collection};
use crs::OgcCrs;
use items::ItemsQuery;

/// The collections (layers and defects), their schema and extent.
pub mod collections;
/// The CRSs a client may ask for, and bbox parsing in them.
pub mod crs;
/// Items: query parameters, paging, features with every property, masked per caller.
pub mod items;
/// The OpenAPI 3.0 document of `/ogcapi`.
pub mod openapi;

/// The conformance classes implemented.
pub const CONFORMANCE: [&str; 4] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ogcapi", get(landing))
        .route("/ogcapi/conformance", get(conformance))
        .route("/ogcapi/api", get(api))
        .route("/ogcapi/collections", get(collections))
        .route("/ogcapi/collections/{collection}", get(collection))
        .route("/ogcapi/collections/{collection}/items", get(items))
        .route("/ogcapi/collections/{collection}/items/{item}", get(item))
}

/// `http://host/ogcapi` as the client reached it, for absolute links.
fn base(headers: &HeaderMap) -> String {
    format!("{}/ogcapi", origin(headers))
}

/// `http://host` as the client reached it (`https` behind a proxy that says so), for absolute links.
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let proto = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).filter(|p| *p == "https").unwrap_or("http");
    format!("{proto}://{host}")
}

fn with_type(media: &'static str, body: Vec<u8>, crs: Option<OgcCrs>) -> Response {
    let mut r = ([(CONTENT_TYPE, media)], body).into_response();
    if let Some(c) = crs {
        r.headers_mut().insert("content-crs", HeaderValue::from_str(&format!("<{}>", c.uri())).expect("a URI is a header value"));
    }
    r
}

fn no_collection(id: &str, atlas: &crate::atlas::Atlas) -> Error {
    let ids: Vec<&str> = Collection::all(atlas).iter().map(|c| c.id()).collect();
    Error::NotFound(format!("没有集合 {id:?} (no such collection); 可用 (offered): {}", ids.join(", ")))
}

/// `GET /ogcapi`: the landing page.
async fn landing(headers: HeaderMap) -> Json<Value> {
    let b = base(&headers);
    Json(json!({
        "title": "gridmap 网格化管理 OGC API – Features",
        "description": "县、镇、社区、原行政村、网格、巷道楼栋、户各图层与覆盖缺陷 (every layer and the coverage defects)",
        "links": [
            { "href": b, "rel": "self", "type": "application/json", "title": "本页 (this document)" },
            { "href": format!("{b}/api"), "rel": "service-desc", "type": openapi::MEDIA_TYPE, "title": "OpenAPI 3.0 定义 (the API definition)" },
            { "href": format!("{b}/conformance"), "rel": "conformance", "type": "application/json", "title": "符合的标准类 (conformance classes)" },
            { "href": format!("{b}/collections"), "rel": "data", "type": "application/json", "title": "集合 (collections)" },
        ],
    }))
}

/// `GET /ogcapi/conformance`.
async fn conformance() -> Json<Value> {
    Json(json!({ "conformsTo": CONFORMANCE }))
}

/// `GET /ogcapi/api`: the OpenAPI 3.0 document.
async fn api(headers: HeaderMap) -> Response {
    let body = serde_json::to_vec(&openapi::document(&base(&headers))).expect("JSON values serialise");
    with_type(openapi::MEDIA_TYPE, body, None)
}

/// `GET /ogcapi/collections`.
async fn collections(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Value>> {
    let atlas = state.atlas();
    let b = base(&headers);
    let body = tokio::task::spawn_blocking(move || {
        let cat = Catalogue::of(&atlas);
        let list: Vec<Value> = Collection::all(&atlas).into_iter().map(|c| cat.describe(c, &b)).collect();
        json!({
            "links": [{ "href": format!("{b}/collections"), "rel": "self", "type": "application/json", "title": "集合 (collections)" }],
            "crs": OgcCrs::ALL.iter().map(|c| c.uri()).collect::<Vec<_>>(),
            "collections": list,
        })
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
    Ok(Json(body))
}

/// `GET /ogcapi/collections/{collection}`.
async fn collection(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Json<Value>> {
    let atlas = state.atlas();
    let c = Collection::find(&atlas, &id).ok_or_else(|| no_collection(&id, &atlas))?;
    let b = base(&headers);
    let v = tokio::task::spawn_blocking(move || Catalogue::of(&atlas).describe(c, &b)).await.map_err(|e| Error::Internal(e.into()))?;
    Ok(Json(v))
}

/// `GET /ogcapi/collections/{collection}/items`: one page of features.
async fn items(
    State(state): State<AppState>,
    access: Access,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let atlas = state.atlas();
    let c = Collection::find(&atlas, &id).ok_or_else(|| no_collection(&id, &atlas))?;
    let q = ItemsQuery::parse(&pairs)?;
    let b = base(&headers);
    let crs = q.crs;
    let body = tokio::task::spawn_blocking(move || items::page(&atlas, c, &access, &q, &b))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    Ok(with_type("application/geo+json", body, Some(crs)))
}

/// `GET /ogcapi/collections/{collection}/items/{item}`: one feature.
async fn item(
    State(state): State<AppState>,
    access: Access,
    headers: HeaderMap,
    Path((id, item)): Path<(String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let atlas = state.atlas();
    let c = Collection::find(&atlas, &id).ok_or_else(|| no_collection(&id, &atlas))?;
    if let Some((k, _)) = pairs.iter().find(|(k, _)| !["crs", "f", "token"].contains(&k.as_str())) {
        return Err(Error::BadRequest(format!("未知的查询参数 {k:?} (unknown query parameter); 可用 (known): crs, f, token")));
    }
    let crs = pairs.iter().rev().find(|(k, _)| k == "crs").map(|(_, v)| OgcCrs::parse(v)).transpose()?.unwrap_or(OgcCrs::Crs84);
    if c == Collection::Layer(crate::model::Layer::Households) && !access.sees_households() {
        return Err(Error::NotFound(crate::app::privacy::WITHHELD.into()));
    }
    let b = base(&headers);
    let body = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
        let i = items::find(&atlas, c, &access, &item)
            .ok_or_else(|| Error::NotFound(format!("集合 {} 中没有要素 {item:?} (no such feature)", c.id())))?;
        let cat = Catalogue::of(&atlas);
        let keys = cat.keys(c);
        let mut f = items::feature(&atlas, c, i, &access, crs, &keys);
        // An item found in the atlas has a code of digits: nothing to escape.
        let href = format!("{b}/collections/{}/items/{item}", c.id());
        f["links"] = json!([
            { "href": href, "rel": "self", "type": "application/geo+json", "title": "本要素 (this feature)" },
            { "href": format!("{b}/collections/{}", c.id()), "rel": "collection", "type": "application/json", "title": "集合 (the collection)" },
        ]);
        serde_json::to_vec(&f).map_err(|e| Error::Internal(e.into()))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;
    Ok(with_type("application/geo+json", body, Some(crs)))
}
