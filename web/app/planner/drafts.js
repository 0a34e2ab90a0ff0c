// A community's drafts in the planner panel: open, rename (in place), delete (a second click confirms, no
// blocking dialog), and a new draft by name. Several planners may hold drafts of one community at once; each
// row says whose it is.

import { button, el } from '../shared/dom.js';

function when(s) {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? String(s ?? '') : d.toLocaleString('zh-CN', { hour12: false, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export class DraftList {
  /** Callbacks return promises: `onOpen(id)`, `onCreate(name)`, `onRename(id, name)`, `onDelete(id)`. */
  constructor(handlers) {
    this.h = handlers;
    this.plans = [];
    this.current = null;
    this.list = el('ul', { class: 'planner-drafts', id: 'planner-drafts' });
    this.name = el('input', { type: 'text', id: 'planner-new-name', placeholder: '新草稿名称(可不填)', maxlength: 60, 'aria-label': '新草稿名称' });
    this.name.addEventListener('keydown', (e) => e.key === 'Enter' && this.create());
    const form = el('div', { class: 'planner-create' }, this.name, button('新建草稿', () => this.create(), { class: 'planner-primary', id: 'planner-create' }));
    this.section = el('section', { class: 'planner-section', hidden: true }, el('h3', { text: '草稿' }), this.list, form);
  }

  /** An unnamed draft is named by the time it was made. */
  async create() {
    const stamp = new Date().toLocaleString('zh-CN', { hour12: false, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    const name = this.name.value.trim() || `调整方案 ${stamp}`;
    if (await this.h.onCreate(name)) this.name.value = '';
  }

  render(plans = this.plans, current = this.current) {
    this.plans = plans;
    this.current = current;
    const rows = plans.map((p) => {
      const li = el('li', { 'data-plan': p.id, class: current === p.id ? 'planner-current' : null });
      const info = el('div', { class: 'planner-draft-info' }, el('span', { class: 'planner-draft-name', text: p.name }), el('small', { text: `${p.author} · ${when(p.updated_at)} · ${p.edits} 次修改` }));
      const del = button('删除', () => this.deleteArmed(del, p), { class: 'planner-delete' });
      const actions = el(
        'div',
        { class: 'planner-row-actions' },
        button('打开', () => this.h.onOpen(p.id), { class: 'planner-open-draft', 'data-plan': p.id }),
        button('改名', () => this.renameInline(li, p), { class: 'planner-rename' }),
        del,
      );
      li.append(info, actions);
      return li;
    });
    this.list.replaceChildren(...(rows.length ? rows : [el('li', { class: 'planner-empty', text: '本社区还没有草稿。' })]));
  }

  renameInline(li, p) {
    const input = el('input', { type: 'text', value: p.name, maxlength: 60, class: 'planner-rename-input', 'aria-label': '草稿名称' });
    const save = async () => {
      const name = input.value.trim();
      if (!name) return input.focus();
      await this.h.onRename(p.id, name);
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') save();
      if (e.key === 'Escape') this.render();
    });
    li.replaceChildren(el('div', { class: 'planner-create' }, input, button('保存', save, { class: 'planner-primary planner-rename-save' }), button('取消', () => this.render())));
    input.focus();
  }

  /** Deleting takes a second click within a few seconds. */
  deleteArmed(b, p) {
    if (b.dataset.armed === 'yes') return this.h.onDelete(p.id);
    b.dataset.armed = 'yes';
    b.textContent = '确认删除';
    b.classList.add('planner-danger');
    setTimeout(() => {
      if (!b.isConnected) return;
      b.dataset.armed = '';
      b.textContent = '删除';
      b.classList.remove('planner-danger');
    }, 4000);
  }
}
