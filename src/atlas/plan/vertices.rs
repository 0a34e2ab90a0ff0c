//! Reshaping a grid: a new outline, or one vertex moved, added or deleted. A moved vertex moves in every grid
//! that has it, and an added vertex goes into both grids along a shared edge, so shared edges stay shared;
//! new positions snap to neighbouring grids and the community boundary ([`super::snap`]).

use geo::{Coord, LineString, MultiPolygon, Polygon};
use geo::orient::{Direction, Orient};

use super::geometry::{check_valid, coord, largest_part, same};
use super::snap::{Snap, Snapper, insert_on_edge, nearest_on_segment};
use super::{Context, Draft, PlanError};

/// Replaces the outline of `grid`'s largest part (holes included) by `ring`, each vertex snapped.
pub fn reshape(d: &mut Draft, ctx: &Context<'_>, grid: &str, ring: &[[f64; 2]], tol_m: f64) -> Result<(), PlanError> {
    let g = d.grid(grid)?;
    let mut pts: Vec<Coord<f64>> = ring.iter().map(|c| coord(*c)).collect();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.len() < 3 {
        return Err(PlanError::Invalid(format!("网格 {grid} 的新轮廓至少需要 3 个顶点 (the new outline of grid {grid} needs at least 3 vertices)")));
    }
    let snapper = Snapper::new(d, ctx, &[grid])?;
    let snaps: Vec<Snap> = pts.iter().map(|p| snapper.snap(*p, tol_m)).collect::<Result<_, _>>()?;
    let mut out: Vec<Coord<f64>> = snaps.iter().map(|s| s.at()).collect();
    out.dedup_by(|a, b| same(*a, *b));
    out.push(out[0]);
    let mut geometry = g.geometry.clone();
    let part = largest_part(&geometry).unwrap_or(0);
    let poly = Polygon::new(LineString(out), vec![]);
    if geometry.0.is_empty() {
        geometry.0.push(poly);
    } else {
        geometry.0[part] = poly;
    }
    let geometry = geometry.orient(Direction::Default);
    check_valid(&geometry, grid)?;
    d.grids.get_mut(grid).expect("checked above").geometry = geometry;
    for s in snaps {
        if let Snap::Edge { at, a, b } = s {
            insert_on_edge(d, at, a, b, &[grid]);
        }
    }
    Ok(())
}

/// Moves the vertex at `from` to `to` (snapped) in every grid that has it.
pub fn move_vertex(d: &mut Draft, ctx: &Context<'_>, from: [f64; 2], to: [f64; 2], tol_m: f64) -> Result<(), PlanError> {
    let from = coord(from);
    let owners = owners_of(d, from);
    if owners.is_empty() {
        return Err(no_vertex(from));
    }
    let owner_refs: Vec<&str> = owners.iter().map(String::as_str).collect();
    let snap = Snapper::new(d, ctx, &owner_refs)?.snap(coord(to), tol_m)?;
    for id in &owners {
        let g = d.grids.get_mut(id).expect("owner exists");
        let moved = map_rings(&g.geometry, |r| r.iter().map(|c| if same(*c, from) { snap.at() } else { *c }).collect());
        check_valid(&moved, id)?;
        g.geometry = moved;
    }
    if let Snap::Edge { at, a, b } = snap {
        insert_on_edge(d, at, a, b, &owner_refs);
    }
    Ok(())
}

/// Adds a vertex on the edge of `grid` nearest to `at` (measured in metres), in that grid and in every grid
/// sharing the edge.
pub fn add_vertex(d: &mut Draft, grid: &str, at: [f64; 2]) -> Result<(), PlanError> {
    let g = d.grid(grid)?;
    let at = coord(at);
    let mut best: Option<(f64, Coord<f64>, Coord<f64>, f64)> = None;
    for p in &g.geometry.0 {
        for r in super::geometry::rings(p) {
            for w in r.0.windows(2) {
                let (t, dist) = nearest_on_segment(w[0], w[1], at);
                if best.is_none_or(|b| dist < b.0) {
                    best = Some((dist, w[0], w[1], t));
                }
            }
        }
    }
    let (_, a, b, t) = best.ok_or_else(|| PlanError::Invalid(format!("网格 {grid} 没有边 (grid {grid} has no edges)")))?;
    let new = Coord { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) };
    if same(new, a) || same(new, b) {
        return Err(PlanError::Invalid(format!("位置 [{}, {}] 已是网格 {grid} 的顶点 ([{}, {}] is already a vertex of grid {grid})", new.x, new.y, new.x, new.y)));
    }
    insert_on_edge(d, new, a, b, &[]);
    Ok(())
}

/// Deletes the vertex at `at` from every grid that has it.
pub fn delete_vertex(d: &mut Draft, at: [f64; 2]) -> Result<(), PlanError> {
    let at = coord(at);
    let owners = owners_of(d, at);
    if owners.is_empty() {
        return Err(no_vertex(at));
    }
    for id in &owners {
        let g = d.grids.get_mut(id).expect("owner exists");
        let mut short = false;
        let out = map_rings(&g.geometry, |r| {
            let mut open: Vec<Coord<f64>> = r[..r.len().saturating_sub(1)].iter().copied().filter(|c| !same(*c, at)).collect();
            if open.len() < 3 {
                short = true;
                return r.to_vec();
            }
            open.push(open[0]);
            open
        });
        if short {
            return Err(PlanError::Invalid(format!("删除 [{}, {}] 会使网格 {id} 少于 3 个顶点 (deleting [{}, {}] would leave grid {id} with fewer than 3 vertices)", at.x, at.y, at.x, at.y)));
        }
        check_valid(&out, id)?;
        g.geometry = out;
    }
    Ok(())
}

