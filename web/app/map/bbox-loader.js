// Loads the big layers (units, households) for the visible area only, once
// the map is zoomed in far enough. It fetches a padded box so small pans need
// no request, waits for the map to stop moving, and aborts a request the
// user has already moved away from.

import { fetchLayer, isAbort } from '../shared/api.js';
import { BBOX_DEBOUNCE_MS, BBOX_PAD } from '../shared/config.js';
import { LAYERS } from '../shared/layers.js';

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
    // Per layer: the request under way ({controller, bbox, done}) and the bbox of the features shown.
    this.state = Object.fromEntries(this.layers.map((l) => [l.id, { pending: null, loaded: null }]));
    this.timer = null;
    this.started = false;
  }

  /** Begin following the view; call once the map's style (and so its sources) is loaded. */
  start() {
    this.started = true;
    this.map.on('moveend', () => this.schedule());
    return this.refresh();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), BBOX_DEBOUNCE_MS);
  }

  /** Bring every bbox layer up to date with the view; resolves when the fetches are done. */
  refresh() {
    clearTimeout(this.timer);
    if (!this.started) return Promise.resolve();
    const zoom = this.map.getZoom();
    const view = viewBbox(this.map);
    return Promise.all(this.layers.map((l) => this.refreshLayer(l, zoom, view)));
  }

  /** Fetch every bbox layer again, even where the view is loaded already (the data changed). */
  reload() {
    for (const st of Object.values(this.state)) st.loaded = null;
    return this.refresh();
  }

  refreshLayer({ id, minzoom }, zoom, view) {
    const st = this.state[id];
    if (!this.isVisible(id) || zoom < minzoom) {
      // Out of range: drop the request and the features, so memory stays small when zoomed out.
      st.pending?.controller.abort();
      st.pending = null;
      if (st.loaded) {
        st.loaded = null;
        this.data.clear(id);
        this.onChange(id);
      }
      return Promise.resolve();
    }
    if (st.loaded && contains(st.loaded, view)) return Promise.resolve();
    // A request already under way for a box that covers the view will do.
    if (st.pending && contains(st.pending.bbox, view)) return st.pending.done;
    st.pending?.controller.abort();
    const pending = { controller: new AbortController(), bbox: pad(view, BBOX_PAD) };
    pending.done = this.fetchInto(id, pending);
    st.pending = pending;
    return pending.done;
  }

  async fetchInto(id, pending) {
    const st = this.state[id];
    this.onBusy(++this.inflight > 0);
    try {
      const fc = await fetchLayer(id, { bbox: pending.bbox, signal: pending.controller.signal });
      if (st.pending !== pending) return; // superseded meanwhile
      st.loaded = pending.bbox;
      this.data.set(id, fc);
      this.onChange(id);
    } catch (err) {
      if (!isAbort(err)) this.onError(err);
    } finally {
      if (st.pending === pending) st.pending = null;
      this.onBusy(--this.inflight > 0);
    }
  }

  /** Whether a layer is waiting for zoom (for the layer switcher's hint). */
  needsZoom(id) {
    const l = this.layers.find((x) => x.id === id);
    return !!l && this.map.getZoom() < l.minzoom;
  }
}
