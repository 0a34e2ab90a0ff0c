// "My grid" (/?grid=CODE): a grid manager's own grid on a phone. The grid,
// its community and people, and every household that lies in it or that its
// roster names, each flagged when location and roster disagree; a filter box;
// each row is a large tap target that shows the household on the map.
//
// For tests and support, <pre id="mygrid-status" hidden> holds JSON:
// {"ready":true,"grid":CODE,"count":N,"listed":N,"codes":[...],"viewport":[w,h],
// "panel_width":W,"min_row_height":H,"withheld":B,"ready_ms":MS,"errors":[]} once the list is drawn
// (count from the API; listed, codes and sizes measured in the DOM). An anonymous visitor gets the count
// and the server's request to sign in (withheld) instead of the households.

import { getJSON, userMessage } from '../shared/api.js';
import { el, isPhone } from '../shared/dom.js';
import { TAGS, chainHtml, esc, phoneHtml } from './html.js';
import { gridContact } from '../visits/visit.js';
import { remember } from '../offline/local.js';

function writeStatus(s) {
  let pre = document.getElementById('mygrid-status');
  if (!pre) {
    pre = el('pre', { id: 'mygrid-status', hidden: true });
    document.body.appendChild(pre);
  }
  pre.textContent = JSON.stringify(s);
}

function rowHtml(h, i) {
  const flags = [];
  if (!h.lies_in) flags.push(`<span class="gm-flag">名册在此, 位置在${h.lies_in_grid ? `网格 ${esc(h.lies_in_grid)}` : '网格外'}</span>`);
  if (!h.on_roster) flags.push(`<span class="gm-flag">位于本网格, 名册登记为${h.roster?.grid_code ? ` ${esc(h.roster.grid_code)}` : '空'}</span>`);
  const tags = (h.tags || []).map((t) => `<span class="gm-tag">${esc(TAGS[t] || t)}</span>`).join('');
  return `<li class="gm-row" data-i="${i}" data-code="${esc(h.code)}" data-pinyin="${esc(h.pinyin || '')}">
    <button type="button" class="gm-row-main" data-i="${i}">
      <span class="gm-row-title">${esc(h.head || '户主未登记')}${h.members ? ` <span class="gm-muted">${h.members}人</span>` : ''}</span>
      <span class="gm-row-addr">${esc(h.address || h.code)}</span>
      <span class="gm-row-meta">${h.unit ? `${esc(h.unit.name)} · ` : ''}<span class="gm-code">${esc(h.code)}</span> ${tags} ${flags.join(' ')}</span>
    </button>${h.phone ? `<span class="gm-row-phone">${phoneHtml(h.phone)}</span>` : ''}<button type="button" class="gm-row-visit" data-i="${i}" aria-label="记录走访">走访</button></li>`;
}

export class MyGrid {
  constructor({ onLocate, onVisit, onUncontacted }) {
    this.onLocate = onLocate;
    this.onVisit = onVisit;
    this.onUncontacted = onUncontacted;
    this.map = null;
    this.data = null;
    this.el = el('section', { id: 'gm-mygrid', class: 'gm-mygrid', 'aria-label': '我的网格', hidden: true });
    document.body.appendChild(this.el);
    this.el.addEventListener('click', (e) => {
      if (e.target.closest('.gm-mygrid-close')) this.close();
      if (e.target.closest('.gm-mygrid-fold')) this.el.classList.toggle('folded');
      const v = e.target.closest('.gm-row-visit');
      if (v && this.data) {
        this.onVisit?.(this.data.households[Number(v.dataset.i)], this.data.grid);
        return;
      }
      const b = e.target.closest('.gm-row-main');
      if (b && this.data) {
        const h = this.data.households[Number(b.dataset.i)];
        for (const li of this.el.querySelectorAll('.gm-row.active')) li.classList.remove('active');
        b.parentElement.classList.add('active');
        if (isPhone()) this.el.classList.add('folded');
        this.onLocate(h);
      }
    });
    // The account may be known only after the list is drawn: then the contact line follows.
    document.addEventListener('gm-account', () => this.data && this.showContact(this.data.grid.code));
    this.el.addEventListener('input', (e) => {
      if (e.target.classList.contains('gm-filter')) this.filter(e.target.value);
    });
  }

  setMap(map) {
    this.map = map;
    this.fit();
  }

