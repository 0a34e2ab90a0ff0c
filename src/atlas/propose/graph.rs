//! The units of a community as a weighted adjacency graph, over their territories.
//!
//! Lanes and buildings do not cover a community (streets, yards and fields lie between them) and mostly do not
//! touch, so adjacency of the unit polygons themselves says little. Each unit is given a territory instead: the
//! community (less its locked grids) is laid on a square raster, every cell whose centre lies in a unit goes to
//! that unit, and the rest goes to the nearest unit through the free area (a breadth-first flood, so territories
//! do not leap across a locked grid or out of the community). Two units are adjacent when their territories share
//! cell edges (a boundary of positive length: cells meeting at a corner only are not adjacent). A unit's weight
//! is the households whose point lies in its territory, so a grid's households are exactly those its outline (the
//! union of its units' territories, `outline.rs`) holds. The raster is fine enough (about 200,000 cells per
//! community, at least 1 m) that a household inside a unit is in that unit's territory.

use std::collections::VecDeque;

use geo::{BoundingRect, Coord, MultiPolygon};

/// No unit (outside the free area, or not yet reached).
pub const NONE: u32 = u32::MAX;

/// A square raster over a community, in metres.
#[derive(Clone, Debug)]
pub struct Raster {
    pub origin_m: Coord<f64>,
    pub cell_m: f64,
    pub nx: usize,
    pub ny: usize,
}

impl Raster {
    /// A raster over `area` (metres) with about `cells` cells, at least `min_cell_m` wide, padded by a cell.
    pub fn over(area: &MultiPolygon<f64>, cells: f64, min_cell_m: f64) -> Option<Raster> {
        let r = area.bounding_rect()?;
        let (w, h) = (r.width().max(1e-6), r.height().max(1e-6));
        let cell_m = (w * h / cells).sqrt().max(min_cell_m);
        let origin_m = Coord { x: r.min().x - cell_m, y: r.min().y - cell_m };
        Some(Raster { origin_m, cell_m, nx: (w / cell_m).ceil() as usize + 2, ny: (h / cell_m).ceil() as usize + 2 })
    }

    pub fn len(&self) -> usize {
        self.nx * self.ny
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cell holding `p`, if on the raster.
    pub fn cell_of(&self, p: Coord<f64>) -> Option<usize> {
        let i = ((p.x - self.origin_m.x) / self.cell_m).floor();
        let j = ((p.y - self.origin_m.y) / self.cell_m).floor();
        (i >= 0.0 && j >= 0.0 && (i as usize) < self.nx && (j as usize) < self.ny).then(|| j as usize * self.nx + i as usize)
    }

    /// The centre of cell `c`.
    pub fn centre(&self, c: usize) -> Coord<f64> {
        let (i, j) = (c % self.nx, c / self.nx);
        Coord { x: self.origin_m.x + (i as f64 + 0.5) * self.cell_m, y: self.origin_m.y + (j as f64 + 0.5) * self.cell_m }
    }

    /// Calls `f` with every cell whose centre lies inside `mp` (even-odd over all its rings, so holes are out).
    pub fn fill(&self, mp: &MultiPolygon<f64>, mut f: impl FnMut(usize)) {
        let Some(bb) = mp.bounding_rect() else { return };
        let row = |y: f64| ((y - self.origin_m.y) / self.cell_m - 0.5).ceil().max(0.0) as usize;
        let (j0, j1) = (row(bb.min().y), row(bb.max().y).min(self.ny));
        let edges: Vec<(Coord<f64>, Coord<f64>)> = mp
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|ring| ring.lines().map(|l| (l.start, l.end)))
            .collect();
        let mut xs = Vec::new();
        for j in j0..j1 {
            let y = self.origin_m.y + (j as f64 + 0.5) * self.cell_m;
            xs.clear();
            for &(a, b) in &edges {
                if (a.y <= y) != (b.y <= y) {
                    xs.push(a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y));
                }
            }
            xs.sort_by(f64::total_cmp);
            let col = |x: f64| ((x - self.origin_m.x) / self.cell_m - 0.5).ceil().clamp(0.0, self.nx as f64) as usize;
            for pair in xs.chunks_exact(2) {
                for i in col(pair[0])..col(pair[1]) {
                    f(j * self.nx + i);
                }
            }
        }
    }

    /// The 4-neighbours of cell `c` (shared edges, not corners).
    pub fn neighbours(&self, c: usize) -> impl Iterator<Item = usize> + use<> {
        let (nx, ny) = (self.nx, self.ny);
        let (i, j) = (c % nx, c / nx);
        [(i > 0).then(|| c - 1), (i + 1 < nx).then(|| c + 1), (j > 0).then(|| c - nx), (j + 1 < ny).then(|| c + nx)].into_iter().flatten()
    }
}

/// The weighted adjacency graph of a community's free units.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Households per node.
    pub weight: Vec<f64>,
    /// Territory area per node, m².
    pub area_m2: Vec<f64>,
    /// Territory boundary against the outside of the free area, m.
    pub outer_m: Vec<f64>,
    /// Territory centroid per node, metres.
    pub centroid_m: Vec<Coord<f64>>,
    /// Neighbours with the length of the shared boundary, m, sorted by neighbour.
    pub adj: Vec<Vec<(u32, f64)>>,
}

