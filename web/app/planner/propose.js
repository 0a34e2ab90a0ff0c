// "自动划分": the community's grids proposed by the server (POST /api/v1/plans with `propose`), opened as a new
// draft like any other. The form asks in plain words: households per grid, how many grids (or 自动), which grids
// to keep as they are, a slider from 户数均衡 to 形状规整, and how much to keep households with their grid manager.
// After the draft opens, a note above its figures says what the proposal did and, if the band cannot be met
// everywhere, why.

import { button, el } from '../shared/dom.js';
import { gridName } from './layers.js';

const DEFAULTS = { lo: 300, hi: 500, compactness: 30, keepManagers: 50, seed: 1 };

function numberField(id, label, value, attrs = {}) {
  const input = el('input', { type: 'number', id, value, inputmode: 'numeric', min: 1, step: 1, ...attrs });
  return [input, el('label', { class: 'planner-field', for: id }, el('span', { text: label }), input)];
}

export class ProposeForm {
  /** `onPropose(name, options)` returns a promise of whether a draft was opened. */
  constructor(onPropose) {
    this.onPropose = onPropose;
    [this.lo] = numberField('planner-propose-lo', '最少', DEFAULTS.lo, { 'aria-label': '每格最少户数' });
    [this.hi] = numberField('planner-propose-hi', '最多', DEFAULTS.hi, { 'aria-label': '每格最多户数' });
    const band = el(
      'div',
      { class: 'planner-field planner-propose-band' },
      el('span', { text: '每格户数' }),
      el('span', { class: 'planner-propose-pair' }, this.lo, el('span', { text: '至' }), this.hi, el('span', { text: '户' })),
    );
    let gridsField;
    [this.grids, gridsField] = numberField('planner-propose-grids', '网格数', '', { placeholder: '自动(按每格户数)', min: 1, max: 999 });
    this.keep = el('div', { class: 'planner-propose-keep', id: 'planner-propose-keep' });
    this.compactness = el('input', { type: 'range', id: 'planner-propose-compactness', min: 0, max: 100, step: 5, value: DEFAULTS.compactness, 'aria-label': '户数均衡 ↔ 形状规整' });
    const slider = el(
      'div',
      { class: 'planner-field planner-propose-slider' },
      el('span', { text: '侧重' }),
      el('span', { class: 'planner-propose-ends' }, el('small', { text: '户数均衡' }), this.compactness, el('small', { text: '形状规整' })),
    );
    this.keepManagers = el('input', { type: 'range', id: 'planner-propose-keep-managers', min: 0, max: 100, step: 5, value: DEFAULTS.keepManagers, 'aria-label': '少换网格员' });
    const managers = el(
      'div',
      { class: 'planner-field planner-propose-slider' },
      el('span', { text: '少换网格员' }),
      el('span', { class: 'planner-propose-ends' }, el('small', { text: '不考虑' }), this.keepManagers, el('small', { text: '尽量不换' })),
    );
    let seedField;
    [this.seed, seedField] = numberField('planner-propose-seed', '方案序号', DEFAULTS.seed, { min: 0, title: '同样的选项和序号得到同样的方案;换一个序号试另一种划分' });
    this.name = el('input', { type: 'text', id: 'planner-propose-name', placeholder: '草稿名称(可不填)', maxlength: 60, 'aria-label': '自动划分草稿名称' });
    this.go = button('自动划分', () => this.submit(), { class: 'planner-primary', id: 'planner-propose' });
    this.section = el(
      'details',
      { class: 'planner-section planner-propose', id: 'planner-propose-form', hidden: true },
      el('summary', { text: '自动划分' }),
      el('p', { class: 'planner-hint', text: '按每格户数自动把本社区的巷道和楼栋分成网格,每个网格连成一片。结果是一份新草稿,可以再修改,确认后再发布。' }),
      band,
      gridsField,
      el('div', { class: 'planner-field' }, el('span', { text: '保留的网格(不动)' }), this.keep),
      slider,
      managers,
      seedField,
      el('div', { class: 'planner-create' }, this.name, this.go),
    );
  }

  /** The published grids of the community, offered to keep as they are. */
  setGrids(grids) {
    const rows = grids.map((g) => {
      const code = g.properties.code;
      const box = el('input', { type: 'checkbox', value: code, 'data-code': code });
      return el('label', { class: 'planner-propose-grid' }, box, el('span', { text: gridName(g.properties) }));
    });
    this.keep.replaceChildren(...(rows.length ? rows : [el('small', { text: '本社区还没有已发布的网格。' })]));
  }

  show(on) {
    this.section.hidden = !on;
  }

  /** The options as the API takes them. */
  options() {
    const n = (input) => (input.value.trim() === '' ? null : Number(input.value));
    const lock = [...this.keep.querySelectorAll('input[type=checkbox]:checked')].map((b) => b.value);
    const o = {
      target_households: [n(this.lo), n(this.hi)],
      lock,
      compactness: Number(this.compactness.value) / 100,
      keep_managers: Number(this.keepManagers.value) / 100,
      seed: n(this.seed) ?? DEFAULTS.seed,
    };
    if (n(this.grids) !== null) o.grids = n(this.grids);
    return o;
  }

  async submit() {
    const stamp = new Date().toLocaleString('zh-CN', { hour12: false, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    const name = this.name.value.trim() || `自动划分 ${stamp}`;
    this.go.disabled = true;
    this.go.textContent = '正在划分…';
    try {
      if (await this.onPropose(name, this.options())) this.name.value = '';
    } finally {
      this.go.disabled = false;
      this.go.textContent = '自动划分';
    }
  }
}

/** What the proposal says of itself, above the draft's figures. */
export function proposalNote(box, proposal) {
  if (!proposal) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const [lo, hi] = proposal.options.target_households;
  const inBand = proposal.grids.filter((g) => g.in_band).length;
  const kept = proposal.options.lock.length;
  box.replaceChildren(
    el('strong', { text: '自动划分的结果' }),
    el('p', {
      id: 'planner-proposal-summary',
      text: `分成 ${proposal.grids.length} 个网格${kept ? `(另保留 ${kept} 个)` : ''},其中 ${inBand} 个在每格 ${lo}–${hi} 户之内;${proposal.households_changing_manager} 户换网格员。`,
    }),
    ...proposal.warnings.map((w) => el('p', { class: 'planner-error planner-proposal-warning', text: w })),
    el('small', { text: '这是一份草稿:可以继续修改,也可以删除后换个选项重新划分。' }),
  );
  box.hidden = false;
}
