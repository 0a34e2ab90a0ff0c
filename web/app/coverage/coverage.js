// The coverage view ("no blind spots"): defects drawn by kind, a table of
// communities worst first, zoom on click, and "导出证据": a menu of the Excel
// workbook (a sheet per kind, with names, places and what to do), the A4 list
// to print, and the defects as GeoJSON for GIS software.
//
// Installed by the composition root (installCoverage): a "覆盖检查" button on
// the map; the panel is built on first use. Data: GET /api/v1/coverage and
// /api/v1/coverage/defects (computed once per data revision by the server); for the roles that may ask, the
// contact coverage (走访覆盖率, households visited in 30 days) of /api/v1/coverage/contact as a column.

import { getJSON } from '../shared/api.js';
import { API_BASE } from '../shared/config.js';
import { bboxOf } from '../shared/bbox.js';
import { KINDS } from '../shared/defect-kinds.js';
import { el } from '../shared/dom.js';
import { fmt, pctText } from '../shared/format.js';
import { freePadding, installView } from '../shared/view.js';

const SOURCE = 'coverage-defects';
const LAYER_IDS = ['coverage-area-fill', 'coverage-area-line', 'coverage-outline', 'coverage-point'];


/** Communities worst first: lowest coverage, then most defects, then most uncovered households. */
export function worstFirst(rows) {
  return rows
    .filter((r) => r.layer === 'communities')
    .slice()
    .sort(
      (a, b) =>
        (a.coverage_pct ?? 100) - (b.coverage_pct ?? 100) ||
        (b.defects ?? 0) - (a.defects ?? 0) ||
        (b.households_uncovered ?? 0) - (a.households_uncovered ?? 0) ||
        a.code.localeCompare(b.code),
    );
}

