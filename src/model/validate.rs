//! Validity: of geometry (rings, orientation, self-intersections) and of a dataset (codes, parents).
//!
//! Geometry problems are reported with a reason and a lon/lat location; the analyses repair them and go on,
//! imports refuse them unless asked to repair. Dataset problems (bad or duplicate codes, missing parents) are
//! refused everywhere: no computation can be trusted over them.

use std::collections::HashMap;

use geo::{Coord, Geometry, Line, LineString, MultiPolygon, Polygon, Winding};
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{MakeValid, Validation};
use rstar::{AABB, RTree, primitives::GeomWithData};
use rustc_hash::FxHashSet;

use super::code::code_len;
use super::{Dataset, Layer};

/// What is wrong with a geometry, and where (lon/lat).
#[derive(Clone, Debug, PartialEq)]
pub struct GeometryProblem {
    pub reason: String,
    pub location: Coord<f64>,
}

/// Every problem found in a geometry. Empty for a valid one.
///
/// ```
/// use geo::{polygon, Geometry};
/// use gridmap::model::validate::geometry_problems;
/// // A bow-tie: the ring crosses itself at (1, 1).
/// let bow = polygon![(x: 0., y: 0.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 0., y: 2.)];
/// let p = geometry_problems(&Geometry::Polygon(bow));
/// assert!(p.iter().any(|p| p.reason.contains("self-intersection") && p.location.x == 1.0));
/// ```
pub fn geometry_problems(g: &Geometry<f64>) -> Vec<GeometryProblem> {
    let mut out = Vec::new();
    match g {
        Geometry::Polygon(p) => polygon_problems(p, &mut out),
        Geometry::MultiPolygon(mp) => {
            for p in &mp.0 {
                polygon_problems(p, &mut out);
            }
            if out.is_empty() && mp.0.len() > 1 {
                // Parts overlapping each other: only meaningful once every part is valid.
                if let Err(e) = mp.check_validation() {
                    let at = mp.0.first().and_then(|p| p.exterior().0.first().copied()).unwrap_or_default();
                    out.push(GeometryProblem { reason: e.to_string(), location: at });
                }
            }
        }
        Geometry::Point(_) => {}
        other => out.push(GeometryProblem {
            reason: format!("unexpected geometry {other:?}"),
            location: Coord::default(),
        }),
    }
    out
}

fn polygon_problems(p: &Polygon<f64>, out: &mut Vec<GeometryProblem>) {
    let before = out.len();
    for (i, ring) in std::iter::once(p.exterior()).chain(p.interiors()).enumerate() {
        let role = if i == 0 { "exterior ring".to_string() } else { format!("interior ring {}", i - 1) };
        if let Some(w) = ring.0.windows(2).find(|w| w[0] == w[1]) {
            out.push(GeometryProblem { reason: format!("{role} has a repeated vertex"), location: w[0] });
        }
        let distinct = ring.0.windows(2).filter(|w| w[0] != w[1]).count();
        if distinct < 3 {
            out.push(GeometryProblem {
                reason: format!("{role} has fewer than 3 distinct points"),
                location: ring.0.first().copied().unwrap_or_default(),
            });
            continue;
        }
        if let Some(at) = self_intersection(ring) {
            out.push(GeometryProblem { reason: format!("{role} has a self-intersection"), location: at });
        }
        // RFC 7946: exterior rings counter-clockwise, holes clockwise. Many producers ignore it, and some
        // overlay code reads a clockwise exterior as a hole, so it is reported and repaired.
        let ccw = ring.is_ccw();
        if (i == 0) != ccw {
            let want = if i == 0 { "counter-clockwise" } else { "clockwise" };
            out.push(GeometryProblem { reason: format!("{role} is not {want}"), location: ring.0[0] });
        }
    }
    // geo's own check adds, for a polygon with holes, holes outside the exterior or crossing each other. For a
    // single ring it would only repeat the self-intersection test above, by comparing every pair of edges:
    // seconds for a county outline of thousands of vertices.
    if out.len() == before
        && !p.interiors().is_empty()
        && let Err(e) = p.check_validation()
    {
        out.push(GeometryProblem { reason: e.to_string(), location: p.exterior().0[0] });
    }
}

/// Where a ring first crosses or touches itself, if it does (an R-tree over its segments: O(n log n)).
fn self_intersection(ring: &LineString<f64>) -> Option<Coord<f64>> {
    let segs: Vec<Line<f64>> = ring.lines().filter(|l| l.start != l.end).collect();
    let n = segs.len();
    let tree: RTree<GeomWithData<rstar::primitives::Line<[f64; 2]>, usize>> = RTree::bulk_load(
        segs.iter()
            .enumerate()
            .map(|(i, l)| GeomWithData::new(rstar::primitives::Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]), i))
            .collect(),
    );
    for (i, a) in segs.iter().enumerate() {
        let env = AABB::from_corners([a.start.x, a.start.y], [a.end.x, a.end.y]);
        for cand in tree.locate_in_envelope_intersecting(&env) {
            let j = cand.data;
            if j <= i {
                continue;
            }
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            match line_intersection(*a, segs[j]) {
                Some(LineIntersection::SinglePoint { intersection, .. }) if !adjacent => return Some(intersection),
                Some(LineIntersection::SinglePoint { .. }) => {}
                Some(LineIntersection::Collinear { intersection }) => return Some(intersection.start),
                None => {}
            }
        }
    }
    None
}

