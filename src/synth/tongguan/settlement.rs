//! Lanes, buildings and the households in them, laid out in metres inside their grids.
//!
//! A Guanzhong village is a block of parallel lanes (巷道), each lined with courtyards (宅基地, about 10 m by
//! 20 m) on one or both sides; a county-seat compound is rows of south-facing slab buildings (楼栋). Both
//! are laid on a lattice around a settlement core, nearest cells first, and a cell is taken only when its
//! unit lies wholly inside the grid with room to spare, clear of other units and of planted defects: so no
//! unit crosses a grid line unless a defect put it there.

use std::collections::BTreeMap;

use anyhow::Result;
use geo::{Contains, Coord, Distance, Euclidean, LineString, MultiPolygon, Polygon};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rstar::{AABB, RTree, primitives::GeomWithData};

use super::defects::{LineDefect, LineKind, touches_zone};
use super::noise::mix64;
use super::raster::edge_distance_m;
use super::territory::{GRID, Territory};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    Lane,
    Building,
}

#[derive(Clone, Debug)]
pub struct Unit {
    pub grid: usize,
    pub kind: UnitKind,
    pub poly_m: Polygon<f64>,
    pub centre_m: Coord<f64>,
    /// Lanes: the legacy village it lies in (by its centre).
    pub village: usize,
    /// Buildings: floors and stairwells (单元).
    pub floors: u32,
    pub stairs: u32,
    /// Households in it, in address order.
    pub households: Vec<usize>,
}

#[derive(Clone, Debug)]
pub enum Home {
    /// A courtyard: its outline.
    Courtyard(Polygon<f64>),
    /// A flat: its point inside the building, with stairwell (单元, from 1) and room (301: floor 3, door 1).
    Flat { at: Coord<f64>, stair: u32, room: u32 },
}

#[derive(Clone, Debug)]
pub struct Household {
    /// The unit it lies in (None for households planted outside every unit).
    pub unit: Option<usize>,
    /// The grid whose roster it belongs to before any roster error is planted.
    pub grid: usize,
    pub home: Home,
    pub members: u32,
    pub male_head: bool,
    /// Planted: why it is where it is (blind_spot, county_fringe, overlap_lane).
    pub planted: Option<&'static str>,
}

impl Household {
    pub fn centre_m(&self) -> Coord<f64> {
        match &self.home {
            Home::Courtyard(p) => centroid(p),
            Home::Flat { at, .. } => *at,
        }
    }
}

pub struct Settlement {
    pub units: Vec<Unit>,
    pub households: Vec<Household>,
    /// Households placed per grid (the grid's own units).
    pub placed: Vec<u32>,
}

