// What the page has loaded, per logical layer: hands it to the map's sources
// and keeps the properties by code, so the feature panel can show the
// server's properties as sent and name a feature's parents.

import { labelPoints } from '../shared/labels.js';
import { LABELLED, labelSourceId, sourceId } from './style.js';

/**
 * The flats of one building lie a metre or two apart, so their dots draw over one another even at zoom 18.
 * The first of each cluster (points in one cell of STACK_DEG, about 3 m) gets `_stack` = how many share it,
 * which the map writes beside the dot ("12户"). Their positions are left as the store has them.
 */
const STACK_DEG = 3e-5;
function markStacks(features) {
  const first = new Map();
  for (const f of features) {
    const p = (f.properties ||= {});
    p._stack = 0;
    if (f.geometry?.type !== 'Point') continue;
    const [x, y] = f.geometry.coordinates;
    const key = `${Math.round(x / STACK_DEG)},${Math.round(y / STACK_DEG)}`;
    const lead = first.get(key);
    if (lead) lead.properties._stack += 1;
    else {
      first.set(key, f);
      p._stack = 1;
    }
  }
}

export class LayerData {
  constructor(map) {
    this.map = map;
    this.byCode = {}; // layer -> Map(code -> feature)
    this.counts = {}; // layer -> features loaded
    this.uncontacted = new Set(); // codes of households not visited lately (shaded), see setUncontacted
  }

  /**
   * Shades the households of `codes` as not contacted (近30天未走访); null or empty clears it. The flag is a
   * property set here, not a style filter listing the codes: a county's tens of thousands of codes in an
   * `in` expression would be searched for every drawn feature.
   */
  setUncontacted(codes) {
    this.uncontacted = new Set(codes || []);
    const loaded = this.byCode.households;
    if (loaded) this.set('households', { type: 'FeatureCollection', features: [...loaded.values()] });
  }

  /** Replace a layer's features (the whole layer, or the current bbox of a big one). */
  set(layer, fc) {
    const index = new Map();
    if (layer === 'households') markStacks(fc.features);
    for (const f of fc.features) {
      const p = (f.properties ||= {});
      if (layer === 'households') {
        // Style flag: households with tags (独居老人, 残疾, 低保) are drawn in red.
        p._tagged = Array.isArray(p.tags) ? p.tags.length : 0;
        p._uncontacted = this.uncontacted.has(String(p.code)) ? 1 : 0;
      }
      if (p.code !== undefined && p.code !== null) index.set(String(p.code), f);
    }
    this.byCode[layer] = index;
    this.counts[layer] = fc.features.length;
    this.map.getSource(sourceId(layer)).setData(fc);
    if (LABELLED.includes(layer)) this.map.getSource(labelSourceId(layer)).setData(labelPoints(fc));
  }

  clear(layer) {
    this.set(layer, { type: 'FeatureCollection', features: [] });
  }

  feature(layer, code) {
    return this.byCode[layer]?.get(String(code));
  }

  properties(layer, code) {
    return this.feature(layer, code)?.properties;
  }

  /** "名称" of a feature of another layer, if it is loaded. */
  name(layer, code) {
    return this.properties(layer, code)?.name;
  }
}
