//! The locate view: the JSON a locate, search, nearest or grid/unit households answer is made of, with people
//! masked as the caller's [`Access`] says. `GET /api/v1/locate` and `gridmap locate` give the same object.
//!
//! - locate: the town, community (secretary), legacy village, grid (manager), unit (leader, head) and
//!   household at a point, or the nearest household within a radius. A point outside the county is a normal
//!   answer (`inside_county: false`, and a `message` saying so): a phone's position is often just over the line.
//! - search: each hit with its location and chain of responsible people.
//! - nearest: the k nearest households, distances in metres.
//! - households of a grid or unit: those that lie in it and those its roster names, each flagged.

use geo::BoundingRect;
use serde_json::{Map, Value, json};

use super::error::{Error, Result};
use super::privacy::{Access, View};
use crate::atlas::Atlas;
use crate::atlas::directory::{Chain, Directory};
use crate::atlas::locate::{HouseholdMatch, Located};
use crate::atlas::search::{MatchKind, SearchOptions, pinyin_spellings};
use crate::model::crs::InputCrs;
use crate::model::{Feature, Layer};

/// Largest radius a request may ask for, metres.
pub const MAX_RADIUS_M: f64 = 1000.0;
/// A checked point: stored lon/lat, and what was asked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueryPoint {
    pub lon: f64,
    pub lat: f64,
    pub crs: InputCrs,
    /// In stored lon/lat (WGS84 / CGCS2000).
    pub lonlat: (f64, f64),
}

/// Parses parameter `name` as a finite number; `example` says what is expected.
pub fn number(name: &str, v: Option<&str>, example: &str) -> Result<f64> {
    let v = v.map(str::trim).filter(|v| !v.is_empty()).ok_or_else(|| {
        Error::BadInput(format!("缺少参数 {name} ({name} is required: {example})"))
    })?;
    let x: f64 = v.parse().map_err(|_| Error::BadInput(format!("参数 {name} 的值 {v} 不是数字 ({name} {v:?} is not a number: {example})")))?;
    if !x.is_finite() {
        return Err(Error::BadInput(format!("参数 {name} 的值 {v} 不是有限数 ({name} {v:?} is not a finite number)")));
    }
    Ok(x)
}

/// Parses and checks `lon`, `lat` and `crs`, converting to stored lon/lat.
///
/// ```
/// use gridmap::app::locate::parse_point;
/// let p = parse_point(Some("110.25"), Some("34.55"), Some("gcj02")).unwrap();
/// assert!((p.lonlat.0 - 110.25).abs() < 0.01);
/// let e = parse_point(Some("34.55"), Some("110.25"), None).unwrap_err();
/// assert!(e.to_string().contains("swapped"));
/// ```
pub fn parse_point(lon: Option<&str>, lat: Option<&str>, crs: Option<&str>) -> Result<QueryPoint> {
    let lon_v = number("lon", lon, "longitude in degrees east, e.g. lon=110.25")?;
    let lat_v = number("lat", lat, "latitude in degrees north, e.g. lat=34.55")?;
    let crs = match crs.map(str::trim).filter(|c| !c.is_empty()) {
        None => InputCrs::Wgs84,
        Some(c) => match c.parse::<InputCrs>() {
            Ok(InputCrs::Epsg(code)) => {
                return Err(Error::BadInput(format!(
                    "此处不接受坐标系 EPSG:{code}，请用 wgs84（或 cgcs2000）、gcj02 或 bd09 (crs EPSG:{code} is not accepted here: use wgs84 (or cgcs2000), gcj02 or bd09)"
                )));
            }
            Ok(crs) => crs,
            Err(_) => return Err(Error::BadInput(format!("未知坐标系 {c}，请用 wgs84（或 cgcs2000）、gcj02 或 bd09 (crs {c:?} is unknown: use wgs84 (or cgcs2000), gcj02 or bd09)"))),
        },
    };
    let in_lat = |x: f64| (-90.0..=90.0).contains(&x);
    let in_lon = |x: f64| (-180.0..=180.0).contains(&x);
    if !in_lat(lat_v) {
        let (zh, en) = if in_lat(lon_v) && in_lon(lat_v) { ("，经纬度是否写反了？", " (lon and lat swapped?)") } else { ("", "") };
        return Err(Error::BadInput(format!("纬度 lat {lat_v} 超出 -90..90{zh} (lat {lat_v} is outside -90..90{en})")));
    }
    if !in_lon(lon_v) {
        return Err(Error::BadInput(format!("经度 lon {lon_v} 超出 -180..180 (lon {lon_v} is outside -180..180)")));
    }
    let lonlat = crs.to_lonlat(lon_v, lat_v).map_err(|e| Error::BadInput(e.to_string()))?;
    Ok(QueryPoint { lon: lon_v, lat: lat_v, crs, lonlat })
}

