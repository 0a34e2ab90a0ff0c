// Visits recorded with no signal wait here, in IndexedDB (database "gridmap", store "visit-queue", keyed by
// the client_id made when the kind was tapped), until the signal returns: on the `online` event and on page
// load the queue is sent in order, and each visit leaves it only once the server has answered 200 or 201.
// A second sending of the same queue (two tabs, a reload mid-send) is harmless: the server counts a
// client_id once. The page shows "待发送 N条" while the queue holds any.
//
// A visit the server refuses for good (a 4xx other than 401, 408 and 429: the household left the account's
// grids, a bad note) would be refused again on every sending and would block nothing, but it must not wait
// forever unseen either. It leaves the queue for a list of refused visits: "N条未被接受" shows until the user
// has read why and tapped 知道了. A 401 keeps it waiting until the user signs in again; a 5xx or no answer
// keeps it waiting for the next sending.
//
// For tests and support, <pre id="visit-queue-status" hidden> holds JSON
// {"pending":N,"sent":N,"refused":N,"errors":[...]} after every change.

import { isNetworkError, postJSON } from '../shared/api.js';
import { el } from '../shared/dom.js';
import { esc } from '../locate/html.js';

const DB = 'gridmap';
const STORE = 'visit-queue';
let sent = 0;
let errors = [];
let sending = null;

function db() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'client_id' });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function tx(mode, work) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode);
    const req = work(t.objectStore(STORE));
    t.oncomplete = () => resolve(req?.result);
    t.onerror = () => reject(t.error);
  });
}

async function all() {
  const rows = await tx('readonly', (s) => s.getAll());
  return rows.sort((a, b) => a.queued_at.localeCompare(b.queued_at));
}

/** The visits waiting to be sent, oldest first. */
export async function queued() {
  return (await all()).filter((v) => !v.refused);
}

/** The visits the server refused for good, oldest first, each with `refused: {status, message, at}`. */
export async function refused() {
  return (await all()).filter((v) => v.refused);
}

/** Whether the server's answer `err` refuses the visit for good (see the head of this file). */
function refusedForGood(err) {
  return err.status >= 400 && err.status < 500 && ![401, 408, 429].includes(err.status);
}

/** Queues the POST /visits body `visit` (it carries its client_id). */
export async function enqueue(visit) {
  await tx('readwrite', (s) => s.put({ ...visit, queued_at: new Date().toISOString() }));
  await show();
}

/** Sends every queued visit; one sending at a time in this page. */
export function flush() {
  sending ||= (async () => {
    errors = [];
    for (const row of await queued()) {
      const { queued_at, ...visit } = row;
      try {
        await postJSON('/visits', visit); // 201 new, 200 already counted: either way it is on the server
        await tx('readwrite', (s) => s.delete(visit.client_id));
        sent += 1;
      } catch (err) {
        errors.push(err.message);
        if (isNetworkError(err)) break; // the signal went again: the rest wait too
        if (refusedForGood(err)) {
          const why = { status: err.status, message: err.message, at: new Date().toISOString() };
          await tx('readwrite', (s) => s.put({ ...row, refused: why }));
        }
      }
    }
    await show();
  })().finally(() => (sending = null));
  return sending;
}

/** Drops the refused visits once the user has read why (the 知道了 button). */
export async function dismissRefused() {
  for (const v of await refused()) await tx('readwrite', (s) => s.delete(v.client_id));
  await show();
}

function refusedHtml(list) {
  const rows = list
    .map((v) => `<li><b>${esc(v.kind)}</b> · 住户 <span class="gm-code">${esc(v.household)}</span> · ${esc(v.queued_at.slice(0, 16).replace('T', ' '))}<br />${esc(v.refused.message)}</li>`)
    .join('');
  return `<p>以下走访记录在恢复网络后被服务器拒绝, 未计入走访覆盖率。请核对后重新记录:</p><ol>${rows}</ol>
    <button type="button" class="gm-button gm-visit-refused-ok">知道了</button>`;
}

function node(id, tag, attrs) {
  let n = document.getElementById(id);
  if (!n) {
    n = el(tag, { id, ...attrs });
    document.body.appendChild(n);
  }
  return n;
}

/** Draws "待发送 N条" and "N条未被接受" (each hidden when none), and the status for tests. */
export async function show() {
  const n = (await queued()).length;
  const bad = await refused();
  const badge = node('visit-queue', 'div', { class: 'gm-visit-queue', role: 'status' });
  badge.hidden = n === 0 && bad.length === 0;
  badge.innerHTML = [n ? `<span>待发送 ${n}条</span>` : '', bad.length ? `<button type="button" class="gm-visit-refused-open">${bad.length}条未被接受</button>` : ''].filter(Boolean).join(' ');
  const box = node('visit-refused', 'div', { class: 'gm-visit-refused gm-card', role: 'dialog', 'aria-label': '未被接受的走访', hidden: true });
  if (!bad.length) box.hidden = true;
  else box.innerHTML = refusedHtml(bad);
  if (!box.dataset.wired) {
    box.dataset.wired = '1';
    badge.addEventListener('click', (e) => e.target.closest('.gm-visit-refused-open') && (box.hidden = !box.hidden));
    box.addEventListener('click', (e) => e.target.closest('.gm-visit-refused-ok') && dismissRefused());
  }
  const pre = node('visit-queue-status', 'pre', { hidden: true });
  pre.textContent = JSON.stringify({ pending: n, sent, refused: bad.length, errors });
  return n;
}

/** Sends the queue now and whenever the signal returns. */
export function installQueue() {
  window.addEventListener('online', () => flush());
  flush();
}
