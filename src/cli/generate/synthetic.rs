//! A large synthetic county for benchmarks: a perturbed lattice of grids whose wiggly edges are shared
//! exactly, grouped into communities and towns, with clustered household points and planted gaps, slivers
//! and overlaps.
//!
//! Each lattice edge is one polyline, drawn once from its own seed and reused by the two grids beside it and
//! by the community and town lines above them (the same arc chaining as the Tongguan generator), so edges
//! are shared vertex for vertex by construction.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use anyhow::{Result, bail};
use geo::{Centroid, Contains, Coord, Geometry, MultiPolygon, Point};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::defects::{displace, resample};
use super::layers::round_deg;
use super::noise::{Noise, mix64};
use super::settlement::rng_for;
use super::topology::{self, Arc, OUTSIDE, Topology};
use crate::atlas::numbering::reading_order;
use crate::model::crs::MetricCrs;
use crate::model::validate::geometry_problems;
use crate::model::{Dataset, Feature, Layer};

/// Lattice cell size in metres (a grid is about this square).
const CELL_M: f64 = 300.0;
/// Grids per community block side, communities per town block side.
const COMM_BLOCK: usize = 7;
const TOWN_BLOCK: usize = 4;
/// Where the synthetic county lies (lon, lat of its south-west corner).
const ORIGIN: (f64, f64) = (110.05, 34.05);
pub const COUNTY_CODE: &str = "619901";

/// What was planted, for the summary.
#[derive(Default, Debug)]
pub struct Planted {
    pub slivers: Vec<(String, String)>,
    pub overlaps: Vec<(String, String)>,
    pub blind_spots: Vec<(String, String)>,
    pub households_uncovered: usize,
    pub households_mismatch: usize,
}

