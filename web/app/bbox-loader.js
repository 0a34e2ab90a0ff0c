// Loads the big layers (units, households) for the visible area only, once
// the map is zoomed in far enough. It fetches a padded box so small pans need
// no request, waits for the map to stop moving, and aborts a request the
// user has already moved away from.

import { fetchLayer, isAbort } from './api.js';
import { BBOX_DEBOUNCE_MS, BBOX_PAD, LAYERS } from './config.js';

const contains = (outer, inner) => outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];

function viewBbox(map) {
  const b = map.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
}

function pad([w, s, e, n], f) {
  const dx = (e - w) * f;
  const dy = (n - s) * f;
  return [w - dx, s - dy, e + dx, n + dy];
}

export class BboxLoader {
  /**
   * @param map the MapLibre map
   * @param data the LayerData the features go to
   * @param isVisible (layer) => whether the user has the layer switched on
   * @param onError (Error) => void
   * @param onChange (layer) => void, after a layer's features changed
   * @param onBusy (boolean) => void, whether a request is under way
   */
  constructor(map, data, { isVisible, onError, onChange, onBusy }) {
    this.map = map;
    this.data = data;
    this.isVisible = isVisible;
    this.onError = onError;
    this.onChange = onChange;
    this.onBusy = onBusy;
    this.inflight = 0;
    this.layers = LAYERS.filter((l) => l.bbox);
    this.state = Object.fromEntries(this.layers.map((l) => [l.id, { controller: null, loaded: null }]));
    this.timer = null;
    map.on('moveend', () => this.schedule());
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), BBOX_DEBOUNCE_MS);
  }

  /** Bring every bbox layer up to date with the view; resolves when the fetches are done. */
  refresh() {
    clearTimeout(this.timer);
    const zoom = this.map.getZoom();
    const view = viewBbox(this.map);
    return Promise.all(this.layers.map((l) => this.refreshLayer(l, zoom, view)));
  }

  async refreshLayer({ id, minzoom }, zoom, view) {
    const st = this.state[id];
    if (!this.isVisible(id) || zoom < minzoom) {
      // Out of range: drop the request and the features, so memory stays small when zoomed out.
      st.controller?.abort();
      st.controller = null;
      if (st.loaded) {
        st.loaded = null;
        this.data.clear(id);
        this.onChange(id);
      }
      return;
    }
    if (st.loaded && contains(st.loaded, view)) return;
    st.controller?.abort();
    const controller = new AbortController();
    st.controller = controller;
    const bbox = pad(view, BBOX_PAD);
    this.onBusy(++this.inflight > 0);
    try {
      const fc = await fetchLayer(id, { bbox, signal: controller.signal });
      if (st.controller !== controller) return; // superseded meanwhile
      st.loaded = bbox;
      this.data.set(id, fc);
      this.onChange(id);
    } catch (err) {
      if (!isAbort(err)) this.onError(err);
    } finally {
      if (st.controller === controller) st.controller = null;
      this.onBusy(--this.inflight > 0);
    }
  }

  /** Whether a layer is waiting for zoom (for the layer switcher's hint). */
  needsZoom(id) {
    const l = this.layers.find((x) => x.id === id);
    return !!l && this.map.getZoom() < l.minzoom;
  }
}
