//! Planted defects: where the merger and hand-digitising put them, each recorded so a checker can be tested
//! against the list.
//!
//! Line defects are drawn by letting one grid use its own, displaced copy of a shared arc over a stretch:
//! pulled back by a metre or so (a sliver: the digitiser missed the neighbour's line), pushed tens of metres
//! into the neighbour (an overlap: two grids both claim a lane), or pulled back on both sides of a community
//! line (a blind spot the merger left between two communities). Everything else keeps the shared arc.

use std::collections::BTreeMap;

use geo::{Coord, Intersects, LineString, Polygon};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::raster::edge_distance_m;
use super::territory::{COMM, GRID, Territory};
use super::topology::{OUTSIDE, Topology, resample};

/// A line defect, in metres.
#[derive(Clone, Debug)]
pub struct LineDefect {
    pub kind: LineKind,
    /// The arc it is drawn on.
    pub arc: usize,
    /// Grids involved (the one whose line moved first).
    pub grids: Vec<usize>,
    /// The area between the shared line and the displaced one(s): the gap or the doubly claimed strip.
    pub zone_m: Polygon<f64>,
    /// Widest point, metres.
    pub width_m: f64,
    pub length_m: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LineKind {
    Sliver,
    Overlap,
    BlindSpot,
}

impl LineKind {
    pub fn name(self) -> &'static str {
        match self {
            LineKind::Sliver => "sliver",
            LineKind::Overlap => "overlap",
            LineKind::BlindSpot => "blind_spot",
        }
    }
}

/// The planted line defects and the per-grid arc replacements that draw them.
pub struct LinePlan {
    pub defects: Vec<LineDefect>,
    /// (arc, grid) -> replacement points, metres, same end points as the arc.
    pub overrides: BTreeMap<(usize, u32), Vec<Coord<f64>>>,
}

/// How many of each, and how wide (metres).
const SLIVERS: usize = 3;
const SLIVER_WIDTH_M: f64 = 1.2;
const OVERLAPS: usize = 2;
const OVERLAP_WIDTH_M: f64 = 48.0;
const BLIND_SPOTS: usize = 2;
const BLIND_HALF_WIDTH_M: f64 = 32.0;
/// Length of the displaced stretch.
const STRETCH_M: f64 = 300.0;
/// Planted defects keep at least this far apart.
pub const SPACING_M: f64 = 2500.0;

