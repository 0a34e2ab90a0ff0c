//! Gaps and spill: the part of a parent that none of its children covers, and the part of its children that
//! lies outside it, each in one overlay of the parent against all its children.
//!
//! Two pitfalls are handled here. geo's overlay (i_overlay) fills by winding number, so a clockwise exterior
//! ring would count as a hole: every polygon is oriented counter-clockwise first. And each result comes from a
//! single overlay of the parent against the children (fill rule "positive": a point is covered when any child
//! winds around it), not from a union followed by a difference: one snapping of the coordinates, not two, so
//! neighbours that share edges exactly leave no phantom slivers.

use std::borrow::Cow;

use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, LineString, MultiPolygon, OpType, Polygon, Winding};
use geo::algorithm::bool_ops::FillRule;

/// The rings of many polygons, for one overlay over all of them.
pub struct Rings<'a>(pub Vec<&'a LineString<f64>>);

impl<'a> Rings<'a> {
    /// Every ring of these multipolygons.
    ///
    /// ```
    /// use geo::{polygon, MultiPolygon};
    /// use gridmap::atlas::coverage::gaps::Rings;
    /// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.)]]);
    /// assert_eq!(Rings::of(&[&a, &a]).0.len(), 2);
    /// ```
    pub fn of(mps: &[&'a MultiPolygon<f64>]) -> Rings<'a> {
        Rings(mps.iter().flat_map(|mp| mp.0.iter()).flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())).collect())
    }
}

impl BooleanOps for Rings<'_> {
    type Scalar = f64;
    fn rings(&self) -> impl Iterator<Item = &LineString<f64>> {
        self.0.iter().map(|r| &**r)
    }
}

/// `mp` with exteriors counter-clockwise and holes clockwise (borrowed when it already is).
///
/// ```
/// use geo::{polygon, MultiPolygon, Winding};
/// use gridmap::atlas::coverage::gaps::oriented;
/// let cw = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 0., y: 1.), (x: 1., y: 1.), (x: 1., y: 0.)]]);
/// assert!(oriented(&cw).0[0].exterior().is_ccw());
/// ```
pub fn oriented(mp: &MultiPolygon<f64>) -> Cow<'_, MultiPolygon<f64>> {
    let ok = mp.0.iter().all(|p| !p.exterior().is_cw() && p.interiors().iter().all(|r| !r.is_ccw()));
    if ok { Cow::Borrowed(mp) } else { Cow::Owned(mp.orient(Direction::Default)) }
}

/// A parent against its children.
#[derive(Clone, Debug, Default)]
pub struct Cover {
    /// The parent's area, m².
    pub area_m2: f64,
    /// The sum of the children's areas, m² (counting overlaps twice and spill outside the parent).
    pub children_area_m2: f64,
    /// The parent's area no child covers, one polygon per connected piece.
    pub gaps: Vec<Polygon<f64>>,
    /// The children's area outside the parent, one polygon per connected piece.
    pub outside: Vec<Polygon<f64>>,
}

impl Cover {
    /// Area of the gaps, m².
    pub fn gap_m2(&self) -> f64 {
        self.gaps.iter().map(Area::unsigned_area).sum()
    }

    /// Area of the children outside the parent, m².
    pub fn outside_m2(&self) -> f64 {
        self.outside.iter().map(Area::unsigned_area).sum()
    }

    /// Area covered twice or more, counted with multiplicity (Σ children − their union), m². Zero, up to
    /// rounding, exactly when no two children overlap: this is what lets the pairwise overlap search skip a
    /// parent altogether.
    pub fn excess_m2(&self) -> f64 {
        let union = self.area_m2 - self.gap_m2() + self.outside_m2();
        self.children_area_m2 - union
    }
}

