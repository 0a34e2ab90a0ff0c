// The draft on the map: its own sources and layers (the page's published layers stay as they are, except that
// the community being planned is hidden from them while its draft is shown). Grids are filled by their
// household band, labelled with name and households; defects, households that change grid, the community
// boundary, the published outline, and (for the assign tool) the community's lanes and buildings.

import { KINDS } from '../shared/defect-kinds.js';
import { FONT_BOLD, FONT_REGULAR } from '../shared/config.js';
import { labelPoints, shortName } from '../shared/labels.js';
import { pointOf } from '../shared/geometry.js';

const EMPTY = { type: 'FeatureCollection', features: [] };

/** Fill colour per household band. */
export const BANDS = {
  under: { color: '#6baed6', label: '偏少' },
  within: { color: '#74c476', label: '达标' },
  over: { color: '#fd8d3c', label: '偏多' },
};

/** Defect kinds drawn as areas (the others are listed in the panel). */
export const AREA_KINDS = Object.keys(KINDS).filter((k) => KINDS[k].draw === 'area');
/** Of those, the ones that are a whole grid: outlined, so the grid's own colour still shows. */
const WHOLE_GRID_KINDS = ['grid_noncontiguous'];

const S = {
  grids: 'planner-grids',
  labels: 'planner-grid-labels',
  defects: 'planner-defects',
  moves: 'planner-moves',
  boundary: 'planner-boundary',
  published: 'planner-published',
  units: 'planner-units',
  picks: 'planner-picks',
};

/** Style layers, bottom to top. */
export const PLAN_LAYERS = [
  'planner-grid-fill',
  'planner-published-line',
  'planner-grid-line',
  'planner-unit-fill',
  'planner-unit-line',
  'planner-defect-fill',
  'planner-defect-line',
  'planner-pick-fill',
  'planner-pick-line',
  'planner-boundary-line',
  'planner-move-point',
  'planner-unit-label',
  'planner-grid-label',
];

/** The page's own layers of published grids, hidden for the community being planned. */
const PUBLISHED_GRID_LAYERS = ['grids-fill', 'grids-line', 'grids-label'];

/** Units are drawn from this zoom, as on the page. */
export const UNITS_MINZOOM = 13;

export class PlanLayers {
  constructor(map) {
    this.map = map;
    this.added = false;
    this.hiddenCommunity = null;
    this.savedFilters = {};
  }

