// The web import ("导入数据"): a county's own file brought in without the command line. Pick what the file
// holds, drop it (up to 200 MB, with a progress bar), see how it was read (format, CRS, encoding), match its
// columns to ours, look at it on the map over the stored layers with every problem listed (a click shows
// where), then 确认导入 (one transaction, audited) or 取消 (nothing stored).
//
// Installed by the composition root (installImport): a "导入数据" button for the county admin, planners and
// secretaries (body.can-import); ?panel=import opens it. API: /api/v1/imports (http/imports.rs).

import { getJSON, postJSON, request, uploadFile } from '../shared/api.js';
import { bboxOf } from '../shared/bbox.js';
import { button, el } from '../shared/dom.js';
import { freePadding, installView } from '../shared/view.js';

const ROLES = ['admin', 'planner', 'secretary'];
const SOURCE = 'import-preview';
const LAYER_IDS = ['import-fill', 'import-line', 'import-point'];

/** What a file may hold, in the words of the people who keep it. */
const LAYERS = [
  ['grids', '网格'],
  ['units', '巷道 / 楼栋'],
  ['households', '住户(花名册)'],
  ['addresses', '门牌地址'],
  ['communities', '社区'],
  ['villages', '原行政村'],
  ['towns', '镇 / 街道'],
  ['county', '县界'],
];

/** The properties a column may fill, per layer, with their Chinese names. */
const WORDS = {
  code: '编码', name: '名称', county_code: '所属县编码', town_code: '所属镇街编码', community_code: '所属社区编码',
  grid_code: '所属网格编码', unit_code: '所属巷道/楼栋编码', village_code: '原行政村编码', kind: '类型',
  manager: '网格员', manager_phone: '网格员电话', target_households: '目标户数', secretary: '书记',
  secretary_phone: '书记电话', merged_into: '并入社区', leader: '组长', head: '负责人/户主', head_phone: '负责人电话',
  address: '地址', street: '街巷/村组', number: '门牌号', members: '人口', phone: '联系电话', id_number: '身份证号',
  tags: '标签', lon: '经度', lat: '纬度',
};
const PROPS = {
  county: ['code', 'name'],
  towns: ['code', 'name', 'county_code'],
  communities: ['code', 'name', 'town_code', 'kind', 'secretary', 'secretary_phone'],
  villages: ['code', 'name', 'town_code', 'merged_into'],
  grids: ['code', 'name', 'community_code', 'manager', 'manager_phone', 'target_households'],
  units: ['code', 'name', 'grid_code', 'kind', 'leader', 'head', 'head_phone'],
  households: ['code', 'grid_code', 'unit_code', 'village_code', 'address', 'head', 'members', 'phone', 'id_number', 'tags'],
  addresses: ['code', 'address', 'street', 'number', 'unit_code', 'community_code'],
};

/** The CRS choices for a file that declares none (DXF, CSV, XLSX). */
const CRSS = [
  ['wgs84', 'WGS84 / CGCS2000 经纬度(GPS、天地图)'],
  ['gcj02', 'GCJ-02(高德、腾讯、微信)'],
  ['bd09', 'BD-09(百度)'],
  ['EPSG:4546', 'CGCS2000 3度带 中央经线111°(CAD 常用)'],
  ['EPSG:4527', 'CGCS2000 3度带 第37带(带号)'],
  ['EPSG:2382', '西安80 3度带 中央经线111°'],
];

export class ImportView {
  constructor(map, page) {
    this.map = map;
    this.page = page;
    this.panel = null;
    this.preview = null;
    this.choices = { crs: '', map: {} };
    this.state = { ready: true, uploading: false, ok: null, features: 0, problems: 0, committed: null, failed: null };
  }

  async open() {
    if (!this.panel) this.build();
    this.panel.hidden = false;
    this.setVisible(true);
  }

  close() {
    if (this.panel) this.panel.hidden = true;
    this.setVisible(false);
  }

  toggle() {
    return this.panel && !this.panel.hidden ? this.close() : this.open();
  }

  setVisible(on) {
    for (const id of LAYER_IDS) if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }

