//! The AMap/Baidu mistake: coordinates in GCJ-02 or BD-09 taken for WGS84 sit a few hundred metres off. Compared
//! with the stored layers, a file's vertices that land on stored vertices only after undoing GCJ-02 (or BD-09)
//! were in that system: the import gets a hint with the offset, and is told which `--crs` to give.

use geo::{Coord, CoordsIter};
use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::model::Feature;
use crate::model::crs::{InputCrs, MetricCrs};

/// Most vertices of the file compared (an even sample).
const SAMPLE: usize = 5_000;
/// A vertex within this distance of a stored one coincides with it.
const COINCIDE_M: f64 = 2.0;

/// The hint, if the file's vertices coincide with stored ones far more often after undoing GCJ-02 or BD-09.
pub fn hint(file: &[Feature], stored: &[&Feature]) -> Option<String> {
    let first = stored.iter().flat_map(|f| f.geometry.coords_iter()).next()?;
    let crs = MetricCrs::for_lon(first.x);
    let pts: Vec<GeomWithData<[f64; 2], ()>> = stored
        .iter()
        .flat_map(|f| f.geometry.coords_iter())
        .filter_map(|c| crs.project(c.x, c.y).ok())
        .map(|c| GeomWithData::new([c.x, c.y], ()))
        .collect();
    let tree = RTree::bulk_load(pts);
    let all: Vec<Coord<f64>> = file.iter().flat_map(|f| f.geometry.coords_iter()).collect();
    if all.is_empty() {
        return None;
    }
    let step = all.len().div_ceil(SAMPLE);
    let sample: Vec<Coord<f64>> = all.into_iter().step_by(step).collect();
    let coinciding = |as_crs: InputCrs| -> (usize, f64) {
        let mut hits = 0;
        let mut shift_m = 0.0;
        for c in &sample {
            let Ok((lon, lat)) = as_crs.to_lonlat(c.x, c.y) else { continue };
            let (Ok(a), Ok(b)) = (crs.project(lon, lat), crs.project(c.x, c.y)) else { continue };
            shift_m += ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
            if tree.locate_within_distance([a.x, a.y], COINCIDE_M * COINCIDE_M).next().is_some() {
                hits += 1;
            }
        }
        (hits, shift_m / sample.len() as f64)
    };
    let (as_is, _) = coinciding(InputCrs::Wgs84);
    let mut best: Option<(InputCrs, usize, f64)> = None;
    for c in [InputCrs::Gcj02, InputCrs::Bd09] {
        let (hits, shift_m) = coinciding(c);
        if hits * 2 >= sample.len() && hits > 3 * as_is.max(1) && best.is_none_or(|b| hits > b.1) {
            best = Some((c, hits, shift_m));
        }
    }
    let (c, hits, shift_m) = best?;
    let (name, who) = if c == InputCrs::Gcj02 { ("GCJ-02", "高德、腾讯、微信") } else { ("BD-09", "百度") };
    Some(format!(
        "坐标看起来是 {name}（{who}）坐标而非 WGS84：按 {name} 换算后 {hits}/{} 个顶点与已存图层重合（原样只有 {as_is} 个），平均偏移约 {shift_m:.0} 米；请加 --crs {c} 重新导入（coordinates look {name}: give --crs {c}）",
        sample.len()
    ))
}
