// 方案对比: two plans of the planner's community on the map at once, and what changes between them. Either side
// is the published plan (现行方案), a published version (v:N; v:0 = before the first publication) or a draft;
// the server compares (/plans/compare) and answers with both sets of grids and the households and units that lie
// in another grid under B than under A, with both managers. A is drawn as a dashed blue outline, B as a solid
// red one, each with its own labels, so where they part is where a line is single; the households that change
// grid are points. The sources and layers exist only while a comparison is shown (removed by clear()), so the
// draft layers underneath are never touched.

import { fetchLayer, getJSON } from '../shared/api.js';
import { bboxOf } from '../shared/bbox.js';
import { FONT_BOLD } from '../shared/config.js';
import { button, el } from '../shared/dom.js';
import { labelPoints } from '../shared/labels.js';
import { gridName } from './layers.js';
import { pointOf } from '../shared/geometry.js';
import { plansApi } from './plans-api.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const SIDES = {
  a: { color: '#1f6fd1', dash: true, name: 'A' },
  b: { color: '#d62728', dash: false, name: 'B' },
};
const MOVES = 'planner-compare-moves';
/** The layers a comparison adds, bottom to top (the self-report counts what each renders). */
export const COMPARE_LAYERS = ['planner-compare-a-line', 'planner-compare-b-line', MOVES, 'planner-compare-a-label', 'planner-compare-b-label'];

const fmt = (n) => (Number.isFinite(n) ? n.toLocaleString('zh-CN') : '—');
const day = (s) => String(s ?? '').slice(0, 10);

export class PlanCompare {
  /** `view` is the PlannerView: its map, community, drafts, households, fit() and report(). */
  constructor(view) {
    this.v = view;
    this.versions = [];
    this.result = null; // the server's last comparison, while shown
    this.busy = false;
    this.error = null;
    this.seq = 0;
    this.selectA = el('select', { id: 'planner-compare-a', 'aria-label': '方案 A' });
    this.selectB = el('select', { id: 'planner-compare-b', 'aria-label': '方案 B' });
    this.runButton = button('对比', () => this.run(), { class: 'planner-primary', id: 'planner-compare-run' });
    this.endButton = button('结束对比', () => this.clear(), { class: 'planner-link', id: 'planner-compare-end', hidden: true });
    this.box = el('div', { class: 'planner-compare-result', id: 'planner-compare-result' });
    const side = (key, select) => {
      const sw = el('i', { class: `planner-swatch planner-swatch-compare-${key}` });
      return el('label', { class: 'planner-field' }, el('span', {}, sw, `方案 ${SIDES[key].name}`), select);
    };
    this.section = el(
      'section',
      { class: 'planner-section planner-compare', id: 'planner-compare', hidden: true },
      el('h3', { text: '方案对比' }),
      side('a', this.selectA),
      side('b', this.selectB),
      el('div', { class: 'planner-create' }, this.runButton, this.endButton),
      this.box,
    );
  }

  // ---- the choices ------------------------------------------------------------------------------

  /** Another community (or none): the comparison goes, the published versions are read again. */
  async forCommunity(code) {
    this.clear();
    this.versions = [];
    this.section.hidden = !code;
    this.fill();
    if (!code) return;
    try {
      const r = await plansApi.versions(code);
      if (this.v.community !== code) return;
      this.versions = r.versions || [];
    } catch (err) {
      this.showError(`已发布版本无法加载: ${err.message}`);
    }
    this.fill();
  }

