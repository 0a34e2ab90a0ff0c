// The planner view ("网格规划"): a planner redraws a community's grids in a draft, sees coverage and the
// household balance after every edit, and publishes. Opened by the "网格规划" map button, or with
// ?panel=planner (&community=CODE&plan=ID opens that draft; the address follows what is open).
//
// The server does the work: every edit is one POST to /api/v1/plans/{id}/edits, answered with the whole draft
// and its statistics, from which the map, terra-draw and the panel are redrawn. Only planners and the county
// admin may plan (the server checks; the panel says so first). Several planners may hold drafts of one
// community at once; publishing a draft that another publication overtook is refused (409).
//
// Modules of this folder: drafts (the list), tools (the editing tools), editor (terra-draw), layers (the map),
// stats (the figures), publish (publishing), propose (自动划分: a draft proposed by the server), compare (方案对比: two plans on the map, shown with the draft list
// while no draft is open), geometry (lon/lat helpers), plans-api (the calls).
//
// Self-report for tests: <pre id="planner-status" hidden> (JSON), updated after every change.

import { newProblems, warningText } from './warn.js';
import { fetchLayer, getJSON, setCsrf } from '../shared/api.js';
import { bboxOf } from '../shared/bbox.js';
import { button, el, isPhone } from '../shared/dom.js';
import { shortName } from '../shared/labels.js';
import { plansApi } from './plans-api.js';
import { PlanCompare } from './compare.js';
import { DraftList } from './drafts.js';
import { PlanEditor } from './editor.js';
import { BANDS, PlanLayers, gridName } from './layers.js';
import { ProposeForm, proposalNote } from './propose.js';
import { PublishBox, resultView } from './publish.js';
import { defectCounts, renderDiff, renderStats, renderSteps } from './stats.js';
import { PlanTools } from './tools.js';
import { installView } from '../shared/view.js';

const PLANNING_ROLES = ['planner', 'admin'];

export class PlannerView {
  /** `page.reloadLayers()`, once the page has it, fetches the page's published layers again. */
  constructor(map, page = {}) {
    this.map = map;
    this.page = page;
    this.layers = new PlanLayers(map);
    this.editor = null;
    this.panel = null;
    this.me = null;
    this.communities = new Map(); // code -> feature, those the account's scope covers
    this.community = null;
    this.plans = [];
    this.plan = null; // the open draft, as the server last returned it
    this.diff = null;
    this.households = new Map(); // code -> feature, around the community
    this.published = new Map(); // published grid code -> feature, of the community
    this.selected = null;
    this.busy = false;
    this.ready = false;
    this.lastError = null;
    this.publishedVersion = null;
    this.publishedCodes = null;
    this.seq = 0;
    this.diffSeq = 0;
  }

  // ---- opening and closing ----------------------------------------------------------------------

  async open() {
    if (!this.panel) this.build();
    this.panel.hidden = false;
    document.body.classList.add('planner-open');
    if (!this.started) {
      // The first opening reads community and plan from the address.
      this.started = true;
      this.setUrl({ panel: 'planner' });
      await this.load();
    } else {
      this.setUrl({ panel: 'planner', community: this.community, plan: this.plan?.id });
      if (this.plan) this.editor?.setGrids(this.plan.grids.features);
      this.showLayers(true);
    }
  }

  close() {
    if (this.panel) this.panel.hidden = true;
    document.body.classList.remove('planner-open');
    // terra-draw draws what it holds in any mode: empty it (reopening puts the draft back).
    this.editor?.clear();
    // Leaving the panel leaves the comparison too: its layers would stay on the map with nothing explaining them.
    this.compare?.clear();
    this.showLayers(false);
    this.setUrl({ panel: null, community: null, plan: null });
  }

  toggle() {
    return this.panel && !this.panel.hidden ? this.close() : this.open();
  }

  /** Whether the map's clicks belong to the planner (the page's feature panel and locate stay quiet). */
  ownsClicks() {
    return !!(this.panel && !this.panel.hidden && this.plan);
  }