/// The grids having a vertex at `c`.
fn owners_of(d: &Draft, c: Coord<f64>) -> Vec<String> {
    d.grids
        .iter()
        .filter(|(_, g)| super::geometry::vertices([&g.geometry]).iter().any(|v| same(*v, c)))
        .map(|(id, _)| id.clone())
        .collect()
}

fn no_vertex(c: Coord<f64>) -> PlanError {
    PlanError::Invalid(format!("草案中没有网格在 [{}, {}] 处有顶点 (no grid of the draft has a vertex at [{}, {}])", c.x, c.y, c.x, c.y))
}

/// `mp` with every ring (closed, as stored) rewritten by `f`.
fn map_rings(mp: &MultiPolygon<f64>, mut f: impl FnMut(&[Coord<f64>]) -> Vec<Coord<f64>>) -> MultiPolygon<f64> {
    MultiPolygon(
        mp.0.iter()
            .map(|p| Polygon::new(LineString(f(&p.exterior().0)), p.interiors().iter().map(|r| LineString(f(&r.0))).collect()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::Edit;
    use super::*;
    use geo::Area;

    fn ring_of(d: &Draft, id: &str) -> Vec<Coord<f64>> {
        d.grids[id].geometry.0[0].exterior().0.clone()
    }

    #[test]
    fn moving_a_shared_vertex_moves_it_in_both_grids() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let from = [X0 + D / 2.0, Y0 + D];
        let to = [X0 + D / 2.0 + 0.001, Y0 + D];
        d.apply(&atlas, &Edit::MoveVertex { from, to, snap_m: Some(0.5) }).unwrap();
        // (The new position is on the community's north edge: it snaps there, and stays put.)
        for id in [A, B] {
            assert!(ring_of(&d, id).iter().any(|c| same(*c, coord(to))), "{id}: {:?}", ring_of(&d, id));
            assert!(!ring_of(&d, id).contains(&coord(from)));
        }
        let e = d.apply(&atlas, &Edit::MoveVertex { from: [0.0, 0.0], to, snap_m: None }).unwrap_err();
        assert!(e.to_string().contains("no grid"), "{e}");
    }

    #[test]
    fn reshaping_snaps_onto_the_neighbour_and_keeps_the_edge_shared() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let h = D / 2.0;
        // A's new outline pulls its east edge in to about 1 m short of B, with a bump: the vertices within
        // 3 m snap onto B's west edge and corners.
        let off = 0.00001;
        let ring = vec![[X0, Y0], [X0 + h - off, Y0], [X0 + h - off, Y0 + 0.004], [X0 + h - off, Y0 + D], [X0, Y0 + D]];
        d.apply(&atlas, &Edit::Reshape { grid: A.into(), ring, snap_m: Some(3.0) }).unwrap();
        let a = ring_of(&d, A);
        let mid = Coord { x: X0 + h, y: Y0 + 0.004 };
        assert!(a.contains(&Coord { x: X0 + h, y: Y0 }) && a.contains(&Coord { x: X0 + h, y: Y0 + D }), "{a:?}");
        assert!(a.iter().any(|c| same(*c, mid)), "{a:?}");
        // The point snapped onto B's edge is now a vertex of B too: still one shared edge, no T-junction.
        assert!(ring_of(&d, B).iter().any(|c| same(*c, mid)), "{:?}", ring_of(&d, B));
        let total: f64 = d.grids.values().map(|g| g.geometry.unsigned_area()).sum();
        assert!((total - D * D).abs() < 1e-12, "{total}");
    }

    #[test]
    fn a_self_crossing_outline_is_refused() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let bow = vec![[X0, Y0], [X0 + 0.004, Y0 + 0.004], [X0 + 0.004, Y0], [X0, Y0 + 0.004]];
        let e = d.apply(&atlas, &Edit::Reshape { grid: A.into(), ring: bow, snap_m: Some(0.1) }).unwrap_err();
        assert!(matches!(e, PlanError::Invalid(_)), "{e}");
    }

    #[test]
    fn adding_and_deleting_a_vertex_on_a_shared_edge_does_both_grids() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let at = [X0 + D / 2.0 + 0.00002, Y0 + 0.006];
        d.apply(&atlas, &Edit::AddVertex { grid: A.into(), at }).unwrap();
        let v = Coord { x: X0 + D / 2.0, y: Y0 + 0.006 };
        assert!(ring_of(&d, A).iter().any(|c| same(*c, v)) && ring_of(&d, B).iter().any(|c| same(*c, v)));
        assert_eq!(ring_of(&d, A).len(), 6);
        d.apply(&atlas, &Edit::DeleteVertex { at: [v.x, v.y] }).unwrap();
        assert_eq!(ring_of(&d, A).len(), 5);
        assert_eq!(ring_of(&d, B).len(), 5);
        // A square's corner cannot go: a triangle is left... and a triangle's cannot.
        d.apply(&atlas, &Edit::DeleteVertex { at: [X0, Y0] }).unwrap();
        let e = d.apply(&atlas, &Edit::DeleteVertex { at: [X0, Y0 + D] }).unwrap_err();
        assert!(e.to_string().contains("fewer than 3"), "{e}");
    }
}
