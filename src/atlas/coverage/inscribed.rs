//! The width of a polygon: the diameter of its largest inscribed circle (DATA.md: a gap's width).
//!
//! geo 0.33 has no inscribed-circle operation (`InteriorPoint` finds some point inside, not the one farthest
//! from the boundary), and the `polylabel` crate would add a dependency pinned to its own `geo` version. This
//! is the same algorithm, small enough to own: Agafonkin's "polylabel" (Mapbox, 2016). Square cells are kept in
//! a priority queue ordered by the largest distance to the boundary any point of the cell could have (the
//! distance at its centre plus its half-diagonal); the best cell is split in four until no cell can beat the
//! best centre found by more than the precision. Gap polygons are small, so distances are a plain scan of the
//! edges.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use geo::{Coord, LineString, Polygon};

/// The centre and radius (metres, or whatever unit the polygon is in) of the largest circle inside `p`, found to
/// within `precision` of the true radius.
///
/// ```
/// use geo::polygon;
/// use gridmap::atlas::coverage::inscribed::largest_inscribed_circle;
/// // A 100 × 4 strip: the largest circle inside has radius 2.
/// let strip = polygon![(x: 0., y: 0.), (x: 100., y: 0.), (x: 100., y: 4.), (x: 0., y: 4.)];
/// let (centre, r) = largest_inscribed_circle(&strip, 0.001);
/// assert!((r - 2.0).abs() <= 0.001);
/// assert!((centre.y - 2.0).abs() < 0.01);
/// ```
pub fn largest_inscribed_circle(p: &Polygon<f64>, precision: f64) -> (Coord<f64>, f64) {
    let ext = p.exterior();
    let Some((min, max)) = bounds(ext) else { return (Coord::default(), 0.0) };
    let (w, h) = (max.x - min.x, max.y - min.y);
    let size = w.min(h);
    if size <= 0.0 {
        return (min, 0.0);
    }
    let precision = precision.max(size * 1e-9);
    let rings: Vec<&LineString<f64>> = std::iter::once(ext).chain(p.interiors()).collect();
    let cell = |x: f64, y: f64, half: f64| {
        let d = signed_distance(Coord { x, y }, &rings);
        Cell { c: Coord { x, y }, half, d, max: d + half * std::f64::consts::SQRT_2 }
    };
    let mut queue = BinaryHeap::new();
    let half = size / 2.0;
    let mut x = min.x;
    while x < max.x {
        let mut y = min.y;
        while y < max.y {
            queue.push(cell(x + half, y + half, half));
            y += size;
        }
        x += size;
    }
    // First guesses: the centroid of the ring's vertices and the bbox centre (either may lie outside).
    let n = ext.0.len().max(1) as f64;
    let mean = ext.0.iter().fold(Coord::default(), |a, c| Coord { x: a.x + c.x / n, y: a.y + c.y / n });
    let mut best = cell(mean.x, mean.y, 0.0);
    let centre = cell(min.x + w / 2.0, min.y + h / 2.0, 0.0);
    if centre.d > best.d {
        best = centre;
    }
    // A bound on the work. Certifying the maximum of a strip of constant width (a sliver along a shared edge)
    // means refining cells all along it down to the precision: hundreds of thousands of cells for a 300 m
    // sliver. Cells are taken best first, so after a few thousand the best centre is within a few millimetres
    // of the strip's middle; the answer is then a lower bound, close, and cheap.
    let mut budget = 1_500usize;
    while let Some(c) = queue.pop() {
        if c.d > best.d {
            best = c;
        }
        if c.max - best.d <= precision || budget == 0 {
            continue;
        }
        budget -= 1;
        let q = c.half / 2.0;
        for (dx, dy) in [(-q, -q), (q, -q), (-q, q), (q, q)] {
            queue.push(cell(c.c.x + dx, c.c.y + dy, q));
        }
    }
    (best.c, best.d.max(0.0))
}

