// The search box: suggestions as you type, from /api/v1/search (names,
// addresses, codes, pinyin and initials: "zs" finds 张三). Arrow keys move,
// Enter picks, Escape closes; each suggestion is a large tap target. With no signal, the households and grids
// the phone holds are searched instead (offline/local.js), and the list says so.

import { getJSON, isAbort, isNetworkError } from '../shared/api.js';
import { searchHere } from '../offline/local.js';
import { el } from '../shared/dom.js';
import { layerName } from '../shared/layers.js';
import { esc } from './html.js';

const DEBOUNCE_MS = 120;
const LIMIT = 8;

const MATCH_ZH = {
  code: '编码',
  phone: '电话',
  name: '名称',
  pinyin: '拼音',
  pinyin_initials: '拼音首字母',
  code_prefix: '编码',
  name_prefix: '名称',
  pinyin_prefix: '拼音',
  name_contains: '名称',
  address_contains: '地址',
  all_terms: '多词',
};

function title(hit) {
  return hit.layer === 'households' ? `${hit.head || '户主未登记'} · ${hit.address || hit.code}` : hit.name;
}

function subtitle(hit) {
  const c = hit.chain || {};
  const where = [c.community?.name, c.grid?.name].filter(Boolean).join(' · ');
  return `${esc(hit.code)}${where ? ` · ${esc(where)}` : ''}`;
}

export class SearchBox {
  /** Mounts into `host` (the top bar); `onPick(hit)` is called with the chosen hit. */
  constructor(host, { onPick }) {
    this.onPick = onPick;
    this.hits = [];
    this.active = -1;
    this.el = el('div', { class: 'gm-search' });
    this.el.innerHTML = `
      <input id="gm-search-input" type="search" enterkeyhint="search" autocomplete="off" spellcheck="false"
        placeholder="搜索 姓名/拼音/地址/编码" aria-label="搜索住户、网格、社区"
        role="combobox" aria-expanded="false" aria-controls="gm-suggest" aria-autocomplete="list" />
      <ul id="gm-suggest" class="gm-suggest" role="listbox" hidden></ul>`;
    host.appendChild(this.el);
    this.input = this.el.querySelector('input');
    this.list = this.el.querySelector('ul');
    this.input.addEventListener('input', () => this.schedule());
    this.input.addEventListener('keydown', (e) => this.key(e));
    this.input.addEventListener('focus', () => this.hits.length && this.open(true));
    this.list.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus while tapping
    this.list.addEventListener('click', (e) => {
      const li = e.target.closest('li[data-i]');
      if (li) this.pick(Number(li.dataset.i));
    });
    document.addEventListener('click', (e) => {
      if (!this.el.contains(e.target)) this.open(false);
    });
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), DEBOUNCE_MS);
  }

  async run() {
    const q = this.input.value.trim();
    this.pending?.abort();
    if (!q) {
      this.render([]);
      return;
    }
    this.pending = new AbortController();
    try {
      const r = await getJSON(`/search?q=${encodeURIComponent(q)}&limit=${LIMIT}`, this.pending.signal);
      if (this.input.value.trim() === q) this.render(r.hits, q);
    } catch (err) {
      if (isAbort(err)) return;
      if (isNetworkError(err)) {
        const r = await searchHere(q, LIMIT);
        if (this.input.value.trim() === q) this.render(r.hits, q, r.hits.length ? '' : `无网络, 本机保存的住户中没有“${q}”`, true);
        return;
      }
      this.render([], q, err.message);
    }
  }

  render(hits, q = '', error = '', offline = false) {
    this.hits = hits;
    this.active = -1;
    if (!q) {
      this.open(false);
      return;
    }
    const note = offline && hits.length ? `<li class="gm-empty gm-offline-note">无网络: 以下为本机保存的住户和网格</li>` : '';
    this.list.innerHTML = note + (hits.length
      ? hits
          .map(
            (h, i) => `<li role="option" id="gm-opt-${i}" data-i="${i}" data-code="${esc(h.code)}" class="gm-option">
              <span class="gm-badge gm-badge-${esc(h.layer)}">${esc(layerName(h.layer))}</span>
              <span class="gm-option-text"><span class="gm-option-title">${esc(title(h))}</span>
              <span class="gm-option-sub">${subtitle(h)} <span class="gm-why">${esc(MATCH_ZH[h.match] || '')}</span></span></span></li>`,
          )
          .join('')
      : `<li class="gm-empty">${esc(error || `没有找到“${q}”`)}</li>`);
    this.open(true);
  }

  open(on) {
    this.list.hidden = !on;
    this.input.setAttribute('aria-expanded', String(on));
  }

  key(e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!this.hits.length) return;
      e.preventDefault();
      const n = this.hits.length;
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      for (const li of this.list.querySelectorAll('li[data-i]')) li.classList.toggle('active', Number(li.dataset.i) === this.active);
      this.input.setAttribute('aria-activedescendant', `gm-opt-${this.active}`);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (this.hits.length) this.pick(Math.max(this.active, 0));
      else this.run();
    } else if (e.key === 'Escape') {
      this.open(false);
    }
  }

  pick(i) {
    const hit = this.hits[i];
    if (!hit) return;
    this.open(false);
    this.input.blur();
    this.onPick(hit);
  }
}
