// The planner's editing tools. Each ends in one edit sent to the server (view.edit):
//   改边界  terra-draw select mode: drag, add or delete a grid's vertices; on release `reshape` with the new
//           outer ring (or `move_vertex`, if the planner chose to move a shared vertex in both grids)
//   拆分    terra-draw line mode: `split` the grid the line runs across most
//   合并    click the grid to keep, then the one to merge into it: `merge`
//   划入楼栋 click lanes and buildings (zoom ≥ 13), then the target grid (or pick it in the list): `assign_units`
//   分配缺口 click in a blind spot, sliver or overlap, pick a grid in the popup: `give`

import { button, el, isPhone } from '../shared/dom.js';
import { contains, pointsAlong } from '../shared/geometry.js';
import { UNITS_MINZOOM, gridName } from './layers.js';
import { fetchLayer } from '../shared/api.js';

export const TOOLS = {
  reshape: { label: '改边界', hint: '点选网格,拖动顶点;点边上的小圆点加顶点,右键单击顶点删除。松开后服务器把顶点吸附到相邻网格和社区边界。' },
  split: { label: '拆分', hint: '画一条穿过网格的线:逐点单击,在最后一点上再单击一次结束。' },
  merge: { label: '合并', hint: '先点保留的网格,再点并入它的网格。' },
  assign: { label: '划入楼栋', hint: `放大到 ${UNITS_MINZOOM} 级以上,点选楼栋/巷道(可多选),再点目标网格(或在下面选定后点“划入”)。` },
  give: { label: '分配缺口', hint: '点击盲区、缝隙或重叠处,再选择归入哪个网格。' },
};

/** Gap and overlap kinds the give tool hands to a grid. */
const GIVEABLE = ['blind_spot', 'sliver', 'overlap'];

export class PlanTools {
  /** `view` is the PlannerView: its plan, map, layers, editor, edit(), nameOf(), flash(), report(). */
  constructor(view) {
    this.v = view;
    this.tool = 'reshape';
    this.picks = { grids: [], units: new Set() };
    this.snap = 3;
    // Dragging a vertex another grid shares moves it in both by default, so a shared edge stays shared; unticked,
    // the drag reshapes the selected grid alone (and the server snaps what lands near a neighbour).
    this.linked = true;
    this.assignTarget = null;
    this.units = null; // the community's lanes and buildings, loaded for the assign tool
    this.popup = null;
    this.buttons = {};
    this.bar = el('div', { class: 'planner-tools', role: 'toolbar', 'aria-label': '编辑工具' });
    for (const [k, t] of Object.entries(TOOLS)) {
      this.buttons[k] = button(t.label, () => this.set(k), { 'data-tool': k, 'aria-pressed': 'false' });
      this.bar.append(this.buttons[k]);
    }
    this.hint = el('p', { class: 'planner-hint', id: 'planner-hint' });
    this.box = el('div', { class: 'planner-toolbox', id: 'planner-toolbox' });
  }

  /** Another community: its units are not loaded yet. */
  forCommunity() {
    this.units = null;
    this.assignTarget = null;
  }

  set(tool) {
    const v = this.v;
    this.tool = tool;
    this.reset();
    for (const [k, b] of Object.entries(this.buttons)) b.setAttribute('aria-pressed', String(k === tool));
    this.hint.textContent = TOOLS[tool].hint;
    v.editor?.setMode(tool === 'reshape' ? 'select' : tool === 'split' ? 'linestring' : 'static');
    if (tool === 'reshape' && v.selected) v.editor?.select(v.selected);
    v.layers.setUnitsVisible(tool === 'assign' && !!v.plan);
    if (tool === 'assign') this.loadUnits();
    v.report();
  }

  reset() {
    this.picks = { grids: [], units: new Set() };
    this.popup?.remove();
    if (this.units) this.v.layers.setUnits(this.units, this.picks.units);
    this.drawPicks();
    this.render();
  }

  /** After a new plan view: drop picks of grids that are gone. */
  afterPlan() {
    const ids = new Set(this.v.plan.grids.features.map((f) => String(f.id)));
    this.picks.grids = this.picks.grids.filter((g) => ids.has(g));
    this.popup?.remove();
    this.drawPicks();
    this.render();
  }

