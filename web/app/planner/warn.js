// What an edit just did wrong, said at once, with the way back: a spike it drew (a vertex where an outline turns
// back on itself, as a drag that overshoots into a neighbour leaves) and the defects it created that no
// planner means to leave (an overlap with a neighbour, a grid outside its community, a grid in pieces). Blind
// spots are not warned of: opening a gap and giving it to a neighbour is how a boundary moves. Defects are
// compared by the server's ids, which stay the same for the same defect across edits.

import { key9, largestPart } from '../shared/geometry.js';

/** An outline's turn sharper than this (degrees) is a spike: nobody draws a grid's corner that sharp. */
export const SPIKE_DEG = 15;

/** Defect kinds an edit is warned of when it creates them. */
const WARNED = ['overlap', 'outside_parent', 'grid_noncontiguous'];

/**
 * The spikes of a closed lon/lat `ring` at the vertices `isNew` says are new: `{ at: [lon, lat], deg }` each.
 * Angles are measured with longitude scaled by cos(latitude), which is metres' shape at a community's scale.
 */
export function spikes(ring, isNew = () => true) {
  const n = ring.length - 1;
  const out = [];
  if (n < 3) return out;
  const k = Math.cos((ring[0][1] * Math.PI) / 180);
  for (let i = 0; i < n; i++) {
    const v = ring[i];
    if (!isNew(v)) continue;
    const a = ring[(i + n - 1) % n];
    const b = ring[(i + 1) % n];
    const ax = (a[0] - v[0]) * k;
    const ay = a[1] - v[1];
    const bx = (b[0] - v[0]) * k;
    const by = b[1] - v[1];
    const la = Math.hypot(ax, ay);
    const lb = Math.hypot(bx, by);
    if (la === 0 || lb === 0) continue;
    const deg = (Math.acos(Math.max(-1, Math.min(1, (ax * bx + ay * by) / (la * lb)))) * 180) / Math.PI;
    if (deg < SPIKE_DEG) out.push({ at: v, deg });
  }
  return out;
}

/**
 * What the step from draft `before` to draft `after` broke: `{ defects, spikes: [{ grid, at, deg }] }`, or null
 * when nothing. Spikes are looked for at the vertices the step added or moved.
 */
export function newProblems(before, after) {
  if (!before || !after) return null;
  const had = new Set(before.stats.defects.map((d) => d.id));
  const defects = after.stats.defects.filter((d) => !had.has(d.id) && WARNED.includes(d.kind));
  const old = new Map(before.grids.features.map((f) => [String(f.id), f]));
  const found = [];
  for (const f of after.grids.features) {
    const id = String(f.id);
    const ring = largestPart(f.geometry)?.[0];
    if (!ring) continue;
    const was = new Set((largestPart(old.get(id)?.geometry)?.[0] || []).map(key9));
    for (const s of spikes(ring, (c) => !was.has(key9(c)))) found.push({ grid: id, ...s });
  }
  return defects.length || found.length ? { defects, spikes: found } : null;
}

/** The warning in words, naming grids by name (`nameOf(id)`): what happened where, and that 撤销 takes it back. */
export function warningText(p, nameOf) {
  const m2 = (d) => (d.area_m2 == null ? '' : ` ${d.area_m2.toFixed(1)} 平方米`);
  const said = {
    overlap: (d) => `${d.codes.map(nameOf).join('与')}重叠${m2(d)}`,
    outside_parent: (d) => `${nameOf(d.codes[0])}有${m2(d)}在社区之外`,
    grid_noncontiguous: (d) => `${nameOf(d.codes[0])}分成了互不相连的几块`,
  };
  const parts = p.spikes.map((s) => `${nameOf(s.grid)}的边界出现尖角(${Math.round(s.deg)}°)`);
  for (const d of p.defects) parts.push((said[d.kind] || ((x) => x.message))(d));
  return `请检查这一步:${parts.join(';')}。如非有意,请点“撤销这一步”。`;
}
