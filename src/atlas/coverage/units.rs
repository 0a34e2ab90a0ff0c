//! Lanes and buildings against grids: every unit lies in exactly one grid, the one it names.
//!
//! Most units sit in cells wholly inside one grid and are settled by the cell index. The rest are grouped by
//! the grid they name and checked in one overlay per grid (the group minus the grid): a unit that does not
//! meet the spill lies inside its grid. Only units that spill are measured against every grid they may meet.

use std::collections::BTreeMap;

use geo::{Area, BooleanOps, BoundingRect, MultiPolygon, Polygon};
use rayon::prelude::*;

use crate::atlas::cells::CellIndex;
use super::gaps::Rings;
use super::households::part_area;

/// What is wrong with a unit.
#[derive(Clone, Debug, PartialEq)]
pub enum UnitFinding {
    /// In two or more grids (largest part first).
    Split(Vec<usize>),
    /// In no grid.
    Orphan,
    /// Wholly or mainly in this grid, which is not the one it names.
    Mismatch(usize),
}

/// Checks every unit (`units`, metres) against `grids`; `named[u]` is the index of the grid unit `u` names
/// (None when it names none that exists). A part counts when at least `min_part_m2` (or 1% of the unit).
/// Returns the units with a finding, in order.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use gridmap::atlas::cells::CellIndex;
/// use gridmap::atlas::coverage::units::{check, UnitFinding};
/// let sq = |x0: f64, y0: f64, x1: f64, y1: f64| MultiPolygon(vec![polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]]);
/// let (a, b) = (sq(0., 0., 100., 100.), sq(100., 0., 200., 100.));
/// let grids = [&a, &b];
/// let cells = CellIndex::build(&grids, None);
/// let units = [sq(10., 10., 20., 20.), sq(90., 10., 110., 20.), sq(300., 0., 310., 10.), sq(150., 50., 160., 60.)];
/// let refs: Vec<&MultiPolygon<f64>> = units.iter().collect();
/// let found = check(&refs, &[Some(0), Some(0), Some(0), Some(0)], &grids, &cells, 1.0);
/// assert_eq!(found, vec![(1, UnitFinding::Split(vec![0, 1])), (2, UnitFinding::Orphan), (3, UnitFinding::Mismatch(1))]);
/// ```
pub fn check(
    units: &[&MultiPolygon<f64>],
    named: &[Option<usize>],
    grids: &[&MultiPolygon<f64>],
    cells: &CellIndex,
    min_part_m2: f64,
) -> Vec<(usize, UnitFinding)> {
    // Settled by the cells: wholly inside one grid's inside cells.
    let mut found: Vec<(usize, UnitFinding)> = Vec::new();
    let mut by_grid: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
    for (u, mp) in units.iter().enumerate() {
        let Some(bb) = mp.bounding_rect() else { continue };
        match cells.box_owner(bb.min(), bb.max()) {
            Some(g) if Some(g) == named[u] => {}
            Some(g) => found.push((u, UnitFinding::Mismatch(g))),
            None => by_grid.entry(named[u]).or_default().push(u),
        }
    }
    // One overlay per named grid: which of its unsettled units spill out of it.
    let groups: Vec<(Option<usize>, Vec<usize>)> = by_grid.into_iter().collect();
    let spilling: Vec<usize> = groups
        .par_iter()
        .flat_map_iter(|(g, us)| {
            let Some(g) = *g else { return us.clone() };
            let members: Vec<&MultiPolygon<f64>> = us.iter().map(|&u| units[u]).collect();
            let spill = Rings::of(&members).boolean_op_with_fill_rule(
                &Rings::of(&[grids[g]]),
                geo::OpType::Difference,
                geo::algorithm::bool_ops::FillRule::Positive,
            );
            let pieces: Vec<(&Polygon<f64>, geo::Rect<f64>)> = spill
                .0
                .iter()
                .filter(|p| p.unsigned_area() > 0.0)
                .filter_map(|p| p.bounding_rect().map(|r| (p, r)))
                .collect();
            us.iter()
                .copied()
                .filter(|&u| {
                    let Some(ub) = units[u].bounding_rect() else { return false };
                    let min_part = min_part_m2.min(0.01 * units[u].unsigned_area());
                    pieces.iter().any(|(p, r)| {
                        rects_meet(&ub, r) && part_area(&MultiPolygon(vec![(*p).clone()]), units[u]) >= min_part
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // Measured against every grid they may meet.
    let measured: Vec<(usize, UnitFinding)> = spilling
        .par_iter()
        .filter_map(|&u| {
            let bb = units[u].bounding_rect()?;
            let area = units[u].unsigned_area();
            let min_part = min_part_m2.min(0.01 * area);
            let mut parts: Vec<(usize, f64)> = cells
                .box_candidates(bb.min(), bb.max())
                .into_iter()
                .map(|g| (g, part_area(units[u], grids[g])))
                .filter(|&(_, a)| a >= min_part && a > 0.0)
                .collect();
            parts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            match parts.as_slice() {
                [] => Some((u, UnitFinding::Orphan)),
                [(g, _)] if Some(*g) == named[u] => None,
                [(g, _)] => Some((u, UnitFinding::Mismatch(*g))),
                _ => Some((u, UnitFinding::Split(parts.iter().map(|p| p.0).collect()))),
            }
        })
        .collect();
    found.extend(measured);
    found.sort_by_key(|f| f.0);
    found
}

fn rects_meet(a: &geo::Rect<f64>, b: &geo::Rect<f64>) -> bool {
    a.min().x <= b.max().x && b.min().x <= a.max().x && a.min().y <= b.max().y && b.min().y <= a.max().y
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn units_tiling_their_grid_along_its_edges_are_fine() {
        let sq = |x0: f64, y0: f64, x1: f64, y1: f64| MultiPolygon(vec![polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]]);
        let (a, b) = (sq(0., 0., 100., 100.), sq(100., 0., 200., 100.));
        let grids = [&a, &b];
        let cells = CellIndex::build(&grids, None);
        // Four units tile grid a exactly, two of them along the shared edge x = 100.
        let units = [sq(0., 0., 50., 50.), sq(50., 0., 100., 50.), sq(0., 50., 50., 100.), sq(50., 50., 100., 100.)];
        let refs: Vec<&MultiPolygon<f64>> = units.iter().collect();
        assert!(check(&refs, &[Some(0); 4], &grids, &cells, 1.0).is_empty());
        // Named for grid b, they are all mismatched.
        assert_eq!(check(&refs, &[Some(1); 4], &grids, &cells, 1.0).len(), 4);
    }
}
