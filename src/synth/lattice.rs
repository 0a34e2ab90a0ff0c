//! A deterministic lattice county of any size for tests, benchmarks and `gridmap generate --synthetic`: grids
//! on a jittered lattice whose edges wander and are shared vertex for vertex by both neighbours, communities and
//! towns made of blocks of grids (their boundaries are the grids' outer edges, the very same vertices),
//! households clustered inside grids, and planted defects of known kind and place.
//!
//! It exists so the coverage check can be tested against PostGIS and benchmarked at 10,000 grids and 1,000,000
//! households without the Tongguan generator's sources and minutes; the same seed gives the same dataset.

use std::fmt::Write;
use std::path::Path;

use geo::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use serde_json::{Value, json};

// The coverage check's point-in-polygon rule, so no household is placed where the check would not find it.
use crate::atlas::cells::contains_xy;
use crate::model::crs::MetricCrs;
use crate::model::validate::geometry_problems;
use crate::model::{Dataset, Feature, Layer};

/// What to build.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Grids along x and y (the lattice is `grids_x × grids_y`).
    pub grids_x: usize,
    pub grids_y: usize,
    /// Lattice spacing, metres.
    pub grid_m: f64,
    /// A community is a block of `community_grids × community_grids` grids.
    pub community_grids: usize,
    /// A town is a block of `town_communities × town_communities` communities.
    pub town_communities: usize,
    /// Households in all (points).
    pub households: usize,
    /// Intermediate vertices on each lattice edge (a grid ring has `4 × (edge_vertices + 1)` vertices).
    pub edge_vertices: usize,
    pub seed: u64,
    /// Plant gaps (slivers and blind spots), overlaps, unstaffed grids and misregistered households.
    pub defects: bool,
    /// With defects, one household in this many is on the next grid's roster (1: every one, for a report of a
    /// million defects).
    pub misregister_every: usize,
}

impl Spec {
    /// About `grids` grids on a square lattice of 300 m, communities of 7 × 7 grids, towns of 5 × 5
    /// communities, with defects.
    ///
    /// ```
    /// use gridmap::synth::lattice::Spec;
    /// let s = Spec::with_grids(10_000, 1_000_000);
    /// assert_eq!(s.grids_x * s.grids_y, 10_000);
    /// ```
    pub fn with_grids(grids: usize, households: usize) -> Spec {
        let side = (grids as f64).sqrt().round().max(1.0) as usize;
        Spec {
            grids_x: side,
            grids_y: grids.div_ceil(side),
            grid_m: 300.0,
            community_grids: 7,
            town_communities: 5,
            households,
            edge_vertices: 15,
            seed: 20_151_231,
            defects: true,
            misregister_every: 211,
        }
    }
}

/// A planted defect: its kind (`blind_spot`, `sliver`, `overlap`, `grid_unstaffed`, `household_mismatch`),
/// the codes involved and, for areal kinds, the area planted (square metres, as built).
#[derive(Clone, Debug, PartialEq)]
pub struct Planted {
    pub kind: &'static str,
    pub codes: Vec<String>,
    pub area_m2: f64,
    /// The community it is in.
    pub parent: String,
}

/// The dataset (lon/lat, as the contract stores it) and what was planted in it.
#[derive(Clone, Debug)]
pub struct Synthetic {
    pub dataset: Dataset,
    pub planted: Vec<Planted>,
}

/// A number in [-1, 1) from a key: the same key, the same number, whatever order things are built in.
fn noise(seed: u64, a: u64, b: u64, c: u64) -> f64 {
    let mut z = seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) ^ c.wrapping_mul(0x1656_67B1_9E37_79F9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

struct Lattice<'a> {
    s: &'a Spec,
}

