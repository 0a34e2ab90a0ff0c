//! Point location at millions of points a second: a raster of square cells laid over a layer's polygons.
//!
//! Each cell is empty, wholly inside one polygon (a point there is answered with one array read and no
//! geometry), or touched by some boundary (its point is tested exactly against the few polygons listed for the
//! cell). Cells are a sixteenth of a typical polygon's side, so most points never reach a polygon test.
//! Building is one scanline pass per polygon: boundary cells by walking each edge row by row, inside cells from
//! the edge crossings of each row's centre line.

use geo::{Coord, MultiPolygon};
use rayon::prelude::*;

const EMPTY: u32 = u32::MAX;
const PENDING: u32 = u32::MAX - 1;
const TEST: u32 = 1 << 31;
/// Slack, in cells, with which an edge marks the cells it passes: an edge that runs along a cell side marks
/// both neighbours, so a cell called "inside" has no boundary on or near it.
const SLACK: f64 = 1e-7;
const MAX_CELLS: f64 = 8.0e6;

/// A raster index over polygons (metres) for exact point location.
#[derive(Clone, Debug)]
pub struct CellIndex {
    origin: Coord<f64>,
    cell_m: f64,
    inv: f64,
    nx: usize,
    ny: usize,
    cells: Vec<u32>,
    offsets: Vec<u32>,
    lists: Vec<u32>,
}

/// What a cell knows about the point in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit<'a> {
    /// No polygon reaches this cell.
    None,
    /// The cell lies wholly inside this polygon (and no other).
    Inside(usize),
    /// Boundaries pass through the cell: test the point against these polygons.
    Test(&'a [u32]),
}

impl CellIndex {
    /// Builds the index of `polys`; `cell_m` defaults to a sixteenth of the square root of the mean area.
    ///
    /// ```
    /// use geo::{coord, polygon, MultiPolygon};
    /// use gridmap::atlas::cells::CellIndex;
    /// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 100., y: 0.), (x: 100., y: 100.), (x: 0., y: 100.)]]);
    /// let b = MultiPolygon(vec![polygon![(x: 100., y: 0.), (x: 200., y: 0.), (x: 200., y: 100.), (x: 100., y: 100.)]]);
    /// let polys = [&a, &b];
    /// let idx = CellIndex::build(&polys, None);
    /// assert_eq!(idx.locate(coord! { x: 50., y: 50. }, &polys), Some(0));
    /// assert_eq!(idx.locate(coord! { x: 150., y: 99. }, &polys), Some(1));
    /// assert_eq!(idx.locate(coord! { x: 250., y: 50. }, &polys), None);
    /// ```
    pub fn build(polys: &[&MultiPolygon<f64>], cell_m: Option<f64>) -> CellIndex {
        CellIndex::build_with_margin(polys, cell_m, |_| 0.0)
    }

