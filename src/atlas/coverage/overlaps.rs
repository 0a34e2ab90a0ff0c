//! Overlaps between siblings: the area two children of the same parent both claim, with their codes.
//!
//! A pairwise overlay over every pair of children whose envelopes meet is the slow way (tens of microseconds a
//! pair, and neighbours' envelopes always meet). Two cheap proofs come first. Per parent: the children's areas
//! summed minus the area of their union is zero exactly when no two overlap, and the gap overlay already gives
//! the union's area ([`super::gaps::Cover::excess_m2`]), so a parent whose children tile it is never searched.
//! Per pair: envelopes that meet only along a line cannot hold a common area. And within a parent that does
//! hold an overlap, [`overlaps_by_bisection`] finds it by halving: the excess of each half (one union each)
//! says which half, or the seam between them, holds it, and only pairs across a seam that does are overlaid.

use geo::{Area, BooleanOps, BoundingRect, MultiPolygon, Polygon};
use geo::algorithm::bool_ops::FillRule;

use super::gaps::Rings;

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

/// The same overlaps as [`sibling_overlaps`], found by bisection: `excess` is the children's area summed minus
/// the area of their union (in the children's units), and parts whose excess is at most `tol` hold no overlap.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use gridmap::atlas::coverage::overlaps::{overlaps_by_bisection, sibling_overlaps};
/// let sq = |x0: f64, x1: f64| MultiPolygon(vec![polygon![(x: x0, y: 0.), (x: x1, y: 0.), (x: x1, y: 10.), (x: x0, y: 10.)]]);
/// let kids: Vec<MultiPolygon<f64>> = (0..12).map(|i| sq(i as f64 * 10.0, i as f64 * 10.0 + if i == 7 { 13.0 } else { 10.0 })).collect();
/// let refs: Vec<&MultiPolygon<f64>> = kids.iter().collect();
/// let found = overlaps_by_bisection(&refs, 30.0, 1e-9);
/// assert_eq!(found.iter().map(|o| (o.a, o.b)).collect::<Vec<_>>(), vec![(7, 8)]);
/// assert_eq!(found.len(), sibling_overlaps(&refs).len());
/// ```
pub fn overlaps_by_bisection(children: &[&MultiPolygon<f64>], excess: f64, tol: f64) -> Vec<Overlap> {
    let centre: Vec<Option<(f64, f64)>> =
        children.iter().map(|c| c.bounding_rect().map(|r| (r.center().x, r.center().y))).collect();
    let all: Vec<usize> = (0..children.len()).filter(|&i| centre[i].is_some()).collect();
    let mut out = Vec::new();
    bisect(children, &centre, all, excess, tol, 0, &mut out);
    out.sort_by_key(|o| (o.a, o.b));
    out.dedup_by_key(|o| (o.a, o.b));
    out
}

fn excess_of(children: &[&MultiPolygon<f64>], set: &[usize]) -> f64 {
    let members: Vec<&MultiPolygon<f64>> = set.iter().map(|&i| children[i]).collect();
    let sum: f64 = members.iter().map(|m| m.unsigned_area()).sum();
    let empty = MultiPolygon::<f64>(vec![]);
    let union = Rings::of(&members).boolean_op_with_fill_rule(&empty, geo::OpType::Union, FillRule::Positive);
    sum - union.unsigned_area()
}

