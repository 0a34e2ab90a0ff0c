//! Snapping: a vertex a planner puts down within a tolerance (metres) of a neighbouring grid's vertex takes
//! that vertex exactly; else, within the tolerance of a neighbour's edge or the community boundary, the nearest
//! point of that edge. A point snapped onto an edge is then inserted into the neighbour's ring too (see
//! [`insert_on_edge`]), so the edge stays shared vertex for vertex instead of meeting at a T.

use geo::Coord;

use super::geometry::{rings, same};
use super::{Context, Draft, PlanError};

/// Where a vertex went.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Snap {
    /// Onto an existing vertex (exactly its lon/lat).
    Vertex(Coord<f64>),
    /// Onto the edge from `a` to `b` (lon/lat), at `at`.
    Edge { at: Coord<f64>, a: Coord<f64>, b: Coord<f64> },
    /// Nothing within the tolerance: where it was put.
    Free(Coord<f64>),
}

impl Snap {
    /// The snapped position.
    pub fn at(self) -> Coord<f64> {
        match self {
            Snap::Vertex(c) | Snap::Free(c) | Snap::Edge { at: c, .. } => c,
        }
    }
}

/// The vertices and edges a vertex may snap to (lon/lat). Distances are local metres around the point snapped
/// (see [`metres_per_degree`]): exact enough for a tolerance of metres, and no projection of every vertex of
/// the community on every edit.
pub struct Snapper {
    verts: Vec<Coord<f64>>,
    /// Lon/lat ends.
    edges: Vec<[Coord<f64>; 2]>,
}

impl Snapper {
    /// Targets: every grid of the draft except `exclude`, and the community boundary.
    pub fn new(draft: &Draft, ctx: &Context<'_>, exclude: &[&str]) -> Result<Snapper, PlanError> {
        let polys = draft
            .grids
            .iter()
            .filter(|(id, _)| !exclude.contains(&id.as_str()))
            .flat_map(|(_, g)| g.geometry.0.iter())
            .chain(ctx.boundary.0.iter());
        let mut verts = Vec::new();
        let mut edges = Vec::new();
        for p in polys {
            for r in rings(p) {
                for (i, c) in r.0.iter().enumerate() {
                    verts.push(*c);
                    if i + 1 < r.0.len() {
                        edges.push([*c, r.0[i + 1]]);
                    }
                }
            }
        }
        Ok(Snapper { verts, edges })
    }

    /// Snaps `p` (lon/lat) within `tol_m`: to a vertex first, else to an edge.
    pub fn snap(&self, p: Coord<f64>, tol_m: f64) -> Result<Snap, PlanError> {
        let (kx, ky) = metres_per_degree(p.y);
        let d2 = |a: Coord<f64>| ((a.x - p.x) * kx).powi(2) + ((a.y - p.y) * ky).powi(2);
        let tol2 = tol_m * tol_m;
        if let Some((ll, _)) = self
            .verts
            .iter()
            .map(|ll| (ll, d2(*ll)))
            .filter(|(_, d)| *d <= tol2)
            .min_by(|a, b| a.1.total_cmp(&b.1))
        {
            return Ok(Snap::Vertex(*ll));
        }
        // The foot on an edge is found in lon/lat scaled to local metres (x by cos(latitude)) rather than in the
        // Gauss-Kruger plane: there a meridian is tilted by the grid convergence, so a point 1 m west of a
        // north-south edge would land a centimetre up or down it instead of level with it. Over a grid's edge
        // (a few km at most) the local scale is exact to well under a millimetre of snap.
        let best = self
            .edges
            .iter()
            .map(|ll| {
                let (t, d) = nearest_on_segment(ll[0], ll[1], p);
                (ll, t, d * d)
            })
            .filter(|(_, _, d)| *d <= tol2)
            .min_by(|a, b| a.2.total_cmp(&b.2));
        Ok(match best {
            Some((ll, t, _)) => {
                let at = Coord { x: ll[0].x + t * (ll[1].x - ll[0].x), y: ll[0].y + t * (ll[1].y - ll[0].y) };
                Snap::Edge { at, a: ll[0], b: ll[1] }
            }
            None => Snap::Free(p),
        })
    }
}

/// Metres per degree of longitude and of latitude at latitude `lat` (degrees), on the GRS80 ellipsoid.
pub fn metres_per_degree(lat: f64) -> (f64, f64) {
    let (a, e2) = (6_378_137.0_f64, 0.006_694_380_022_90_f64);
    let phi = lat.to_radians();
    let w = (1.0 - e2 * phi.sin().powi(2)).sqrt();
    let rad = std::f64::consts::PI / 180.0;
    (a * phi.cos() / w * rad, a * (1.0 - e2) / w.powi(3) * rad)
}