  add() {
    if (this.added) return;
    const map = this.map;
    for (const id of Object.values(S)) map.addSource(id, { type: 'geojson', data: EMPTY });
    const bandColor = ['match', ['get', 'band'], 'under', BANDS.under.color, 'over', BANDS.over.color, BANDS.within.color];
    const z = (pairs) => ['interpolate', ['linear'], ['zoom'], ...pairs];
    const layers = [
      { id: 'planner-grid-fill', type: 'fill', source: S.grids, paint: { 'fill-color': bandColor, 'fill-opacity': 0.45 } },
      {
        id: 'planner-published-line',
        type: 'line',
        source: S.published,
        paint: { 'line-color': '#555555', 'line-width': 1.5, 'line-dasharray': [2, 2], 'line-opacity': 0.8 },
      },
      { id: 'planner-grid-line', type: 'line', source: S.grids, paint: { 'line-color': '#1f3b63', 'line-width': z([12, 1.2, 16, 2.5]) } },
      {
        id: 'planner-unit-fill',
        type: 'fill',
        source: S.units,
        minzoom: UNITS_MINZOOM,
        paint: { 'fill-color': ['case', ['boolean', ['get', 'picked'], false], '#e6550d', '#ffffff'], 'fill-opacity': ['case', ['boolean', ['get', 'picked'], false], 0.7, 0.35] },
      },
      { id: 'planner-unit-line', type: 'line', source: S.units, minzoom: UNITS_MINZOOM, paint: { 'line-color': '#6f6a60', 'line-width': 1, 'line-dasharray': [3, 2] } },
      {
        id: 'planner-defect-fill',
        type: 'fill',
        source: S.defects,
        filter: ['!', ['in', ['get', 'kind'], ['literal', WHOLE_GRID_KINDS]]],
        paint: { 'fill-color': ['get', 'color'], 'fill-opacity': 0.55 },
      },
      // Slivers are a metre wide: an outline keeps them visible.
      {
        id: 'planner-defect-line',
        type: 'line',
        source: S.defects,
        paint: {
          'line-color': ['get', 'color'],
          'line-width': ['case', ['in', ['get', 'kind'], ['literal', WHOLE_GRID_KINDS]], 4, 2.5],
          'line-dasharray': [2, 1],
        },
      },
      { id: 'planner-pick-fill', type: 'fill', source: S.picks, paint: { 'fill-color': '#00b4d8', 'fill-opacity': 0.25 } },
      { id: 'planner-pick-line', type: 'line', source: S.picks, paint: { 'line-color': '#0077b6', 'line-width': 4 } },
      { id: 'planner-boundary-line', type: 'line', source: S.boundary, paint: { 'line-color': '#8b1a1a', 'line-width': 3 } },
      {
        id: 'planner-move-point',
        type: 'circle',
        source: S.moves,
        paint: {
          'circle-color': ['case', ['get', 'uncovered'], '#d7191c', '#ff7f00'],
          'circle-radius': z([12, 4, 17, 8]),
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.5,
        },
      },
      {
        id: 'planner-unit-label',
        type: 'symbol',
        source: S.units,
        minzoom: 15,
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT_REGULAR, 'text-size': 11, 'text-padding': 2 },
        paint: { 'text-color': '#4a4438', 'text-halo-color': '#ffffff', 'text-halo-width': 1.2 },
      },
      {
        id: 'planner-grid-label',
        type: 'symbol',
        source: S.labels,
        layout: { 'text-field': ['get', '_label'], 'text-font': FONT_BOLD, 'text-size': z([12, 11, 16, 14]), 'text-max-width': 10, 'text-allow-overlap': false },
        paint: { 'text-color': '#13294b', 'text-halo-color': 'rgba(255,255,255,0.95)', 'text-halo-width': 1.6 },
      },
    ];
    for (const l of layers) map.addLayer(l);
    this.added = true;
    this.setVisible(false);
  }

  setVisible(on) {
    for (const id of PLAN_LAYERS) if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }

  /** Shows the units layers only for the assign tool. */
  setUnitsVisible(on) {
    for (const id of ['planner-unit-fill', 'planner-unit-line', 'planner-unit-label']) this.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }

  /** Hides the published grids of `community` on the page's own layers (null shows them all again). */
  hidePublished(community) {
    if (community === this.hiddenCommunity) return;
    for (const id of PUBLISHED_GRID_LAYERS) {
      if (!this.map.getLayer(id)) continue;
      if (!(id in this.savedFilters)) this.savedFilters[id] = this.map.getFilter(id) ?? null;
      const base = this.savedFilters[id];
      const not = ['!=', ['coalesce', ['get', 'community_code'], ''], community ?? ''];
      this.map.setFilter(id, community ? (base ? ['all', base, not] : not) : base);
    }
    this.hiddenCommunity = community;
  }

  setBoundary(feature) {
    this.map.getSource(S.boundary).setData(feature ? { type: 'FeatureCollection', features: [feature] } : EMPTY);
  }

  setPublished(features) {
    this.map.getSource(S.published).setData({ type: 'FeatureCollection', features });
  }

  /** The draft's grids with their statistics, labels, defects and moved households. */
  setPlan(plan, households) {
    if (!plan) {
      for (const s of [S.grids, S.labels, S.defects, S.moves, S.picks]) this.map.getSource(s).setData(EMPTY);
      return;
    }
    const stats = new Map(plan.stats.grids.map((g) => [g.id, g]));
    const grids = {
      type: 'FeatureCollection',
      features: plan.grids.features.map((f) => {
        const s = stats.get(f.id) || {};
        return { ...f, properties: { ...f.properties, id: f.id, band: s.band || 'within', households: s.households ?? 0 } };
      }),
    };
    this.map.getSource(S.grids).setData(grids);
    const labels = labelPoints(grids);
    for (const l of labels.features) {
      const p = l.properties;
      l.properties._label = `${gridName(p)}\n${p.households} 户`;
    }
    this.map.getSource(S.labels).setData(labels);
    const defects = plan.stats.defects
      .filter((d) => d.geometry && AREA_KINDS.includes(d.kind))
      .map((d, i) => ({ type: 'Feature', id: i, properties: { id: d.id, kind: d.kind, color: KINDS[d.kind]?.color || '#000000' }, geometry: d.geometry }));
    this.map.getSource(S.defects).setData({ type: 'FeatureCollection', features: defects });
    const moves = [];
    for (const m of plan.stats.moves) {
      const at = pointOf(households.get(m.household)?.geometry);
      if (at) moves.push({ type: 'Feature', properties: { household: m.household, uncovered: !m.to }, geometry: { type: 'Point', coordinates: at } });
    }
    this.map.getSource(S.moves).setData({ type: 'FeatureCollection', features: moves });
  }

  setUnits(features, picked) {
    const fs = features.map((f) => ({ ...f, properties: { ...f.properties, picked: picked.has(f.properties.code) } }));
    this.map.getSource(S.units).setData({ type: 'FeatureCollection', features: fs });
  }

  /** Grids or units picked by a tool, outlined. */
  setPicks(features) {
    this.map.getSource(S.picks).setData({ type: 'FeatureCollection', features });
  }

  /** Features of `layer` at a screen point (with a few pixels' tolerance for a finger). */
  at(point, layer, r = 3) {
    if (!this.map.getLayer(layer)) return [];
    return this.map.queryRenderedFeatures(
      [
        [point.x - r, point.y - r],
        [point.x + r, point.y + r],
      ],
      { layers: [layer] },
    );
  }

  /** Rendered features per layer, for the self-report. */
  rendered() {
    const out = {};
    for (const id of ['planner-grid-fill', 'planner-grid-label', 'planner-defect-fill', 'planner-move-point', 'planner-boundary-line']) {
      if (this.map.getLayer(id)) out[id] = this.map.queryRenderedFeatures({ layers: [id] }).length;
    }
    return out;
  }
}

/** A grid's name as shown: its short name, or 新网格 for one a split made. */
export function gridName(p) {
  if (p?.name) return shortName(p.name).replace(/^.*社区(?=第)/, '');
  return p?.id ? `新网格 ${p.id}` : '新网格';
}