impl Lattice<'_> {
    fn node(&self, i: usize, j: usize) -> Coord<f64> {
        let s = self.s;
        let jx = noise(s.seed, i as u64, j as u64, 1) * 0.2 * s.grid_m;
        let jy = noise(s.seed, i as u64, j as u64, 2) * 0.2 * s.grid_m;
        Coord { x: i as f64 * s.grid_m + jx, y: j as f64 * s.grid_m + jy }
    }

    /// The polyline of the lattice edge from node `a` to node `b` (neighbours), both ends included. Computed
    /// in one canonical direction and reversed, so both grids along the edge hold the same coordinates.
    fn edge(&self, a: (usize, usize), b: (usize, usize)) -> Vec<Coord<f64>> {
        let (p, q, flip) = if a <= b { (a, b, false) } else { (b, a, true) };
        let (pa, pb) = (self.node(p.0, p.1), self.node(q.0, q.1));
        let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
        let len = (dx * dx + dy * dy).sqrt();
        let (nx, ny) = (-dy / len, dx / len);
        let k = self.s.edge_vertices;
        let key = (p.0 * 100_003 + p.1) as u64 * 2 + u64::from(q.0 != p.0);
        let (f1, f2) = (noise(self.s.seed, key, 0, 3), noise(self.s.seed, key, 0, 4));
        let mut pts = Vec::with_capacity(k + 2);
        pts.push(pa);
        for m in 1..=k {
            let t = m as f64 / (k + 1) as f64;
            let wave = (std::f64::consts::PI * t).sin()
                * (0.05 * f1 * (std::f64::consts::PI * t).sin() + 0.03 * f2 * (3.0 * std::f64::consts::PI * t).sin()
                    + 0.01 * noise(self.s.seed, key, m as u64, 5));
            let off = wave * self.s.grid_m;
            pts.push(Coord { x: pa.x + t * dx + off * nx, y: pa.y + t * dy + off * ny });
        }
        pts.push(pb);
        if flip {
            pts.reverse();
        }
        pts
    }

    /// The counter-clockwise ring around the block of cells `i0..i1 × j0..j1`.
    fn block(&self, i0: usize, i1: usize, j0: usize, j1: usize) -> LineString<f64> {
        let mut steps: Vec<((usize, usize), (usize, usize))> = Vec::new();
        steps.extend((i0..i1).map(|i| ((i, j0), (i + 1, j0))));
        steps.extend((j0..j1).map(|j| ((i1, j), (i1, j + 1))));
        steps.extend((i0..i1).rev().map(|i| ((i + 1, j1), (i, j1))));
        steps.extend((j0..j1).rev().map(|j| ((i0, j + 1), (i0, j))));
        let mut ring: Vec<Coord<f64>> = Vec::new();
        for (a, b) in steps {
            let e = self.edge(a, b);
            ring.extend_from_slice(&e[..e.len() - 1]);
        }
        ring.push(ring[0]);
        LineString(ring)
    }
}

/// Moves the intermediate vertices of a ring's edge run `from..to` (vertex indexes) by `d` metres along the
/// left normal of the run's chord (inward for a counter-clockwise ring when `d > 0`).
fn shift_run(ring: &mut LineString<f64>, from: usize, to: usize, d: f64) {
    let (a, b) = (ring.0[from], ring.0[to]);
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt();
    let (nx, ny) = (-dy / len, dx / len);
    for v in &mut ring.0[from + 1..to] {
        v.x += d * nx;
        v.y += d * ny;
    }
}

fn ring_area(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum::<f64>() / 2.0
}

