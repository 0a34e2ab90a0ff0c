//! Reading and writing layers as GeoJSON files, the interchange form of the data contract.
//!
//! Parsing is by hand over `serde_json::Value`, one feature at a time (`geojson_stream`), rather than through
//! `geojson`'s types so that every error can name the file, the feature and the problem, and so that what `geo`
//! would silently fix (an unclosed ring) is seen and reported.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use geo::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value};

use super::crs::InputCrs;
use super::geojson_stream;
use super::validate::GeometryProblem;
use super::{Dataset, Feature, Layer};

/// Input that cannot be read as a layer of the contract.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
    #[error("{file}: feature #{index}{}: {reason}", code.as_ref().map(|c| format!(" (code {c})")).unwrap_or_default())]
    Feature { file: String, index: usize, code: Option<String>, reason: String },
}

/// A geometry problem found while parsing (an unclosed ring), to be reported with the validity problems.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedProblem {
    pub code: String,
    pub problem: GeometryProblem,
}

/// A layer as read: its features and the problems seen on the way.
#[derive(Clone, Debug, Default)]
pub struct LayerRead {
    pub features: Vec<Feature>,
    pub problems: Vec<ParsedProblem>,
}

/// Reads a layer file, one feature at a time. `crs` overrides a legacy `crs` member in the file; without
/// either, lon/lat is assumed.
///
/// Two passes: the first checks every feature and keeps none, so a file refused anywhere (often at its very end,
/// cut off) costs one feature's memory, not all of them; the second keeps the features of a file known good.
pub fn read_layer_file(path: &Path, layer: Layer, crs: Option<InputCrs>) -> Result<LayerRead, ReadError> {
    let file = path.display().to_string();
    let file_err = |reason: String| ReadError::File { file: file.clone(), reason };
    super::limits::check_file(path).map_err(file_err)?;
    let open = || -> Result<BufReader<fs::File>, ReadError> {
        let mut r = BufReader::with_capacity(1 << 16, fs::File::open(path).map_err(|e| file_err(format!("cannot read: {e}")))?);
        // A UTF-8 BOM, as Windows editors write it, is not part of the JSON.
        if r.fill_buf().map_err(|e| file_err(format!("cannot read: {e}")))?.starts_with(b"\xEF\xBB\xBF") {
            r.consume(3);
        }
        Ok(r)
    };
    let (_, declared) = read_layer(&mut serde_json::Deserializer::from_reader(open()?), &file, layer, crs, false)?;
    let (read, _) = read_layer(&mut serde_json::Deserializer::from_reader(open()?), &file, layer, Some(declared), true)?;
    Ok(read)
}

/// Parses the text of a layer file. `file` names it in errors.
pub fn parse_layer(text: &str, file: &str, layer: Layer, crs: Option<InputCrs>) -> Result<LayerRead, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(read_layer(&mut serde_json::Deserializer::from_str(text), file, layer, crs, true)?.0)
}

/// A feature as parsed, before its coordinates are brought to lon/lat: the CRS may be declared after the
/// features (a legacy `crs` member at the end of the file).
struct Parsed {
    index: usize,
    code: String,
    properties: Map<String, Value>,
    geometry: Geometry<f64>,
    unclosed: Vec<Coord<f64>>,
}

