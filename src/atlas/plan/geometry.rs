//! Draft geometry: how it is serialised, and the helpers every edit shares (orientation, validity, putting
//! back the exact vertices an overlay rounded).

use geo::orient::{Direction, Orient};
use geo::{Area, Coord, Geometry, LineString, MultiPolygon, Polygon};
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::PlanError;
use crate::model::validate::geometry_problems;

/// Two lon/lat vertices closer than this (about 0.1 mm) are the same vertex.
pub const SAME_DEG: f64 = 1e-9;

/// Serde for a MultiPolygon as GeoJSON-style coordinates (`[[[[lon, lat], ...]]]`).
pub mod serde_mp {
    use geo::{Coord, LineString, MultiPolygon, Polygon};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    type Coords = Vec<Vec<Vec<[f64; 2]>>>;

    pub fn serialize<S: Serializer>(mp: &MultiPolygon<f64>, s: S) -> Result<S::Ok, S::Error> {
        let ring = |r: &LineString<f64>| r.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>();
        let coords: Coords = mp
            .0
            .iter()
            .map(|p| std::iter::once(ring(p.exterior())).chain(p.interiors().iter().map(ring)).collect())
            .collect();
        coords.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MultiPolygon<f64>, D::Error> {
        let coords = Coords::deserialize(d)?;
        let ring = |r: Vec<[f64; 2]>| LineString(r.into_iter().map(|[x, y]| Coord { x, y }).collect());
        Ok(MultiPolygon(
            coords
                .into_iter()
                .filter(|p| !p.is_empty())
                .map(|mut p| {
                    let ext = ring(p.remove(0));
                    Polygon::new(ext, p.into_iter().map(ring).collect())
                })
                .collect(),
        ))
    }
}

/// A polygonal geometry as a MultiPolygon with counter-clockwise exteriors (overlays read winding: see
/// `coverage::gaps`). Anything else is empty.
pub fn oriented_mp(g: &Geometry<f64>) -> MultiPolygon<f64> {
    match g {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]).orient(Direction::Default),
        Geometry::MultiPolygon(mp) => mp.orient(Direction::Default),
        _ => MultiPolygon(vec![]),
    }
}

/// `[lon, lat]` as a coordinate.
pub fn coord(c: [f64; 2]) -> Coord<f64> {
    Coord { x: c[0], y: c[1] }
}

/// Whether two lon/lat vertices are the same vertex.
pub fn same(a: Coord<f64>, b: Coord<f64>) -> bool {
    (a.x - b.x).abs() <= SAME_DEG && (a.y - b.y).abs() <= SAME_DEG
}

/// Refuses an invalid outline of grid `grid` with the validator's reason and where it is.
pub fn check_valid(mp: &MultiPolygon<f64>, grid: &str) -> Result<(), PlanError> {
    match geometry_problems(&Geometry::MultiPolygon(mp.clone())).first() {
        None => Ok(()),
        Some(p) => Err(PlanError::Invalid(format!(
            "网格 {grid} 将成为无效几何：{}，位置 [{:.6}, {:.6}] (grid {grid} would be invalid: {} at [{:.6}, {:.6}])",
            p.reason, p.location.x, p.location.y, p.reason, p.location.x, p.location.y
        ))),
    }
}

/// Every vertex of these multipolygons.
pub fn vertices<'a>(mps: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Vec<Coord<f64>> {
    mps.into_iter().flat_map(|mp| mp.0.iter()).flat_map(rings).flat_map(|r| r.0.iter().copied()).collect()
}

/// The exterior and interior rings of a polygon.
pub fn rings(p: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(p.exterior()).chain(p.interiors())
}

/// The result of an overlay with its vertices put back exactly where an input vertex was.
///
/// Overlays work on an integer grid and round what they return by a fraction of a millimetre; a neighbour that
/// shared those vertices would then no longer share them exactly. Any output vertex within [`SAME_DEG`] × 10
/// of an input vertex becomes that input vertex. Parts of no area are dropped, exteriors oriented.
pub fn restore_vertices(out: MultiPolygon<f64>, reference: &[Coord<f64>]) -> MultiPolygon<f64> {
    let tree: RTree<GeomWithData<[f64; 2], usize>> =
        RTree::bulk_load(reference.iter().enumerate().map(|(i, c)| GeomWithData::new([c.x, c.y], i)).collect());
    let tol = SAME_DEG * 10.0;
    let fix = |r: &LineString<f64>| -> LineString<f64> {
        let mut pts: Vec<Coord<f64>> = r
            .0
            .iter()
            .map(|c| match tree.nearest_neighbor(&[c.x, c.y]) {
                Some(n) if same_within(reference[n.data], *c, tol) => reference[n.data],
                _ => *c,
            })
            .collect();
        pts.dedup();
        LineString(pts)
    };
    MultiPolygon(
        out.0
            .iter()
            .map(|p| Polygon::new(fix(p.exterior()), p.interiors().iter().map(fix).collect()))
            .filter(|p| p.exterior().0.len() >= 4 && p.unsigned_area() > 0.0)
            .collect(),
    )
    .orient(Direction::Default)
}

fn same_within(a: Coord<f64>, b: Coord<f64>, tol: f64) -> bool {
    (a.x - b.x).abs() <= tol && (a.y - b.y).abs() <= tol
}

/// The largest part of a multipolygon (by area), if any.
pub fn largest_part(mp: &MultiPolygon<f64>) -> Option<usize> {
    (0..mp.0.len()).max_by(|&a, &b| mp.0[a].unsigned_area().total_cmp(&mp.0[b].unsigned_area()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{BooleanOps, polygon};

    #[test]
    fn restoring_vertices_undoes_overlay_rounding() {
        let a = MultiPolygon(vec![polygon![(x: 110.2000000001, y: 34.5), (x: 110.2050000003, y: 34.5), (x: 110.2050000003, y: 34.51), (x: 110.2000000001, y: 34.51)]]);
        let b = MultiPolygon(vec![polygon![(x: 110.2050000003, y: 34.5), (x: 110.21, y: 34.5), (x: 110.21, y: 34.51), (x: 110.2050000003, y: 34.51)]]);
        let u = a.union(&b);
        let r = restore_vertices(u, &vertices([&a, &b]));
        assert_eq!(r.0.len(), 1);
        let all = vertices([&a, &b]);
        assert!(r.0[0].exterior().0.iter().all(|c| all.contains(c)), "{r:?}");
    }

    #[test]
    fn serde_round_trips_exactly() {
        let mp = MultiPolygon(vec![polygon![(x: 110.123456789012, y: 34.5), (x: 110.2, y: 34.5), (x: 110.2, y: 34.6)]]);
        #[derive(serde::Serialize, serde::Deserialize)]
        struct W(#[serde(with = "serde_mp")] MultiPolygon<f64>);
        let back: W = serde_json::from_str(&serde_json::to_string(&W(mp.clone())).unwrap()).unwrap();
        assert_eq!(back.0, mp);
    }
}