/// Lays out every grid's units and households. `targets[g]` households per grid; `grid_polys_m` are the
/// grids as drawn (with planted defects); `village_at` gives the legacy village of a point.
pub fn lay_out(
    t: &Territory,
    grid_polys_m: &BTreeMap<u32, MultiPolygon<f64>>,
    targets: &[u32],
    defects: &[LineDefect],
    village_at: &dyn Fn(Coord<f64>) -> usize,
    seed: u64,
) -> Result<Settlement> {
    let r = &t.raster;
    let edge = edge_distance_m(r, &t.levels[GRID]);
    let pieces = split_pieces(t, &edge);
    let mut s = Settlement { units: Vec::new(), households: Vec::new(), placed: vec![0; t.grids.len()] };
    let mut tree: RTree<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>> = RTree::new();
    // The city's streets run a few degrees off east-west; each village has its own lie.
    let city_angle = 0.05;

    // Planted first: a lane inside each overlap strip, claimed by both grids.
    for d in defects.iter().filter(|d| d.kind == LineKind::Overlap) {
        let mut rng = rng_for(seed, 0xA11E, d.arc as u64);
        let owner = d.grids[1];
        let mut placed = false;
        if let Some((at, lane)) = fit_in_zone(&d.zone_m, &[6, 5, 4], &mut rng) {
            add_lane(&mut s, &mut tree, owner, village_at(at), lane, Some("overlap_lane"));
            placed = true;
        }
        if !placed {
            tracing::warn!(arc = d.arc, "no lane fits the planted overlap strip");
        }
    }

    for (gi, g) in t.grids.iter().enumerate() {
        let mut rng = rng_for(seed, 0x6A1D, gi as u64);
        let urban = t.comms[g.comm].urban;
        let Some(poly) = grid_polys_m.get(&(gi as u32)) else { continue };
        let mut cores = cores(t, gi, &edge);
        // Part of a split village's settlement lies in this grid: its households live here, registered
        // in a village merged into another community.
        let others: f64 = cores.iter().map(|c| c.1).sum();
        for &(p, v) in pieces.iter().filter(|p| p.0 == gi).map(|(_, p, v)| (p, v)).collect::<Vec<_>>().iter() {
            cores.push((*p, others * 0.25, t.villages[*v].seat_m, village_angle(*v)));
        }
        let total_w: f64 = cores.iter().map(|c| c.1).sum();
        let target = targets[gi];
        let mut quota_left = target;
        for (ci, &(core, w, origin, angle)) in cores.iter().enumerate() {
            let quota = if ci + 1 == cores.len() {
                quota_left
            } else {
                ((f64::from(target) * w / total_w).round() as u32).min(quota_left)
            };
            quota_left -= quota;
            let mut want = quota;
            // Lattice cells around the origin, nearest the core first (a little shuffled at the edge).
            let (colsp, rowsp) = if urban { (84.0, 44.0) } else { (108.0, 58.0) };
            let angle = if urban { city_angle + angle } else { angle };
            let (u, v) = axes(angle);
            let reach = if urban { 900.0 } else { 1400.0 };
            for pass in 0..2 {
                if want == 0 {
                    break;
                }
                let shift = if pass == 0 { 0.0 } else { 0.5 };
                let mut cells: Vec<(f64, Coord<f64>)> = Vec::new();
                let nr = (reach / rowsp) as i32 + 2;
                let nc = (reach / colsp) as i32 + 2;
                // Lattice indexes around the core, in the origin's frame.
                let rel = Coord { x: core.x - origin.x, y: core.y - origin.y };
                let (cu, cv) = (rel.x * u.x + rel.y * u.y, rel.x * v.x + rel.y * v.y);
                let (c0, r0) = ((cu / colsp).round() as i32, (cv / rowsp).round() as i32);
                for rr in r0 - nr..=r0 + nr {
                    for cc in c0 - nc..=c0 + nc {
                        let a = (f64::from(cc) + shift) * colsp;
                        let b = (f64::from(rr) + shift) * rowsp;
                        let p = Coord { x: origin.x + a * u.x + b * v.x, y: origin.y + a * u.y + b * v.y };
                        let d = dist(p, core);
                        if d > reach {
                            continue;
                        }
                        let key = if urban {
                            // Town blocks of 3 x 2 buildings come in together, denser ground first but at
                            // random (an exponential race weighted by density): compounds spread over the town.
                            let block = (cc.div_euclid(3), rr.div_euclid(2));
                            let h = mix64(
                                seed ^ mix64(
                                    gi as u64
                                        ^ mix64((block.0 as i64 as u64) << 32 ^ (block.1 as i64 as u64 & 0xFFFF_FFFF)),
                                ),
                            );
                            let u01 = ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
                            let dens = r.pixel_at(p).map_or(1e-9, |k| f64::from(t.density[k]).max(1e-9));
                            -u01.ln() / dens + 1e-3 * d
                        } else {
                            d + rng.gen_range(0.0..0.35) * d
                        };
                        cells.push((key, p));
                    }
                }
                cells.sort_by(|a, b| a.0.total_cmp(&b.0));
                for &(_, p) in &cells {
                    if want == 0 {
                        break;
                    }
                    let ok_here = |poly_m: &Polygon<f64>| fits(t, &edge, gi, poly, poly_m, &tree, &s.units, defects);
                    if urban {
                        let b = building_unit(p, angle + rng.gen_range(-0.03..0.03), &mut rng);
                        if !ok_here(&b.0) {
                            continue;
                        }
                        let took = add_building(&mut s, &mut tree, gi, village_at(p), b, want, &mut rng);
                        want -= took;
                    } else {
                        let n = rng.gen_range(5..=9);
                        let double = rng.gen_bool(0.8);
                        let lane = lane_unit(p, angle + rng.gen_range(-0.02..0.02), n, double, &mut rng);
                        if !ok_here(&lane.0) {
                            continue;
                        }
                        let mut lane = lane;
                        let cap = lane.1.len() as u32;
                        if cap > want {
                            lane.1.truncate(want as usize);
                        }
                        want -= lane.1.len() as u32;
                        add_lane(&mut s, &mut tree, gi, village_at(p), lane, None);
                    }
                }
            }
            if want > 0 {
                tracing::warn!(grid = gi, short = want, "not every household fits its grid");
            }
            s.placed[gi] += quota - want;
        }
    }
    // Members and heads, per household, from the household's own stream.
    for (hi, h) in s.households.iter_mut().enumerate() {
        let mut rng = rng_for(seed, 0x40_05E, hi as u64);
        h.members = members(&mut rng);
        h.male_head = rng.gen_bool(0.78);
    }
    Ok(s)
}

