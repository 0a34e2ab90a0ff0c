//! The report in the forms DATA.md gives it: one JSON object (`summary` rows and `defects` as a GeoJSON
//! FeatureCollection in lon/lat), the FeatureCollection alone, the summary as CSV, and a readable text table.

use std::fmt::Write as _;
use std::io::{self, Write};

use geo::Geometry;
use geo::orient::{Direction, Orient};
use serde_json::{Map, Value, json};

use super::{Defect, Kind, Place, Report, SummaryRow};
use crate::model::Layer;
use crate::model::crs::MetricCrs;
use crate::model::geojson_io::geometry_json;

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// A percentage to `places` decimals as people read it: floored, so a share below 100 never shows as 100
/// (99.96 → 99.9 at one decimal). The one rounding rule of every coverage percentage shown or sent.
///
/// ```
/// use gridmap::atlas::coverage::report::floor_pct;
/// assert_eq!(floor_pct(99.96, 1), 99.9);
/// assert_eq!(floor_pct(99.99999, 4), 99.9999);
/// assert_eq!(floor_pct(100.0, 1), 100.0);
/// assert_eq!(floor_pct(99.3, 1), 99.3);
/// ```
pub fn floor_pct(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    // The small allowance keeps 99.3 (stored as 99.29999…) at 99.3; below 100 is never 100.
    let x = ((v * f) + 1e-6).floor() / f;
    if v < 100.0 && x >= 100.0 { (100.0 * f - 1.0) / f } else { x }
}

/// A defect as a GeoJSON Feature in lon/lat, with the properties DATA.md lists (and `rule`, `label`, `reason`).
///
/// ```
/// use geo::{Geometry, Point};
/// use gridmap::atlas::coverage::{Defect, Kind, Place};
/// use gridmap::atlas::coverage::report::defect_feature;
/// use gridmap::model::{crs::MetricCrs, Layer};
/// let d = Defect {
///     kind: Kind::HouseholdUncovered, layer: Layer::Households, parent: Some("610522001001".into()),
///     codes: vec!["H0004".into()], area_m2: None, width_m: None, message: "住户 H0004 不在任何网格内。".into(),
///     reason: None, place: Place::LonLat(Geometry::Point(Point::new(110.22, 34.501))),
/// };
/// let f = defect_feature(&d, MetricCrs { epsg: 4546 });
/// assert_eq!(f["properties"]["kind"], "household_uncovered");
/// assert_eq!(f["geometry"]["coordinates"][0], 110.22);
/// ```
pub fn defect_feature(d: &Defect, crs: MetricCrs) -> Value {
    let geometry = match &d.place {
        Place::LonLat(g) => Some(g.clone()),
        Place::Metres(g) => crs.unproject_geometry(g).ok(),
    };
    let geometry = geometry.map(|g| match g {
        Geometry::MultiPolygon(mp) => geometry_json(&Geometry::MultiPolygon(mp.orient(Direction::Default))),
        Geometry::Polygon(p) => geometry_json(&Geometry::Polygon(p.orient(Direction::Default))),
        other => geometry_json(&other),
    });
    let mut p = Map::new();
    p.insert("kind".into(), d.kind.name().into());
    p.insert("layer".into(), d.layer.name().into());
    p.insert("parent".into(), d.parent.clone().into());
    p.insert("codes".into(), json!(d.codes));
    p.insert("area_m2".into(), d.area_m2.map(|a| round(a, 3)).into());
    p.insert("width_m".into(), d.width_m.map(|w| round(w, 3)).into());
    p.insert("message".into(), d.message.clone().into());
    p.insert("rule".into(), d.kind.rule().into());
    p.insert("label".into(), d.kind.label_zh().into());
    if let Some(r) = &d.reason {
        p.insert("reason".into(), r.clone().into());
    }
    json!({ "type": "Feature", "properties": p, "geometry": geometry })
}

/// Writes the defects as a GeoJSON FeatureCollection (lon/lat), one feature at a time: what `--format geojson`
/// prints and QGIS opens. A feature is about 1 KB as a JSON value, so a million defects never become one value.
///
/// ```
/// use gridmap::atlas::coverage::report::write_defects_geojson;
/// use gridmap::model::crs::MetricCrs;
/// let mut out = Vec::new();
/// write_defects_geojson(&mut out, [].iter(), MetricCrs { epsg: 4546 }).unwrap();
/// let fc: serde_json::Value = serde_json::from_slice(&out).unwrap();
/// assert_eq!(fc["type"], "FeatureCollection");
/// ```
pub fn write_defects_geojson<'a, W: Write>(mut w: W, defects: impl Iterator<Item = &'a Defect>, crs: MetricCrs) -> io::Result<()> {
    w.write_all(br#"{"type":"FeatureCollection","name":"defects","features":["#)?;
    for (i, d) in defects.enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut w, &defect_feature(d, crs))?;
    }
    w.write_all(b"]}")
}

