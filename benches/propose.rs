//! Proposing grids (issue: quality against two baselines, a 500-unit community in ≤ 2 s, the county in ≤ 30 s).
//!
//! For every community of the default dataset and of a seeded synthetic set (irregular communities of 100 to 500
//! buildings and lanes with skewed household counts, published as strips), each method proposes the community's
//! grids with the default options: the proposal's own (region growing and local search, at six compactness
//! settings) and the two baselines, k-means on unit centroids with contiguity repair and recursive
//! spanning-tree bisection. Reported per set and method:
//! - the share of grids inside the 300–500 band;
//! - the worst deviation from the community's ideal (its households over its grids), in %;
//! - mean Polsby-Popper compactness of the outlines;
//! - households changing manager against the published plan;
//! - the time of the whole proposal (graph, partition, outlines, draft), summed, and the slowest community.
//!
//! The comparison "at equal compactness" pairs each baseline with the proposal's setting whose mean
//! Polsby-Popper is at least the baseline's. The end-to-end figures from the stores (`gridmap propose all`
//! over the GeoPackage and over PostGIS) come from `scripts/bench-propose.sh`.
//!
//! `cargo bench --bench propose` (or `scripts/bench-propose.sh`). Under `cargo test` (no `--bench` argument) it
//! proposes two small communities with every method and checks the proposals are whole.

mod support;

use std::time::{Duration, Instant};

use geo::{Contains, Geometry, MultiPolygon, Point, Polygon, Rect};
use gridmap::atlas::Atlas;
use gridmap::atlas::propose::{Method, Options, Proposal, propose_with};
use gridmap::model::{Dataset, Feature, Layer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

/// One method's figures over a set of communities.
#[derive(Default)]
struct Tally {
    communities: usize,
    units: usize,
    grids: usize,
    in_band: usize,
    worst_dev: f64,
    pp_sum: f64,
    changed: u64,
    households: u64,
    time: Duration,
    slowest: Duration,
    slowest_units: usize,
    /// Communities whose every grid is in the band.
    all_in_band: usize,
}

impl Tally {
    fn add(&mut self, p: &Proposal, t: Duration) {
        let n = p.grids.len();
        let hh: u64 = p.grids.iter().map(|g| g.households).sum();
        let ideal = hh as f64 / n.max(1) as f64;
        let units: usize = p.grids.iter().map(|g| g.units).sum();
        self.communities += 1;
        self.units += units;
        self.grids += n;
        self.in_band += p.grids.iter().filter(|g| g.in_band).count();
        if ideal > 0.0 {
            let dev = p.grids.iter().map(|g| (g.households as f64 - ideal).abs() / ideal).fold(0.0, f64::max);
            self.worst_dev = self.worst_dev.max(dev);
        }
        self.pp_sum += p.grids.iter().map(|g| g.polsby_popper).sum::<f64>();
        self.changed += p.households_changing_manager;
        self.all_in_band += usize::from(p.grids.iter().all(|g| g.in_band));
        self.households += hh;
        self.time += t;
        if t > self.slowest {
            self.slowest = t;
            self.slowest_units = units;
        }
    }

    fn in_band_share(&self) -> f64 {
        self.in_band as f64 / self.grids.max(1) as f64
    }

    fn mean_pp(&self) -> f64 {
        self.pp_sum / self.grids.max(1) as f64
    }
}

/// The methods compared: the proposal at six compactness settings (0.3 is the default), with the default weight
/// on keeping managers and without it (the baselines ignore managers), then the baselines.
fn methods() -> Vec<(String, Method, f64, f64)> {
    let mut v = Vec::new();
    for keep in [0.5, 0.0] {
        for c in [0.0, 0.15, 0.3, 0.6, 0.9, 1.0] {
            v.push((format!("proposal c={c} keep={keep}"), Method::Growth, c, keep));
        }
    }
    v.push(("k-means + contiguity repair".into(), Method::KMeans, 0.3, 0.5));
    v.push(("spanning-tree bisection".into(), Method::Bisection, 0.3, 0.5));
    v
}

fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    Rect::new((x0, y0), (x1, y1)).to_polygon()
}

fn feature(code: &str, p: Value, g: Geometry<f64>) -> Feature {
    Feature { code: code.into(), properties: p.as_object().expect("object").clone(), geometry: g }
}