  async loadUnits() {
    const v = this.v;
    if (this.units || !v.community) return;
    const code = v.community;
    try {
      const fc = await fetchLayer('units', { bbox: v.areaBbox() });
      if (v.community !== code) return;
      this.units = fc.features;
      v.layers.setUnits(this.units, this.picks.units);
      this.render();
    } catch (err) {
      v.fail(err);
    }
  }

  drawPicks() {
    const plan = this.v.plan;
    if (!plan) return this.v.layers.setPicks([]);
    const byId = new Map(plan.grids.features.map((f) => [String(f.id), f]));
    this.v.layers.setPicks(this.picks.grids.map((id) => byId.get(id)).filter(Boolean));
  }

  /** The panel's part for the tool: its options, what is picked, and the button that sends the edit. */
  render() {
    const v = this.v;
    const box = this.box;
    if (!v.plan) return box.replaceChildren();
    if (this.tool === 'reshape') {
      const snap = el('select', { id: 'planner-snap', 'aria-label': '吸附距离' }, ...[0, 1, 3, 5, 10].map((m) => el('option', { value: m, text: m ? `${m} 米` : '不吸附' })));
      snap.value = String(this.snap);
      snap.addEventListener('change', () => (this.snap = Number(snap.value)));
      const linked = el('input', { type: 'checkbox', id: 'planner-linked', checked: this.linked });
      linked.addEventListener('change', () => (this.linked = linked.checked));
      box.replaceChildren(
        el('label', { class: 'planner-field' }, el('span', { text: '吸附距离' }), snap),
        el('label', { class: 'planner-check' }, linked, el('span', { text: '拖动共用顶点时,相邻网格一起改' })),
        el('p', { class: 'planner-note', id: 'planner-selected', text: v.selected ? `已选:${v.nameOf(v.selected)}` : '未选网格:在地图上点一个网格,或点表格中的一行。' }),
      );
    } else if (this.tool === 'merge') {
      const [a, b] = this.picks.grids;
      const note = a ? (b ? `把「${v.nameOf(b)}」并入「${v.nameOf(a)}」(保留后者的编码和网格员)` : `保留:${v.nameOf(a)};再点要并入的网格。`) : '点选保留的网格。';
      const go = a && b ? button('合并', () => v.edit({ op: 'merge', grid: a, with: b }), { class: 'planner-primary', id: 'planner-merge-go' }) : null;
      box.replaceChildren(el('p', { class: 'planner-note', text: note }), a ? el('div', { class: 'planner-row-actions' }, go, button('重选', () => this.reset())) : '');
    } else if (this.tool === 'assign') {
      const n = this.picks.units.size;
      const target = el(
        'select',
        { id: 'planner-assign-target', 'aria-label': '目标网格' },
        el('option', { value: '', text: '— 目标网格 —' }),
        ...v.plan.stats.grids.map((g) => el('option', { value: g.id, text: gridName(g) })),
      );
      if (v.plan.stats.grids.some((g) => g.id === this.assignTarget)) target.value = this.assignTarget;
      target.addEventListener('change', () => (this.assignTarget = target.value));
      const go = button('划入', () => (target.value ? this.assignTo(target.value) : v.flash('请选择目标网格。')), {
        class: 'planner-primary',
        id: 'planner-assign-go',
        disabled: !n,
      });
      const note = v.map.getZoom() < UNITS_MINZOOM ? `请放大到 ${UNITS_MINZOOM} 级以上再点选楼栋/巷道。` : this.units ? `已选 ${n} 个楼栋/巷道。` : '正在加载楼栋/巷道…';
      box.replaceChildren(el('p', { class: 'planner-note', text: note }), el('div', { class: 'planner-create' }, target, go, n ? button('清空', () => this.reset()) : null));
    } else {
      box.replaceChildren();
    }
  }

  assignTo(grid) {
    this.assignTarget = grid;
    return this.v.edit({ op: 'assign_units', grid, units: [...this.picks.units] }).then((ok) => ok && this.reset());
  }

  /** A grid's row in the table was chosen: the merge and assign tools take it as their pick. */
  takesGrid(id) {
    if (this.tool === 'merge') {
      this.pickGrid(id);
      return true;
    }
    if (this.tool === 'assign') {
      this.assignTarget = id;
      this.render();
      return true;
    }
    return false;
  }