/// Settlement cores of a grid: (core, weight, lattice origin, lattice angle). Rural grids settle around the
/// seats of the villages in them (the lattice anchored on the village seat, so a village split between two
/// grids stays one street plan); a grid with no seat settles where its density peaks. Urban grids settle
/// around their centre.
fn cores(t: &Territory, gi: usize, edge: &[f32]) -> Vec<(Coord<f64>, f64, Coord<f64>, f64)> {
    let r = &t.raster;
    let g = &t.grids[gi];
    let lvl = &t.levels[GRID];
    let inside = |p: Coord<f64>, room: f32| r.pixel_at(p).is_some_and(|k| lvl[k] == gi as u16 && edge[k] >= room);
    let mut out = Vec::new();
    if !t.comms[g.comm].urban {
        for (vi, v) in t.villages.iter().enumerate() {
            if inside(v.seat_m, 60.0) {
                out.push((v.seat_m, v.households, v.seat_m, village_angle(vi)));
            }
        }
    }
    if out.is_empty() {
        // The point of the grid with room, nearest its seed (urban) or densest (rural).
        let mut best: Option<(f64, usize)> = None;
        for k in 0..r.len() {
            if lvl[k] != gi as u16 || edge[k] < 70.0 {
                continue;
            }
            let score = if t.comms[g.comm].urban {
                -dist(r.centre(k), g.seed_m)
            } else {
                f64::from(t.density[k]) - 1e-7 * dist(r.centre(k), g.seed_m)
            };
            if best.is_none_or(|b| score > b.0) {
                best = Some((score, k));
            }
        }
        let core = best.map_or(g.seed_m, |b| r.centre(b.1));
        let (origin, angle) = match g.village {
            Some(v) => (t.villages[v].seat_m, village_angle(v)),
            None => (core, ((mix64(gi as u64 ^ 0x5A) % 1000) as f64 / 1000.0 - 0.5) * 0.14),
        };
        out.push((core, 1.0, origin, angle));
    }
    out
}

/// The lie of a village's lanes: within about ±14° of east-west, fixed per village.
fn village_angle(v: usize) -> f64 {
    ((mix64(v as u64 ^ 0xA5) % 1000) as f64 / 1000.0 - 0.5) * 0.5
}

/// For each village split across two communities, the roomiest point of its piece in the other community:
/// (grid there, point, village).
fn split_pieces(t: &Territory, grid_edge: &[f32]) -> Vec<(usize, Coord<f64>, usize)> {
    let r = &t.raster;
    let vill_edge = edge_distance_m(r, &t.levels[super::territory::VILL]);
    let mut out = Vec::new();
    for (vi, v) in t.villages.iter().enumerate() {
        let Some(c2) = v.split_into else { continue };
        let best = (0..r.len())
            .filter(|&k| {
                t.levels[super::territory::VILL][k] == vi as u16 && t.levels[super::territory::COMM][k] == c2 as u16
            })
            .max_by(|&a, &b| {
                let sa = vill_edge[a].min(grid_edge[a]);
                let sb = vill_edge[b].min(grid_edge[b]);
                sa.total_cmp(&sb).then(b.cmp(&a))
            });
        if let Some(k) = best {
            out.push((t.levels[GRID][k] as usize, r.centre(k), vi));
        }
    }
    out
}