  /** The options of both selects: 现行方案, each version (newest first), 首次发布前, each draft. Keeps the choice. */
  fill() {
    const options = [{ value: 'published', text: '现行方案' }];
    const versions = this.versions.slice().sort((x, y) => y.version - x.version);
    for (const x of versions) options.push({ value: `v:${x.version}`, text: `第 ${x.version} 版 · ${x.plan_name || ''} (${x.published_by || ''} ${day(x.published_at)})` });
    // v:0 only means something once there is a publication: before it, it is the published plan itself.
    if (versions.length) options.push({ value: 'v:0', text: '首次发布前' });
    for (const p of this.v.plans) options.push({ value: `draft:${p.id}`, text: `草稿 · ${p.name} (${p.author})` });
    const values = options.map((o) => o.value);
    const keep = (s, fallback) => {
      const was = s.value;
      s.replaceChildren(...options.map((o) => el('option', o)));
      s.value = values.includes(was) ? was : fallback;
    };
    // By default: the published plan against the newest draft (what a planner wants to check before publishing),
    // else against the last version's predecessor.
    const otherDefault = values.find((x) => x.startsWith('draft:')) || (versions.length ? 'v:0' : 'published');
    keep(this.selectA, 'published');
    keep(this.selectB, otherDefault);
  }

  // ---- comparing --------------------------------------------------------------------------------

  async run() {
    const community = this.v.community;
    if (!community || this.busy) return;
    const a = this.selectA.value;
    const b = this.selectB.value;
    const seq = ++this.seq;
    this.busy = true;
    this.error = null;
    this.runButton.disabled = true;
    this.box.replaceChildren(el('p', { class: 'planner-note', text: '正在对比…' }));
    this.v.report();
    try {
      const r = await plansApi.compare(community, a, b);
      if (seq !== this.seq || this.v.community !== community) return;
      this.result = r;
      this.draw(r);
      this.render(r);
      this.endButton.hidden = false;
      this.fitBoth(r);
      // The moved households' points need their locations: the view loads the community's households in the
      // background; if they are not there yet, read them here.
      if (!this.v.households.size) {
        const fc = await fetchLayer('households', { bbox: this.v.areaBbox() });
        if (seq !== this.seq || !this.result) return;
        if (!this.v.households.size) this.v.households = new Map(fc.features.map((h) => [h.properties.code, h]));
        this.drawMoves(r);
      }
    } catch (err) {
      if (seq !== this.seq) return;
      this.showError(`无法对比: ${err.message}`);
    } finally {
      if (seq === this.seq) {
        this.busy = false;
        this.runButton.disabled = false;
        this.v.report();
      }
    }
  }

  showError(message) {
    this.error = message;
    this.box.replaceChildren(el('p', { class: 'planner-error', role: 'alert', text: message }));
    this.v.report();
  }

  /** Leaves the comparison: its layers and sources go, the page's grids of the community show again. */
  clear() {
    this.seq += 1;
    this.busy = false;
    this.runButton.disabled = false;
    this.result = null;
    this.error = null;
    this.endButton.hidden = true;
    this.box.replaceChildren();
    const map = this.v.map;
    for (const id of COMPARE_LAYERS) if (map.getLayer(id)) map.removeLayer(id);
    for (const id of this.sourceIds()) if (map.getSource(id)) map.removeSource(id);
    if (this.hid) {
      this.hid = false;
      this.v.layers.hidePublished(this.v.plan ? this.v.plan.community : null);
    }
    this.v.report();
  }

  get active() {
    return !!this.result;
  }

  sourceIds() {
    return ['planner-compare-a', 'planner-compare-a-labels', 'planner-compare-b', 'planner-compare-b-labels', MOVES];
  }

  // ---- the map ----------------------------------------------------------------------------------