/// Reads and checks every feature; keeps them only when `keep`. Also the CRS the features were read in.
fn read_layer<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    file: &str,
    layer: Layer,
    crs: Option<InputCrs>,
    keep: bool,
) -> Result<(LayerRead, InputCrs), ReadError> {
    let file_err = |reason: String| ReadError::File { file: file.to_string(), reason };
    let mut out = LayerRead::default();
    // Features read before the CRS is known wait here; once it is known they are finished as they come.
    let mut waiting = Vec::new();
    let mut declared: Option<InputCrs> = None;
    let walked = geojson_stream::walk(de, |members, index, feature| {
        if index >= super::limits::MAX_FEATURES {
            return Err(file_err(format!("超过 {} 个要素（too many features）", super::limits::MAX_FEATURES)));
        }
        if let Some(ty) = members.get("type").and_then(Value::as_str).filter(|t| *t != "FeatureCollection") {
            return Err(file_err(format!("expected a FeatureCollection, found type {ty:?}")));
        }
        if crs.is_none() && declared.is_none() {
            declared = legacy_crs_member(members).map_err(file_err)?;
        }
        let parsed = parse_feature(feature, index, file, layer)?;
        match crs.or(declared) {
            Some(c) => finish(parsed, c, file, layer, keep.then_some(&mut out)),
            // Not kept, such a feature is checked in lon/lat by the pass that keeps it, with the CRS known.
            None => {
                if keep {
                    waiting.push(parsed);
                }
                Ok(())
            }
        }
    });
    let top = match walked {
        Ok(top) => top,
        Err(geojson_stream::WalkError::Stopped(e)) => return Err(e),
        Err(geojson_stream::WalkError::Json(e)) => return Err(file_err(format!("not GeoJSON: {e}"))),
    };
    match top.members.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") if top.has_features => {}
        Some("FeatureCollection") => return Err(file_err("FeatureCollection without a \"features\" array".into())),
        Some("Feature") => waiting.push(parse_feature(Value::Object(top.members.clone()), 0, file, layer)?),
        Some(other) => return Err(file_err(format!("expected a FeatureCollection, found type {other:?}"))),
        None => return Err(file_err("not GeoJSON: no \"type\" member".into())),
    }
    let crs = match crs {
        Some(c) => c,
        None => legacy_crs_member(&top.members).map_err(file_err)?.unwrap_or(InputCrs::Wgs84),
    };
    for parsed in waiting {
        finish(parsed, crs, file, layer, Some(&mut out))?;
    }
    Ok((out, crs))
}

/// Reads one feature's code, properties and geometry as the file gives them.
fn parse_feature(fv: Value, index: usize, file: &str, layer: Layer) -> Result<Parsed, ReadError> {
    let feat_err =
        |reason: String, code: Option<&String>| ReadError::Feature { file: file.to_string(), index, code: code.cloned(), reason };
    let Value::Object(mut f) = fv else {
        return Err(feat_err("not an object".into(), None));
    };
    let properties = match f.remove("properties") {
        Some(Value::Object(p)) => p,
        _ => return Err(feat_err("no properties object".into(), None)),
    };
    let code = match properties.get("code") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Number(n)) => {
            return Err(feat_err(format!("code {n} is a number; codes are strings (leading zeros matter)"), None));
        }
        _ => return Err(feat_err("no properties.code string".into(), None)),
    };
    for (key, v) in &properties {
        super::limits::check_value(key, v).map_err(|r| feat_err(r, Some(&code)))?;
    }
    for key in layer.required_properties() {
        if !properties.contains_key(*key) {
            return Err(feat_err(format!("missing required property {key:?} for layer {layer}"), Some(&code)));
        }
    }
    let gv = f.get("geometry").filter(|g| !g.is_null()).ok_or_else(|| feat_err("no geometry".into(), Some(&code)))?;
    let mut unclosed = Vec::new();
    let geometry = parse_geometry(gv, &mut unclosed).map_err(|r| feat_err(r, Some(&code)))?;
    Ok(Parsed { index, code, properties, geometry, unclosed })
}

/// Brings a parsed feature to lon/lat in `crs`, checks it, and adds it and its parse problems to `out`, if given.
fn finish(p: Parsed, crs: InputCrs, file: &str, layer: Layer, out: Option<&mut LayerRead>) -> Result<(), ReadError> {
    let feat_err = |reason: String| ReadError::Feature { file: file.to_string(), index: p.index, code: Some(p.code.clone()), reason };
    let geom = crs.geometry_to_lonlat(&p.geometry).map_err(|e| feat_err(e.to_string()))?;
    check_lonlat(&geom, crs).map_err(feat_err)?;
    let geometry = normalise_type(geom, layer).map_err(feat_err)?;
    let Some(out) = out else { return Ok(()) };
    for c in &p.unclosed {
        let lonlat = crs.to_lonlat(c.x, c.y).map(|(x, y)| Coord { x, y }).unwrap_or(*c);
        out.problems.push(ParsedProblem {
            code: p.code.clone(),
            problem: GeometryProblem { reason: "unclosed ring".into(), location: lonlat },
        });
    }
    out.features.push(Feature { code: p.code, properties: p.properties, geometry });
    Ok(())
}

