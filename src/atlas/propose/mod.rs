//! Proposing a community's grids automatically: balanced on households, each one piece of lanes and buildings,
//! inside the community, locked grids untouched, few households changing manager.
//!
//! The community's free units (those not in a locked grid) become a graph over their territories
//! (`graph`); the graph is cut into grids by the method (`partition`: seeded region growing, then a local search
//! that keeps every grid contiguous) or a baseline (`baseline`); outlines are the union of the units' territories
//! clipped to the free area (`outline`). Each proposed grid keeps the code, name and manager of the published grid
//! it is mostly made of (more than half of its households), as a draft copied from the published plan does, so
//! publishing treats it as that grid. Everything is deterministic for a seed: one seeded ChaCha generator, and
//! only ordered collections in what decides the result.

use std::collections::BTreeMap;

use geo::{Area, BooleanOps, Centroid, Coord, Euclidean, Geometry, Length, MultiPolygon};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::Atlas;
use super::plan::geometry::oriented_mp;
use super::plan::{Context, Draft, DraftGrid, PlanError};
use crate::model::Layer;

/// Methods that partition the graph: the proposal's own, and the two baselines it is measured against.
pub mod baseline;
/// The unit adjacency graph over territories on a raster of the community.
pub mod graph;
/// Grid outlines from territories, clipped to the free area.
pub mod outline;
/// The method: region growing and a contiguity-keeping local search.
pub mod partition;

/// What a planner asks of a proposal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// The household band per grid, `[min, max]`.
    pub target_households: [u64; 2],
    /// The number of grids (besides locked ones); fitted to the band when absent.
    pub grids: Option<usize>,
    /// Codes of published grids kept as they are.
    pub lock: Vec<String>,
    /// 0: households balanced above all; 1: regular shapes above all.
    pub compactness: f64,
    /// Weight of keeping households with their grid manager (0: ignore).
    pub keep_managers: f64,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options { target_households: [300, 500], grids: None, lock: Vec::new(), compactness: 0.3, keep_managers: 0.5, seed: 1 }
    }
}

/// How the graph is cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Region growing and local search (the proposal's).
    Growth,
    /// Baseline: weighted k-means on territory centroids, contiguity repaired.
    KMeans,
    /// Baseline: recursive spanning-tree bisection.
    Bisection,
}

/// One proposed grid's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProposedGrid {
    /// The draft id: a published code it keeps, or `new-N`.
    pub id: String,
    pub households: u64,
    pub units: usize,
    /// 4πA/P² of its outline (1 for a circle).
    pub polsby_popper: f64,
    /// Whether its households are inside the band.
    pub in_band: bool,
}

/// A proposal: the draft holding it and its figures.
#[derive(Clone, Debug)]
pub struct Proposal {
    pub draft: Draft,
    /// The proposed grids (locked grids are not listed), in reading order.
    pub grids: Vec<ProposedGrid>,
    /// Households whose unit's published grid is not the grid they are proposed in.
    pub households_changing_manager: u64,
    /// Why the band is not met everywhere, when it is not (in Chinese).
    pub reason: Option<String>,
}

/// Starts of the method's partition per proposal, the cheapest kept.
const STARTS: usize = 6;

/// Proposes the grids of `community` with the method.
pub fn propose(atlas: &Atlas, community: &str, opts: &Options) -> Result<Proposal, PlanError> {
    propose_with(atlas, community, opts, Method::Growth)
}

