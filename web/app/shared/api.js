// The one way the page talks to the gridmap API (/api/v1): JSON both ways, the session cookie with every
// request, the session's CSRF token with every write. Every failure except a deliberate abort becomes an
// Error: its message is the server's (the error body {"error":{"status","message"}}, whose message leads in
// Chinese), or else names the request; `status` and `body` carry the answer for callers that branch on it.

import { API_BASE } from './config.js';

// The session's CSRF token (from sign-in or /auth/me): every write made with the session cookie sends it back
// as X-CSRF-Token, which a cross-site page cannot read.
let csrfToken = null;

/** Sets the CSRF token writes send (null when signed out). */
export function setCsrf(token) {
  csrfToken = token || null;
}

export function isAbort(err) {
  return !!err && err.name === 'AbortError';
}

/** Whether a request failed for want of a network (no answer at all), not by the server's answer. */
export function isNetworkError(err) {
  return !isAbort(err) && (!navigator.onLine || (!!err && err.status === undefined));
}

/**
 * What a server message says to a person: the server writes Chinese first with English details after in
 * parentheses (`没有编码为 X 的网格 (no grid with code "X")`); the page shows the Chinese and keeps the rest
 * for support (err.detail).
 */
export function userMessage(text) {
  const s = String(text ?? '');
  // Top-level parenthesised groups; one that opens with ASCII and holds an English word is a detail.
  let out = '';
  let depth = 0;
  let group = '';
  for (const c of s) {
    if (c === '(' || c === '（') {
      if (depth++ === 0) {
        group = c;
        continue;
      }
    }
    if (depth > 0) {
      group += c;
      if ((c === ')' || c === '）') && --depth === 0) {
        const inner = group.slice(1, -1);
        if (!(/^[\x20-\x7e]/.test(inner) && /[A-Za-z]{2,}/.test(inner))) out += group;
        else out = out.trimEnd();
      }
      continue;
    }
    out += c;
  }
  if (depth > 0) out += group;
  const zh = out.trim();
  return /[\u4e00-\u9fff]/.test(zh) ? zh : s;
}

/**
 * `method` `${API_BASE}${path}`, with `body` as JSON when given; resolves to the answer's JSON (null when it
 * has none, as a 204). A failure throws an Error whose message is Chinese (userMessage), with `detail`, the
 * whole text, and `status`.
 */
export async function request(method, path, { body, signal } = {}) {
  const url = `${API_BASE}${path}`;
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      signal,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw Object.assign(new Error('无法连接服务器,请检查网络后重试'), { detail: `${method} ${url}: ${err.message}` });
  }
  let json = null;
  let parsed = true;
  try {
    json = await response.json();
  } catch (err) {
    if (isAbort(err)) throw err;
    parsed = false; // no JSON body (204, or an error page)
  }
  if (response.ok && !parsed && method === 'GET') {
    throw Object.assign(new Error('服务器的回答无法读取'), { detail: `${method} ${url}: the answer is not JSON` });
  }
  if (!response.ok) {
    const full = json?.error?.message || `${method} ${url}: HTTP ${response.status}`;
    const err = new Error(json?.error?.message ? userMessage(full) : `请求失败 (错误码 ${response.status})`);
    err.detail = full;
    err.status = response.status;
    err.body = json;
    throw err;
  }
  return json;
}

/** GET as JSON (see request). */
export function getJSON(path, signal) {
  return request('GET', path, { signal });
}

/** A write with a JSON body (see request). */
export function sendJSON(method, path, body) {
  return request(method, path, { body });
}

/** POST as JSON (see request). */
export function postJSON(path, body) {
  return request('POST', path, { body: body ?? {} });
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

/**
 * POSTs `file` as the raw body to `${API_BASE}${path}`, reporting upload progress as `onProgress(fraction)`;
 * resolves to the answer's JSON, failing as `request` does (XMLHttpRequest: fetch reports no upload progress).
 */
export function uploadFile(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API_BASE}${path}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    xhr.onerror = () => reject(Object.assign(new Error('无法连接服务器,请检查网络后重试'), { detail: `POST ${path}: network error` }));
    xhr.onload = () => {
      let json = null;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        json = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(json);
      const full = json?.error?.message || `POST ${path}: HTTP ${xhr.status}`;
      const err = new Error(json?.error?.message ? userMessage(full) : `上传失败 (错误码 ${xhr.status})`);
      reject(Object.assign(err, { detail: full, status: xhr.status, body: json }));
    };
    xhr.send(file);
  });
}