/// The pre-RFC 7946 `crs` member (`{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4546"}}`).
fn legacy_crs_member(obj: &Map<String, Value>) -> Result<Option<InputCrs>, String> {
    let Some(name) = obj.get("crs").and_then(|c| c.pointer("/properties/name")).and_then(Value::as_str) else {
        return Ok(None);
    };
    name.parse::<InputCrs>().map(Some).map_err(|e| format!("its crs member: {e}"))
}

fn parse_position(v: &Value) -> Result<Coord<f64>, String> {
    let a = v.as_array().filter(|a| a.len() >= 2).ok_or_else(|| format!("position {v} is not [x, y]"))?;
    let x = a[0].as_f64().ok_or_else(|| format!("position {v} has a non-numeric x"))?;
    let y = a[1].as_f64().ok_or_else(|| format!("position {v} has a non-numeric y"))?;
    if !x.is_finite() || !y.is_finite() {
        return Err(format!("position {v} is not finite"));
    }
    Ok(Coord { x, y })
}

fn parse_ring(v: &Value, unclosed: &mut Vec<Coord<f64>>) -> Result<LineString<f64>, String> {
    let a = v.as_array().ok_or("a ring is not an array of positions")?;
    let mut cs = a.iter().map(parse_position).collect::<Result<Vec<_>, _>>()?;
    if cs.len() < 3 {
        return Err(format!("a ring has {} positions; a polygon ring needs at least 4", cs.len()));
    }
    if cs.first() != cs.last() {
        // Reported as an invalid geometry; closed here so the rest of the pipeline can work on it.
        unclosed.push(cs[0]);
        cs.push(cs[0]);
    }
    Ok(LineString(cs))
}

fn parse_polygon(v: &Value, unclosed: &mut Vec<Coord<f64>>) -> Result<Polygon<f64>, String> {
    let rings = v.as_array().filter(|r| !r.is_empty()).ok_or("a polygon has no rings")?;
    let mut rings = rings.iter().map(|r| parse_ring(r, unclosed)).collect::<Result<Vec<_>, _>>()?;
    let ext = rings.remove(0);
    Ok(Polygon::new(ext, rings))
}

fn parse_geometry(v: &Value, unclosed: &mut Vec<Coord<f64>>) -> Result<Geometry<f64>, String> {
    let ty = v.get("type").and_then(Value::as_str).ok_or("geometry without a type")?;
    let coords = v.get("coordinates").ok_or_else(|| format!("{ty} without coordinates"))?;
    Ok(match ty {
        "Point" => Geometry::Point(Point(parse_position(coords)?)),
        "Polygon" => Geometry::Polygon(parse_polygon(coords, unclosed)?),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(
            coords
                .as_array()
                .ok_or("MultiPolygon coordinates are not an array")?
                .iter()
                .map(|p| parse_polygon(p, unclosed))
                .collect::<Result<_, _>>()?,
        )),
        other => return Err(format!("geometry type {other} is not allowed here")),
    })
}

/// Refuses coordinates that cannot be lon/lat, saying what they look like instead.
pub fn check_lonlat(g: &Geometry<f64>, crs: InputCrs) -> Result<(), String> {
    use geo::CoordsIter;
    let china_lon = 72.0..=137.9;
    let china_lat = 0.8..=55.9;
    let mut all_swapped = true;
    let mut first_bad = None;
    for c in g.coords_iter() {
        if !(china_lon.contains(&c.y) && china_lat.contains(&c.x)) {
            all_swapped = false;
        }
        if first_bad.is_none() && !((-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y)) {
            first_bad = Some(c);
        }
    }
    if all_swapped {
        return Err("coordinates are apparently swapped: they read as (lat, lon); GeoJSON is [lon, lat]".into());
    }
    if let Some(c) = first_bad {
        if c.x.abs() > 1000.0 || c.y.abs() > 1000.0 {
            return Err(format!(
                "coordinate ({}, {}) is not lon/lat (read as {crs}); it looks projected in metres: give its CRS, e.g. --crs EPSG:4546",
                c.x, c.y
            ));
        }
        return Err(format!("coordinate ({}, {}) is outside the lon/lat range", c.x, c.y));
    }
    Ok(())
}