  build() {
    const p = el('aside', { class: 'coverage-panel import-panel', id: 'import', 'aria-label': '导入数据' });
    const close = button('×', () => this.close(), { class: 'coverage-close', 'aria-label': '关闭' });
    const head = el('div', { class: 'coverage-head' }, el('h2', { text: '导入数据' }), close);
    this.layer = el('select', { id: 'import-layer', 'aria-label': '文件里是什么' });
    for (const [id, word] of LAYERS) this.layer.append(el('option', { value: id, text: word }));
    this.file = el('input', { type: 'file', id: 'import-file', accept: '.geojson,.json,.zip,.kml,.kmz,.gpkg,.dxf,.csv,.xlsx' });
    this.file.addEventListener('change', () => this.file.files[0] && this.upload(this.file.files[0]));
    const drop = el(
      'label',
      { class: 'import-drop', for: 'import-file' },
      el('b', { text: '把文件拖到这里,或点这里选择文件' }),
      el('span', { text: '支持 Shapefile(.shp 等打包成 .zip)、KML/KMZ(奥维、谷歌地球)、DXF(CAD)、GeoPackage、Excel/CSV 花名册、GeoJSON,最大 200 MB' }),
    );
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('import-drop-over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('import-drop-over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('import-drop-over');
      const f = e.dataTransfer?.files?.[0];
      if (f) this.upload(f);
    });
    this.progress = el('progress', { class: 'import-progress', max: '100', value: '0', hidden: true });
    this.message = el('p', { class: 'import-message', id: 'import-message', role: 'status' });
    this.body = el('div', { class: 'import-body', id: 'import-body' });
    this.statusEl = el('pre', { id: 'import-status', hidden: true });
    p.append(head, el('label', { class: 'import-row' }, '文件里是:', this.layer), drop, this.file, this.progress, this.message, this.body, this.statusEl);
    document.body.appendChild(p);
    this.panel = p;
    this.report();
  }

  say(text, bad = false) {
    this.message.textContent = text;
    this.message.classList.toggle('import-bad', bad);
  }

  async upload(file) {
    if (this.preview) await this.cancel(true);
    this.state = { ...this.state, uploading: true, ok: null, committed: null, failed: null };
    this.choices = { crs: '', map: {} };
    this.progress.hidden = false;
    this.progress.value = 0;
    this.say(`正在上传 ${file.name} …`);
    this.report();
    const q = `?layer=${encodeURIComponent(this.layer.value)}&name=${encodeURIComponent(file.name)}`;
    try {
      const p = await uploadFile(`/imports${q}`, file, (f) => {
        this.progress.value = Math.round(f * 100);
        this.say(f < 1 ? `正在上传 ${file.name}:${Math.round(f * 100)}%` : '上传完成,正在读取和检查…');
      });
      this.show(p);
    } catch (err) {
      this.fail(err);
    } finally {
      this.progress.hidden = true;
      this.state.uploading = false;
      this.report();
    }
  }

  fail(err) {
    this.state.failed = err.message;
    this.say(err.message, true);
    this.report();
  }

  async again() {
    if (!this.preview) return;
    this.say('正在按新的选择重新检查…');
    try {
      this.show(await postJSON(`/imports/${this.preview.id}/preview`, this.choices));
    } catch (err) {
      this.fail(err);
    }
  }

  async commit() {
    const id = this.preview?.id;
    if (!id) return;
    this.say('正在写入…');
    try {
      const r = await postJSON(`/imports/${id}/commit`, this.choices);
      this.preview = null;
      this.body.replaceChildren();
      this.setData({ type: 'FeatureCollection', features: [] });
      this.state.committed = r.features;
      this.say(`已导入 ${r.features} 个要素,地图已更新。`);
      await this.page.reloadLayers?.();
    } catch (err) {
      this.fail(err);
    }
    this.report();
  }

  async cancel(quiet = false) {
    const id = this.preview?.id;
    this.preview = null;
    this.body.replaceChildren();
    this.setData({ type: 'FeatureCollection', features: [] });
    if (id) await request('DELETE', `/imports/${id}`).catch(() => null);
    if (!quiet) this.say('已取消,没有写入任何数据。');
    this.state.ok = null;
    this.report();
  }

  show(p) {
    this.preview = p;
    this.state.ok = p.ok;
    this.state.features = p.features?.features?.length ?? 0;
    this.state.problems = p.problems.length;
    this.state.needs_crs = p.needs_crs;
    this.setData(p.features);
    const box = bboxOf(p.features);
    if (box && this.state.features) this.map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: freePadding(this.map), maxZoom: 17, duration: 0 });
    const rows = el('dl', { class: 'import-facts' });
    const fact = (k, v) => v && rows.append(el('dt', { text: k }), el('dd', { text: v }));
    fact('文件', p.file_name);
    fact('格式', p.format);
    fact('坐标系', p.crs);
    fact('文字编码', p.encoding);
    if (this.state.features) fact('要素', `${this.state.features} 个`);
    if (p.replaces || p.keeps) fact('写入后', `替换现有 ${p.replaces} 个` + (p.keeps ? `,保留范围外 ${p.keeps} 个` : ''));
    if (p.located_parents) fact('上级', `${p.located_parents} 个按位置确定`);
    if (p.generated_codes) fact('编码', `${p.generated_codes} 个按编码规则生成`);
    if (p.matched) fact('按地址定位', `${p.matched.placed} / ${p.matched.rows} 行;待确认 ${p.matched.ambiguous.length},未匹配 ${p.matched.unmatched.length}`);
    const parts = [rows];
    if (p.needs_crs || this.choices.crs) parts.push(this.crsPicker(p.needs_crs));
    if (p.mapping.length) parts.push(this.mappingTable(p));
    if (p.problems.length) parts.push(this.problemList(p));
    if (p.flags.length) {
      parts.push(el('h3', { text: `请核对(${p.flags.length})` }), el('ul', { class: 'import-flags' }, ...p.flags.slice(0, 50).map((f) => el('li', { text: f }))));
    }
    const ok = button('确认导入', () => this.commit(), { class: 'import-commit', id: 'import-commit' });
    ok.disabled = !p.ok;
    parts.push(el('div', { class: 'import-actions' }, ok, button('取消', () => this.cancel(), { id: 'import-cancel' })));
    this.body.replaceChildren(...parts);
    this.say(p.ok ? '检查通过:请在地图上核对,然后确认导入。' : p.needs_crs ? '文件没有声明坐标系,请选择后重新检查。' : `有 ${p.problems.length} 个问题需要处理,处理前不能导入。`, !p.ok);
    this.report();
  }

  crsPicker(needed) {
    const s = el('select', { id: 'import-crs', 'aria-label': '坐标系' });
    s.append(el('option', { value: '', text: needed ? '请选择坐标系…' : '按文件声明' }));
    for (const [v, t] of CRSS) s.append(el('option', { value: v, text: t, selected: v === this.choices.crs }));
    s.addEventListener('change', () => {
      this.choices.crs = s.value;
      this.again();
    });
    return el('label', { class: 'import-row' }, '坐标系:', s);
  }

  mappingTable(p) {
    const props = [...PROPS[p.layer], ...(p.format === 'CSV' || p.format === 'XLSX' ? ['lon', 'lat'] : [])];
    const t = el('table', { class: 'coverage-table import-mapping', id: 'import-mapping' });
    t.append(el('tr', {}, el('th', { text: '文件中的列' }), el('th', { text: '对应到' })));
    for (const [src, to] of p.mapping) {
      const s = el('select', { 'aria-label': `列 ${src} 对应到`, 'data-column': src });
      const known = props.includes(to);
      s.append(el('option', { value: known ? src : to, text: known ? '(原样保留)' : `(原样保留为 ${to})`, selected: !known }));
      for (const prop of props) s.append(el('option', { value: prop, text: `${WORDS[prop] || prop}(${prop})`, selected: prop === to }));
      s.addEventListener('change', () => {
        this.choices.map[src] = s.value;
        this.again();
      });
      t.append(el('tr', {}, el('td', { text: src }), el('td', {}, s)));
    }
    return el('details', { open: !p.ok }, el('summary', { text: `列的对应(${p.mapping.length} 列)` }), t);
  }

  problemList(p) {
    const byCode = new Map((p.features?.features || []).map((f) => [f.properties?.code, f]));
    const list = el('ol', { class: 'import-problems', id: 'import-problems' });
    for (const x of p.problems.slice(0, 200)) {
      const li = el('li', { text: x.message, tabIndex: '0' });
      const f = x.code && byCode.get(x.code);
      if (f || x.at) {
        li.classList.add('import-where');
        li.title = '点击在地图上查看';
        const go = () => {
          if (x.at) this.map.flyTo({ center: x.at, zoom: Math.max(this.map.getZoom(), 16) });
          else {
            const b = bboxOf({ type: 'FeatureCollection', features: [f] });
            this.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: freePadding(this.map), maxZoom: 18 });
          }
        };
        li.addEventListener('click', go);
        li.addEventListener('keydown', (e) => e.key === 'Enter' && go());
      }
      list.append(li);
    }
    return el('div', {}, el('h3', { text: `问题(${p.problems.length})` }), list);
  }

  setData(fc) {
    const map = this.map;
    if (map.getSource(SOURCE)) return map.getSource(SOURCE).setData(fc);
    map.addSource(SOURCE, { type: 'geojson', data: fc });
    map.addLayer({ id: 'import-fill', type: 'fill', source: SOURCE, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#ff7f0e', 'fill-opacity': 0.25 } });
    map.addLayer({ id: 'import-line', type: 'line', source: SOURCE, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'line-color': '#ff7f0e', 'line-width': 2.5 } });
    map.addLayer({ id: 'import-point', type: 'circle', source: SOURCE, filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': '#ff7f0e', 'circle-radius': 4, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
  }

  /** What the view shows, for tests and support. */
  report() {
    if (this.statusEl) this.statusEl.textContent = JSON.stringify({ ...this.state, upload: this.preview?.id ?? null });
  }
}

/** The view on `map` as the 导入数据 button; `page.reloadLayers` refreshes the map after a commit. */
export function installImport(map, page) {
  getJSON('/auth/me')
    .then((me) => document.body.classList.toggle('can-import', !!me?.signed_in && ROLES.includes(me.role)))
    .catch(() => {});
  return installView(map, 'import', new ImportView(map, page), {
    label: '导入数据',
    title: '导入县里自己的文件:Shapefile、KML、DXF、Excel 花名册等,先预览核对,再确认写入',
    className: 'coverage-button import-button',
    id: 'import-button',
  });
}
