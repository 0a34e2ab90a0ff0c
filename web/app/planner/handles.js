// The handles a zoom can show. A grid traced from a survey has hundreds of vertices; drawn at a community's zoom
// their handles lie on top of each other and a drag catches the wrong one. terra-draw is given the outline
// thinned in screen pixels (Douglas–Peucker: the vertices that still shape the outline at this zoom); an edit
// of the thinned outline is then applied to the whole one, so the vertices the planner could not see are kept
// as they were. Zooming in shows more of them.
//
// Written here rather than vendored: the simplification is twenty lines, the mapping of an edit back is ours.

/** How far (pixels) a hidden vertex may lie from the thinned outline. */
export const TOLERANCE_PX = 4;

const dist2 = (a, b) => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;

function segDist2(p, a, b) {
  const l2 = dist2(a, b);
  if (l2 === 0) return dist2(p, a);
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * (b[0] - a[0]) + (p[1] - a[1]) * (b[1] - a[1])) / l2));
  return dist2(p, [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
}

/**
 * The indices of the vertices of a closed `ring` (last = first) to show, ascending, vertex 0 always among them:
 * every other vertex lies within `tolPx` of the outline they make, with `toPx([lon, lat])` giving pixels.
 */
export function thinIndices(ring, toPx, tolPx = TOLERANCE_PX) {
  const n = ring.length - 1;
  if (n <= 4) return [...Array(Math.max(n, 0)).keys()];
  const pts = ring.slice(0, n).map(toPx);
  // A closed ring is cut at vertex 0 and the vertex farthest from it; each half is simplified alone.
  let far = 1;
  for (let i = 2; i < n; i++) if (dist2(pts[0], pts[i]) > dist2(pts[0], pts[far])) far = i;
  const keep = new Uint8Array(n);
  keep[0] = keep[far] = 1;
  const tol2 = tolPx * tolPx;
  const stack = [[0, far], [far, n]]; // index n is vertex 0 again
  while (stack.length) {
    const [a, b] = stack.pop();
    const pa = pts[a % n];
    const pb = pts[b % n];
    let at = -1;
    let most = tol2;
    for (let i = a + 1; i < b; i++) {
      const d = segDist2(pts[i], pa, pb);
      if (d > most) [at, most] = [i, d];
    }
    if (at >= 0) {
      keep[at] = 1;
      stack.push([a, at], [at, b]);
    }
  }
  const out = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(i);
  // A ring needs three corners; a sliver thinner than the tolerance keeps all its vertices.
  return out.length >= 3 ? out : [...Array(n).keys()];
}

/**
 * The whole ring after an edit of its thinned form. `full` is the ring before (closed, exact), `kept` the indices
 * shown, `edited` the thinned ring as terra-draw left it (closed), `same(c, i)` whether coordinate `c` is still
 * vertex `i` of `full`. A moved vertex moves in the whole ring, an inserted one goes into the stretch it was
 * inserted in (next to the nearest hidden segment), a deleted one leaves it; every hidden vertex stays. Null when
 * the edit is none of these (the caller then sends the thinned ring).
 */
export function applyToFull(full, kept, edited, same) {
  const n = full.length - 1;
  const m = kept.length;
  const after = edited.slice(0, -1);
  const close = (open) => [...open, open[0]];
  const firstDiff = () => {
    let p = 0;
    while (p < Math.min(m, after.length) && same(after[p], kept[p])) p++;
    return p;
  };
  const open = full.slice(0, n);
  if (after.length === m) {
    const changed = [];
    for (let p = 0; p < m; p++) if (!same(after[p], kept[p])) changed.push(p);
    if (changed.length !== 1) return changed.length === 0 ? full : null;
    open[kept[changed[0]]] = after[changed[0]];
    return close(open);
  }
  if (after.length === m + 1) {
    const p = firstDiff();
    if (p === 0) return null;
    for (let q = p; q < m; q++) if (!same(after[q + 1], kept[q])) return null;
    // Inserted between shown vertices kept[p - 1] and kept[p] (vertex 0 again at the end): into the hidden
    // stretch between them, after the vertex that starts the segment nearest to the new one.
    const from = kept[p - 1];
    const to = p < m ? kept[p] : n;
    const c = after[p];
    let best = from;
    for (let i = from; i < to; i++) if (segDist2(c, full[i], full[i + 1]) < segDist2(c, full[best], full[best + 1])) best = i;
    open.splice(best + 1, 0, c);
    return close(open);
  }
  if (after.length === m - 1 && m > 3) {
    const p = firstDiff();
    for (let q = p; q < after.length; q++) if (!same(after[q], kept[q + 1])) return null;
    open.splice(kept[p], 1);
    return close(open);
  }
  return null;
}