/// A summary row as JSON (areas rounded to the square millimetre... well, 0.001 m²).
///
/// ```
/// use gridmap::atlas::coverage::{SummaryRow, report::summary_row_json};
/// use gridmap::model::Layer;
/// let r = SummaryRow { code: "610522".into(), layer: Layer::County, name: "潼关县".into(), parent: None, area_m2: 10.0,
///     covered_m2: Some(9.0), gap_m2: Some(1.0), overlap_m2: Some(0.0), households: None, households_uncovered: None,
///     coverage_pct: Some(90.0), grids: None, defects: 1 };
/// assert_eq!(summary_row_json(&r)["coverage_pct"], 90.0);
/// ```
pub fn summary_row_json(r: &SummaryRow) -> Value {
    json!({
        "code": r.code,
        "layer": r.layer.name(),
        "name": r.name,
        "parent": r.parent,
        "area_m2": round(r.area_m2, 3),
        "covered_m2": r.covered_m2.map(|v| round(v, 3)),
        "gap_m2": r.gap_m2.map(|v| round(v, 3)),
        "overlap_m2": r.overlap_m2.map(|v| round(v, 3)),
        "households": r.households,
        "households_uncovered": r.households_uncovered,
        "coverage_pct": r.coverage_pct.map(|v| floor_pct(v, 4)),
        "grids": r.grids,
        "defects": r.defects,
    })
}

/// Writes the whole report as DATA.md's JSON object: `summary`, `defects`, and (added) `counts`, `settings`,
/// `revision`, `crs`, `elapsed_ms`. Streamed like [`write_defects_geojson`]: the report's size does not bound
/// memory twice over.
///
/// ```
/// use gridmap::atlas::Atlas;
/// use gridmap::atlas::coverage::{report::write_report_json, Settings};
/// let atlas = Atlas::build(&Default::default(), 0).unwrap();
/// let mut out = Vec::new();
/// write_report_json(&mut out, &atlas.coverage(&Settings::default())).unwrap();
/// let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
/// assert!(v["summary"].as_array().unwrap().is_empty());
/// assert_eq!(v["defects"]["type"], "FeatureCollection");
/// assert_eq!(v["crs"], "EPSG:4546");
/// ```
pub fn write_report_json<W: Write>(mut w: W, r: &Report) -> io::Result<()> {
    let crs = MetricCrs { epsg: r.crs_epsg };
    w.write_all(br#"{"summary":["#)?;
    for (i, row) in r.summary.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut w, &summary_row_json(row))?;
    }
    w.write_all(br#"],"defects":"#)?;
    write_defects_geojson(&mut w, r.defects.iter(), crs)?;
    let counts: Map<String, Value> = r.counts().into_iter().map(|(k, n)| (k.name().to_string(), json!(n))).collect();
    let rest = json!({
        "counts": counts,
        "settings": {
            "sliver_width_m": r.settings.sliver_width_m,
            "min_area_m2": r.settings.min_area_m2,
            "target_households": [r.settings.target_households.0, r.settings.target_households.1],
        },
        "revision": r.revision,
        "crs": format!("EPSG:{}", r.crs_epsg),
        "elapsed_ms": round(r.elapsed_ms, 3),
    });
    for (k, v) in rest.as_object().into_iter().flatten() {
        w.write_all(b",")?;
        serde_json::to_writer(&mut w, k)?;
        w.write_all(b":")?;
        serde_json::to_writer(&mut w, v)?;
    }
    w.write_all(b"}")
}

/// The summary as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese names).
///
/// ```
/// use gridmap::atlas::coverage::report::summary_csv;
/// assert!(summary_csv(&[]).starts_with("\u{feff}code,layer,name"));
/// ```
pub fn summary_csv(rows: &[SummaryRow]) -> String {
    let mut out = String::from("\u{feff}code,layer,name,parent,area_m2,covered_m2,gap_m2,overlap_m2,households,households_uncovered,coverage_pct,grids,defects\n");
    let opt = |v: Option<f64>, p: i32| v.map(|v| round(v, p).to_string()).unwrap_or_default();
    let optn = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in rows {
        let name = if r.name.contains([',', '"', '\n']) { format!("\"{}\"", r.name.replace('"', "\"\"")) } else { r.name.clone() };
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.code,
            r.layer.name(),
            name,
            r.parent.clone().unwrap_or_default(),
            round(r.area_m2, 3),
            opt(r.covered_m2, 3),
            opt(r.gap_m2, 3),
            opt(r.overlap_m2, 3),
            optn(r.households),
            optn(r.households_uncovered),
            r.coverage_pct.map(|v| floor_pct(v, 4).to_string()).unwrap_or_default(),
            optn(r.grids),
            r.defects
        );
    }
    out
}