    /// Builds the index of `polys` with every edge's boundary cells widened by `margin_m(edge length)`: a cell
    /// is then called inside only when no boundary lies within that margin of it. For polygons whose true
    /// edges are curves near their chords (lon/lat edges seen in metres), so that the exact test can be made
    /// against the true edges.
    pub fn build_with_margin(polys: &[&MultiPolygon<f64>], cell_m: Option<f64>, margin_m: fn(f64) -> f64) -> CellIndex {
        use geo::{Area, BoundingRect};
        let pad = polys.iter().map(|p| margin_m(longest_edge(p))).fold(0.0, f64::max);
        let rects: Vec<Option<geo::Rect<f64>>> = polys
            .iter()
            .map(|p| p.bounding_rect().map(|r| geo::Rect::new(r.min() - Coord { x: pad, y: pad }, r.max() + Coord { x: pad, y: pad })))
            .collect();
        let Some(bb) = rects.iter().flatten().copied().reduce(|a, b| {
            geo::Rect::new(
                Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        }) else {
            return CellIndex { origin: Coord::default(), cell_m: 1.0, inv: 1.0, nx: 0, ny: 0, cells: vec![], offsets: vec![], lists: vec![] };
        };
        let area: f64 = polys.iter().map(|p| p.unsigned_area()).sum();
        let mean_side = (area / polys.len().max(1) as f64).sqrt().max(1e-3);
        let (w, h) = (bb.width().max(1e-3), bb.height().max(1e-3));
        let cell_m = cell_m.unwrap_or(mean_side / 16.0).max((w * h / MAX_CELLS).sqrt());
        let inv = 1.0 / cell_m;
        let nx = (w * inv).floor() as usize + 1;
        let ny = (h * inv).floor() as usize + 1;
        let origin = bb.min();
        let grid = Raster { origin, inv, cell_m, nx, ny, margin_m };
        let per: Vec<(Vec<u32>, Vec<u32>)> = polys.par_iter().map(|p| grid.rasterise(p)).collect();

        let n = nx * ny;
        let mut count = vec![0u32; n];
        let mut boundary = vec![false; n];
        for (bnd, ins) in &per {
            for &c in bnd {
                count[c as usize] += 1;
                boundary[c as usize] = true;
            }
            for &c in ins {
                count[c as usize] += 1;
            }
        }
        let mut cells = vec![EMPTY; n];
        let mut offsets = vec![0u32];
        for c in 0..n {
            match (count[c], boundary[c]) {
                (0, _) => {}
                (1, false) => cells[c] = PENDING,
                (k, _) => {
                    cells[c] = TEST | (offsets.len() as u32 - 1);
                    offsets.push(offsets.last().unwrap() + k);
                }
            }
        }
        let mut cursor = offsets.clone();
        let mut lists = vec![0u32; *offsets.last().unwrap() as usize];
        for (f, (bnd, ins)) in per.iter().enumerate() {
            for &c in bnd.iter().chain(ins) {
                let v = cells[c as usize];
                if v == PENDING {
                    cells[c as usize] = f as u32;
                } else {
                    let k = (v & !TEST) as usize;
                    lists[cursor[k] as usize] = f as u32;
                    cursor[k] += 1;
                }
            }
        }
        CellIndex { origin, cell_m, inv, nx, ny, cells, offsets, lists }
    }

    /// Bytes the index holds.
    pub fn heap_bytes(&self) -> usize {
        4 * (self.cells.capacity() + self.offsets.capacity() + self.lists.capacity())
    }

    /// The side of a cell, metres.
    pub fn cell_m(&self) -> f64 {
        self.cell_m
    }

    /// Cells in all, cells wholly inside one polygon, cells needing a test.
    ///
    /// ```
    /// use geo::{polygon, MultiPolygon};
    /// use gridmap::atlas::cells::CellIndex;
    /// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 100., y: 0.), (x: 100., y: 100.), (x: 0., y: 100.)]]);
    /// let (all, inside, test) = CellIndex::build(&[&a], Some(10.0)).stats();
    /// assert_eq!((all, inside, test), (121, 64, 57));
    /// ```
    pub fn stats(&self) -> (usize, usize, usize) {
        let inside = self.cells.iter().filter(|&&v| v != EMPTY && v & TEST == 0).count();
        (self.cells.len(), inside, self.offsets.len().saturating_sub(1))
    }

    /// What the cell holding `c` knows.
    ///
    /// ```
    /// use geo::{coord, polygon, MultiPolygon};
    /// use gridmap::atlas::cells::{CellIndex, Hit};
    /// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 100., y: 0.), (x: 100., y: 100.), (x: 0., y: 100.)]]);
    /// let idx = CellIndex::build(&[&a], Some(10.0));
    /// assert_eq!(idx.hit(coord! { x: 50., y: 50. }), Hit::Inside(0));
    /// assert!(matches!(idx.hit(coord! { x: 0.5, y: 50. }), Hit::Test(_)));
    /// assert_eq!(idx.hit(coord! { x: -50., y: 50. }), Hit::None);
    /// ```
    #[inline]
    pub fn hit(&self, c: Coord<f64>) -> Hit<'_> {
        let fx = (c.x - self.origin.x) * self.inv;
        let fy = (c.y - self.origin.y) * self.inv;
        if !(fx >= 0.0 && fy >= 0.0) {
            return Hit::None;
        }
        let (i, j) = (fx as usize, fy as usize);
        if i >= self.nx || j >= self.ny {
            return Hit::None;
        }
        self.value(j * self.nx + i)
    }