/// Builds the synthetic county.
///
/// ```
/// use gridmap::synth::lattice::{build, Spec};
/// use gridmap::model::Layer;
/// let mut spec = Spec::with_grids(100, 1_000);
/// spec.defects = false;
/// let s = build(&spec);
/// assert_eq!(s.dataset.get(Layer::Grids).len(), 100);
/// assert_eq!(s.dataset.get(Layer::Households).len(), 1_000);
/// assert!(s.planted.is_empty());
/// ```
pub fn build(spec: &Spec) -> Synthetic {
    let lat = Lattice { s: spec };
    let crs = MetricCrs { epsg: 4546 };
    // The county sits where Tongguan is (about 110.25°E, 34.5°N in zone CM 111°E).
    let origin = Coord { x: 425_000.0, y: 3_805_000.0 };
    let to_lonlat = |ring: &LineString<f64>| -> LineString<f64> {
        let mut cs: Vec<Coord<f64>> = ring.0.iter().map(|c| Coord { x: c.x + origin.x, y: c.y + origin.y }).collect();
        crs.unproject_coords(&mut cs).expect("the synthetic county lies inside its zone");
        LineString(cs)
    };
    let poly = |ring: &LineString<f64>| Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(to_lonlat(ring), vec![])]));
    let props = |v: Value| v.as_object().expect("object").clone();
    let feature = |code: String, p: Value, g: Geometry<f64>| Feature { code, properties: props(p), geometry: g };

    let (gx, gy, cg, tc) = (spec.grids_x, spec.grids_y, spec.community_grids.max(1), spec.town_communities.max(1));
    let (cx, cy) = (gx.div_ceil(cg), gy.div_ceil(cg));
    let (tx, ty) = (cx.div_ceil(tc), cy.div_ceil(tc));
    let mut planted = Vec::new();
    let mut ds = Dataset::default();
    let county = "610522".to_string();
    ds.layers.insert(Layer::County, vec![feature(county.clone(), json!({"code": county, "name": "合成县"}), poly(&lat.block(0, gx, 0, gy)))]);

    let town_code = |ti: usize, tj: usize| format!("{county}{:03}", 1 + tj * tx + ti);
    let community_code = |ci: usize, cj: usize| {
        let (ti, tj) = (ci / tc, cj / tc);
        let local = (cj % tc) * tc + ci % tc;
        format!("{}{:03}", town_code(ti, tj), 1 + local)
    };
    let mut towns = Vec::new();
    for tj in 0..ty {
        for ti in 0..tx {
            let (i0, i1) = (ti * tc * cg, ((ti + 1) * tc * cg).min(gx));
            let (j0, j1) = (tj * tc * cg, ((tj + 1) * tc * cg).min(gy));
            let code = town_code(ti, tj);
            towns.push(feature(code.clone(), json!({"code": code, "name": format!("第{}镇", 1 + tj * tx + ti), "county_code": county}), poly(&lat.block(i0, i1, j0, j1))));
        }
    }
    ds.layers.insert(Layer::Towns, towns);
    let mut communities = Vec::new();
    for cj in 0..cy {
        for ci in 0..cx {
            let (i0, i1) = (ci * cg, ((ci + 1) * cg).min(gx));
            let (j0, j1) = (cj * cg, ((cj + 1) * cg).min(gy));
            let code = community_code(ci, cj);
            let town = code[..9].to_string();
            let kind = if (ci + cj) % 3 == 0 { "urban" } else { "rural" };
            communities.push(feature(code.clone(), json!({"code": code, "name": format!("社区{code}"), "town_code": town, "kind": kind}), poly(&lat.block(i0, i1, j0, j1))));
        }
    }
    ds.layers.insert(Layer::Communities, communities);

    // Grids: the lattice cells, numbered row by row from the south-west inside their community (simpler than
    // the coding rule's reading order, and all the check needs).
    let grid_code = |i: usize, j: usize| {
        let (ci, cj) = (i / cg, j / cg);
        format!("{}{:03}", community_code(ci, cj), 1 + (j % cg) * cg + i % cg)
    };
    let mut rings: Vec<LineString<f64>> = Vec::with_capacity(gx * gy);
    let mut dropped = vec![false; gx * gy];
    for j in 0..gy {
        for i in 0..gx {
            rings.push(lat.block(i, i + 1, j, j + 1));
        }
    }
    let k = spec.edge_vertices + 1; // vertices per lattice edge in a ring, without its end
    if spec.defects {
        // Every 37th grid gets a defect on its east edge (vertices k..2k of its ring), when that edge is inside its
        // community (so the defect is between siblings): shrunk by 0.8 m (sliver), by 15 m (blind spot), or
        // pushed 6 m into its neighbour (overlap). Every 401st grid is missing (a blind spot of its whole area).
        for j in 0..gy {
            for i in 0..gx {
                let n = j * gx + i;
                if n % 401 == 200 {
                    dropped[n] = true;
                    planted.push(Planted { kind: "blind_spot", codes: vec![grid_code(i, j)], area_m2: ring_area(&rings[n].0), parent: grid_code(i, j)[..12].to_string() });
                    continue;
                }
                if n % 37 != 5 || (i + 1) % cg == 0 || i + 1 >= gx || dropped.get(n + 1).copied().unwrap_or(false) || (n + 1) % 401 == 200 {
                    continue;
                }
                let (kind, d) = match (n / 37) % 3 {
                    0 => ("sliver", 0.8),
                    1 => ("blind_spot", 15.0),
                    _ => ("overlap", -6.0),
                };
                let before = ring_area(&rings[n].0);
                shift_run(&mut rings[n], k, 2 * k, d);
                let after = ring_area(&rings[n].0);
                let codes = if kind == "overlap" { vec![grid_code(i, j), grid_code(i + 1, j)] } else { vec![grid_code(i, j)] };
                planted.push(Planted { kind, codes, area_m2: (before - after).abs(), parent: grid_code(i, j)[..12].to_string() });
            }
        }
    }
    let mut grids = Vec::with_capacity(gx * gy);
    for j in 0..gy {
        for i in 0..gx {
            let n = j * gx + i;
            if dropped[n] {
                continue;
            }
            let code = grid_code(i, j);
            let community = code[..12].to_string();
            let mut p = json!({"code": code, "name": format!("网格{code}"), "community_code": community, "target_households": 400});
            if spec.defects && n % 97 == 3 {
                planted.push(Planted { kind: "grid_unstaffed", codes: vec![code.clone()], area_m2: 0.0, parent: community.clone() });
            } else {
                p["manager"] = json!(format!("网格员{n}"));
                p["manager_phone"] = json!(format!("1390000{:04}", n % 10_000));
            }
            grids.push(feature(code, p, poly(&rings[n])));
        }
    }
    ds.layers.insert(Layer::Grids, grids);

    // Households: clustered around a point near each grid's centre (villages), kept inside the grid they are
    // registered in; a grid's share varies so that some grids are over or under their target.
    let n_grids = gx * gy;
    let mut households = Vec::with_capacity(spec.households);
    let mut pts_m: Vec<Coord<f64>> = Vec::with_capacity(spec.households);
    let mut meta: Vec<(String, usize)> = Vec::with_capacity(spec.households);
    let weights: Vec<f64> = (0..n_grids).map(|n| 1.0 + 0.6 * noise(spec.seed, n as u64, 0, 9)).collect();
    let total_w: f64 = weights.iter().sum();
    let mut made = 0usize;
    let mut acc = 0.0;
    for n in 0..n_grids {
        acc += weights[n];
        let upto = if n + 1 == n_grids { spec.households } else { ((acc / total_w) * spec.households as f64).round() as usize };
        let (i, j) = (n % gx, n / gx);
        let centre = lat.node(i, j);
        let c = Coord { x: centre.x + 0.5 * spec.grid_m, y: centre.y + 0.5 * spec.grid_m };
        // Inside the grid as built and as it was on the lattice, and not in a west neighbour pushed into it:
        // no household stands where two grids overlap, so which grid it lies in is never ambiguous.
        let own = MultiPolygon(vec![Polygon::new(rings[n].clone(), vec![])]);
        let cell = MultiPolygon(vec![Polygon::new(lat.block(i, i + 1, j, j + 1), vec![])]);
        let west = (i > 0).then(|| MultiPolygon(vec![Polygon::new(rings[n - 1].clone(), vec![])]));
        let mut tries = 0u64;
        while made < upto {
            tries += 1;
            let (u, v) = (noise(spec.seed, n as u64, tries, 10), noise(spec.seed, n as u64, tries, 11));
            let spread = 0.35 * spec.grid_m;
            let p = Coord { x: c.x + u * spread, y: c.y + v * spread };
            let inside = contains_xy(&own, p)
                && contains_xy(&cell, p)
                && !west.as_ref().is_some_and(|w| contains_xy(w, p));
            if !inside && tries < 10_000 {
                continue;
            }
            pts_m.push(p);
            meta.push((grid_code(i, j), n));
            made += 1;
        }
    }
    let mut lonlat = pts_m.iter().map(|c| Coord { x: c.x + origin.x, y: c.y + origin.y }).collect::<Vec<_>>();
    for chunk in lonlat.chunks_mut(65_536) {
        crs.unproject_coords(chunk).expect("inside the zone");
    }
    for (h, ((roster, n), ll)) in meta.into_iter().zip(lonlat).enumerate() {
        let code = format!("H{h:07}");
        let mut grid = roster;
        if spec.defects && h % spec.misregister_every.max(1) == 17 % spec.misregister_every.max(1) && !dropped[n] {
            // Registered in the next grid along: a roster error.
            let other = if n + 1 < n_grids { n + 1 } else { n - 1 };
            let (i, j) = (other % gx, other / gx);
            let wrong = grid_code(i, j);
            planted.push(Planted { kind: "household_mismatch", codes: vec![code.clone(), grid.clone(), wrong.clone()], area_m2: 0.0, parent: grid[..12].to_string() });
            grid = wrong;
        }
        let p = json!({"code": code, "grid_code": grid, "unit_code": "", "village_code": ""});
        households.push(feature(code, p, Geometry::Point(Point(ll))));
    }
    ds.layers.insert(Layer::Households, households);
    Synthetic { dataset: ds, planted }
}

