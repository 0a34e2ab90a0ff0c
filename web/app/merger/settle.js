// The secretary's part of the merger view: her community's cross-boundary households, each with the proposal
// (from grid → to grid, and their managers), an apply button behind a confirmation, and the progress
// afterwards (the list is fetched again, and the applied households have left it).
//
// The server decides who may apply (a community secretary in her community, the county admin anywhere) and
// what names she sees (src/app/privacy.rs: her community's households in full); this only asks and shows.
// Data: GET /api/v1/auth/me (whose community), GET and POST /api/v1/crosswalk/reassignment?community=CODE.

import { getJSON, postJSON } from '../shared/api.js';
import { button, el } from '../shared/dom.js';

/** The community a secretary's account covers, or null: only she settles her community on this page. */
export function secretaryCommunity(me) {
  const scope = me?.account?.scope || '';
  return me?.role === 'secretary' && scope.startsWith('community:') ? scope.slice('community:'.length) : null;
}

/** A grid as the page names it: its name, then its manager (or 未配备). */
function gridLabel(grids, code) {
  const g = grids.get(code);
  const name = g?.name || `网格 ${code}`;
  return `${name}(网格员 ${g?.manager || '未配备'})`;
}

export class Settle {
  /** `root`: the element the section fills; `onApplied()` after a reassignment was written. */
  constructor(root, { onApplied } = {}) {
    this.root = root;
    this.onApplied = onApplied;
    this.community = null;
    this.proposal = null;
    this.done = null;
  }

  /** Finds whose community it is and draws the section; nothing for other accounts. */
  async load() {
    const me = await getJSON('/auth/me').catch(() => null);
    this.community = secretaryCommunity(me);
    if (!this.community) {
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    await this.refresh();
  }

  async refresh() {
    this.proposal = await getJSON(`/crosswalk/reassignment?community=${encodeURIComponent(this.community)}`);
    this.render();
  }

  render() {
    const p = this.proposal;
    const grids = new Map((p.grids || []).map((g) => [g.grid, g]));
    const moves = p.moves || [];
    this.root.replaceChildren(el('h3', { text: `本社区待调整的跨界户 ${moves.length} 户` }));
    if (this.done) {
      this.root.append(el('p', { class: 'settle-done', id: 'settle-done', role: 'status', text: this.done }));
    }
    if (!moves.length) {
      this.root.append(el('p', { class: 'settle-note', text: '本社区没有待调整的住户:每户都已登记在其实际所在的网格。' }));
      return;
    }
    this.root.append(
      el('p', { class: 'settle-note', text: '建议:把住在本社区、名册登记在别处网格的住户,调整到其实际居住的网格。执行后名册随之更正,网格员增减见下。' }),
    );
    const table = el('table', { class: 'coverage-table settle-table', id: 'settle-list' });
    table.append(el('thead', {}, el('tr', {}, ...['户主', '原网格(名册)', '调整到(实际居住)'].map((h) => el('th', { text: h })))));
    const body = el('tbody');
    for (const m of moves) {
      body.append(
        el(
          'tr',
          { 'data-code': m.household },
          el('td', { class: 'settle-head', text: m.head || '户主未登记' }),
          el('td', { text: gridLabel(grids, m.from_grid) }),
          el('td', { text: gridLabel(grids, m.to_grid) }),
        ),
      );
    }
    table.append(body);
    const changes = el('ul', { class: 'settle-grids' });
    for (const g of p.grids || []) {
      if (!g.gained && !g.lost) continue;
      const parts = [g.gained ? `增 ${g.gained} 户` : '', g.lost ? `减 ${g.lost} 户` : ''].filter(Boolean).join('、');
      changes.append(el('li', { text: `${g.name || `网格 ${g.grid}`}(网格员 ${g.manager || '未配备'}):${parts}` }));
    }
    const apply = button(`执行调整 (${moves.length} 户)`, () => this.confirm(moves.length), { class: 'settle-apply', id: 'settle-apply' });
    this.root.append(table, el('h4', { text: '各网格增减' }), changes, apply);
  }

  /** Asks before writing: the households, and that the rosters change at once. */
  confirm(n) {
    this.root.querySelector('.settle-confirm')?.remove();
    const box = el(
      'div',
      { class: 'settle-confirm', role: 'dialog', 'aria-label': '确认调整' },
      el('p', { text: `确认把这 ${n} 户调整到其实际居住的网格?名册将立即更正,操作记入变更日志。` }),
    );
    const error = el('p', { class: 'settle-error', role: 'alert', hidden: true });
    const ok = button('确认调整', async () => {
      ok.disabled = true;
      try {
        const r = await postJSON('/crosswalk/reassignment', { community: this.community });
        this.done = r.changed ? `已调整 ${r.changed} 户,名册已更正。` : '没有需要调整的住户。';
        await this.refresh();
        this.onApplied?.(r);
      } catch (err) {
        error.textContent = `调整未完成: ${err.message}`;
        error.hidden = false;
        ok.disabled = false;
      }
    }, { class: 'settle-apply', id: 'settle-confirm' });
    const cancel = button('取消', () => box.remove());
    box.append(error, el('div', { class: 'settle-actions' }, cancel, ok));
    this.root.append(box);
  }

  /** For the view's self-report. */
  report() {
    return { community: this.community, listed: this.root.querySelectorAll('#settle-list tbody tr').length, done: this.done };
  }
}