/// Whether a unit footprint may be placed in grid `gi`: inside the grid with room (raster first, then the
/// drawn polygon), clear of other units by a street, and away from planted defects.
#[allow(clippy::too_many_arguments)]
fn fits(
    t: &Territory,
    edge: &[f32],
    gi: usize,
    grid_poly: &MultiPolygon<f64>,
    fp: &Polygon<f64>,
    tree: &RTree<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>,
    units: &[Unit],
    defects: &[LineDefect],
) -> bool {
    let r = &t.raster;
    let lvl = &t.levels[GRID];
    let ext = &fp.exterior().0;
    let mut probes: Vec<Coord<f64>> = ext.clone();
    for w in ext.windows(2) {
        probes.push(Coord { x: (w[0].x + w[1].x) / 2.0, y: (w[0].y + w[1].y) / 2.0 });
    }
    if !probes.iter().all(|&p| r.pixel_at(p).is_some_and(|k| lvl[k] == gi as u16 && edge[k] >= 14.0)) {
        return false;
    }
    let (lo, hi) = bounds(fp);
    let pad = 5.0;
    let query = AABB::from_corners([lo.x - pad, lo.y - pad], [hi.x + pad, hi.y + pad]);
    if tree.locate_in_envelope_intersecting(&query).any(|o| Euclidean.distance(fp, &units[o.data].poly_m) < 3.0) {
        return false;
    }
    if touches_zone(defects, fp, 12.0) {
        return false;
    }
    grid_poly.contains(fp) && Euclidean.distance(&LineString(ext.clone()), &boundary(grid_poly)) > 4.0
}

fn boundary(mp: &MultiPolygon<f64>) -> geo::MultiLineString<f64> {
    geo::MultiLineString(
        mp.0.iter().flat_map(|p| std::iter::once(p.exterior().clone()).chain(p.interiors().iter().cloned())).collect(),
    )
}

pub type Lane = (Polygon<f64>, Vec<Polygon<f64>>);

/// A lane block centred on `c` along `angle`: `n` courtyards per side (one side only unless `double`), each
/// about 10 m of frontage and 20 m deep, facing a 5 m lane. Returns the block and its courtyards in address
/// order (north side west to east, then south side).
fn lane_unit(c: Coord<f64>, angle: f64, n: usize, double: bool, rng: &mut ChaCha8Rng) -> Lane {
    let (u, v) = axes(angle);
    let at = |a: f64, b: f64| Coord { x: c.x + a * u.x + b * v.x, y: c.y + a * u.y + b * v.y };
    let lane_half = 2.5;
    let widths: Vec<f64> = (0..n).map(|_| rng.gen_range(9.0..11.0)).collect();
    let len: f64 = widths.iter().sum();
    let mut yards = Vec::new();
    let mut max_depth = [0.0f64, 0.0];
    for (side, sign) in [(0usize, 1.0), (1, -1.0)] {
        if side == 1 && !double {
            break;
        }
        let mut a = -len / 2.0;
        for (i, &w) in widths.iter().enumerate() {
            // Frontage shared wall to wall; depth varies a little, as plots do.
            let depth = rng.gen_range(18.0..22.5);
            max_depth[side] = max_depth[side].max(depth);
            let b0 = sign * lane_half;
            let b1 = sign * (lane_half + depth);
            let a1 = if i + 1 == n { len / 2.0 } else { a + w };
            let mut ring = vec![at(a, b0), at(a1, b0), at(a1, b1), at(a, b1)];
            if sign < 0.0 {
                ring.reverse();
            }
            ring.push(ring[0]);
            yards.push(Polygon::new(LineString(ring), vec![]));
            a = a1;
        }
    }
    let m = 1.0;
    let top = lane_half + max_depth[0] + m;
    let bottom = if double { -(lane_half + max_depth[1] + m) } else { -(lane_half + m) };
    let half = len / 2.0 + m;
    let ring = vec![at(-half, bottom), at(half, bottom), at(half, top), at(-half, top), at(-half, bottom)];
    (Polygon::new(LineString(ring), vec![]), yards)
}