impl Graph {
    pub fn len(&self) -> usize {
        self.weight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weight.is_empty()
    }

    /// The connected components, each a sorted list of nodes, in order of their first node.
    pub fn components(&self) -> Vec<Vec<u32>> {
        let mut seen = vec![false; self.len()];
        let mut out = Vec::new();
        for s in 0..self.len() {
            if seen[s] {
                continue;
            }
            seen[s] = true;
            let mut comp = vec![s as u32];
            let mut k = 0;
            while k < comp.len() {
                for &(m, _) in &self.adj[comp[k] as usize] {
                    if !seen[m as usize] {
                        seen[m as usize] = true;
                        comp.push(m);
                    }
                }
                k += 1;
            }
            comp.sort_unstable();
            out.push(comp);
        }
        out
    }
}

/// Territories on a raster: each cell's node (or [`NONE`]), and the graph they make.
pub struct Territories {
    pub raster: Raster,
    /// Whether a cell's centre is in the free area (the community less its locked grids).
    pub free: Vec<bool>,
    /// Every cell's node: free cells by the flood through the free area, the others by a flood through all
    /// cells (they only matter where the outline is clipped to the free area).
    pub node: Vec<u32>,
    pub graph: Graph,
}

/// Territories of `units` (metres, in node order) over `free_m` (metres), weighted by `households_m` (points).
/// A unit holding no cell centre gets the cell of its `points_m` if that cell is free and unclaimed.
pub fn territories(free_m: &MultiPolygon<f64>, units: &[&MultiPolygon<f64>], points_m: &[Option<Coord<f64>>], households_m: &[Coord<f64>]) -> Option<Territories> {
    let raster = Raster::over(free_m, 200_000.0, 1.0)?;
    let mut free = vec![false; raster.len()];
    raster.fill(free_m, |c| free[c] = true);
    let mut node = vec![NONE; raster.len()];
    let mut queue = VecDeque::new();
    for (u, mp) in units.iter().enumerate() {
        let mut any = false;
        raster.fill(mp, |c| {
            if free[c] && node[c] == NONE {
                node[c] = u as u32;
                queue.push_back(c);
                any = true;
            }
        });
        if !any && let Some(c) = points_m.get(u).copied().flatten().and_then(|p| raster.cell_of(p)) && free[c] && node[c] == NONE {
            node[c] = u as u32;
            queue.push_back(c);
        }
    }
    flood(&raster, &mut node, queue, |c| free[c]);
    // Then every other cell (outside the free area, or free but cut off from every unit), from all labelled cells.
    let labelled: VecDeque<usize> = (0..raster.len()).filter(|&c| node[c] != NONE).collect();
    if labelled.is_empty() {
        return None;
    }
    flood(&raster, &mut node, labelled, |_| true);

    let n = units.len();
    let mut g = Graph { weight: vec![0.0; n], area_m2: vec![0.0; n], outer_m: vec![0.0; n], centroid_m: vec![Coord::default(); n], adj: vec![Vec::new(); n] };
    let a = raster.cell_m * raster.cell_m;
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut sum = vec![Coord::default(); n];
    for c in 0..raster.len() {
        if !free[c] {
            continue;
        }
        let u = node[c];
        g.area_m2[u as usize] += a;
        let p = raster.centre(c);
        sum[u as usize] = sum[u as usize] + p;
        let mut sides = 4;
        for m in raster.neighbours(c) {
            sides -= 1;
            if !free[m] {
                g.outer_m[u as usize] += raster.cell_m;
            } else if node[m] != u && m > c {
                pairs.push((u.min(node[m]), u.max(node[m])));
            }
        }
        g.outer_m[u as usize] += sides as f64 * raster.cell_m;
    }
    for (u, s) in sum.iter().enumerate().take(n) {
        let cells = g.area_m2[u] / a;
        g.centroid_m[u] = if cells > 0.0 { *s / cells } else { points_m.get(u).copied().flatten().unwrap_or_default() };
    }
    pairs.sort_unstable();
    for run in pairs.chunk_by(|x, y| x == y) {
        let (u, v) = run[0];
        let len = run.len() as f64 * raster.cell_m;
        g.adj[u as usize].push((v, len));
        g.adj[v as usize].push((u, len));
    }
    for l in &mut g.adj {
        l.sort_by_key(|e| e.0);
    }
    for h in households_m {
        if let Some(c) = raster.cell_of(*h) && free[c] && node[c] != NONE {
            g.weight[node[c] as usize] += 1.0;
        }
    }
    Some(Territories { raster, free, node, graph: g })
}

/// Breadth-first flood from `queue`, labelling unlabelled cells that pass `open` with the label they came from.
fn flood(raster: &Raster, node: &mut [u32], mut queue: VecDeque<usize>, open: impl Fn(usize) -> bool) {
    while let Some(c) = queue.pop_front() {
        for m in raster.neighbours(c) {
            if node[m] == NONE && open(m) {
                node[m] = node[c];
                queue.push_back(m);
            }
        }
    }
}
