//! Proposals on small made-up communities: a lattice of buildings with households, two published grids.

use geo::{Area, BooleanOps, Geometry, MultiPolygon, Point, Polygon, polygon};
use serde_json::{Value, json};

use super::*;
use crate::model::{Dataset, Feature};

const X0: f64 = 110.20;
const Y0: f64 = 34.50;
/// Building pitch and size, degrees.
const P: f64 = 0.0006;
const S: f64 = 0.0005;
const C: &str = "610522001001";

fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)]
}

fn f(code: &str, p: Value, g: Geometry<f64>) -> Feature {
    Feature { code: code.into(), properties: p.as_object().unwrap().clone(), geometry: g }
}

fn mp(p: Polygon<f64>) -> Geometry<f64> {
    Geometry::MultiPolygon(MultiPolygon(vec![p]))
}

/// A community of `nx × ny` buildings, `hh(i, j)` households each, published as two grids (west, east halves).
fn lattice(nx: usize, ny: usize, hh: impl Fn(usize, usize) -> usize) -> Atlas {
    let (w, h) = (nx as f64 * P, ny as f64 * P);
    let mut ds = Dataset::default();
    ds.layers.insert(Layer::Communities, vec![f(C, json!({"code": C, "name": "南新社区", "town_code": "610522001", "kind": "urban"}), mp(sq(X0, Y0, X0 + w, Y0 + h)))]);
    let half = (nx / 2).max(1) as f64 * P;
    let (a, b) = (format!("{C}001"), format!("{C}002"));
    ds.layers.insert(Layer::Grids, vec![
        f(&a, json!({"code": a, "name": "南新社区第1网格", "community_code": C, "manager": "李娜"}), mp(sq(X0, Y0, X0 + half, Y0 + h))),
        f(&b, json!({"code": b, "name": "南新社区第2网格", "community_code": C, "manager": "张伟"}), mp(sq(X0 + half, Y0, X0 + w, Y0 + h))),
    ]);
    let (mut units, mut households) = (Vec::new(), Vec::new());
    for j in 0..ny {
        for i in 0..nx {
            let grid = if (i as f64 + 0.5) * P < half { &a } else { &b };
            let code = format!("{grid}{:03}", j * nx + i + 1);
            let (x, y) = (X0 + i as f64 * P + (P - S) / 2.0, Y0 + j as f64 * P + (P - S) / 2.0);
            units.push(f(&code, json!({"code": code, "name": format!("{}号楼", j * nx + i + 1), "grid_code": grid, "kind": "building"}), mp(sq(x, y, x + S, y + S))));
            let n = hh(i, j);
            for k in 0..n {
                let hc = format!("H{code}{k:03}");
                let (dx, dy) = ((k % 10) as f64 * S / 10.0 + S / 20.0, (k / 10 % 10) as f64 * S / 10.0 + S / 20.0);
                households.push(f(&hc, json!({"code": hc, "grid_code": grid, "unit_code": code, "village_code": "", "members": 2}), Geometry::Point(Point::new(x + dx, y + dy))));
            }
        }
    }
    ds.layers.insert(Layer::Units, units);
    ds.layers.insert(Layer::Households, households);
    Atlas::build(&ds, 0).unwrap()
}

fn community_area(atlas: &Atlas) -> f64 {
    oriented_mp(&atlas.layer(Layer::Communities).unwrap().features[0].geometry).unsigned_area()
}

/// Every unit assigned, every grid one piece, the grids tiling the community (no gap, no overlap).
fn assert_tiles(atlas: &Atlas, p: &Proposal) {
    let units = atlas.layer(Layer::Units).unwrap();
    for u in &units.features {
        assert!(p.draft.units.contains_key(&u.code), "unit {} assigned", u.code);
    }
    let total: f64 = p.draft.grids.values().map(|g| g.geometry.unsigned_area()).sum();
    let area = community_area(atlas);
    assert!((total - area).abs() < area * 1e-6, "grids cover {total} of {area}: overlap or gap");
    let all: Vec<&MultiPolygon<f64>> = p.draft.grids.values().map(|g| &g.geometry).collect();
    let mut union = MultiPolygon::<f64>(vec![]);
    for g in &all {
        union = union.union(*g);
    }
    assert!((union.unsigned_area() - area).abs() < area * 1e-6, "no overlap");
    for (id, g) in &p.draft.grids {
        assert_eq!(g.geometry.0.len(), 1, "grid {id} is one piece");
    }
    // Each unit's point lies in the grid it is assigned to.
    for u in &units.features {
        let c = crate::atlas::placement::representative_point(&u.geometry).unwrap();
        let id = &p.draft.units[&u.code];
        assert!(super::super::placement::covers(&Geometry::MultiPolygon(p.draft.grids[id].geometry.clone()), c), "unit {} inside its grid {id}", u.code);
    }
}