type Building = (Polygon<f64>, u32, u32, f64, f64, f64);

/// A slab building centred on `c`: footprint, floors, stairwells, length, depth, angle.
fn building_unit(c: Coord<f64>, angle: f64, rng: &mut ChaCha8Rng) -> Building {
    let len: f64 = rng.gen_range(40.0..70.0);
    let depth = rng.gen_range(12.0..18.0);
    let floors = *[4u32, 5, 5, 6, 6, 6, 7, 11, 11, 18].get(rng.gen_range(0..10)).unwrap();
    let stairs = ((len / 20.0).round() as u32).clamp(2, 4);
    let (u, v) = axes(angle);
    let at = |a: f64, b: f64| Coord { x: c.x + a * u.x + b * v.x, y: c.y + a * u.y + b * v.y };
    let (h, d) = (len / 2.0, depth / 2.0);
    let ring = vec![at(-h, -d), at(h, -d), at(h, d), at(-h, d), at(-h, -d)];
    (Polygon::new(LineString(ring), vec![]), floors, stairs, len, depth, angle)
}

fn add_lane(
    s: &mut Settlement,
    tree: &mut RTree<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>,
    grid: usize,
    village: usize,
    lane: Lane,
    planted: Option<&'static str>,
) {
    let ui = s.units.len();
    let (poly, yards) = lane;
    insert(tree, &poly, ui);
    let mut hh = Vec::new();
    for y in yards {
        hh.push(s.households.len());
        s.households.push(Household {
            unit: Some(ui),
            grid,
            home: Home::Courtyard(y),
            members: 0,
            male_head: true,
            planted,
        });
    }
    s.units.push(Unit {
        grid,
        kind: UnitKind::Lane,
        centre_m: centroid(&poly),
        poly_m: poly,
        village,
        floors: 1,
        stairs: 0,
        households: hh,
    });
}

/// Adds a building and up to `want` occupied flats (floors × stairwells × 2, the rest vacant). Returns the
/// number of households added.
fn add_building(
    s: &mut Settlement,
    tree: &mut RTree<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>,
    grid: usize,
    village: usize,
    b: Building,
    want: u32,
    rng: &mut ChaCha8Rng,
) -> u32 {
    let (poly, floors, stairs, len, depth, angle) = b;
    let ui = s.units.len();
    insert(tree, &poly, ui);
    let c = centroid(&poly);
    let (u, v) = axes(angle);
    let mut hh = Vec::new();
    // Occupancy: most flats lived in; the last building of a grid takes what is left.
    let flats = floors * stairs * 2;
    let occupied = ((f64::from(flats) * rng.gen_range(0.8..0.97)).round() as u32).min(want).max(1);
    let mut all: Vec<(u32, u32, u32)> = Vec::new();
    for st in 0..stairs {
        for f in 1..=floors {
            for door in 0..2 {
                all.push((st, f, door));
            }
        }
    }
    // Which flats are vacant: a deterministic draw.
    for i in (1..all.len()).rev() {
        let j = rng.gen_range(0..=i);
        all.swap(i, j);
    }
    let mut lived: Vec<(u32, u32, u32)> = all.into_iter().take(occupied as usize).collect();
    lived.sort();
    for (st, f, door) in lived {
        let a = -len / 2.0 + (f64::from(st) + 0.3 + 0.4 * f64::from(door)) * len / f64::from(stairs);
        let b = (f64::from(f) / f64::from(floors) - 0.5) * depth * 0.6;
        let at = Coord { x: c.x + a * u.x + b * v.x, y: c.y + a * u.y + b * v.y };
        hh.push(s.households.len());
        s.households.push(Household {
            unit: Some(ui),
            grid,
            home: Home::Flat { at, stair: st + 1, room: f * 100 + door + 1 },
            members: 0,
            male_head: true,
            planted: None,
        });
    }
    s.units.push(Unit {
        grid,
        kind: UnitKind::Building,
        centre_m: c,
        poly_m: poly,
        village,
        floors,
        stairs,
        households: hh,
    });
    occupied
}