  fit() {
    const b = this.data?.bbox;
    if (!this.map || !b) return;
    const pad = isPhone() ? { top: 24, left: 24, right: 24, bottom: Math.round(window.innerHeight * 0.5) } : { top: 24, bottom: 24, right: 24, left: 400 };
    this.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: pad, duration: 0, maxZoom: 18 });
  }

  async open(code) {
    this.el.hidden = false;
    document.body.classList.add('gm-mygrid-open');
    // The layer panel would sit under this one on a desktop: fold it through its own toggle.
    if (document.body.classList.contains('panel-open')) document.getElementById('panel-toggle')?.click();
    this.el.innerHTML = `<p class="gm-note">正在加载网格…</p>`;
    const url = new URL(location.href);
    if (url.searchParams.get('grid') !== code) {
      url.searchParams.set('grid', code);
      history.replaceState(null, '', url);
    }
    try {
      this.data = await getJSON(`/grids/${encodeURIComponent(code)}/households`);
      remember(this.data);
    } catch (err) {
      this.el.innerHTML = `<button type="button" class="gm-mygrid-close" aria-label="关闭">×</button>
        <p class="gm-warn">无法打开此网格: ${esc(err.message)}</p>`;
      writeStatus({ ready: true, grid: code, count: 0, listed: 0, errors: [err.message] });
      return;
    }
    this.render();
    this.fit();
  }

  render() {
    const d = this.data;
    const g = d.grid;
    const target = d.target_households ? ` / 目标 ${d.target_households}` : '';
    this.el.innerHTML = `
      <header class="gm-mygrid-head">
        <button type="button" class="gm-mygrid-fold" aria-label="展开或收起列表"><span></span></button>
        <button type="button" class="gm-mygrid-close" aria-label="关闭">×</button>
        <h2>${esc(g.name)} <span class="gm-code">${esc(g.code)}</span></h2>
        <div class="gm-mygrid-people">${chainHtml({ ...d.chain, grid: g })}</div>
        <p class="gm-mygrid-count"><b id="gm-mygrid-count">${d.count}</b> 户${target}
          ${d.count - d.lies_in_count ? ` · <span class="gm-flag">${d.count - d.lies_in_count} 户名册在此但位置不在本网格</span>` : ''}
          ${d.count - d.on_roster_count ? ` · <span class="gm-flag">${d.count - d.on_roster_count} 户位于本网格但未登记在册</span>` : ''}</p>
        <p class="gm-mygrid-contact" id="gm-mygrid-contact"></p>
        <input class="gm-filter" type="search" placeholder="筛选 姓名/地址/编码" aria-label="筛选住户" />
      </header>
      ${d.withheld ? `<p class="gm-withheld" id="gm-mygrid-withheld">${esc(userMessage(d.message || ''))}</p>` : ''}
      <ol class="gm-rows" id="gm-mygrid-list">${d.households.map(rowHtml).join('')}</ol>`;
    this.showContact(g.code);
    // Layout figures, so a test at a phone viewport can tell the list is usable there.
    const rows = [...this.el.querySelectorAll('.gm-row-main')];
    const heights = rows.map((r) => r.getBoundingClientRect().height);
    writeStatus({
      ready: true,
      grid: g.code,
      count: d.count,
      listed: rows.length,
      codes: [...this.el.querySelectorAll('.gm-row')].map((li) => li.dataset.code),
      masked: d.masked,
      withheld: !!d.withheld,
      viewport: [window.innerWidth, window.innerHeight],
      panel_width: Math.round(this.el.getBoundingClientRect().width),
      min_row_height: heights.length ? Math.round(Math.min(...heights)) : null,
      // What the user waited for: milliseconds from the navigation's start to the list drawn.
      ready_ms: Math.round(performance.now()),
      errors: [],
    });
  }

  /** The grid's contact coverage (走访覆盖率) for the roles that visit households. */
  async showContact(code) {
    if (!document.body.classList.contains('gm-may-visit')) return;
    const c = await gridContact(code);
    const p = this.el.querySelector('#gm-mygrid-contact');
    if (!c || !p) return;
    const shaded = c.not_contacted?.length ? ` · 地图上橙色圈为未走访的 ${c.not_contacted.length} 户` : '';
    p.textContent = `近30天已走访 ${c.visited}/${c.households} 户${c.coverage_pct === null ? '' : ` (${c.coverage_pct}%)`}${shaded}`;
    // The unvisited rows are marked in the list as on the map.
    const open = new Set(c.not_contacted || []);
    for (const li of this.el.querySelectorAll('.gm-row')) li.classList.toggle('gm-uncontacted', open.has(li.dataset.code));
    this.onUncontacted?.(c.not_contacted);
  }

  /** Shows the rows whose text or head's pinyin (全拼, 首字母: "zs" finds 张三) holds `text`. */
  filter(text) {
    const q = text.trim().toLowerCase();
    const spelled = q.replace(/\s+/g, '');
    for (const li of this.el.querySelectorAll('.gm-row')) {
      const hit = li.textContent.toLowerCase().includes(q) || li.dataset.pinyin.split(' ').some((p) => p && p.includes(spelled));
      li.hidden = !!q && !hit;
    }
  }

  close() {
    this.el.hidden = true;
    this.onUncontacted?.(null);
    document.body.classList.remove('gm-mygrid-open');
    const url = new URL(location.href);
    url.searchParams.delete('grid');
    history.replaceState(null, '', url);
  }
}