/// Polygonal geometry becomes a MultiPolygon; households may be points; door plates are points only; nothing
/// else is allowed.
pub fn normalise_type(g: Geometry<f64>, layer: Layer) -> Result<Geometry<f64>, String> {
    if layer.is_point() {
        return match g {
            Geometry::Point(_) => Ok(g),
            _ => Err(format!("layer {layer} takes Point geometry (门牌地址须为点)")),
        };
    }
    match g {
        Geometry::Polygon(p) => Ok(Geometry::MultiPolygon(MultiPolygon(vec![p]))),
        Geometry::MultiPolygon(_) => Ok(g),
        Geometry::Point(_) if layer == Layer::Households => Ok(g),
        _ => Err(format!("layer {layer} takes Polygon or MultiPolygon geometry")),
    }
}

/// Reads every contract layer present in `dir` (other files are ignored).
pub fn read_dir(dir: &Path, crs: Option<InputCrs>) -> Result<(Dataset, Vec<(Layer, ParsedProblem)>), ReadError> {
    if !dir.is_dir() {
        return Err(ReadError::File { file: dir.display().to_string(), reason: "not a directory".into() });
    }
    let mut ds = Dataset::default();
    let mut problems = Vec::new();
    for layer in Layer::ALL {
        let path = dir.join(layer.file_name());
        if path.exists() {
            let read = read_layer_file(&path, layer, crs)?;
            problems.extend(read.problems.into_iter().map(|p| (layer, p)));
            ds.layers.insert(layer, read.features);
        }
    }
    if ds.layers.is_empty() {
        return Err(ReadError::File {
            file: dir.display().to_string(),
            reason: "holds none of county.geojson, towns.geojson, communities.geojson, villages.geojson, grids.geojson, units.geojson, households.geojson, addresses.geojson".into(),
        });
    }
    Ok((ds, problems))
}

/// The GeoJSON geometry object of a stored geometry (a one-part MultiPolygon is written as a Polygon).
pub fn geometry_json(g: &Geometry<f64>) -> Value {
    fn ring(ls: &LineString<f64>) -> Value {
        Value::Array(ls.0.iter().map(|c| Value::Array(vec![c.x.into(), c.y.into()])).collect())
    }
    fn poly(p: &Polygon<f64>) -> Value {
        let mut rings = vec![ring(p.exterior())];
        rings.extend(p.interiors().iter().map(ring));
        Value::Array(rings)
    }
    let (ty, coords) = match g {
        Geometry::Point(p) => ("Point", Value::Array(vec![p.x().into(), p.y().into()])),
        Geometry::Polygon(p) => ("Polygon", poly(p)),
        Geometry::MultiPolygon(mp) if mp.0.len() == 1 => ("Polygon", poly(&mp.0[0])),
        Geometry::MultiPolygon(mp) => ("MultiPolygon", Value::Array(mp.0.iter().map(poly).collect())),
        other => unreachable!("the model holds no {other:?}"),
    };
    let mut m = Map::new();
    m.insert("type".into(), ty.into());
    m.insert("coordinates".into(), coords);
    Value::Object(m)
}

/// The GeoJSON Feature object of a feature.
pub fn feature_json(f: &Feature) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), "Feature".into());
    m.insert("properties".into(), Value::Object(f.properties.clone()));
    m.insert("geometry".into(), geometry_json(&f.geometry));
    Value::Object(m)
}

/// Writes a FeatureCollection, one feature per line: deterministic bytes for the same features, and diffs that
/// show which features changed.
pub fn write_layer<W: Write>(mut w: W, layer: Layer, features: &[Feature]) -> std::io::Result<()> {
    write!(w, "{{\"type\":\"FeatureCollection\",\"name\":\"{}\",\"features\":[", layer.name())?;
    for (i, f) in features.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut w, &feature_json(f))?;
    }
    w.write_all(b"\n]}\n")
}

/// Writes a layer to `path`.
pub fn write_layer_file(path: &Path, layer: Layer, features: &[Feature]) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(fs::File::create(path)?);
    write_layer(&mut w, layer, features)?;
    w.flush()
}

