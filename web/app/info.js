// The feature panel: what a click or tap hit, with Chinese field names.
// It shows the most specific feature under the pointer (a household before
// its unit, grid, community, town), lists the others as one-tap buttons, and
// outlines the shown feature on the map.

import { PARENT_LAYER, LAYER_NAMES, fieldName, formatValue, isPhoneKey, orderedKeys } from './fields.js';
import { SELECTION_SOURCE } from './mapstyle.js';

const EMPTY = { type: 'FeatureCollection', features: [] };

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
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
    const head = el('div', 'info-head');
    head.append(el('span', 'info-layer', LAYER_NAMES[layer] || layer), el('h2', 'info-title', titleOf(layer, props)));
    this.body.appendChild(head);
    this.body.appendChild(this.table(layer, props));

    if (hits.length > 1) {
      const others = el('div', 'info-others');
      others.appendChild(el('h3', '', '此处还有'));
      hits.forEach((h, i) => {
        if (i === index) return;
        const p = h.feature.properties || {};
        const b = el('button', 'info-jump');
        b.type = 'button';
        b.append(el('span', 'info-layer', LAYER_NAMES[h.layer] || h.layer), el('span', '', titleOf(h.layer, p)));
        b.addEventListener('click', () => this.show(hits, i));
        others.appendChild(b);
      });
      this.body.appendChild(others);
    }
    this.root.hidden = false;
    this.root.scrollTop = 0;
  }

  table(layer, props) {
    const dl = el('dl', 'info-table');
    const keys = orderedKeys(props);
    // A grid without a manager is a defect: say so even when the key is absent.
    if (layer === 'grids' && !keys.includes('manager')) keys.splice(1, 0, 'manager');
    for (const key of keys) {
      const value = props[key];
      dl.appendChild(el('dt', '', fieldName(layer, key)));
      const dd = el('dd');
      const text = formatValue(key, value);
      if (isPhoneKey(key) && text !== '—') {
        const a = el('a', '', text);
        a.href = `tel:${String(value).replace(/[^\d+]/g, '')}`;
        dd.appendChild(a);
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
      dl.appendChild(el('dt', '', '公示图'));
      const dd = el('dd');
      const a = el('a', 'info-wallchart', '打印网格公示图 (A4)');
      a.href = `/api/v1/grids/${encodeURIComponent(props.code)}/wallchart.png`;
      a.target = '_blank';
      a.rel = 'noopener';
      dd.appendChild(a);
      dl.appendChild(dd);
    }
    return dl;
  }

  close() {
    this.root.hidden = true;
    this.map.getSource(SELECTION_SOURCE)?.setData(EMPTY);
  }
}