/// Builds the county of `spec` and writes it to `out` as a dataset directory, with a README.md saying what was
/// planted (`gridmap generate --synthetic`). Returns that summary, for the command line to print.
pub fn write_dir(spec: &Spec, out: &Path) -> anyhow::Result<String> {
    anyhow::ensure!(spec.grids_x * spec.grids_y > 0, "a lattice county needs at least one grid");
    let clock = std::time::Instant::now();
    let s = build(spec);
    let polygon_layers = [Layer::County, Layer::Towns, Layer::Communities, Layer::Grids];
    let invalid: usize =
        polygon_layers.iter().flat_map(|&l| s.dataset.get(l)).map(|f| geometry_problems(&f.geometry).len()).sum();
    anyhow::ensure!(invalid == 0, "{invalid} invalid polygons in the lattice county");
    crate::model::geojson_io::write_dir(out, &s.dataset)?;

    let count = |kind: &str| s.planted.iter().filter(|p| p.kind == kind).count();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "lattice county: {} towns, {} communities, {} grids ({} x {} lattice of {} m cells), {} households, seed {}",
        s.dataset.get(Layer::Towns).len(),
        s.dataset.get(Layer::Communities).len(),
        s.dataset.get(Layer::Grids).len(),
        spec.grids_x,
        spec.grids_y,
        spec.grid_m,
        s.dataset.get(Layer::Households).len(),
        spec.seed
    );
    let _ = writeln!(
        text,
        "planted: {} slivers, {} blind spots (a missing grid or a grid pulled back), {} overlaps, {} unstaffed grids, {} households on another grid's roster",
        count("sliver"),
        count("blind_spot"),
        count("overlap"),
        count("grid_unstaffed"),
        count("household_mismatch")
    );
    for p in s.planted.iter().filter(|p| p.area_m2 > 0.0) {
        let _ = writeln!(text, "  {}: {} ({:.1} m² in {})", p.kind, p.codes.join(" / "), p.area_m2, p.parent);
    }
    let _ = writeln!(text, "generated in {:.1} s", clock.elapsed().as_secs_f32());
    std::fs::write(
        out.join("README.md"),
        format!("# Lattice county (tests and benchmarks)\n\nGenerated by `gridmap generate --synthetic`.\n\n```\n{text}```\n"),
    )?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_share_their_edge_vertex_for_vertex() {
        let spec = Spec { defects: false, ..Spec::with_grids(9, 0) };
        let lat = Lattice { s: &spec };
        let a = lat.edge((1, 0), (1, 1));
        let mut b = lat.edge((1, 1), (1, 0));
        b.reverse();
        assert_eq!(a, b);
        assert_eq!(a.len(), spec.edge_vertices + 2);
    }

    #[test]
    fn the_same_seed_builds_the_same_county() {
        let spec = Spec::with_grids(50, 500);
        let (a, b) = (build(&spec), build(&spec));
        assert_eq!(a.dataset, b.dataset);
        assert_eq!(a.planted, b.planted);
        assert!(a.planted.iter().any(|p| p.kind == "sliver"));
    }
}
