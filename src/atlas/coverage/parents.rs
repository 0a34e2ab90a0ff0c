//! One overlay per parent (county, town, community) against its children: gaps, spill and sibling overlaps,
//! decided in the stored lon/lat and measured in metres, the parents in parallel.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use geo::{Area, BooleanOps, BoundingRect, Geometry, MultiPolygon, Polygon};
use rayon::prelude::*;

use super::{Settings, gaps, inscribed, overlaps};
use crate::atlas::{Atlas, LayerIndex};
use crate::model::Layer;

/// The parent/child pairs whose coverage is checked, with the property naming the parent.
pub(super) const FAMILIES: [(Layer, Layer, &str); 3] = [
    (Layer::County, Layer::Towns, "county_code"),
    (Layer::Towns, Layer::Communities, "town_code"),
    (Layer::Communities, Layer::Grids, "community_code"),
];

static EMPTY_MP: MultiPolygon<f64> = MultiPolygon(Vec::new());

pub(super) fn as_mp(g: &Geometry<f64>) -> &MultiPolygon<f64> {
    match g {
        Geometry::MultiPolygon(mp) => mp,
        _ => &EMPTY_MP,
    }
}

/// One parent's result.
pub(super) struct ParentResult {
    pub(super) family: usize,
    pub(super) parent: usize,
    pub(super) children: Vec<usize>,
    pub(super) cover: gaps::Cover,
    /// Gap pieces reported: lon/lat polygon, metre polygon, area, width.
    pub(super) gaps: Vec<(Polygon<f64>, Polygon<f64>, f64, f64)>,
    pub(super) overlaps: Vec<overlaps::Overlap>,
    pub(super) overlap_m2: f64,
    /// Spill per child (index into `children`): lon/lat pieces and area in m².
    pub(super) spill: Vec<(usize, Vec<Polygon<f64>>, f64)>,
}