/// A valid version of a geometry: repeated vertices dropped, crossings resolved (keeping the polygonal parts,
/// as PostGIS ST_MakeValid does), rings oriented. Points are returned as they are.
pub fn repair(g: &Geometry<f64>) -> Geometry<f64> {
    use geo::orient::{Direction, Orient};
    use geo::RemoveRepeatedPoints;
    let mp = match g {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        Geometry::MultiPolygon(mp) => mp.clone(),
        other => return other.clone(),
    };
    let mp = mp.remove_repeated_points();
    let mp = if mp.is_valid() { mp } else { mp.make_valid().unwrap_or(mp) };
    Geometry::MultiPolygon(mp.orient(Direction::Default))
}

/// A dataset-level problem: the layer, the feature's code, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetProblem {
    pub layer: Layer,
    pub code: String,
    pub reason: String,
}

impl std::fmt::Display for DatasetProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.layer, self.code, self.reason)
    }
}

/// Codes of the wrong form, duplicate codes, unknown kinds and parents that are not in the dataset.
/// A parent is only looked for when its layer is present: a dataset may hold just some layers.
pub fn dataset_problems(ds: &Dataset) -> Vec<DatasetProblem> {
    let mut out = Vec::new();
    let codes: HashMap<Layer, FxHashSet<&str>> =
        ds.layers.iter().map(|(l, fs)| (*l, fs.iter().map(|f| f.code.as_str()).collect())).collect();
    for (&layer, features) in &ds.layers {
        let mut seen = FxHashSet::default();
        for f in features {
            let mut bad = |reason: String| out.push(DatasetProblem { layer, code: f.code.clone(), reason });
            if !seen.insert(f.code.as_str()) {
                bad("duplicate code".into());
            }
            if let Some(len) = code_len(layer)
                && (f.code.len() != len || !f.code.bytes().all(|b| b.is_ascii_digit()))
            {
                bad(format!("code must be {len} digits"));
            }
            let kinds: &[&str] = match layer {
                Layer::Communities => &["urban", "rural"],
                Layer::Units => &["lane", "building"],
                _ => &[],
            };
            if !kinds.is_empty() {
                match f.str_prop("kind") {
                    Some(k) if kinds.contains(&k) => {}
                    Some(k) => bad(format!("kind {k:?} is not one of {kinds:?}")),
                    None => bad(format!("kind is missing: expected one of {kinds:?}")),
                }
            }
            let mut parents: Vec<(&str, Layer)> = layer.parent().into_iter().collect();
            if layer == Layer::Villages {
                // A legacy village's town may be a township abolished since; its merger target must exist.
                parents = vec![("merged_into", Layer::Communities)];
            }
            for (key, parent_layer) in parents {
                let Some(set) = codes.get(&parent_layer) else { continue };
                match f.str_prop(key) {
                    Some(p) if set.contains(p) => {}
                    Some(p) => bad(format!("{key} {p:?} is not a code in {parent_layer}")),
                    None => bad(format!("{key} is missing or not a string")),
                }
            }
            if layer == Layer::Addresses {
                if f.nonempty_prop("address").is_none() {
                    bad("address is missing, empty or not a string".into());
                }
                // A door plate's community and unit are optional parent references of the contract (not a
                // roster's claims, which households' are): when given, they must name a code, as every parent
                // reference does, so a plate never points at a unit that is not there.
                for (key, parent_layer) in [("community_code", Layer::Communities), ("unit_code", Layer::Units)] {
                    match f.properties.get(key) {
                        None | Some(serde_json::Value::Null) => {}
                        Some(serde_json::Value::String(p)) if p.trim().is_empty() => {}
                        Some(serde_json::Value::String(p)) => {
                            if codes.get(&parent_layer).is_some_and(|set| !set.contains(p.as_str())) {
                                bad(format!("{key} {p:?} is not a code in {parent_layer}"));
                            }
                        }
                        Some(_) => bad(format!("{key} is not a string")),
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn clockwise_exterior_is_reported_and_repaired() {
        let cw = polygon![(x: 0., y: 0.), (x: 0., y: 1.), (x: 1., y: 1.), (x: 1., y: 0.)];
        let g = Geometry::Polygon(cw);
        let p = geometry_problems(&g);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].reason.contains("counter-clockwise"));
        assert!(geometry_problems(&repair(&g)).is_empty());
    }

    #[test]
    fn bow_tie_is_repaired_into_two_valid_triangles() {
        let bow = polygon![(x: 0., y: 0.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 0., y: 2.)];
        let fixed = repair(&Geometry::Polygon(bow));
        assert!(geometry_problems(&fixed).is_empty(), "{:?}", geometry_problems(&fixed));
        use geo::Area;
        assert!((fixed.unsigned_area() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn repeated_vertex_is_reported() {
        let rep = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.)];
        let p = geometry_problems(&Geometry::Polygon(rep));
        assert!(p.iter().any(|p| p.reason.contains("repeated vertex") && p.location == Coord { x: 1., y: 0. }));
    }
}
