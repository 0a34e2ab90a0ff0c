// Visits recorded with no signal wait here, in IndexedDB (database "gridmap", store "visit-queue", keyed by
// the client_id made when the kind was tapped), until the signal returns: on the `online` event and on page
// load the queue is sent in order, and each visit leaves it only once the server has answered 200 or 201.
// A second sending of the same queue (two tabs, a reload mid-send) is harmless: the server counts a
// client_id once. The page shows "待发送 N条" while the queue holds any.
//
// For tests and support, <pre id="visit-queue-status" hidden> holds JSON {"pending":N,"sent":N,"errors":[...]}
// after every change.

import { postJSON } from '../shared/api.js';
import { el } from '../shared/dom.js';

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

/** The queued visits, oldest first. */
export async function queued() {
  const all = await tx('readonly', (s) => s.getAll());
  return all.sort((a, b) => a.queued_at.localeCompare(b.queued_at));
}

/** Queues the POST /visits body `visit` (it carries its client_id). */
export async function enqueue(visit) {
  await tx('readwrite', (s) => s.put({ ...visit, queued_at: new Date().toISOString() }));
  await show();
}

/** Whether a failed request failed for want of a network (and so is worth queueing), not by the server's answer. */
export function isOffline(err) {
  return !navigator.onLine || (err && err.status === undefined);
}

/** Sends every queued visit; one sending at a time in this page. */
export function flush() {
  sending ||= (async () => {
    errors = [];
    for (const { queued_at, ...visit } of await queued()) {
      try {
        await postJSON('/visits', visit); // 201 new, 200 already counted: either way it is on the server
        await tx('readwrite', (s) => s.delete(visit.client_id));
        sent += 1;
      } catch (err) {
        errors.push(err.message);
        if (isOffline(err)) break; // the signal went again: the rest wait too
      }
    }
    await show();
  })().finally(() => (sending = null));
  return sending;
}

/** Draws "待发送 N条" (hidden when none wait) and the status for tests. */
export async function show() {
  const n = (await queued()).length;
  let badge = document.getElementById('visit-queue');
  if (!badge) {
    badge = el('div', { id: 'visit-queue', class: 'gm-visit-queue', role: 'status' });
    document.body.appendChild(badge);
  }
  badge.hidden = n === 0;
  badge.textContent = `待发送 ${n}条`;
  let pre = document.getElementById('visit-queue-status');
  if (!pre) {
    pre = el('pre', { id: 'visit-queue-status', hidden: true });
    document.body.appendChild(pre);
  }
  pre.textContent = JSON.stringify({ pending: n, sent, errors });
  return n;
}

/** Sends the queue now and whenever the signal returns. */
export function installQueue() {
  window.addEventListener('online', () => flush());
  flush();
}
