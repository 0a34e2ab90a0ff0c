// Small lon/lat geometry the page shares: which part of a grid the planner edits, point in polygon (the
// planner's tools, and locating with no signal), points along a drawn line. Planar in degrees, which is all
// these choices need at a community's scale.

/** Signed area of a ring (shoelace), square degrees. */
export function ringArea(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return sum / 2;
}

/** The polygons (arrays of rings) of a Polygon or MultiPolygon geometry. */
export function polygonsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

/** The largest part, as the server picks it for a reshape (area less holes; the last of equals). */
export function largestPart(geometry) {
  let best = null;
  let bestArea = -1;
  for (const p of polygonsOf(geometry)) {
    const a = Math.abs(ringArea(p[0])) - p.slice(1).reduce((s, r) => s + Math.abs(ringArea(r)), 0);
    if (a >= bestArea) {
      best = p;
      bestArea = a;
    }
  }
  return best;
}

function inRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether `pt` lies inside a Polygon or MultiPolygon geometry (holes excluded). */
export function contains(geometry, pt) {
  return polygonsOf(geometry).some((p) => inRing(pt, p[0]) && !p.slice(1).some((h) => inRing(pt, h)));
}

/** `n` points spread evenly along a line string (by vertex-to-vertex length in degrees). */
export function pointsAlong(line, n) {
  const seg = [];
  let total = 0;
  for (let i = 1; i < line.length; i++) {
    const d = Math.hypot(line[i][0] - line[i - 1][0], line[i][1] - line[i - 1][1]);
    seg.push(d);
    total += d;
  }
  const out = [];
  for (let k = 0; k < n; k++) {
    let t = ((k + 0.5) / n) * total;
    let i = 0;
    while (i < seg.length - 1 && t > seg[i]) t -= seg[i++];
    const f = seg[i] ? t / seg[i] : 0;
    out.push([line[i][0] + f * (line[i + 1][0] - line[i][0]), line[i][1] + f * (line[i + 1][1] - line[i][1])]);
  }
  return out;
}

/** A point to draw a feature at: a point itself, else the middle of its largest part's bounding box. */
export function pointOf(geometry) {
  if (!geometry) return null;
  if (geometry.type === 'Point') return geometry.coordinates;
  if (geometry.type === 'MultiPoint') return geometry.coordinates[0] || null;
  const p = largestPart(geometry);
  if (!p) return null;
  const xs = p[0].map((c) => c[0]);
  const ys = p[0].map((c) => c[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}

/** A coordinate's key at terra-draw's precision (9 decimals), to match edited vertices back to exact ones. */
export const key9 = (c) => `${c[0].toFixed(9)},${c[1].toFixed(9)}`;

/** A coordinate at terra-draw's precision: it refuses features with more decimals. */
export const round9 = (c) => [Number(c[0].toFixed(9)), Number(c[1].toFixed(9))];
