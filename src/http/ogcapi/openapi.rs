//! The OpenAPI 3.0 document of `/ogcapi` (the landing page's `service-desc`), written out by hand: it follows
//! the OGC API – Features Part 1 and Part 2 building blocks (parameters `limit`, `bbox`, `bbox-crs`, `crs`,
//! `datetime`), which clients read, `limit`'s default and maximum above all.

use serde_json::{Value, json};

use super::crs::OgcCrs;
use super::items::{LIMIT_DEFAULT, LIMIT_MAX};

/// The media type of this document.
pub const MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

fn ok(description: &str, media: &str, schema: Value) -> Value {
    json!({
        "200": { "description": description, "content": { media: { "schema": schema } } },
        "400": { "$ref": "#/components/responses/Error" },
        "404": { "$ref": "#/components/responses/Error" },
    })
}

/// The document, for a server at `base` (`http://host/ogcapi`).
pub fn document(base: &str) -> Value {
    let crs: Vec<&str> = OgcCrs::ALL.iter().map(|c| c.uri()).collect();
    let p = |name: &str| json!({ "$ref": format!("#/components/parameters/{name}") });
    let obj = json!({ "type": "object" });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "gridmap OGC API – Features",
            "description": "潼关县网格化管理的图层与覆盖缺陷, 供 QGIS、ArcGIS、GDAL 等读取 (the county's layers and coverage defects for GIS clients)",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "servers": [{ "url": base }],
        "paths": {
            "/": { "get": { "summary": "入口 (landing page)", "operationId": "getLandingPage", "parameters": [p("f")], "responses": ok("入口与链接 (landing page)", "application/json", obj.clone()) } },
            "/conformance": { "get": { "summary": "符合的标准类 (conformance classes)", "operationId": "getConformance", "parameters": [p("f")], "responses": ok("conformance", "application/json", obj.clone()) } },
            "/api": { "get": { "summary": "本文档 (this document)", "operationId": "getApi", "responses": ok("OpenAPI 3.0", MEDIA_TYPE, obj.clone()) } },
            "/collections": { "get": { "summary": "集合列表 (collections)", "operationId": "getCollections", "parameters": [p("f")], "responses": ok("collections", "application/json", obj.clone()) } },
            "/collections/{collectionId}": { "get": {
                "summary": "一个集合 (one collection)", "operationId": "describeCollection",
                "parameters": [p("collectionId"), p("f")],
                "responses": ok("collection", "application/json", obj.clone()),
            } },
            "/collections/{collectionId}/items": { "get": {
                "summary": "集合中的要素 (features)", "operationId": "getFeatures",
                "parameters": [p("collectionId"), p("limit"), p("offset"), p("bbox"), p("bbox-crs"), p("crs"), p("datetime"), p("f"), p("token")],
                "responses": ok("GeoJSON FeatureCollection", "application/geo+json", obj.clone()),
            } },
            "/collections/{collectionId}/items/{featureId}": { "get": {
                "summary": "一个要素 (one feature)", "operationId": "getFeature",
                "parameters": [p("collectionId"), p("featureId"), p("crs"), p("f"), p("token")],
                "responses": ok("GeoJSON Feature", "application/geo+json", obj),
            } },
        },
        "components": {
            "parameters": {
                "collectionId": { "name": "collectionId", "in": "path", "required": true, "description": "集合 id: 图层名或 coverage-defects", "schema": { "type": "string" } },
                "featureId": { "name": "featureId", "in": "path", "required": true, "description": "要素编码 (code); 缺陷为序号", "schema": { "type": "string" } },
                "limit": {
                    "name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": format!("每页要素数, 超过 {LIMIT_MAX} 按 {LIMIT_MAX} 计 (features per page; larger values are clamped)"),
                    "schema": { "type": "integer", "minimum": 1, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT },
                },
                "offset": { "name": "offset", "in": "query", "required": false, "description": "跳过的要素数, 由 next 链接给出 (features skipped; the next link sets it)", "schema": { "type": "integer", "minimum": 0, "default": 0 } },
                "bbox": {
                    "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "范围: 最小,最小,最大,最大, 按 bbox-crs 的轴序 (min,min,max,max in the axis order of bbox-crs, CRS84 by default)",
                    "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } },
                },
                "bbox-crs": { "name": "bbox-crs", "in": "query", "required": false, "schema": { "type": "string", "format": "uri", "enum": crs, "default": OgcCrs::Crs84.uri() } },
                "crs": { "name": "crs", "in": "query", "required": false, "description": "输出坐标系; EPSG:4490 为纬度在前 (output CRS; EPSG:4490 is lat, lon)", "schema": { "type": "string", "format": "uri", "enum": crs, "default": OgcCrs::Crs84.uri() } },
                "datetime": { "name": "datetime", "in": "query", "required": false, "description": "要素无时间属性, 不影响结果 (features carry no time: every feature matches)", "schema": { "type": "string" } },
                "f": { "name": "f", "in": "query", "required": false, "schema": { "type": "string", "enum": ["json"] } },
                "token": { "name": "token", "in": "query", "required": false, "description": "API 令牌 (gm_...), 供无法发送 Authorization 头的客户端 (an API token for clients that cannot send headers)", "schema": { "type": "string" } },
            },
            "responses": {
                "Error": { "description": "错误 (error)", "content": { "application/json": { "schema": {
                    "type": "object", "required": ["error"],
                    "properties": { "error": { "type": "object", "required": ["status", "message"], "properties": { "status": { "type": "integer" }, "message": { "type": "string" } } } },
                } } } },
            },
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "token": { "type": "apiKey", "in": "query", "name": "token" },
            },
        },
        "security": [{}, { "bearer": [] }, { "token": [] }],
    })
}