/// Proposes the grids of `community` with `method`.
pub fn propose_with(atlas: &Atlas, community: &str, opts: &Options, method: Method) -> Result<Proposal, PlanError> {
    check(opts)?;
    let ctx = Context::new(atlas, community)?;
    let mut draft = Draft::from_atlas(atlas, community)?;
    for code in &opts.lock {
        if !draft.grids.contains_key(code) {
            return Err(PlanError::Invalid(format!("保留的网格 {code} 不是该社区已发布的网格 (grid {code} is not a published grid of {community})")));
        }
    }
    let crs = atlas.crs;
    let to_m = |mp: &MultiPolygon<f64>| -> Result<MultiPolygon<f64>, PlanError> {
        crs.project_geometry(&Geometry::MultiPolygon(mp.clone())).map(|g| oriented_mp(&g)).map_err(|e| PlanError::Invalid(e.to_string()))
    };
    let locked: Vec<&DraftGrid> = opts.lock.iter().map(|c| &draft.grids[c]).collect();
    let mut free_lonlat = ctx.boundary.clone();
    for g in &locked {
        free_lonlat = free_lonlat.difference(&g.geometry);
    }
    let free_m = to_m(&free_lonlat)?;

    // The free units: in the community by their point, not in a locked grid.
    let community_idx = atlas.layer(Layer::Communities).and_then(|l| l.index_of(community));
    let grids_layer = atlas.layer(Layer::Grids);
    let locked_idx: Vec<usize> = opts.lock.iter().filter_map(|c| grids_layer.and_then(|l| l.index_of(c))).collect();
    let upoints = atlas.points(Layer::Units);
    let mut nodes: Vec<usize> = Vec::new();
    let mut published: Vec<Option<u32>> = Vec::new();
    if let Some(ul) = atlas.layer(Layer::Units) {
        for u in 0..ul.len() {
            let Some((m, ll)) = upoints.get(u) else { continue };
            if atlas.owner_at(Layer::Communities, m, ll) != community_idx {
                continue;
            }
            let grid = atlas.owner_at(Layer::Grids, m, ll);
            if grid.is_some_and(|g| locked_idx.contains(&g)) || locked.iter().any(|g| super::placement::covers(&Geometry::MultiPolygon(g.geometry.clone()), ll)) {
                continue;
            }
            nodes.push(u);
            published.push(grid.filter(|&g| grids_layer.is_some_and(|l| l.features[g].str_prop("community_code") == Some(community))).map(|g| g as u32));
        }
    }
    let units_m: Vec<MultiPolygon<f64>> = match atlas.layer(Layer::Units) {
        Some(ul) => nodes.iter().map(|&u| oriented_mp(&ul.geoms_m[u])).collect(),
        None => Vec::new(),
    };
    let unit_refs: Vec<&MultiPolygon<f64>> = units_m.iter().collect();
    let unit_points: Vec<Option<Coord<f64>>> = nodes.iter().map(|&u| upoints.get(u).map(|p| p.0)).collect();
    let owners = atlas.household_owners();
    let hpoints = atlas.points(Layer::Households);
    let households_m: Vec<Coord<f64>> = (0..owners.len())
        .filter(|&h| owners.of(h, Layer::Communities) == community_idx && community_idx.is_some())
        .filter_map(|h| hpoints.get(h).map(|p| p.0))
        .collect();
    let Some(terr) = graph::territories(&free_m, &unit_refs, &unit_points, &households_m) else {
        return Err(PlanError::Invalid(format!("该社区 (保留的网格以外) 没有可划分的巷道或楼栋 (community {community} has no free lanes or buildings to propose grids from)")));
    };
    let g = &terr.graph;

    // How many grids, and how many per connected component.
    let [lo, hi] = [opts.target_households[0] as f64, opts.target_households[1] as f64];
    let total: f64 = g.weight.iter().sum();
    let mut reason = None;
    let k = match opts.grids {
        Some(k) => k.min(g.len()).max(1),
        None => {
            let (kmin, kmax) = ((total / hi).ceil().max(1.0), (total / lo).floor());
            let fit = (total / ((lo + hi) / 2.0)).round().max(1.0);
            if kmin <= kmax {
                fit.clamp(kmin, kmax) as usize
            } else {
                let k = fit.max(1.0) as usize;
                reason = Some(format!(
                    "该社区 (保留的网格以外) 共 {total} 户, 无法分成每格 {lo}–{hi} 户的网格: 分成 {k} 格, 每格约 {:.0} 户",
                    total / k as f64
                ));
                k
            }
        }
        .min(g.len()),
    };
    let comps = g.components();
    let per = allocate(&comps.iter().map(|c| c.iter().map(|&v| g.weight[v as usize]).sum::<f64>()).collect::<Vec<_>>(), k);
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    // The method takes a few starts from different seeds (one generator, so still deterministic) and keeps the
    // cheapest: region growing depends on where it starts, and a start costs milliseconds. The baselines run
    // once, as they are defined.
    let starts = if method == Method::Growth { STARTS } else { 1 };
    let mut best: Option<(f64, Vec<u32>, usize)> = None;
    for _ in 0..starts {
        let mut of = vec![0u32; g.len()];
        let mut means = Vec::new();
        let mut base = 0u32;
        for (comp, &kc) in comps.iter().zip(&per) {
            match method {
                Method::Growth => partition::grow(g, comp, kc, base, &mut of, &mut rng),
                Method::KMeans => baseline::kmeans(g, comp, kc, base, &mut of, &mut rng),
                Method::Bisection => baseline::bisect(g, comp, kc, base, &mut of, &mut rng),
            }
            let w: f64 = comp.iter().map(|&v| g.weight[v as usize]).sum();
            means.extend(std::iter::repeat_n(w / kc as f64, kc));
            base += kc as u32;
        }
        // Parts left empty by a baseline are dropped; the rest renumbered densely.
        let (of, means) = compact(of, &means);
        let parts_n = means.len();
        let goal = partition::Goal { band: [lo, hi], compactness: opts.compactness, keep_managers: opts.keep_managers, published: published.clone() };
        let mut parts = partition::Parts::new(g, of, parts_n);
        if method == Method::Growth {
            partition::improve(g, &goal, &mut parts, &means, 60);
        }
        let cost = partition::total_cost(g, &goal, &mut parts, &means);
        if best.as_ref().is_none_or(|b| cost < b.0) {
            best = Some((cost, parts.of, parts_n));
        }
    }
    let (_, of, parts_n) = best.expect("at least one start");

    // Outlines.
    let cell_part: Vec<u32> = terr.node.iter().map(|&n| if n == graph::NONE { graph::NONE } else { of[n as usize] }).collect();
    let unions = outline::unions_m(&terr.raster, &cell_part, parts_n);
    let mut outlines = Vec::with_capacity(parts_n);
    let mut centroids = Vec::with_capacity(parts_n);
    for u in &unions {
        let ll = crs.unproject_geometry(&Geometry::MultiPolygon(u.clone())).map_err(|e| PlanError::Invalid(e.to_string()))?;
        let clipped = oriented_mp(&Geometry::MultiPolygon(outline::clip(&oriented_mp(&ll), &free_lonlat)));
        centroids.push(u.centroid().map_or(Coord::default(), |p| p.0));
        outlines.push(clipped);
    }
    give_strays(&mut outlines, &terr, &of, crs);
    let mean_m2 = free_m.unsigned_area() / parts_n.max(1) as f64;
    let order = super::numbering::reading_order(&centroids, mean_m2.sqrt());

    // Identity: the published grid a part is mostly made of, one part per published grid, largest overlap first.
    let mut overlap: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    let mut weight_of = vec![0.0; parts_n];
    for v in 0..g.len() {
        weight_of[of[v] as usize] += g.weight[v];
        if let Some(pg) = published[v] {
            *overlap.entry((of[v], pg)).or_default() += g.weight[v];
        }
    }
    let mut pairs: Vec<((u32, u32), f64)> = overlap.into_iter().collect();
    pairs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut identity: Vec<Option<u32>> = vec![None; parts_n];
    let mut taken = std::collections::BTreeSet::new();
    for ((q, pg), w) in pairs {
        if identity[q as usize].is_none() && !taken.contains(&pg) && w * 2.0 > weight_of[q as usize] {
            identity[q as usize] = Some(pg);
            taken.insert(pg);
        }
    }

    // The draft: locked grids as published, the proposal's grids, the units' assignments.
    let keep: std::collections::BTreeSet<&String> = opts.lock.iter().collect();
    draft.grids.retain(|id, _| keep.contains(id));
    draft.units.retain(|_, id| keep.contains(id));
    let mut ids = vec![String::new(); parts_n];
    let mut grids_out = Vec::with_capacity(parts_n);
    for &q in &order {
        let (id, properties) = match identity[q].and_then(|pg| grids_layer.map(|l| &l.features[pg as usize])) {
            Some(f) => (f.code.clone(), f.properties.clone()),
            None => (draft.new_id(), serde_json::Map::new()),
        };
        let geometry = std::mem::replace(&mut outlines[q], MultiPolygon(vec![]));
        // Area and perimeter of the same outline (the clipped one the draft holds), or the ratio can pass 1.
        let (area_m2, perimeter_m) = to_m(&geometry).map_or((0.0, 0.0), |m| {
            let perimeter: f64 = m.0.iter().map(|p| Euclidean.length(p.exterior()) + p.interiors().iter().map(|r| Euclidean.length(r)).sum::<f64>()).sum();
            (m.unsigned_area(), perimeter)
        });
        let households = weight_of[q].round() as u64;
        grids_out.push(ProposedGrid {
            id: id.clone(),
            households,
            units: of.iter().filter(|&&p| p as usize == q).count(),
            polsby_popper: if perimeter_m > 0.0 { 4.0 * std::f64::consts::PI * area_m2 / (perimeter_m * perimeter_m) } else { 0.0 },
            in_band: (lo..=hi).contains(&weight_of[q]),
        });
        draft.grids.insert(id.clone(), DraftGrid { properties, geometry });
        ids[q] = id;
    }
    let ul = atlas.layer(Layer::Units);
    let mut moved = 0.0;
    for (v, &u) in nodes.iter().enumerate() {
        if let Some(ul) = ul {
            draft.units.insert(ul.features[u].code.clone(), ids[of[v] as usize].clone());
        }
        let now = identity[of[v] as usize];
        if published[v].is_some() && published[v] != now {
            moved += g.weight[v];
        }
    }
    let out = grids_out.iter().filter(|p| !p.in_band).count();
    if reason.is_none() && out > 0 {
        let heaviest = g.weight.iter().copied().fold(0.0, f64::max);
        reason = Some(if heaviest > hi {
            format!("有 {out} 个网格不在每格 {lo}–{hi} 户内: 有巷道或楼栋单独就有 {heaviest} 户, 超过每格上限")
        } else {
            format!("有 {out} 个网格不在每格 {lo}–{hi} 户内: 巷道和楼栋的户数与相邻关系不允许更均衡的划分, 这是找到的最接近的方案")
        });
    }
    Ok(Proposal { draft, grids: grids_out, households_changing_manager: moved.round() as u64, reason })
}