/// Generates `grids` grids and `households` household points into `out`. Returns a summary.
pub fn generate(grids: usize, households: usize, seed: u64, out: &Path) -> Result<String> {
    if grids == 0 {
        bail!("--grids must be at least 1");
    }
    let clock = std::time::Instant::now();
    let cols = (grids as f64).sqrt().round().max(1.0) as usize;
    let rows = grids.div_ceil(cols);
    let in_county = |i: isize, j: isize| -> bool {
        i >= 0 && j >= 0 && (i as usize) < cols && (j as usize) < rows && (j as usize) * cols + (i as usize) < grids
    };
    // Rows fill from the north, so a partial last row is the southern edge.
    let cell =
        |i: isize, j: isize| -> u32 { if in_county(i, j) { (j as usize * cols + i as usize) as u32 } else { OUTSIDE } };

    let crs = MetricCrs::for_lon(ORIGIN.0);
    let o = crs.project(ORIGIN.0, ORIGIN.1)?;
    // Lattice nodes, jittered.
    let node_at = |i: usize, j: usize| -> Coord<f64> {
        let h = mix64(seed ^ mix64((i as u64) << 32 | j as u64));
        let jx = ((h & 0xFFFF) as f64 / 65535.0 - 0.5) * 0.4 * CELL_M;
        let jy = (((h >> 16) & 0xFFFF) as f64 / 65535.0 - 0.5) * 0.4 * CELL_M;
        Coord { x: o.x + i as f64 * CELL_M + jx, y: o.y + (rows - j) as f64 * CELL_M + jy }
    };
    let noise = Noise::new(seed ^ 0x5111);
    // An edge between two nodes: 9 interior points pushed sideways by noise, tapering to the ends.
    let edge = |a: Coord<f64>, b: Coord<f64>| -> Vec<Coord<f64>> {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt();
        let (nx, ny) = (-dy / len, dx / len);
        let mut pts = vec![a];
        for k in 1..10 {
            let t = k as f64 / 10.0;
            let p = Coord { x: a.x + t * dx, y: a.y + t * dy };
            let off = 0.07 * CELL_M * noise.fbm(p.x / 700.0, p.y / 700.0, 3) * (std::f64::consts::PI * t).sin();
            pts.push(Coord { x: p.x + nx * off, y: p.y + ny * off });
        }
        pts.push(b);
        pts
    };
    let nid = |i: usize, j: usize| j * (cols + 1) + i;
    let mut nodes = Vec::with_capacity((cols + 1) * (rows + 1));
    for j in 0..=rows {
        for i in 0..=cols {
            nodes.push(node_at(i, j));
        }
    }
    // Cell (i, j) has corners (i, j) top-left .. (i+1, j+1) bottom-right (j grows south).
    let mut arcs = Vec::new();
    for j in 0..=rows {
        for i in 0..cols {
            // Horizontal edge from (i, j) to (i+1, j), heading east: north (cell j-1) on the left.
            let (l, r) = (cell(i as isize, j as isize - 1), cell(i as isize, j as isize));
            if l != r {
                arcs.push(Arc {
                    pts: edge(nodes[nid(i, j)], nodes[nid(i + 1, j)]),
                    start: nid(i, j),
                    end: nid(i + 1, j),
                    left: l,
                    right: r,
                    county_edge: l == OUTSIDE || r == OUTSIDE,
                });
            }
        }
    }
    for j in 0..rows {
        for i in 0..=cols {
            // Vertical edge from (i, j+1) to (i, j), heading north: west (cell i-1) on the left.
            let (l, r) = (cell(i as isize - 1, j as isize), cell(i as isize, j as isize));
            if l != r {
                arcs.push(Arc {
                    pts: edge(nodes[nid(i, j + 1)], nodes[nid(i, j)]),
                    start: nid(i, j + 1),
                    end: nid(i, j),
                    left: l,
                    right: r,
                    county_edge: l == OUTSIDE || r == OUTSIDE,
                });
            }
        }
    }
    let topo = Topology { atoms: Vec::new(), atom_of_pixel: Vec::new(), nodes, arcs };

    // Hierarchy: communities are blocks of grids, towns blocks of communities.
    let ccols = cols.div_ceil(COMM_BLOCK);
    let comm_of = |g: u32| -> u32 {
        let (i, j) = (g as usize % cols, g as usize / cols);
        ((j / COMM_BLOCK) * ccols + i / COMM_BLOCK) as u32
    };
    let tcols = ccols.div_ceil(TOWN_BLOCK);
    let town_of_comm = |c: u32| -> u32 {
        let (i, j) = (c as usize % ccols, c as usize / ccols);
        ((j / TOWN_BLOCK) * tcols + i / TOWN_BLOCK) as u32
    };
    let label = |lvl: u8, a: u32| -> u32 {
        if a == OUTSIDE {
            return OUTSIDE;
        }
        match lvl {
            0 => 0,
            1 => town_of_comm(comm_of(a)),
            2 => comm_of(a),
            _ => a,
        }
    };

    // Planted line defects: one of each kind per 1,000 grids (at least one), on interior edges far apart.
    let per = (grids / 1000).max(1);
    let mut overrides: BTreeMap<(usize, u32), Vec<Coord<f64>>> = BTreeMap::new();
    let mut zones: Vec<(u8, usize)> = Vec::new();
    let mut rng = rng_for(seed, 0x5_1A7, 0);
    let mut order: Vec<usize> = (0..topo.arcs.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.gen_range(0..=i);
        order.swap(i, j);
    }
    let mut used_cells: Vec<u32> = Vec::new();
    let near_used = |g: u32, used: &[u32]| {
        let (gi, gj) = ((g as usize % cols) as i64, (g as usize / cols) as i64);
        used.iter().any(|&u| ((u as usize % cols) as i64 - gi).abs() < 4 && ((u as usize / cols) as i64 - gj).abs() < 4)
    };
    for kind in 0..3u8 {
        let mut got = 0;
        for &ai in &order {
            if got == per {
                break;
            }
            let a = &topo.arcs[ai];
            if a.county_edge || near_used(a.left, &used_cells) || near_used(a.right, &used_cells) {
                continue;
            }
            let same_comm = comm_of(a.left) == comm_of(a.right);
            if (kind == 2) == same_comm {
                continue;
            }
            let dense = resample(&a.pts, 5.0);
            let last = dense.len() - 1;
            match kind {
                // Sliver: the right grid pulls back 1 m.
                0 => {
                    overrides.insert((ai, a.right), displace(&dense, 0, last, -1.0));
                }
                // Overlap: the right grid pushes 0.15 cell into the left one.
                1 => {
                    overrides.insert((ai, a.right), displace(&dense, 0, last, 0.15 * CELL_M));
                }
                // Blind spot between communities: both pull back 0.1 cell.
                _ => {
                    overrides.insert((ai, a.left), displace(&dense, 0, last, 0.1 * CELL_M));
                    overrides.insert((ai, a.right), displace(&dense, 0, last, -0.1 * CELL_M));
                }
            }
            zones.push((kind, ai));
            used_cells.extend([a.left, a.right]);
            got += 1;
        }
    }

    // Polygons in lon/lat: every arc (and override) converted and rounded once.
    let to_ll = |pts: &[Coord<f64>]| -> Result<Vec<Coord<f64>>> {
        let mut c = pts.to_vec();
        crs.unproject_coords(&mut c)?;
        let mut out: Vec<Coord<f64>> = c.into_iter().map(|p| Coord { x: round_deg(p.x), y: round_deg(p.y) }).collect();
        out.dedup();
        Ok(out)
    };
    let arcs_ll = topo.arcs.iter().map(|a| to_ll(&a.pts)).collect::<Result<Vec<_>>>()?;
    let mut ov_ll = BTreeMap::new();
    for (k, pts) in &overrides {
        let mut ll = to_ll(pts)?;
        ll[0] = arcs_ll[k.0][0];
        let n = ll.len() - 1;
        ll[n] = *arcs_ll[k.0].last().unwrap();
        ov_ll.insert(*k, ll);
    }
    let none = BTreeMap::new();
    let county = topology::polygons(&topo, &arcs_ll, |a| label(0, a), &none)?;
    let towns = topology::polygons(&topo, &arcs_ll, |a| label(1, a), &none)?;
    let comms = topology::polygons(&topo, &arcs_ll, |a| label(2, a), &none)?;
    let grid_polys = topology::polygons(&topo, &arcs_ll, |a| label(3, a), &ov_ll)?;

    // Codes: towns and communities in lattice order, grids in reading order inside their community.
    let town_code = |t: u32| format!("{COUNTY_CODE}{:03}", t + 1);
    let mut comm_local: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for g in 0..grids as u32 {
        comm_local.entry(comm_of(g)).or_default().push(g);
    }
    // Community sequence numbers are unique within a town: number them in order within each town.
    let mut comm_seq: BTreeMap<u32, u32> = BTreeMap::new();
    let mut per_town: BTreeMap<u32, u32> = BTreeMap::new();
    for &c in comm_local.keys() {
        let n = per_town.entry(town_of_comm(c)).or_default();
        *n += 1;
        comm_seq.insert(c, *n);
    }
    let comm_code_of = |c: u32| format!("{}{:03}", town_code(town_of_comm(c)), 200 + comm_seq[&c]);
    let grid_m: Vec<MultiPolygon<f64>> = (0..grids as u32)
        .map(|g| {
            let ll = Geometry::MultiPolygon(grid_polys[&g].clone());
            match crs.project_geometry(&ll) {
                Ok(Geometry::MultiPolygon(m)) => m,
                _ => MultiPolygon(vec![]),
            }
        })
        .collect();
    let mut grid_code = vec![String::new(); grids];
    for (&c, gs) in &comm_local {
        let cents: Vec<Coord<f64>> =
            gs.iter().map(|&g| grid_m[g as usize].centroid().map_or(Coord::default(), |p| p.0)).collect();
        for (k, &o) in reading_order(&cents, 0.6 * CELL_M).iter().enumerate() {
            grid_code[gs[o] as usize] = format!("{}{:03}", comm_code_of(c), k + 1);
        }
    }

    let feat = |code: String, props: Value, g: MultiPolygon<f64>| -> Feature {
        let mut m = Map::new();
        m.insert("code".into(), code.clone().into());
        if let Value::Object(p) = props {
            m.extend(p);
        }
        Feature { code, properties: m, geometry: Geometry::MultiPolygon(g) }
    };
    let mut ds = Dataset::default();
    ds.layers.insert(Layer::County, vec![feat(COUNTY_CODE.into(), json!({"name": "合成县"}), county[&0].clone())]);
    ds.layers.insert(
        Layer::Towns,
        towns
            .iter()
            .map(|(&t, g)| {
                feat(town_code(t), json!({"name": format!("第{}镇", t + 1), "county_code": COUNTY_CODE}), g.clone())
            })
            .collect(),
    );
    ds.layers.insert(
        Layer::Communities,
        comms
            .iter()
            .map(|(&c, g)| {
                let code = comm_code_of(c);
                feat(
                    code.clone(),
                    json!({"name": format!("第{}镇第{}村", town_of_comm(c) + 1, comm_seq[&c]), "town_code": town_code(town_of_comm(c)), "kind": "rural"}),
                    g.clone(),
                )
            })
            .collect(),
    );
    ds.layers.insert(
        Layer::Grids,
        grid_polys
            .iter()
            .map(|(&g, p)| {
                let code = grid_code[g as usize].clone();
                let seq: u32 = code[12..].parse().unwrap_or(0);
                feat(
                    code.clone(),
                    json!({"name": format!("{}第{}网格", comm_code_of(comm_of(g)), seq), "community_code": comm_code_of(comm_of(g)), "manager": "合成", "manager_phone": "13900000000", "target_households": 400}),
                    p.clone(),
                )
            })
            .collect(),
    );

    // Households: clustered points around one to three centres per grid, inside the grid as drawn; the
    // planted blind spots get a few, and one in a thousand is carried on a neighbour grid's roster.
    let mut hh = Vec::with_capacity(households);
    let mut planted = Planted::default();
    let base = households / grids;
    let extra = households % grids;
    let mut serial = 0u64;
    let mut push = |hh: &mut Vec<Feature>, at: Coord<f64>, roster: &str| -> Result<()> {
        serial += 1;
        let ll = crs.unproject(at.x, at.y)?;
        let code = format!("{COUNTY_CODE}{serial:08}");
        let mut m = Map::new();
        m.insert("code".into(), code.clone().into());
        m.insert("grid_code".into(), roster.into());
        m.insert("unit_code".into(), "".into());
        m.insert("village_code".into(), "".into());
        hh.push(Feature {
            code,
            properties: m,
            geometry: Geometry::Point(Point::new(round_deg(ll.x), round_deg(ll.y))),
        });
        Ok(())
    };
    for g in 0..grids {
        let mut r = rng_for(seed, 0x40_05E, g as u64);
        let n = base + usize::from(g < extra);
        let poly = &grid_m[g];
        let c = poly.centroid().map_or(Coord::default(), |p| p.0);
        let centres: Vec<Coord<f64>> = (0..r.gen_range(1..=3))
            .map(|_| Coord { x: c.x + r.gen_range(-0.2..0.2) * CELL_M, y: c.y + r.gen_range(-0.2..0.2) * CELL_M })
            .collect();
        for k in 0..n {
            let ctr = centres[k % centres.len()];
            let mut at = c;
            for _ in 0..20 {
                let (u1, u2): (f64, f64) = (r.gen_range(1e-9..1.0), r.gen_range(0.0..1.0));
                let rad = (-2.0 * u1.ln()).sqrt() * 0.09 * CELL_M;
                let p = Coord {
                    x: ctr.x + rad * (std::f64::consts::TAU * u2).cos(),
                    y: ctr.y + rad * (std::f64::consts::TAU * u2).sin(),
                };
                if poly.contains(&Point(p)) {
                    at = p;
                    break;
                }
            }
            let mut roster = grid_code[g].clone();
            if r.gen_bool(0.001) && g + 1 < grids {
                roster = grid_code[g + 1].clone();
                planted.households_mismatch += 1;
            }
            push(&mut hh, at, &roster)?;
        }
    }
    for &(kind, ai) in &zones {
        let a = &topo.arcs[ai];
        let (l, r) = (grid_code[a.left as usize].clone(), grid_code[a.right as usize].clone());
        match kind {
            0 => planted.slivers.push((l, r)),
            1 => planted.overlaps.push((l, r)),
            _ => {
                // Three households on the middle of the community line, inside neither grid.
                let mid = a.pts[a.pts.len() / 2];
                for _ in 0..3 {
                    push(&mut hh, mid, &l)?;
                    planted.households_uncovered += 1;
                }
                planted.blind_spots.push((l, r));
            }
        }
    }
    ds.layers.insert(Layer::Households, hh);
    for fs in ds.layers.values_mut() {
        fs.sort_by(|a, b| a.code.cmp(&b.code));
    }

    // Checks: every polygon valid, every grid edge shared exactly except at planted defects.
    let mut invalid = 0;
    for l in [Layer::County, Layer::Towns, Layer::Communities, Layer::Grids] {
        for f in ds.get(l) {
            invalid += geometry_problems(&f.geometry).len();
        }
    }
    crate::model::geojson_io::write_dir(out, &ds)?;
    let census = super::verify::census(&ds, crs, &[])?;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "synthetic county {COUNTY_CODE}: {} towns, {} communities, {} grids ({cols} x {rows} lattice of ~{CELL_M} m cells), {} households",
        ds.get(Layer::Towns).len(),
        ds.get(Layer::Communities).len(),
        grids,
        ds.get(Layer::Households).len()
    );
    let _ = writeln!(s, "invalid polygons: {invalid}");
    for e in census.edges.iter().filter(|e| e.child_segments > 0) {
        let _ = writeln!(
            s,
            "shared edges, {}: {} ring segments, {} not shared (planted defects only), {} parent segments not followed",
            e.layer, e.child_segments, e.unmatched, e.parent_uncovered
        );
    }
    let _ = writeln!(
        s,
        "census: {} gap pieces, {} overlap pieces, {} households in no grid, {} in two grids, {} on another grid's roster",
        census.gaps.len(),
        census.overlaps.len(),
        census.households_uncovered.len(),
        census.households_in_two_grids.len(),
        census.households_mismatch.len()
    );
    let _ = writeln!(
        s,
        "planted: {} slivers (1 m wide), {} overlaps ({} m wide), {} blind spots ({} m wide, between communities), {} households in blind spots, {} households on a neighbour grid's roster",
        planted.slivers.len(),
        planted.overlaps.len(),
        0.15 * CELL_M,
        planted.blind_spots.len(),
        0.2 * CELL_M,
        planted.households_uncovered,
        planted.households_mismatch
    );
    for (k, v) in [("sliver", &planted.slivers), ("overlap", &planted.overlaps), ("blind_spot", &planted.blind_spots)] {
        for (a, b) in v {
            let _ = writeln!(s, "  {k}: {a} / {b}");
        }
    }
    let _ = writeln!(s, "generated in {:.1} s", clock.elapsed().as_secs_f32());
    std::fs::write(
        out.join("README.md"),
        format!(
            "# Synthetic county (benchmarks)\n\nGenerated by `gridmap generate --synthetic --grids {grids} --households {households} --seed {seed}`.\n\n```\n{s}```\n"
        ),
    )?;
    if invalid > 0 {
        bail!("{invalid} invalid polygons in the synthetic county");
    }
    Ok(s)
}
