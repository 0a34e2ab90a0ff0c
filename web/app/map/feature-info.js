// The feature panel: what a click or tap hit, with Chinese field names.
// It shows the most specific feature under the pointer (a household before
// its unit, grid, community, town), lists the others as one-tap buttons, and
// outlines the shown feature on the map.

import { el, isPhone } from '../shared/dom.js';
import { layerName } from '../shared/layers.js';
import { phoneNode } from '../shared/phone.js';
import { PARENT_LAYER, fieldName, formatValue, isPhoneKey, orderedKeys } from './fields.js';
import { CLICK_ORDER, SELECTION_SOURCE, STYLE_LAYERS } from './style.js';

const EMPTY = { type: 'FeatureCollection', features: [] };

/** Everything the user can click, per logical layer: fills and points, not lines or labels. */
const HIT_LAYERS = Object.fromEntries(
  Object.entries(STYLE_LAYERS).map(([k, ids]) => [k, ids.filter((id) => !/-(line|label|halo|outline)$/.test(id))]),
);

/** What a click at `point` hit, most specific first, in the layers `visible` has on: `[{layer, feature}]`. */
export function hitsAt(map, point, visible) {
  // Small features (households, units) get a tolerance box so a finger can hit them.
  const r = isPhone() ? 12 : 5;
  const box = [
    [point.x - r, point.y - r],
    [point.x + r, point.y + r],
  ];
  const hits = [];
  for (const layer of CLICK_ORDER) {
    if (!visible[layer]) continue;
    const layers = HIT_LAYERS[layer].filter((id) => map.getLayer(id));
    const where = layer === 'households' ? box : point;
    const seen = new Set();
    for (const feature of map.queryRenderedFeatures(where, { layers })) {
      const code = feature.properties?.code ?? feature.id;
      if (seen.has(code)) continue;
      seen.add(code);
      hits.push({ layer, feature });
    }
  }
  return hits;
}

function titleOf(layer, p) {
  return p.name || (layer === 'households' && (p.head || p.address)) || p.code || '';
}

export class InfoPanel {
  constructor(root, map, data) {
    this.root = root;
    this.map = map;
    this.data = data;
    this.body = root.querySelector('.info-body');
    root.querySelector('.info-close').addEventListener('click', () => this.close());
    document.addEventListener('keydown', (e) => e.key === 'Escape' && this.close());
  }

  /** hits: [{layer, feature}] most specific first (a MapLibre feature, or one of ours). */
  show(hits, index = 0) {
    if (!hits.length) return this.close();
    const { layer, feature } = hits[index];
    // Prefer our copy: full geometry (not cut at tile edges) and nested properties intact.
    const code = feature.properties?.code ?? feature.id;
    const own = this.data.feature(layer, code);
    const props = own?.properties ?? feature.properties ?? {};
    this.map.getSource(SELECTION_SOURCE).setData(own ?? { type: 'Feature', properties: {}, geometry: feature.geometry });

    this.body.replaceChildren();
    const head = el('div', { class: 'info-head' });
    head.append(el('span', { class: 'info-layer', text: layerName(layer) }), el('h2', { class: 'info-title', text: titleOf(layer, props) }));
    this.body.appendChild(head);
    this.body.appendChild(this.table(layer, props));

    if (hits.length > 1) {
      const others = el('div', { class: 'info-others' });
      others.appendChild(el('h3', { text: '此处还有' }));
      hits.forEach((h, i) => {
        if (i === index) return;
        const p = h.feature.properties || {};
        const b = el('button', { class: 'info-jump' });
        b.type = 'button';
        b.append(el('span', { class: 'info-layer', text: layerName(h.layer) }), el('span', { text: titleOf(h.layer, p) }));
        b.addEventListener('click', () => this.show(hits, i));
        others.appendChild(b);
      });
      this.body.appendChild(others);
    }
    this.root.hidden = false;
    this.root.scrollTop = 0;
  }

  table(layer, props) {
    const dl = el('dl', { class: 'info-table' });
    const keys = orderedKeys(props);
    // A grid without a manager is a defect: say so even when the key is absent.
    if (layer === 'grids' && !keys.includes('manager')) keys.splice(1, 0, 'manager');
    for (const key of keys) {
      const value = props[key];
      dl.appendChild(el('dt', { text: fieldName(layer, key) }));
      const dd = el('dd');
      const text = formatValue(key, value);
      if (isPhoneKey(key) && text !== '—') {
        dd.appendChild(phoneNode(text, 'info-phone'));
      } else if (PARENT_LAYER[key] && text !== '—') {
        // A parent code: give its name too when that layer is loaded.
        const name = this.data.name(PARENT_LAYER[key], value);
        dd.textContent = name ? `${name} (${text})` : text;
      } else {
        dd.textContent = text;
      }
      if (key === 'manager' && text === '—') {
        dd.textContent = '未配备';
        dd.className = 'warn';
      }
      dl.appendChild(dd);
    }
    if (layer === 'grids' && props.code) {
      // The grid's wall chart (网格公示图): an A4 PNG the service hall prints.
      dl.appendChild(el('dt', { text: '公示图' }));
      const dd = el('dd');
      const a = el('a', { class: 'info-wallchart', text: '打印网格公示图 (A4)' });
      a.href = `/api/v1/grids/${encodeURIComponent(props.code)}/wallchart.png`;
      a.target = '_blank';
      a.rel = 'noopener';
      dd.appendChild(a);
      dl.appendChild(dd);
      // Its QR door plates (one per lane or building, true size on A4) and its notice (网格公示牌).
      dl.appendChild(el('dt', { text: '打印' }));
      const print = el('dd');
      for (const [cls, text, file] of [['info-plates', '打印门牌 (PDF)', 'plates.pdf'], ['info-notice', '网格公示牌 (A4)', 'notice.pdf']]) {
        const link = el('a', { class: cls, text });
        link.href = `/api/v1/grids/${encodeURIComponent(props.code)}/${file}`;
        link.target = '_blank';
        link.rel = 'noopener';
        print.append(link, ' ');
      }
      dl.appendChild(print);
    }
    return dl;
  }

  close() {
    this.root.hidden = true;
    this.map.getSource(SELECTION_SOURCE)?.setData(EMPTY);
  }
}
