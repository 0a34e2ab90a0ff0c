// The merger view (93→28): legacy village outlines over the communities, split villages highlighted, each
// cross-boundary household drawn with a line from its registered village to where it lives, and a table of
// households gained and lost per community. Opened by the "合并对照" map button, or with ?panel=merger.
//
// It reuses the side panel's styles (coverage-panel, shared/panel.css); the data come from /api/v1/crosswalk
// and /api/v1/crosswalk/households?format=geojson. A community secretary also gets her community's households
// to settle, with the apply button (settle.js); after she applies, the whole view is fetched again.

import { getJSON } from '../shared/api.js';
import { bboxOf } from '../shared/bbox.js';
import { API_BASE } from '../shared/config.js';
import { el } from '../shared/dom.js';
import { freePadding, installView } from '../shared/view.js';
import { Settle } from './settle.js';

const SOURCE_VILLAGES = 'merger-villages';
const SOURCE_LINKS = 'merger-links';
const LAYER_IDS = ['merger-village-fill', 'merger-village-line', 'merger-link', 'merger-household'];

/** Households gained (living here, registered or rostered elsewhere) and lost, per community; `names` (code →
 * name, from the communities layer) names the communities a household only left. */
export function gainsAndLosses(households, names = new Map()) {
  const rows = new Map();
  const row = (code, name) => {
    if (!rows.has(code)) rows.set(code, { code, name: name || names.get(code) || code, gained: 0, lost: 0 });
    const r = rows.get(code);
    if (name) r.name = name;
    return r;
  };
  for (const h of households) {
    row(h.located_community, h.located_community_name).gained += 1;
    const others = new Set();
    if (h.reasons.includes('village') && h.registered_community) others.add(h.registered_community);
    if (h.reasons.includes('roster_grid') && h.roster_grid_community) others.add(h.roster_grid_community);
    others.delete(h.located_community);
    for (const c of others) row(c, c === h.registered_community ? h.registered_community_name : null).lost += 1;
  }
  return [...rows.values()].sort((a, b) => b.gained + b.lost - (a.gained + a.lost) || a.code.localeCompare(b.code));
}

export class MergerView {
  constructor(map) {
    this.map = map;
    this.panel = null;
    this.loaded = false;
    this.communityBbox = new Map();
  }

  async open() {
    if (!this.panel) this.buildPanel();
    this.panel.hidden = false;
    if (!this.loaded) await Promise.all([this.load(), this.settle.load()]);
    this.setVisible(true);
  }

  close() {
    if (this.panel) this.panel.hidden = true;
    this.setVisible(false);
    this.popup?.remove();
  }

  toggle() {
    return this.panel && !this.panel.hidden ? this.close() : this.open();
  }

  setVisible(on) {
    for (const id of LAYER_IDS) if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }

  buildPanel() {
    const p = el('aside', { class: 'coverage-panel merger-panel' });
    p.id = 'merger';
    p.setAttribute('aria-label', '合并对照');
    const head = el('div', { class: 'coverage-head' });
    head.append(el('h2', { text: '合并对照(原行政村 → 社区)' }));
    const xlsx = el('a', { class: 'coverage-export', text: '导出 Excel' });
    xlsx.href = `${API_BASE}/crosswalk?format=xlsx`;
    xlsx.setAttribute('download', 'crosswalk.xlsx');
    const csv = el('a', { class: 'coverage-export', text: '跨界户 CSV' });
    csv.href = `${API_BASE}/crosswalk/households?format=csv`;
    csv.setAttribute('download', 'cross-boundary-households.csv');
    const close = el('button', { class: 'coverage-close', text: '×' });
    close.type = 'button';
    close.setAttribute('aria-label', '关闭');
    close.addEventListener('click', () => this.close());
    head.append(xlsx, csv, close);
    this.totals = el('p', { class: 'coverage-totals', text: '加载中…' });
    const legend = el('div', { class: 'coverage-legend' });
    for (const [color, text] of [
      ['#7b3294', '原行政村界'],
      ['#f28e2b', '跨社区拆分的原村'],
      ['#d62728', '跨界户(连线指向登记原村)'],
    ]) {
      const item = el('span', { class: 'merger-legend-item' });
      const sw = el('i', { class: 'merger-swatch' });
      sw.style.background = color;
      item.append(sw, el('span', { text }));
      legend.append(item);
    }
    this.table = el('table', { class: 'coverage-table' });
    this.status = el('pre');
    this.status.id = 'merger-status';
    this.status.hidden = true;
    const settle = el('section', { class: 'settle', id: 'settle', hidden: true });
    this.settle = new Settle(settle, { onApplied: () => this.load() });
    const explain = el('p', {
      class: 'merger-explain',
      text: '迁入:人住在本社区,户籍(登记原村)或花名册在别的社区;迁出:户籍或花名册在本社区,人住在别的社区。',
    });
    p.append(head, this.totals, legend, settle, el('h3', { text: '各社区跨界户增减' }), explain, this.table, this.status);
    document.body.appendChild(p);
    this.panel = p;
  }