function download(name, text, type) {
  const a = el('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 1000);
}


/** A community's contact coverage as the table shows it: `50% (1/2)`, or — when unknown to the caller. */
function contactText(c) {
  if (!c || c.coverage_pct === null || c.coverage_pct === undefined) return '—';
  return `${fmt(c.coverage_pct, 1)}% (${c.visited}/${c.households})`;
}

export class CoverageView {
  constructor(map, { onUncontacted } = {}) {
    this.map = map;
    this.onUncontacted = onUncontacted;
    this.shown = new Set(Object.keys(KINDS));
    this.defects = null;
    this.summary = null;
    this.communityBbox = new Map();
    this.panel = null;
  }

  async open() {
    if (!this.panel) this.buildPanel();
    this.panel.hidden = false;
    document.body.classList.add('coverage-open');
    if (!this.defects) await this.load();
    this.setVisible(true);
  }

  close() {
    if (this.panel) this.panel.hidden = true;
    document.body.classList.remove('coverage-open');
    this.setVisible(false);
    this.popup?.remove();
  }

  /** The codes of every household the contact answer names as not visited in its window. */
  uncontactedCodes() {
    return (this.contactGrids || []).flatMap((g) => g.not_contacted || []);
  }

  toggle() {
    return this.panel && !this.panel.hidden ? this.close() : this.open();
  }

  buildPanel() {
    const p = el('aside', { class: 'coverage-panel' });
    p.id = 'coverage';
    p.setAttribute('aria-label', '覆盖检查');
    const head = el('div', { class: 'coverage-head' });
    head.append(el('h2', { text: '覆盖检查' }));
    const exp = this.exportMenu();
    const close = el('button', { class: 'coverage-close', text: '×' });
    close.type = 'button';
    close.setAttribute('aria-label', '关闭');
    close.addEventListener('click', () => this.close());
    head.append(exp, close);
    this.totals = el('p', { class: 'coverage-totals', text: '加载中…' });
    this.legend = el('div', { class: 'coverage-legend' });
    // Shading the households not visited lately: only for callers the contact answer names them to.
    this.shade = el('label', { class: 'coverage-shade', hidden: true });
    const box = el('input', { type: 'checkbox', id: 'coverage-shade-uncontacted' });
    box.addEventListener('change', () => this.onUncontacted?.(box.checked ? this.uncontactedCodes() : null));
    this.shade.append(box, el('span', { text: ' 在地图上用橙色圈标出近30天未走访的住户' }));
    this.table = el('table', { class: 'coverage-table' });
    this.status = el('pre');
    this.status.id = 'coverage-status';
    this.status.hidden = true;
    p.append(head, this.totals, this.legend, this.shade, el('h3', { text: '社区(问题最多的在前)' }), this.table, this.status);
    document.body.appendChild(p);
    this.panel = p;
  }

  async load() {
    try {
      const role = window.gridmap?.account?.account?.role;
      const contact = ['admin', 'planner', 'secretary', 'grid_manager'].includes(role) ? getJSON('/coverage/contact').catch(() => null) : null;
      const [summary, defects, communities, visits] = await Promise.all([
        getJSON('/coverage'),
        getJSON('/coverage/defects'),
        getJSON('/layers/communities').catch(() => ({ features: [] })),
        contact,
      ]);
      this.contact = new Map((visits?.communities || []).map((r) => [r.code, r]));
      this.contactGrids = visits?.grids || [];
      this.shade.hidden = !this.contactGrids.some((g) => Array.isArray(g.not_contacted));
      this.summary = summary;
      this.defects = defects;
      for (const f of communities.features || []) this.communityBbox.set(f.properties.code, bboxOf(f));
      this.addLayers();
      this.renderTotals();
      this.renderLegend();
      this.renderTable();
      this.map.once('idle', () => this.report());
      this.map.triggerRepaint();
    } catch (err) {
      this.totals.textContent = `无法加载覆盖检查: ${err.message}`;
      throw err;
    }
  }

  addLayers() {
    const map = this.map;
    const features = this.defects.features.map((f, i) => ({ ...f, id: i, properties: { ...f.properties, color: KINDS[f.properties.kind]?.color || '#000' } }));
    map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features } });
    const kindIs = (draw) => ['in', ['get', 'kind'], ['literal', Object.keys(KINDS).filter((k) => KINDS[k].draw === draw)]];
    map.addLayer({ id: 'coverage-area-fill', type: 'fill', source: SOURCE, filter: kindIs('area'), paint: { 'fill-color': ['get', 'color'], 'fill-opacity': 0.45 } });
    // Slivers are a metre wide: an outline keeps them visible at county scale.
    map.addLayer({ id: 'coverage-area-line', type: 'line', source: SOURCE, filter: kindIs('area'), paint: { 'line-color': ['get', 'color'], 'line-width': 2.5 } });
    map.addLayer({ id: 'coverage-outline', type: 'line', source: SOURCE, filter: kindIs('outline'), paint: { 'line-color': ['get', 'color'], 'line-width': 3, 'line-dasharray': [2, 1] } });
    map.addLayer({
      id: 'coverage-point',
      type: 'circle',
      source: SOURCE,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-color': ['get', 'color'], 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 3, 16, 7], 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 },
    });
    map.on('click', 'coverage-area-fill', (e) => this.showDefect(e));
    map.on('click', 'coverage-point', (e) => this.showDefect(e));
    map.on('click', 'coverage-outline', (e) => this.showDefect(e));
    for (const id of ['coverage-area-fill', 'coverage-point', 'coverage-outline']) {
      map.on('mouseenter', id, () => (map.getCanvas().style.cursor = 'pointer'));
      map.on('mouseleave', id, () => (map.getCanvas().style.cursor = ''));
    }
    this.applyFilter();
  }

  setVisible(on) {
    for (const id of LAYER_IDS) if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }

  applyFilter() {
    const kinds = ['literal', [...this.shown]];
    const base = {
      'coverage-area-fill': 'area',
      'coverage-area-line': 'area',
      'coverage-outline': 'outline',
    };
    for (const [id, draw] of Object.entries(base)) {
      const ofDraw = Object.keys(KINDS).filter((k) => KINDS[k].draw === draw);
      this.map.setFilter(id, ['all', ['in', ['get', 'kind'], ['literal', ofDraw]], ['in', ['get', 'kind'], kinds]]);
    }
    this.map.setFilter('coverage-point', ['all', ['==', ['geometry-type'], 'Point'], ['in', ['get', 'kind'], kinds]]);
  }

  showDefect(e) {
    const f = e.features?.[0];
    if (!f) return;
    e.originalEvent?.stopPropagation?.();
    const source = this.defects.features[f.id] || f;
    const bbox = bboxOf(source);
    if (bbox) this.zoomTo(bbox);
    this.popup?.remove();
    const body = el('div', { class: 'coverage-popup' });
    body.append(el('strong', { text: KINDS[f.properties.kind]?.label || f.properties.kind }), el('p', { text: f.properties.message }));
    this.popup = new maplibregl.Popup({ maxWidth: '320px' }).setLngLat(e.lngLat).setDOMContent(body).addTo(this.map);
  }

  zoomTo(bbox) {
    const pad = Math.max(bbox[2] - bbox[0], bbox[3] - bbox[1]) * 0.3 + 0.0008;
    this.map.fitBounds([[bbox[0] - pad, bbox[1] - pad], [bbox[2] + pad, bbox[3] + pad]], { padding: freePadding(this.map), maxZoom: 18, duration: 600 });
  }

  counts() {
    const c = {};
    for (const f of this.defects.features) c[f.properties.kind] = (c[f.properties.kind] || 0) + 1;
    return c;
  }

  /** The headline: the server's county-wide figures (the same the top bar and the table's totals show). */
  renderTotals() {
    const t = this.summary.totals || {};
    const parts = [];
    if (t.coverage_pct !== null && t.coverage_pct !== undefined) parts.push(`全县覆盖率 ${pctText(t.coverage_pct)},缺口 ${fmt(t.gap_m2, 1)} 平方米`);
    if (t.households !== null && t.households !== undefined) {
      const aside = [
        t.households_outside_communities ? `不属任何社区 ${fmt(t.households_outside_communities)} 户` : '',
        t.households_outside_county ? `县界外 ${fmt(t.households_outside_county)} 户` : '',
        `未入格 ${fmt(t.households_uncovered)} 户`,
      ].filter(Boolean);
      parts.push(`住户 ${fmt(t.households)} 户(${aside.join('、')})`);
    }
    parts.push(`缺陷 ${fmt(t.defects ?? this.defects.features.length)} 处`);
    this.totals.textContent = `${parts.join(';')}。`;
    this.totals.id = 'coverage-headline';
    const hidden = (t.defects ?? 0) - this.defects.features.length;
    if (hidden > 0) this.totals.append(el('span', { class: 'coverage-note', text: ` 其中 ${fmt(hidden)} 处涉及单户,登录后在地图上显示。` }));
  }

  renderLegend() {
    this.legend.replaceChildren();
    const counts = this.counts();
    for (const [kind, k] of Object.entries(KINDS)) {
      if (!counts[kind]) continue;
      const row = el('label', { class: 'coverage-kind' });
      const box = el('input');
      box.type = 'checkbox';
      box.checked = this.shown.has(kind);
      box.addEventListener('change', () => {
        if (box.checked) this.shown.add(kind);
        else this.shown.delete(kind);
        this.applyFilter();
      });
      const sw = el('span', { class: `coverage-swatch coverage-swatch-${k.draw}` });
      sw.style.setProperty('--c', k.color);
      row.append(box, sw, el('span', { text: `${k.label} ${counts[kind]}` }));
      this.legend.append(row);
    }
    if (!Object.keys(counts).length) this.legend.append(el('p', { text: '未发现缺陷。' }));
  }

  /** What the view drew, for tests and for the curious: defects by kind, table rows, rendered features. */
  report() {
    const byKind = {};
    for (const f of this.defects.features) byKind[f.properties.kind] = (byKind[f.properties.kind] || 0) + 1;
    const layers = ['coverage-area-fill', 'coverage-area-line', 'coverage-outline', 'coverage-point'].filter((id) => this.map.getLayer(id));
    this.status.textContent = JSON.stringify({
      ready: true,
      defects: byKind,
      rows: this.rows.map((r) => r.code),
      contact: Object.fromEntries([...(this.contact || new Map())].map(([code, c]) => [code, c.coverage_pct])),
      headline: this.totals.textContent,
      table: {
        households: this.rows.reduce((a, r) => a + (r.households || 0), 0),
        defects: this.rows.reduce((a, r) => a + (r.defects || 0), 0),
        pct: Object.fromEntries(this.rows.map((r) => [r.code, pctText(r.coverage_pct)])),
        foot: [...this.table.querySelectorAll('tfoot tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
      },
      rendered: Object.fromEntries(layers.map((id) => [id, this.map.queryRenderedFeatures({ layers: [id] }).length])),
    });
  }

  renderTable() {
    const rows = worstFirst(this.summary.summary);
    this.rows = rows;
    this.table.replaceChildren();
    const head = el('tr');
    for (const h of ['社区', '覆盖率', '户数', '未入格', '网格', '缺陷', '走访覆盖率']) head.append(el('th', { text: h }));
    this.table.append(el('thead'));
    this.table.tHead.append(head);
    const body = el('tbody');
    for (const r of rows) {
      const tr = el('tr');
      tr.tabIndex = 0;
      tr.dataset.code = r.code;
      if ((r.coverage_pct ?? 100) < 100 || r.defects > 0) tr.className = 'coverage-bad';
      tr.append(
        el('td', { text: r.name }),
        el('td', { class: 'num', text: pctText(r.coverage_pct) }),
        el('td', { class: 'num', text: fmt(r.households) }),
        el('td', { class: 'num', text: fmt(r.households_uncovered) }),
        el('td', { class: 'num', text: fmt(r.grids) }),
        el('td', { class: 'num', text: fmt(r.defects) }),
        el('td', { class: 'num', title: '近30天已走访户数/总户数', text: contactText(this.contact?.get(r.code)) }),
      );
      const go = () => {
        const b = this.communityBbox.get(r.code);
        if (b) this.zoomTo(b);
      };
      tr.addEventListener('click', go);
      tr.addEventListener('keydown', (e) => e.key === 'Enter' && go());
      body.append(tr);
    }
    this.table.append(body);
    // The foot: what the rows add up to, and the households outside every community, so the table sums to
    // the headline's households.
    const t = this.summary.totals || {};
    const foot = el('tfoot');
    const footRow = (label, households, extra = {}) =>
      el(
        'tr',
        extra,
        el('td', { text: label }),
        el('td', { class: 'num', text: '' }),
        el('td', { class: 'num', text: fmt(households) }),
        el('td', { colspan: 3 }),
      );
    if (t.households_outside_communities) foot.append(footRow('不属任何社区', t.households_outside_communities));
    if (t.households_outside_county) foot.append(footRow('县界外', t.households_outside_county));
    const total = footRow('合计', t.households, { class: 'coverage-sum' });
    total.children[1].textContent = pctText(t.coverage_pct);
    foot.append(total);
    this.table.append(foot);
  }

  /**
   * 导出证据 as a small menu: the workbook first (what most offices open), the A4 list to print, and GeoJSON
   * for GIS software. The files come from the server as the signed-in caller may see them (the session
   * cookie goes with the link).
   */
  exportMenu() {
    const menu = el('details', { class: 'coverage-export-menu' });
    menu.id = 'coverage-export';
    const summary = el('summary', { class: 'coverage-export', text: '导出证据' });
    summary.title = '下载覆盖检查的问题清单';
    const list = el('div', { class: 'coverage-export-list', role: 'menu' });
    const item = (text, title, attrs) => {
      const a = el('a', { ...attrs, text, role: 'menuitem' });
      a.title = title;
      a.addEventListener('click', () => (menu.open = false));
      list.append(a);
      return a;
    };
    item('Excel 表格', '汇总及每类问题一张表: 社区、网格名称、位置和处理建议', { href: `${API_BASE}/coverage/evidence.xlsx`, download: '', 'data-format': 'xlsx' });
    item('打印版 PDF (A4)', '按类列出每个问题的 A4 清单, 带页眉和页码', { href: `${API_BASE}/coverage/evidence.pdf`, download: '', 'data-format': 'pdf' });
    const geojson = item('GeoJSON (GIS 软件用)', '问题的位置和范围, 可在 QGIS 等软件中打开', { href: '#', 'data-format': 'geojson' });
    geojson.addEventListener('click', (e) => {
      e.preventDefault();
      this.exportGeojson();
    });
    menu.append(summary, list);
    return menu;
  }

  exportGeojson() {
    if (!this.defects) return;
    const stamp = new Date().toISOString().slice(0, 10);
    download(`覆盖检查-问题-${stamp}.geojson`, JSON.stringify(this.defects), 'application/geo+json');
  }
}

/**
 * The view on `map` as the 覆盖检查 button; opened at once with ?panel=coverage or #coverage.
 * `onUncontacted(codes | null)` shades (or stops shading) the households not visited lately on the map.
 */
export function installCoverage(map, { onUncontacted } = {}) {
  return installView(map, 'coverage', new CoverageView(map, { onUncontacted }), { label: '覆盖检查', title: '覆盖检查:盲区、缝隙、重叠、未入格住户' }, () =>
    new URLSearchParams(location.search).get('panel') === 'coverage' || location.hash === '#coverage');
}
