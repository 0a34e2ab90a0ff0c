// The locate feature's HTML: the chain of responsibility, a household, a phone number. Every value goes
// through esc(), so the server's data only ever become text.

import { telHref } from '../shared/phone.js';

/** The householders' tags, in Chinese. */
export const TAGS = { elderly_alone: '独居老人', disabled: '残疾', low_income: '低收入' };

/** Escapes text for HTML. */
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A phone number: a tap-to-call link when it may be dialled (shared/phone.js decides), plain text otherwise. */
export function phoneHtml(phone) {
  if (!phone) return '';
  const href = telHref(phone);
  if (!href) return `<span class="gm-phone">${esc(phone)}</span>`;
  return `<a class="gm-phone gm-tel" href="${esc(href)}">${esc(phone)}</a>`;
}

const person = (name, phone, role) =>
  name || phone
    ? `<span class="gm-person"><span class="gm-role">${role}</span> ${esc(name || '未登记')} ${phoneHtml(phone)}</span>`
    : `<span class="gm-person gm-missing"><span class="gm-role">${role}</span> 未配备</span>`;

/** The chain of responsibility as HTML rows: town, community (secretary), grid (manager), unit (leader, head). */
export function chainHtml(chain) {
  const rows = [];
  const row = (label, f, people = '') =>
    rows.push(
      `<div class="gm-chain-row"><span class="gm-chain-label">${label}</span><span class="gm-chain-value">${
        f ? `${esc(f.name)} <span class="gm-code">${esc(f.code)}</span>${people}` : '<span class="gm-missing">无</span>'
      }</span></div>`,
    );
  row('镇/街道', chain.town);
  row('社区', chain.community, chain.community ? person(chain.community.secretary, chain.community.secretary_phone, '书记') : '');
  if (chain.village) row('原行政村', chain.village);
  row('网格', chain.grid, chain.grid ? person(chain.grid.manager, chain.grid.manager_phone, '网格员') : '');
  if (chain.unit) {
    const u = chain.unit;
    row(
      u.kind === 'building' ? '楼栋' : '巷道',
      u,
      (u.leader ? person(u.leader, null, '组长') : '') + person(u.head, u.head_phone, u.kind === 'building' ? '楼长' : '巷长'),
    );
  }
  return rows.join('');
}

/** A household as HTML: head, address, members, phone, tags. */
export function householdHtml(h) {
  const t = (h.tags || []).map((x) => `<span class="gm-tag">${esc(TAGS[x] || x)}</span>`).join('');
  return `<div class="gm-hh"><b>${esc(h.head || '户主未登记')}</b> <span class="gm-code">${esc(h.code)}</span>
    <div class="gm-addr">${esc(h.address || '')}</div>
    <div>${h.members ? `${h.members} 人 ` : ''}${phoneHtml(h.phone)} ${t}</div></div>`;
}
