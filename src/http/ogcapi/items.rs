//! A collection's features as OGC API – Features gives them: the query parameters (`limit`, `offset`, `bbox`,
//! `bbox-crs`, `crs`, `datetime`), pages in a stable order (the layer's order in the atlas, so following `next`
//! loses and repeats nothing), every property on every feature, personal data masked per caller exactly as
//! `/api/v1/layers` masks it.

use serde_json::{Map, Value, json};

use super::collections::{Catalogue, Collection};
use super::crs::{OgcCrs, parse_bbox};
use super::super::error::{Error, Result};
use super::super::privacy::Access;
use crate::accounts::clock;
use crate::atlas::Atlas;
use crate::atlas::bbox::BboxLonLat;
use crate::model::Layer;
use crate::model::geojson_io::geometry_json;

/// Features in a page when the client gives no `limit`.
pub const LIMIT_DEFAULT: usize = 100;
/// The most features in one page; a larger `limit` is clamped to it.
pub const LIMIT_MAX: usize = 10_000;
/// The query parameters items take (`token` is the caller's API token, for clients that cannot send headers;
/// `f` names the format, JSON being the only one).
pub const PARAMS: [&str; 8] = ["limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f", "token"];

/// A parsed items query.
#[derive(Clone, Debug)]
pub struct ItemsQuery {
    pub limit: usize,
    pub offset: usize,
    pub bbox: Option<BboxLonLat>,
    pub crs: OgcCrs,
    /// The parameters to repeat in `self` and `next` links (all but `offset` and `token`).
    keep: Vec<(String, String)>,
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

impl ItemsQuery {
    /// Parses the query string's pairs; an unknown parameter or a bad value is a 400 saying which and why.
    pub fn parse(pairs: &[(String, String)]) -> Result<ItemsQuery> {
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !PARAMS.contains(&k.as_str())) {
            return Err(Error::BadRequest(format!(
                "未知的查询参数 {k:?} (unknown query parameter); 可用 (known): {}",
                PARAMS.join(", ")
            )));
        }
        let int = |name: &str, min: usize| -> Result<Option<usize>> {
            let Some(v) = param(pairs, name) else { return Ok(None) };
            match v.trim().parse::<usize>() {
                Ok(n) if n >= min => Ok(Some(n)),
                _ => Err(Error::BadRequest(format!("{name}={v:?}: 应为不小于 {min} 的整数 (expected an integer of at least {min})"))),
            }
        };
        let limit = int("limit", 1)?.unwrap_or(LIMIT_DEFAULT).min(LIMIT_MAX);
        let offset = int("offset", 0)?.unwrap_or(0);
        let crs = param(pairs, "crs").map(OgcCrs::parse).transpose()?.unwrap_or(OgcCrs::Crs84);
        let bbox_crs = param(pairs, "bbox-crs").map(OgcCrs::parse).transpose()?;
        let bbox = param(pairs, "bbox").map(|b| parse_bbox(b, bbox_crs.unwrap_or(OgcCrs::Crs84))).transpose()?;
        if bbox_crs.is_some() && bbox.is_none() {
            return Err(Error::BadRequest("bbox-crs 需与 bbox 同时给出 (bbox-crs without bbox)".into()));
        }
        if let Some(f) = param(pairs, "f")
            && !matches!(f, "json" | "geojson" | "application/geo+json" | "application/json")
        {
            return Err(Error::BadRequest(format!("f={f:?}: 只提供 GeoJSON (only json is offered)")));
        }
        // No feature has a time: a datetime filter keeps them all (OGC API – Features, /req/core/fc-time-response).
        let keep = pairs.iter().filter(|(k, _)| k != "offset" && k != "token").cloned().collect();
        Ok(ItemsQuery { limit, offset, bbox, crs, keep })
    }

    fn href(&self, base: &str, c: Collection, offset: usize) -> String {
        let mut pairs = self.keep.clone();
        if offset > 0 {
            pairs.push(("offset".into(), offset.to_string()));
        }
        let q = serde_urlencoded::to_string(&pairs).expect("pairs of strings encode");
        let sep = if q.is_empty() { "" } else { "?" };
        format!("{base}/collections/{}/items{sep}{q}", c.id())
    }
}

/// Fills `props` to exactly `keys`, in that order, with null for those a feature lacks.
fn complete(mut props: Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for k in keys {
        out.insert((*k).to_string(), props.remove(*k).unwrap_or(Value::Null));
    }
    out.extend(props);
    out
}

/// Whether a defect's GeoJSON geometry (lon/lat) meets the box exactly.
fn meets(geometry: &Value, b: BboxLonLat) -> bool {
    let parsed = geojson::Geometry::from_json_value(geometry.clone()).ok().and_then(|g| geo::Geometry::<f64>::try_from(g).ok());
    parsed.is_some_and(|g| b.meets(&g))
}

