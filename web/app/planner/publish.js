// Publishing a draft from the planner panel. The server refuses with 422 while a defect is neither fixed nor
// acknowledged with a reason: each one is then listed with a reason field, and publishing again sends the
// acknowledgements. 409 means the draft is stale (another plan was published since): its message is shown as
// it is, nothing was changed. 200 is the published version and the grids' codes (shown by the planner, see resultView).
//
// Above the button the box says everything publishing will do (setPreview, from /plans/{id}/diff: the very
// publication the server will write): grids whose code, name or manager changes, new and retired grids, the
// households and units whose grid changes. Renumbering the whole community is a box to tick, which previews it
// first; it is sent with the publication.

import { KINDS } from '../shared/defect-kinds.js';
import { button, el } from '../shared/dom.js';

export class PublishBox {
  /**
   * @param box the panel's element for it
   * @param publish `(acknowledge) => Promise<result>` (throws the API's error, with `status` and `body`)
   * @param onPublished `(result)` after a 200
   * @param onError `(message)` for the self-report
   * @param onRenumber `(checked)`: the planner previews the other numbering
   */
  constructor(box, { publish, onPublished, onError, onRenumber }) {
    this.box = box;
    this.publishFn = publish;
    this.onRenumber = onRenumber;
    this.preview = null; // the diff: what publishing will write
    this.renumber = false;
    this.onPublished = onPublished;
    this.onError = onError;
    this.reasons = new Map(); // defect id -> reason typed, kept across attempts
    this.pending = []; // unacknowledged defects of the last refusal
    this.busy = false;
    this.render();
  }

  /** A new draft was opened (or the draft changed): the old refusal no longer applies. */
  reset({ keepReasons = false } = {}) {
    if (!keepReasons) this.reasons.clear();
    this.pending = [];
    if (!keepReasons) this.renumber = false;
    this.preview = null;
    this.render();
  }

  /** What publishing will do now (the draft's diff, for the numbering chosen). */
  setPreview(diff) {
    this.preview = diff;
    this.render();
  }

  acknowledgements() {
    return [...this.reasons].filter(([, r]) => r.trim()).map(([defect, reason]) => ({ defect, reason: reason.trim() }));
  }

  async publish() {
    if (this.busy) return;
    this.busy = true;
    this.render({ note: '正在发布…' });
    try {
      const result = await this.publishFn(this.acknowledgements(), this.renumber);
      this.pending = [];
      this.reasons.clear();
      this.render();
      this.onPublished?.(result);
    } catch (err) {
      if (err.status === 422 && Array.isArray(err.body?.error?.unacknowledged)) {
        this.pending = err.body.error.unacknowledged;
        this.render({ error: `还有 ${this.pending.length} 项问题未解决:请逐项填写保留原因后再发布,或先在地图上修正。` });
      } else if (err.status === 409) {
        this.render({ error: `发布被拒绝,方案未作任何改动:${err.message}`, stale: true });
      } else {
        this.render({ error: `发布失败:${err.message}` });
      }
      this.onError?.(err.detail || err.message); // the whole message for the self-report
    } finally {
      this.busy = false;
      if (this.preview) this.box.querySelector('.planner-publish-button')?.removeAttribute('disabled');
    }
  }

  render({ error, note, stale } = {}) {
    const nodes = [];
    if (this.pending.length) {
      const list = el('ol', { class: 'planner-acks', id: 'planner-acks' });
      for (const d of this.pending) {
        const input = el('input', {
          type: 'text',
          class: 'planner-ack-reason',
          'data-defect': d.id,
          placeholder: '保留原因(必填)',
          'aria-label': `保留原因:${d.message}`,
          value: this.reasons.get(d.id) || '',
        });
        input.addEventListener('input', () => this.reasons.set(d.id, input.value));
        list.append(el('li', {}, el('b', { text: KINDS[d.kind]?.label || d.kind }), ` ${d.message}`, input));
      }
      nodes.push(list);
    }
    nodes.push(this.previewView());
    if (error) nodes.push(el('p', { class: `planner-error${stale ? ' planner-stale' : ''}`, role: 'alert', id: 'planner-publish-error', text: error }));
    if (note) nodes.push(el('p', { class: 'planner-note', text: note }));
    const label = this.pending.length ? '填写原因后发布' : '发布方案';
    // Publishing waits for the preview: the planner sees what it will do before the button works.
    nodes.push(button(label, () => this.publish(), { class: 'planner-primary planner-publish-button', id: 'planner-publish', disabled: this.busy || !this.preview }));
    this.box.replaceChildren(...nodes);
    // The answer is at the foot of a long panel: bring it into view.
    if (error || this.pending.length) this.box.scrollIntoView({ block: 'nearest' });
  }

