//! Assigning lanes and buildings to a grid, by clicking or brushing them on the map.
//!
//! The grid's outline follows its units by transfer: each assigned unit's polygon (clipped to the community)
//! is cut out of whichever grids held it and added to the chosen grid. Re-tiling the community from units
//! alone was the alternative; it was not chosen because units do not cover a community (streets, fields and
//! open ground lie between them), so outlines built from units would leave the rest as blind spots. Transfer
//! keeps the community covered exactly as before the edit; a unit that does not touch the grid leaves it in
//! two pieces, which the statistics report as non-contiguous.

use geo::{BooleanOps, MultiPolygon};

use super::geometry::{oriented_mp, restore_vertices, vertices};
use super::{Context, Draft, PlanError};
use crate::model::Layer;

/// Assigns `units` (codes) to `grid`.
pub fn assign_units(d: &mut Draft, ctx: &Context<'_>, grid: &str, units: &[String]) -> Result<(), PlanError> {
    d.grid(grid)?;
    if units.is_empty() {
        return Err(PlanError::Invalid("请至少指定一个要划入的巷道或楼栋 (name at least one lane or building to assign)".into()));
    }
    let layer = ctx.atlas.layer(Layer::Units).ok_or_else(|| PlanError::UnknownUnit(units[0].clone()))?;
    for code in units {
        let f = layer.get(code).ok_or_else(|| PlanError::UnknownUnit(code.clone()))?;
        let unit = oriented_mp(&f.geometry).intersection(&ctx.boundary);
        if unit.0.is_empty() && !d.units.contains_key(code) {
            return Err(PlanError::UnknownUnit(code.clone()));
        }
        let reference: Vec<geo::Coord<f64>> = vertices(d.grids.values().map(|g| &g.geometry))
            .into_iter()
            .chain(vertices([&unit, &ctx.boundary]))
            .collect();
        for (id, g) in d.grids.iter_mut() {
            let next: MultiPolygon<f64> = if id == grid { g.geometry.union(&unit) } else { g.geometry.difference(&unit) };
            let next = restore_vertices(next, &reference);
            if next != g.geometry {
                g.geometry = next;
            }
        }
        d.units.insert(code.clone(), grid.to_string());
    }
    for (id, g) in &d.grids {
        super::geometry::check_valid(&g.geometry, id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use geo::{Area, Contains, Point};

    #[test]
    fn a_unit_moves_with_its_area() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let ctx = Context::new(&atlas, "610522001001").unwrap();
        let unit = "610522001001002001"; // 2号楼, in B about 9 m from the shared edge
        assign_units(&mut d, &ctx, A, &[unit.to_string()]).unwrap();
        assert_eq!(d.units[unit], A);
        assert_eq!(d.grids[A].geometry.0.len(), 2, "A now holds the building apart from its own body");
        let inside = Point::new(X0 + 0.0055, Y0 + 0.0045);
        assert!(d.grids[A].geometry.contains(&inside));
        assert!(!d.grids[B].geometry.contains(&inside));
        let total: f64 = d.grids.values().map(|g| g.geometry.unsigned_area()).sum();
        assert!((total - D * D).abs() < 1e-12, "still exactly covered: {total}");
        assert!(assign_units(&mut d, &ctx, A, &["610522001001009009".to_string()]).is_err());
    }
}
