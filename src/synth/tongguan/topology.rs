//! From labelled pixels to shared lines: every boundary between two atoms (a pixel's (grid, village) pair) is
//! traced once as an arc between nodes, smoothed once, and reused by every layer on either side of it.
//!
//! Nodes are pixel corners where three or more atoms (or the outside) meet. Arcs along the county edge are
//! replaced by the real county boundary between the nodes snapped onto it, so the outer edges of towns,
//! communities, villages and grids are the county boundary itself. A polygon of any layer is then the chain
//! of the arcs whose two sides differ at that layer: neighbours share edges vertex for vertex by construction.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon, Simplify};
use rstar::{AABB, RTree, primitives::GeomWithData};

use super::raster::{NONE, Raster};
use super::territory::{GRID, Territory, VILL};

/// The outside of the county, as an atom id.
pub const OUTSIDE: u32 = u32::MAX;

/// One traced boundary line.
#[derive(Clone, Debug)]
pub struct Arc {
    /// Metres; the first and last points are the start and end nodes.
    pub pts: Vec<Coord<f64>>,
    pub start: usize,
    pub end: usize,
    /// Atom on the left (walking from start to end) and on the right; OUTSIDE beyond the county.
    pub left: u32,
    pub right: u32,
    /// Whether this arc is a piece of the real county boundary.
    pub county_edge: bool,
}

/// The arcs of the county and the atoms they separate.
pub struct Topology {
    /// Atom id -> (grid, village) indexes.
    pub atoms: Vec<(u16, u16)>,
    /// Per pixel atom id (OUTSIDE beyond the county).
    pub atom_of_pixel: Vec<u32>,
    pub nodes: Vec<Coord<f64>>,
    pub arcs: Vec<Arc>,
}

/// Traces, snaps to the county boundary and smooths (see [`smooth`]).
pub fn build(t: &Territory, window: usize, simplify_m: f64) -> Result<Topology> {
    let r = &t.raster;
    let mut ids: BTreeMap<(u16, u16), u32> = BTreeMap::new();
    for k in 0..r.len() {
        let g = t.levels[GRID][k];
        if g != NONE {
            let n = ids.len() as u32;
            ids.entry((g, t.levels[VILL][k])).or_insert(n);
        }
    }
    // Atom ids in (grid, village) order, so they do not depend on pixel scan order details.
    let atoms: Vec<(u16, u16)> = ids.keys().copied().collect();
    for (i, key) in atoms.iter().enumerate() {
        ids.insert(*key, i as u32);
    }
    let atom_of_pixel: Vec<u32> = (0..r.len())
        .map(|k| {
            let g = t.levels[GRID][k];
            if g == NONE { OUTSIDE } else { ids[&(g, t.levels[VILL][k])] }
        })
        .collect();

    let (mut nodes, mut arcs) = trace(r, &atom_of_pixel);
    let raw_count = arcs.len();
    snap_county_edge(&t.county_ring_m, &mut nodes, &mut arcs)?;
    let raw: Vec<Vec<Coord<f64>>> = arcs.iter().map(|a| a.pts.clone()).collect();
    for a in arcs.iter_mut().filter(|a| !a.county_edge) {
        a.pts = smooth(&a.pts, window, simplify_m);
    }
    // Where smoothing made two lines cross (narrow necks), those arcs go back to their traced form.
    for round in 0..4 {
        let bad = crossing_arcs(&arcs);
        if bad.is_empty() {
            break;
        }
        tracing::debug!(round, arcs = bad.len(), "arcs reverted to their traced form");
        for i in bad {
            if arcs[i].county_edge || arcs[i].pts == raw[i] {
                bail!("arc {i} crosses another line even in its traced form");
            }
            arcs[i].pts = raw[i].clone();
        }
    }
    let still = crossing_arcs(&arcs);
    if !still.is_empty() {
        bail!("{} arcs still cross after reverting", still.len());
    }
    tracing::debug!(atoms = atoms.len(), arcs = arcs.len(), traced = raw_count, nodes = nodes.len(), "topology");
    Ok(Topology { atoms, atom_of_pixel, nodes, arcs })
}