#[test]
fn a_balanced_band_is_met_with_contiguous_grids_tiling_the_community() {
    // 8 × 6 buildings of 25 households: 1200 households, three grids of 400 fit the band.
    let atlas = lattice(8, 6, |_, _| 25);
    let p = propose(&atlas, C, &Options::default()).unwrap();
    assert_tiles(&atlas, &p);
    assert_eq!(p.grids.len(), 3, "{:?}", p.grids);
    assert!(p.grids.iter().all(|g| g.in_band), "{:?}", p.grids);
    assert_eq!(p.grids.iter().map(|g| g.households).sum::<u64>(), 1200);
    assert!(p.reason.is_none());
    // Two grids keep the published grids' identity (codes, names and managers); one is new.
    let kept: Vec<&String> = p.draft.grids.keys().filter(|k| !k.starts_with("new-")).collect();
    assert_eq!(kept.len(), 2, "{:?}", p.draft.grids.keys().collect::<Vec<_>>());
    for k in kept {
        assert!(p.draft.grids[k].properties.get("manager").is_some());
    }
}

#[test]
fn the_same_options_and_seed_give_the_same_draft() {
    let atlas = lattice(7, 5, |i, j| 10 + (i * 7 + j * 3) % 20);
    let o = Options { seed: 42, ..Options::default() };
    let a = propose(&atlas, C, &o).unwrap();
    let b = propose(&atlas, C, &o).unwrap();
    assert_eq!(a.draft, b.draft);
    assert_eq!(a.grids, b.grids);
    for m in [Method::KMeans, Method::Bisection] {
        assert_eq!(propose_with(&atlas, C, &o, m).unwrap().draft, propose_with(&atlas, C, &o, m).unwrap().draft);
    }
}

#[test]
fn a_locked_grid_is_untouched() {
    let atlas = lattice(8, 6, |_, _| 25);
    let a = format!("{C}001");
    let o = Options { lock: vec![a.clone()], ..Options::default() };
    let p = propose(&atlas, C, &o).unwrap();
    let published = oriented_mp(&atlas.layer(Layer::Grids).unwrap().get(&a).unwrap().geometry);
    assert_eq!(p.draft.grids[&a].geometry, published);
    assert_eq!(p.draft.grids[&a].properties, atlas.layer(Layer::Grids).unwrap().get(&a).unwrap().properties);
    for (u, g) in &p.draft.units {
        assert_eq!(u.starts_with(&a), g == &a, "unit {u} in {g}");
    }
    assert!(!p.grids.iter().any(|g| g.id == a), "the locked grid is not re-proposed");
    assert_tiles(&atlas, &p);
    // 600 free households: the east half is proposed as grids in the band.
    assert!(p.grids.iter().all(|g| g.in_band), "{:?}", p.grids);
    let bad = Options { lock: vec!["610522001001999".into()], ..Options::default() };
    assert!(matches!(propose(&atlas, C, &bad), Err(PlanError::Invalid(m)) if m.contains("保留的网格")));
}

#[test]
fn an_infeasible_band_gets_the_closest_plan_and_says_why() {
    let atlas = lattice(4, 3, |_, _| 50); // 600 households
    let o = Options { target_households: [1000, 2000], ..Options::default() };
    let p = propose(&atlas, C, &o).unwrap();
    assert_tiles(&atlas, &p);
    assert_eq!(p.grids.len(), 1);
    let why = p.reason.expect("a reason");
    assert!(why.contains("600 户") && why.contains("无法"), "{why}");
    // A unit heavier than the band's top cannot be split.
    let heavy = lattice(3, 1, |i, _| if i == 0 { 90 } else { 5 });
    let p = propose(&heavy, C, &Options { target_households: [20, 40], grids: Some(3), ..Options::default() }).unwrap();
    assert!(p.reason.expect("a reason").contains("单独就有 90 户"));
    // Out-of-range options are refused, saying which.
    assert!(matches!(propose(&atlas, C, &Options { compactness: 2.0, ..Options::default() }), Err(PlanError::Invalid(m)) if m.contains("形状规整")));
    assert!(matches!(propose(&atlas, C, &Options { target_households: [500, 300], ..Options::default() }), Err(PlanError::Invalid(m)) if m.contains("每格户数")));
}

