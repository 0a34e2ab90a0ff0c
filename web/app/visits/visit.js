// Recording a visit (民情联系) from a household's card: the kind buttons send at once (one tap, two with a
// note), with the phone's position when it gives one quickly and a client_id made here, so a resend (a retry
// after a dropped signal) counts once on the server. The server decides who may record for which household
// (a grid manager in their grids, a secretary in her community, the county admin anywhere); the form is only
// offered to those roles (body.gm-may-visit) and hidden on masked households.
//
// For tests and support, <pre id="visit-status" hidden> holds JSON: {"ready":true,"household":CODE,"kind":K,
// "created":B,"id":N,"flagged_far":B,"distance_m":D,"contact":{"visited":N,"households":N}|null,"errors":[]}
// after each send ({"queued":true,"client_id":ID} instead when it waits in the offline queue, queue.js).

import { getJSON, isNetworkError, postJSON } from '../shared/api.js';
import { el } from '../shared/dom.js';
import { esc } from '../locate/html.js';
import { enqueue } from './queue.js';

/** The kinds of visit, as the server stores them. */
export const KINDS = ['走访', '电话', '上门服务'];
/** The roles that visit households. */
const VISITING = ['grid_manager', 'secretary', 'admin'];

/** Whether the signed-in account (an /auth/me answer) visits households. */
export function mayVisit(me) {
  return VISITING.includes(me?.account?.role);
}

/** A random UUID (v4), also where crypto.randomUUID is missing (pages served over plain http). */
export function clientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The visit form for household `h` (nothing for a household shown masked: it is outside the caller's scope). */
export function visitHtml(h) {
  if (!h?.code || String(h.head || '').includes('*') || String(h.phone || '').includes('*')) return '';
  const kinds = KINDS.map((k) => `<button type="button" class="gm-button gm-visit-kind" data-kind="${k}">${k}</button>`).join('');
  return `<div class="gm-visit" data-visit="${esc(h.code)}" data-grid="${esc(h.grid || '')}">
    <h3 class="gm-sub">记录走访</h3>
    <input class="gm-visit-note" type="text" maxlength="500" placeholder="备注 (可选)" aria-label="走访备注" />
    <div class="gm-visit-kinds">${kinds}</div>
    <p class="gm-visit-result" aria-live="polite"></p></div>`;
}

/** The phone's position as [lon, lat] (WGS84, as browsers give it), or null when it gives none in time. */
function position(timeoutMs = 3000) {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => {
    const done = setTimeout(() => resolve(null), timeoutMs + 500);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        clearTimeout(done);
        resolve([p.coords.longitude, p.coords.latitude]);
      },
      () => {
        clearTimeout(done);
        resolve(null);
      },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60000 },
    );
  });
}

function writeStatus(s) {
  let pre = document.getElementById('visit-status');
  if (!pre) {
    pre = el('pre', { id: 'visit-status', hidden: true });
    document.body.appendChild(pre);
  }
  pre.textContent = JSON.stringify(s);
}

/**
 * The contact coverage of `grid` (households visited in 30 days, and the codes of those not visited when the
 * caller may see households), or null when the caller may not ask.
 */
export async function gridContact(grid) {
  if (!grid) return null;
  try {
    const c = await getJSON(`/coverage/contact?parent=${encodeURIComponent(grid)}`);
    const row = c.grids.find((g) => g.code === grid);
    return row ? { visited: row.visited, households: row.households, coverage_pct: row.coverage_pct, not_contacted: row.not_contacted || null } : null;
  } catch {
    return null;
  }
}

async function send(box, kind) {
  const result = box.querySelector('.gm-visit-result');
  const buttons = [...box.querySelectorAll('.gm-visit-kind')];
  buttons.forEach((b) => (b.disabled = true));
  result.textContent = '正在记录…';
  const household = box.dataset.visit;
  // One id per tap: a retry of this tap after a failure reuses it, so it cannot count twice.
  box.dataset.clientId ||= clientId();
  const body = { household, kind, note: box.querySelector('.gm-visit-note').value, client_id: box.dataset.clientId };
  const lonlat = await position();
  if (lonlat) body.lonlat = lonlat;
  try {
    if (!navigator.onLine) throw Object.assign(new Error('无网络 (offline)'), { status: undefined });
    const r = await postJSON('/visits', body);
    const v = r.visit;
    delete box.dataset.clientId;
    const far = v.flagged_far ? `;手机位置距住户 ${Math.round(v.distance_m)} 米,已标注` : '';
    result.textContent = `已记录${v.kind}${r.created ? '' : '(此前已记录)'} ${v.visited_at.slice(0, 16).replace('T', ' ')}${far}`;
    const contact = await gridContact(v.grid);
    if (contact) result.textContent += `。本网格近30天已走访 ${contact.visited}/${contact.households} 户`;
    writeStatus({ ready: true, household, kind, created: r.created, id: v.id, flagged_far: v.flagged_far, distance_m: v.distance_m, contact, errors: [] });
  } catch (err) {
    if (isNetworkError(err)) {
      // No signal: the visit waits in the queue with its client_id and is sent when the signal returns.
      await enqueue(body);
      delete box.dataset.clientId;
      result.textContent = '无网络, 已加入待发送队列, 恢复信号后自动发送';
      writeStatus({ ready: true, household, kind, created: false, queued: true, client_id: body.client_id, contact: null, errors: [] });
      return;
    }
    result.textContent = `未能记录: ${err.message}`;
    writeStatus({ ready: true, household, kind, created: false, contact: null, errors: [err.message] });
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

/** Sends a visit when a kind button inside `root` is tapped. */
export function wireVisits(root) {
  root.addEventListener('click', (e) => {
    const b = e.target.closest('.gm-visit-kind');
    const box = b?.closest('[data-visit]');
    if (box) send(box, b.dataset.kind);
  });
}