  /** Adds the sources and layers once per comparison shown, on top of everything (the draft layers too). */
  ensureLayers() {
    const map = this.v.map;
    if (map.getSource(MOVES)) return;
    for (const id of this.sourceIds()) map.addSource(id, { type: 'geojson', data: EMPTY });
    const z = (pairs) => ['interpolate', ['linear'], ['zoom'], ...pairs];
    for (const [key, s] of Object.entries(SIDES)) {
      const paint = { 'line-color': s.color, 'line-width': z([12, key === 'a' ? 2 : 1.5, 16, key === 'a' ? 4 : 3]), 'line-opacity': 0.9 };
      if (s.dash) paint['line-dasharray'] = [2, 1.5];
      map.addLayer({ id: `planner-compare-${key}-line`, type: 'line', source: `planner-compare-${key}`, paint });
    }
    map.addLayer({
      id: MOVES,
      type: 'circle',
      source: MOVES,
      paint: { 'circle-color': '#7b2cbf', 'circle-radius': z([12, 4, 17, 8]), 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
    });
    // A's labels sit above the label point and B's below it, so a grid both plans have shows both names.
    for (const [key, s] of Object.entries(SIDES)) {
      map.addLayer({
        id: `planner-compare-${key}-label`,
        type: 'symbol',
        source: `planner-compare-${key}-labels`,
        layout: {
          'text-field': ['get', '_label'],
          'text-font': FONT_BOLD,
          'text-size': z([12, 11, 16, 14]),
          'text-max-width': 10,
          'text-anchor': key === 'a' ? 'bottom' : 'top',
          'text-offset': [0, key === 'a' ? -0.3 : 0.3],
          'text-allow-overlap': true,
        },
        paint: { 'text-color': s.color, 'text-halo-color': 'rgba(255,255,255,0.95)', 'text-halo-width': 1.8 },
      });
    }
    // The page's own fill and labels of the community's published grids would read as a third plan.
    this.v.layers.hidePublished(this.v.community);
    this.hid = true;
  }

  draw(r) {
    this.ensureLayers();
    const map = this.v.map;
    for (const key of Object.keys(SIDES)) {
      const fc = r[key].grids;
      map.getSource(`planner-compare-${key}`).setData(fc);
      const labels = labelPoints(fc);
      for (const l of labels.features) l.properties._label = `${SIDES[key].name} · ${gridName(l.properties)}`;
      map.getSource(`planner-compare-${key}-labels`).setData(labels);
    }
    this.drawMoves(r);
  }

  drawMoves(r) {
    const src = this.v.map.getSource(MOVES);
    if (!src) return;
    const features = [];
    for (const h of r.households) {
      const at = pointOf(this.v.households.get(h.code)?.geometry);
      if (at) features.push({ type: 'Feature', properties: { code: h.code }, geometry: { type: 'Point', coordinates: at } });
    }
    src.setData({ type: 'FeatureCollection', features });
  }

  fitBoth(r) {
    const all = { type: 'FeatureCollection', features: [...r.a.grids.features, ...r.b.grids.features] };
    if (all.features.length) this.v.fit(bboxOf(all));
  }

  /** Rendered features per comparison layer, for the self-report. */
  rendered() {
    const map = this.v.map;
    const out = {};
    for (const id of COMPARE_LAYERS) if (map.getLayer(id)) out[id] = map.queryRenderedFeatures({ layers: [id] }).length;
    return out;
  }

  // ---- the panel --------------------------------------------------------------------------------

  render(r) {
    const names = { a: gridNames(r.a.grids), b: gridNames(r.b.grids) };
    const head = el(
      'div',
      { class: 'planner-compare-labels' },
      el('p', {}, el('i', { class: 'planner-swatch planner-swatch-compare-a' }), el('b', { text: 'A ' }), el('span', { id: 'planner-compare-label-a', text: r.a.label })),
      el('p', {}, el('i', { class: 'planner-swatch planner-swatch-compare-b' }), el('b', { text: 'B ' }), el('span', { id: 'planner-compare-label-b', text: r.b.label })),
    );
    const summary = el(
      'p',
      { class: 'planner-summary', id: 'planner-compare-counts' },
      '调整网格 ',
      el('strong', { text: fmt(r.households.length) }),
      ` 户,未变 ${fmt(r.households_unchanged)} 户;楼栋/巷道调整 `,
      el('strong', { text: fmt(r.units.length) }),
      ' 个。',
    );
    this.box.replaceChildren(
      head,
      summary,
      el('h4', { text: '调整的住户' }),
      this.list(r.households, 'household', names, '两个方案的住户网格相同。'),
      el('h4', { text: '调整的楼栋/巷道' }),
      this.list(r.units, 'unit', names, '两个方案的楼栋/巷道网格相同。'),
    );
  }

  /** One row per changed household or unit: name and code, grid A → grid B, manager A → manager B. */
  list(rows, kind, names, empty) {
    const ul = el('ul', { class: 'planner-compare-list', id: `planner-compare-${kind}s` });
    const grid = (side, code) => (code ? el('span', { class: `planner-compare-grid planner-compare-grid-${side}`, title: code }, names[side].get(code) || code, el('small', { class: 'planner-id', text: code })) : el('span', { class: 'planner-missing', text: '不在网格内' }));
    const manager = (m) => el('span', { class: m ? null : 'planner-missing', text: m || '未配备' });
    for (const x of rows) {
      const li = el(
        'li',
        { tabindex: 0, 'data-code': x.code, 'data-from': x.from ?? '', 'data-to': x.to ?? '', class: `planner-compare-row planner-compare-${kind}`, title: '点击在地图上查看' },
        el('div', { class: 'planner-compare-what' }, el('span', { text: x.name || x.code }), el('small', { class: 'planner-id', text: x.code })),
        el('div', { class: 'planner-compare-move' }, '网格 ', grid('a', x.from), ' → ', grid('b', x.to)),
        el('div', { class: 'planner-compare-move' }, '网格员 ', manager(x.from_manager), ' → ', manager(x.to_manager)),
      );
      const go = () => this.zoomTo(kind, x.code);
      li.addEventListener('click', go);
      li.addEventListener('keydown', (e) => e.key === 'Enter' && go());
      ul.append(li);
    }
    if (!rows.length) ul.append(el('li', { class: 'planner-empty', text: empty }));
    return ul;
  }

  /** Flies to a household or unit: from what the page has loaded, else from the search (by code). */
  async zoomTo(kind, code) {
    let b = null;
    if (kind === 'household') b = bboxOf(this.v.households.get(code)?.geometry);
    else b = bboxOf(this.v.tools?.units?.find((u) => u.properties.code === code)?.geometry);
    if (!b) {
      try {
        const r = await getJSON(`/search?q=${encodeURIComponent(code)}&limit=5`);
        const hit = (r.hits || []).find((h) => h.code === code && h.lonlat) || (r.hits || []).find((h) => h.lonlat);
        if (hit) b = [hit.lonlat[0], hit.lonlat[1], hit.lonlat[0], hit.lonlat[1]];
      } catch {
        /* no location: the row stays as it is */
      }
    }
    if (!b) return;
    this.zoomed = code;
    this.v.fit(b, 18);
    this.v.report();
  }

  /** The self-report's `compare` member (null while no comparison is shown). */
  report() {
    const r = this.result;
    let rendered = {};
    try {
      rendered = r ? this.rendered() : {};
    } catch {
      /* before the first frame */
    }
    return {
      shown: !!r,
      busy: this.busy,
      error: this.error,
      a: r ? r.a.ref : null,
      b: r ? r.b.ref : null,
      labels: r ? [r.a.label, r.b.label] : null,
      grids: r ? [r.a.grids.features.length, r.b.grids.features.length] : null,
      households: r ? r.households.length : null,
      households_unchanged: r ? r.households_unchanged : null,
      units: r ? r.units.length : null,
      household_codes: r ? r.households.map((h) => h.code) : [],
      unit_codes: r ? r.units.map((u) => u.code) : [],
      options: [...this.selectA.options].map((o) => o.value),
      zoomed: this.zoomed ?? null,
      rendered,
    };
  }
}

function gridNames(fc) {
  return new Map(fc.features.map((f) => [String(f.id ?? f.properties?.id), gridName(f.properties)]));
}
