//! Households exactly on shared edges and vertices get one owner per layer, the same in every answer.

use std::collections::BTreeMap;

use geo::{Geometry, MultiPolygon, Point, Polygon};
use serde_json::json;

use crate::atlas::Atlas;
use crate::atlas::coverage::Settings;
use crate::atlas::directory::Directory;
use crate::atlas::plan::Draft;
use crate::atlas::search::SearchOptions;
use crate::model::{Dataset, Feature, Layer};

const S: f64 = 0.005;
const X: [f64; 4] = [110.200, 110.205, 110.210, 110.215];
const Y: [f64; 3] = [34.500, 34.505, 34.510];
const COMMUNITY_W: &str = "610522001001";
const COMMUNITY_E: &str = "610522001002";

/// A ring through `pts` (closed here).
fn ring(pts: &[(f64, f64)]) -> Geometry<f64> {
    let mut cs: Vec<(f64, f64)> = pts.to_vec();
    cs.push(pts[0]);
    Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(cs.into(), vec![])]))
}

/// An axis-aligned box, corners only.
fn cell(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry<f64> {
    ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
}

fn f(code: &str, props: serde_json::Value, g: Geometry<f64>) -> Feature {
    let mut p = props.as_object().unwrap().clone();
    p.insert("code".into(), code.into());
    p.entry("name").or_insert_with(|| code.into());
    Feature { code: code.into(), properties: p, geometry: g }
}

/// Grids: a 2 × 2 block (codes 001 to 004, lowest code at the south-west, so "first by code" and the
/// half-open rule disagree at the middle vertex) in two communities split along x = X[1], and a tall grid 005
/// east of it whose straight west edge meets the block's east corners at a T-junction (X[2], Y[1]). Units are
/// the grids' own outlines; legacy villages are a south strip, a north strip (sharing the line y = Y[1]) and
/// the east column, meeting at the same T-junction.
fn dataset() -> Dataset {
    let mut ds = Dataset::default();
    let all = cell(X[0], Y[0], X[3], Y[2]);
    ds.layers.insert(Layer::County, vec![f("610522", json!({}), all.clone())]);
    ds.layers.insert(Layer::Towns, vec![f("610522001", json!({"county_code": "610522"}), all)]);
    ds.layers.insert(
        Layer::Communities,
        vec![
            f(COMMUNITY_W, json!({"town_code": "610522001"}), ring(&[(X[0], Y[0]), (X[1], Y[0]), (X[1], Y[1]), (X[1], Y[2]), (X[0], Y[2]), (X[0], Y[1])])),
            f(
                COMMUNITY_E,
                json!({"town_code": "610522001"}),
                ring(&[(X[1], Y[0]), (X[2], Y[0]), (X[3], Y[0]), (X[3], Y[2]), (X[2], Y[2]), (X[1], Y[2]), (X[1], Y[1])]),
            ),
        ],
    );
    // Block cells with the middle vertex on each, and 002/004 with their corner on 005's straight edge.
    let grids = [
        ("610522001001001", COMMUNITY_W, ring(&[(X[0], Y[0]), (X[1], Y[0]), (X[1], Y[1]), (X[0], Y[1])])),
        ("610522001002002", COMMUNITY_E, ring(&[(X[1], Y[0]), (X[2], Y[0]), (X[2], Y[1]), (X[1], Y[1])])),
        ("610522001001003", COMMUNITY_W, ring(&[(X[0], Y[1]), (X[1], Y[1]), (X[1], Y[2]), (X[0], Y[2])])),
        ("610522001002004", COMMUNITY_E, ring(&[(X[1], Y[1]), (X[2], Y[1]), (X[2], Y[2]), (X[1], Y[2])])),
        ("610522001002005", COMMUNITY_E, ring(&[(X[2], Y[0]), (X[3], Y[0]), (X[3], Y[2]), (X[2], Y[2])])),
    ];
    ds.layers.insert(
        Layer::Grids,
        grids.iter().map(|(c, m, g)| f(c, json!({"community_code": m, "manager": "李娜"}), g.clone())).collect(),
    );
    ds.layers.insert(
        Layer::Units,
        grids.iter().map(|(c, _, g)| f(&format!("{c}001"), json!({"grid_code": c, "kind": "lane"}), g.clone())).collect(),
    );
    ds.layers.insert(
        Layer::Villages,
        vec![
            f("610522100201", json!({"merged_into": COMMUNITY_W}), ring(&[(X[0], Y[0]), (X[1], Y[0]), (X[2], Y[0]), (X[2], Y[1]), (X[1], Y[1]), (X[0], Y[1])])),
            f("610522100202", json!({"merged_into": COMMUNITY_W}), ring(&[(X[0], Y[1]), (X[1], Y[1]), (X[2], Y[1]), (X[2], Y[2]), (X[1], Y[2]), (X[0], Y[2])])),
            f("610522100203", json!({"merged_into": COMMUNITY_E}), cell(X[2], Y[0], X[3], Y[2])),
        ],
    );
    // On the shared vertex, the T-junction, every shared edge, and one inside each grid.
    let points = [
        (X[1], Y[1]),
        (X[2], Y[1]),
        (X[1], Y[0] + S / 2.0),
        (X[1], Y[1] + S / 2.0),
        (X[0] + S / 2.0, Y[1]),
        (X[1] + S / 2.0, Y[1]),
        (X[2], Y[0] + S / 2.0),
        (X[2], Y[1] + S / 2.0),
        (X[0] + S / 3.0, Y[0] + S / 3.0),
        (X[3] - S / 3.0, Y[2] - S / 3.0),
    ];
    ds.layers.insert(
        Layer::Households,
        points
            .iter()
            .enumerate()
            .map(|(i, (x, y))| f(&format!("H{i:02}"), json!({"head": format!("户主{i}"), "members": 1}), Geometry::Point(Point::new(*x, *y))))
            .collect(),
    );
    ds
}

fn code(atlas: &Atlas, layer: Layer, i: Option<usize>) -> Option<String> {
    i.map(|i| atlas.layer(layer).unwrap().features[i].code.clone())
}

#[test]
fn every_answer_gives_a_household_on_a_shared_edge_or_vertex_the_same_single_owner() {
    let atlas = Atlas::build(&dataset(), 0).unwrap();
    let hh = atlas.layer(Layer::Households).unwrap();
    let owners = atlas.household_owners();
    let layers = [Layer::County, Layer::Towns, Layer::Communities, Layer::Villages, Layer::Grids, Layer::Units];
    for h in 0..hh.len() {
        for l in layers {
            assert!(owners.of(h, l).is_some(), "{} has no owner in {l:?}", hh.features[h].code);
        }
    }
    // Exactly one owner, even where several features cover the point.
    let at = atlas.points(Layer::Households).xy_m[0].unwrap();
    assert_eq!(atlas.covering(Layer::Grids, at).len(), 4, "the middle vertex is covered by the whole block");

    // Locate: the chain shown for a click on the household.
    let dir = Directory::of(&atlas);
    for (h, f) in hh.features.iter().enumerate() {
        let Geometry::Point(p) = f.geometry else { unreachable!() };
        let located = atlas.locate(p.x(), p.y(), 0.0).unwrap();
        for l in layers {
            assert_eq!(code(&atlas, l, located.owner(l)), code(&atlas, l, owners.of(h, l)), "locate, {} in {l:?}", f.code);
        }
        // The directory and search: the chain each hit carries.
        let chain = dir.chain(&atlas, Layer::Households, h);
        let want = |l| code(&atlas, l, owners.of(h, l));
        assert_eq!(code(&atlas, Layer::Towns, chain.town), want(Layer::Towns), "directory, {}", f.code);
        assert_eq!(code(&atlas, Layer::Communities, chain.community), want(Layer::Communities), "directory, {}", f.code);
        assert_eq!(code(&atlas, Layer::Villages, chain.village), want(Layer::Villages), "directory, {}", f.code);
        assert_eq!(code(&atlas, Layer::Grids, chain.grid), want(Layer::Grids), "directory, {}", f.code);
        assert_eq!(code(&atlas, Layer::Units, chain.unit), want(Layer::Units), "directory, {}", f.code);
        let hits = dir.search.search(f.str_prop("head").unwrap(), SearchOptions::default());
        let hit = hits.iter().find(|x| x.layer == Layer::Households && x.index == h).expect("found by name");
        assert_eq!(dir.chain(&atlas, hit.layer, hit.index), chain);
        // Grid and unit listings.
        for l in [Layer::Grids, Layer::Units] {
            let listed: Vec<usize> = (0..atlas.layer(l).unwrap().len())
                .filter(|&i| dir.households_of(&atlas, l, i).iter().any(|m| m.index == h && m.lies_in))
                .collect();
            assert_eq!(listed, vec![owners.of(h, l).unwrap()], "{} is listed in one {l:?}", f.code);
        }
    }

    // Coverage: households per grid, none uncovered.
    let report = atlas.coverage(&Settings::default());
    let mut per_grid = vec![0u64; atlas.layer(Layer::Grids).unwrap().len()];
    for h in 0..hh.len() {
        per_grid[owners.of(h, Layer::Grids).unwrap()] += 1;
    }
    assert_eq!(report.households_per_grid.as_deref(), Some(&per_grid[..]), "coverage");
    assert!(report.summary.iter().all(|r| r.households_uncovered == Some(0)), "{:?}", report.summary);
    assert_eq!(report.summary[0].households, Some(hh.len() as u64));

    // Crosswalk: each household's community, grid, unit and village.
    for (h, p) in atlas.place_households().iter().enumerate() {
        let f = &hh.features[h].code;
        assert_eq!(p.community, owners.of(h, Layer::Communities), "crosswalk, {f}");
        assert_eq!(p.grid, owners.of(h, Layer::Grids), "crosswalk, {f}");
        assert_eq!(p.unit, owners.of(h, Layer::Units), "crosswalk, {f}");
        assert_eq!(p.village, owners.of(h, Layer::Villages), "crosswalk, {f}");
    }
    let cw = atlas.crosswalk();
    let in_village: usize = cw.villages.iter().map(|v| v.households).sum();
    assert_eq!(in_village, hh.len());

    // Plan statistics of each community's draft (a copy of its published grids): the same grid, no move.
    let mut placed: BTreeMap<String, String> = BTreeMap::new();
    for community in [COMMUNITY_W, COMMUNITY_E] {
        let draft = Draft::from_atlas(&atlas, community).unwrap();
        let stats = draft.stats(&atlas, &Settings::default()).unwrap();
        assert!(stats.moves.is_empty(), "{community}: {:?}", stats.moves);
        assert_eq!(stats.households_uncovered, 0, "{community}");
        let mine = (0..hh.len()).filter(|&h| code(&atlas, Layer::Communities, owners.of(h, Layer::Communities)).as_deref() == Some(community));
        assert_eq!(stats.households, mine.count() as u64, "{community}");
        for (k, v) in stats.placement {
            assert!(placed.insert(k.clone(), v).is_none(), "{k} placed by two communities' drafts");
        }
    }
    for (h, f) in hh.features.iter().enumerate() {
        assert_eq!(placed.get(&f.code).cloned(), code(&atlas, Layer::Grids, owners.of(h, Layer::Grids)), "plan statistics, {}", f.code);
    }
}

#[test]
fn the_block_vertex_is_owned_by_one_grid_not_the_first_by_code() {
    let atlas = Atlas::build(&dataset(), 0).unwrap();
    let owner = atlas.owner(Layer::Grids, geo::coord! { x: X[1], y: Y[1] }).unwrap();
    // Half-open (west and south edges in, east and north out): the north-east cell, not the first by code.
    assert_eq!(code(&atlas, Layer::Grids, Some(owner)).unwrap(), "610522001002004");
    let at = atlas.points(Layer::Households).xy_m[0].unwrap();
    assert!(atlas.covering(Layer::Grids, at).contains(&owner));
    // The T-junction: the east column, whose straight west edge the block's corners lie on.
    assert_eq!(code(&atlas, Layer::Grids, atlas.owner(Layer::Grids, geo::coord! { x: X[2], y: Y[1] })).unwrap(), "610522001002005");
}