/// Chooses arcs and draws the line defects. `avoid` are points other defects already use.
pub fn plan_lines(t: &Territory, topo: &Topology, rng: &mut ChaCha8Rng, avoid: &mut Vec<Coord<f64>>) -> LinePlan {
    let grid_of = |atom: u32| if atom == OUTSIDE { u32::MAX } else { u32::from(topo.atoms[atom as usize].0) };
    let edge = edge_distance_m(&t.raster, &t.levels[GRID]);
    let mut defects = Vec::new();
    let mut overrides = BTreeMap::new();
    let mut order: Vec<usize> = (0..topo.arcs.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.gen_range(0..=i);
        order.swap(i, j);
    }
    // Candidate stretches: about STRETCH_M in the middle of a long interior arc between two grids, from one
    // vertex of the arc to another, so that outside the stretch the moved copy keeps the arc's own vertices.
    let stretch = |ai: usize| -> Option<(Vec<Coord<f64>>, usize, usize)> {
        let a = &topo.arcs[ai];
        if a.county_edge || grid_of(a.left) == grid_of(a.right) || a.left == OUTSIDE || a.right == OUTSIDE {
            return None;
        }
        let mut cum = vec![0.0];
        for w in a.pts.windows(2) {
            cum.push(cum.last().unwrap() + dist(w[0], w[1]));
        }
        let len = *cum.last().unwrap();
        if len < STRETCH_M + 160.0 {
            return None;
        }
        let i0 = cum.partition_point(|&c| c < (len - STRETCH_M) / 2.0).saturating_sub(1).max(1);
        let i1 = cum.partition_point(|&c| c < cum[i0] + STRETCH_M);
        if i1 + 1 >= a.pts.len() || cum[i1] - cum[i0] < 0.6 * STRETCH_M || cum[i1] - cum[i0] > 2.0 * STRETCH_M {
            return None;
        }
        Some((resample(&a.pts[i0..=i1], 5.0), i0, i1))
    };
    // Every traced line's segments, to check that a moved stretch crosses none of them.
    type Seg = rstar::primitives::GeomWithData<rstar::primitives::Line<[f64; 2]>, (usize, usize)>;
    let segs: rstar::RTree<Seg> = rstar::RTree::bulk_load(
        topo.arcs
            .iter()
            .enumerate()
            .flat_map(|(ai, a)| {
                a.pts.windows(2).enumerate().map(move |(si, w)| {
                    Seg::new(rstar::primitives::Line::new([w[0].x, w[0].y], [w[1].x, w[1].y]), (ai, si))
                })
            })
            .collect(),
    );
    // Whether the moved section (ends excluded) meets any line other than the stretch it replaces.
    let crosses = |ai: usize, i0: usize, i1: usize, section: &[Coord<f64>]| -> bool {
        section.windows(2).enumerate().any(|(n, w)| {
            let (p, q) = (w[0], w[1]);
            let env = rstar::AABB::from_corners([p.x.min(q.x), p.y.min(q.y)], [p.x.max(q.x), p.y.max(q.y)]);
            segs.locate_in_envelope_intersecting(&env).any(|o| {
                let (bj, sj) = o.data;
                if bj == ai && sj >= i0 && sj < i1 {
                    return false;
                }
                let a = &topo.arcs[bj].pts;
                match geo::line_intersection::line_intersection(geo::Line::new(p, q), geo::Line::new(a[sj], a[sj + 1]))
                {
                    None => false,
                    // The section's own ends are the arc's vertices i0 and i1, where it meets the arc.
                    Some(_) if (n == 0 || n + 2 == section.len()) && bj == ai => false,
                    Some(_) => true,
                }
            })
        })
    };
    // Whether a polyline touches itself anywhere but at the joints of consecutive segments.
    let tangled = |pts: &[Coord<f64>]| -> bool {
        let n = pts.len();
        (0..n - 1).any(|i| {
            (i + 2..n - 1).any(|j| {
                let closing = i == 0 && j + 2 == n && pts[0] == pts[n - 1];
                !closing
                    && geo::line_intersection::line_intersection(
                        geo::Line::new(pts[i], pts[i + 1]),
                        geo::Line::new(pts[j], pts[j + 1]),
                    )
                    .is_some()
            })
        })
    };
    // The arc with its stretch replaced by `section` (whose ends are the arc's vertices i0 and i1).
    let splice = |ai: usize, i0: usize, i1: usize, section: &[Coord<f64>]| -> Vec<Coord<f64>> {
        let pts = &topo.arcs[ai].pts;
        let mut out = pts[..i0].to_vec();
        out.extend_from_slice(section);
        out.extend_from_slice(&pts[i1 + 1..]);
        out
    };
    let far_from = |p: Coord<f64>, avoid: &[Coord<f64>], spacing: f64| avoid.iter().all(|q| dist(p, *q) > spacing);
    // A displaced stretch is safe when every probe (the stretch displaced further, by a margin) lies in the
    // grid it moves into, at least as far from that grid's lines as from the shared arc it left.
    let fits = |base: &[Coord<f64>], probe: &[Coord<f64>], grid: u32| {
        base.iter().zip(probe).all(|(&b, &p)| {
            let moved = dist(b, p);
            // Near the ends of the stretch the probe is still on the shared line, where the traced pixels
            // may fall either side of the smoothed line.
            if moved < 2.0 * t.raster.px_m {
                return true;
            }
            t.raster.pixel_at(p).is_some_and(|k| {
                u32::from(t.levels[GRID][k]) == grid && f64::from(edge[k]) >= 0.6 * moved - t.raster.px_m
            })
        })
    };
    for kind in [LineKind::BlindSpot, LineKind::Overlap, LineKind::Sliver] {
        let want = match kind {
            LineKind::Sliver => SLIVERS,
            LineKind::Overlap => OVERLAPS,
            LineKind::BlindSpot => BLIND_SPOTS,
        };
        let mut got = 0;
        let mut why: BTreeMap<&str, usize> = BTreeMap::new();
        // Overlaps are tried where most people live first (the strip should hold a lane).
        let mut tries = order.clone();
        if kind == LineKind::Overlap {
            let dens = |ai: usize| {
                let a = &topo.arcs[ai];
                t.raster.pixel_at(a.pts[a.pts.len() / 2]).map_or(0.0, |k| t.density[k])
            };
            tries.sort_by(|&a, &b| dens(b).total_cmp(&dens(a)));
        }
        // Far apart if possible; closer when the county has no room left.
        let attempts: Vec<(f64, usize)> =
            [SPACING_M, SPACING_M * 0.6].iter().flat_map(|&sp| tries.iter().map(move |&ai| (sp, ai))).collect();
        for &(spacing, ai) in &attempts {
            if got == want {
                break;
            }
            let Some((dense, i0, i1)) = stretch(ai) else {
                *why.entry("no stretch").or_default() += 1;
                continue;
            };
            let (s0, s1) = (0, dense.len() - 1);
            let a = &topo.arcs[ai];
            let (gl, gr) = (grid_of(a.left), grid_of(a.right));
            let (cl, cr) = (t.grids[gl as usize].comm, t.grids[gr as usize].comm);
            let between_communities = cl != cr;
            match kind {
                LineKind::BlindSpot if !between_communities => continue,
                LineKind::Overlap | LineKind::Sliver if between_communities => continue,
                _ => {}
            }
            let mid = dense[(s0 + s1) / 2];
            if !far_from(mid, avoid, spacing) {
                *why.entry("too near another").or_default() += 1;
                continue;
            }
            // Overlaps go where people live: the strip holds a lane both grids claim.
            if kind == LineKind::Overlap {
                let k = t.raster.pixel_at(mid).unwrap_or(0);
                if t.density[k] < 1e-4 || t.comms[t.levels[COMM][k] as usize].urban {
                    *why.entry("nobody lives there").or_default() += 1;
                    continue;
                }
            }
            let side = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
            // +1 displaces to the left of the arc (into the left grid), -1 to the right.
            let (mover, other) = if side > 0.0 { (gr, gl) } else { (gl, gr) };
            match kind {
                LineKind::Sliver => {
                    // The mover's line pulls back into the mover by a metre: a gap between two grids.
                    let moved = displace(&dense, s0, s1, -side * SLIVER_WIDTH_M);
                    let probe = displace(&dense, s0, s1, -side * (SLIVER_WIDTH_M + 30.0));
                    if !fits(&dense, &probe, mover) {
                        *why.entry("no room").or_default() += 1;
                        continue;
                    }
                    if crosses(ai, i0, i1, &moved) || tangled(&splice(ai, i0, i1, &moved)) {
                        *why.entry("crosses a line").or_default() += 1;
                        continue;
                    }
                    let zone = lens(&dense[s0..=s1], &moved[s0..=s1]);
                    overrides.insert((ai, mover), splice(ai, i0, i1, &moved));
                    defects.push(line(kind, ai, vec![mover, other], zone, SLIVER_WIDTH_M));
                }
                LineKind::Overlap => {
                    // The mover's line pushes into the other grid: a strip both claim.
                    let moved = displace(&dense, s0, s1, side * OVERLAP_WIDTH_M);
                    let probe = displace(&dense, s0, s1, side * (OVERLAP_WIDTH_M + 40.0));
                    if !fits(&dense, &probe, other) {
                        *why.entry("no room").or_default() += 1;
                        continue;
                    }
                    if crosses(ai, i0, i1, &moved) || tangled(&splice(ai, i0, i1, &moved)) {
                        *why.entry("crosses a line").or_default() += 1;
                        continue;
                    }
                    let zone = lens(&dense[s0..=s1], &moved[s0..=s1]);
                    overrides.insert((ai, mover), splice(ai, i0, i1, &moved));
                    defects.push(line(kind, ai, vec![mover, other], zone, OVERLAP_WIDTH_M));
                }
                LineKind::BlindSpot => {
                    // Both lines pull back from the community line: land neither community's grids cover.
                    let to_left = displace(&dense, s0, s1, BLIND_HALF_WIDTH_M);
                    let to_right = displace(&dense, s0, s1, -BLIND_HALF_WIDTH_M);
                    let pl = displace(&dense, s0, s1, BLIND_HALF_WIDTH_M + 40.0);
                    let pr = displace(&dense, s0, s1, -(BLIND_HALF_WIDTH_M + 40.0));
                    if !fits(&dense, &pl, gl) || !fits(&dense, &pr, gr) {
                        *why.entry("no room").or_default() += 1;
                        continue;
                    }
                    if crosses(ai, i0, i1, &to_left)
                        || crosses(ai, i0, i1, &to_right)
                        || tangled(&splice(ai, i0, i1, &to_left))
                        || tangled(&splice(ai, i0, i1, &to_right))
                    {
                        *why.entry("crosses a line").or_default() += 1;
                        continue;
                    }
                    // The left grid's line moves left into it, the right grid's line right into it.
                    let zone = lens(&to_right[s0..=s1], &to_left[s0..=s1]);
                    overrides.insert((ai, gl), splice(ai, i0, i1, &to_left));
                    overrides.insert((ai, gr), splice(ai, i0, i1, &to_right));
                    defects.push(line(kind, ai, vec![gl, gr], zone, 2.0 * BLIND_HALF_WIDTH_M));
                }
            }
            avoid.push(mid);
            got += 1;
        }
        if got < want {
            tracing::warn!(kind = kind.name(), got, want, ?why, "fewer line defects than planned");
        }
    }
    LinePlan { defects, overrides }
}

