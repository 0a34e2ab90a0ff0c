//! A census of the written dataset: validity, exact edge sharing, tiling, and every defect found by
//! looking at the geometry, so the defect counts in geodata/README.md are measured, not typed.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use geo::{
    Area, BooleanOps, BoundingRect, Centroid, Contains, Coord, Euclidean, Geometry, Length, MultiPolygon, Point,
    Polygon,
};
use rstar::{AABB, RTree, primitives::GeomWithData};

use super::defects::LineDefect;
use crate::model::crs::MetricCrs;
use crate::model::validate::{dataset_problems, geometry_problems};
use crate::model::{Dataset, Feature, Layer};

/// One level's exact edge sharing: ring segments of the children not matched by a sibling's reverse segment
/// nor by the parent's boundary, and parent boundary segments no child follows.
#[derive(Clone, Debug, Default)]
pub struct EdgeCheck {
    pub layer: &'static str,
    pub child_segments: usize,
    pub unmatched: usize,
    /// Of the unmatched, those within a metre of a planted line defect.
    pub unmatched_at_defects: usize,
    pub parent_uncovered: usize,
    /// Of the uncovered, those within a metre of a planted line defect.
    pub parent_uncovered_at_defects: usize,
}

#[derive(Clone, Debug)]
pub struct AreaCheck {
    pub layer: &'static str,
    pub parent: String,
    pub parent_m2: f64,
    pub union_m2: f64,
    pub overlap_m2: f64,
}

#[derive(Clone, Debug)]
pub struct Piece {
    /// Community (gaps) or the two grids (overlaps).
    pub codes: Vec<String>,
    pub area_m2: f64,
    /// Width estimate for thin lens-like pieces: 4·area/perimeter.
    pub width_m: f64,
    pub at_lonlat: Coord<f64>,
}

#[derive(Default)]
pub struct Census {
    pub counts: BTreeMap<Layer, usize>,
    pub invalid: Vec<String>,
    pub dataset_problems: Vec<String>,
    pub edges: Vec<EdgeCheck>,
    pub areas: Vec<AreaCheck>,
    pub gaps: Vec<Piece>,
    pub overlaps: Vec<Piece>,
    pub households_uncovered: Vec<String>,
    pub households_in_two_grids: Vec<String>,
    pub households_mismatch: Vec<String>,
    pub households_split: Vec<String>,
    /// Registered in a village merged into another community than the one they live in.
    pub households_village_elsewhere: Vec<String>,
    pub units_in_two_grids: Vec<String>,
    pub units_orphan: Vec<String>,
    pub units_mismatch: Vec<String>,
    pub units_split: Vec<String>,
    /// Villages whose land lies in two communities: code, communities with area m².
    pub split_villages: Vec<(String, Vec<(String, f64)>)>,
    /// Grid code -> (households lying in it, households on its roster).
    pub grid_load: BTreeMap<String, (usize, usize)>,
    pub unstaffed: Vec<String>,
    pub members: u64,
}

type Tree = RTree<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>;