fn insert(tree: &mut RTree<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>, p: &Polygon<f64>, id: usize) {
    let (lo, hi) = bounds(p);
    tree.insert(GeomWithData::new(rstar::primitives::Rectangle::from_corners([lo.x, lo.y], [hi.x, hi.y]), id));
}

fn bounds(p: &Polygon<f64>) -> (Coord<f64>, Coord<f64>) {
    use geo::BoundingRect;
    let r = p.bounding_rect().expect("a non-empty footprint");
    (r.min(), r.max())
}

/// The middle of a lens-shaped zone and the direction of its long axis.
fn zone_middle(zone: &Polygon<f64>) -> (Coord<f64>, f64) {
    let pts = &zone.exterior().0;
    let mut far = (0.0, pts[0], pts[0]);
    for &a in pts.iter().step_by(4) {
        for &b in pts.iter().step_by(4) {
            let d = dist(a, b);
            if d > far.0 {
                far = (d, a, b);
            }
        }
    }
    let angle = (far.2.y - far.1.y).atan2(far.2.x - far.1.x);
    (centroid(zone), angle)
}

/// Household sizes: about 2.7 members on average (122,600 residents, ~45,000 households).
fn members(rng: &mut ChaCha8Rng) -> u32 {
    let x: f64 = rng.gen_range(0.0..1.0);
    let cum = [0.19, 0.50, 0.74, 0.90, 0.97, 1.0];
    cum.iter().position(|&c| x < c).unwrap_or(5) as u32 + 1
}

pub fn axes(angle: f64) -> (Coord<f64>, Coord<f64>) {
    let (s, c) = angle.sin_cos();
    (Coord { x: c, y: s }, Coord { x: -s, y: c })
}

pub fn centroid(p: &Polygon<f64>) -> Coord<f64> {
    use geo::Centroid;
    p.centroid().map_or(p.exterior().0[0], |c| c.0)
}

fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// A generator stream of its own for each (purpose, item): changing one grid does not reshuffle the others.
pub fn rng_for(seed: u64, purpose: u64, item: u64) -> ChaCha8Rng {
    use rand::SeedableRng;
    ChaCha8Rng::seed_from_u64(mix64(seed ^ mix64(purpose ^ mix64(item))))
}

/// Courtyards for households planted outside every unit: a short row along `angle` centred on `c`.
pub fn planted_row(c: Coord<f64>, angle: f64, n: usize, rng: &mut ChaCha8Rng) -> Vec<Polygon<f64>> {
    let (_, yards) = lane_unit(c, angle, n, false, rng);
    yards
}

/// A one-sided lane of `n` courtyards (the first size in `sizes` that fits) wholly inside a long thin zone:
/// slid along and across the zone's middle until it fits. Returns where, and the lane.
pub fn fit_in_zone(zone: &Polygon<f64>, sizes: &[usize], rng: &mut ChaCha8Rng) -> Option<(Coord<f64>, Lane)> {
    let (centre, angle) = zone_middle(zone);
    let (u, v) = axes(angle);
    for &n in sizes {
        for along in [0.0, 10.0, -10.0, 20.0, -20.0, 30.0, -30.0, 45.0, -45.0] {
            for across in (-15..=15).map(|k| f64::from(k) * 2.0) {
                let at = Coord { x: centre.x + along * u.x + across * v.x, y: centre.y + along * u.y + across * v.y };
                let lane = lane_unit(at, angle, n, false, rng);
                if zone.contains(&lane.0) {
                    return Some((at, lane));
                }
            }
        }
    }
    None
}
