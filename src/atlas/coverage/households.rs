//! Households against grids: which grid each household lies in, which lie in none, and which outlines cross a
//! grid line. A door point is located through the cell index (most points need no geometry at all); an
//! outline wholly inside one grid's inside cells needs none either, and the rest are measured exactly.

use geo::{Area, BooleanOps, BoundingRect, Coord, Geometry, MultiPolygon, Polygon};
use rayon::prelude::*;

use crate::atlas::cells::CellIndex;

/// No grid.
pub const NONE: u32 = u32::MAX;

/// An outline that crosses grid lines: the grids it lies partly in (largest part first) and its area outside
/// every grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub household: usize,
    pub grids: Vec<usize>,
    pub outside_m2: f64,
}

/// Where the households are.
#[derive(Clone, Debug, Default)]
pub struct Located {
    /// Per household, the grid it lies in (an outline: the grid holding most of it), or [`NONE`].
    pub grid: Vec<u32>,
    /// The outlines that cross a grid line.
    pub splits: Vec<Split>,
}

/// Locates every household (`geoms`, metres: points or outlines) in `grids` through `cells` (built over
/// `grids`). An outline's part in a grid counts when it is at least `min_part_m2` (or 1% of the outline, if
/// less), so an outline drawn along a grid line is not split by rounding.
///
/// ```
/// use geo::{Geometry, MultiPolygon, Point, polygon};
/// use gridmap::atlas::cells::CellIndex;
/// use gridmap::atlas::coverage::households::{locate, NONE};
/// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 100., y: 0.), (x: 100., y: 100.), (x: 0., y: 100.)]]);
/// let b = MultiPolygon(vec![polygon![(x: 100., y: 0.), (x: 200., y: 0.), (x: 200., y: 100.), (x: 100., y: 100.)]]);
/// let grids = [&a, &b];
/// let cells = CellIndex::build(&grids, None);
/// let yard = Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: 95., y: 10.), (x: 105., y: 10.), (x: 105., y: 30.), (x: 95., y: 30.)]]));
/// let hh = [Geometry::Point(Point::new(150., 50.)), Geometry::Point(Point::new(250., 50.)), yard];
/// let l = locate(&hh, &grids, &cells, 1.0);
/// assert_eq!(l.grid[..2], [1, NONE]);
/// assert_eq!(l.splits.len(), 1);
/// assert_eq!(l.splits[0].household, 2);
/// ```
pub fn locate(geoms: &[Geometry<f64>], grids: &[&MultiPolygon<f64>], cells: &CellIndex, min_part_m2: f64) -> Located {
    // Door points first (one cell read each, mostly), then outlines (measured where they meet grid lines).
    let grid: Vec<u32> = geoms
        .par_iter()
        .with_min_len(8192)
        .map(|g| match g {
            Geometry::Point(p) => cells.locate(p.0, grids).map_or(NONE, |i| i as u32),
            _ => NONE,
        })
        .collect();
    let outlines: Vec<(usize, u32, Option<Split>)> = geoms
        .par_iter()
        .with_min_len(1024)
        .enumerate()
        .filter_map(|(h, g)| match g {
            Geometry::MultiPolygon(mp) => Some(outline(h, mp, grids, cells, min_part_m2)),
            Geometry::Polygon(p) => Some(outline(h, &MultiPolygon(vec![p.clone()]), grids, cells, min_part_m2)),
            _ => None,
        })
        .map(|(h, (g, s))| (h, g, s))
        .collect();
    let mut out = Located { grid, splits: Vec::new() };
    for (h, g, s) in outlines {
        out.grid[h] = g;
        out.splits.extend(s);
    }
    out
}

/// Locates points only (metres): the grid each lies in, or [`NONE`]. The fast path the benchmark measures.
///
/// ```
/// use geo::{coord, polygon, MultiPolygon};
/// use gridmap::atlas::cells::CellIndex;
/// use gridmap::atlas::coverage::households::{locate_points, NONE};
/// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)]]);
/// let cells = CellIndex::build(&[&a], None);
/// assert_eq!(locate_points(&[coord! { x: 5., y: 5. }, coord! { x: 50., y: 5. }], &[&a], &cells), vec![0, NONE]);
/// ```
pub fn locate_points(points: &[Coord<f64>], grids: &[&MultiPolygon<f64>], cells: &CellIndex) -> Vec<u32> {
    points.par_iter().with_min_len(8192).map(|c| cells.locate(*c, grids).map_or(NONE, |i| i as u32)).collect()
}

fn outline(h: usize, mp: &MultiPolygon<f64>, grids: &[&MultiPolygon<f64>], cells: &CellIndex, min_part_m2: f64) -> (usize, (u32, Option<Split>)) {
    (h, outline_of(h, mp, grids, cells, min_part_m2))
}

fn outline_of(h: usize, mp: &MultiPolygon<f64>, grids: &[&MultiPolygon<f64>], cells: &CellIndex, min_part_m2: f64) -> (u32, Option<Split>) {
    let Some(bb) = mp.bounding_rect() else { return (NONE, None) };
    if let Some(g) = cells.box_owner(bb.min(), bb.max()) {
        return (g as u32, None);
    }
    let area = mp.unsigned_area();
    let min_part = min_part_m2.min(0.01 * area);
    let mut parts: Vec<(usize, f64)> = cells
        .box_candidates(bb.min(), bb.max())
        .into_iter()
        .map(|g| (g, part_area(mp, grids[g])))
        .filter(|&(_, a)| a >= min_part && a > 0.0)
        .collect();
    parts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let inside: f64 = parts.iter().map(|p| p.1).sum();
    let outside_m2 = (area - inside).max(0.0);
    let main = parts.first().map_or(NONE, |p| p.0 as u32);
    let split = parts.len() >= 2 || (parts.len() == 1 && outside_m2 >= min_part);
    let s = split.then(|| Split { household: h, grids: parts.iter().map(|p| p.0).collect(), outside_m2 });
    (main, s)
}

