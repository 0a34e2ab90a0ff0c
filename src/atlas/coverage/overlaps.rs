//! Overlaps between siblings: the area two children of the same parent both claim, with their codes.
//!
//! A pairwise overlay over every pair of children whose envelopes meet is the slow way (tens of microseconds a
//! pair, and neighbours' envelopes always meet). Two cheap proofs come first. Per parent: the children's areas
//! summed minus the area of their union is zero exactly when no two overlap, and the gap overlay already gives
//! the union's area ([`super::gaps::Cover::excess_m2`]), so a parent whose children tile it is never searched.
//! Per pair: envelopes that meet only along a line cannot hold a common area.

use geo::{Area, BooleanOps, BoundingRect, MultiPolygon, Polygon};

/// Two siblings' common area: indexes into the children given, and the pieces.
#[derive(Clone, Debug)]
pub struct Overlap {
    pub a: usize,
    pub b: usize,
    pub pieces: Vec<Polygon<f64>>,
}

/// Every pair of `children` with a common area (pieces of zero area dropped), `a < b`.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use gridmap::atlas::coverage::overlaps::sibling_overlaps;
/// let sq = |x0: f64, x1: f64| MultiPolygon(vec![polygon![(x: x0, y: 0.), (x: x1, y: 0.), (x: x1, y: 10.), (x: x0, y: 10.)]]);
/// let (a, b, c) = (sq(0., 6.), sq(4., 10.), sq(10., 20.)); // a and b overlap 2 × 10; c only touches b
/// let o = sibling_overlaps(&[&a, &b, &c]);
/// assert_eq!(o.len(), 1);
/// assert_eq!((o[0].a, o[0].b), (0, 1));
/// use geo::Area;
/// assert!((o[0].pieces.iter().map(|p| p.unsigned_area()).sum::<f64>() - 20.0).abs() < 1e-9);
/// ```
pub fn sibling_overlaps(children: &[&MultiPolygon<f64>]) -> Vec<Overlap> {
    let rects: Vec<Option<geo::Rect<f64>>> = children.iter().map(|c| c.bounding_rect()).collect();
    let mut order: Vec<usize> = (0..children.len()).filter(|&i| rects[i].is_some()).collect();
    order.sort_by(|&i, &j| rects[i].unwrap().min().x.total_cmp(&rects[j].unwrap().min().x));
    let mut out = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let ri = rects[i].unwrap();
        for &j in &order[k + 1..] {
            let rj = rects[j].unwrap();
            if rj.min().x >= ri.max().x {
                break;
            }
            // Envelopes meeting along a line (or not at all) cannot share an area.
            if rj.min().y >= ri.max().y || ri.min().y >= rj.max().y {
                continue;
            }
            let pieces: Vec<Polygon<f64>> =
                children[i].intersection(children[j]).0.into_iter().filter(|p| p.unsigned_area() > 0.0).collect();
            if !pieces.is_empty() {
                out.push(Overlap { a: i.min(j), b: i.max(j), pieces });
            }
        }
    }
    out.sort_by_key(|o| (o.a, o.b));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn neighbours_sharing_an_edge_do_not_overlap() {
        let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 3.3, y: 0.1), (x: 3.1, y: 2.7), (x: 0., y: 3.)]]);
        let b = MultiPolygon(vec![polygon![(x: 3.3, y: 0.1), (x: 7., y: 0.), (x: 7., y: 3.), (x: 3.1, y: 2.7)]]);
        assert!(sibling_overlaps(&[&a, &b]).is_empty());
    }

    #[test]
    fn three_way_overlaps_are_reported_per_pair() {
        let sq = |x0: f64, x1: f64| MultiPolygon(vec![polygon![(x: x0, y: 0.), (x: x1, y: 0.), (x: x1, y: 1.), (x: x0, y: 1.)]]);
        let (a, b, c) = (sq(0., 5.), sq(3., 8.), sq(4., 9.));
        let o = sibling_overlaps(&[&a, &b, &c]);
        assert_eq!(o.iter().map(|o| (o.a, o.b)).collect::<Vec<_>>(), vec![(0, 1), (0, 2), (1, 2)]);
    }
}
