// Editing a draft's grids on the map with terra-draw (vendored UMD globals `terraDraw` and
// `terraDrawMaplibreGlAdapter`): select a grid and drag, add (midpoints) or delete (right-click) its
// vertices; or draw a line to split a grid. terra-draw only edits; the server decides (it snaps every vertex),
// so after every answer the terra-draw features are replaced by the draft's grids as the server returned them.
//
// terra-draw holds one Polygon per grid: the grid's largest part without holes, which is what a reshape
// replaces, thinned to the handles the zoom can show (handles.js) and thinned again after each zoom. Its
// features carry the grid ids; coordinates are rounded to terra-draw's 9 decimals, and matched back to the
// server's exact ones when an edit is sent, so vertices the planner did not touch (shown or hidden) are sent as
// they were.

import { key9, largestPart, round9 } from '../shared/geometry.js';
import { loadScript } from '../shared/dom.js';
import { applyToFull, thinIndices } from './handles.js';

const EDIT_ACTIONS = ['dragCoordinate', 'insertMidpoint', 'deleteCoordinate'];

export class PlanEditor {
  /**
   * @param map MapLibre map
   * @param handlers `onOutline(gridId, ring, action, ringBefore)` when a grid's outline was edited, `onLine(coords)` when
   *   a line was drawn, `onSelect(gridId | null)`.
   */
  constructor(map, handlers) {
    this.map = map;
    this.handlers = handlers;
    this.draw = null;
    this.exact = new Map(); // grid id -> Map(key9 -> exact [lon, lat])
    this.rings = new Map(); // grid id -> the grid's exact outer ring (all of it)
    this.kept = new Map(); // grid id -> the indices of that ring terra-draw was given
    this.features = [];
    this.selected = null;
    this.mode = 'static';
  }

  /**
   * Loads the vendored terra-draw scripts, the adapter after the library it extends. Only the planner needs
   * them, so they load when the planner opens rather than for every visitor; a failure leaves available()
   * false, which the planner reports.
   */
  static async load() {
    try {
      await loadScript('vendor/terra-draw/terra-draw.umd.js');
      await loadScript('vendor/terra-draw-maplibre-gl-adapter/terra-draw-maplibre-gl-adapter.umd.js');
    } catch {
      // available() says so
    }
  }

  /** Whether the vendored scripts are loaded. */
  static available() {
    return !!(window.terraDraw?.TerraDraw && window.terraDrawMaplibreGlAdapter?.TerraDrawMapLibreGLAdapter);
  }

  start() {
    if (this.draw) return;
    const td = window.terraDraw;
    let n = 0;
    this.draw = new td.TerraDraw({
      adapter: new window.terraDrawMaplibreGlAdapter.TerraDrawMapLibreGLAdapter({ map: this.map, prefixId: 'planner-td' }),
      // Grid ids ("610522001001001", "new-1") as feature ids; terra-draw's own points get td-N.
      idStrategy: { isValidId: (id) => typeof id === 'string' && id.length > 0, getId: () => `td-${++n}` },
      modes: [
        // Holds the grids; never switched to (grids are drawn by the planner's own layers underneath).
        new td.TerraDrawPolygonMode({ styles: { fillColor: '#ffffff', fillOpacity: 0, outlineColor: '#1f3b63', outlineWidth: 1 } }),
        new td.TerraDrawLineStringMode({ styles: { lineStringColor: '#d7191c', lineStringWidth: 3, closingPointColor: '#d7191c', closingPointWidth: 6 } }),
        new td.TerraDrawSelectMode({
          flags: { polygon: { feature: { draggable: false, coordinates: { draggable: true, midpoints: true, deletable: true } } } },
          styles: {
            selectedPolygonColor: '#00b4d8',
            selectedPolygonFillOpacity: 0.15,
            selectedPolygonOutlineColor: '#0077b6',
            selectedPolygonOutlineWidth: 3,
            selectionPointColor: '#0077b6',
            selectionPointOutlineColor: '#ffffff',
            selectionPointWidth: 6,
            midPointColor: '#ffffff',
            midPointOutlineColor: '#0077b6',
            midPointWidth: 4,
          },
        }),
      ],
    });
    this.draw.start();
    this.draw.setMode('static');
    this.draw.on('finish', (id, ctx) => this.finished(id, ctx));
    this.draw.on('select', (id) => {
      this.selected = id;
      this.handlers.onSelect?.(id);
    });
    this.draw.on('deselect', () => {
      this.selected = null;
      this.handlers.onSelect?.(null);
    });
    // What the zoom can show changes with it: thin again (the selected grid stays selected).
    // Not while a split line is being drawn: clearing would take the line away.
    this.map.on('zoomend', () => this.mode !== 'linestring' && this.features.length && this.setGrids(this.features));
  }