// --- JSON for each kind of feature, with people masked as the request may see them. ---

fn person(f: &Feature, key: &str, access: View) -> Value {
    f.nonempty_prop(key).map_or(Value::Null, |s| Value::String(access.name(s)))
}

fn phone(f: &Feature, key: &str, access: View) -> Value {
    f.nonempty_prop(key).map_or(Value::Null, |s| Value::String(access.phone(s)))
}

fn named(f: &Feature) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("code".into(), f.code.clone().into());
    m.insert("name".into(), f.name().into());
    m
}

/// A feature of `layer` as the API shows it: code, name and its people (masked as `access` says).
pub fn feature_summary(layer: Layer, f: &Feature, access: View) -> Value {
    let mut m = named(f);
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    match layer {
        Layer::Communities => {
            put("kind", f.str_prop("kind").map_or(Value::Null, Into::into));
            put("secretary", person(f, "secretary", access));
            put("secretary_phone", phone(f, "secretary_phone", access));
        }
        Layer::Villages => put("merged_into", f.str_prop("merged_into").map_or(Value::Null, Into::into)),
        Layer::Grids => {
            put("manager", person(f, "manager", access));
            put("manager_phone", phone(f, "manager_phone", access));
        }
        Layer::Units => {
            put("kind", f.str_prop("kind").map_or(Value::Null, Into::into));
            put("leader", person(f, "leader", access));
            put("head", person(f, "head", access));
            put("head_phone", phone(f, "head_phone", access));
        }
        Layer::Households => {
            m.remove("name");
            m.insert("head".into(), person(f, "head", access));
            m.insert("address".into(), f.str_prop("address").map_or(Value::Null, |a| access.address(a).into()));
            m.insert("phone".into(), phone(f, "phone", access));
            m.insert("members".into(), f.int_prop("members").map_or(Value::Null, Into::into));
            let tags = if access.masked() { None } else { f.properties.get("tags").cloned() };
            m.insert("tags".into(), tags.unwrap_or(Value::Array(vec![])));
            m.insert(
                "roster".into(),
                json!({ "grid_code": f.str_prop("grid_code"), "unit_code": f.str_prop("unit_code") }),
            );
        }
        // A door plate's address is public (it is on the street).
        Layer::Addresses => put("address", f.str_prop("address").map_or(Value::Null, Into::into)),
        Layer::County | Layer::Towns => {}
    }
    Value::Object(m)
}

/// A feature as `access` may see it (see [`Access::view`]).
pub fn shown(atlas: &Atlas, access: &Access, layer: Layer, f: &Feature, located_grid: Option<&str>) -> Value {
    feature_summary(layer, f, access.view(atlas, layer, f, located_grid))
}

fn at(atlas: &Atlas, layer: Layer, i: Option<usize>, access: &Access) -> Value {
    i.and_then(|i| atlas.layer(layer)?.features.get(i)).map_or(Value::Null, |f| shown(atlas, access, layer, f, None))
}

/// `{town, community, village, grid, unit}` of a chain, each null where unknown.
pub fn chain_json(atlas: &Atlas, c: &Chain, access: &Access) -> Value {
    json!({
        "town": at(atlas, Layer::Towns, c.town, access),
        "community": at(atlas, Layer::Communities, c.community, access),
        "village": at(atlas, Layer::Villages, c.village, access),
        "grid": at(atlas, Layer::Grids, c.grid, access),
        "unit": at(atlas, Layer::Units, c.unit, access),
    })
}

