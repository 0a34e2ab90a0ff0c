//! The method: seeded region growing to the target count, then a local search that moves boundary units between
//! neighbouring grids while every grid stays one piece, minimising
//! `(1 - compactness) × balance + compactness × (1 - Polsby-Popper) + keep_managers × households changing manager`.
//!
//! Balance is a grid's relative deviation `d` from the mean as `|d| + 2d²`, plus ten times its distance outside
//! the band (so a feasible band is met before anything else is traded). The square makes the cost strictly
//! convex: with `|d|` alone, moving a unit between two grids both above the mean costs nothing either way, and
//! the search stops with the worst grid still heavy. Compactness is Polsby-Popper (4πA/P²) of the grid's
//! territory, kept incrementally from the shared-boundary lengths of the graph. A household changes manager when
//! its unit's published grid is not the published grid its new grid is mostly made of.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::graph::Graph;

/// What a partition is asked to balance and keep.
#[derive(Clone, Debug)]
pub struct Goal {
    /// The household band per grid.
    pub band: [f64; 2],
    /// 0: balance only; 1: shape only.
    pub compactness: f64,
    /// Weight of households changing manager (per household, against the mean grid).
    pub keep_managers: f64,
    /// Each node's published grid (an index into any list), if any.
    pub published: Vec<Option<u32>>,
}

/// The cost parts of one grid and its evaluation.
pub struct Scorer<'a> {
    pub g: &'a Graph,
    pub goal: &'a Goal,
    pub mean: f64,
}

impl Scorer<'_> {
    /// The cost of a grid of `w` households, area `a_m2` and perimeter `p_m`.
    pub fn cost(&self, w: f64, a_m2: f64, p_m: f64) -> f64 {
        let t = self.mean.max(1.0);
        let [lo, hi] = self.goal.band;
        let d = (w - t) / t;
        let balance = d.abs() + 2.0 * d * d + 10.0 * ((lo - w).max(0.0) + (w - hi).max(0.0)) / t;
        let shape = if p_m > 0.0 { 1.0 - (4.0 * std::f64::consts::PI * a_m2 / (p_m * p_m)).min(1.0) } else { 0.0 };
        (1.0 - self.goal.compactness) * balance + self.goal.compactness * shape
    }
}

/// Grids' running sums: households, area and perimeter, and their published-grid label.
pub struct Parts {
    pub of: Vec<u32>,
    pub w: Vec<f64>,
    pub a: Vec<f64>,
    pub p: Vec<f64>,
    pub label: Vec<Option<u32>>,
}

impl Parts {
    /// Sums for assignment `of` into `k` parts.
    pub fn new(g: &Graph, of: Vec<u32>, k: usize) -> Parts {
        let mut s = Parts { w: vec![0.0; k], a: vec![0.0; k], p: vec![0.0; k], label: vec![None; k], of };
        for v in 0..g.len() {
            let q = s.of[v] as usize;
            s.w[q] += g.weight[v];
            s.a[q] += g.area_m2[v];
            s.p[q] += g.outer_m[v];
            for &(m, l) in &g.adj[v] {
                if s.of[m as usize] as usize != q {
                    s.p[q] += l;
                }
            }
        }
        s
    }

    /// Each part's label: the published grid most of its households come from (ties: the lowest index).
    pub fn relabel(&mut self, g: &Graph, published: &[Option<u32>]) {
        let k = self.w.len();
        let mut tally: Vec<std::collections::BTreeMap<u32, f64>> = vec![Default::default(); k];
        for v in 0..g.len() {
            if let Some(pg) = published[v] {
                *tally[self.of[v] as usize].entry(pg).or_default() += g.weight[v] + 1e-3;
            }
        }
        for (q, t) in tally.iter().enumerate() {
            self.label[q] = t.iter().fold(None, |best: Option<(u32, f64)>, (&pg, &w)| match best {
                Some((_, bw)) if bw >= w => best,
                _ => Some((pg, w)),
            }).map(|b| b.0);
        }
    }
}

/// The whole partition's cost: every grid's, plus the households changing manager (as the local search counts
/// them, against each part's published label).
pub fn total_cost(g: &Graph, goal: &Goal, parts: &mut Parts, means: &[f64]) -> f64 {
    parts.relabel(g, &goal.published);
    let grids: f64 = (0..parts.w.len()).map(|q| Scorer { g, goal, mean: means[q] }.cost(parts.w[q], parts.a[q], parts.p[q])).sum();
    let moved: f64 = (0..g.len())
        .filter(|&v| goal.published[v].is_some() && goal.published[v] != parts.label[parts.of[v] as usize])
        .map(|v| goal.keep_managers * g.weight[v] / means[parts.of[v] as usize].max(1.0))
        .sum();
    grids + moved
}