  async load() {
    const [cw, links, villages, communities] = await Promise.all([
      getJSON('/crosswalk'),
      getJSON('/crosswalk/households?format=geojson'),
      getJSON('/layers/villages'),
      getJSON('/layers/communities').catch(() => ({ features: [] })),
    ]);
    for (const f of communities.features) this.communityBbox.set(f.properties.code, bboxOf(f));
    const split = new Set(cw.villages.filter((v) => v.split).map((v) => v.code));
    for (const f of villages.features) f.properties.split = split.has(f.properties.code);
    this.addLayers(villages, links);
    const households = links.features.filter((f) => f.properties.kind === 'household').map((f) => f.properties);
    const s = cw.summary;
    this.totals.textContent =
      `${s.villages} 个原行政村,${s.split_villages} 个跨社区拆分,` +
      `${s.villages_mostly_outside_target} 个主体不在合并去向;跨界户 ${s.cross_boundary_households} 户`;
    const names = new Map(communities.features.map((f) => [f.properties.code, f.properties.name]));
    this.renderTable(gainsAndLosses(households, names));
    this.loaded = true;
    this.map.once('idle', () => this.report(s, households.length));
    this.map.triggerRepaint();
  }

  addLayers(villages, links) {
    const map = this.map;
    if (map.getSource(SOURCE_VILLAGES)) {
      // Fetched again (after a reassignment): new data, same layers.
      map.getSource(SOURCE_VILLAGES).setData(villages);
      map.getSource(SOURCE_LINKS).setData(links);
      return;
    }
    map.addSource(SOURCE_VILLAGES, { type: 'geojson', data: villages });
    map.addSource(SOURCE_LINKS, { type: 'geojson', data: links });
    map.addLayer({ id: 'merger-village-fill', type: 'fill', source: SOURCE_VILLAGES, filter: ['==', ['get', 'split'], true], paint: { 'fill-color': '#f28e2b', 'fill-opacity': 0.35 } });
    map.addLayer({ id: 'merger-village-line', type: 'line', source: SOURCE_VILLAGES, paint: { 'line-color': '#7b3294', 'line-width': 1.5, 'line-dasharray': [3, 2] } });
    map.addLayer({ id: 'merger-link', type: 'line', source: SOURCE_LINKS, filter: ['==', ['get', 'kind'], 'link'], paint: { 'line-color': '#d62728', 'line-width': 1, 'line-opacity': 0.6 } });
    map.addLayer({
      id: 'merger-household',
      type: 'circle',
      source: SOURCE_LINKS,
      filter: ['==', ['get', 'kind'], 'household'],
      paint: { 'circle-color': '#d62728', 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.5, 16, 6], 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 },
    });
    map.on('click', 'merger-household', (e) => this.showHousehold(e));
  }

  showHousehold(e) {
    const p = e.features[0].properties;
    const reasons = JSON.parse(p.reasons || '[]')
      .map((r) => (r === 'village' ? '登记原村已并入其他社区' : '花名册网格属其他社区'))
      .join(';');
    const div = el('div', { class: 'merger-popup' });
    const line = (k, v) => {
      const d = el('div');
      d.append(el('b', { text: `${k}:` }), document.createTextNode(v ?? '—'));
      div.append(d);
    };
    line('户', `${p.code} ${p.head ?? ''}`);
    line('原因', reasons);
    line('登记原村', `${p.village_name ?? ''} (${p.village})`);
    line('原村并入', p.registered_community_name ?? p.registered_community);
    line('花名册网格', p.roster_grid);
    line('实际所在', `${p.located_community_name} · ${p.located_grid_name ?? '不在任何网格'}`);
    line('网格员', p.located_manager);
    this.popup?.remove();
    this.popup = new maplibregl.Popup({ maxWidth: '320px' }).setLngLat(e.lngLat).setDOMContent(div).addTo(this.map);
  }

  renderTable(rows) {
    this.rows = rows;
    this.table.replaceChildren();
    const head = el('tr');
    for (const h of ['社区', '迁入', '迁出', '净变化']) head.append(el('th', { text: h }));
    this.table.append(head);
    for (const r of rows) {
      const tr = el('tr');
      tr.tabIndex = 0;
      tr.append(el('td', { text: r.name }), el('td', { text: String(r.gained) }), el('td', { text: String(r.lost) }), el('td', { text: String(r.gained - r.lost) }));
      const zoom = () => {
        const b = this.communityBbox.get(r.code);
        if (b) this.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: freePadding(this.map) });
      };
      tr.addEventListener('click', zoom);
      tr.addEventListener('keydown', (ev) => ev.key === 'Enter' && zoom());
      this.table.append(tr);
    }
  }

  /** What the view drew, for tests and for the curious: counts of rendered features. */
  report(summary, households) {
    const rendered = (id) => this.map.queryRenderedFeatures({ layers: [id] }).length;
    this.status.textContent = JSON.stringify({
      ready: true,
      villages: summary.villages,
      split_villages: summary.split_villages,
      households,
      table_rows: this.rows.length,
      settle: this.settle.report(),
      unnamed_rows: this.rows.filter((r) => r.name === r.code).map((r) => r.code),
      rendered: Object.fromEntries(LAYER_IDS.map((id) => [id, rendered(id)])),
    });
  }
}

/** The view on `map` as the 合并对照 button; opened at once with ?panel=merger. */
export function installMerger(map) {
  return installView(map, 'merger', new MergerView(map), { label: '合并对照', title: '93→28 合并:原行政村与社区对照、跨界户' });
}