  /** The preview: what publishing will write, and the renumbering choice. */
  previewView() {
    const d = this.preview;
    const tick = el('input', { type: 'checkbox', id: 'planner-renumber', checked: this.renumber });
    tick.addEventListener('change', () => {
      this.renumber = tick.checked;
      this.preview = null;
      this.render();
      this.onRenumber?.(this.renumber);
    });
    const choice = el(
      'label',
      { class: 'planner-renumber' },
      tick,
      '全社区重新编号(按从西到东、从北到南的编码规则重编所有网格;门牌、墙图上的编号会随之失效)',
    );
    if (!d) return el('div', { class: 'planner-preview', id: 'planner-publish-preview' }, el('p', { class: 'planner-note', text: '正在计算发布将做的改动…' }), choice);
    const items = el('ul', { class: 'planner-preview-grids' });
    const changed = new Set(d.grids_changed || []);
    for (const g of d.grids) if (changed.has(g.id)) items.append(el('li', { 'data-id': g.id }, gridChange(g)));
    for (const r of d.retired || []) items.append(el('li', { class: 'planner-retired' }, `撤销:${r.name || '网格'}(${r.code}),编码停用`));
    const same = d.grids.length - changed.size;
    const lines = [
      el('p', {}, el('strong', { text: '发布将会:' })),
      items.childNodes.length ? items : null,
      el('p', { text: changed.size || (d.retired || []).length ? `其余 ${same} 个网格的编码、名称和网格员不变。` : `全部 ${same} 个网格的编码、名称和网格员不变。` }),
      el('p', { class: 'planner-preview-counts', text: `住户调整 ${d.households_moved} 户,楼栋/巷道调整 ${d.units_moved} 个(逐户明细见上方「调整明细」)。` }),
    ];
    return el(
      'div',
      { class: 'planner-preview', id: 'planner-publish-preview', 'data-households': d.households_moved, 'data-units': d.units_moved },
      ...lines,
      choice,
    );
  }
}

/** One grid's change in words: new, or code / name / manager before → after. */
function gridChange(g) {
  const label = `${g.name || '网格'}(${g.code})`;
  if (!g.before) return `新增:${label},${g.manager ? `网格员 ${g.manager}` : '暂无网格员'}`;
  const b = g.before;
  const parts = [];
  if (b.code !== g.code) parts.push(`编码 ${b.code} → ${g.code}`);
  if (b.name !== g.name) parts.push(`名称 ${b.name || '无'} → ${g.name || '无'}`);
  if ((b.manager || null) !== (g.manager || null)) parts.push(`网格员 ${b.manager || '无'} → ${g.manager || '无'}`);
  return `${b.name || b.code}:${parts.join(';')}`;
}

/** What a publication did: its version, the grids' codes, households and units moved. `preview`: the diff shown before. */
export function resultView(r, preview) {
  const codes = Object.entries(r.codes || {});
  const byId = new Map((preview?.grids || []).map((g) => [g.id, g]));
  const list = el('ul', { class: 'planner-codes' });
  for (const [draft, code] of codes) {
    const g = byId.get(draft);
    const name = g?.name || '网格';
    list.append(el('li', {}, g?.before?.code === code ? `${name}(${code},编码不变)` : `${name}:新编码 ${code}`));
  }
  return el(
    'div',
    { class: 'planner-result', id: 'planner-result', role: 'status' },
    el('p', {}, el('strong', { text: `已发布为第 ${r.version} 版` }), `:${r.grids} 个网格,住户调整 ${r.households_moved} 户,楼栋/巷道调整 ${r.units_moved} 个。`),
    el('p', { text: '网格编码:' }),
    list,
  );
}