  /** `select` (edit vertices), `linestring` (draw a split line) or `static` (the map's clicks are the tools'). */
  setMode(mode) {
    if (!this.draw) return;
    this.mode = mode;
    this.draw.setMode(mode);
  }

  /** Replaces terra-draw's features by the draft's grids, keeping the selected grid selected. */
  setGrids(features) {
    if (!this.draw) return [];
    const keep = this.selected;
    this.draw.clear();
    this.selected = null;
    this.exact.clear();
    this.rings.clear();
    this.kept.clear();
    this.features = features;
    const toPx = (c) => {
      const p = this.map.project(c);
      return [p.x, p.y];
    };
    // Grid `id` as terra-draw holds it: the vertices of its ring at `kept`, closed.
    const item = (id, kept) => {
      const ring = this.rings.get(id);
      return { id, type: 'Feature', properties: { mode: 'polygon' }, geometry: { type: 'Polygon', coordinates: [[...kept.map((i) => round9(ring[i])), round9(ring[0])]] } };
    };
    const items = [];
    for (const f of features) {
      const part = largestPart(f.geometry);
      if (!part) continue;
      const id = String(f.id);
      const ring = part[0];
      this.exact.set(id, new Map(ring.map((c) => [key9(c), c])));
      this.rings.set(id, ring);
      this.kept.set(id, thinIndices(ring, toPx));
      items.push(item(id, this.kept.get(id)));
    }
    let refused = this.draw.addFeatures(items).filter((r) => !r.valid);
    // A thinned outline terra-draw refuses (it crossed itself) is given whole.
    if (refused.length) {
      const whole = refused.map((r) => String(r.id));
      for (const id of whole) this.kept.set(id, [...Array(this.rings.get(id).length - 1).keys()]);
      refused = this.draw.addFeatures(whole.map((id) => item(id, this.kept.get(id)))).filter((r) => !r.valid);
    }
    if (keep && this.draw.hasFeature(keep) && this.mode === 'select') this.select(keep);
    else if (keep) this.handlers.onSelect?.(null);
    return refused.map((r) => `${r.id}: ${r.reason}`);
  }

  select(id) {
    if (!this.draw || this.mode !== 'select' || !this.draw.hasFeature(id)) return;
    if (this.selected && this.selected !== id) this.draw.deselectFeature(this.selected);
    this.draw.selectFeature(id);
    this.selected = id;
  }

  clear() {
    if (!this.draw) return;
    this.draw.clear();
    this.exact.clear();
    this.rings.clear();
    this.kept.clear();
    this.features = [];
    this.selected = null;
  }

  finished(id, ctx) {
    const f = this.draw.getSnapshotFeature(id);
    if (!f) return;
    if (ctx.mode === 'select' && EDIT_ACTIONS.includes(ctx.action) && f.geometry.type === 'Polygon') {
      const exact = this.exact.get(String(id)) || new Map();
      const shown = f.geometry.coordinates[0].map((c) => exact.get(key9(c)) || c);
      const full = this.rings.get(String(id));
      const kept = this.kept.get(String(id));
      const same = (c, i) => key9(c) === key9(full[i]);
      const ring = (full && kept && applyToFull(full, kept, shown, same)) || shown;
      this.handlers.onOutline(String(id), ring, ctx.action, full);
    } else if (ctx.mode === 'linestring' && f.geometry.type === 'LineString') {
      // Out of terra-draw's event first: it is still finishing the line.
      setTimeout(() => this.draw.hasFeature(id) && this.draw.removeFeatures([id]), 0);
      this.handlers.onLine(f.geometry.coordinates);
    }
  }

  /** The handles terra-draw shows now (its own selection points: the selected grid's shown vertices). */
  handles() {
    return this.draw ? this.draw.getSnapshot().filter((f) => f.properties?.selectionPoint).length : 0;
  }

  /** The vertices of grid `id` as the server sent them (exact). */
  vertices(id) {
    return [...(this.exact.get(id)?.values() || [])];
  }
}