/// Pieces of an outline apart from its largest come from raster cells straddling the free area's boundary
/// (where it is concave, or two pieces of a community meet at a corner): each goes to the grid whose territory
/// holds it in the free area, so every grid stays one piece.
fn give_strays(outlines: &mut [MultiPolygon<f64>], terr: &graph::Territories, of: &[u32], crs: crate::model::crs::MetricCrs) {
    use geo::InteriorPoint;
    let mut moves: Vec<(usize, usize, geo::Polygon<f64>)> = Vec::new();
    for (q, mp) in outlines.iter().enumerate() {
        if mp.0.len() <= 1 {
            continue;
        }
        let largest = (0..mp.0.len()).max_by(|&a, &b| mp.0[a].unsigned_area().total_cmp(&mp.0[b].unsigned_area())).expect("pieces");
        for (i, piece) in mp.0.iter().enumerate() {
            if i == largest {
                continue;
            }
            let Some(ll) = piece.interior_point() else { continue };
            let Ok(m) = crs.project(ll.x(), ll.y()) else { continue };
            let Some(c) = terr.raster.cell_of(m) else { continue };
            let (nx, len) = (terr.raster.nx as isize, terr.raster.len() as isize);
            let around = [0isize, 1, -1, nx, -nx, nx + 1, nx - 1, -nx + 1, -nx - 1];
            let to = around
                .iter()
                .map(|d| c as isize + d)
                .filter(|&x| x >= 0 && x < len)
                .map(|x| x as usize)
                .find(|&x| terr.free[x] && terr.node[x] != graph::NONE)
                .map(|x| of[terr.node[x] as usize] as usize);
            if let Some(to) = to.filter(|&to| to != q) {
                moves.push((q, to, piece.clone()));
            }
        }
    }
    for (from, to, piece) in moves {
        let piece = MultiPolygon(vec![piece]);
        outlines[from] = outlines[from].difference(&piece);
        outlines[to] = oriented_mp(&Geometry::MultiPolygon(outlines[to].union(&piece)));
    }
}

