// Working with no signal: for a signed-in grid manager the page registers the service worker (/sw.js, scope /)
// that answers the shell and the "my grid" reads from a cache when the network fails, and tells it whose
// account the cached answers belong to; on sign-out (or when the server says nobody is signed in) it has the
// worker drop every cached answer, so one phone never shows one account another's households.
//
// For tests and support, <pre id="offline-status" hidden> holds JSON {"registered":B,"controlled":B,
// "account":NAME|null,"errors":[]} once the worker has been told.

import { el } from '../shared/dom.js';

function writeStatus(s) {
  let pre = document.getElementById('offline-status');
  if (!pre) {
    pre = el('pre', { id: 'offline-status', hidden: true });
    document.body.appendChild(pre);
  }
  pre.textContent = JSON.stringify(s);
}

/** Posts `message` to the active worker and waits for its answer (or 5 s). */
async function tell(message) {
  const reg = await navigator.serviceWorker.getRegistration('/');
  const worker = reg?.active;
  if (!worker) return;
  await new Promise((resolve) => {
    const done = (e) => {
      if (e.data?.of !== message.type) return;
      navigator.serviceWorker.removeEventListener('message', done);
      resolve();
    };
    navigator.serviceWorker.addEventListener('message', done);
    setTimeout(resolve, 5000);
    worker.postMessage(message);
  });
}

/** Drops every cached answer (called before sign-out). */
export async function forgetAccount() {
  if ('serviceWorker' in navigator) await tell({ type: 'signout' }).catch(() => null);
}

/** Registers the worker for grid managers, given the /auth/me answer `me`. */
export async function installOffline(me) {
  if (!('serviceWorker' in navigator)) return;
  const username = me?.account?.username;
  if (!username || me.account.role !== 'grid_manager') {
    // Only the server's own "nobody" counts: a page with no signal must not throw its cache away.
    if (navigator.onLine && me && !me.signed_in) await forgetAccount();
    return;
  }
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    // What this page loaded before the worker controlled it goes into the caches too.
    const urls = [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)];
    await tell({ type: 'account', username, urls });
    writeStatus({ registered: true, controlled: !!navigator.serviceWorker.controller, account: username, errors: [] });
  } catch (err) {
    writeStatus({ registered: false, controlled: false, account: username, errors: [err.message] });
  }
}
