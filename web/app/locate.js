// Finding a household and who is responsible for it: the entry point of the
// search box (search.js), the "my grid" view (mygrid.js) and click-to-locate.
//
// Importing this module mounts the search box (with ?q=TEXT, already searched)
// and, with ?grid=CODE, the "my grid" list; both work before (and without) the map. main.js then calls
// installLocate(map) once the map exists: a click anywhere asks
// /api/v1/locate and shows the chain of responsibility for that spot.
//
// Names and phones come masked unless the signed-in account (account.js; the
// session cookie goes with every request) may see that household.

import { API_BASE } from './config.js';
import { SearchBox } from './search.js';
import { MyGrid } from './mygrid.js';

/** GET an API path as JSON; errors carry the server's message. */
export async function apiGet(path, signal) {
  const headers = { Accept: 'application/json' };
  const url = `${API_BASE}${path}`;
  let r;
  try {
    r = await fetch(url, { signal, headers });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new Error(`GET ${url}: ${err.message}`);
  }
  if (!r.ok) {
    let detail = '';
    try {
      detail = (await r.json()).error?.message || '';
    } catch {
      /* no JSON body */
    }
    throw new Error(detail || `GET ${url}: HTTP ${r.status}`);
  }
  return r.json();
}

/** Escapes text for HTML. */
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A phone number: a tap-to-call link when unmasked, plain text when masked. */
export function phoneHtml(phone) {
  if (!phone) return '';
  if (phone.includes('*')) return `<span class="gm-phone">${esc(phone)}</span>`;
  return `<a class="gm-phone gm-tel" href="tel:${esc(phone.replace(/[^\d+]/g, ''))}">${esc(phone)}</a>`;
}

export const LAYER_ZH = {
  county: '县',
  towns: '镇/街道',
  communities: '社区',
  villages: '原行政村',
  grids: '网格',
  units: '巷道/楼栋',
  households: '户',
};

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
  const tags = { elderly_alone: '独居老人', disabled: '残疾', low_income: '低收入' };
  const t = (h.tags || []).map((x) => `<span class="gm-tag">${esc(tags[x] || x)}</span>`).join('');
  return `<div class="gm-hh"><b>${esc(h.head || '户主未登记')}</b> <span class="gm-code">${esc(h.code)}</span>
    <div class="gm-addr">${esc(h.address || '')}</div>
    <div>${h.members ? `${h.members} 人 ` : ''}${phoneHtml(h.phone)} ${t}</div></div>`;
}

/** The card that shows what is at a spot or a search hit. */
class ChainCard {
  constructor() {
    this.el = document.createElement('aside');
    this.el.id = 'gm-chain';
    this.el.className = 'gm-card';
    this.el.setAttribute('aria-label', '责任链');
    this.el.hidden = true;
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
      this.show(`<h2 class="gm-card-title">不在${esc(a.county?.name || '本县')}范围内</h2><p class="gm-note">${esc(a.message)}</p>`);
      return;
    }
    let html = `<h2 class="gm-card-title">此处责任人</h2>`;
    if (!a.grid) html += `<p class="gm-warn">此处不属于任何网格 (盲区)</p>`;
    if (a.also?.grids) html += `<p class="gm-warn">同时被网格 ${esc(a.also.grids.join(', '))} 划入 (重叠)</p>`;
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
    const title = hit.layer === 'households' ? '住户' : LAYER_ZH[hit.layer] || hit.layer;
    let html = `<h2 class="gm-card-title">${esc(title)}: ${esc(hit.layer === 'households' ? hit.head || hit.code : hit.name)}</h2>`;
    html += chainHtml(hit.chain || {});
    if (hit.layer === 'households') html += householdHtml(hit);
    const grid = hit.layer === 'grids' ? hit : hit.chain?.grid;
    if (grid) html += `<button type="button" class="gm-button" data-open-grid="${esc(grid.code)}">查看网格 ${esc(grid.name)} 的住户</button>`;
    this.show(html);
  }
}

const ZOOM = { households: 18, units: 17, grids: 15, villages: 14, communities: 14, towns: 12, county: 10 };

function addStylesheet() {
  if (document.querySelector('link[href="app/locate.css"]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = 'app/locate.css';
  document.head.appendChild(link);
}

// --- Mount on import: everything here works before the map exists. ---

addStylesheet();
const params = new URLSearchParams(location.search);
const card = new ChainCard();
let map = null;
let marker = null;

function mark(lonlat) {
  if (!map || !Array.isArray(lonlat) || !window.maplibregl) return;
  if (!marker) {
    const el = document.createElement('div');
    el.className = 'gm-marker';
    marker = new maplibregl.Marker({ element: el });
  }
  marker.setLngLat(lonlat).addTo(map);
}

card.onClose = () => marker?.remove();

const myGrid = new MyGrid({
  onLocate(household) {
    if (map && household.lonlat) map.flyTo({ center: household.lonlat, zoom: Math.max(map.getZoom(), 18) });
    mark(household.lonlat);
  },
});
card.onOpenGrid = (code) => {
  card.close();
  myGrid.open(code);
};

const bar = document.querySelector('.topbar') || document.body;
const search = new SearchBox(bar, {
  onPick(hit) {
    if (map && hit.lonlat) map.flyTo({ center: hit.lonlat, zoom: ZOOM[hit.layer] ?? 15 });
    mark(hit.lonlat);
    card.showHit(hit);
  },
});

if (params.get('grid')) myGrid.open(params.get('grid').trim());
// /?q=TEXT opens with that search's suggestions (a link a manager can share).
if (params.get('q')) {
  search.input.value = params.get('q');
  search.run();
}

/** Wires the map: click-to-locate, and fitting the "my grid" view. Called by main.js once the map exists. */
export function installLocate(m) {
  map = m;
  myGrid.setMap(m);
  let pending = null;
  map.on('click', async (e) => {
    if (window.gridmap?.planner?.ownsClicks()) return; // the planner's tools take the clicks
    pending?.abort();
    pending = new AbortController();
    const { lng, lat } = e.lngLat;
    try {
      const a = await apiGet(`/locate?lon=${lng.toFixed(7)}&lat=${lat.toFixed(7)}`, pending.signal);
      mark([lng, lat]);
      card.showLocate(a);
    } catch (err) {
      if (err.name !== 'AbortError') card.show(`<p class="gm-warn">${esc(err.message)}</p>`);
    }
  });
}

export { search, myGrid, card };
