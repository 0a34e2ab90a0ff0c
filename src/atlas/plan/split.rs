//! Splitting a grid along a drawn line.
//!
//! geo has no polygon split, but the overlay engine inside it (i_overlay) slices shapes by polylines: the
//! grid is sliced by the line, extended a little at both ends so that a line drawn to the grid's edge by hand
//! (a little short, or a little past) still crosses it. The pieces' vertices are put back exactly where the
//! grid's were ([`super::geometry::restore_vertices`]), so edges shared with neighbours stay shared. The
//! largest piece keeps the grid's id and properties (its manager); the others are new, unstaffed grids.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::float::slice::FloatSlice;

use super::geometry::{coord, restore_vertices, vertices};
use super::{Draft, DraftGrid, PlanError};

/// How far the line is extended past its ends, as a share of the grid's envelope diagonal.
const EXTEND: f64 = 0.05;

/// Splits `grid` by `line` (lon/lat); returns the ids of the pieces, the kept grid first.
pub fn split(d: &mut Draft, grid: &str, line: &[[f64; 2]]) -> Result<Vec<String>, PlanError> {
    let g = d.grid(grid)?.clone();
    let mut pts: Vec<Coord<f64>> = line.iter().map(|c| coord(*c)).collect();
    pts.dedup();
    if pts.len() < 2 {
        return Err(PlanError::Invalid("分割线至少需要 2 个不同的点 (a split line needs at least 2 distinct points)".into()));
    }
    let diag = {
        use geo::BoundingRect;
        g.geometry.bounding_rect().map_or(0.0, |r| r.width().hypot(r.height()))
    };
    extend_end(&mut pts, diag * EXTEND, true);
    extend_end(&mut pts, diag * EXTEND, false);
    let shapes: Vec<Vec<Vec<[f64; 2]>>> = g
        .geometry
        .0
        .iter()
        .map(|p| super::geometry::rings(p).map(open_ring).collect())
        .collect();
    let path: Vec<[f64; 2]> = pts.iter().map(|c| [c.x, c.y]).collect();
    let sliced = shapes.slice_by(&path, FillRule::NonZero);
    let pieces: Vec<Polygon<f64>> = sliced
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|mut s| {
            let ext = closed(s.remove(0));
            Polygon::new(ext, s.into_iter().map(closed).collect())
        })
        .collect();
    let reference = vertices([&g.geometry]);
    let mut pieces: Vec<MultiPolygon<f64>> = pieces
        .into_iter()
        .map(|p| restore_vertices(MultiPolygon(vec![p]), &reference))
        .filter(|mp| !mp.0.is_empty())
        .collect();
    if pieces.len() < 2 {
        return Err(PlanError::Invalid(format!("分割线没有从一边到另一边穿过网格 {grid} (the line does not cross grid {grid} from edge to edge)")));
    }
    {
        use geo::Area;
        pieces.sort_by(|a, b| b.unsigned_area().total_cmp(&a.unsigned_area()));
    }
    let fresh: Vec<Coord<f64>> = vertices(pieces.iter()).into_iter().filter(|c| !reference.contains(c)).collect();
    let mut ids = vec![grid.to_string()];
    let mut iter = pieces.into_iter();
    d.grids.get_mut(grid).expect("checked above").geometry = iter.next().expect("two or more");
    for piece in iter {
        let id = d.new_id();
        d.grids.insert(id.clone(), DraftGrid { properties: Default::default(), geometry: piece });
        ids.push(id);
    }
    // Where the line meets an edge shared with a neighbour, the neighbour gets the new vertex too.
    let own: Vec<&str> = ids.iter().map(String::as_str).collect();
    super::snap::share_on_edges(d, &fresh, &own);
    Ok(ids)
}

fn extend_end(pts: &mut Vec<Coord<f64>>, by: f64, start: bool) {
    let n = pts.len();
    let (end, prev) = if start { (pts[0], pts[1]) } else { (pts[n - 1], pts[n - 2]) };
    let (dx, dy) = (end.x - prev.x, end.y - prev.y);
    let len = dx.hypot(dy);
    if len == 0.0 {
        return;
    }
    let far = Coord { x: end.x + dx / len * by, y: end.y + dy / len * by };
    if start { pts.insert(0, far) } else { pts.push(far) }
}

fn open_ring(r: &LineString<f64>) -> Vec<[f64; 2]> {
    let mut v: Vec<[f64; 2]> = r.0.iter().map(|c| [c.x, c.y]).collect();
    if v.len() > 1 && v.first() == v.last() {
        v.pop();
    }
    v
}

fn closed(mut r: Vec<[f64; 2]>) -> LineString<f64> {
    if let Some(f) = r.first().copied() {
        r.push(f);
    }
    LineString(r.into_iter().map(coord).collect())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::Edit;
    use super::*;
    use geo::Area;

    #[test]
    fn a_line_across_a_grid_makes_two_grids_that_tile_it() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let before = d.grids[A].geometry.unsigned_area();
        // A slanted line, drawn slightly short of the west edge and past the east edge.
        let line = vec![[X0 + 0.00001, Y0 + 0.004], [X0 + D / 2.0 + 0.001, Y0 + 0.007]];
        let ids = split(&mut d, A, &line).unwrap();
        assert_eq!(ids, vec![A.to_string(), "new-1".to_string()]);
        let (a, n) = (&d.grids[A], &d.grids["new-1"]);
        assert!((a.geometry.unsigned_area() + n.geometry.unsigned_area() - before).abs() < 1e-12);
        assert!(a.geometry.unsigned_area() > n.geometry.unsigned_area());
        assert_eq!(a.properties["manager"], "李娜", "the larger piece keeps the manager");
        assert!(n.properties.is_empty());
        // The corners of A that were shared with B are still exactly B's.
        let b = vertices([&d.grids[B].geometry]);
        let shared = vertices([&a.geometry, &n.geometry]).into_iter().filter(|c| b.contains(c)).count();
        assert!(shared >= 2, "{shared}");
    }

    #[test]
    fn a_cut_ending_on_a_shared_edge_puts_its_vertex_into_the_neighbour() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let line = vec![[X0, Y0 + 0.006], [X0 + D / 2.0, Y0 + 0.006]];
        split(&mut d, A, &line).unwrap();
        let b = vertices([&d.grids[B].geometry]);
        assert!(b.iter().any(|c| (c.x - (X0 + D / 2.0)).abs() < 1e-9 && (c.y - (Y0 + 0.006)).abs() < 1e-9), "{b:?}");
        // And that vertex is exactly the pieces' own.
        let mine = vertices([&d.grids[A].geometry, &d.grids["new-1"].geometry]);
        assert!(b.iter().filter(|c| mine.contains(c)).count() >= 3);
    }

    #[test]
    fn a_line_that_does_not_cross_is_refused() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let e = d.apply(&atlas, &Edit::Split { grid: A.into(), line: vec![[X0 + 0.001, Y0 + 0.001], [X0 + 0.002, Y0 + 0.002]] }).unwrap_err();
        assert!(e.to_string().contains("does not cross"), "{e}");
    }
}