  showLayers(on) {
    if (!this.layers.added) return;
    this.layers.setVisible(on && !!this.community);
    this.layers.hidePublished(on && this.plan ? this.plan.community : null);
    this.tools.popup?.remove();
    if (on && this.plan) this.tools.set(this.tools.tool);
    else {
      this.layers.setUnitsVisible(false);
      this.editor?.setMode('static');
    }
  }

  async load() {
    try {
      this.me = await getJSON('/auth/me');
      setCsrf(this.me.csrf);
    } catch (err) {
      this.me = { signed_in: false, role: 'viewer' };
      this.lastError = err.message;
    }
    if (!this.allowed()) {
      this.gate.replaceChildren(
        el('strong', { text: '请以规划员身份登录' }),
        el('p', {
          text: this.me.signed_in
            ? `当前账户(${this.me.account?.role_name || this.me.role})不能编辑网格规划。请退出后以规划员或县级管理员账户登录。`
            : '网格规划只对规划员和县级管理员开放:请点页面顶部的“登录”。',
        }),
      );
      this.ready = true;
      return this.report();
    }
    this.gate.hidden = true;
    this.work.hidden = false;
    this.layers.add();
    await PlanEditor.load();
    if (PlanEditor.available()) {
      this.editor = new PlanEditor(this.map, {
        onOutline: (id, ring, action, before) => this.plan && this.tools.outline(id, ring, action, before),
        onLine: (line) => this.plan && this.tools.line(line),
        onSelect: (id) => this.gridSelected(id),
      });
      this.editor.start();
    } else {
      this.flash('地图编辑组件未加载 (vendor/terra-draw):改边界和拆分不可用。');
    }
    this.map.on('click', (e) => this.ownsClicks() && !this.busy && this.tools.click(e));
    document.addEventListener('keydown', (e) => this.key(e));
    try {
      const fc = await fetchLayer('communities');
      for (const f of fc.features.slice().sort((a, b) => a.properties.code.localeCompare(b.properties.code))) {
        if (this.inScope(f)) this.communities.set(f.properties.code, f);
      }
      this.fillCommunities();
      const q = new URLSearchParams(location.search);
      const code = q.get('community') || (this.communities.size === 1 ? [...this.communities.keys()][0] : null);
      if (code && this.communities.has(code)) {
        await this.selectCommunity(code);
        if (q.get('plan')) await this.openPlan(q.get('plan'));
      }
    } catch (err) {
      this.fail(err);
    }
    this.ready = true;
    this.report();
  }

  allowed() {
    return !!this.me?.signed_in && PLANNING_ROLES.includes(this.me.role);
  }

  /** A community the account's scope covers (the server checks again). */
  inScope(f) {
    const scope = String(this.me?.scope ?? 'county');
    if (scope.startsWith('town:')) return f.properties.town_code === scope.slice(5);
    if (scope.startsWith('community:')) return f.properties.code === scope.slice(10);
    return true;
  }

