//! Comparing two plans of one community (two published versions, or a draft and the published plan): which
//! households and which lanes and buildings lie in another grid under B than under A, and so change manager.
//! Each is placed by the one placement rule (`atlas::placement`): the grid of each plan owning its
//! representative point, in the atlas's metres.

use geo::{BoundingRect, MultiPolygon};
use serde::Serialize;

use super::published_grids;
use crate::atlas::Atlas;
use crate::atlas::placement::Outlines;
use crate::model::Layer;

/// One grid of a plan being compared.
#[derive(Clone, Debug)]
pub struct PlanGrid {
    /// The grid's code, or its draft id.
    pub id: String,
    pub name: Option<String>,
    pub manager: Option<String>,
    /// Lon/lat.
    pub geometry: MultiPolygon<f64>,
}

/// A household or unit in another grid under B than under A.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub code: String,
    pub name: Option<String>,
    pub from: Option<String>,
    pub from_manager: Option<String>,
    pub to: Option<String>,
    pub to_manager: Option<String>,
}

/// What changes from plan A to plan B.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Comparison {
    pub households: Vec<Change>,
    pub units: Vec<Change>,
    /// Households of the community that keep their grid (and manager).
    pub households_unchanged: usize,
}

/// Compares `a` with `b` over the households and units of `atlas` lying in either. `name_of` gives the name a
/// household or unit is listed by (a householder's name, masked or not, or a building's name).
///
/// ```
/// use geo::{MultiPolygon, polygon};
/// use gridmap::atlas::plan::compare::{PlanGrid, compare};
/// let sq = |x0: f64, x1: f64| MultiPolygon(vec![polygon![(x: x0, y: 34.5), (x: x1, y: 34.5), (x: x1, y: 34.51), (x: x0, y: 34.51)]]);
/// let g = |id: &str, m: &str, mp| PlanGrid { id: id.into(), name: None, manager: Some(m.into()), geometry: mp };
/// let a = vec![g("1", "李娜", sq(110.2, 110.205)), g("2", "张伟", sq(110.205, 110.21))];
/// let b = vec![g("1", "李娜", sq(110.2, 110.207)), g("2", "张伟", sq(110.207, 110.21))];
/// let atlas = gridmap::atlas::Atlas::build(&gridmap::model::Dataset::default(), 0).unwrap();
/// assert!(compare(&atlas, &a, &b, |_, _| None).households.is_empty(), "no households, no changes");
/// ```
pub fn compare(atlas: &Atlas, a: &[PlanGrid], b: &[PlanGrid], name_of: impl Fn(Layer, usize) -> Option<String>) -> Comparison {
    let envelope = a.iter().chain(b).filter_map(|g| g.geometry.bounding_rect()).reduce(|x, y| {
        geo::Rect::new(
            (x.min().x.min(y.min().x), x.min().y.min(y.min().y)),
            (x.max().x.max(y.max().x), x.max().y.max(y.max().y)),
        )
    });
    let mut out = Comparison::default();
    let Some(envelope) = envelope else { return out };
    let outlines = |grids: &[PlanGrid]| {
        let mps: Vec<&MultiPolygon<f64>> = grids.iter().map(|g| &g.geometry).collect();
        Outlines::of_lonlat(atlas.crs, &mps).ok()
    };
    let (Some(in_a), Some(in_b)) = (outlines(a), outlines(b)) else { return out };
    // The lon/lat envelope's four corners in metres, padded: a parallel is not straight in Gauss-Kruger.
    let (w, s_, e, n) = (envelope.min().x, envelope.min().y, envelope.max().x, envelope.max().y);
    let Ok(corners) = [(w, s_), (e, s_), (e, n), (w, n)].map(|(x, y)| atlas.crs.project(x, y)).into_iter().collect::<Result<Vec<_>, _>>() else {
        return out;
    };
    let pad = 50.0;
    let (x0, x1) = corners.iter().fold((f64::MAX, f64::MIN), |(a, b), c| (a.min(c.x), b.max(c.x)));
    let (y0, y1) = corners.iter().fold((f64::MAX, f64::MIN), |(a, b), c| (a.min(c.y), b.max(c.y)));
    let near = rstar::AABB::from_corners([x0 - pad, y0 - pad], [x1 + pad, y1 + pad]);
    for layer in [Layer::Households, Layer::Units] {
        let Some(l) = atlas.layer(layer) else { continue };
        let points = atlas.points(layer);
        let mut candidates: Vec<usize> = l.tree.locate_in_envelope_intersecting(&near).map(|e| e.data).collect();
        candidates.sort_unstable();
        for i in candidates {
            let f = &l.features[i];
            let Some((m, ll)) = points.get(i) else { continue };
            let (from, to) = (in_a.owner(m, ll).map(|k| &a[k]), in_b.owner(m, ll).map(|k| &b[k]));
            if from.is_none() && to.is_none() {
                continue;
            }
            if from.map(|g| &g.id) == to.map(|g| &g.id) {
                if layer == Layer::Households {
                    out.households_unchanged += 1;
                }
                continue;
            }
            let change = Change {
                code: f.code.clone(),
                name: name_of(layer, i),
                from: from.map(|g| g.id.clone()),
                from_manager: from.and_then(|g| g.manager.clone()),
                to: to.map(|g| g.id.clone()),
                to_manager: to.and_then(|g| g.manager.clone()),
            };
            if layer == Layer::Households { out.households.push(change) } else { out.units.push(change) }
        }
    }
    out
}

