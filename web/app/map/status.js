// Self-report for automated tests and for support: once the map is idle
// after the first load, <pre id="gridmap-status"> holds JSON with how many
// features of each logical layer are drawn on screen and every error seen.
// It is refreshed on later idle events, so it always tells the current view.

import { el } from '../shared/dom.js';
import { LAYERS } from '../shared/layers.js';
import { STYLE_LAYERS } from './style.js';

export class Status {
  constructor() {
    this.ready = false;
    this.errors = [];
    this.map = null;
    this.data = null;
  }

  error(err) {
    const message = err instanceof Error ? err.message : String(err);
    if (this.errors.length < 50 && !this.errors.includes(message)) this.errors.push(message);
    this.write();
  }

  /** Count of distinct features (by code) drawn per logical layer. */
  rendered() {
    const out = {};
    if (!this.map) return out;
    for (const { id } of LAYERS) {
      const layers = STYLE_LAYERS[id].filter((l) => this.map.getLayer(l));
      const codes = new Set();
      for (const f of this.map.queryRenderedFeatures({ layers })) codes.add(f.properties?.code ?? f.id);
      out[id] = codes.size;
    }
    return out;
  }

  write() {
    let pre = document.getElementById('gridmap-status');
    if (!pre) {
      // Only errors before the first idle get written early; `ready` stays false until then.
      if (!this.ready && !this.errors.length) return;
      pre = el('pre', { id: 'gridmap-status', hidden: true });
      document.body.appendChild(pre);
    }
    let rendered = {};
    try {
      rendered = this.ready ? this.rendered() : {};
    } catch (err) {
      this.errors.push(`queryRenderedFeatures: ${err.message}`);
    }
    const view = this.map
      ? { zoom: +this.map.getZoom().toFixed(2), center: this.map.getCenter().toArray().map((v) => +v.toFixed(5)) }
      : null;
    pre.textContent = JSON.stringify({ ready: this.ready, rendered, loaded: this.data?.counts ?? {}, view, errors: this.errors });
  }

  markReady() {
    this.ready = true;
    this.write();
  }
}

/**
 * Headless Chromium's --virtual-time-budget (how the tests run the page) lets virtual time jump ahead
 * whenever the page looks idle, but MapLibre waits on real time: animation frames and its web worker.
 * Under load the budget could run out before the first frame. A chain of MessageChannel tasks keeps the
 * page from looking idle until it is ready. Only in headless Chromium, and for 30 s at most.
 * @returns a function that lets the clock go
 */
export function holdVirtualTime() {
  if (!/HeadlessChrome/.test(navigator.userAgent)) return () => {};
  let held = true;
  let spins = 0;
  const start = performance.now();
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    if (held && ++spins < 5e6 && performance.now() - start < 30000) channel.port2.postMessage(null);
  };
  channel.port2.postMessage(null);
  return () => {
    held = false;
  };
}
