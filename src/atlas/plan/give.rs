//! Giving a gap or an overlap to a chosen grid in one action: the planner clicks in a blind spot, a sliver or
//! an overlap and names the grid that should have it.

use geo::{BooleanOps, Contains, MultiPolygon, Point};

use super::geometry::{coord, restore_vertices, vertices};
use super::{Context, Draft, PlanError};
use crate::atlas::coverage::gaps;

/// Gives the gap containing `at` to grid `to` (added to it), or, where `at` is covered by `to` and other grids,
/// the whole of their overlap with `to` (cut out of the others).
pub fn give(d: &mut Draft, ctx: &Context<'_>, at: [f64; 2], to: &str) -> Result<(), PlanError> {
    let target = d.grid(to)?.geometry.clone();
    let p = Point(coord(at));
    let kids: Vec<&MultiPolygon<f64>> = d.grids.values().map(|g| &g.geometry).collect();
    let cover = gaps::cover(&ctx.boundary, &kids);
    let reference: Vec<geo::Coord<f64>> = vertices(kids.iter().copied()).into_iter().chain(vertices([&ctx.boundary])).collect();
    if let Some(gap) = cover.gaps.iter().find(|g| g.contains(&p)) {
        // The overlay gives the gap's vertices back a few 1e-12 degrees off the grids' own: put them back before
        // the union, or the union keeps a hairline between the gap and the grid and returns two parts.
        let gap = restore_vertices(MultiPolygon(vec![gap.clone()]), &reference);
        let union = restore_vertices(target.union(&gap), &reference);
        if union.0.len() > target.0.len() {
            return Err(PlanError::Invalid(format!("位置 [{}, {}] 处的空隙与网格 {to} 不相邻 (the gap at [{}, {}] does not touch grid {to})", at[0], at[1], at[0], at[1])));
        }
        d.grids.get_mut(to).expect("checked above").geometry = union;
        return Ok(());
    }
    let others: Vec<String> = d.grids.iter().filter(|(id, g)| id.as_str() != to && g.geometry.contains(&p)).map(|(id, _)| id.clone()).collect();
    if others.is_empty() || !target.contains(&p) {
        return Err(PlanError::Invalid(format!("位置 [{}, {}] 处既没有空隙，也没有与网格 {to} 的重叠 (there is no gap, and no overlap with grid {to}, at [{}, {}])", at[0], at[1], at[0], at[1])));
    }
    for id in others {
        let g = d.grids.get_mut(&id).expect("listed above");
        g.geometry = restore_vertices(g.geometry.difference(&target), &reference);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use geo::Area;

    #[test]
    fn a_gap_goes_to_the_chosen_neighbour() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let ctx = Context::new(&atlas, "610522001001").unwrap();
        // B pulled back from the shared edge: a strip between them is a gap.
        d.grids.get_mut(B).unwrap().geometry = MultiPolygon(vec![square(X0 + 0.006, Y0, X0 + D, Y0 + D)]);
        give(&mut d, &ctx, [X0 + 0.0055, Y0 + 0.005], B).unwrap();
        assert!((d.grids[B].geometry.unsigned_area() - 0.005 * D).abs() < 1e-12);
        let kids: Vec<&MultiPolygon<f64>> = d.grids.values().map(|g| &g.geometry).collect();
        assert!(gaps::cover(&ctx.boundary, &kids).gaps.is_empty());
        assert!(give(&mut d, &ctx, [X0 + 0.0055, Y0 + 0.005], B).is_err(), "nothing left to give");
    }

    #[test]
    fn an_overlap_goes_to_the_chosen_grid() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let ctx = Context::new(&atlas, "610522001001").unwrap();
        d.grids.get_mut(B).unwrap().geometry = MultiPolygon(vec![square(X0 + 0.004, Y0, X0 + D, Y0 + D)]);
        give(&mut d, &ctx, [X0 + 0.0045, Y0 + 0.005], A).unwrap();
        assert!((d.grids[B].geometry.unsigned_area() - 0.005 * D).abs() < 1e-12);
        assert!((d.grids[A].geometry.unsigned_area() - 0.005 * D).abs() < 1e-12);
    }
}