  pickGrid(id) {
    const g = this.picks.grids;
    if (g.includes(id)) return;
    if (g.length >= 2) g.length = 0;
    g.push(id);
    this.drawPicks();
    this.render();
    this.v.report();
  }

  /** A click on the map (terra-draw's tools take theirs themselves). */
  click(e) {
    const v = this.v;
    if (this.tool === 'merge') {
      const g = v.layers.at(e.point, 'planner-grid-fill', 0)[0];
      if (g) this.pickGrid(String(g.properties.id));
    } else if (this.tool === 'assign') {
      if (v.map.getZoom() < UNITS_MINZOOM) return this.render();
      const u = v.layers.at(e.point, 'planner-unit-fill', isPhone() ? 8 : 2)[0];
      if (u) {
        const code = u.properties.code;
        if (this.picks.units.has(code)) this.picks.units.delete(code);
        else this.picks.units.add(code);
        v.layers.setUnits(this.units, this.picks.units);
        this.render();
        return v.report();
      }
      // Beside the units: the grid clicked is the target.
      const g = this.picks.units.size && v.layers.at(e.point, 'planner-grid-fill', 0)[0];
      if (g) this.assignTo(String(g.properties.id));
    } else if (this.tool === 'give') {
      this.offerGive(e);
    }
  }

  /** What is at the click (a gap or an overlap) and the grids it may go to, in a popup. */
  offerGive(e) {
    const v = this.v;
    const hit = v.layers.at(e.point, 'planner-defect-fill', isPhone() ? 8 : 3).find((f) => GIVEABLE.includes(f.properties.kind));
    this.popup?.remove();
    if (!hit) return v.flash('这里没有盲区、缝隙或重叠:请点在红色、橙色或紫色区域内。');
    v.clearError();
    const defect = v.plan.stats.defects.find((d) => d.id === hit.properties.id);
    const ids = new Set(v.plan.stats.grids.map((g) => g.id));
    let candidates = (defect?.codes || []).filter((c) => ids.has(c));
    if (!candidates.length) candidates = [...ids];
    const at = [e.lngLat.lng, e.lngLat.lat];
    const body = el('div', { class: 'planner-popup' }, el('p', { text: `${hit.properties.kind === 'overlap' ? '这块重叠' : '这块缺口'}归入:` }));
    for (const id of candidates) body.append(button(v.nameOf(id), () => v.edit({ op: 'give', at, to: id }), { class: 'planner-give-choice', 'data-grid': id }));
    this.popup = new maplibregl.Popup({ maxWidth: '280px', closeOnClick: false }).setLngLat(e.lngLat).setDOMContent(body).addTo(v.map);
  }

  /** terra-draw finished editing a grid's outline: send it (the server snaps). */
  outline(id, ring, action, before) {
    const moved = action === 'dragCoordinate' && this.linked ? this.sharedVertexMoved(id, before, ring) : null;
    if (moved) return this.v.edit({ op: 'move_vertex', from: moved.from, to: moved.to, snap_m: this.snap });
    return this.v.edit({ op: 'reshape', grid: id, ring, snap_m: this.snap });
  }

  /** The one vertex a drag moved, when another grid has it too (so it can move in both). */
  sharedVertexMoved(id, before, after) {
    if (!before || before.length !== after.length) return null;
    const changed = [];
    // Closed rings: the last vertex repeats the first.
    for (let i = 0; i < before.length - 1; i++) if (before[i][0] !== after[i][0] || before[i][1] !== after[i][1]) changed.push(i);
    if (changed.length !== 1) return null;
    const from = before[changed[0]];
    const others = this.v.plan.grids.features.map((f) => String(f.id)).filter((g) => g !== id);
    const shared = others.some((g) => this.v.editor.vertices(g).some((c) => c[0] === from[0] && c[1] === from[1]));
    return shared ? { from, to: after[changed[0]] } : null;
  }

  /** terra-draw finished a line: split the grid it runs across most. */
  line(coords) {
    const v = this.v;
    if (coords.length < 2) return;
    const samples = pointsAlong(coords, 64);
    let best = null;
    let most = 0;
    for (const f of v.plan.grids.features) {
      const n = samples.filter((p) => contains(f.geometry, p)).length;
      if (n > most) [best, most] = [String(f.id), n];
    }
    if (!best) return v.flash('这条线没有穿过任何网格。');
    return v.edit({ op: 'split', grid: best, line: coords });
  }
}