fn round(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

fn lonlat_json(c: Option<geo::Coord<f64>>) -> Value {
    c.map_or(Value::Null, |c| json!([round(c.x, 7), round(c.y, 7)]))
}

/// The point standing for a feature (a door point as it is), lon/lat.
fn point_of(f: &Feature) -> Option<geo::Coord<f64>> {
    crate::atlas::placement::representative_point(&f.geometry)
}

fn codes(atlas: &Atlas, layer: Layer, is: &[usize]) -> Vec<String> {
    let idx = atlas.layer(layer).expect("indexes come from this layer");
    is.iter().map(|&i| idx.features[i].code.clone()).collect()
}

fn query_json(p: &QueryPoint) -> Value {
    json!({ "lon": p.lon, "lat": p.lat, "crs": p.crs.to_string() })
}

/// The locate answer for a checked point.
pub fn locate_json(atlas: &Atlas, p: &QueryPoint, radius_m: f64, access: &Access) -> Value {
    let county = atlas.layer(Layer::County).and_then(|l| l.features.first());
    let county_name = county.map_or_else(|| "the county".to_string(), |c| format!("{} ({})", c.name(), c.code));
    let county_zh = county.map_or_else(|| "本县".to_string(), |c| c.name().to_string());
    let (lon, lat) = p.lonlat;
    let located: Option<Located> = atlas.locate(lon, lat, radius_m).ok();
    let Some(at_point) = located else {
        return json!({
            "query": query_json(p), "lonlat": [round(lon, 7), round(lat, 7)], "inside_county": false,
            "county": null, "town": null, "community": null, "village": null, "grid": null, "unit": null,
            "household": null, "also": {}, "radius_m": radius_m, "masked": access.masked(),
            "message": format!("此处远在{county_zh}范围之外 (({lon:.6}, {lat:.6}) is far outside {county_name})"),
        });
    };
    let first = |l: Layer| at_point.owner(l);
    // Household-level data only for callers who may see it; others get the grid's count instead.
    let sees = access.sees_households();
    let household = at_point.household.filter(|_| sees).map_or(Value::Null, |h| {
        let f = &atlas.layer(Layer::Households).expect("a match comes from the layer").features[h.index()];
        let located_grid = at_point.owner(Layer::Grids).map(|g| atlas.layer(Layer::Grids).expect("present").features[g].code.clone());
        let mut v = shown(atlas, access, Layer::Households, f, located_grid.as_deref());
        let m = v.as_object_mut().expect("an object");
        m.insert("match".into(), if matches!(h, HouseholdMatch::Inside { .. }) { "inside" } else { "nearest" }.into());
        m.insert("distance_m".into(), round(h.distance_m(), 1).into());
        v
    });
    let mut also = Map::new();
    for (layer, key) in [(Layer::Towns, "towns"), (Layer::Communities, "communities"), (Layer::Grids, "grids"), (Layer::Units, "units")] {
        let all = at_point.all(layer);
        if all.len() > 1 {
            also.insert(key.into(), codes(atlas, layer, &all[1..]).into());
        }
    }
    let grids = at_point.all(Layer::Grids);
    // Chinese first, naming places by name; the English and the codes follow in parentheses for support.
    let named = |layer: Layer, is: &[usize]| -> Vec<String> {
        let idx = atlas.layer(layer).expect("indexes come from this layer");
        is.iter().map(|&i| idx.features[i].name().to_string()).collect()
    };
    let message = if !at_point.inside_county {
        format!("此处不在{county_zh}范围内 (({lon:.6}, {lat:.6}) is outside {county_name})")
    } else if grids.is_empty() && atlas.layer(Layer::Grids).is_some_and(|g| !g.is_empty()) {
        format!("此处在{county_zh}内, 但不属于任何网格 (盲区) (inside {county_name} but in no grid: a blind spot)")
    } else if grids.len() > 1 {
        format!(
            "此处同时被 {} 个网格划入 (重叠): {} (claimed by {} grids: {}, an overlap)",
            grids.len(),
            named(Layer::Grids, grids).join("、"),
            grids.len(),
            codes(atlas, Layer::Grids, grids).join(", ")
        )
    } else {
        let (mut zh, mut en) = ("此处在县内".to_string(), String::from("inside"));
        if let Some(g) = first(Layer::Grids) {
            let f = &atlas.layer(Layer::Grids).expect("present").features[g];
            zh = format!("此处属于{}", f.name());
            en = format!("in grid {}", f.code);
        }
        match at_point.household {
            _ if !sees => {
                zh.push_str("; 住户信息需登录查看");
                en.push_str("; households: sign in");
            }
            Some(HouseholdMatch::Inside { .. }) => {
                zh.push_str(", 在一户的院落或住房内");
                en.push_str(", in a household's courtyard or dwelling");
            }
            Some(HouseholdMatch::Nearest { distance_m, .. }) => {
                zh.push_str(&format!(", 最近住户 {distance_m:.1} 米"));
                en.push_str(&format!(", nearest household {distance_m:.1} m away"));
            }
            None => {
                zh.push_str(&format!(", {radius_m} 米内无住户"));
                en.push_str(&format!(", no household within {radius_m} m"));
            }
        }
        format!("{zh} ({en})")
    };
    json!({
        "query": query_json(p),
        "lonlat": [round(lon, 7), round(lat, 7)],
        "inside_county": at_point.inside_county,
        "county": at(atlas, Layer::County, first(Layer::County), access),
        "town": at(atlas, Layer::Towns, first(Layer::Towns), access),
        "community": at(atlas, Layer::Communities, first(Layer::Communities), access),
        "village": at(atlas, Layer::Villages, first(Layer::Villages), access),
        "grid": at(atlas, Layer::Grids, first(Layer::Grids), access),
        "unit": at(atlas, Layer::Units, first(Layer::Units), access),
        "household": household,
        "households_withheld": !sees,
        "also": also,
        "radius_m": radius_m,
        "masked": access.masked(),
        "message": message,
    })
}

/// The `k` nearest households to a checked point (within `max_radius_m` if given).
pub fn nearest_json(atlas: &Atlas, p: &QueryPoint, k: usize, max_radius_m: Option<f64>, access: &Access) -> Value {
    let near = if access.sees_households() {
        atlas.nearest(Layer::Households, p.lonlat.0, p.lonlat.1, k, max_radius_m).unwrap_or_default()
    } else {
        Vec::new()
    };
    let hh = atlas.layer(Layer::Households);
    let list: Vec<Value> = near
        .iter()
        .map(|n| {
            let f = &hh.expect("hits come from the layer").features[n.index];
            let mut v = shown(atlas, access, Layer::Households, f, None);
            let m = v.as_object_mut().expect("an object");
            m.insert("distance_m".into(), round(n.distance_m, 1).into());
            m.insert("lonlat".into(), lonlat_json(point_of(f)));
            v
        })
        .collect();
    json!({
        "query": query_json(p),
        "lonlat": [round(p.lonlat.0, 7), round(p.lonlat.1, 7)],
        "k": k,
        "radius_m": max_radius_m,
        "households": list,
        "masked": access.masked(),
        "withheld": !access.sees_households(),
        "message": if access.sees_households() { Value::Null } else { super::privacy::WITHHELD.into() },
    })
}

/// The search answer for `q`: at most `limit` hits, each with its location and chain. Builds the atlas's
/// directory on first use, so call it off the async threads.
pub fn search_json(atlas: &Atlas, q: &str, limit: usize, access: &Access) -> Value {
    let dir = Directory::of(atlas);
    let opts = SearchOptions { limit, phones: access.viewer().role.sees_personal_data() };
    let hits: Vec<Value> = dir
        .search
        .search(q, opts)
        .into_iter()
        .filter_map(|h| {
            if h.layer == Layer::Households && !access.sees_households() {
                return None;
            }
            let f = &atlas.layer(h.layer).expect("hits come from the atlas").features[h.index];
            let view = access.view(atlas, h.layer, f, None);
            // A household found by its people's name, phone or address is not shown to a caller who may not
            // see them: the hit itself would say where that person lives.
            if h.layer == Layer::Households && view.masked() && !matches!(h.kind, MatchKind::Code | MatchKind::CodePrefix) {
                return None;
            }
            let mut v = feature_summary(h.layer, f, view);
            let m = v.as_object_mut().expect("an object");
            m.insert("layer".into(), h.layer.name().into());
            m.insert("match".into(), h.kind.as_str().into());
            m.insert("lonlat".into(), lonlat_json(dir.point(h.layer, h.index)));
            m.insert("chain".into(), chain_json(atlas, &dir.chain(atlas, h.layer, h.index), access));
            Some(v)
        })
        .collect();
    json!({ "query": q, "count": hits.len(), "hits": hits, "masked": access.masked() })
}

fn bbox_json(f: &Feature) -> Value {
    f.geometry.bounding_rect().map_or(Value::Null, |r| {
        json!([round(r.min().x, 7), round(r.min().y, 7), round(r.max().x, 7), round(r.max().y, 7)])
    })
}

/// The households of grid or unit `code`: those lying in it and those its roster names, each flagged.
/// [`Error::NotFound`] if `layer` has no such code. Builds the atlas's directory on first use, so call it off
/// the async threads.
pub fn households_json(atlas: &Atlas, layer: Layer, code: &str, access: &Access) -> Result<Value> {
    let (zh, what) = if layer == Layer::Grids { ("网格", "grid") } else { ("巷道楼栋", "unit") };
    let index = atlas
        .layer(layer)
        .and_then(|l| l.index_of(code.trim()))
        .ok_or_else(|| Error::NotFound(format!("没有编码为 {code} 的{zh} (no {what} with code {code:?})")))?;
    let dir = Directory::of(atlas);
    let f = &atlas.layer(layer).expect("found above").features[index];
    let hh = atlas.layer(Layer::Households);
    let members = dir.households_of(atlas, layer, index);
    let sees = access.sees_households();
    let list: Vec<Value> = members
        .iter()
        .filter(|_| sees)
        .map(|m| {
            let h = &hh.expect("members come from the layer").features[m.index];
            let place = dir.placement(m.index);
            let lies_in = place.grid.and_then(|g| atlas.layer(Layer::Grids).map(|l| l.features[g].code.clone()));
            let mut v = shown(atlas, access, Layer::Households, h, lies_in.as_deref());
            let o = v.as_object_mut().expect("an object");
            o.insert("lonlat".into(), lonlat_json(dir.point(Layer::Households, m.index)));
            let unit = place.unit.and_then(|u| atlas.layer(Layer::Units).map(|l| &l.features[u]));
            o.insert("unit".into(), unit.map_or(Value::Null, |u| Value::Object(named(u))));
            let grid = place.grid.and_then(|g| atlas.layer(Layer::Grids).map(|l| l.features[g].code.clone()));
            o.insert("lies_in_grid".into(), grid.map_or(Value::Null, Into::into));
            o.insert("lies_in".into(), m.lies_in.into());
            o.insert("on_roster".into(), m.on_roster.into());
            // The list's filter matches pinyin as the main search does ("zs" finds 张三): the spellings of the
            // head's name, only where the name itself is shown (a masked 张* gets none).
            if let Some(head) = o.get("head").and_then(Value::as_str).filter(|h| !h.contains('*')) {
                let keys: Vec<String> = pinyin_spellings(head).into_iter().flat_map(|(full, initials)| [full, initials]).collect();
                o.insert("pinyin".into(), keys.join(" ").into());
            }
            v
        })
        .collect();
    let lies = members.iter().filter(|m| m.lies_in).count();
    let roster = members.iter().filter(|m| m.on_roster).count();
    let mut chain = dir.chain(atlas, layer, index);
    if layer == Layer::Grids {
        chain.unit = None;
    }
    let mut body = json!({
        "layer": layer.name(),
        what: shown(atlas, access, layer, f, None),
        "chain": chain_json(atlas, &chain, access),
        "bbox": bbox_json(f),
        "lonlat": lonlat_json(dir.point(layer, index)),
        "count": members.len(),
        "lies_in_count": lies,
        "on_roster_count": roster,
        "households": list,
        "masked": access.masked(),
        "withheld": !sees,
    });
    if !sees {
        body["message"] = super::privacy::WITHHELD.into();
    }
    if layer == Layer::Grids {
        body["target_households"] = f.int_prop("target_households").map_or(Value::Null, Into::into);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_errors_say_what() {
        let e = |lon: Option<&str>, lat: Option<&str>, crs: Option<&str>| parse_point(lon, lat, crs).unwrap_err().to_string();
        assert!(e(None, Some("34.5"), None).contains("lon is required"));
        assert!(e(Some("110.2"), None, None).contains("lat is required"));
        assert!(e(Some("abc"), Some("34.5"), None).contains("lon \"abc\" is not a number"));
        assert!(e(Some("NaN"), Some("34.5"), None).contains("not a finite number"));
        assert!(e(Some("200"), Some("34.5"), None).contains("lon 200 is outside -180..180"));
        assert!(e(Some("34.5"), Some("110.2"), None).contains("swapped"));
        assert!(e(Some("110.2"), Some("34.5"), Some("mars")).contains("crs \"mars\" is unknown"));
        assert!(e(Some("110.2"), Some("34.5"), Some("EPSG:4546")).contains("not accepted"));
        assert_eq!(parse_point(Some(" 110.2 "), Some("34.5"), Some("")).unwrap().crs, InputCrs::Wgs84);
    }
}
