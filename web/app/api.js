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