/// The area of `feature ∩ grid`, m². A convex one-ring feature (a courtyard, a building) is measured by
/// clipping the grid's rings with it (Sutherland–Hodgman: exact in area for a convex window), anything else by
/// a polygon overlay.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use gridmap::atlas::coverage::households::part_area;
/// let grid = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 5., y: 3.), (x: 0., y: 10.)]]);
/// let yard = MultiPolygon(vec![polygon![(x: 4., y: 0.), (x: 6., y: 0.), (x: 6., y: 2.), (x: 4., y: 2.)]]);
/// assert!((part_area(&yard, &grid) - 4.0).abs() < 1e-9);
/// ```
pub fn part_area(feature: &MultiPolygon<f64>, grid: &MultiPolygon<f64>) -> f64 {
    if let [p] = feature.0.as_slice()
        && p.interiors().is_empty()
        && let Some(window) = convex_ccw(p)
    {
        let mut total = 0.0;
        for gp in &grid.0 {
            for ring in std::iter::once(gp.exterior()).chain(gp.interiors()) {
                total += signed_area(&clip(&ring.0, &window));
            }
        }
        return total.abs();
    }
    feature.intersection(grid).unsigned_area()
}

/// The ring of a convex polygon, counter-clockwise and unclosed, or None when it is not convex.
fn convex_ccw(p: &Polygon<f64>) -> Option<Vec<Coord<f64>>> {
    let mut pts: Vec<Coord<f64>> = p.exterior().0.clone();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    pts.dedup();
    if pts.len() < 3 {
        return None;
    }
    let n = pts.len();
    let (mut pos, mut neg) = (false, false);
    for i in 0..n {
        let (a, b, c) = (pts[i], pts[(i + 1) % n], pts[(i + 2) % n]);
        let cross = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x);
        pos |= cross > 0.0;
        neg |= cross < 0.0;
    }
    match (pos, neg) {
        (true, false) => Some(pts),
        (false, true) => {
            pts.reverse();
            Some(pts)
        }
        _ => None,
    }
}

fn clip(subject: &[Coord<f64>], window: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = subject.to_vec();
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    let n = window.len();
    for i in 0..n {
        if out.is_empty() {
            break;
        }
        let (a, b) = (window[i], window[(i + 1) % n]);
        let side = |p: Coord<f64>| (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        let input = std::mem::take(&mut out);
        let m = input.len();
        for k in 0..m {
            let (p, q) = (input[k], input[(k + 1) % m]);
            let (sp, sq) = (side(p), side(q));
            if sp >= 0.0 {
                out.push(p);
            }
            if (sp >= 0.0) != (sq >= 0.0) {
                let t = sp / (sp - sq);
                out.push(Coord { x: p.x + t * (q.x - p.x), y: p.y + t * (q.y - p.y) });
            }
        }
    }
    out
}

fn signed_area(ring: &[Coord<f64>]) -> f64 {
    let n = ring.len();
    if n < 3 {
        return 0.0;
    }
    (0..n).map(|i| ring[i].x * ring[(i + 1) % n].y - ring[(i + 1) % n].x * ring[i].y).sum::<f64>() / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn clipping_agrees_with_the_overlay() {
        // A concave grid with a hole, and courtyards all over it.
        let grid = MultiPolygon(vec![Polygon::new(
            geo::LineString::from(vec![(0., 0.), (40., 0.), (40., 40.), (20., 15.), (0., 40.), (0., 0.)]),
            vec![geo::LineString::from(vec![(5., 5.), (5., 10.), (10., 10.), (10., 5.), (5., 5.)])],
        )]);
        for k in 0..60 {
            let (x, y) = ((k % 10) as f64 * 4.1 - 2.0, (k / 10) as f64 * 7.3 - 1.0);
            let yard = MultiPolygon(vec![polygon![(x: x, y: y), (x: x + 6., y: y + 1.), (x: x + 5., y: y + 9.), (x: x - 1., y: y + 8.)]]);
            let want = yard.intersection(&grid).unsigned_area();
            let got = part_area(&yard, &grid);
            // The overlay snaps coordinates to an integer grid: agreement to 1e-7 is what it offers.
            assert!((got - want).abs() < 1e-7 * want.max(1.0), "yard {k}: {got} vs {want}");
        }
    }

    #[test]
    fn an_outline_along_a_grid_line_is_not_split() {
        let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 100., y: 0.), (x: 100., y: 100.), (x: 0., y: 100.)]]);
        let b = MultiPolygon(vec![polygon![(x: 100., y: 0.), (x: 200., y: 0.), (x: 200., y: 100.), (x: 100., y: 100.)]]);
        let grids = [&a, &b];
        let cells = CellIndex::build(&grids, None);
        let yard = Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: 90., y: 10.), (x: 100., y: 10.), (x: 100., y: 30.), (x: 90., y: 30.)]]));
        let l = locate(&[yard], &grids, &cells, 1.0);
        assert_eq!(l.grid, vec![0]);
        assert!(l.splits.is_empty());
    }
}