/// Seeds `k` parts over `nodes` (a connected component) by farthest-point sampling from a random node, grows
/// them by always extending the lightest part to its nearest free neighbour, and returns each node's part
/// (`base + 0..k`; other nodes untouched).
pub fn grow(g: &Graph, nodes: &[u32], k: usize, base: u32, of: &mut [u32], rng: &mut ChaCha8Rng) {
    let mut seeds = vec![nodes[rng.gen_range(0..nodes.len())]];
    while seeds.len() < k.min(nodes.len()) {
        let far = nodes
            .iter()
            .copied()
            .filter(|v| !seeds.contains(v))
            .max_by(|&a, &b| {
                let d = |v: u32| seeds.iter().map(|&s| dist2(g, v, s)).fold(f64::INFINITY, f64::min);
                d(a).total_cmp(&d(b)).then(b.cmp(&a))
            })
            .expect("nodes left");
        seeds.push(far);
    }
    let unset = u32::MAX;
    for &v in nodes {
        of[v as usize] = unset;
    }
    let mut heaps: Vec<BinaryHeap<Reverse<(u64, u32)>>> = vec![BinaryHeap::new(); seeds.len()];
    let mut w = vec![0.0; seeds.len()];
    let push = |heaps: &mut Vec<BinaryHeap<Reverse<(u64, u32)>>>, q: usize, v: u32, seed: u32| {
        for &(m, _) in &g.adj[v as usize] {
            heaps[q].push(Reverse(((dist2(g, m, seed).sqrt() * 1000.0) as u64, m)));
        }
    };
    for (q, &s) in seeds.iter().enumerate() {
        of[s as usize] = base + q as u32;
        w[q] += g.weight[s as usize];
        push(&mut heaps, q, s, s);
    }
    loop {
        // The lightest part that can still grow.
        let mut order: Vec<usize> = (0..seeds.len()).collect();
        order.sort_by(|&a, &b| w[a].total_cmp(&w[b]).then(a.cmp(&b)));
        let mut grew = false;
        for q in order {
            while let Some(Reverse((_, v))) = heaps[q].pop() {
                if of[v as usize] == unset {
                    of[v as usize] = base + q as u32;
                    w[q] += g.weight[v as usize];
                    push(&mut heaps, q, v, seeds[q]);
                    grew = true;
                    break;
                }
            }
            if grew {
                break;
            }
        }
        if !grew {
            break;
        }
    }
}

fn dist2(g: &Graph, a: u32, b: u32) -> f64 {
    let (p, q) = (g.centroid_m[a as usize], g.centroid_m[b as usize]);
    (p.x - q.x).powi(2) + (p.y - q.y).powi(2)
}

/// Local search: moves boundary nodes to a neighbouring part while it lowers the cost and keeps both parts one
/// piece and non-empty; `passes` sweeps at most. `means[q]` is the mean households of part `q`'s component.
pub fn improve(g: &Graph, goal: &Goal, parts: &mut Parts, means: &[f64], passes: usize) {
    let k = parts.w.len();
    let mut size = vec![0usize; k];
    for &q in &parts.of {
        size[q as usize] += 1;
    }
    for _ in 0..passes {
        parts.relabel(g, &goal.published);
        let mut moved = false;
        for v in 0..g.len() {
            let a = parts.of[v] as usize;
            if size[a] <= 1 {
                continue;
            }
            let mut targets: Vec<usize> = g.adj[v].iter().map(|&(m, _)| parts.of[m as usize] as usize).filter(|&b| b != a).collect();
            targets.sort_unstable();
            targets.dedup();
            if targets.is_empty() {
                continue;
            }
            let (wv, av) = (g.weight[v], g.area_m2[v]);
            let sc = |q: usize| Scorer { g, goal, mean: means[q] };
            let keep = |q: usize| {
                let pubd = goal.published[v];
                if pubd.is_some() && pubd != parts.label[q] { goal.keep_managers * wv / means[q].max(1.0) } else { 0.0 }
            };
            let old_a = sc(a).cost(parts.w[a], parts.a[a], parts.p[a]);
            let mut best: Option<(f64, usize, f64, f64)> = None;
            for &b in &targets {
                let (mut in_a, mut in_b, mut other) = (0.0, 0.0, 0.0);
                for &(m, l) in &g.adj[v] {
                    match parts.of[m as usize] as usize {
                        q if q == a => in_a += l,
                        q if q == b => in_b += l,
                        _ => other += l,
                    }
                }
                let pa = parts.p[a] - g.outer_m[v] - in_b - other + in_a;
                let pb = parts.p[b] + g.outer_m[v] + in_a + other - in_b;
                let old = old_a + sc(b).cost(parts.w[b], parts.a[b], parts.p[b]) + keep(a);
                let new = sc(a).cost(parts.w[a] - wv, parts.a[a] - av, pa) + sc(b).cost(parts.w[b] + wv, parts.a[b] + av, pb) + keep(b);
                let delta = new - old;
                if delta < -1e-9 && best.is_none_or(|x| delta < x.0) {
                    best = Some((delta, b, pa, pb));
                }
            }
            let Some((_, b, pa, pb)) = best else { continue };
            if !connected_without(g, &parts.of, a as u32, v as u32) {
                continue;
            }
            parts.of[v] = b as u32;
            parts.w[a] -= wv;
            parts.w[b] += wv;
            parts.a[a] -= av;
            parts.a[b] += av;
            parts.p[a] = pa;
            parts.p[b] = pb;
            size[a] -= 1;
            size[b] += 1;
            moved = true;
        }
        if !moved {
            break;
        }
    }
}

/// Whether part `q` stays one piece without node `v`.
pub fn connected_without(g: &Graph, of: &[u32], q: u32, v: u32) -> bool {
    let starts: Vec<u32> = g.adj[v as usize].iter().map(|e| e.0).filter(|&m| of[m as usize] == q).collect();
    let Some(&s) = starts.first() else { return true };
    if starts.len() == 1 {
        return true;
    }
    let mut seen = std::collections::BTreeSet::from([s, v]);
    let mut stack = vec![s];
    let mut found = 1;
    while let Some(x) = stack.pop() {
        for &(m, _) in &g.adj[x as usize] {
            if of[m as usize] == q && seen.insert(m) {
                if starts.contains(&m) {
                    found += 1;
                    if found == starts.len() {
                        return true;
                    }
                }
                stack.push(m);
            }
        }
    }
    false
}