/// Refuses options out of range, saying which.
fn check(o: &Options) -> Result<(), PlanError> {
    let [lo, hi] = o.target_households;
    if lo == 0 || lo > hi {
        return Err(PlanError::Invalid(format!("每格户数应为 [最少, 最多] 且 0 < 最少 ≤ 最多, 收到 [{lo}, {hi}] (target_households must be [min, max] with 0 < min <= max)")));
    }
    if !(0.0..=1.0).contains(&o.compactness) {
        return Err(PlanError::Invalid(format!("形状规整 (compactness) 应在 0 到 1 之间, 收到 {}", o.compactness)));
    }
    if !(o.keep_managers >= 0.0 && o.keep_managers.is_finite()) {
        return Err(PlanError::Invalid(format!("少换网格员 (keep_managers) 应不小于 0, 收到 {}", o.keep_managers)));
    }
    if o.grids == Some(0) || o.grids.is_some_and(|k| k > 999) {
        return Err(PlanError::Invalid("网格数 (grids) 应在 1 到 999 之间".into()));
    }
    Ok(())
}

/// `k` grids over components of these weights: each at least one, the rest by largest remainder.
fn allocate(weights: &[f64], k: usize) -> Vec<usize> {
    let n = weights.len();
    let total: f64 = weights.iter().sum::<f64>().max(1e-9);
    let spare = k.saturating_sub(n);
    let share: Vec<f64> = weights.iter().map(|w| spare as f64 * w / total).collect();
    let mut out: Vec<usize> = share.iter().map(|s| 1 + s.floor() as usize).collect();
    let mut rest: Vec<usize> = (0..n).collect();
    rest.sort_by(|&a, &b| (share[b] - share[b].floor()).total_cmp(&(share[a] - share[a].floor())).then(a.cmp(&b)));
    let mut left = k.saturating_sub(out.iter().sum::<usize>());
    for i in rest {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// Drops parts no node is in and renumbers the rest in order.
fn compact(of: Vec<u32>, means: &[f64]) -> (Vec<u32>, Vec<f64>) {
    let mut used = vec![false; means.len()];
    for &q in &of {
        used[q as usize] = true;
    }
    let mut map = vec![u32::MAX; means.len()];
    let mut out_means = Vec::new();
    for (q, &u) in used.iter().enumerate() {
        if u {
            map[q] = out_means.len() as u32;
            out_means.push(means[q]);
        }
    }
    (of.into_iter().map(|q| map[q as usize]).collect(), out_means)
}

#[cfg(test)]
mod tests;
