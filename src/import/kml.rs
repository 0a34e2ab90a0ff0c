//! KML and KMZ as 奥维互动地图 and Google Earth write them: each Placemark a row, its `name` and `description`,
//! its ExtendedData (`Data`/`value` and `SchemaData`/`SimpleData`) as columns, and the folders it sits in as
//! `folder`. KML is WGS84 lon/lat by definition, and XML (UTF-8 unless it declares otherwise).

use std::path::Path;

use geo::{Geometry, MultiPolygon};
use kml::Kml;
use kml::types::Element;
use serde_json::{Map, Value};

use super::source::{Format, find_ext, unzip};
use super::{Row, SourceCrs, SourceError, SourceRead};
use crate::model::crs::InputCrs;

/// Reads a `.kml` file.
pub fn read_file(path: &Path) -> Result<SourceRead, SourceError> {
    read_shown(path, path)
}

/// Reads the first `.kml` inside a `.kmz`.
pub fn read_kmz(path: &Path) -> Result<SourceRead, SourceError> {
    let dir = unzip(path)?;
    let kml = find_ext(dir.path(), "kml").ok_or_else(|| SourceError::new(path, "KMZ 中没有 .kml 文件（the KMZ holds no .kml）"))?;
    read_shown(&kml, path)
}

/// Refuses XML that is not well formed, saying where: the KML reader would loop at the end of a file cut off
/// inside an element (an interrupted download or copy) instead of failing.
fn well_formed(kml_path: &Path, shown: &Path) -> Result<(), SourceError> {
    use quick_xml::events::Event;
    let bad = |why: String| SourceError::new(shown, format!("不是可读的 KML，文件可能已损坏或被截断（not readable KML）: {why}"));
    let mut reader = quick_xml::Reader::from_file(kml_path).map_err(|e| bad(e.to_string()))?;
    let (mut buf, mut open, mut elements) = (Vec::new(), 0usize, 0usize);
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(_)) => {
                open += 1;
                elements += 1;
            }
            Ok(Event::End(_)) => open = open.saturating_sub(1),
            Ok(Event::Empty(_)) => elements += 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(bad(format!("第 {} 字节处（at byte {}）: {e}", reader.error_position(), reader.error_position()))),
        }
        buf.clear();
    }
    if elements == 0 {
        return Err(bad("没有任何 XML 元素（no XML element）".into()));
    }
    if open > 0 {
        return Err(bad(format!("文件在 {open} 个元素未闭合处结束（the file ends inside {open} open elements: cut short?）")));
    }
    Ok(())
}

fn read_shown(kml_path: &Path, shown: &Path) -> Result<SourceRead, SourceError> {
    well_formed(kml_path, shown)?;
    let root: Kml<f64> = kml::KmlReader::<_, f64>::from_path(kml_path)
        .and_then(|mut r| r.read())
        .map_err(|e| SourceError::new(shown, format!("不是可读的 KML，文件可能已损坏或被截断（not readable KML）: {e}")))?;
    let mut out = SourceRead {
        format: Format::Kml,
        crs: Some(SourceCrs::Known(InputCrs::Wgs84)),
        encoding: Some("UTF-8（KML 规定）".into()),
        headers: vec![],
        rows: vec![],
    };
    let mut folders = Vec::new();
    walk(root, &mut folders, &mut out, shown)?;
    Ok(out)
}

fn walk(k: Kml<f64>, folders: &mut Vec<String>, out: &mut SourceRead, shown: &Path) -> Result<(), SourceError> {
    match k {
        Kml::KmlDocument(d) => d.elements.into_iter().try_for_each(|e| walk(e, folders, out, shown))?,
        Kml::Document { elements, .. } => elements.into_iter().try_for_each(|e| walk(e, folders, out, shown))?,
        Kml::Folder(f) => {
            folders.push(f.name.clone().unwrap_or_default());
            f.elements.into_iter().try_for_each(|e| walk(e, folders, out, shown))?;
            folders.pop();
        }
        Kml::Placemark(p) => {
            let n = out.rows.len() + 1;
            let place = format!("第 {n} 个 Placemark{}", p.name.as_ref().map(|s| format!("（{s}）")).unwrap_or_default());
            let mut columns = Map::new();
            if let Some(name) = p.name {
                columns.insert("name".into(), Value::String(name.trim().to_string()));
            }
            if let Some(d) = p.description.filter(|d| !d.trim().is_empty()) {
                columns.insert("description".into(), Value::String(d.trim().to_string()));
            }
            if !folders.is_empty() {
                columns.insert("folder".into(), Value::String(folders.join("/")));
            }
            for child in &p.children {
                extended(child, &mut columns);
            }
            let geometry = match p.geometry {
                Some(g) => Some(polygons_together(
                    Geometry::<f64>::try_from(g)
                        .map_err(|e| SourceError::new(shown, format!("{place} 的几何无法读取: {e}")))?,
                )),
                None => None,
            };
            for k in columns.keys() {
                if !out.headers.contains(k) {
                    out.headers.push(k.clone());
                }
            }
            out.rows.push(Row { place, columns, geometry });
        }
        _ => {}
    }
    Ok(())
}

/// ExtendedData values: `<Data name="x"><value>v</value></Data>` and `<SimpleData name="x">v</SimpleData>`.
fn extended(e: &Element, columns: &mut Map<String, Value>) {
    match e.name.as_str() {
        "SimpleData" => {
            if let Some(name) = e.attrs.get("name") {
                columns.insert(name.clone(), Value::String(e.content.clone().unwrap_or_default().trim().to_string()));
            }
        }
        "Data" => {
            if let Some(name) = e.attrs.get("name") {
                let v = e.children.iter().find(|c| c.name == "value").and_then(|c| c.content.clone()).unwrap_or_default();
                columns.insert(name.clone(), Value::String(v.trim().to_string()));
            }
        }
        _ => e.children.iter().for_each(|c| extended(c, columns)),
    }
}

/// A MultiGeometry of polygons is one MultiPolygon.
fn polygons_together(g: Geometry<f64>) -> Geometry<f64> {
    match g {
        Geometry::GeometryCollection(gc) if gc.0.iter().all(|g| matches!(g, Geometry::Polygon(_) | Geometry::MultiPolygon(_))) => {
            let mut polys = Vec::new();
            for g in gc.0 {
                match g {
                    Geometry::Polygon(p) => polys.push(p),
                    Geometry::MultiPolygon(mp) => polys.extend(mp.0),
                    _ => unreachable!("checked above"),
                }
            }
            Geometry::MultiPolygon(MultiPolygon(polys))
        }
        other => other,
    }
}