/// The point of segment a–b (lon/lat) nearest to `p`: its parameter (0..=1) along a–b and its distance in
/// metres, in local metres around `p` (see [`Snapper::snap`] for why not in the projected plane).
pub fn nearest_on_segment(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> (f64, f64) {
    let (kx, ky) = metres_per_degree(p.y);
    let local = |c: Coord<f64>| Coord { x: c.x * kx, y: c.y * ky };
    let (a, b, p) = (local(a), local(b), local(p));
    let t = param(a, b, p);
    let on = Coord { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) };
    (t, (on.x - p.x).hypot(on.y - p.y))
}

/// The parameter (0..=1) of the point of segment a–b nearest to p.
pub fn param(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 { 0.0 } else { (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0) }
}

/// Inserts `at` between `a` and `b` wherever a ring of the draft (other than grid `except`) has the edge a–b
/// (either way round). Returns the ids of the grids changed.
pub fn insert_on_edge(draft: &mut Draft, at: Coord<f64>, a: Coord<f64>, b: Coord<f64>, except: &[&str]) -> Vec<String> {
    let mut changed = Vec::new();
    for (id, g) in draft.grids.iter_mut() {
        if except.contains(&id.as_str()) {
            continue;
        }
        let mut hit = false;
        for p in g.geometry.0.iter_mut() {
            p.exterior_mut(|r| hit |= insert_in_ring(&mut r.0, at, a, b));
            p.interiors_mut(|rs| {
                for r in rs {
                    hit |= insert_in_ring(&mut r.0, at, a, b);
                }
            });
        }
        if hit {
            changed.push(id.clone());
        }
    }
    changed
}

/// Inserts each of `points` into the rings of grids other than `except` whose edge it lies on (within
/// [`super::geometry::SAME_DEG`]): the new vertices an overlay made on a shared edge then become the
/// neighbour's too.
pub fn share_on_edges(draft: &mut Draft, points: &[Coord<f64>], except: &[&str]) {
    for &p in points {
        let mut hits = Vec::new();
        for (id, g) in &draft.grids {
            if except.contains(&id.as_str()) {
                continue;
            }
            for poly in &g.geometry.0 {
                for r in rings(poly) {
                    for w in r.0.windows(2) {
                        let t = param(w[0], w[1], p);
                        let on = Coord { x: w[0].x + t * (w[1].x - w[0].x), y: w[0].y + t * (w[1].y - w[0].y) };
                        if t > 0.0 && t < 1.0 && same(on, p) && !same(w[0], p) && !same(w[1], p) {
                            hits.push((w[0], w[1]));
                        }
                    }
                }
            }
        }
        for (a, b) in hits {
            insert_on_edge(draft, p, a, b, except);
        }
    }
}

fn insert_in_ring(r: &mut Vec<Coord<f64>>, at: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> bool {
    let mut i = 0;
    let mut hit = false;
    while i + 1 < r.len() {
        let (u, v) = (r[i], r[i + 1]);
        if ((same(u, a) && same(v, b)) || (same(u, b) && same(v, a))) && !same(u, at) && !same(v, at) {
            r.insert(i + 1, at);
            hit = true;
            i += 1;
        }
        i += 1;
    }
    hit
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn snaps_to_a_vertex_first_then_an_edge_else_not_at_all() {
        let atlas = atlas(0);
        let d = draft(&atlas);
        let ctx = Context::new(&atlas, "610522001001").unwrap();
        let s = Snapper::new(&d, &ctx, &[A]).unwrap();
        // 1 m east of B's corner (0.00001° of longitude is about 0.9 m here): the corner itself.
        let corner = Coord { x: X0 + D / 2.0, y: Y0 + D };
        assert_eq!(s.snap(Coord { x: corner.x + 0.00001, y: corner.y }, 3.0).unwrap(), Snap::Vertex(corner));
        // 1 m off the middle of B's west edge: onto the edge, exactly on x = X0 + D/2.
        let near_edge = Coord { x: X0 + D / 2.0 - 0.00001, y: Y0 + D / 2.0 };
        match s.snap(near_edge, 3.0).unwrap() {
            Snap::Edge { at, .. } => assert!((at.x - (X0 + D / 2.0)).abs() < 1e-12 && (at.y - near_edge.y).abs() < 1e-9),
            other => panic!("{other:?}"),
        }
        // 50 m away from anything: left where it is.
        let free = Coord { x: X0 + 0.002, y: Y0 + 0.003 };
        assert_eq!(s.snap(free, 3.0).unwrap(), Snap::Free(free));
    }

    #[test]
    fn a_point_on_a_shared_edge_goes_into_the_neighbour_too() {
        let atlas = atlas(0);
        let mut d = draft(&atlas);
        let (a, b) = (Coord { x: X0 + D / 2.0, y: Y0 }, Coord { x: X0 + D / 2.0, y: Y0 + D });
        let at = Coord { x: X0 + D / 2.0, y: Y0 + 0.003 };
        let changed = insert_on_edge(&mut d, at, a, b, &[]);
        assert_eq!(changed, vec![A.to_string(), B.to_string()]);
        assert!(d.grids[A].geometry.0[0].exterior().0.contains(&at));
        assert!(d.grids[B].geometry.0[0].exterior().0.contains(&at));
    }
}
