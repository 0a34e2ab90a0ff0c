//! The county as a raster of square pixels in metres: where every level is labelled before any line is drawn.
//!
//! Labelling pixels first and tracing lines afterwards is what makes neighbours share their edges exactly: a
//! line is traced once, between two labels, and every layer reuses it.

use std::collections::{BTreeMap, VecDeque};

use geo::{Coord, LineString};

/// A label meaning "outside the county".
pub const NONE: u16 = u16::MAX;

/// Pixel geometry: pixel (i, j) covers x0 + i·px .. x0 + (i+1)·px, y0 + j·px .. (j+1)·px (j grows north).
#[derive(Clone, Debug)]
pub struct Raster {
    pub x0: f64,
    pub y0: f64,
    pub px_m: f64,
    pub w: usize,
    pub h: usize,
}

impl Raster {
    /// A raster covering `min..max` with a margin of two pixels, so the county never touches its edge.
    pub fn covering(min: Coord<f64>, max: Coord<f64>, px_m: f64) -> Self {
        let x0 = (min.x / px_m).floor() * px_m - 2.0 * px_m;
        let y0 = (min.y / px_m).floor() * px_m - 2.0 * px_m;
        let w = ((max.x - x0) / px_m).ceil() as usize + 2;
        let h = ((max.y - y0) / px_m).ceil() as usize + 2;
        Self { x0, y0, px_m, w, h }
    }

    pub fn len(&self) -> usize {
        self.w * self.h
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn idx(&self, i: usize, j: usize) -> usize {
        j * self.w + i
    }

    pub fn ij(&self, k: usize) -> (usize, usize) {
        (k % self.w, k / self.w)
    }

    /// The centre of pixel `k`.
    pub fn centre(&self, k: usize) -> Coord<f64> {
        let (i, j) = self.ij(k);
        Coord { x: self.x0 + (i as f64 + 0.5) * self.px_m, y: self.y0 + (j as f64 + 0.5) * self.px_m }
    }

    /// The corner (i, j): the south-west corner of pixel (i, j).
    pub fn corner(&self, i: usize, j: usize) -> Coord<f64> {
        Coord { x: self.x0 + i as f64 * self.px_m, y: self.y0 + j as f64 * self.px_m }
    }

    /// The pixel containing `p`, if it is on the raster.
    pub fn pixel_at(&self, p: Coord<f64>) -> Option<usize> {
        let i = ((p.x - self.x0) / self.px_m).floor();
        let j = ((p.y - self.y0) / self.px_m).floor();
        (i >= 0.0 && j >= 0.0 && (i as usize) < self.w && (j as usize) < self.h)
            .then(|| self.idx(i as usize, j as usize))
    }

    /// The 4-neighbours of pixel `k` that are on the raster.
    pub fn neighbours4(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        let (i, j) = self.ij(k);
        let w = self.w;
        [(i > 0).then(|| k - 1), (i + 1 < w).then(|| k + 1), (j > 0).then(|| k - w), (j + 1 < self.h).then(|| k + w)]
            .into_iter()
            .flatten()
    }

    /// Pixels whose centre lies inside `ring` (even-odd rule, one scanline per row).
    pub fn rasterise(&self, ring: &LineString<f64>) -> Vec<bool> {
        let mut inside = vec![false; self.len()];
        let pts = &ring.0;
        let mut xs = Vec::new();
        for j in 0..self.h {
            let y = self.y0 + (j as f64 + 0.5) * self.px_m;
            xs.clear();
            for w in pts.windows(2) {
                let (a, b) = (w[0], w[1]);
                if (a.y <= y) != (b.y <= y) {
                    xs.push(a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y));
                }
            }
            xs.sort_by(f64::total_cmp);
            for pair in xs.chunks_exact(2) {
                let i0 = ((pair[0] - self.x0) / self.px_m - 0.5).ceil().max(0.0) as usize;
                let i1 = ((pair[1] - self.x0) / self.px_m - 0.5).floor();
                if i1 < 0.0 {
                    continue;
                }
                for i in i0..=(i1 as usize).min(self.w - 1) {
                    inside[self.idx(i, j)] = true;
                }
            }
        }
        inside
    }
}