/// Writes every layer of `ds` into `dir` (created if missing).
pub fn write_dir(dir: &Path, ds: &Dataset) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for (layer, features) in &ds.layers {
        write_layer_file(&dir.join(layer.file_name()), *layer, features)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"610522001001001","name":"一网格","community_code":"610522001001"},"geometry":{"type":"Polygon","coordinates":[[[110.2,34.5],[110.21,34.5],[110.21,34.51],[110.2,34.5]]]}}]}"#;

    #[test]
    fn reads_and_writes_back_the_same_feature() {
        let read = parse_layer(GRID, "grids.geojson", Layer::Grids, None).unwrap();
        assert_eq!(read.features.len(), 1);
        let mut buf = Vec::new();
        write_layer(&mut buf, Layer::Grids, &read.features).unwrap();
        let again = parse_layer(std::str::from_utf8(&buf).unwrap(), "x", Layer::Grids, None).unwrap();
        assert_eq!(again.features, read.features);
    }

    #[test]
    fn errors_name_the_file_the_feature_and_the_problem() {
        let swapped = GRID.replace("[110.2,34.5]", "[34.5,110.2]").replace("[110.21,34.5]", "[34.5,110.21]")
            .replace("[110.21,34.51]", "[34.51,110.21]");
        let e = parse_layer(&swapped, "grids.geojson", Layer::Grids, None).unwrap_err().to_string();
        assert!(e.starts_with("grids.geojson: feature #0 (code 610522001001001): "), "{e}");
        assert!(e.contains("swapped"), "{e}");
        let e = parse_layer("{nope", "g.geojson", Layer::Grids, None).unwrap_err().to_string();
        assert!(e.contains("not GeoJSON"), "{e}");
        let e = parse_layer(&GRID.replace("\"610522001001001\"", "610522001001001"), "g", Layer::Grids, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a number"), "{e}");
        let e = parse_layer(&GRID.replace("110.2,", "497000.0,"), "g", Layer::Grids, None).unwrap_err().to_string();
        assert!(e.contains("looks projected"), "{e}");
    }

    #[test]
    fn an_unclosed_ring_is_reported_not_refused() {
        let open = GRID.replace(",[110.2,34.5]]]", ",[110.2,34.51]]]");
        let read = parse_layer(&open, "g", Layer::Grids, None).unwrap();
        assert_eq!(read.problems.len(), 1);
        assert_eq!(read.problems[0].problem.reason, "unclosed ring");
    }

    #[test]
    fn a_crs_after_the_features_a_lone_feature_and_a_wrong_type_are_read_as_written() {
        // EPSG:4546 metres, with the legacy crs member written after the features.
        let gk = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"G1","name":"一网格","community_code":"C"},"geometry":{"type":"Polygon","coordinates":[[[426000,3820000],[427000,3820000],[427000,3821000],[426000,3820000]]]}}],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4546"}}}"#;
        let g4546 = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4546"}},"features":[{"type":"Feature","properties":{"code":"G1","name":"一网格","community_code":"C"},"geometry":{"type":"Polygon","coordinates":[[[426000,3820000],[427000,3820000],[427000,3821000],[426000,3820000]]]}}]}"#;
        let after = parse_layer(gk, "g", Layer::Grids, None).unwrap();
        let before = parse_layer(g4546, "g", Layer::Grids, None).unwrap();
        assert_eq!(after.features, before.features);
        use geo::CoordsIter;
        assert!(after.features[0].geometry.coords_iter().all(|c| (100.0..120.0).contains(&c.x)));

        let lone = r#"{"type":"Feature","properties":{"code":"610522001001001","name":"一网格","community_code":"610522001001"},"geometry":{"type":"Polygon","coordinates":[[[110.2,34.5],[110.21,34.5],[110.21,34.51],[110.2,34.5]]]}}"#;
        assert_eq!(parse_layer(lone, "g", Layer::Grids, None).unwrap().features, parse_layer(GRID, "g", Layer::Grids, None).unwrap().features);

        let topo = GRID.replace("FeatureCollection", "Topology");
        assert!(parse_layer(&topo, "g", Layer::Grids, None).unwrap_err().to_string().contains("found type \"Topology\""));
        let e = parse_layer(r#"{"type":"FeatureCollection"}"#, "g", Layer::Grids, None).unwrap_err().to_string();
        assert!(e.contains("without a \"features\" array"), "{e}");
        let e = parse_layer(&format!("{GRID} x"), "g", Layer::Grids, None).unwrap_err().to_string();
        assert!(e.contains("not GeoJSON") && e.contains("trailing"), "{e}");
        assert_eq!(parse_layer(&format!("\u{feff}{GRID}"), "g", Layer::Grids, None).unwrap().features.len(), 1);
    }
}
