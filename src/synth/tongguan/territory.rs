//! Labelling the raster: every pixel gets a town, a community, a legacy village and a grid.
//!
//! Each level is a nearest-seed assignment over warped distances, restricted to the pixel's parent (a
//! community only competes inside its town, a grid inside its community), so the levels nest by
//! construction. Seeds sit where people live. Stray islands join the neighbour they border most, and
//! diagonal-only contacts are removed, so every region becomes one clean piece that traces to a valid ring.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use geo::{Coord, LineString};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::gazetteer::{self, COMMUNITIES, COUNTY_SEAT};
use super::noise::{Warp, mix64};
use super::raster::{self, NONE, Raster};
use super::sources::Sources;
use crate::model::crs::MetricCrs;

/// Levels of a pixel's label tuple.
pub const TOWN: usize = 0;
pub const COMM: usize = 1;
pub const GRID: usize = 2;
pub const VILL: usize = 3;

#[derive(Clone, Debug)]
pub struct Town {
    pub code: String,
    pub name: String,
    pub comms: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Community {
    pub code: String,
    /// Official name (吴村中心社区居委会).
    pub name: String,
    pub town: usize,
    pub urban: bool,
    /// Seat first, then extra seeds; metres.
    pub seeds_m: Vec<Coord<f64>>,
    pub reach_m: f64,
    pub households: u32,
    pub legacy_units: u8,
    /// Whether it is one of the county seat's residents' committees (the town is a city there).
    pub county_seat: bool,
    /// Built-up limit: a residents' committee claims land only within this distance (metres) of this point.
    pub limit: (Coord<f64>, f64),
}

#[derive(Clone, Debug)]
pub struct Village {
    /// The community it was merged into.
    pub comm: usize,
    pub seat_m: Coord<f64>,
    /// Expected households, for the density field.
    pub households: f64,
    pub sigma_m: f64,
    /// The community's principal settlement (the seat).
    pub principal: bool,
    /// Part of its land lies in this other community (a merger left it split).
    pub split_into: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Grid {
    pub comm: usize,
    /// The legacy village whose groups it serves (rural grids), if any.
    pub village: Option<usize>,
    pub seed_m: Coord<f64>,
}

/// The labelled county.
pub struct Territory {
    pub crs: MetricCrs,
    pub raster: Raster,
    /// County exterior ring in metres, counter-clockwise.
    pub county_ring_m: LineString<f64>,
    pub towns: Vec<Town>,
    pub comms: Vec<Community>,
    pub villages: Vec<Village>,
    pub grids: Vec<Grid>,
    /// Per pixel: [town, community, grid, village] (NONE outside the county).
    pub levels: Vec<Vec<u16>>,
    /// People per square metre (expected), per pixel.
    pub density: Vec<f32>,
}

impl Territory {
    pub fn lonlat(&self, p: Coord<f64>) -> Coord<f64> {
        self.crs.unproject(p.x, p.y).expect("unprojecting a point of the county")
    }
}

/// Warps per level: scale and amplitude in metres. Towns and communities meander at kilometre scale, grids
/// and villages at a few hundred metres, like field and gully lines.
struct Warps {
    town: Warp,
    comm: Warp,
    vill: Warp,
    grid_urban: Warp,
    grid_rural: Warp,
    /// Bends the edge of the built-up towns, so they are not circles.
    limit: Warp,
}

/// Builds the territory for `px_m` metre pixels.
pub fn build(src: &Sources, px_m: f64, seed: u64) -> Result<Territory> {
    let ring_ll = &src.county_ring_lonlat;
    let crs = MetricCrs::for_lon(ring_ll.0[0].x);
    let mut ring_m = ring_ll.clone();
    crs.project_coords(&mut ring_m.0)?;
    {
        use geo::orient::{Direction, Orient};
        let p = geo::Polygon::new(ring_m.clone(), vec![]).orient(Direction::Default);
        ring_m = p.exterior().clone();
    }
    let (mut min, mut max) = (ring_m.0[0], ring_m.0[0]);
    for c in &ring_m.0 {
        min = Coord { x: min.x.min(c.x), y: min.y.min(c.y) };
        max = Coord { x: max.x.max(c.x), y: max.y.max(c.y) };
    }
    let raster = Raster::covering(min, max, px_m);

    let project = |ll: (f64, f64)| crs.project(ll.0, ll.1);
    let mut towns = Vec::new();
    let mut comms = Vec::new();
    for t in &src.towns {
        let mut idxs = Vec::new();
        for c in &t.communities {
            let Some(plan) = COMMUNITIES.iter().find(|p| p.code == c.code) else {
                bail!("community {} {} has no plan in the gazetteer", c.code, c.name);
            };
            let mut seeds = vec![project(plan.seat)?];
            for &e in plan.extra {
                seeds.push(project(e)?);
            }
            idxs.push(comms.len());
            comms.push(Community {
                code: c.code.clone(),
                name: c.name.clone(),
                town: towns.len(),
                urban: c.is_urban(),
                seeds_m: seeds,
                reach_m: plan.reach_m,
                households: plan.households,
                legacy_units: plan.legacy_units,
                county_seat: c.is_urban() && t.code.ends_with("001"),
                limit: (Coord { x: 0.0, y: 0.0 }, f64::INFINITY),
            });
        }
        towns.push(Town { code: t.code.clone(), name: t.name.clone(), comms: idxs });
    }
    // Residents' committees are the built-up town: the county seat's within about 1.6 km of its centre, a
    // market town's within 900 m of its seat; fields beyond belong to the villages around.
    let seat_m = project(COUNTY_SEAT)?;
    for c in comms.iter_mut().filter(|c| c.urban) {
        c.limit = if c.county_seat { (seat_m, 1600.0) } else { (c.seeds_m[0], 900.0) };
    }
    if comms.len() != COMMUNITIES.len() {
        bail!("the sources list {} communities, the gazetteer {}", comms.len(), COMMUNITIES.len());
    }

    let s = mix64(seed);
    let warps = Warps {
        town: Warp::new(s ^ 1, 5000.0, 1300.0, 4),
        comm: Warp::new(s ^ 2, 2500.0, 600.0, 4),
        vill: Warp::new(s ^ 3, 1400.0, 330.0, 4),
        grid_urban: Warp::new(s ^ 4, 600.0, 110.0, 3),
        grid_rural: Warp::new(s ^ 5, 1000.0, 220.0, 4),
        limit: Warp::new(s ^ 6, 900.0, 380.0, 3),
    };

    let mut t = Territory {
        crs,
        raster,
        county_ring_m: ring_m,
        towns,
        comms,
        villages: Vec::new(),
        grids: Vec::new(),
        levels: Vec::new(),
        density: Vec::new(),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(mix64(seed ^ 0x7e44));
    let clock = std::time::Instant::now();
    let lap = |what: &str| tracing::debug!(secs = clock.elapsed().as_secs_f32(), "{what}");
    label_towns_and_communities(&mut t, &warps);
    lap("towns and communities");
    place_village_seats(&mut t, &mut rng);
    lap("village seats");
    label_villages(&mut t, &warps, &mut rng);
    lap("villages");
    t.density = density(&t);
    seed_grids(&mut t, &mut rng);
    lap("grid seeds");
    label_grids(&mut t, &warps);
    for _ in 0..2 {
        majority_filter(&mut t);
    }
    lap("grids");
    tidy(&mut t)?;
    lap("tidy");
    Ok(t)
}

/// A warp sampled every `STEP` pixels and interpolated bilinearly in between: the displacement varies over
/// hundreds of metres, so sampling it every 40 m loses nothing and saves most of the noise evaluations.
struct WarpField {
    nx: usize,
    d: Vec<Coord<f64>>,
}

const STEP: usize = 4;

impl WarpField {
    fn new(r: &Raster, w: &Warp) -> Self {
        let nx = r.w / STEP + 2;
        let ny = r.h / STEP + 2;
        let d = (0..nx * ny)
            .into_par_iter()
            .map(|n| {
                let (i, j) = (n % nx, n / nx);
                let p = Coord { x: r.x0 + (i * STEP) as f64 * r.px_m, y: r.y0 + (j * STEP) as f64 * r.px_m };
                let q = w.apply(p);
                Coord { x: q.x - p.x, y: q.y - p.y }
            })
            .collect();
        Self { nx, d }
    }

    /// The warped centre of pixel `k`.
    fn at(&self, r: &Raster, k: usize) -> Coord<f64> {
        let p = r.centre(k);
        let fx = (p.x - r.x0) / (r.px_m * STEP as f64);
        let fy = (p.y - r.y0) / (r.px_m * STEP as f64);
        let (i, j) = (fx.floor() as usize, fy.floor() as usize);
        let (tx, ty) = (fx - i as f64, fy - j as f64);
        let g = |a: usize, b: usize| self.d[b * self.nx + a];
        let (a, b, c, d) = (g(i, j), g(i + 1, j), g(i, j + 1), g(i + 1, j + 1));
        let lerp = |u: f64, v: f64, t: f64| u + (v - u) * t;
        Coord {
            x: p.x + lerp(lerp(a.x, b.x, tx), lerp(c.x, d.x, tx), ty),
            y: p.y + lerp(lerp(a.y, b.y, tx), lerp(c.y, d.y, tx), ty),
        }
    }
}

fn county_mask(t: &Territory) -> Vec<bool> {
    let r = &t.raster;
    let mut inside = r.rasterise(&t.county_ring_m);
    // One piece without holes: keep the largest inside component, fill outside pockets.
    let labels: Vec<u16> = inside.iter().map(|&b| if b { 1 } else { 0 }).collect();
    let (comp, info) = raster::components(r, &labels);
    let biggest_in = info.iter().enumerate().filter(|(_, i)| i.0 == 1).max_by_key(|(_, i)| i.1).map(|(k, _)| k);
    // Pixel 0 is in the margin, outside; outside pockets enclosed by the county become county.
    let outer = comp[0];
    for k in 0..r.len() {
        inside[k] = Some(comp[k] as usize) == biggest_in || (labels[k] == 0 && comp[k] != outer);
    }
    inside
}

/// A seed: position, reach (metres) and what it stands for.
type Seed = (Coord<f64>, f64, u16);

/// Nearest seed index by warped distance minus reach, over `candidates` (seed position, reach, payload).
fn nearest<T: Copy>(q: Coord<f64>, candidates: &[(Coord<f64>, f64, T)]) -> Option<T> {
    nearest_within(q, candidates, |_| true)
}

/// [`nearest`] over the candidates `allowed` keeps.
fn nearest_within<T: Copy>(
    q: Coord<f64>,
    candidates: &[(Coord<f64>, f64, T)],
    allowed: impl Fn(T) -> bool,
) -> Option<T> {
    let mut best: Option<(f64, T)> = None;
    for &(s, reach, v) in candidates {
        if !allowed(v) {
            continue;
        }
        let d = ((q.x - s.x).powi(2) + (q.y - s.y).powi(2)).sqrt() - reach;
        if best.as_ref().is_none_or(|b| d < b.0) {
            best = Some((d, v));
        }
    }
    best.map(|b| b.1)
}

fn label_towns_and_communities(t: &mut Territory, w: &Warps) {
    let r = t.raster.clone();
    let inside = county_mask(t);
    let all: Vec<(Coord<f64>, f64, u16)> = t
        .comms
        .iter()
        .enumerate()
        .flat_map(|(ci, c)| c.seeds_m.iter().map(move |&s| (s, c.reach_m, ci as u16)))
        .collect();
    let comm_town: Vec<u16> = t.comms.iter().map(|c| c.town as u16).collect();
    let limits: Vec<(Coord<f64>, f64)> = t.comms.iter().map(|c| c.limit).collect();
    let lim = &limits;
    let lf = WarpField::new(&r, &w.limit);
    let lf = &lf;
    let rr = &r;
    // Whether community `ci` may claim pixel `k`: inside its built-up limit, measured from a warped point.
    let within = move |k: usize| {
        move |ci: u16| {
            let (c, rad) = lim[ci as usize];
            rad.is_infinite() || dist(lf.at(rr, k), c) <= rad
        }
    };
    let wf = WarpField::new(&r, &w.town);
    let mut town: Vec<u16> = (0..r.len())
        .into_par_iter()
        .map(|k| {
            if !inside[k] {
                return NONE;
            }
            let q = wf.at(&r, k);
            nearest_within(q, &all, within(k)).map_or(NONE, |ci| comm_town[ci as usize])
        })
        .collect();
    let zero = vec![0u16; r.len()];
    apply_merges(&r, &mut [&mut town], 0, &zero, 0);

    let per_town: Vec<Vec<(Coord<f64>, f64, u16)>> = (0..t.towns.len())
        .map(|ti| all.iter().copied().filter(|&(_, _, ci)| comm_town[ci as usize] == ti as u16).collect())
        .collect();
    let wf = WarpField::new(&r, &w.comm);
    let mut comm: Vec<u16> = (0..r.len())
        .into_par_iter()
        .map(|k| {
            if town[k] == NONE {
                return NONE;
            }
            let q = wf.at(&r, k);
            nearest_within(q, &per_town[town[k] as usize], within(k))
                .or_else(|| nearest(q, &per_town[town[k] as usize]))
                .unwrap_or(NONE)
        })
        .collect();
    let town_copy = town.clone();
    apply_merges(&r, &mut [&mut comm], 0, &town_copy, 0);
    t.levels = vec![town, comm, vec![NONE; r.len()], vec![NONE; r.len()]];
}

/// Relabels islands (see [`raster::merge_plan`]) by copying, pixel by pixel from the neighbour it joins,
/// the labels in `arrays` (the first is the one whose pieces are merged). Returns pixels changed.
fn apply_merges(r: &Raster, arrays: &mut [&mut Vec<u16>], _lvl: usize, group: &[u16], min_size: usize) -> usize {
    let mut changed = 0;
    for _ in 0..8 {
        let plan = raster::merge_plan(r, arrays[0], group, min_size);
        if plan.is_empty() {
            break;
        }
        for &(k, donor) in &plan {
            for a in arrays.iter_mut() {
                a[k] = a[donor];
            }
        }
        changed += plan.len();
    }
    changed
}

/// Seats of the legacy villages: the community's seat first, then spread over its habitable land away from
/// other seats and from the community's edge.
fn place_village_seats(t: &mut Territory, rng: &mut ChaCha8Rng) {
    let r = t.raster.clone();
    let comm = &t.levels[COMM];
    let edge = raster::edge_distance_m(&r, comm);
    let hab = habitability_rows(t);
    let mut villages = Vec::new();
    for (ci, c) in t.comms.iter().enumerate() {
        let pixels: Vec<usize> = (0..r.len()).filter(|&k| comm[k] == ci as u16).collect();
        // Principal seat: the planned seat, or the community pixel nearest to it with some room.
        let seat = c.seeds_m[0];
        let seat_has_room = r.pixel_at(seat).is_some_and(|k| comm[k] == ci as u16 && edge[k] > 150.0);
        let principal = if seat_has_room {
            seat
        } else {
            pixels
                .iter()
                .copied()
                .filter(|&k| edge[k] > 150.0)
                .min_by(|&a, &b| dist(r.centre(a), seat).total_cmp(&dist(r.centre(b), seat)))
                .map_or(seat, |k| r.centre(k))
        };
        let mut seats = vec![principal];
        let cands: Vec<usize> =
            pixels.iter().copied().filter(|&k| k.is_multiple_of(3) && (k / r.w).is_multiple_of(3)).collect();
        let jitter: Vec<f64> = cands.iter().map(|_| rng.gen_range(0.8..1.2)).collect();
        while seats.len() < c.legacy_units as usize {
            let mut best: Option<(f64, usize)> = None;
            for (n, &k) in cands.iter().enumerate() {
                let p = r.centre(k);
                let hab = hab[k / r.w];
                let d_seat = seats.iter().map(|&s| dist(p, s)).fold(f64::INFINITY, f64::min);
                let score = d_seat.min(2.5 * f64::from(edge[k])) * hab.powf(0.7) * jitter[n];
                if best.is_none_or(|b| score > b.0) {
                    best = Some((score, k));
                }
            }
            match best {
                Some((_, k)) => seats.push(r.centre(k)),
                None => seats.push(principal),
            }
        }
        // Households: the principal settlement is the largest.
        let shares: Vec<f64> = (0..seats.len()).map(|i| if i == 0 { 1.6 } else { rng.gen_range(0.6..1.2) }).collect();
        let total: f64 = shares.iter().sum();
        for (i, &s) in seats.iter().enumerate() {
            let hh = f64::from(c.households) * shares[i] / total;
            villages.push(Village {
                comm: ci,
                seat_m: s,
                households: hh,
                sigma_m: (hh * 260.0 / std::f64::consts::PI).sqrt().max(90.0),
                principal: i == 0,
                split_into: None,
            });
        }
    }
    t.villages = villages;
}

/// Habitability per raster row (it depends on latitude, which barely changes along a row here).
pub fn habitability_rows(t: &Territory) -> Vec<f64> {
    let r = &t.raster;
    let xm = r.x0 + r.w as f64 * r.px_m / 2.0;
    (0..r.h)
        .map(|j| {
            let y = r.y0 + (j as f64 + 0.5) * r.px_m;
            gazetteer::habitability(t.crs.unproject(xm, y).expect("county point").y)
        })
        .collect()
}

fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// Legacy villages: nearest seat among the villages merged into the pixel's community; then a handful of
/// villages keep a piece of their land inside a neighbouring community of the same town, as a merger that
/// drew the new line across old fields leaves them.
fn label_villages(t: &mut Territory, w: &Warps, rng: &mut ChaCha8Rng) {
    let r = t.raster.clone();
    let comm = t.levels[COMM].clone();
    let per_comm: Vec<Vec<(Coord<f64>, f64, u16)>> = (0..t.comms.len())
        .map(|ci| {
            t.villages
                .iter()
                .enumerate()
                .filter(|(_, v)| v.comm == ci)
                .map(|(vi, v)| (v.seat_m, 0.0, vi as u16))
                .collect()
        })
        .collect();
    let wf = WarpField::new(&r, &w.vill);
    // Where seats are close together (a small town's committees), the lines wander less, so that no
    // village is squeezed off its own seat.
    let damp: Vec<f64> = per_comm
        .iter()
        .map(|vs| {
            let mut spacing = f64::INFINITY;
            for (i, a) in vs.iter().enumerate() {
                for b in &vs[i + 1..] {
                    spacing = spacing.min(dist(a.0, b.0));
                }
            }
            (spacing / 1500.0).clamp(0.25, 1.0)
        })
        .collect();
    let warped: Vec<Coord<f64>> = (0..r.len())
        .into_par_iter()
        .map(|k| {
            let p = r.centre(k);
            let q = wf.at(&r, k);
            let f = if comm[k] == NONE { 1.0 } else { damp[comm[k] as usize] };
            Coord { x: p.x + f * (q.x - p.x), y: p.y + f * (q.y - p.y) }
        })
        .collect();
    let mut vill: Vec<u16> = (0..r.len())
        .into_par_iter()
        .map(|k| if comm[k] == NONE { NONE } else { nearest(warped[k], &per_comm[comm[k] as usize]).unwrap_or(NONE) })
        .collect();
    apply_merges(&r, &mut [&mut vill], 0, &comm, 0);

    // Candidate splits: a village with a long border on another community of its own town.
    let mut border: BTreeMap<(u16, u16), usize> = BTreeMap::new();
    for k in 0..r.len() {
        if vill[k] == NONE {
            continue;
        }
        for n in r.neighbours4(k) {
            if comm[n] != NONE && comm[n] != comm[k] {
                let (v, c2) = (vill[k], comm[n]);
                if t.comms[c2 as usize].town == t.comms[comm[k] as usize].town {
                    *border.entry((v, c2)).or_default() += 1;
                }
            }
        }
    }
    let mut cands: Vec<((u16, u16), usize)> = border
        .into_iter()
        .filter(|&((v, c2), n)| {
            n as f64 * r.px_m >= 700.0 && !t.comms[c2 as usize].urban && !t.villages[v as usize].principal
        })
        .collect();
    // Shuffle deterministically, then prefer spreading over towns and communities.
    for i in (1..cands.len()).rev() {
        let j = rng.gen_range(0..=i);
        cands.swap(i, j);
    }
    let mut used_comms: Vec<usize> = Vec::new();
    let mut used_towns: Vec<usize> = Vec::new();
    let mut chosen = Vec::new();
    for pass in 0..2 {
        for &((v, c2), _) in &cands {
            let c1 = t.villages[v as usize].comm;
            let town = t.comms[c1].town;
            if chosen.len() >= 4 || used_comms.contains(&c1) || used_comms.contains(&(c2 as usize)) {
                continue;
            }
            if pass == 0 && used_towns.contains(&town) {
                continue;
            }
            chosen.push((v, c2));
            used_comms.extend([c1, c2 as usize]);
            used_towns.push(town);
        }
    }
    for (v, c2) in chosen {
        let seat = t.villages[v as usize].seat_m;
        let area_v = vill.iter().filter(|&&x| x == v).count();
        let in_c2: Vec<usize> = (0..r.len()).filter(|&k| comm[k] == c2).collect();
        let margin = |k: usize| {
            let own = dist(warped[k], seat);
            let other = per_comm[c2 as usize].iter().map(|&(s, _, _)| dist(warped[k], s)).fold(f64::INFINITY, f64::min);
            own - other
        };
        let margins: Vec<f64> = in_c2.iter().map(|&k| margin(k)).collect();
        // The piece: the pixels of the other community where the village is within `p` metres of winning,
        // `p` chosen so that the piece is about a third of the village (and a small part of the other
        // community).
        let mut sorted = margins.clone();
        sorted.sort_by(f64::total_cmp);
        let want = (area_v / 3).min(in_c2.len() / 8).min(sorted.len().saturating_sub(1));
        let p = sorted.get(want).copied().unwrap_or(f64::NEG_INFINITY);
        let mut piece = 0;
        for (n, &k) in in_c2.iter().enumerate() {
            if margins[n] < p {
                vill[k] = v;
                piece += 1;
            }
        }
        if piece > 0 {
            t.villages[v as usize].split_into = Some(c2 as usize);
        }
    }
    // A piece not touching its village (or scattered bits) goes back to the community's own villages.
    apply_merges(&r, &mut [&mut vill], 0, &comm, 0);
    for (vi, v) in t.villages.iter_mut().enumerate() {
        if let Some(c2) = v.split_into
            && !(0..r.len()).any(|k| vill[k] == vi as u16 && comm[k] == c2 as u16)
        {
            v.split_into = None;
        }
    }
    t.levels[VILL] = vill;
}

/// Expected households per square metre: a Gaussian settlement around each village seat, and the county seat
/// as one town-sized settlement, on top of a thin rural spread that follows habitability.
fn density(t: &Territory) -> Vec<f32> {
    let r = &t.raster;
    let mut d = vec![0f32; r.len()];
    let mut splat = |centre: Coord<f64>, hh: f64, sigma: f64| {
        let peak = hh / (2.0 * std::f64::consts::PI * sigma * sigma);
        let rad = 3.5 * sigma;
        let (Some(_), true) = (r.pixel_at(centre), true) else { return };
        let i0 = ((centre.x - rad - r.x0) / r.px_m).floor().max(0.0) as usize;
        let i1 = (((centre.x + rad - r.x0) / r.px_m).ceil() as usize).min(r.w - 1);
        let j0 = ((centre.y - rad - r.y0) / r.px_m).floor().max(0.0) as usize;
        let j1 = (((centre.y + rad - r.y0) / r.px_m).ceil() as usize).min(r.h - 1);
        for j in j0..=j1 {
            for i in i0..=i1 {
                let k = r.idx(i, j);
                let q = r.centre(k);
                let dd = (q.x - centre.x).powi(2) + (q.y - centre.y).powi(2);
                d[k] += (peak * (-dd / (2.0 * sigma * sigma)).exp()) as f32;
            }
        }
    };
    let mut city_hh = 0.0;
    for v in &t.villages {
        let c = &t.comms[v.comm];
        if c.county_seat {
            // The old villages of the county seat have grown into one town.
            splat(v.seat_m, 0.3 * v.households, v.sigma_m);
            city_hh += 0.7 * v.households;
        } else if c.urban && v.principal {
            splat(v.seat_m, v.households, v.sigma_m * 1.6);
        } else {
            splat(v.seat_m, v.households, v.sigma_m);
        }
    }
    let seat = t.crs.project(COUNTY_SEAT.0, COUNTY_SEAT.1).expect("county seat");
    splat(seat, city_hh, 800.0);
    let comm = &t.levels[COMM];
    for k in 0..r.len() {
        if comm[k] == NONE {
            d[k] = 0.0;
        } else {
            d[k] += 2e-5;
        }
    }
    d
}

/// Grid seeds: each community gets about one grid per 390 expected households. Rural grids are given to the
/// villages whose groups they serve (largest remainder on village households), urban grids to the whole
/// community; seeds are the weighted k-means centres of the density, so each grid has a similar population.
fn seed_grids(t: &mut Territory, rng: &mut ChaCha8Rng) {
    let r = t.raster.clone();
    let comm = &t.levels[COMM];
    let vill = &t.levels[VILL];
    let mut grids = Vec::new();
    for (ci, c) in t.comms.iter().enumerate() {
        let n = ((f64::from(c.households) / 390.0).round() as usize).max(2);
        // Pixels on a stride-2 lattice, with weights.
        let pts: Vec<usize> = (0..r.len())
            .filter(|&k| comm[k] == ci as u16 && k.is_multiple_of(2) && (k / r.w).is_multiple_of(2))
            .collect();
        if c.urban {
            for s in kmeans(&r, &pts, &t.density, n, rng) {
                grids.push(Grid { comm: ci, village: None, seed_m: s });
            }
            continue;
        }
        let own: Vec<usize> = t.villages.iter().enumerate().filter(|(_, v)| v.comm == ci).map(|(i, _)| i).collect();
        let hh: Vec<f64> = own.iter().map(|&v| t.villages[v].households).collect();
        let total: f64 = hh.iter().sum();
        let quotas: Vec<f64> = hh.iter().map(|h| h / total * n as f64).collect();
        let mut alloc: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
        let mut order: Vec<usize> = (0..own.len()).collect();
        order.sort_by(|&a, &b| {
            (quotas[b] - quotas[b].floor()).total_cmp(&(quotas[a] - quotas[a].floor())).then(a.cmp(&b))
        });
        let mut left = n - alloc.iter().sum::<usize>();
        for &o in &order {
            if left == 0 {
                break;
            }
            alloc[o] += 1;
            left -= 1;
        }
        for (o, &v) in own.iter().enumerate() {
            if alloc[o] == 0 {
                continue;
            }
            let vp: Vec<usize> = pts.iter().copied().filter(|&k| vill[k] == v as u16).collect();
            for s in kmeans(&r, &vp, &t.density, alloc[o], rng) {
                grids.push(Grid { comm: ci, village: Some(v), seed_m: s });
            }
        }
    }
    t.grids = grids;
}

/// Weighted k-means (k-means++ start, Lloyd iterations) of pixel centres.
fn kmeans(r: &Raster, pts: &[usize], w: &[f32], k: usize, rng: &mut ChaCha8Rng) -> Vec<Coord<f64>> {
    if pts.is_empty() {
        return Vec::new();
    }
    let xy: Vec<Coord<f64>> = pts.iter().map(|&p| r.centre(p)).collect();
    let wt: Vec<f64> = pts.iter().map(|&p| f64::from(w[p])).collect();
    let mut centres = vec![xy[pick_weighted(&wt, rng)]];
    while centres.len() < k {
        let d2: Vec<f64> = xy
            .iter()
            .zip(&wt)
            .map(|(p, w)| {
                w * centres.iter().map(|c| (p.x - c.x).powi(2) + (p.y - c.y).powi(2)).fold(f64::INFINITY, f64::min)
            })
            .collect();
        centres.push(xy[pick_weighted(&d2, rng)]);
    }
    for _ in 0..20 {
        let mut sum = vec![(0.0, 0.0, 0.0); k];
        for (p, w) in xy.iter().zip(&wt) {
            let mut best = (f64::INFINITY, 0);
            for (i, c) in centres.iter().enumerate() {
                let d = (p.x - c.x).powi(2) + (p.y - c.y).powi(2);
                if d < best.0 {
                    best = (d, i);
                }
            }
            let s = &mut sum[best.1];
            s.0 += w * p.x;
            s.1 += w * p.y;
            s.2 += w;
        }
        for (c, s) in centres.iter_mut().zip(&sum) {
            if s.2 > 0.0 {
                *c = Coord { x: s.0 / s.2, y: s.1 / s.2 };
            }
        }
    }
    centres
}

fn pick_weighted(w: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let total: f64 = w.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return 0;
    }
    let mut x = rng.gen_range(0.0..total);
    for (i, &v) in w.iter().enumerate() {
        if x < v {
            return i;
        }
        x -= v;
    }
    w.len() - 1
}

fn label_grids(t: &mut Territory, w: &Warps) {
    let r = t.raster.clone();
    let comm = &t.levels[COMM];
    let vill = &t.levels[VILL];
    let mut by_comm: Vec<Vec<Seed>> = vec![Vec::new(); t.comms.len()];
    let mut by_cv: BTreeMap<(usize, usize), Vec<Seed>> = BTreeMap::new();
    for (gi, g) in t.grids.iter().enumerate() {
        by_comm[g.comm].push((g.seed_m, 0.0, gi as u16));
        if let Some(v) = g.village {
            by_cv.entry((g.comm, v)).or_default().push((g.seed_m, 0.0, gi as u16));
        }
    }
    let urban: Vec<bool> = t.comms.iter().map(|c| c.urban).collect();
    let (wu, wr) = (WarpField::new(&r, &w.grid_urban), WarpField::new(&r, &w.grid_rural));
    let grid: Vec<u16> = (0..r.len())
        .into_par_iter()
        .map(|k| {
            if comm[k] == NONE {
                return NONE;
            }
            let c = comm[k] as usize;
            let (warp, cands) = if urban[c] {
                (&wu, &by_comm[c])
            } else {
                (&wr, by_cv.get(&(c, vill[k] as usize)).unwrap_or(&by_comm[c]))
            };
            nearest(warp.at(&r, k), cands).unwrap_or(NONE)
        })
        .collect();
    t.levels[GRID] = grid;
}

/// One pass of a 3×3 majority filter on whole label tuples: a pixel whose neighbourhood mostly holds another
/// (grid, village) pair takes that pair's labels. Single-pixel teeth and notches go, so traced lines start
/// from the shape of the regions rather than from pixel noise. The county outline is left alone.
fn majority_filter(t: &mut Territory) {
    let r = t.raster.clone();
    let (grid, vill) = (&t.levels[GRID], &t.levels[VILL]);
    let donors: Vec<Option<usize>> = (0..r.len())
        .into_par_iter()
        .map(|k| {
            if grid[k] == NONE {
                return None;
            }
            let (i, j) = r.ij(k);
            if i == 0 || j == 0 || i + 1 >= r.w || j + 1 >= r.h {
                return None;
            }
            let mut counts: [(u16, u16, u8, usize); 9] = [(NONE, NONE, 0, 0); 9];
            let mut n = 0;
            for dj in 0..3 {
                for di in 0..3 {
                    let q = (j + dj - 1) * r.w + (i + di - 1);
                    if grid[q] == NONE {
                        continue;
                    }
                    let key = (grid[q], vill[q]);
                    match counts[..n].iter_mut().find(|c| (c.0, c.1) == key) {
                        Some(c) => c.2 += 1,
                        None => {
                            counts[n] = (key.0, key.1, 1, q);
                            n += 1;
                        }
                    }
                }
            }
            let best = counts[..n].iter().max_by_key(|c| (c.2, std::cmp::Reverse(c.3)))?;
            ((best.0, best.1) != (grid[k], vill[k]) && best.2 >= 5).then_some(best.3)
        })
        .collect();
    let old: Vec<Vec<u16>> = t.levels.clone();
    for (k, d) in donors.iter().enumerate() {
        if let Some(d) = *d {
            for (level, before) in t.levels.iter_mut().zip(&old) {
                level[k] = before[d];
            }
        }
    }
}

/// Islands joined, small (grid, village) scraps absorbed, diagonal contacts removed, repeated until stable;
/// then every town, community and grid must be one piece.
fn tidy(t: &mut Territory) -> Result<()> {
    let r = t.raster.clone();
    // Scraps of a village inside a grid smaller than this are given to the grid's main village.
    let atom_min = (20_000.0 / (r.px_m * r.px_m)) as usize;
    for round in 0..12 {
        let mut changed = 0;
        let zero = vec![0u16; r.len()];
        {
            let [town, comm, grid, vill] = &mut t.levels[..] else { unreachable!() };
            changed += apply_merges(&r, &mut [town, comm, grid, vill], 0, &zero, 0);
            let g = town.clone();
            changed += apply_merges(&r, &mut [comm, grid, vill], 0, &g, 0);
            let g = comm.clone();
            changed += apply_merges(&r, &mut [grid], 0, &g, 0);
            changed += apply_merges(&r, &mut [vill], 0, &g, 0);
            // Atoms: (grid, village) pairs; a scrap takes the village of its grid-mates.
            let mut ids: BTreeMap<(u16, u16), u16> = BTreeMap::new();
            let mut atom: Vec<u16> = vec![NONE; r.len()];
            for k in 0..r.len() {
                if grid[k] != NONE {
                    let n = ids.len() as u16;
                    atom[k] = *ids.entry((grid[k], vill[k])).or_insert(n);
                }
            }
            let mut plan = raster::merge_plan(&r, &atom, grid, atom_min);
            // A small village wholly inside one grid stays: only scraps of villages that have land elsewhere go.
            let mut total: BTreeMap<u16, usize> = BTreeMap::new();
            for &v in vill.iter().filter(|&&v| v != NONE) {
                *total.entry(v).or_default() += 1;
            }
            let mut planned: BTreeMap<u16, usize> = BTreeMap::new();
            for &(k, _) in &plan {
                *planned.entry(vill[k]).or_default() += 1;
            }
            plan.retain(|&(k, _)| planned[&vill[k]] < total[&vill[k]]);
            for &(k, d) in &plan {
                vill[k] = vill[d];
            }
            changed += plan.len();
        }
        changed += raster::fix_saddles(&r, &mut t.levels);
        tracing::debug!(round, changed, "tidying labels");
        if changed == 0 {
            break;
        }
    }
    for (lvl, name) in [(TOWN, "town"), (COMM, "community"), (GRID, "grid"), (VILL, "village")] {
        let (_, info) = raster::components(&r, &t.levels[lvl]);
        let mut pieces: BTreeMap<u16, usize> = BTreeMap::new();
        for (lab, _) in info.iter().filter(|i| i.0 != NONE) {
            *pieces.entry(*lab).or_default() += 1;
        }
        if let Some((lab, n)) = pieces.iter().find(|(_, n)| **n > 1) {
            bail!("{name} {lab} is in {n} pieces after tidying");
        }
        let expected = match lvl {
            TOWN => t.towns.len(),
            COMM => t.comms.len(),
            GRID => t.grids.len(),
            _ => t.villages.len(),
        };
        if pieces.len() != expected {
            bail!("{} of {expected} {name}s have land", pieces.len());
        }
    }
    Ok(())
}