/// The diameter of the largest circle inside `p`, to within about 1 cm for metre coordinates.
///
/// ```
/// use geo::polygon;
/// use gridmap::atlas::coverage::inscribed::width;
/// let square = polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)];
/// assert!((width(&square) - 10.0).abs() < 0.02);
/// ```
pub fn width(p: &Polygon<f64>) -> f64 {
    let size = bounds(p.exterior()).map_or(0.0, |(a, b)| (b.x - a.x).min(b.y - a.y));
    2.0 * largest_inscribed_circle(p, (size * 1e-4).max(0.004)).1
}

#[derive(Clone, Copy)]
struct Cell {
    c: Coord<f64>,
    half: f64,
    d: f64,
    max: f64,
}

impl PartialEq for Cell {
    fn eq(&self, o: &Self) -> bool {
        self.max == o.max
    }
}
impl Eq for Cell {}
impl PartialOrd for Cell {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Cell {
    fn cmp(&self, o: &Self) -> Ordering {
        self.max.total_cmp(&o.max)
    }
}

fn bounds(ring: &LineString<f64>) -> Option<(Coord<f64>, Coord<f64>)> {
    let first = *ring.0.first()?;
    Some(ring.0.iter().fold((first, first), |(a, b), c| {
        (Coord { x: a.x.min(c.x), y: a.y.min(c.y) }, Coord { x: b.x.max(c.x), y: b.y.max(c.y) })
    }))
}

/// Distance from `p` to the nearest edge, positive inside the polygon (even-odd over all rings), negative outside.
fn signed_distance(p: Coord<f64>, rings: &[&LineString<f64>]) -> f64 {
    let mut inside = false;
    let mut d2 = f64::INFINITY;
    for ring in rings {
        for w in ring.0.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
                inside = !inside;
            }
            d2 = d2.min(segment_distance2(p, a, b));
        }
    }
    let d = d2.sqrt();
    if inside { d } else { -d }
}

fn segment_distance2(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (ex, ey) = (a.x + t * dx - p.x, a.y + t * dy - p.y);
    ex * ex + ey * ey
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Rotate, polygon};

    #[test]
    fn a_diagonal_sliver_is_as_wide_as_it_is() {
        // A 1.5 m wide strip, 400 m long, at 37°: the bounding box is nearly square and says nothing of the width.
        let strip = polygon![(x: 0., y: 0.), (x: 400., y: 0.), (x: 400., y: 1.5), (x: 0., y: 1.5)];
        let rotated = strip.rotate_around_point(37.0, geo::Point::new(0.0, 0.0));
        let w = width(&rotated);
        assert!((w - 1.5).abs() < 0.01, "{w}");
    }

    #[test]
    fn a_hole_is_not_inside() {
        // A 10 × 10 square with a 6 × 6 hole: a 2 m wide frame, whose corners hold a circle of diameter
        // 4√2 / (1 + √2) ≈ 2.343 (touching both outer sides and the hole's corner).
        let frame = Polygon::new(
            LineString::from(vec![(0., 0.), (10., 0.), (10., 10.), (0., 10.), (0., 0.)]),
            vec![LineString::from(vec![(2., 2.), (2., 8.), (8., 8.), (8., 2.), (2., 2.)])],
        );
        let w = width(&frame);
        let want = 4.0 * 2f64.sqrt() / (1.0 + 2f64.sqrt());
        assert!((w - want).abs() < 0.01, "{w} vs {want}");
    }

    #[test]
    fn an_l_shape_is_as_wide_as_its_widest_arm() {
        let l = polygon![(x: 0., y: 0.), (x: 30., y: 0.), (x: 30., y: 3.), (x: 8., y: 3.), (x: 8., y: 20.), (x: 0., y: 20.)];
        let w = width(&l);
        assert!((w - 8.0).abs() < 0.02, "{w}");
    }

    #[test]
    fn degenerate_input_has_no_width() {
        let flat = polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 20., y: 0.)];
        assert_eq!(width(&flat), 0.0);
        assert_eq!(width(&Polygon::new(LineString::new(vec![]), vec![])), 0.0);
    }
}
