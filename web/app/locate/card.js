// The card that shows who is responsible for a spot (a /locate answer) or a search hit; its button opens the
// grid's households ("my grid"). A household on it carries the visit form (visits/visit.js) for the roles that
// visit households.

import { userMessage } from '../shared/api.js';
import { el } from '../shared/dom.js';
import { layerName } from '../shared/layers.js';
import { telHref } from '../shared/phone.js';
import { chainHtml, esc, householdHtml } from './html.js';
import { visitHtml, wireVisits } from '../visits/visit.js';

/** Heads a card drawn from what the phone holds (offline/local.js) rather than from the server. */
const OFFLINE_NOTE = '<p class="gm-note gm-offline-note">无网络: 按本机保存的数据显示</p>';

/** A large call button for `who`'s `phone`, when the number may be dialled (never for a masked one). */
function callButton(who, phone) {
  const href = telHref(phone);
  return href ? `<a class="gm-call" href="${esc(href)}">拨打${esc(who)} ${esc(phone)}</a>` : '';
}

/** The card that shows what is at a spot or a search hit. */
export class ChainCard {
  constructor() {
    this.el = el('aside', { id: 'gm-chain', class: 'gm-card', 'aria-label': '责任链', hidden: true });
    document.body.appendChild(this.el);
    wireVisits(this.el);
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

  /**
   * A /locate answer: the tapped thing first (the household whose courtyard or dwelling it is, else the
   * grid), with a large call button, then the chain of responsibility; codes stay small (hidden on a phone).
   */
  showLocate(a) {
    const note = a.offline ? OFFLINE_NOTE : '';
    if (!a.inside_county) {
      this.show(`${note}<h2 class="gm-card-title">不在${esc(a.county?.name || '本县')}范围内</h2><p class="gm-note">${esc(userMessage(a.message))}</p>`);
      return;
    }
    const h = a.household;
    // The household tapped: its courtyard or dwelling, or a dwelling's dot within a finger's width.
    const tapped = h && (h.match === 'inside' || h.distance_m <= 10);
    let html = '';
    if (tapped) {
      html += `<h2 class="gm-card-title" data-first="household">住户: ${esc(h.head || '户主未登记')}</h2>${householdHtml(h)}`;
      html += callButton('户主', h.phone) + visitHtml({ ...h, grid: a.grid?.code });
    } else if (a.grid) {
      html += `<h2 class="gm-card-title" data-first="grid">${esc(a.grid.name)}</h2>`;
      html += `<p class="gm-lead">网格员 ${esc(a.grid.manager || '未配备')}</p>${callButton('网格员', a.grid.manager_phone)}`;
    } else {
      html += `<h2 class="gm-card-title" data-first="none">此处不属于任何网格</h2>`;
    }
    if (!a.grid) html += `<p class="gm-warn">此处不属于任何网格 (盲区)</p>`;
    if (a.also?.grids) html += `<p class="gm-warn">${esc(userMessage(a.message))}</p>`;
    html += `<h3 class="gm-sub">责任人</h3>${chainHtml(a)}`;
    if (h && !tapped) html += `<h3 class="gm-sub">最近住户 (${h.distance_m} 米)</h3>${householdHtml(h)}${visitHtml({ ...h, grid: a.grid?.code })}`;
    else if (!h && !a.households_withheld) html += `<p class="gm-note">${a.radius_m} 米内无住户</p>`;
    if (a.grid) html += `<button type="button" class="gm-button" data-open-grid="${esc(a.grid.code)}">查看本网格住户</button>`;
    this.show(note + html);
  }

  /** A household of a grid's list ("my grid"), with the visit form. */
  showHousehold(h, grid) {
    const html = `<h2 class="gm-card-title">住户: ${esc(h.head || h.code)}</h2>${householdHtml(h)}${visitHtml({ ...h, grid: grid?.code })}`;
    this.show(html);
  }

  /** A search hit (it carries its own chain). */
  showHit(hit) {
    const title = hit.layer === 'households' ? '住户' : layerName(hit.layer);
    let html = hit.offline ? OFFLINE_NOTE : '';
    html += `<h2 class="gm-card-title">${esc(title)}: ${esc(hit.layer === 'households' ? hit.head || hit.code : hit.name)}</h2>`;
    html += chainHtml(hit.chain || {});
    if (hit.layer === 'households') html += householdHtml(hit) + visitHtml({ ...hit, grid: hit.chain?.grid?.code });
    const grid = hit.layer === 'grids' ? hit : hit.chain?.grid;
    if (grid) html += `<button type="button" class="gm-button" data-open-grid="${esc(grid.code)}">查看网格 ${esc(grid.name)} 的住户</button>`;
    this.show(html);
  }
}