fn zone_len(p: &Polygon<f64>) -> f64 {
    use geo::{Euclidean, Length};
    Euclidean.length(p.exterior()) / 2.0
}

fn line(kind: LineKind, arc: usize, grids: Vec<u32>, zone_m: Polygon<f64>, width_m: f64) -> LineDefect {
    LineDefect {
        kind,
        arc,
        grids: grids.into_iter().map(|g| g as usize).collect(),
        length_m: zone_len(&zone_m),
        zone_m,
        width_m,
    }
}

/// The polygon between two polylines with the same ends.
fn lens(a: &[Coord<f64>], b: &[Coord<f64>]) -> Polygon<f64> {
    let mut ring: Vec<Coord<f64>> = a.to_vec();
    ring.extend(b.iter().rev().skip(1));
    let mut p = Polygon::new(LineString(ring), vec![]);
    use geo::orient::{Direction, Orient};
    p = p.orient(Direction::Default);
    p
}

/// `pts` with points s0..=s1 moved sideways (positive: to the left of the walking direction) by up to
/// `d` metres, tapering smoothly to zero at both ends of the stretch.
pub fn displace(pts: &[Coord<f64>], s0: usize, s1: usize, d: f64) -> Vec<Coord<f64>> {
    let mut out = pts.to_vec();
    for i in s0 + 1..s1 {
        // The normal from points 20 m either side: a corner of the line does not kink the moved copy.
        let (a, b) = (pts[i.saturating_sub(4).max(s0)], pts[(i + 4).min(s1)]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt();
        if len == 0.0 {
            continue;
        }
        let (nx, ny) = (-dy / len, dx / len);
        let t = (i - s0) as f64 / (s1 - s0) as f64;
        let w = (std::f64::consts::PI * t).sin().powi(2);
        out[i] = Coord { x: pts[i].x + nx * d * w, y: pts[i].y + ny * d * w };
    }
    out
}

fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// Whether a unit or courtyard footprint touches a defect zone (kept clear except where planted).
pub fn touches_zone(defects: &[LineDefect], footprint: &Polygon<f64>, pad_m: f64) -> bool {
    use geo::BoundingRect;
    let Some(fb) = footprint.bounding_rect() else { return false };
    defects.iter().any(|d| {
        let Some(zb) = d.zone_m.bounding_rect() else { return false };
        let apart = fb.max().x + pad_m < zb.min().x
            || zb.max().x + pad_m < fb.min().x
            || fb.max().y + pad_m < zb.min().y
            || zb.max().y + pad_m < fb.min().y;
        if apart {
            return false;
        }
        use geo::Distance;
        footprint.intersects(&d.zone_m) || geo::Euclidean.distance(footprint, &d.zone_m) < pad_m
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displacement_tapers_to_the_ends() {
        let line: Vec<Coord<f64>> = (0..=20).map(|i| Coord { x: i as f64 * 10.0, y: 0.0 }).collect();
        let moved = displace(&line, 5, 15, 2.0);
        assert_eq!(moved[5], line[5]);
        assert_eq!(moved[15], line[15]);
        assert!((moved[10].y - 2.0).abs() < 1e-9, "to the left of an eastward line is north");
        assert!(moved[7].y > 0.0 && moved[7].y < 2.0);
        let r = resample(&line, 7.0);
        assert_eq!(r.first(), line.first());
        assert_eq!(r.last(), line.last());
    }
}
