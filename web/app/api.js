// Requests to the gridmap API. Every failure except a deliberate abort is
// turned into an Error whose message names the request, so it can be shown
// to the user and reported in #gridmap-status as it is.

import { API_BASE } from './config.js';

/** GET `${API_BASE}${path}` as JSON; errors carry the server's message. */
export async function getJSON(path, signal) {
  const url = `${API_BASE}${path}`;
  let response;
  try {
    response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new Error(`GET ${url}: ${err.message}`);
  }
  if (!response.ok) {
    // The server answers errors with a JSON body; show its message when there is one.
    let detail = '';
    try {
      const body = await response.json();
      // gridmap answers {"error":{"status":…,"message":…}}
      detail = body.error?.message || body.message || (typeof body.error === 'string' ? body.error : JSON.stringify(body));
    } catch {
      /* no JSON body */
    }
    throw new Error(`GET ${url}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`);
  }
  return response.json();
}

/** `{county:{code,name}, bbox:[minlon,minlat,maxlon,maxlat], counts:{layer:n}}` */
export function fetchMeta(signal) {
  return getJSON('/meta', signal);
}

/** A layer as a GeoJSON FeatureCollection; `bbox` (lon/lat) limits it to features whose envelope meets it. */
export async function fetchLayer(layer, { bbox, signal } = {}) {
  const query = bbox ? `?bbox=${bbox.map((v) => v.toFixed(6)).join(',')}` : '';
  const fc = await getJSON(`/layers/${encodeURIComponent(layer)}${query}`, signal);
  if (!fc || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    throw new Error(`GET ${API_BASE}/layers/${layer}: not a GeoJSON FeatureCollection`);
  }
  return fc;
}

export function isAbort(err) {
  return err && err.name === 'AbortError';
}

// The session's CSRF token (from sign-in or /auth/me): every write made with the session cookie sends it back
// as X-CSRF-Token, which a cross-site page cannot read.
let csrfToken = null;

/** Sets the CSRF token writes send (null when signed out). */
export function setCsrf(token) {
  csrfToken = token || null;
}

/** `method` `${API_BASE}${path}` with a JSON body; errors carry the server's message and status. */
export async function sendJSON(method, path, body) {
  const url = `${API_BASE}${path}`;
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new Error(`${method} ${url}: ${err.message}`);
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    /* no JSON body (204) */
  }
  if (!response.ok) {
    const detail = json?.error?.message || '';
    const err = new Error(detail || `${method} ${url}: HTTP ${response.status}`);
    err.status = response.status;
    err.body = json;
    throw err;
  }
  return json;
}

/** POST as JSON (see sendJSON). */
export function postJSON(path, body) {
  return sendJSON('POST', path, body ?? {});
}
