// The service worker of a grid manager's phone, served from / so that its scope is the whole page. Villages
// often have no signal: the page shell and the API reads of the "my grid" view (the grid's households, its
// units and grids, the account) are fetched network first and, when the network fails, answered from the
// cache. API answers are personal, so they are cached per account (cache "gm-data-<username>"), only while
// the page has named a grid manager's account (message {type:"account", username}), and every data cache is
// dropped on sign-out (message {type:"signout"}) or when another account signs in. Writes are never cached:
// visits recorded offline wait in the page's queue (app/visits/queue.js).

const SHELL = 'gm-shell-v1';
const META = 'gm-meta';
const DATA_PREFIX = 'gm-data-';
const ACCOUNT_KEY = '/__gm_account';
// The API reads the my-grid view and the map make; nothing else of /api/v1 is kept. Search and locate are not
// kept: with no signal the page answers them from these (app/offline/local.js).
const READS = [/^\/api\/v1\/auth\/me$/, /^\/api\/v1\/grids\/[^/]+\/households$/, /^\/api\/v1\/coverage\/contact$/, /^\/api\/v1\/meta$/, /^\/api\/v1\/layers\/[a-z]+$/];
// The layers the map reads per view (?bbox=): with no signal, a view never read before gets the last one read
// of that layer, so the map shows what the phone holds rather than an error.
const BY_VIEW = /^\/api\/v1\/layers\/(units|households)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(['/', '/app/main.js', '/app/main.css'])).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

async function account() {
  const r = await (await caches.open(META)).match(ACCOUNT_KEY);
  return r ? r.text() : null;
}

async function dropData(keep) {
  for (const name of await caches.keys()) {
    if (name.startsWith(DATA_PREFIX) && name !== keep) await caches.delete(name);
  }
}

self.addEventListener('message', (event) => {
  const m = event.data || {};
  const done = (async () => {
    const meta = await caches.open(META);
    if (m.type === 'account' && m.username) {
      await meta.put(ACCOUNT_KEY, new Response(m.username));
      await dropData(DATA_PREFIX + encodeURIComponent(m.username));
      // Keep what the page has already loaded (fetched before this worker controlled it).
      const urls = (m.urls || []).filter((u) => sameOrigin(u));
      await Promise.all(urls.map((u) => refresh(new Request(u, { credentials: 'same-origin' })).catch(() => null)));
    } else if (m.type === 'signout') {
      await meta.delete(ACCOUNT_KEY);
      await dropData(null);
    }
    event.source?.postMessage({ type: 'done', of: m.type });
  })();
  event.waitUntil(done);
});

function sameOrigin(u) {
  try {
    return new URL(u, self.location.href).origin === self.location.origin;
  } catch {
    return false;
  }
}

/** The cache a GET of `url` belongs in, or null when it must not be cached. */
async function cacheFor(url) {
  if (!url.pathname.startsWith('/api/')) return SHELL;
  if (!READS.some((re) => re.test(url.pathname))) return null;
  const who = await account();
  return who ? DATA_PREFIX + encodeURIComponent(who) : null;
}

/** Fetches `request` and keeps a good answer in its cache. */
async function refresh(request) {
  const url = new URL(request.url);
  const response = await fetch(request);
  const name = await cacheFor(url);
  if (name && response.ok && response.type === 'basic') await (await caches.open(name)).put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  try {
    return await refresh(request);
  } catch (err) {
    const url = new URL(request.url);
    const name = await cacheFor(url);
    const cache = name && (await caches.open(name));
    const hit =
      cache &&
      ((await cache.match(request)) ||
        (BY_VIEW.test(url.pathname) && (await cache.match(request, { ignoreSearch: true }))) ||
        (request.mode === 'navigate' && (await (await caches.open(SHELL)).match('/'))));
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !sameOrigin(request.url)) return;
  event.respondWith(networkFirst(request));
});
