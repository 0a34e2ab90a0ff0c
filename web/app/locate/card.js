// The card that shows who is responsible for a spot (a /locate answer) or a search hit; its button opens the
// grid's households ("my grid").

import { userMessage } from '../shared/api.js';
import { el } from '../shared/dom.js';
import { layerName } from '../shared/layers.js';
import { chainHtml, esc, householdHtml } from './html.js';

/** The card that shows what is at a spot or a search hit. */
export class ChainCard {
  constructor() {
    this.el = el('aside', { id: 'gm-chain', class: 'gm-card', 'aria-label': '责任链', hidden: true });
    document.body.appendChild(this.el);
    this.el.addEventListener('click', (e) => {
      if (e.target.closest('.gm-card-close')) this.close();
      const g = e.target.closest('[data-open-grid]');
      if (g) this.onOpenGrid?.(g.dataset.openGrid);
    });
  }

  show(html) {
    this.el.innerHTML = `<button type="button" class="gm-card-close" aria-label="关闭">×</button>${html}`;
    this.el.hidden = false;
  }

  close() {
    this.el.hidden = true;
    this.onClose?.();
  }

  /** A /locate answer. */
  showLocate(a) {
    if (!a.inside_county) {
      this.show(`<h2 class="gm-card-title">不在${esc(a.county?.name || '本县')}范围内</h2><p class="gm-note">${esc(userMessage(a.message))}</p>`);
      return;
    }
    let html = `<h2 class="gm-card-title">此处责任人</h2>`;
    if (!a.grid) html += `<p class="gm-warn">此处不属于任何网格 (盲区)</p>`;
    if (a.also?.grids) html += `<p class="gm-warn">${esc(userMessage(a.message))}</p>`;
    html += chainHtml(a);
    if (a.household) {
      const how = a.household.match === 'inside' ? '此处住户' : `最近住户 (${a.household.distance_m} 米)`;
      html += `<h3 class="gm-sub">${how}</h3>${householdHtml(a.household)}`;
    } else {
      html += `<p class="gm-note">${a.radius_m} 米内无住户</p>`;
    }
    if (a.grid) html += `<button type="button" class="gm-button" data-open-grid="${esc(a.grid.code)}">查看本网格住户</button>`;
    this.show(html);
  }

  /** A search hit (it carries its own chain). */
  showHit(hit) {
    const title = hit.layer === 'households' ? '住户' : layerName(hit.layer);
    let html = `<h2 class="gm-card-title">${esc(title)}: ${esc(hit.layer === 'households' ? hit.head || hit.code : hit.name)}</h2>`;
    html += chainHtml(hit.chain || {});
    if (hit.layer === 'households') html += householdHtml(hit);
    const grid = hit.layer === 'grids' ? hit : hit.chain?.grid;
    if (grid) html += `<button type="button" class="gm-button" data-open-grid="${esc(grid.code)}">查看网格 ${esc(grid.name)} 的住户</button>`;
    this.show(html);
  }
}