impl Atlas {
    pub(super) fn parent_results(&self, settings: &Settings, tol: f64) -> Vec<ParentResult> {
        let mut jobs: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        for (f, (pl, cl, key)) in FAMILIES.iter().enumerate() {
            let (Some(pi), Some(ci)) = (self.layer(*pl), self.layer(*cl)) else { continue };
            let mut kids: Vec<Vec<usize>> = vec![Vec::new(); pi.len()];
            for (c, feat) in ci.features.iter().enumerate() {
                if let Some(p) = feat.str_prop(key).and_then(|code| pi.index_of(code)) {
                    kids[p].push(c);
                }
            }
            jobs.extend(kids.into_iter().enumerate().map(|(p, k)| (f, p, k)));
        }
        let repaired: HashMap<Layer, std::collections::HashSet<usize>> =
            self.layers().map(|(l, li)| (l, li.problems.iter().map(|(i, _)| *i).collect())).collect();
        // Topology is decided in the stored lon/lat, where neighbours' vertices are shared as they were drawn;
        // every piece is then measured in metres. Overlaying the projected geometry instead would turn a vertex
        // lying on a neighbour's straight edge (a T-junction, exact in lon/lat) into a millimetre-wide phantom
        // sliver, because a straight edge in lon/lat is not straight in Gauss-Kruger metres.
        let crs = self.crs;
        let to_m = |p: &Polygon<f64>| -> Polygon<f64> {
            match crs.project_geometry(&Geometry::Polygon(p.clone())) {
                Ok(Geometry::Polygon(m)) => m,
                _ => Polygon::new(geo::LineString::new(vec![]), vec![]),
            }
        };
        // Big parents first, so the county's overlay does not start last.
        jobs.sort_by_key(|j| std::cmp::Reverse(j.2.len()));
        jobs.into_par_iter()
            .with_max_len(1)
            .map(|(family, parent, children)| {
                let (pl, cl, _) = FAMILIES[family];
                let (pi, ci) = (self.layer(pl).unwrap(), self.layer(cl).unwrap());
                let kids_ll: Vec<Cow<'_, MultiPolygon<f64>>> = children.iter().map(|&c| lonlat_mp(&repaired[&cl], ci, c)).collect();
                let kids: Vec<&MultiPolygon<f64>> = kids_ll.iter().map(|c| c.as_ref()).collect();
                let parent_ll = lonlat_mp(&repaired[&pl], pi, parent);
                let ll = gaps::cover(&parent_ll, &kids);
                let measured = |ps: &[Polygon<f64>]| -> Vec<(Polygon<f64>, Polygon<f64>, f64)> {
                    ps.iter().map(|p| {
                        let m = to_m(p);
                        let a = m.unsigned_area();
                        (p.clone(), m, a)
                    }).collect()
                };
                let gap_pieces = measured(&ll.gaps);
                let out_pieces = measured(&ll.outside);
                let cover = gaps::Cover {
                    area_m2: pi.geoms_m[parent].unsigned_area(),
                    children_area_m2: children.iter().map(|&c| ci.geoms_m[c].unsigned_area()).sum(),
                    gaps: gap_pieces.iter().map(|g| g.1.clone()).collect(),
                    outside: out_pieces.iter().map(|g| g.1.clone()).collect(),
                };
                let gaps: Vec<(Polygon<f64>, Polygon<f64>, f64, f64)> = gap_pieces
                    .into_iter()
                    .filter(|(_, _, a)| *a >= settings.min_area_m2 && *a > 0.0)
                    .map(|(ll, m, a)| {
                        let w = inscribed::width(&m);
                        (ll, m, a, w)
                    })
                    .collect();
                // The excess is measured in metres; where projection bends edges that are shared in lon/lat it
                // is not quite zero, which only costs a pairwise search that finds nothing.
                let overlaps: Vec<overlaps::Overlap> = if cover.excess_m2().abs() > tol {
                    // Bisection works in the overlay's own units (lon/lat degrees²): scale by the parent.
                    let per_m2 = parent_ll.unsigned_area() / cover.area_m2.max(f64::MIN_POSITIVE);
                    let excess_ll = kids.iter().map(|k| k.unsigned_area()).sum::<f64>()
                        - (parent_ll.unsigned_area() - ll.gap_m2() + ll.outside_m2());
                    overlaps::overlaps_by_bisection(&kids, excess_ll.max(cover.excess_m2() * per_m2), tol * per_m2)
                        .into_iter()
                        .map(|mut o| {
                            o.pieces.retain(|p| to_m(p).unsigned_area() > 0.0);
                            o
                        })
                        .filter(|o| !o.pieces.is_empty())
                        .collect()
                } else {
                    Vec::new()
                };
                let pieces: Vec<&Polygon<f64>> = overlaps.iter().flat_map(|o| o.pieces.iter()).collect();
                let overlap_m2 = if overlaps.len() > 1 {
                    let owned: Vec<Polygon<f64>> = pieces.iter().map(|p| (*p).clone()).collect();
                    geo::unary_union(&owned).0.iter().map(|p| to_m(p).unsigned_area()).sum()
                } else {
                    pieces.iter().map(|p| to_m(p).unsigned_area()).sum()
                };
                let spill: Vec<(usize, Vec<Polygon<f64>>, f64)> = spill_by_child(&out_pieces, &kids)
                    .into_iter()
                    .map(|(k, ps)| {
                        let a = ps.iter().map(|p| to_m(p).unsigned_area()).sum();
                        (k, ps, a)
                    })
                    .collect();
                ParentResult { family, parent, children, cover, gaps, overlaps, overlap_m2, spill }
            })
            .collect()
    }
}

/// A feature's polygonal geometry in the stored lon/lat, repaired as the atlas repaired it when invalid.
fn lonlat_mp<'a>(repaired: &std::collections::HashSet<usize>, li: &'a LayerIndex, i: usize) -> Cow<'a, MultiPolygon<f64>> {
    if repaired.contains(&i) {
        match crate::model::validate::repair(&li.features[i].geometry) {
            Geometry::MultiPolygon(mp) => Cow::Owned(mp),
            _ => Cow::Borrowed(&EMPTY_MP),
        }
    } else {
        Cow::Borrowed(as_mp(&li.features[i].geometry))
    }
}

/// Attributes the spill of a parent's children (pieces outside the parent: lon/lat, metres, m²) to the
/// children it comes from (lon/lat pieces per child).
fn spill_by_child(outside: &[(Polygon<f64>, Polygon<f64>, f64)], kids: &[&MultiPolygon<f64>]) -> Vec<(usize, Vec<Polygon<f64>>)> {
    let mut by_child: BTreeMap<usize, Vec<Polygon<f64>>> = BTreeMap::new();
    for (piece, _, area) in outside {
        if *area <= 0.0 {
            continue;
        }
        let Some(pb) = piece.bounding_rect() else { continue };
        for (k, kid) in kids.iter().enumerate() {
            let Some(kb) = kid.bounding_rect() else { continue };
            if kb.min().x > pb.max().x || pb.min().x > kb.max().x || kb.min().y > pb.max().y || pb.min().y > kb.max().y {
                continue;
            }
            let part = MultiPolygon(vec![piece.clone()]).intersection(*kid);
            if part.unsigned_area() > 0.0 {
                by_child.entry(k).or_default().extend(part.0);
            }
        }
    }
    by_child.into_iter().collect()
}
