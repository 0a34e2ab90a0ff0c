// The draft's live statistics in the planner panel: per grid its households, people, band and pieces; the
// community's blind spots, slivers and overlaps; every defect; and the households and units that change grid
// against the published plan (from /plans/{id}/diff), with the grid managers on both sides; the edits made.

import { API_BASE } from '../shared/config.js';
import { KINDS } from '../shared/defect-kinds.js';
import { el } from '../shared/dom.js';
import { BANDS, gridName } from './layers.js';

const fmt = (n) => (Number.isFinite(n) ? n.toLocaleString('zh-CN') : '—');

/** Defect counts by kind. */
export function defectCounts(plan) {
  const c = {};
  for (const d of plan.stats.defects) c[d.kind] = (c[d.kind] || 0) + 1;
  return c;
}

/** The coverage kinds always shown, even at 0: what "no blind spots" is about. */
const HEADLINE = ['blind_spot', 'sliver', 'overlap'];

/**
 * Fills `box` with the statistics of `plan`. `onGrid(id)` when a grid's row is chosen, `onDefect(defect)` when
 * a defect is; `selected` is the grid shown as selected.
 */
export function renderStats(box, plan, { onGrid, onDefect, selected } = {}) {
  const s = plan.stats;
  const counts = defectCounts(plan);
  const summary = el(
    'p',
    { class: 'planner-summary' },
    `共 ${fmt(s.households)} 户,未入格 ${fmt(s.households_uncovered)} 户;较已发布方案调整 `,
    el('strong', { id: 'planner-moves-count', text: fmt(s.moves.length) }),
    ' 户。',
    el('span', { class: 'planner-elapsed', id: 'planner-elapsed', text: `统计用时 ${s.elapsed_ms.toFixed(1)} 毫秒` }),
  );
  // The draft as it would be published, for QGIS or the archive (the session cookie goes with the link).
  const exportUrl = (format) => `${API_BASE}/plans/${encodeURIComponent(plan.id)}/export?format=${format}`;
  const exports = el(
    'p',
    { class: 'planner-exports', id: 'planner-exports' },
    '导出草案: ',
    el('a', { href: exportUrl('geojson'), download: '', text: '地图数据文件 (GeoJSON)' }),
    ' · ',
    el('a', { href: exportUrl('gpkg'), download: '', text: 'GIS 数据库 (GeoPackage)' }),
  );

  const chips = el('div', { class: 'planner-chips', id: 'planner-defect-counts' });
  const kinds = [...HEADLINE, ...Object.keys(counts).filter((k) => !HEADLINE.includes(k))];
  for (const kind of kinds) {
    const n = counts[kind] || 0;
    const chip = el('span', { class: `planner-chip${n ? ' planner-chip-bad' : ''}`, 'data-kind': kind }, `${KINDS[kind]?.label || kind} `, el('b', { text: String(n) }));
    chip.style.setProperty('--c', KINDS[kind]?.color || '#555');
    chips.append(chip);
  }

  const table = el('table', { class: 'coverage-table planner-grids', id: 'planner-grid-table' });
  table.append(el('thead', {}, el('tr', {}, ...['网格', '网格员', '户数', '人数', '状态', '块数', '公示图'].map((h) => el('th', { text: h })))));
  const body = el('tbody');
  for (const g of s.grids) {
    const band = BANDS[g.band] || { label: g.band, color: '#999' };
    const status = el('span', { class: `planner-band planner-band-${g.band}`, text: band.label });
    status.style.setProperty('--c', band.color);
    const tr = el(
      'tr',
      { tabindex: 0, 'data-id': g.id, class: g.id === selected ? 'planner-selected' : null, title: g.id },
      el('td', {}, el('span', { text: gridName(g) }), el('small', { class: 'planner-id', text: g.id })),
      el('td', { text: g.manager || '未配备', class: g.manager ? null : 'planner-missing' }),
      el('td', { class: 'num households', text: fmt(g.households) }),
      el('td', { class: 'num people', text: fmt(g.people) }),
      el('td', {}, status),
      el('td', { class: `num parts${g.parts > 1 ? ' planner-missing' : ''}`, text: String(g.parts), title: g.parts > 1 ? '网格不连续' : null }),
      // The grid's wall chart (网格公示图, A4 PNG) as this draft would publish it.
      el('td', {}, el('a', {
        class: 'planner-wallchart',
        href: `${API_BASE}/plans/${encodeURIComponent(plan.id)}/grids/${encodeURIComponent(g.id)}/wallchart.png`,
        target: '_blank',
        rel: 'noopener',
        text: '打印',
        title: '网格公示图 (A4)',
        on: { click: (e) => e.stopPropagation() },
      })),
    );
    const go = () => onGrid?.(g.id);
    tr.addEventListener('click', go);
    tr.addEventListener('keydown', (e) => e.key === 'Enter' && go());
    body.append(tr);
  }
  table.append(body);

  const list = el('ul', { class: 'planner-defects', id: 'planner-defect-list' });
  for (const d of s.defects) {
    const item = el(
      'li',
      { tabindex: 0, 'data-defect': d.id },
      el('span', { class: 'planner-dot' }),
      el('b', { text: KINDS[d.kind]?.label || d.kind }),
      ` ${d.message}`,
    );
    item.firstChild.style.setProperty('--c', KINDS[d.kind]?.color || '#555');
    item.addEventListener('click', () => onDefect?.(d));
    item.addEventListener('keydown', (e) => e.key === 'Enter' && onDefect?.(d));
    list.append(item);
  }
  // A list the planner opened or closed stays so across edits.
  const was = box.querySelector('details');
  const defects = el(
    'details',
    { class: 'planner-details', open: was ? was.open : s.defects.length > 0 && s.defects.length <= 8 },
    el('summary', { text: `问题 ${s.defects.length} 项` }),
    s.defects.length ? list : el('p', { text: '没有问题。' }),
  );
  box.replaceChildren(summary, chips, table, exports, defects);
}