    #[inline]
    fn value(&self, cell: usize) -> Hit<'_> {
        let v = self.cells[cell];
        if v == EMPTY {
            Hit::None
        } else if v & TEST != 0 {
            let k = (v & !TEST) as usize;
            Hit::Test(&self.lists[self.offsets[k] as usize..self.offsets[k + 1] as usize])
        } else {
            Hit::Inside(v as usize)
        }
    }

    /// The polygon containing `c` (the lowest index, should polygons overlap), by the crossing rule: a point on
    /// an edge or a vertex polygons share belongs to exactly one of them. (The atlas's
    /// [`Atlas::owner`](crate::atlas::Atlas::owner) makes the same test against the stored lon/lat outlines.)
    ///
    /// ```
    /// use geo::{coord, polygon, MultiPolygon};
    /// use gridmap::atlas::cells::CellIndex;
    /// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)]]);
    /// let b = MultiPolygon(vec![polygon![(x: 10., y: 0.), (x: 20., y: 0.), (x: 20., y: 10.), (x: 10., y: 10.)]]);
    /// let polys = [&a, &b];
    /// let idx = CellIndex::build(&polys, Some(1.0));
    /// // On the shared edge: one owner, not two, not none.
    /// assert!(idx.locate(coord! { x: 10., y: 5. }, &polys).is_some());
    /// ```
    #[inline]
    pub fn locate<P: std::borrow::Borrow<MultiPolygon<f64>>>(&self, c: Coord<f64>, polys: &[P]) -> Option<usize> {
        match self.hit(c) {
            Hit::None => None,
            Hit::Inside(i) => Some(i),
            Hit::Test(list) => list.iter().map(|&i| i as usize).find(|&i| contains_xy(polys[i].borrow(), c)),
        }
    }

    /// The single polygon whose inside holds every cell the box `min..max` touches, if there is one: then
    /// anything inside the box lies inside that polygon and no other.
    ///
    /// ```
    /// use geo::{coord, polygon, MultiPolygon};
    /// use gridmap::atlas::cells::CellIndex;
    /// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 100., y: 0.), (x: 100., y: 100.), (x: 0., y: 100.)]]);
    /// let idx = CellIndex::build(&[&a], Some(10.0));
    /// assert_eq!(idx.box_owner(coord! { x: 40., y: 40. }, coord! { x: 55., y: 45. }), Some(0));
    /// assert_eq!(idx.box_owner(coord! { x: 90., y: 40. }, coord! { x: 105., y: 45. }), None);
    /// ```
    pub fn box_owner(&self, min: Coord<f64>, max: Coord<f64>) -> Option<usize> {
        let to = |v: f64, o: f64| ((v - o) * self.inv).floor();
        let (i0, i1) = (to(min.x, self.origin.x), to(max.x, self.origin.x));
        let (j0, j1) = (to(min.y, self.origin.y), to(max.y, self.origin.y));
        if i0 < 0.0 || j0 < 0.0 || i1 >= self.nx as f64 || j1 >= self.ny as f64 {
            return None;
        }
        let mut owner = None;
        for j in j0 as usize..=j1 as usize {
            for i in i0 as usize..=i1 as usize {
                match self.value(j * self.nx + i) {
                    Hit::Inside(g) if owner.is_none() || owner == Some(g) => owner = Some(g),
                    _ => return None,
                }
            }
        }
        owner
    }

    /// Every polygon listed in a cell the box `min..max` touches: a superset of the polygons that meet the box.
    ///
    /// ```
    /// use geo::{coord, polygon, MultiPolygon};
    /// use gridmap::atlas::cells::CellIndex;
    /// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)]]);
    /// let b = MultiPolygon(vec![polygon![(x: 10., y: 0.), (x: 20., y: 0.), (x: 20., y: 10.), (x: 10., y: 10.)]]);
    /// let idx = CellIndex::build(&[&a, &b], Some(1.0));
    /// assert_eq!(idx.box_candidates(coord! { x: 9., y: 4. }, coord! { x: 11., y: 6. }), vec![0, 1]);
    /// ```
    pub fn box_candidates(&self, min: Coord<f64>, max: Coord<f64>) -> Vec<usize> {
        let clamp = |v: f64, o: f64, n: usize| (((v - o) * self.inv).floor()).clamp(0.0, n as f64 - 1.0) as usize;
        let mut out = Vec::new();
        if self.nx == 0 {
            return out;
        }
        for j in clamp(min.y, self.origin.y, self.ny)..=clamp(max.y, self.origin.y, self.ny) {
            for i in clamp(min.x, self.origin.x, self.nx)..=clamp(max.x, self.origin.x, self.nx) {
                match self.value(j * self.nx + i) {
                    Hit::None => {}
                    Hit::Inside(g) => out.push(g),
                    Hit::Test(l) => out.extend(l.iter().map(|&g| g as usize)),
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Whether `c` is inside `mp` by the crossing (even-odd) rule over every ring: exact for points off the
/// boundary, and half-open on it (of two polygons sharing an edge or a vertex exactly, one holds the shared
/// points), whichever way the rings run.
///
/// ```
/// use geo::{coord, polygon, MultiPolygon};
/// use gridmap::atlas::cells::contains_xy;
/// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)]]);
/// assert!(contains_xy(&a, coord! { x: 5., y: 5. }));
/// assert!(!contains_xy(&a, coord! { x: 15., y: 5. }));
/// ```
#[inline]
pub fn contains_xy(mp: &MultiPolygon<f64>, c: Coord<f64>) -> bool {
    let mut inside = false;
    for p in &mp.0 {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            for w in ring.0.windows(2) {
                // From the lower end, so that a ring and its reverse give the same answer to the last bit.
                let (a, b) = if w[0].y <= w[1].y { (w[0], w[1]) } else { (w[1], w[0]) };
                if (a.y > c.y) != (b.y > c.y) && c.x < (b.x - a.x) * (c.y - a.y) / (b.y - a.y) + a.x {
                    inside = !inside;
                }
            }
        }
    }
    inside
}

struct Raster {
    origin: Coord<f64>,
    inv: f64,
    cell_m: f64,
    nx: usize,
    ny: usize,
    margin_m: fn(f64) -> f64,
}

fn longest_edge(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.windows(2).map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y)))
        .fold(0.0, f64::max)
}

