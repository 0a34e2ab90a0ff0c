// Label points for polygon layers.
//
// MapLibre places a polygon's label per tile, so a big polygon gets one label
// in every tile it crosses, often at its edge. Instead each polygon gets one
// point, computed once here: the point inside its largest part that is
// farthest from its edges (the "pole of inaccessibility"), where a label
// reads best and never falls outside a concave or U-shaped boundary.

/**
 * The name as a map label: official community names end in 居委会/村委会 (the committee), which only
 * lengthens the label; "南新社区居委会" reads "南新社区", "屯丰村委会" reads "屯丰村".
 */
export function shortName(name) {
  if (typeof name !== 'string') return name;
  return name.replace(/(社区)?居民委员会$|(社区)?居委会$/, '社区').replace(/村民委员会$|村委会$/, '村');
}

/** A FeatureCollection of one Point per polygon feature, keeping its properties, plus `_label`. */
export function labelPoints(fc) {
  const features = [];
  for (const f of fc.features) {
    const polygon = largestPolygon(f.geometry);
    if (!polygon) continue;
    features.push({
      type: 'Feature',
      id: f.id,
      properties: { ...f.properties, _label: shortName(f.properties?.name) },
      geometry: { type: 'Point', coordinates: poleOfInaccessibility(polygon) },
    });
  }
  return { type: 'FeatureCollection', features };
}

function largestPolygon(geometry) {
  if (!geometry) return null;
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type !== 'MultiPolygon') return null;
  let best = null;
  let bestArea = -1;
  for (const polygon of geometry.coordinates) {
    const area = Math.abs(ringArea(polygon[0]));
    if (area > bestArea) {
      best = polygon;
      bestArea = area;
    }
  }
  return best;
}

function ringArea(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return sum / 2;
}

/**
 * Grid search refined by quartering the most promising cells (Garcia-Castellanos
 * and Lombardo's method). Works in lon/lat with longitudes scaled by cos(lat),
 * so distances are roughly isotropic; precision is 1% of the polygon's size.
 */
export function poleOfInaccessibility(polygon) {
  const outer = polygon[0];
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of outer) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const rings = polygon.map((ring) => ring.map(([x, y]) => [x * k, y]));
  const x0 = minX * k;
  const x1 = maxX * k;
  const width = x1 - x0;
  const height = maxY - minY;
  const size = Math.min(width, height);
  if (size === 0) return outer[0];
  const precision = Math.max(width, height) / 100;

  const cell = (x, y, h) => {
    const d = signedDistance(x, y, rings);
    return { x, y, h, d, max: d + h * Math.SQRT2 };
  };
  const queue = [];
  const push = (c) => {
    // Keep the queue sorted by potential, best last; it stays small.
    let i = queue.length;
    while (i > 0 && queue[i - 1].max > c.max) i--;
    queue.splice(i, 0, c);
  };

  const half = size / 2;
  for (let x = x0; x < x1; x += size) {
    for (let y = minY; y < maxY; y += size) push(cell(x + half, y + half, half));
  }
  let best = cell((x0 + x1) / 2, (minY + maxY) / 2, 0);
  const c = centroid(rings[0]);
  if (c) {
    const cc = cell(c[0], c[1], 0);
    if (cc.d > best.d) best = cc;
  }

  let guard = 0;
  while (queue.length && guard++ < 5000) {
    const top = queue.pop();
    if (top.d > best.d) best = top;
    if (top.max - best.d <= precision) continue;
    const h = top.h / 2;
    push(cell(top.x - h, top.y - h, h));
    push(cell(top.x + h, top.y - h, h));
    push(cell(top.x - h, top.y + h, h));
    push(cell(top.x + h, top.y + h, h));
  }
  return [best.x / k, best.y];
}

function centroid(ring) {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[i][0] * ring[j][1] - ring[j][0] * ring[i][1];
    cx += (ring[i][0] + ring[j][0]) * f;
    cy += (ring[i][1] + ring[j][1]) * f;
    a += f * 3;
  }
  return a === 0 ? null : [cx / a, cy / a];
}

/** Distance to the nearest edge, negative outside the polygon. */
function signedDistance(x, y, rings) {
  let inside = false;
  let minSq = Infinity;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i];
      const b = ring[j];
      if (a[1] > y !== b[1] > y && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
      minSq = Math.min(minSq, segmentDistanceSq(x, y, a, b));
    }
  }
  const d = Math.sqrt(minSq);
  return inside ? d : -d;
}

function segmentDistanceSq(px, py, a, b) {
  let x = a[0];
  let y = a[1];
  let dx = b[0] - x;
  let dy = b[1] - y;
  if (dx !== 0 || dy !== 0) {
    const t = ((px - x) * dx + (py - y) * dy) / (dx * dx + dy * dy);
    if (t > 1) {
      x = b[0];
      y = b[1];
    } else if (t > 0) {
      x += dx * t;
      y += dy * t;
    }
  }
  dx = px - x;
  dy = py - y;
  return dx * dx + dy * dy;
}