/// A seeded community of about `target_units` buildings and lanes in an irregular outline (a jittered
/// octagon), with empty cells (fields, squares) between them, 2–120 households each (most small, a few large
/// estates), published as vertical strips of about 400 households.
fn synthetic_community(seed: u64, index: usize, target_units: usize) -> Dataset {
    // Unit pitch and size in degrees (~55 m and ~40 m at 34.5°N).
    const P: f64 = 0.0006;
    const S: f64 = 0.00045;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    // The jittered octagon holds a little over half of its bounding square.
    let side = ((target_units as f64 / 0.8 / 0.5).sqrt().ceil()) as usize + 2;
    let (x0, y0) = (110.20 + index as f64 * 0.05, 34.50);
    let (cx, cy, r) = (x0 + side as f64 * P / 2.0, y0 + side as f64 * P / 2.0, side as f64 * P / 2.0);
    let ring: Vec<geo::Coord<f64>> = (0..8)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / 8.0 + 0.3;
            let j = rng.gen_range(0.8..1.0);
            geo::coord! { x: cx + r * j * a.cos(), y: cy + r * j * a.sin() }
        })
        .collect();
    // geo closes the ring.
    let boundary = Polygon::new(ring.into(), vec![]);
    let community = format!("6105229{:02}001", index + 1);
    let mut ds = Dataset::default();
    ds.layers.insert(
        Layer::Communities,
        vec![feature(
            &community,
            json!({"code": community, "name": format!("合成社区{}", index + 1), "town_code": format!("6105229{:02}", index + 1), "kind": "urban"}),
            Geometry::MultiPolygon(MultiPolygon(vec![boundary.clone()])),
        )],
    );
    // Units in the outline, a fifth of the cells left empty (chosen at random, the rest kept in reading order);
    // households skewed small with a few estates.
    let mut candidates = Vec::new();
    for j in 0..side {
        for i in 0..side {
            let (x, y) = (x0 + i as f64 * P + (P - S) / 2.0, y0 + j as f64 * P + (P - S) / 2.0);
            let unit = sq(x, y, x + S, y + S);
            if boundary.contains(&unit) {
                candidates.push((x, y, unit));
            }
        }
    }
    let keep = target_units.min(candidates.len() * 9 / 10);
    let mut picked: Vec<usize> = rand::seq::index::sample(&mut rng, candidates.len(), keep).into_vec();
    picked.sort_unstable();
    let cells: Vec<(f64, f64, Polygon<f64>, usize)> = picked
        .into_iter()
        .map(|k| {
            let (x, y, unit) = candidates[k].clone();
            let hh = if rng.gen_bool(0.05) { rng.gen_range(60..=120) } else { rng.gen_range(2..=40) };
            (x, y, unit, hh)
        })
        .collect();
    let total: usize = cells.iter().map(|c| c.3).sum();
    let strips = ((total as f64 / 400.0).round() as usize).max(1);
    let (minx, maxx) = (cx - r, cx + r);
    let strip_w = (maxx - minx) / strips as f64;
    let grid_code = |x: f64| format!("{community}{:03}", (((x - minx) / strip_w) as usize).min(strips - 1) + 1);
    let mut grids = Vec::new();
    for s in 0..strips {
        let code = format!("{community}{:03}", s + 1);
        let strip = sq(minx + s as f64 * strip_w, cy - 2.0 * r, minx + (s + 1) as f64 * strip_w, cy + 2.0 * r);
        let g = geo::BooleanOps::intersection(&boundary, &strip);
        grids.push(feature(
            &code,
            json!({"code": code, "name": format!("合成社区{}第{}网格", index + 1, s + 1), "community_code": community, "manager": format!("网格员{}", s + 1)}),
            Geometry::MultiPolygon(g),
        ));
    }
    let (mut units, mut households) = (Vec::new(), Vec::new());
    for (n, (x, y, unit, hh)) in cells.into_iter().enumerate() {
        let grid = grid_code(x + S / 2.0);
        let code = format!("{grid}{:03}", n + 1);
        let kind = if hh > 40 { "building" } else { "lane" };
        units.push(feature(
            &code,
            json!({"code": code, "name": format!("{}号", n + 1), "grid_code": grid, "kind": kind}),
            Geometry::MultiPolygon(MultiPolygon(vec![unit])),
        ));
        for k in 0..hh {
            let hc = format!("H{code}{k:03}");
            let (dx, dy) = ((k % 11) as f64 * S / 12.0 + S / 24.0, (k / 11 % 11) as f64 * S / 12.0 + S / 24.0);
            households.push(feature(
                &hc,
                json!({"code": hc, "grid_code": grid, "unit_code": code, "village_code": "", "members": 3}),
                Geometry::Point(Point::new(x + dx, y + dy)),
            ));
        }
    }
    ds.layers.insert(Layer::Grids, grids);
    ds.layers.insert(Layer::Units, units);
    ds.layers.insert(Layer::Households, households);
    ds
}

/// The proposal checked whole: every unit of the community assigned, every grid one piece.
fn assert_whole(community: &str, p: &Proposal, label: &str) {
    let assigned: usize = p.grids.iter().map(|g| g.units).sum();
    assert_eq!(assigned, p.draft.units.len(), "{label} {community}: units counted once");
    for (id, g) in &p.draft.grids {
        assert_eq!(g.geometry.0.len(), 1, "{label} {community}: grid {id} is one piece");
    }
}