/// Walks the pixel-edge graph. Returns node coordinates and arcs (raster corners, collinear points dropped).
fn trace(r: &Raster, atom: &[u32]) -> (Vec<Coord<f64>>, Vec<Arc>) {
    let (w, h) = (r.w, r.h);
    let lab = |i: isize, j: isize| -> u32 {
        if i < 0 || j < 0 || i as usize >= w || j as usize >= h { OUTSIDE } else { atom[j as usize * w + i as usize] }
    };
    // Horizontal edge (i, j): corner (i, j) -> (i+1, j), between pixel (i, j-1) below and (i, j) above.
    let hb = |i: usize, j: usize| lab(i as isize, j as isize - 1) != lab(i as isize, j as isize);
    // Vertical edge (i, j): corner (i, j) -> (i, j+1), between pixel (i-1, j) left and (i, j) right.
    let vb = |i: usize, j: usize| lab(i as isize - 1, j as isize) != lab(i as isize, j as isize);
    let cw = w + 1;
    let corner = |i: usize, j: usize| j * cw + i;
    // The boundary edges at a corner: (direction, edge) with direction 0=E, 1=N, 2=W, 3=S.
    let edges_at = |i: usize, j: usize| -> Vec<u8> {
        let mut v = Vec::with_capacity(4);
        if i < w && hb(i, j) {
            v.push(0);
        }
        if j < h && vb(i, j) {
            v.push(1);
        }
        if i > 0 && hb(i - 1, j) {
            v.push(2);
        }
        if j > 0 && vb(i, j - 1) {
            v.push(3);
        }
        v
    };
    let mut node_id = vec![usize::MAX; cw * (h + 1)];
    let mut nodes = Vec::new();
    for j in 0..=h {
        for i in 0..=w {
            if edges_at(i, j).len() >= 3 {
                node_id[corner(i, j)] = nodes.len();
                nodes.push(r.corner(i, j));
            }
        }
    }
    let mut h_seen = vec![false; (w + 1) * (h + 1)];
    let mut v_seen = vec![false; (w + 1) * (h + 1)];
    let mut arcs = Vec::new();
    // Walks from corner (i, j) leaving in direction `dir`; stops at a node or back at `stop`.
    let walk = |i0: usize,
                j0: usize,
                dir0: u8,
                h_seen: &mut Vec<bool>,
                v_seen: &mut Vec<bool>|
     -> (Vec<(usize, usize)>, u32, u32) {
        let (left, right) = match dir0 {
            0 => (lab(i0 as isize, j0 as isize), lab(i0 as isize, j0 as isize - 1)),
            2 => (lab(i0 as isize - 1, j0 as isize - 1), lab(i0 as isize - 1, j0 as isize)),
            1 => (lab(i0 as isize - 1, j0 as isize), lab(i0 as isize, j0 as isize)),
            _ => (lab(i0 as isize, j0 as isize - 1), lab(i0 as isize - 1, j0 as isize - 1)),
        };
        let mut path = vec![(i0, j0)];
        let (mut i, mut j, mut dir) = (i0, j0, dir0);
        loop {
            // Mark and step.
            match dir {
                0 => {
                    h_seen[corner(i, j)] = true;
                    i += 1;
                }
                2 => {
                    h_seen[corner(i - 1, j)] = true;
                    i -= 1;
                }
                1 => {
                    v_seen[corner(i, j)] = true;
                    j += 1;
                }
                _ => {
                    v_seen[corner(i, j - 1)] = true;
                    j -= 1;
                }
            }
            path.push((i, j));
            if node_id[corner(i, j)] != usize::MAX || (i, j) == (i0, j0) {
                break;
            }
            let back = (dir + 2) % 4;
            let es = edges_at(i, j);
            debug_assert_eq!(es.len(), 2);
            dir = *es.iter().find(|&&d| d != back).expect("a boundary passes through");
        }
        (path, left, right)
    };
    let seen = |i: usize, j: usize, d: u8, h_seen: &Vec<bool>, v_seen: &Vec<bool>| match d {
        0 => h_seen[corner(i, j)],
        2 => h_seen[corner(i - 1, j)],
        1 => v_seen[corner(i, j)],
        _ => v_seen[corner(i, j - 1)],
    };
    let to_pts = |path: &[(usize, usize)]| -> Vec<Coord<f64>> {
        let mut pts: Vec<Coord<f64>> = Vec::new();
        for (n, &(i, j)) in path.iter().enumerate() {
            // Keep corners of the path only (and both ends).
            if n > 0 && n + 1 < path.len() {
                let (a, b) = (path[n - 1], path[n + 1]);
                let straight = (a.0 == i && b.0 == i) || (a.1 == j && b.1 == j);
                if straight {
                    continue;
                }
            }
            pts.push(r.corner(i, j));
        }
        pts
    };
    let node_list: Vec<(usize, usize)> = (0..=h)
        .flat_map(|j| (0..=w).map(move |i| (i, j)))
        .filter(|&(i, j)| node_id[corner(i, j)] != usize::MAX)
        .collect();
    for &(i, j) in &node_list {
        for d in edges_at(i, j) {
            if seen(i, j, d, &h_seen, &v_seen) {
                continue;
            }
            let (path, left, right) = walk(i, j, d, &mut h_seen, &mut v_seen);
            let (a, b) = (path[0], *path.last().unwrap());
            arcs.push(Arc {
                pts: to_pts(&path),
                start: node_id[corner(a.0, a.1)],
                end: node_id[corner(b.0, b.1)],
                left,
                right,
                county_edge: false,
            });
        }
    }
    // Closed loops with no node: an atom wholly inside another. A pseudo-node opens the loop.
    for j in 0..=h {
        for i in 0..=w {
            for d in [0u8, 1] {
                let exists = (d == 0 && i < w && hb(i, j)) || (d == 1 && j < h && vb(i, j));
                if !exists || seen(i, j, d, &h_seen, &v_seen) {
                    continue;
                }
                let n = nodes.len();
                nodes.push(r.corner(i, j));
                let (path, left, right) = walk(i, j, d, &mut h_seen, &mut v_seen);
                arcs.push(Arc { pts: to_pts(&path), start: n, end: n, left, right, county_edge: false });
            }
        }
    }
    (nodes, arcs)
}

