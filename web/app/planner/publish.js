// Publishing a draft from the planner panel. The server refuses with 422 while a defect is neither fixed nor
// acknowledged with a reason: each one is then listed with a reason field, and publishing again sends the
// acknowledgements. 409 means the draft is stale (another plan was published since): its message is shown as
// it is, nothing was changed. 200 is the published version and the grids' new codes (shown by the planner, see resultView).

import { KINDS } from '../shared/defect-kinds.js';
import { button, el } from '../shared/dom.js';

export class PublishBox {
  /**
   * @param box the panel's element for it
   * @param publish `(acknowledge) => Promise<result>` (throws the API's error, with `status` and `body`)
   * @param onPublished `(result)` after a 200
   * @param onError `(message)` for the self-report
   */
  constructor(box, { publish, onPublished, onError }) {
    this.box = box;
    this.publishFn = publish;
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
      const result = await this.publishFn(this.acknowledgements());
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
      this.onError?.(err.message);
    } finally {
      this.busy = false;
      this.box.querySelector('.planner-publish-button')?.removeAttribute('disabled');
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
    if (error) nodes.push(el('p', { class: `planner-error${stale ? ' planner-stale' : ''}`, role: 'alert', id: 'planner-publish-error', text: error }));
    if (note) nodes.push(el('p', { class: 'planner-note', text: note }));
    const label = this.pending.length ? '填写原因后发布' : '发布方案';
    nodes.push(button(label, () => this.publish(), { class: 'planner-primary planner-publish-button', id: 'planner-publish', disabled: this.busy }));
    this.box.replaceChildren(...nodes);
    // The answer is at the foot of a long panel: bring it into view.
    if (error || this.pending.length) this.box.scrollIntoView({ block: 'nearest' });
  }
}

/** What a publication did: its version, the grids' new codes, households and units moved. */
export function resultView(r) {
  const codes = Object.entries(r.codes || {});
  const list = el('ul', { class: 'planner-codes' });
  for (const [draft, code] of codes) list.append(el('li', {}, draft === code ? `${code}(编码不变)` : `${draft} → ${code}`));
  return el(
    'div',
    { class: 'planner-result', id: 'planner-result', role: 'status' },
    el('p', {}, el('strong', { text: `已发布为第 ${r.version} 版` }), `:${r.grids} 个网格,住户调整 ${r.households_moved} 户,楼栋/巷道调整 ${r.units_moved} 个。`),
    el('p', { text: '网格编码:' }),
    list,
  );
}