/** Why a household is in the diff, in words. */
const WHY = {
  moved: '边界调整,随网格变动',
  roster: '名册更正:实际住在新网格',
  uncovered: '调整后不在任何网格内,名册不变',
};

/**
 * Fills `box` with the households and units whose grid publishing changes (the publication's own list, from
 * /plans/{id}/diff). Grids are named as publishing names them; `names(id)` names any other grid.
 */
export function renderDiff(box, diff, names) {
  const named = new Map();
  for (const g of diff.grids || []) {
    if (g.before) named.set(g.before.code, g.before.name);
    named.set(g.code, g.name);
  }
  for (const r of diff.retired || []) named.set(r.code, r.name);
  const side = (grid, manager) => (grid ? `${named.get(grid) || names(grid)}${manager ? `(${manager})` : ''}` : '不在网格内');
  const rows = [
    ...diff.households.map((h) => ['户', h.household, side(h.from, h.from_manager), side(h.to, h.to_manager), WHY[h.why] || '']),
    ...diff.units.map((u) => ['楼栋/巷道', u.name || u.unit, side(u.from, u.from_manager), side(u.to, u.to_manager), '随所在网格']),
  ];
  const was = box.querySelector('details');
  const open = was ? was.open : true;
  const outside = diff.households.filter((h) => h.why === 'uncovered').length;
  const summary = el('summary', { text: `调整明细:住户 ${diff.households_moved} 户,楼栋/巷道 ${diff.units_moved} 个${outside ? `;另有 ${outside} 户将不在任何网格内` : ''}` });
  if (!rows.length) {
    box.replaceChildren(el('details', { class: 'planner-details', open }, summary, el('p', { text: '与已发布方案相同。' })));
    return;
  }
  const table = el('table', { class: 'coverage-table planner-diff', id: 'planner-diff-table' });
  table.append(el('thead', {}, el('tr', {}, ...['类别', '编号/名称', '原网格(网格员)', '新网格(网格员)', '说明'].map((h) => el('th', { text: h })))));
  const body = el('tbody');
  for (const r of rows) body.append(el('tr', {}, ...r.map((t) => el('td', { text: t }))));
  table.append(body);
  box.replaceChildren(el('details', { class: 'planner-details', open }, summary, table));
}

/** An edit of the draft in words; `n(id)` names a grid. */
export function describeEdit(e, n) {
  switch (e.op) {
    case 'reshape':
      return `改边界:${n(e.grid)}`;
    case 'move_vertex':
      return '移动共用顶点';
    case 'add_vertex':
      return `加顶点:${n(e.grid)}`;
    case 'delete_vertex':
      return '删除顶点';
    case 'split':
      return `拆分:${n(e.grid)}`;
    case 'merge':
      return `合并:${n(e.with)} 并入 ${n(e.grid)}`;
    case 'assign_units':
      return `${e.units.length} 个楼栋/巷道划入 ${n(e.grid)}`;
    case 'give':
      return `缺口/重叠归入 ${n(e.to)}`;
    default:
      return e.op;
  }
}

/** The draft's applied edits, oldest first (what undo takes back, newest first). */
export function renderSteps(box, steps, n) {
  const was = box.querySelector('details');
  const list = el('ol', {}, ...steps.map((s) => el('li', { text: describeEdit(s, n) })));
  box.replaceChildren(
    el('details', { class: 'planner-details', open: was?.open || false }, el('summary', { text: `操作记录 ${steps.length} 步` }), steps.length ? list : el('p', { text: '还没有修改。' })),
  );
}