/// 4-connected components of equal labels, NONE pixels left out (their component is `u32::MAX`).
/// Returns each pixel's component id and each component's (label, size).
pub fn components(r: &Raster, labels: &[u16]) -> (Vec<u32>, Vec<(u16, usize)>) {
    let mut comp = vec![u32::MAX; r.len()];
    let mut info = Vec::new();
    let mut stack = Vec::new();
    let (w, h) = (r.w, r.h);
    for start in 0..r.len() {
        if comp[start] != u32::MAX || labels[start] == NONE {
            continue;
        }
        let id = info.len() as u32;
        let lab = labels[start];
        comp[start] = id;
        stack.push(start);
        let mut size = 0;
        while let Some(k) = stack.pop() {
            size += 1;
            let (i, j) = (k % w, k / w);
            let mut visit = |n: usize| {
                if comp[n] == u32::MAX && labels[n] == lab {
                    comp[n] = id;
                    stack.push(n);
                }
            };
            if i > 0 {
                visit(k - 1);
            }
            if i + 1 < w {
                visit(k + 1);
            }
            if j > 0 {
                visit(k - w);
            }
            if j + 1 < h {
                visit(k + w);
            }
        }
        info.push((lab, size));
    }
    (comp, info)
}

/// One round of making every label one 4-connected piece: each label keeps its largest piece, and every other
/// piece (and any piece smaller than `min_size`, even a label's largest) goes to the label it borders most
/// among neighbours in the same `group` (the parent level, so nesting is kept).
///
/// Returns an ordered plan of (pixel, donor): applying `a[pixel] = a[donor]` in order, for the label array and
/// whichever child levels should follow, floods each piece from the neighbour it joins (a donor is either
/// outside every piece being moved or earlier in the plan). Empty when nothing is left to merge.
pub fn merge_plan(r: &Raster, labels: &[u16], group: &[u16], min_size: usize) -> Vec<(usize, usize)> {
    let (comp, info) = components(r, labels);
    let mut largest: BTreeMap<u16, (usize, u32)> = BTreeMap::new();
    for (id, &(lab, size)) in info.iter().enumerate() {
        let e = largest.entry(lab).or_insert((0, u32::MAX));
        if size > e.0 {
            *e = (size, id as u32);
        }
    }
    let moving = |id: u32| {
        if id == u32::MAX {
            return false;
        }
        let (lab, size) = info[id as usize];
        lab != NONE && (largest[&lab].1 != id || size < min_size)
    };
    // Border tallies per moving piece: (group, neighbour label) -> count.
    let mut tally: BTreeMap<u32, BTreeMap<(u16, u16), usize>> = BTreeMap::new();
    for k in 0..r.len() {
        if !moving(comp[k]) {
            continue;
        }
        for n in r.neighbours4(k) {
            if labels[n] != labels[k] && labels[n] != NONE && group[n] == group[k] {
                *tally.entry(comp[k]).or_default().entry((group[k], labels[n])).or_default() += 1;
            }
        }
    }
    // The label each (piece, group) joins: the most frequent neighbour, then the smallest label.
    let mut join: BTreeMap<(u32, u16), u16> = BTreeMap::new();
    for (id, t) in &tally {
        let mut best: BTreeMap<u16, (usize, u16)> = BTreeMap::new();
        for (&(g, lab), &n) in t {
            let e = best.entry(g).or_insert((0, NONE));
            if n > e.0 || (n == e.0 && lab < e.1) {
                *e = (n, lab);
            }
        }
        for (g, (_, lab)) in best {
            join.insert((*id, g), lab);
        }
    }
    let mut plan = Vec::new();
    let mut done = vec![false; r.len()];
    let mut queue = VecDeque::new();
    for k in 0..r.len() {
        let Some(&target) = join.get(&(comp[k], group[k])) else { continue };
        let donor = r.neighbours4(k).find(|&n| labels[n] == target && group[n] == group[k] && !moving(comp[n]));
        if let Some(d) = donor {
            done[k] = true;
            plan.push((k, d));
            queue.push_back(k);
        }
    }
    while let Some(k) = queue.pop_front() {
        let nbrs: Vec<usize> = r.neighbours4(k).collect();
        for n in nbrs {
            if !done[n] && comp[n] == comp[k] && group[n] == group[k] {
                done[n] = true;
                plan.push((n, k));
                queue.push_back(n);
            }
        }
    }
    plan
}