/// An atlas and the communities of it to propose.
type Set = (Atlas, Vec<String>);

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full { support::env_usize("PROPOSE_BENCH_RUNS", 3) } else { 1 };
    let options = Options::default();
    println!("machine: {} cores; options: band {:?}, seed {}; time: median of {runs} runs", support::cores(), options.target_households, options.seed);

    let default = support::default_dataset();
    let synthetic_sizes: Vec<usize> = if full { vec![100, 150, 200, 250, 300, 350, 400, 450, 500, 500] } else { vec![60] };
    let mut sets: Vec<(String, Vec<Set>)> = Vec::new();
    {
        let t = Instant::now();
        let atlas = Atlas::build(&default, 0).expect("default dataset builds");
        let mut communities: Vec<String> = atlas.layer(Layer::Communities).expect("communities").features.iter().map(|f| f.code.clone()).collect();
        if !full {
            communities.truncate(1);
        }
        println!("default dataset: {} communities, atlas built in {:.1} s", communities.len(), t.elapsed().as_secs_f64());
        sets.push(("default dataset".into(), vec![(atlas, communities)]));
    }
    let seed = support::env_usize("PROPOSE_BENCH_SEED", 20261207) as u64;
    let synthetic: Vec<Set> = synthetic_sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let ds = synthetic_community(seed, i, n);
            let code = ds.layers[&Layer::Communities][0].code.clone();
            (Atlas::build(&ds, 0).expect("synthetic community builds"), vec![code])
        })
        .collect();
    println!("synthetic set: seed {seed}, {} communities of {:?} units", synthetic.len(), synthetic_sizes);
    sets.push((format!("synthetic (seed {seed})"), synthetic));

    for (set, atlases) in &sets {
        println!("\n{set}: {} households", atlases.iter().map(|(a, _)| a.layer(Layer::Households).map_or(0, |l| l.len())).sum::<usize>());
        println!(
            "{:<30} {:>5} {:>6} {:>6} {:>8} {:>9} {:>9} {:>8} {:>10} {:>10} {:>16}",
            "method", "comm", "units", "grids", "in band", "all in", "worst dev", "mean PP", "changed hh", "time", "slowest"
        );
        let mut tallies = Vec::new();
        for (label, method, compactness, keep_managers) in methods() {
            let opts = Options { compactness, keep_managers, ..options.clone() };
            let mut tally = Tally::default();
            for (atlas, communities) in atlases {
                for c in communities {
                    let mut times = Vec::with_capacity(runs);
                    let mut last = None;
                    for _ in 0..runs {
                        let t = Instant::now();
                        let p = propose_with(atlas, c, &opts, method);
                        times.push(t.elapsed());
                        last = Some(p);
                    }
                    match last.expect("a run") {
                        Ok(p) => {
                            assert_whole(c, &p, &label);
                            tally.add(&p, support::spread(times).median);
                        }
                        Err(e) => println!("  {label} {c}: {e}"),
                    }
                }
            }
            println!(
                "{:<30} {:>5} {:>6} {:>6} {:>7.1}% {:>9} {:>8.1}% {:>8.3} {:>10} {:>8.0}ms {:>8.0}ms ({:>3} u)",
                label,
                tally.communities,
                tally.units,
                tally.grids,
                100.0 * tally.in_band_share(),
                format!("{}/{}", tally.all_in_band, tally.communities),
                100.0 * tally.worst_dev,
                tally.mean_pp(),
                tally.changed,
                support::ms(tally.time),
                support::ms(tally.slowest),
                tally.slowest_units
            );
            tallies.push((label, method, tally));
        }
        // At equal compactness: each baseline against the proposal's setting at least as compact.
        for (label, _, base) in tallies.iter().filter(|t| t.1 != Method::Growth) {
            let peer = tallies
                .iter()
                .filter(|t| t.1 == Method::Growth && t.2.mean_pp() >= base.mean_pp())
                .max_by(|a, b| a.2.in_band_share().total_cmp(&b.2.in_band_share()).then(b.2.worst_dev.total_cmp(&a.2.worst_dev)));
            match peer {
                Some((pl, _, p)) => println!(
                    "  vs {label}: {pl} is as compact (PP {:.3} ≥ {:.3}) with {:.1}% of grids in band against {:.1}%, worst deviation {:.1}% against {:.1}%: {}",
                    p.mean_pp(),
                    base.mean_pp(),
                    100.0 * p.in_band_share(),
                    100.0 * base.in_band_share(),
                    100.0 * p.worst_dev,
                    100.0 * base.worst_dev,
                    support::verdict(p.in_band_share() >= base.in_band_share() && p.worst_dev <= base.worst_dev)
                ),
                None => println!("  vs {label}: no setting of the proposal is as compact (PP {:.3}): NOT met", base.mean_pp()),
            }
        }
        let own = &tallies.iter().find(|t| t.0 == "proposal c=0.3 keep=0.5").expect("the default setting").2;
        println!(
            "  speed: slowest community {:.0} ms ({} units; target ≤ 2 s: {}), all {} communities {:.1} s in one thread",
            support::ms(own.slowest),
            own.slowest_units,
            support::verdict(own.slowest <= Duration::from_secs(2)),
            own.communities,
            own.time.as_secs_f64()
        );
    }
}