  setUrl(changes) {
    const q = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined) q.delete(k);
      else q.set(k, v);
    }
    const s = q.toString();
    history.replaceState(null, '', `${location.pathname}${s ? `?${s}` : ''}${location.hash}`);
  }

  // ---- the panel --------------------------------------------------------------------------------

  build() {
    const p = el('aside', { class: 'coverage-panel planner-panel', id: 'planner', 'aria-label': '网格规划' });
    const head = el('div', { class: 'coverage-head' }, el('h2', { text: '网格规划' }), button('×', () => this.close(), { class: 'coverage-close', 'aria-label': '关闭' }));
    this.gate = el('div', { class: 'planner-gate', id: 'planner-gate', role: 'alert' }, '正在确认登录…');
    this.work = el('div', { class: 'planner-work', hidden: true });

    this.communitySelect = el('select', { id: 'planner-community', 'aria-label': '社区' });
    this.communitySelect.addEventListener('change', () => this.selectCommunity(this.communitySelect.value || null));
    this.drafts = new DraftList({
      onOpen: (id) => this.openPlan(id),
      onCreate: (name) => this.createPlan(name),
      onRename: (id, name) => this.renamePlan(id, name),
      onDelete: (id) => this.deletePlan(id),
    });
    this.proposeForm = new ProposeForm((name, options) => this.proposePlan(name, options));
    this.proposalBox = el('div', { class: 'planner-proposal', id: 'planner-proposal', hidden: true });
    this.result = el('div', { class: 'planner-section', id: 'planner-last-result', hidden: true });
    this.compare = new PlanCompare(this);

    this.tools = new PlanTools(this);
    this.title = el('h3', { class: 'planner-title', id: 'planner-title' });
    this.staleNote = el('p', { class: 'planner-error planner-stale', id: 'planner-stale', hidden: true, text: '已有其他方案发布,此草稿基于旧版本,无法发布:请基于最新方案新建草稿。' });
    this.undoButton = button('撤销', () => this.undo(), { id: 'planner-undo', title: '撤销 (Ctrl+Z)', disabled: true });
    this.redoButton = button('重做', () => this.redo(), { id: 'planner-redo', title: '重做 (Ctrl+Y)', disabled: true });
    this.error = el('p', { class: 'planner-error', id: 'planner-error', role: 'alert', hidden: true });
    // What the last edit broke (warn.js), with the way back beside it.
    this.warningText = el('span', { id: 'planner-warning-text' });
    this.warning = el('div', { class: 'planner-warning', id: 'planner-warning', role: 'alert', hidden: true }, this.warningText,
      button('撤销这一步', () => this.undo(), { id: 'planner-warning-undo' }));
    const legend = el('div', { class: 'planner-legend' });
    for (const b of Object.values(BANDS)) {
      const sw = el('i', { class: 'planner-swatch' });
      sw.style.background = b.color;
      legend.append(el('span', {}, sw, b.label));
    }
    legend.append(el('span', {}, el('i', { class: 'planner-swatch planner-swatch-dash' }), '已发布边界'), el('span', {}, el('i', { class: 'planner-swatch planner-swatch-move' }), '调整的住户'));
    this.statsBox = el('div', { class: 'planner-stats', id: 'planner-stats' });
    this.diffBox = el('div', { class: 'planner-diff-box', id: 'planner-diff' });
    this.stepsBox = el('div', { class: 'planner-steps', id: 'planner-steps' });
    const publishBox = el('div', { class: 'planner-publish', id: 'planner-publish-box' });
    this.publisher = new PublishBox(publishBox, {
      publish: (acks, renumber) => plansApi.publish(this.plan.id, acks, renumber),
      onPublished: (r) => this.afterPublish(r),
      onRenumber: () => this.loadDiff(),
      onError: (m) => {
        this.lastError = m;
        this.report();
      },
    });
    this.draft = el(
      'section',
      { class: 'planner-section planner-draft', id: 'planner-draft', hidden: true },
      el('div', { class: 'planner-draft-head' }, this.title, button('返回草稿列表', () => this.closePlan(), { class: 'planner-link', id: 'planner-back' })),
      this.staleNote,
      el('div', { class: 'planner-bar' }, this.tools.bar, el('div', { class: 'planner-history' }, this.undoButton, this.redoButton)),
      this.tools.hint,
      this.tools.box,
      this.error,
      this.warning,
      this.proposalBox,
      legend,
      this.statsBox,
      this.diffBox,
      this.stepsBox,
      el('h3', { text: '发布' }),
      publishBox,
    );
    this.work.append(el('label', { class: 'planner-field' }, el('span', { text: '社区' }), this.communitySelect), this.result, this.drafts.section, this.proposeForm.section, this.compare.section, this.draft);
    this.status = el('pre', { id: 'planner-status', hidden: true });
    p.append(head, this.gate, this.work, this.status);
    document.body.append(p);
    this.panel = p;
  }

  fillCommunities() {
    const s = this.communitySelect;
    s.replaceChildren(el('option', { value: '', text: '— 选择社区 —' }));
    for (const [code, f] of this.communities) s.append(el('option', { value: code, text: shortName(f.properties.name) || code }));
    s.value = this.community || '';
  }

  flash(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  fail(err) {
    // The person reads the Chinese; the self-report keeps the server's whole message (err.detail) for support.
    this.lastError = err instanceof Error ? err.detail || err.message : String(err);
    this.flash(err instanceof Error ? err.message : String(err));
    this.report();
  }

  clearError() {
    this.error.hidden = true;
    this.lastError = null;
  }

  // ---- community and drafts ---------------------------------------------------------------------

  async selectCommunity(code) {
    if (this.plan) this.closePlan({ quiet: true });
    this.community = code;
    this.communitySelect.value = code || '';
    this.setUrl({ community: code, plan: null });
    this.households = new Map();
    this.published = new Map();
    this.tools.forCommunity();
    this.drafts.section.hidden = !code;
    this.proposeForm.show(!!code);
    this.proposeForm.setGrids([]);
    this.compare.forCommunity(code);
    const f = code && this.communities.get(code);
    this.layers.setBoundary(f || null);
    this.layers.setPublished([]);
    this.layers.setVisible(!!f);
    this.layers.setUnitsVisible(false);
    if (!f) return this.report();
    this.fit(bboxOf(f));
    // Households (to draw those that move) and the published grids (outline, names), in the background.
    fetchLayer('households', { bbox: this.areaBbox() })
      .then((fc) => {
        if (this.community !== code) return;
        this.households = new Map(fc.features.map((h) => [h.properties.code, h]));
        if (this.plan) this.layers.setPlan(this.plan, this.households);
      })
      .catch((err) => this.fail(err));
    this.loadPublished().catch((err) => this.fail(err));
    await this.refreshDrafts();
  }

  async loadPublished() {
    const code = this.community;
    const fc = await fetchLayer('grids');
    if (this.community !== code) return;
    const mine = fc.features.filter((g) => g.properties.community_code === code);
    this.published = new Map(mine.map((g) => [g.properties.code, g]));
    this.layers.setPublished(mine);
    this.proposeForm.setGrids(mine.slice().sort((a, b) => a.properties.code.localeCompare(b.properties.code)));
  }

  /** The community's bbox, a little wider: households and units just outside its edge count too. */
  areaBbox() {
    const b = bboxOf(this.communities.get(this.community));
    const pad = Math.max(b[2] - b[0], b[3] - b[1]) * 0.05;
    return [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad];
  }

  /** Fits `b` into the part of the map that the panels leave free. */
  fit(b, maxZoom = 17) {
    if (!b) return;
    const panel = this.panel.getBoundingClientRect();
    const layers = document.getElementById('panel');
    const left = document.body.classList.contains('panel-open') && layers ? layers.getBoundingClientRect().right : 0;
    const padding = isPhone()
      ? { top: 24, left: 24, right: 24, bottom: window.innerHeight * 0.55 + 16 } // the sheet grows to 55vh
      : { top: 40, bottom: 40, left: left + 24, right: Math.max(40, window.innerWidth - panel.left + 24) };
    this.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding, maxZoom, duration: 0 });
  }

  async refreshDrafts() {
    if (!this.community) return;
    const code = this.community;
    try {
      const r = await plansApi.list(code);
      if (this.community !== code) return;
      this.plans = r.plans;
      this.drafts.render(this.plans, this.plan?.id ?? null);
      this.compare.fill();
    } catch (err) {
      this.fail(err);
    }
    this.report();
  }

  /** Runs a request with the panel marked busy; errors are shown. Returns the result, or null. */
  async busyWith(call) {
    this.busy = true;
    this.report();
    try {
      return await call();
    } catch (err) {
      this.fail(err);
      return null;
    } finally {
      this.busy = false;
      this.report();
    }
  }

  async createPlan(name) {
    if (!this.community || this.busy) return false;
    const plan = await this.busyWith(() => plansApi.create(this.community, name));
    if (!plan) return false;
    this.enterPlan(plan);
    await this.refreshDrafts();
    return true;
  }

  /** 自动划分: the server proposes the grids under `options` and opens the proposal as a new draft. */
  async proposePlan(name, options) {
    if (!this.community || this.busy) return false;
    const plan = await this.busyWith(() => plansApi.propose(this.community, name, options));
    if (!plan) return false;
    this.enterPlan(plan);
    await this.refreshDrafts();
    return true;
  }

  async openPlan(id) {
    const plan = await this.busyWith(() => plansApi.get(id));
    if (!plan) return this.setUrl({ plan: null }); // gone (published or deleted): the list says what is left
    if (plan.community !== this.community) await this.selectCommunity(plan.community);
    this.enterPlan(plan);
    this.drafts.render(this.plans, plan.id);
  }

  async renamePlan(id, name) {
    const r = await this.busyWith(() => plansApi.rename(id, name));
    if (r && this.plan?.id === id) {
      this.plan.name = r.name;
      this.title.textContent = r.name;
    }
    await this.refreshDrafts();
  }

  async deletePlan(id) {
    const ok = await this.busyWith(() => plansApi.remove(id).then(() => true));
    if (ok && this.plan?.id === id) this.closePlan({ quiet: true });
    await this.refreshDrafts();
  }

  enterPlan(plan) {
    this.clearError();
    this.result.hidden = true;
    this.plan = null;
    this.diff = null;
    this.selected = null;
    this.publisher.reset();
    this.draft.hidden = false;
    this.drafts.section.hidden = true;
    this.proposeForm.show(false);
    // Only a draft just proposed carries what the proposal says of itself.
    this.proposal = plan.proposal ?? null;
    proposalNote(this.proposalBox, this.proposal);
    // Editing and comparing share the map: a draft opened ends the comparison.
    this.compare.clear();
    this.compare.section.hidden = true;
    this.setUrl({ community: plan.community, plan: plan.id });
    this.tools.tool = 'reshape';
    this.showPlan(plan);
    this.showLayers(true);
  }

  closePlan({ quiet = false } = {}) {
    this.plan = null;
    this.diff = null;
    this.selected = null;
    this.editor?.clear();
    this.showLayers(true);
    this.layers.setPlan(null);
    this.layers.setPicks([]);
    this.tools.render();
    this.draft.hidden = true;
    this.drafts.section.hidden = !this.community;
    this.proposeForm.show(!!this.community);
    this.proposal = null;
    proposalNote(this.proposalBox, null);
    this.compare.section.hidden = !this.community;
    this.clearError();
    if (!quiet) {
      this.setUrl({ plan: null });
      this.refreshDrafts();
    }
    this.report();
  }

  // ---- the draft --------------------------------------------------------------------------------

  /** Redraws everything from a plan view the server returned. */
  showPlan(plan) {
    this.plan = plan;
    this.title.textContent = plan.name;
    this.staleNote.hidden = !plan.stale;
    this.undoButton.disabled = !plan.can_undo;
    this.redoButton.disabled = !plan.can_redo;
    if (this.selected && !plan.grids.features.some((f) => String(f.id) === this.selected)) this.selected = null;
    this.layers.setPlan(plan, this.households);
    const refused = this.editor ? this.editor.setGrids(plan.grids.features) : [];
    if (refused.length) this.flash(`部分网格无法在地图上编辑: ${refused.join('; ')}`);
    this.tools.afterPlan();
    renderStats(this.statsBox, plan, {
      selected: this.selected,
      onGrid: (id) => this.gridChosen(id),
      onDefect: (d) => d.geometry && this.fit(bboxOf(d.geometry), 18),
    });
    renderSteps(this.stepsBox, plan.steps || [], (id) => this.nameOf(id));
    this.loadDiff();
    this.report();
  }

  /** A grid's name for lists: the draft's, else the published plan's, else its id. */
  nameOf(id) {
    const g = this.plan?.stats.grids.find((x) => x.id === id);
    if (g) return gridName(g);
    const p = this.published.get(id)?.properties;
    return p ? gridName(p) : id;
  }

  async loadDiff() {
    const seq = ++this.diffSeq;
    const id = this.plan.id;
    // Until the new answer, nothing is shown as what publishing would do (and the button waits).
    this.diff = null;
    this.publisher.setPreview(null);
    try {
      const diff = await plansApi.diff(id, this.publisher.renumber);
      if (seq !== this.diffSeq || this.plan?.id !== id) return;
      this.diff = diff;
      // One computation: the diff list and the publish box's preview are the publication the server would write.
      renderDiff(this.diffBox, diff, (g) => this.nameOf(g));
      this.publisher.setPreview(diff);
    } catch (err) {
      if (seq === this.diffSeq) this.diffBox.replaceChildren(el('p', { class: 'planner-error', text: `调整明细无法加载: ${err.message}` }));
    }
    this.report();
  }

  /** Runs one change of the draft (an edit, undo or redo) and redraws from the answer; after an edit, says what
   * it broke. */
  async change(call, { check = false } = {}) {
    if (!this.plan) return false;
    if (this.busy) {
      this.flash('上一步还在处理,请稍候。');
      this.editor?.setGrids(this.plan.grids.features);
      return false;
    }
    this.busy = true;
    this.report();
    try {
      const before = this.plan;
      const plan = await call();
      this.clearError();
      this.showPlan(plan);
      this.warn(check ? newProblems(before, plan) : null);
      return true;
    } catch (err) {
      // 422: the edit cannot be done and the draft is unchanged; put terra-draw's features back as they were.
      this.lastError = err.detail || err.message;
      this.flash(`无法执行:${err.message}`);
      if (this.plan) this.editor?.setGrids(this.plan.grids.features);
      return false;
    } finally {
      this.busy = false;
      this.report();
    }
  }

  edit(e) {
    return this.change(() => plansApi.edit(this.plan.id, e), { check: true });
  }

  /** Shows what an edit broke, or hides the last warning (`problems` null). */
  warn(problems) {
    this.lastWarning = problems ? { kinds: problems.defects.map((d) => d.kind), spikes: problems.spikes.length } : null;
    this.warning.hidden = !problems;
    if (!problems) return;
    const name = (id) => this.plan?.grids.features.find((f) => String(f.id) === id)?.properties?.name || id;
    this.warningText.textContent = warningText(problems, name);
  }

  undo() {
    if (this.plan?.can_undo) return this.change(() => plansApi.undo(this.plan.id));
  }

  redo() {
    if (this.plan?.can_redo) return this.change(() => plansApi.redo(this.plan.id));
  }

  key(e) {
    if (!this.ownsClicks() || e.target.closest?.('input, textarea, select, [contenteditable]')) return;
    const k = e.key.toLowerCase();
    if ((e.ctrlKey || e.metaKey) && k === 'z') {
      e.preventDefault();
      if (e.shiftKey) this.redo();
      else this.undo();
    } else if ((e.ctrlKey || e.metaKey) && k === 'y') {
      e.preventDefault();
      this.redo();
    } else if (k === 'escape') {
      this.tools.reset();
    }
  }

  /** A row of the table: the merge and assign tools take it; else the grid is shown and selected. */
  gridChosen(id) {
    if (this.tools.takesGrid(id)) return;
    const f = this.plan.grids.features.find((g) => String(g.id) === id);
    if (f) this.fit(bboxOf(f), 17);
    if (this.tools.tool !== 'reshape') this.tools.set('reshape');
    this.editor?.select(id);
    this.gridSelected(id);
  }

  gridSelected(id) {
    this.selected = id;
    for (const tr of this.statsBox.querySelectorAll('tr[data-id]')) tr.classList.toggle('planner-selected', tr.dataset.id === id);
    if (this.tools.tool === 'reshape') this.tools.render();
    this.report();
  }

  afterPublish(r) {
    this.publishedVersion = r.version;
    this.publishedCodes = r.codes;
    this.publishedResult = { households_moved: r.households_moved, units_moved: r.units_moved };
    const preview = this.diff;
    this.closePlan();
    // A new version to compare with.
    this.compare.forCommunity(this.community);
    // The draft is gone; what the publication did stays on the panel above the community's drafts.
    this.result.replaceChildren(resultView(r, preview), button('重新载入页面', () => location.reload(), { class: 'planner-link' }));
    this.result.hidden = false;
    this.reloadPage();
  }

  /** The page's published layers again (the grids changed); the whole page if the page cannot yet. */
  async reloadPage() {
    try {
      if (!this.page.reloadLayers) return location.reload();
      await this.page.reloadLayers();
      await this.loadPublished();
      this.reloaded = (this.reloaded || 0) + 1;
    } catch (err) {
      this.fail(err);
    }
    this.report();
  }

  // ---- self-report ------------------------------------------------------------------------------

  /** Writes the self-report; once more when the map has drawn the change (`settled`), for the rendered counts. */
  report(settled = false) {
    if (!this.status) return;
    this.seq += 1;
    const p = this.plan;
    const by = (f) => (p ? Object.fromEntries(p.stats.grids.map((g) => [g.id, f(g)])) : {});
    let rendered = {};
    try {
      rendered = this.layers.added ? this.layers.rendered() : {};
    } catch {
      /* before the first frame */
    }
    this.status.textContent = JSON.stringify({
      ready: this.ready,
      signed_in: !!this.me?.signed_in,
      role: this.me?.role ?? null,
      allowed: this.allowed(),
      editor: !!this.editor,
      community: this.community,
      drafts: this.plans.map((x) => x.id),
      plan: p?.id ?? null,
      plan_name: p?.name ?? null,
      stale: p?.stale ?? null,
      edits: p?.edits ?? null,
      steps: p ? p.steps.map((s) => s.op) : [],
      grids: p ? p.grids.features.map((f) => String(f.id)) : [],
      households_by_grid: by((g) => g.households),
      people_by_grid: by((g) => g.people),
      bands: by((g) => g.band),
      parts: by((g) => g.parts),
      defects: p ? defectCounts(p) : {},
      defect_ids: p ? p.stats.defects.map((d) => d.id) : [],
      households_uncovered: p?.stats.households_uncovered ?? null,
      moves: p ? p.stats.moves.length : 0,
      diff_households: this.diff && p ? this.diff.households.map((h) => h.household) : null,
      preview: this.diff && p ? { codes: Object.fromEntries(this.diff.grids.map((g) => [g.id, g.code])), households_moved: this.diff.households_moved, units_moved: this.diff.units_moved, renumber: this.diff.renumber } : null,
      published_result: this.publishedResult || null,
      proposal: this.proposal ? { grids: this.proposal.grids.map((g) => g.id), households_changing_manager: this.proposal.households_changing_manager, warnings: this.proposal.warnings } : null,
      can_undo: !!p?.can_undo,
      can_redo: !!p?.can_redo,
      elapsed_ms: p?.stats.elapsed_ms ?? null,
      tool: this.tools?.tool ?? null,
      selected: this.selected,
      handles: this.editor?.handles() ?? 0,
      warning: this.lastWarning ?? null,
      busy: this.busy,
      last_error: this.lastError,
      published_version: this.publishedVersion,
      published_codes: this.publishedCodes,
      page_reloaded: this.reloaded || 0,
      rendered,
      compare: this.compare ? this.compare.report() : null,
      seq: this.seq,
    });
    if (!settled && !this.reportPending && this.layers.added) {
      this.reportPending = true;
      // (No triggerRepaint: a frame costs much in software rendering, and a change of data brings one anyway.)
      this.map.once('idle', () => {
        this.reportPending = false;
        this.report(true);
      });
    }
  }
}

/** The view on `map` as the 网格规划 button; opened at once with ?panel=planner. `page`: see PlannerView. */
export function installPlanner(map, page) {
  // The button is for those who may plan: shown once /auth/me says so (body.can-plan, planner.css); the
  // address ?panel=planner still opens the view, which then says who may use it.
  getJSON('/auth/me')
    .then((me) => document.body.classList.toggle('can-plan', !!me?.signed_in && PLANNING_ROLES.includes(me.role)))
    .catch(() => {});
  return installView(map, 'planner', new PlannerView(map, page), {
    label: '网格规划',
    title: '网格规划:在草稿中调整网格,实时查看覆盖和户数,然后发布',
    className: 'coverage-button planner-button',
    id: 'planner-button',
  });
}