/// Removes diagonal-only contacts: wherever two diagonal pixels of a 2×2 block share a label at some level
/// and neither of the other two has it, the polygon of that label would touch itself at the block's centre
/// (an invalid ring). The north-west pixel then takes every level's label from its north-east neighbour.
/// `levels[l][k]` is pixel k's label at level l. Returns the number of pixels changed.
pub fn fix_saddles(r: &Raster, levels: &mut [Vec<u16>]) -> usize {
    let mut changed = 0;
    for _round in 0..50 {
        let mut round_changes = 0;
        for j in 0..r.h - 1 {
            for i in 0..r.w - 1 {
                // Block: sw = (i, j), se = (i+1, j), nw = (i, j+1), ne = (i+1, j+1).
                let (sw, se, nw, ne) = (r.idx(i, j), r.idx(i + 1, j), r.idx(i, j + 1), r.idx(i + 1, j + 1));
                let saddle = levels.iter().any(|l| {
                    let diag = |a: usize, b: usize, c: usize, d: usize| l[a] == l[b] && l[a] != l[c] && l[a] != l[d];
                    diag(nw, se, ne, sw) || diag(ne, sw, nw, se)
                });
                if saddle {
                    for l in levels.iter_mut() {
                        l[nw] = l[ne];
                    }
                    round_changes += 1;
                }
            }
        }
        changed += round_changes;
        if round_changes == 0 {
            break;
        }
    }
    changed
}

/// Approximate Euclidean distance (metres, 3-4 chamfer) from each pixel centre to the nearest pixel whose
/// label differs: how far a pixel is from its region's edge.
pub fn edge_distance_m(r: &Raster, labels: &[u16]) -> Vec<f32> {
    let inf = f32::MAX / 4.0;
    let mut d = vec![inf; r.len()];
    for k in 0..r.len() {
        if r.neighbours4(k).any(|n| labels[n] != labels[k]) {
            d[k] = 0.5;
        }
    }
    let (a, b) = (1.0f32, std::f32::consts::SQRT_2);
    let w = r.w;
    for j in 0..r.h {
        for i in 0..w {
            let k = r.idx(i, j);
            let mut v = d[k];
            if i > 0 {
                v = v.min(d[k - 1] + a);
            }
            if j > 0 {
                v = v.min(d[k - w] + a);
                if i > 0 {
                    v = v.min(d[k - w - 1] + b);
                }
                if i + 1 < w {
                    v = v.min(d[k - w + 1] + b);
                }
            }
            d[k] = v;
        }
    }
    for j in (0..r.h).rev() {
        for i in (0..w).rev() {
            let k = r.idx(i, j);
            let mut v = d[k];
            if i + 1 < w {
                v = v.min(d[k + 1] + a);
            }
            if j + 1 < r.h {
                v = v.min(d[k + w] + a);
                if i + 1 < w {
                    v = v.min(d[k + w + 1] + b);
                }
                if i > 0 {
                    v = v.min(d[k + w - 1] + b);
                }
            }
            d[k] = v;
        }
    }
    let px = r.px_m as f32;
    d.iter().map(|v| v * px).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raster(w: usize, h: usize) -> Raster {
        Raster { x0: 0.0, y0: 0.0, px_m: 1.0, w, h }
    }

    #[test]
    fn islands_join_the_neighbour_they_border_most() {
        let r = raster(5, 3);
        #[rustfmt::skip]
        let mut l = vec![
            1, 1, 1, 2, 2,
            1, 2, 1, 2, 2,
            1, 1, 1, 2, 2,
        ];
        let group = vec![0; 15];
        let plan = merge_plan(&r, &l, &group, 0);
        // Pixel 6 floods from its first neighbour holding label 1 (its west neighbour, pixel 5).
        assert_eq!(plan, vec![(6, 5)]);
        for (k, d) in plan {
            l[k] = l[d];
        }
        assert_eq!(l[6], 1);
        assert_eq!(components(&r, &l).1.len(), 2);
    }

    #[test]
    fn saddles_are_removed_at_every_level() {
        let r = raster(2, 2);
        // sw=1, se=2, nw=2, ne=1: the 1s and the 2s both touch only diagonally.
        let mut levels = vec![vec![1, 2, 2, 1]];
        assert_eq!(fix_saddles(&r, &mut levels), 1);
        assert_eq!(levels[0], vec![1, 2, 1, 1]);
    }

    #[test]
    fn rasterise_a_square() {
        let r = raster(10, 10);
        let ring = LineString::from(vec![(2.0, 2.0), (6.0, 2.0), (6.0, 6.0), (2.0, 6.0), (2.0, 2.0)]);
        let m = r.rasterise(&ring);
        assert_eq!(m.iter().filter(|&&b| b).count(), 16);
        assert!(m[r.idx(2, 2)] && m[r.idx(5, 5)] && !m[r.idx(6, 5)]);
    }
}