/// The gaps and spill of `parent` against `children` (all in metres).
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use gridmap::atlas::coverage::gaps::cover;
/// let parent = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)]]);
/// // Two children sharing the edge x = 4 exactly, leaving x in 9..10 uncovered; the second spills to x = 12
/// // between y = 0 and 1.
/// let a = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 10.), (x: 0., y: 10.)]]);
/// let b = MultiPolygon(vec![polygon![(x: 4., y: 0.), (x: 12., y: 0.), (x: 12., y: 1.), (x: 9., y: 1.), (x: 9., y: 10.), (x: 4., y: 10.)]]);
/// let c = cover(&parent, &[&a, &b]);
/// assert!((c.gap_m2() - 9.0).abs() < 1e-6);
/// assert!((c.outside_m2() - 2.0).abs() < 1e-6);
/// assert!(c.excess_m2().abs() < 1e-6);
/// ```
pub fn cover(parent: &MultiPolygon<f64>, children: &[&MultiPolygon<f64>]) -> Cover {
    let parent = oriented(parent);
    let children: Vec<Cow<'_, MultiPolygon<f64>>> = children.iter().map(|c| oriented(c)).collect();
    let child_refs: Vec<&MultiPolygon<f64>> = children.iter().map(|c| c.as_ref()).collect();
    let area_m2 = parent.unsigned_area();
    let children_area_m2 = child_refs.iter().map(|c| c.unsigned_area()).sum();
    if child_refs.is_empty() {
        return Cover { area_m2, children_area_m2, gaps: parent.into_owned().0, outside: vec![] };
    }
    let kids = Rings::of(&child_refs);
    let own = Rings::of(&[parent.as_ref()]);
    let gaps = own.boolean_op_with_fill_rule(&kids, OpType::Difference, FillRule::Positive);
    let outside = kids.boolean_op_with_fill_rule(&own, OpType::Difference, FillRule::Positive);
    Cover { area_m2, children_area_m2, gaps: gaps.0, outside: outside.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]])
    }

    #[test]
    fn clockwise_children_cover_as_counter_clockwise_ones_do() {
        let parent = sq(0.0, 0.0, 10.0, 10.0);
        let a = sq(0.0, 0.0, 5.0, 10.0);
        let b = sq(5.0, 0.0, 10.0, 10.0).orient(Direction::Reversed);
        assert!(b.0[0].exterior().is_cw());
        let c = cover(&parent.orient(Direction::Reversed), &[&a, &b]);
        assert_eq!(c.gap_m2(), 0.0, "{:?}", c.gaps);
        assert_eq!(c.outside_m2(), 0.0);
        assert!(c.excess_m2().abs() < 1e-9);
    }

    #[test]
    fn exactly_shared_wandering_edges_leave_nothing() {
        // Forty strips whose shared edges wander (many vertices at awkward coordinates), tiling a parent whose
        // boundary is their outer edges: no gap, no spill, no excess, not even a speck.
        let wander = |k: usize| -> Vec<(f64, f64)> {
            (0..=20).map(|m| (431_234.567 + k as f64 * 7.3 + (m as f64 * 1.7 + k as f64).sin() * 1.1, 3_812_345.678 + m as f64 * 13.1)).collect()
        };
        let strip = |k: usize| {
            let mut ring = wander(k);
            ring.extend(wander(k + 1).into_iter().rev());
            MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])]).orient(Direction::Default)
        };
        let kids: Vec<MultiPolygon<f64>> = (0..40).map(strip).collect();
        let bottom: Vec<(f64, f64)> = (1..40).rev().map(|k| wander(k)[0]).collect();
        let top: Vec<(f64, f64)> = (1..40).map(|k| wander(k)[20]).collect();
        // The parent ring: left edge up, along the strips' tops, right edge down, along the bottoms.
        let mut ring = wander(0);
        ring.extend(top);
        ring.extend(wander(40).into_iter().rev());
        ring.extend(bottom);
        let parent = MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])]).orient(Direction::Default);
        let refs: Vec<&MultiPolygon<f64>> = kids.iter().collect();
        let c = cover(&parent, &refs);
        assert!(c.gaps.is_empty(), "phantom gaps: {:?}", c.gaps.iter().map(|g| g.unsigned_area()).collect::<Vec<_>>());
        assert!(c.outside.is_empty(), "phantom spill: {:?}", c.outside.iter().map(|g| g.unsigned_area()).collect::<Vec<_>>());
        assert!(c.excess_m2().abs() < 1e-6, "{}", c.excess_m2());
    }

    #[test]
    fn a_parent_with_no_children_is_all_gap() {
        let c = cover(&sq(0.0, 0.0, 2.0, 3.0), &[]);
        assert_eq!(c.gap_m2(), 6.0);
    }

    #[test]
    fn overlapping_children_show_as_excess() {
        let c = cover(&sq(0.0, 0.0, 10.0, 10.0), &[&sq(0.0, 0.0, 6.0, 10.0), &sq(4.0, 0.0, 10.0, 10.0)]);
        assert!(c.gaps.is_empty());
        assert!((c.excess_m2() - 20.0).abs() < 1e-6);
    }
}