fn tree_of(geoms: &[MultiPolygon<f64>]) -> Tree {
    RTree::bulk_load(
        geoms
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.bounding_rect()?;
                Some(GeomWithData::new(
                    rstar::primitives::Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect(),
    )
}

fn mp(g: &Geometry<f64>) -> MultiPolygon<f64> {
    match g {
        Geometry::MultiPolygon(m) => m.clone(),
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        _ => MultiPolygon(vec![]),
    }
}

pub fn census(ds: &Dataset, crs: MetricCrs, defects: &[LineDefect]) -> Result<Census> {
    let mut c = Census { counts: ds.counts(), ..Default::default() };
    for (layer, fs) in &ds.layers {
        for f in fs {
            for p in geometry_problems(&f.geometry) {
                c.invalid.push(format!("{layer} {}: {} at {:?}", f.code, p.reason, p.location));
            }
        }
    }
    c.dataset_problems = dataset_problems(ds).iter().map(|p| p.to_string()).collect();

    let metres = |fs: &[Feature]| -> Result<Vec<MultiPolygon<f64>>> {
        fs.iter().map(|f| Ok(mp(&crs.project_geometry(&f.geometry)?))).collect()
    };
    let county = ds.get(Layer::County);
    let towns = ds.get(Layer::Towns);
    let comms = ds.get(Layer::Communities);
    let grids = ds.get(Layer::Grids);
    let vills = ds.get(Layer::Villages);
    let (county_m, towns_m, comms_m, grids_m, vills_m) =
        (metres(county)?, metres(towns)?, metres(comms)?, metres(grids)?, metres(vills)?);

    // Exact edge sharing, level by level.
    let children_of = |fs: &[Feature], key: &str, parent: &str| -> Vec<usize> {
        (0..fs.len()).filter(|&i| fs[i].str_prop(key) == Some(parent)).collect()
    };
    let defect_zones: Vec<&Polygon<f64>> = defects.iter().map(|d| &d.zone_m).collect();
    let near_defect = |a: Coord<f64>, b: Coord<f64>| -> bool {
        let m = Coord { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 };
        let Ok(p) = crs.project(m.x, m.y) else { return false };
        use geo::Distance;
        defect_zones.iter().any(|z| Euclidean.distance(*z, &Point(p)) < 1.0)
    };
    let check = |layer: &'static str, parents: &[Feature], children: &[Feature], key: Option<&str>| {
        let mut e = EdgeCheck { layer, ..Default::default() };
        for p in parents {
            let kids: Vec<usize> = match key {
                Some(k) => children_of(children, k, &p.code),
                None => (0..children.len()).collect(),
            };
            let mut segs: BTreeMap<[u64; 4], usize> = BTreeMap::new();
            for &k in &kids {
                for (a, b) in segments(&children[k].geometry) {
                    *segs.entry(key4(a, b)).or_default() += 1;
                    e.child_segments += 1;
                }
            }
            let parent_segs: BTreeSet<[u64; 4]> = segments(&p.geometry).map(|(a, b)| key4(a, b)).collect();
            for &k in &kids {
                for (a, b) in segments(&children[k].geometry) {
                    let shared = segs.contains_key(&key4(b, a)) || parent_segs.contains(&key4(a, b));
                    if !shared {
                        e.unmatched += 1;
                        if near_defect(a, b) {
                            e.unmatched_at_defects += 1;
                        }
                    }
                }
            }
            for s in parent_segs.iter().filter(|s| !segs.contains_key(*s)) {
                e.parent_uncovered += 1;
                let (a, b) = (
                    Coord { x: f64::from_bits(s[0]), y: f64::from_bits(s[1]) },
                    Coord { x: f64::from_bits(s[2]), y: f64::from_bits(s[3]) },
                );
                if near_defect(a, b) {
                    e.parent_uncovered_at_defects += 1;
                }
            }
        }
        e
    };
    c.edges.push(check("towns", county, towns, None));
    c.edges.push(check("communities", towns, comms, Some("town_code")));
    c.edges.push(check("grids", comms, grids, Some("community_code")));
    c.edges.push(check("villages", county, vills, None));

    // Areas: union of children against the parent, and overlap between siblings.
    let area_check = |layer: &'static str, parent: &Feature, pm: &MultiPolygon<f64>, kids: &[&MultiPolygon<f64>]| {
        let union = geo::unary_union(kids.iter().copied());
        let sum: f64 = kids.iter().map(|k| k.unsigned_area()).sum();
        AreaCheck {
            layer,
            parent: parent.code.clone(),
            parent_m2: pm.unsigned_area(),
            union_m2: union.unsigned_area(),
            overlap_m2: (sum - union.unsigned_area()).max(0.0),
        }
    };
    c.areas.push(area_check("towns", &county[0], &county_m[0], &towns_m.iter().collect::<Vec<_>>()));
    c.areas.push(area_check("villages", &county[0], &county_m[0], &vills_m.iter().collect::<Vec<_>>()));
    for (ti, t) in towns.iter().enumerate() {
        let kids: Vec<&MultiPolygon<f64>> =
            children_of(comms, "town_code", &t.code).into_iter().map(|i| &comms_m[i]).collect();
        c.areas.push(area_check("communities", t, &towns_m[ti], &kids));
    }
    for (ci, cm) in comms.iter().enumerate() {
        let ks = children_of(grids, "community_code", &cm.code);
        let kids: Vec<&MultiPolygon<f64>> = ks.iter().map(|&i| &grids_m[i]).collect();
        c.areas.push(area_check("grids", cm, &comms_m[ci], &kids));
        // Gaps: the community minus its grids, piece by piece.
        let union = geo::unary_union(kids.iter().copied());
        for piece in comms_m[ci].difference(&union).0 {
            let a = piece.unsigned_area();
            if a < 0.5 {
                continue;
            }
            let perim = Euclidean.length(piece.exterior());
            let at = piece.centroid().map_or(Coord::default(), |p| p.0);
            c.gaps.push(Piece {
                codes: vec![cm.code.clone()],
                area_m2: a,
                width_m: 4.0 * a / perim,
                at_lonlat: crs.unproject(at.x, at.y)?,
            });
        }
    }
    // Overlaps between sibling grids.
    let gt = tree_of(&grids_m);
    for (i, g) in grids_m.iter().enumerate() {
        let Some(r) = g.bounding_rect() else { continue };
        let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        for o in gt.locate_in_envelope_intersecting(&env) {
            let j = o.data;
            if j <= i || grids[i].str_prop("community_code") != grids[j].str_prop("community_code") {
                continue;
            }
            for piece in g.intersection(&grids_m[j]).0 {
                let a = piece.unsigned_area();
                if a < 0.5 {
                    continue;
                }
                let perim = Euclidean.length(piece.exterior());
                let at = piece.centroid().map_or(Coord::default(), |p| p.0);
                c.overlaps.push(Piece {
                    codes: vec![grids[i].code.clone(), grids[j].code.clone()],
                    area_m2: a,
                    width_m: 4.0 * a / perim,
                    at_lonlat: crs.unproject(at.x, at.y)?,
                });
            }
        }
    }
    // Villages split across communities.
    let ct = tree_of(&comms_m);
    for (vi, v) in vills_m.iter().enumerate() {
        let Some(r) = v.bounding_rect() else { continue };
        let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        let mut parts = Vec::new();
        for o in ct.locate_in_envelope_intersecting(&env) {
            let a = v.intersection(&comms_m[o.data]).unsigned_area();
            if a > 1.0 {
                parts.push((comms[o.data].code.clone(), a));
            }
        }
        parts.sort_by(|a, b| a.0.cmp(&b.0));
        if parts.len() > 1 {
            c.split_villages.push((vills[vi].code.clone(), parts));
        }
    }

    // Units and households against the grids.
    let grid_index: BTreeMap<&str, usize> = grids.iter().enumerate().map(|(i, g)| (g.code.as_str(), i)).collect();
    let containing = |p: Coord<f64>| -> Vec<usize> {
        gt.locate_all_at_point(&[p.x, p.y])
            .map(|o| o.data)
            .filter(|&i| grids_m[i].contains(&Point(p)))
            .collect::<Vec<_>>()
    };
    let units = ds.get(Layer::Units);
    for u in units {
        let g = mp(&crs.project_geometry(&u.geometry)?);
        let probes = probes(&g);
        let sets: Vec<Vec<usize>> = probes.iter().map(|&p| containing(p)).collect();
        let all_in: Vec<usize> = (0..grids.len()).filter(|gi| sets.iter().all(|s| s.contains(gi))).collect();
        let any_in: BTreeSet<usize> = sets.iter().flatten().copied().collect();
        let named = u.str_prop("grid_code").and_then(|c| grid_index.get(c)).copied();
        if any_in.is_empty() {
            c.units_orphan.push(u.code.clone());
        } else if all_in.len() >= 2 {
            c.units_in_two_grids.push(u.code.clone());
        } else if all_in.is_empty() {
            c.units_split.push(u.code.clone());
        } else if Some(all_in[0]) != named {
            c.units_mismatch.push(u.code.clone());
        }
    }
    let villages_by_code: BTreeMap<&str, &Feature> = vills.iter().map(|v| (v.code.as_str(), v)).collect();
    let comm_of_grid: Vec<&str> = grids.iter().map(|g| g.str_prop("community_code").unwrap_or("")).collect();
    let mut located: BTreeMap<usize, usize> = BTreeMap::new();
    let mut rostered: BTreeMap<usize, usize> = BTreeMap::new();
    for h in ds.get(Layer::Households) {
        c.members += h.int_prop("members").unwrap_or(0) as u64;
        let g = crs.project_geometry(&h.geometry)?;
        let (centre, probes) = match &g {
            Geometry::Point(p) => (p.0, vec![p.0]),
            other => {
                let m = mp(other);
                (m.centroid().map_or(Coord::default(), |p| p.0), probes(&m))
            }
        };
        let inside = containing(centre);
        let named = h.str_prop("grid_code").and_then(|c| grid_index.get(c)).copied();
        if let Some(n) = named {
            *rostered.entry(n).or_default() += 1;
        }
        if let Some(&first) = inside.first() {
            *located.entry(first).or_default() += 1;
        }
        if inside.is_empty() {
            c.households_uncovered.push(h.code.clone());
        } else if inside.len() >= 2 {
            c.households_in_two_grids.push(h.code.clone());
        } else if named != Some(inside[0]) {
            c.households_mismatch.push(h.code.clone());
        }
        if probes.len() > 1 && !inside.is_empty() && !probes.iter().all(|&p| containing(p).contains(&inside[0])) {
            c.households_split.push(h.code.clone());
        }
        // Registered village merged into another community than the one the household lives in.
        if let (Some(&gi), Some(v)) = (inside.first(), h.str_prop("village_code").and_then(|v| villages_by_code.get(v)))
            && v.str_prop("merged_into") != Some(comm_of_grid[gi])
        {
            c.households_village_elsewhere.push(h.code.clone());
        }
    }
    for (gi, g) in grids.iter().enumerate() {
        c.grid_load
            .insert(g.code.clone(), (located.get(&gi).copied().unwrap_or(0), rostered.get(&gi).copied().unwrap_or(0)));
        if g.nonempty_prop("manager").is_none() {
            c.unstaffed.push(g.code.clone());
        }
    }
    Ok(c)
}