fn bisect(children: &[&MultiPolygon<f64>], centre: &[Option<(f64, f64)>], mut set: Vec<usize>, excess: f64, tol: f64, depth: usize, out: &mut Vec<Overlap>) {
    if excess <= tol || set.len() < 2 {
        return;
    }
    if set.len() <= 6 || depth > 24 {
        let members: Vec<&MultiPolygon<f64>> = set.iter().map(|&i| children[i]).collect();
        out.extend(sibling_overlaps(&members).into_iter().map(|o| {
            let (a, b) = (set[o.a], set[o.b]);
            Overlap { a: a.min(b), b: a.max(b), pieces: o.pieces }
        }));
        return;
    }
    // Halve across the longer side of the set's spread of centres.
    let (xs, ys): (Vec<f64>, Vec<f64>) = set.iter().map(|&i| centre[i].unwrap()).unzip();
    let spread = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max) - v.iter().copied().fold(f64::INFINITY, f64::min);
    let by_x = spread(&xs) >= spread(&ys);
    set.sort_by(|&a, &b| {
        let (ca, cb) = (centre[a].unwrap(), centre[b].unwrap());
        if by_x { ca.0.total_cmp(&cb.0) } else { ca.1.total_cmp(&cb.1) }
    });
    let right = set.split_off(set.len() / 2);
    let left = set;
    let (el, er) = rayon::join(|| excess_of(children, &left), || excess_of(children, &right));
    // What neither half holds lies across the seam (exact for pairwise overlaps; an area three children
    // share only makes the seam look busier than it is, never quieter).
    let seam = excess - el - er;
    if seam > tol {
        let lr: Vec<Option<geo::Rect<f64>>> = left.iter().map(|&i| children[i].bounding_rect()).collect();
        for &j in &right {
            let Some(rj) = children[j].bounding_rect() else { continue };
            for (k, &i) in left.iter().enumerate() {
                let Some(ri) = lr[k] else { continue };
                if rj.min().x >= ri.max().x || ri.min().x >= rj.max().x || rj.min().y >= ri.max().y || ri.min().y >= rj.max().y {
                    continue;
                }
                let pieces: Vec<Polygon<f64>> =
                    children[i].intersection(children[j]).0.into_iter().filter(|p| p.unsigned_area() > 0.0).collect();
                if !pieces.is_empty() {
                    out.push(Overlap { a: i.min(j), b: i.max(j), pieces });
                }
            }
        }
    }
    bisect(children, centre, left, el, tol, depth + 1, out);
    bisect(children, centre, right, er, tol, depth + 1, out);
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
    fn bisection_finds_what_the_pairwise_search_finds() {
        // A 9 × 9 block of unit squares sharing edges, three of them pushed into their right-hand neighbour.
        let sq = |x0: f64, y0: f64, x1: f64, y1: f64| MultiPolygon(vec![polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]]);
        let kids: Vec<MultiPolygon<f64>> = (0..81)
            .map(|k| {
                let (i, j) = ((k % 9) as f64, (k / 9) as f64);
                let grow = if [10, 40, 70].contains(&k) { 0.3 } else { 0.0 };
                sq(i, j, i + 1.0 + grow, j + 1.0)
            })
            .collect();
        let refs: Vec<&MultiPolygon<f64>> = kids.iter().collect();
        let pairwise = sibling_overlaps(&refs);
        let excess: f64 = pairwise.iter().flat_map(|o| o.pieces.iter()).map(|p| p.unsigned_area()).sum();
        let found = overlaps_by_bisection(&refs, excess, 1e-9);
        let pairs = |v: &[Overlap]| v.iter().map(|o| (o.a, o.b)).collect::<Vec<_>>();
        assert_eq!(pairs(&found), pairs(&pairwise));
        assert_eq!(pairs(&found), vec![(10, 11), (40, 41), (70, 71)]);
    }

    #[test]
    fn three_way_overlaps_are_reported_per_pair() {
        let sq = |x0: f64, x1: f64| MultiPolygon(vec![polygon![(x: x0, y: 0.), (x: x1, y: 0.), (x: x1, y: 1.), (x: x0, y: 1.)]]);
        let (a, b, c) = (sq(0., 5.), sq(3., 8.), sq(4., 9.));
        let o = sibling_overlaps(&[&a, &b, &c]);
        assert_eq!(o.iter().map(|o| (o.a, o.b)).collect::<Vec<_>>(), vec![(0, 1), (0, 2), (1, 2)]);
    }
}