impl Raster {
    /// The boundary cells and the inside cells of one polygon, as global cell numbers.
    fn rasterise(&self, mp: &MultiPolygon<f64>) -> (Vec<u32>, Vec<u32>) {
        use geo::BoundingRect;
        let Some(bb) = mp.bounding_rect() else { return (vec![], vec![]) };
        let col = |x: f64, slack: f64| (((x - self.origin.x) * self.inv + slack).floor().max(0.0) as usize).min(self.nx - 1);
        let row = |y: f64, slack: f64| (((y - self.origin.y) * self.inv + slack).floor().max(0.0) as usize).min(self.ny - 1);
        let widest = SLACK + (self.margin_m)(longest_edge(mp)) * self.inv;
        let (c0, c1) = (col(bb.min().x, -widest), col(bb.max().x, widest));
        let (r0, r1) = (row(bb.min().y, -widest), row(bb.max().y, widest));
        let w = c1 - c0 + 1;
        let h = r1 - r0 + 1;
        let mut bnd = vec![false; w * h];
        let mut crossings: Vec<Vec<f64>> = vec![Vec::new(); h];
        for p in &mp.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                for s in ring.0.windows(2) {
                    let (a, b) = (s[0], s[1]);
                    // Boundary cells: the edge's x extent within each row it spans, widened by the slack.
                    let sl = SLACK + (self.margin_m)((b.x - a.x).hypot(b.y - a.y)) * self.inv;
                    let (ylo, yhi) = (a.y.min(b.y), a.y.max(b.y));
                    for r in row(ylo - (sl - SLACK) * self.cell_m, -SLACK)..=row(yhi + (sl - SLACK) * self.cell_m, SLACK) {
                        let y0 = self.origin.y + r as f64 * self.cell_m;
                        let y1 = y0 + self.cell_m;
                        let (xa, xb) = if b.y == a.y {
                            (a.x.min(b.x), a.x.max(b.x))
                        } else {
                            let t0 = ((y0 - a.y) / (b.y - a.y)).clamp(0.0, 1.0);
                            let t1 = ((y1 - a.y) / (b.y - a.y)).clamp(0.0, 1.0);
                            let (x0, x1) = (a.x + t0 * (b.x - a.x), a.x + t1 * (b.x - a.x));
                            (x0.min(x1), x0.max(x1))
                        };
                        for c in col(xa, -sl)..=col(xb, sl) {
                            bnd[(r - r0) * w + (c - c0)] = true;
                        }
                    }
                    // Crossings of row centre lines, for the inside cells.
                    if a.y != b.y {
                        let first = ((ylo - self.origin.y) * self.inv - 0.5).ceil().max(r0 as f64) as usize;
                        let last = (((yhi - self.origin.y) * self.inv - 0.5).floor()).min(r1 as f64);
                        if last >= first as f64 {
                            for r in first..=last as usize {
                                let yc = self.origin.y + (r as f64 + 0.5) * self.cell_m;
                                if (a.y > yc) != (b.y > yc) {
                                    crossings[r - r0].push((b.x - a.x) * (yc - a.y) / (b.y - a.y) + a.x);
                                }
                            }
                        }
                    }
                }
            }
        }
        let mut boundary = Vec::new();
        let mut inside = Vec::new();
        for (dr, xs) in crossings.iter_mut().enumerate() {
            let r = r0 + dr;
            for dc in 0..w {
                if bnd[dr * w + dc] {
                    boundary.push((r * self.nx + c0 + dc) as u32);
                }
            }
            xs.sort_unstable_by(f64::total_cmp);
            for pair in xs.chunks_exact(2) {
                let first = ((pair[0] - self.origin.x) * self.inv - 0.5).ceil().max(c0 as f64);
                let last = ((pair[1] - self.origin.x) * self.inv - 0.5).floor().min(c1 as f64);
                if last < first {
                    continue;
                }
                for c in first as usize..=last as usize {
                    if !bnd[dr * w + (c - c0)] {
                        inside.push((r * self.nx + c) as u32);
                    }
                }
            }
        }
        (boundary, inside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon, LineString, Polygon};
    use rand::{Rng, SeedableRng};

    fn wobbly(cx: f64, cy: f64, r: f64, n: usize) -> Polygon<f64> {
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                let a = k as f64 / n as f64 * std::f64::consts::TAU;
                let rr = r * (1.0 + 0.3 * (3.0 * a).sin());
                (cx + rr * a.cos(), cy + rr * a.sin())
            })
            .collect();
        Polygon::new(LineString::from(pts), vec![])
    }

    #[test]
    fn agrees_with_a_plain_test_on_random_points() {
        let donut = Polygon::new(
            wobbly(0.0, 0.0, 100.0, 80).exterior().clone(),
            vec![LineString::from(wobbly(0.0, 0.0, 30.0, 40).exterior().0.iter().rev().copied().collect::<Vec<_>>())],
        );
        let polys = [MultiPolygon(vec![donut]), MultiPolygon(vec![wobbly(250.0, 10.0, 60.0, 50)])];
        let refs: Vec<&MultiPolygon<f64>> = polys.iter().collect();
        let idx = CellIndex::build(&refs, None);
        let (_, inside, test) = idx.stats();
        assert!(inside > test, "most cells are answered without a test: {inside} vs {test}");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..20_000 {
            let c = coord! { x: rng.gen_range(-150.0..350.0), y: rng.gen_range(-150.0..150.0) };
            let want = (0..2).find(|&i| contains_xy(&polys[i], c));
            assert_eq!(idx.locate(c, &refs), want, "at {c:?}");
        }
    }

    #[test]
    fn shared_edges_give_every_point_one_owner() {
        // A 3 × 3 block of unit squares sharing edges exactly; points on every edge and vertex.
        let sq = |x: f64, y: f64| MultiPolygon(vec![polygon![(x: x, y: y), (x: x + 1., y: y), (x: x + 1., y: y + 1.), (x: x, y: y + 1.)]]);
        let polys: Vec<MultiPolygon<f64>> = (0..9).map(|k| sq((k % 3) as f64, (k / 3) as f64)).collect();
        let refs: Vec<&MultiPolygon<f64>> = polys.iter().collect();
        let idx = CellIndex::build(&refs, Some(0.25));
        for i in 0..=12 {
            for j in 0..=12 {
                let c = coord! { x: 0.5 + i as f64 * 0.166_666, y: 0.5 + j as f64 * 0.166_666 };
                let owners = (0..9).filter(|&k| contains_xy(&polys[k], c)).count();
                assert_eq!(owners, 1, "{c:?}");
                assert!(idx.locate(c, &refs).is_some());
            }
            let on_edge = coord! { x: 1.0, y: 0.1 + i as f64 * 0.2 };
            assert_eq!((0..9).filter(|&k| contains_xy(&polys[k], on_edge)).count(), 1, "{on_edge:?}");
        }
    }

    #[test]
    fn an_empty_layer_locates_nothing() {
        let idx = CellIndex::build(&[], None);
        assert_eq!(idx.locate::<&MultiPolygon<f64>>(coord! { x: 0., y: 0. }, &[]), None);
        assert!(idx.box_candidates(coord! { x: 0., y: 0. }, coord! { x: 1., y: 1. }).is_empty());
    }
}
