//! Merging two adjacent grids: the union takes the first grid's id and properties (its manager); the second's
//! units follow it.

use geo::BooleanOps;

use super::geometry::{restore_vertices, vertices};
use super::{Draft, PlanError};

/// Merges grid `with` into `grid`. Grids that do not share an edge are refused: the result would be two
/// pieces under one manager.
pub fn merge(d: &mut Draft, grid: &str, with: &str) -> Result<(), PlanError> {
    if grid == with {
        return Err(PlanError::Invalid(format!("网格 {grid} 不能与自身合并 (grid {grid} cannot be merged with itself)")));
    }
    let (a, b) = (d.grid(grid)?, d.grid(with)?);
    let union = restore_vertices(a.geometry.union(&b.geometry), &vertices([&a.geometry, &b.geometry]));
    if union.0.len() >= a.geometry.0.len() + b.geometry.0.len() {
        return Err(PlanError::Invalid(format!("网格 {grid} 与 {with} 没有公共边，只能合并相邻网格 (grids {grid} and {with} do not share an edge: merge adjacent grids only)")));
    }
    d.grids.get_mut(grid).expect("checked above").geometry = union;
    d.grids.remove(with);
    for g in d.units.values_mut() {
        if g == with {
            *g = grid.to_string();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use geo::Area;

    #[test]
    fn two_halves_merge_into_the_whole_and_take_the_units() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        merge(&mut d, A, B).unwrap();
        assert_eq!(d.grids.len(), 1);
        let g = &d.grids[A].geometry;
        assert_eq!(g.0.len(), 1);
        assert!((g.unsigned_area() - D * D).abs() < 1e-12);
        assert!(d.units.values().all(|g| g == A));
    }

    #[test]
    fn grids_apart_are_not_merged() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        // Shrink B away from A first.
        d.grids.get_mut(B).unwrap().geometry = geo::MultiPolygon(vec![square(X0 + 0.007, Y0, X0 + D, Y0 + D)]);
        let e = merge(&mut d, A, B).unwrap_err();
        assert!(e.to_string().contains("do not share an edge"), "{e}");
        assert!(merge(&mut d, A, A).is_err());
    }
}