/// Corners and edge midpoints of every exterior ring: where a footprint crossing a line would show.
fn probes(m: &MultiPolygon<f64>) -> Vec<Coord<f64>> {
    let mut out = Vec::new();
    for p in &m.0 {
        let ext = &p.exterior().0;
        for w in ext.windows(2) {
            // Pulled a hair inside, so a footprint sharing a wall with a grid line is not counted as crossing.
            out.push(w[0]);
            out.push(Coord { x: (w[0].x + w[1].x) / 2.0, y: (w[0].y + w[1].y) / 2.0 });
        }
    }
    let c = m.centroid().map_or(Coord::default(), |p| p.0);
    out.iter().map(|p| Coord { x: p.x + (c.x - p.x) * 1e-3, y: p.y + (c.y - p.y) * 1e-3 }).collect()
}

fn segments(g: &Geometry<f64>) -> impl Iterator<Item = (Coord<f64>, Coord<f64>)> + '_ {
    let polys: Vec<&Polygon<f64>> = match g {
        Geometry::MultiPolygon(m) => m.0.iter().collect(),
        Geometry::Polygon(p) => vec![p],
        _ => vec![],
    };
    polys
        .into_iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>())
}

fn key4(a: Coord<f64>, b: Coord<f64>) -> [u64; 4] {
    [a.x.to_bits(), a.y.to_bits(), b.x.to_bits(), b.y.to_bits()]
}