/// Moves the nodes on the county edge onto the real boundary and replaces the traced outline between them
/// by the real boundary's own vertices.
fn snap_county_edge(ring: &LineString<f64>, nodes: &mut [Coord<f64>], arcs: &mut [Arc]) -> Result<()> {
    // The outline arcs, atom on the left (counter-clockwise around the county), chained node to node.
    let mut out_arcs: BTreeMap<usize, usize> = BTreeMap::new();
    for (ai, a) in arcs.iter_mut().enumerate() {
        if a.left == OUTSIDE || a.right == OUTSIDE {
            if a.left == OUTSIDE {
                a.pts.reverse();
                std::mem::swap(&mut a.start, &mut a.end);
                std::mem::swap(&mut a.left, &mut a.right);
            }
            if out_arcs.insert(a.start, ai).is_some() {
                bail!("the county outline passes node {} twice", a.start);
            }
        }
    }
    let Some((&first, _)) = out_arcs.iter().next() else { bail!("no node on the county outline") };
    let mut order = vec![first];
    loop {
        let a = &arcs[out_arcs[order.last().unwrap()]];
        if a.end == first {
            break;
        }
        order.push(a.end);
        if order.len() > out_arcs.len() {
            bail!("the county outline does not close");
        }
    }
    if order.len() != out_arcs.len() {
        bail!("the county outline is in more than one piece");
    }

    // Parameterise the real ring by length.
    let pts = &ring.0;
    let n = pts.len() - 1;
    let mut cum = vec![0.0; n + 1];
    for s in 0..n {
        cum[s + 1] = cum[s] + dist(pts[s], pts[s + 1]);
    }
    let perimeter = cum[n];
    let project_on = |p: Coord<f64>, s: usize| -> (f64, Coord<f64>) {
        let (a, b) = (pts[s], pts[s + 1]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 { (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
        let q = Coord { x: a.x + t * dx, y: a.y + t * dy };
        (cum[s] + t * (cum[s + 1] - cum[s]), q)
    };
    // Each node in outline order, searched forward from the previous one (so the order is kept).
    let mut params: Vec<(f64, Coord<f64>)> = Vec::new();
    for (k, &node) in order.iter().enumerate() {
        let p = nodes[node];
        let mut best: Option<(f64, f64, Coord<f64>)> = None;
        for s in 0..n {
            let (param, q) = project_on(p, s);
            if k > 0 {
                let prev = params[k - 1].0;
                let ahead = (param - prev).rem_euclid(perimeter);
                if ahead <= 0.0 || ahead > perimeter / 3.0 {
                    continue;
                }
            }
            let d = dist(p, q);
            if best.is_none_or(|b| d < b.0) {
                best = Some((d, param, q));
            }
        }
        let Some((d, mut param, mut q)) = best else { bail!("node {node} cannot be placed on the county boundary") };
        if d > 30.0 {
            bail!("node {node} is {d:.1} m from the county boundary");
        }
        // Reuse a real vertex within half a metre rather than making a near-duplicate.
        let s = cum.partition_point(|&c| c <= param).saturating_sub(1).min(n - 1);
        for v in [s, s + 1] {
            if dist(pts[v], q) < 0.5 {
                q = pts[v];
                param = cum[v];
            }
        }
        params.push((param % perimeter, q));
    }
    for k in 0..params.len() {
        let next = params[(k + 1) % params.len()].0;
        if k + 1 < params.len() && (next - params[k].0).rem_euclid(perimeter) < 0.05 {
            bail!("two county nodes snap to the same point");
        }
    }
    for (k, &node) in order.iter().enumerate() {
        nodes[node] = params[k].1;
    }
    // Replace each outline arc by the real boundary from its start node to its end node.
    for (k, &node) in order.iter().enumerate() {
        let (p0, q0) = params[k];
        let (p1, q1) = params[(k + 1) % params.len()];
        let mut piece = vec![q0];
        let span = (p1 - p0).rem_euclid(perimeter);
        let span = if span == 0.0 { perimeter } else { span };
        // Ring vertices strictly between the two params, walking forward.
        let first_v = cum.partition_point(|&c| c <= p0);
        let mut v = first_v;
        loop {
            let vi = v % n;
            let ahead = (cum[vi] - p0).rem_euclid(perimeter);
            if ahead == 0.0 || ahead >= span {
                if v > first_v + n {
                    break;
                }
                if ahead >= span {
                    break;
                }
            } else {
                piece.push(pts[vi]);
            }
            v += 1;
        }
        piece.push(q1);
        piece.dedup();
        let ai = out_arcs[&node];
        arcs[ai].pts = piece;
        arcs[ai].county_edge = true;
    }
    // Interior arcs meeting the edge: their end moves to the snapped node; traced corners that now fall
    // outside the real boundary, or within a metre of it, are dropped.
    let county = Polygon::new(ring.clone(), vec![]);
    let near_or_outside = |p: Coord<f64>| {
        if !county.contains(&Point(p)) {
            return true;
        }
        (0..n).any(|s| dist(project_on(p, s).1, p) < 1.0)
    };
    let on_edge: std::collections::BTreeSet<usize> = order.iter().copied().collect();
    for a in arcs.iter_mut().filter(|a| !a.county_edge) {
        if on_edge.contains(&a.start) {
            a.pts[0] = nodes[a.start];
            while a.pts.len() > 2 && near_or_outside(a.pts[1]) {
                a.pts.remove(1);
            }
        }
        if on_edge.contains(&a.end) {
            let last = a.pts.len() - 1;
            a.pts[last] = nodes[a.end];
            while a.pts.len() > 2 && near_or_outside(a.pts[a.pts.len() - 2]) {
                let l = a.pts.len();
                a.pts.remove(l - 2);
            }
        }
    }
    Ok(())
}

fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// The polyline with points added so that no step is longer than `step_m` (its own vertices all kept, so
/// the result runs exactly along it).
pub fn resample(pts: &[Coord<f64>], step_m: f64) -> Vec<Coord<f64>> {
    let mut out = vec![pts[0]];
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let n = (dist(a, b) / step_m).ceil().max(1.0) as usize;
        for i in 1..n {
            let t = i as f64 / n as f64;
            out.push(Coord { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) });
        }
        out.push(b);
    }
    out
}

/// Smoothing a traced staircase into a line that wanders: resample every 5 m, a moving average whose
/// window narrows towards the ends (so the end nodes stay put and neighbouring arcs still meet there), a
/// Chaikin pass, then Douglas-Peucker. `window` is the half-width of the average in samples.
pub fn smooth(pts: &[Coord<f64>], window: usize, simplify_m: f64) -> Vec<Coord<f64>> {
    let mut p = resample(pts, 5.0);
    let n = p.len();
    if n > 2 && window > 0 {
        let src = p.clone();
        for (i, q) in p.iter_mut().enumerate().take(n - 1).skip(1) {
            let w = window.min(i).min(n - 1 - i);
            let (mut sx, mut sy) = (0.0, 0.0);
            for s in &src[i - w..=i + w] {
                sx += s.x;
                sy += s.y;
            }
            let k = (2 * w + 1) as f64;
            *q = Coord { x: sx / k, y: sy / k };
        }
    }
    if p.len() > 2 {
        let mut q = Vec::with_capacity(p.len() * 2);
        q.push(p[0]);
        let last = p.len() - 2;
        for s in 0..=last {
            let (a, b) = (p[s], p[s + 1]);
            if s > 0 {
                q.push(Coord { x: 0.75 * a.x + 0.25 * b.x, y: 0.75 * a.y + 0.25 * b.y });
            }
            if s < last {
                q.push(Coord { x: 0.25 * a.x + 0.75 * b.x, y: 0.25 * a.y + 0.75 * b.y });
            }
        }
        q.push(p[p.len() - 1]);
        p = q;
    }
    if simplify_m > 0.0 && p.len() > 2 {
        let closed = p[0] == p[p.len() - 1];
        if closed {
            // Douglas-Peucker needs a chord: split a closed loop at its far point and simplify both halves.
            let far = (1..p.len() - 1).max_by(|&a, &b| dist(p[0], p[a]).total_cmp(&dist(p[0], p[b]))).unwrap_or(1);
            let a = LineString(p[..=far].to_vec()).simplify(simplify_m);
            let b = LineString(p[far..].to_vec()).simplify(simplify_m);
            let mut out = a.0;
            out.extend_from_slice(&b.0[1..]);
            return out;
        }
        return LineString(p).simplify(simplify_m).0;
    }
    p
}

/// Arcs that cross another arc, or themselves, other than at shared nodes.
pub fn crossing_arcs(arcs: &[Arc]) -> Vec<usize> {
    type Seg = GeomWithData<rstar::primitives::Line<[f64; 2]>, (usize, usize)>;
    let mut segs: Vec<Seg> = Vec::new();
    for (ai, a) in arcs.iter().enumerate() {
        for s in 0..a.pts.len() - 1 {
            let (p, q) = (a.pts[s], a.pts[s + 1]);
            segs.push(GeomWithData::new(rstar::primitives::Line::new([p.x, p.y], [q.x, q.y]), (ai, s)));
        }
    }
    let tree = RTree::bulk_load(segs.clone());
    // A point where two segments may meet: the joint of consecutive segments, or an arc's end (a node).
    let at_end = |ai: usize, si: usize, pt: Coord<f64>| {
        let pts = &arcs[ai].pts;
        (si == 0 && pt == pts[0]) || (si + 2 == pts.len() && pt == pts[pts.len() - 1])
    };
    let mut bad = std::collections::BTreeSet::new();
    for sg in &segs {
        let (ai, si) = sg.data;
        let (p, q) = (arcs[ai].pts[si], arcs[ai].pts[si + 1]);
        let env = AABB::from_corners([p.x.min(q.x), p.y.min(q.y)], [p.x.max(q.x), p.y.max(q.y)]);
        for other in tree.locate_in_envelope_intersecting(&env) {
            let (bj, sj) = other.data;
            if (bj, sj) <= (ai, si) {
                continue;
            }
            let (r0, r1) = (arcs[bj].pts[sj], arcs[bj].pts[sj + 1]);
            use geo::line_intersection::{LineIntersection, line_intersection};
            let conflict = match line_intersection(geo::Line::new(p, q), geo::Line::new(r0, r1)) {
                None => false,
                Some(LineIntersection::Collinear { intersection }) => intersection.start != intersection.end,
                Some(LineIntersection::SinglePoint { intersection: x, .. }) => {
                    let joint = ai == bj && (sj == si + 1) && x == q;
                    !(joint || (at_end(ai, si, x) && at_end(bj, sj, x)))
                }
            };
            if conflict {
                bad.insert(ai);
                bad.insert(bj);
            }
        }
    }
    bad.into_iter().collect()
}

/// Which arcs bound a label at one level, and polygons from them.
///
/// `label_of(atom)` gives the atom's label at the level (OUTSIDE maps to OUTSIDE). `coords[arc]` are the
/// arc's points in the output space; `overrides[(arc, label)]` replaces an arc's points for one label only
/// (same end points): how planted slivers, overlaps and blind spots are drawn.
pub fn polygons(
    topo: &Topology,
    coords: &[Vec<Coord<f64>>],
    label_of: impl Fn(u32) -> u32,
    overrides: &BTreeMap<(usize, u32), Vec<Coord<f64>>>,
) -> Result<BTreeMap<u32, MultiPolygon<f64>>> {
    // Directed arcs per label: (arc, reversed).
    let mut by_label: BTreeMap<u32, Vec<(usize, bool)>> = BTreeMap::new();
    for (ai, a) in topo.arcs.iter().enumerate() {
        let (l, r) = (label_of(a.left), label_of(a.right));
        if l == r {
            continue;
        }
        if l != OUTSIDE {
            by_label.entry(l).or_default().push((ai, false));
        }
        if r != OUTSIDE {
            by_label.entry(r).or_default().push((ai, true));
        }
    }
    let mut out = BTreeMap::new();
    for (label, darcs) in by_label {
        let ends = |&(ai, rev): &(usize, bool)| {
            let a = &topo.arcs[ai];
            if rev { (a.end, a.start) } else { (a.start, a.end) }
        };
        let mut from: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, d) in darcs.iter().enumerate() {
            from.entry(ends(d).0).or_default().push(i);
        }
        let mut used = vec![false; darcs.len()];
        let mut rings: Vec<LineString<f64>> = Vec::new();
        for start in 0..darcs.len() {
            if used[start] {
                continue;
            }
            let mut ring: Vec<Coord<f64>> = Vec::new();
            let mut cur = start;
            let first_node = ends(&darcs[start]).0;
            loop {
                used[cur] = true;
                let (ai, rev) = darcs[cur];
                let mut pts = overrides.get(&(ai, label)).unwrap_or(&coords[ai]).clone();
                if rev {
                    pts.reverse();
                }
                if ring.is_empty() {
                    ring.extend(pts);
                } else {
                    ring.extend_from_slice(&pts[1..]);
                }
                let end = ends(&darcs[cur]).1;
                if end == first_node {
                    break;
                }
                let nexts: Vec<usize> =
                    from.get(&end).map(|v| v.iter().copied().filter(|&i| !used[i]).collect()).unwrap_or_default();
                match nexts.as_slice() {
                    [one] => cur = *one,
                    [] => bail!("the boundary of label {label} does not close at node {end}"),
                    _ => bail!("the boundary of label {label} passes node {end} more than once"),
                }
            }
            ring.dedup();
            rings.push(LineString(ring));
        }
        let mut exteriors: Vec<(LineString<f64>, Vec<LineString<f64>>)> = Vec::new();
        let mut holes = Vec::new();
        for r in rings {
            if signed_area(&r.0) > 0.0 { exteriors.push((r, Vec::new())) } else { holes.push(r) }
        }
        for hole in holes {
            let p = hole.0[0];
            let host = exteriors
                .iter()
                .position(|(e, _)| Polygon::new(e.clone(), vec![]).contains(&Point(p)) || e.0.contains(&p))
                .unwrap_or(0);
            match exteriors.get_mut(host) {
                Some(e) => e.1.push(hole),
                None => bail!("label {label} has a hole but no exterior"),
            }
        }
        out.insert(label, MultiPolygon(exteriors.into_iter().map(|(e, h)| Polygon::new(e, h)).collect()));
    }
    Ok(out)
}

/// Twice the signed area (positive: counter-clockwise) of a closed ring.
pub fn signed_area(pts: &[Coord<f64>]) -> f64 {
    pts.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum()
}
