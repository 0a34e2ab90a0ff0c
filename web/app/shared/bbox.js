// The one bounding-box helper of the page (fitting the county, zooming to a community or a defect).

/** [minlon, minlat, maxlon, maxlat] of a GeoJSON geometry, feature or feature collection; null when empty. */
export function bboxOf(geojson) {
  if (!geojson) return null;
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]);
      b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]);
      b[3] = Math.max(b[3], c[1]);
    } else c.forEach(walk);
  };
  const geoms = geojson.features ? geojson.features.map((f) => f.geometry) : [geojson.geometry || geojson];
  for (const g of geoms) if (g && g.coordinates) walk(g.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}