/// The features of a collection a request may get, in their stable order: indexes into the layer, or into the
/// coverage defects.
/// Households, and defects naming them, are left out for a caller who may not see households
/// (`Access::sees_households`), as on `/api/v1`.
fn matched(atlas: &Atlas, c: Collection, access: &Access, bbox: Option<BboxLonLat>) -> Result<Vec<usize>> {
    Ok(match c {
        Collection::Layer(Layer::Households) if !access.sees_households() => Vec::new(),
        Collection::Layer(l) => match bbox {
            // Geometry, not envelope: an L-shaped grid whose envelope covers the box is not in it (OGC API –
            // Features, /req/core/fc-bbox-response).
            Some(b) => atlas.meeting_bbox(l, b)?,
            None => (0..atlas.layer(l).map_or(0, |i| i.len())).collect(),
        },
        Collection::Defects => {
            let cov = crate::app::coverage::of(atlas);
            (0..cov.features.len())
                .filter(|i| visible_defect(&cov.features[*i], access))
                .filter(|i| bbox.is_none_or(|b| meets(&cov.features[*i].0["geometry"], b)))
                .collect()
        }
    })
}

/// Feature `i` of collection `c` as GeoJSON in `crs`, with every property of the collection, masked as the
/// caller's access says.
pub fn feature(atlas: &Atlas, c: Collection, i: usize, access: &Access, crs: OgcCrs, keys: &[&str]) -> Value {
    let (id, mut geometry, props) = match c {
        Collection::Layer(layer) => {
            let f = &atlas.layer(layer).expect("a collection's layer is in its atlas").features[i];
            (Value::String(f.code.clone()), geometry_json(&f.geometry), access.properties(atlas, layer, i))
        }
        Collection::Defects => {
            let cov = crate::app::coverage::of(atlas);
            let v = &cov.features[i].0;
            let p = v["properties"].as_object().cloned().unwrap_or_default();
            (Value::from(i + 1), v["geometry"].clone(), p)
        }
    };
    if !geometry.is_null() {
        crs.transform_geometry(&mut geometry);
    }
    json!({ "type": "Feature", "id": id, "geometry": geometry, "properties": complete(props, keys) })
}

/// Whether a caller may see this defect: one naming households only when it may see households.
fn visible_defect(d: &(Value, crate::atlas::coverage::Kind, Vec<String>), access: &Access) -> bool {
    access.sees_households() || !crate::app::coverage::names_household(d.1, &d.0)
}

/// The index of the item with this id (a layer feature's code; a defect's number, from 1), if the caller may
/// see it (the item route refuses households to a caller who may not see them before it asks).
pub fn find(atlas: &Atlas, c: Collection, access: &Access, id: &str) -> Option<usize> {
    match c {
        Collection::Layer(l) => atlas.layer(l)?.index_of(id),
        Collection::Defects => {
            let n: usize = id.parse().ok()?;
            let cov = crate::app::coverage::of(atlas);
            (1..=cov.features.len()).contains(&n).then(|| n - 1).filter(|i| visible_defect(&cov.features[*i], access))
        }
    }
}

/// One page of items as a GeoJSON FeatureCollection, with `numberMatched`, `numberReturned` and the links.
pub fn page(atlas: &Atlas, c: Collection, access: &Access, q: &ItemsQuery, base: &str) -> Result<Vec<u8>> {
    let all = matched(atlas, c, access, q.bbox)?;
    let cat = Catalogue::of(atlas);
    let keys = cat.keys(c);
    let from = q.offset.min(all.len());
    let to = (from + q.limit).min(all.len());
    let mut links = vec![
        json!({ "href": q.href(base, c, q.offset), "rel": "self", "type": "application/geo+json", "title": "本页 (this page)" }),
        json!({ "href": format!("{base}/collections/{}", c.id()), "rel": "collection", "type": "application/json", "title": "集合 (the collection)" }),
    ];
    if to < all.len() {
        links.push(json!({ "href": q.href(base, c, to), "rel": "next", "type": "application/geo+json", "title": "下一页 (next page)" }));
    }
    if from > 0 {
        let prev = from.saturating_sub(q.limit);
        links.push(json!({ "href": q.href(base, c, prev), "rel": "prev", "type": "application/geo+json", "title": "上一页 (previous page)" }));
    }
    let head = json!({
        "type": "FeatureCollection",
        "timeStamp": clock::rfc3339(clock::now()),
        "numberMatched": all.len(),
        "numberReturned": to - from,
        "links": links,
    });
    // The head's members, then the features streamed one by one (a page may hold thousands).
    let mut out = serde_json::to_vec(&head).map_err(|e| Error::Internal(e.into()))?;
    out.pop(); // the closing brace
    out.extend_from_slice(b",\"features\":[");
    for (n, i) in all[from..to].iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &feature(atlas, c, *i, access, q.crs, &keys)).map_err(|e| Error::Internal(e.into()))?;
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}