/// A readable report: a table per town with its communities, defect counts by kind, and the defects' messages
/// (at most `max_defects` of them).
///
/// ```
/// use gridmap::atlas::Atlas;
/// use gridmap::atlas::coverage::{report::text, Settings};
/// let atlas = Atlas::build(&Default::default(), 0).unwrap();
/// assert!(text(&atlas.coverage(&Settings::default()), 10).contains("未发现缺陷"));
/// ```
pub fn text(r: &Report, max_defects: usize) -> String {
    let mut out = String::new();
    let s = &r.settings;
    let _ = writeln!(
        out,
        "覆盖检查(EPSG:{},缝隙宽度 ≤ {} 米,最小面积 {} 平方米,目标户数 {}–{},用时 {:.0} 毫秒)",
        r.crs_epsg, s.sliver_width_m, s.min_area_m2, s.target_households.0, s.target_households.1, r.elapsed_ms
    );
    let pct = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{:.1}%", floor_pct(v, 1)));
    let m2 = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.1}"));
    let n = |v: Option<u64>| v.map_or("—".to_string(), |v| v.to_string());
    let header = format!(
        "  {:<15} {:<18} {:>12} {:>9} {:>12} {:>12} {:>8} {:>7} {:>6} {:>6}",
        "代码", "名称", "面积(平方米)", "覆盖率", "缺口(平方米)", "重叠(平方米)", "户数", "未入格", "网格", "缺陷"
    );
    let line = |r: &SummaryRow| {
        format!(
            "  {:<15} {:<18} {:>14.0} {:>9} {:>14} {:>14} {:>8} {:>7} {:>6} {:>6}",
            r.code,
            truncate(&r.name, 16),
            r.area_m2,
            pct(r.coverage_pct),
            m2(r.gap_m2),
            m2(r.overlap_m2),
            n(r.households),
            n(r.households_uncovered),
            n(r.grids),
            r.defects
        )
    };
    for row in &r.summary {
        match row.layer {
            Layer::County => {
                let _ = writeln!(out, "\n{}「{}」({})", row.layer.name_zh(), row.name, row.code);
                let _ = writeln!(out, "{header}");
                let _ = writeln!(out, "{}", line(row));
            }
            Layer::Towns => {
                let _ = writeln!(out, "\n{}「{}」({}) 及其社区", row.layer.name_zh(), row.name, row.code);
                let _ = writeln!(out, "{header}");
                let _ = writeln!(out, "{}", line(row));
            }
            _ => {
                let _ = writeln!(out, "{}", line(row));
            }
        }
    }
    let counts = r.counts();
    if counts.is_empty() {
        let _ = writeln!(out, "\n未发现缺陷。");
        return out;
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{} {}({})", k.label_zh(), n, k.name())).collect();
    let _ = writeln!(out, "\n缺陷 {} 处:{}", r.defects.len(), parts.join(","));
    for k in Kind::ALL {
        for d in r.defects.iter().filter(|d| d.kind == k).take(max_defects) {
            let _ = writeln!(out, "  [{}] {}", k.label_zh(), d.message);
        }
        let more = counts.get(&k).copied().unwrap_or(0).saturating_sub(max_defects);
        if more > 0 {
            let _ = writeln!(out, "  [{}] …… 另有 {} 处(完整清单见 --format json 或 --format geojson)", k.label_zh(), more);
        }
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).chain(std::iter::once('…')).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    #[test]
    fn metre_geometry_comes_out_in_lonlat_counter_clockwise() {
        let crs = MetricCrs { epsg: 4546 };
        let c = crs.project(110.25, 34.5).unwrap();
        // Clockwise on purpose.
        let cw = polygon![(x: c.x, y: c.y), (x: c.x, y: c.y + 10.), (x: c.x + 10., y: c.y + 10.), (x: c.x + 10., y: c.y)];
        let d = Defect {
            kind: Kind::BlindSpot,
            layer: Layer::Grids,
            parent: Some("610522001001".into()),
            codes: vec![],
            area_m2: Some(100.0),
            width_m: Some(10.0),
            message: "m".into(),
            reason: None,
            place: Place::Metres(Geometry::MultiPolygon(MultiPolygon(vec![cw]))),
        };
        let f = defect_feature(&d, crs);
        let ring = f["geometry"]["coordinates"][0].as_array().unwrap();
        let lon0 = ring[0][0].as_f64().unwrap();
        assert!((lon0 - 110.25).abs() < 1e-6, "{lon0}");
        let pts: Vec<(f64, f64)> = ring.iter().map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())).collect();
        let area2: f64 = pts.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum();
        assert!(area2 > 0.0, "counter-clockwise in lon/lat");
        assert_eq!(f["properties"]["rule"], "gap");
    }
}