impl PlanGrid {
    /// A stored grid feature as a plan grid, its manager shown by `manager(code, name)`.
    pub fn of_feature(f: &crate::model::Feature, manager: impl Fn(&str, &str) -> String) -> PlanGrid {
        PlanGrid {
            id: f.code.clone(),
            name: f.nonempty_prop("name").map(str::to_string),
            manager: f.nonempty_prop("manager").map(|m| manager(&f.code, m)),
            geometry: super::geometry::oriented_mp(&f.geometry),
        }
    }
}

/// The community's published grids as plan grids, managers shown by `manager`.
pub fn published(atlas: &Atlas, community: &str, manager: impl Fn(&str, &str) -> String) -> Vec<PlanGrid> {
    published_grids(atlas, community).into_iter().map(|f| PlanGrid::of_feature(f, &manager)).collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{Draft, Edit};
    use super::*;

    fn grids_of(d: &Draft) -> Vec<PlanGrid> {
        d.grids
            .iter()
            .map(|(id, g)| PlanGrid {
                id: id.clone(),
                name: None,
                manager: g.properties.get("manager").and_then(|m| m.as_str()).map(str::to_string),
                geometry: g.geometry.clone(),
            })
            .collect()
    }

    #[test]
    fn moving_the_shared_edge_moves_the_households_and_units_it_passes() {
        let atlas = atlas(10);
        let a = published(&atlas, "610522001001", |_, m| m.to_string());
        let mut d = draft(&atlas);
        // The shared edge moves 0.0006° east: B's west column of households (x = X0 + 0.0055) goes to A.
        let h = D / 2.0;
        d.apply(&atlas, &Edit::MoveVertex { from: [X0 + h, Y0], to: [X0 + h + 0.0012, Y0], snap_m: Some(0.1) }).unwrap();
        d.apply(&atlas, &Edit::MoveVertex { from: [X0 + h, Y0 + D], to: [X0 + h + 0.0012, Y0 + D], snap_m: Some(0.1) }).unwrap();
        let c = compare(&atlas, &a, &grids_of(&d), |_, _| None);
        assert_eq!(c.households.len(), 5, "{:?}", c.households);
        assert!(c.households.iter().all(|m| m.from.as_deref() == Some(B) && m.to.as_deref() == Some(A)));
        assert!(c.households.iter().all(|m| (m.from_manager.as_deref(), m.to_manager.as_deref()) == (Some("张伟"), Some("李娜"))));
        assert_eq!(c.households_unchanged, 15);
        assert_eq!(c.units.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["610522001001002001"]);
        // The same plan twice: nothing changes.
        let same = compare(&atlas, &a, &a, |_, _| None);
        assert!(same.households.is_empty() && same.units.is_empty());
        assert_eq!(same.households_unchanged, 20);
    }
}