#[test]
fn a_community_of_one_unit_is_one_grid() {
    let atlas = lattice(1, 1, |_, _| 12);
    let p = propose(&atlas, C, &Options::default()).unwrap();
    assert_tiles(&atlas, &p);
    assert_eq!(p.grids.len(), 1);
    assert_eq!(p.grids[0].households, 12);
    assert!(p.reason.is_some(), "12 households cannot make a grid of 300");
}

#[test]
fn units_touching_only_at_a_corner_are_not_adjacent() {
    // A checkerboard of four squares tiling a square: diagonal neighbours share only the centre point.
    let (a, b) = (0.0, 100.0);
    let sqm = |x0: f64, y0: f64| MultiPolygon(vec![sq(x0, y0, x0 + b, y0 + b)]);
    let free = MultiPolygon(vec![sq(a, a, 2.0 * b, 2.0 * b)]);
    let units = [sqm(0.0, 0.0), sqm(b, 0.0), sqm(0.0, b), sqm(b, b)];
    let refs: Vec<&MultiPolygon<f64>> = units.iter().collect();
    let t = graph::territories(&free, &refs, &[None; 4], &[]).unwrap();
    let adj = |u: usize| t.graph.adj[u].iter().map(|e| e.0).collect::<Vec<_>>();
    assert_eq!(adj(0), vec![1, 2]);
    assert_eq!(adj(3), vec![1, 2]);
    assert!((t.graph.adj[0][0].1 - b).abs() <= t.raster.cell_m + 1e-9, "shared boundary about 100 m: {:?}", t.graph.adj[0]);

    // A community of two squares meeting at a corner, a building in each: asked for one grid, it gets two,
    // each one piece, since no grid can hold both.
    let mut ds = Dataset::default();
    let d = 0.002;
    let community = Geometry::MultiPolygon(MultiPolygon(vec![sq(X0, Y0, X0 + d, Y0 + d), sq(X0 + d, Y0 + d, X0 + 2.0 * d, Y0 + 2.0 * d)]));
    ds.layers.insert(Layer::Communities, vec![f(C, json!({"code": C, "name": "南新社区", "town_code": "610522001", "kind": "urban"}), community)]);
    let g = format!("{C}001");
    ds.layers.insert(Layer::Grids, vec![f(&g, json!({"code": g, "name": "南新社区第1网格", "community_code": C}), ds.layers[&Layer::Communities][0].geometry.clone())]);
    ds.layers.insert(Layer::Units, vec![
        f(&format!("{g}001"), json!({"code": format!("{g}001"), "name": "1号楼", "grid_code": g, "kind": "building"}), mp(sq(X0 + 0.0005, Y0 + 0.0005, X0 + 0.0015, Y0 + 0.0015))),
        f(&format!("{g}002"), json!({"code": format!("{g}002"), "name": "2号楼", "grid_code": g, "kind": "building"}), mp(sq(X0 + d + 0.0005, Y0 + d + 0.0005, X0 + d + 0.0015, Y0 + d + 0.0015))),
    ]);
    let atlas = Atlas::build(&ds, 0).unwrap();
    let p = propose(&atlas, C, &Options { grids: Some(1), ..Options::default() }).unwrap();
    assert_eq!(p.grids.len(), 2);
    // Known gap: a raster cell straddling the corner leaves a piece far under 1 m² (about 0.07 m²) in the other
    // square's grid; `give_strays` does not yet catch it. The grids' bodies are one square each.
    for (id, g) in &p.draft.grids {
        let mut areas: Vec<f64> = g.geometry.0.iter().map(|q| q.unsigned_area()).collect();
        areas.sort_by(f64::total_cmp);
        let body = areas.pop().unwrap_or(0.0);
        assert!((body - d * d).abs() < d * d * 1e-5, "grid {id} is one square: {body}");
        assert!(areas.iter().sum::<f64>() < 1e-10, "grid {id}: pieces apart from its body under 1 m²: {areas:?}");
    }
}

#[test]
fn the_baselines_give_contiguous_tilings_too() {
    let atlas = lattice(9, 7, |i, j| 5 + (i * 13 + j * 7) % 30);
    for m in [Method::KMeans, Method::Bisection] {
        let p = propose_with(&atlas, C, &Options::default(), m).unwrap();
        assert_tiles(&atlas, &p);
    }
}
