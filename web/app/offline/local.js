// Search and locate with no signal. When /api/v1/search or /api/v1/locate cannot be reached, the page answers
// from what the phone already holds:
// - the grids the map has drawn (the layer data main.js hands in);
// - the household lists of the account's grids (/grids/{code}/households). The service worker keeps these
//   for a grid manager, so fetching them again with no signal reads its cache.
//
// The answers have the server's shape, marked `offline: true`. The card and the suggestions draw them as usual,
// with a note that they come from this phone. Offline search matches names, addresses, codes, phone digits
// and the head's pinyin the list carries.

import { getJSON } from '../shared/api.js';
import { contains } from '../shared/geometry.js';

/** How far the nearest household may be for the card to name it (the server's default radius). */
const RADIUS_M = 50;

let layers = null;
let me = null;
/** Grid code -> its /grids/{code}/households answer, as last read (online or from the worker's cache). */
const lists = new Map();

/** The map's loaded layers (map/layer-data.js), for the grids' outlines. */
export function useLayers(data) {
  layers = data;
}

/** The /auth/me answer: whose grids to read. */
export function useAccount(answer) {
  me = answer;
}

/** Keeps a household list the page has read (my-grid.js), so it is searched with no signal. */
export function remember(answer) {
  const code = answer?.grid?.code;
  if (code && Array.isArray(answer.households)) lists.set(code, answer);
}

/** The grid codes of the account's scope ("grids:A,B"), besides the lists already read. */
function scopeGrids() {
  const scope = String(me?.account?.scope || '');
  return scope.startsWith('grids:') ? scope.slice(6).split(',').filter(Boolean) : [];
}

/** Every household list the phone holds. */
async function allLists() {
  await Promise.all(
    scopeGrids()
      .filter((c) => !lists.has(c))
      .map((c) => getJSON(`/grids/${encodeURIComponent(c)}/households`).then(remember, () => null)),
  );
  return [...lists.values()];
}

/** Metres between two lon/lat points (equirectangular: exact enough within a grid). */
function metres([x1, y1], [x2, y2]) {
  const k = Math.PI / 180;
  const dx = (x2 - x1) * k * Math.cos(((y1 + y2) / 2) * k);
  return Math.hypot(dx, (y2 - y1) * k) * 6371008.8;
}

function gridOf(code) {
  const f = layers?.byCode?.grids?.get(code);
  return f ? { code, ...f.properties } : { code };
}

/** A /search answer for `q` from the lists held here (households of the account's grids, and their grids). */
export async function searchHere(q, limit = 8) {
  const terms = q.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const hits = [];
  const matches = (...fields) => {
    const text = fields.filter(Boolean).join(' ').toLowerCase();
    return terms.every((t) => text.includes(t));
  };
  for (const list of await allLists()) {
    const chain = { ...list.chain, grid: list.grid };
    if (matches(list.grid.name, list.grid.code)) hits.push({ layer: 'grids', match: 'name_contains', ...list.grid, lonlat: list.lonlat, chain, offline: true });
    for (const h of list.households) {
      if (hits.length >= limit) break;
      if (matches(h.head, h.address, h.code, h.phone, h.pinyin)) hits.push({ layer: 'households', match: 'all_terms', ...h, chain: { ...chain, unit: h.unit }, offline: true });
    }
  }
  return { query: q, count: Math.min(hits.length, limit), hits: hits.slice(0, limit), offline: true };
}

/** A /locate answer for `lonlat` from the grids drawn and the households held here; null when none are held. */
export async function locateHere(lonlat) {
  if (!layers?.byCode?.grids?.size) return null;
  const grids = layers?.byCode?.grids ? [...layers.byCode.grids.values()] : [];
  const inGrid = grids.find((f) => contains(f.geometry, lonlat));
  const grid = inGrid ? gridOf(inGrid.properties.code) : null;
  const list = grid && (await allLists()).find((l) => l.grid.code === grid.code);
  let household = null;
  for (const h of list?.households || []) {
    if (!Array.isArray(h.lonlat)) continue;
    const d = metres(lonlat, h.lonlat);
    if (d <= RADIUS_M && (!household || d < household.distance_m)) household = { ...h, distance_m: Math.round(d * 10) / 10 };
  }
  const county = layers?.byCode?.county ? [...layers.byCode.county.values()] : [];
  return {
    lonlat,
    // Unknown when the county's outline is not held: the card then speaks of the grid alone.
    inside_county: !!grid || !county.length || county.some((f) => contains(f.geometry, lonlat)),
    ...(list?.chain || {}),
    grid: list ? { ...grid, ...list.grid } : grid,
    unit: household?.unit || null,
    household,
    households_withheld: !list,
    radius_m: RADIUS_M,
    offline: true,
    message: '',
  };
}
