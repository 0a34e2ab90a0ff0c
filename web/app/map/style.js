// The MapLibre style: one GeoJSON source per logical layer (filled later by
// layer-data.js), one point source per labelled polygon layer, and the drawing
// rules. STYLE_LAYERS maps each logical layer to its style layers, which is
// what the layer switcher toggles and what #gridmap-status counts.

import { COLORS, FONT_BOLD, FONT_REGULAR } from '../shared/config.js';
import { LAYERS, layerOf } from '../shared/layers.js';

const EMPTY = { type: 'FeatureCollection', features: [] };

/** Logical layers that get a separate label-point source (see shared/labels.js). */
export const LABELLED = ['towns', 'communities', 'villages', 'grids', 'units'];

export const sourceId = (layer) => `src-${layer}`;
export const labelSourceId = (layer) => `lbl-${layer}`;
export const SELECTION_SOURCE = 'selection';

/** Style layer ids per logical layer. */
export const STYLE_LAYERS = {
  county: ['county-fill', 'county-halo', 'county-line'],
  towns: ['towns-hit', 'towns-line', 'towns-label'],
  communities: ['communities-hit', 'communities-line', 'communities-label'],
  villages: ['villages-hit', 'villages-line', 'villages-label'],
  grids: ['grids-fill', 'grids-line', 'grids-label'],
  units: ['units-fill', 'units-line', 'units-label'],
  households: ['households-fill', 'households-outline', 'households-point', 'households-stack'],
};

/** The layers a click looks at, most specific first. */
export const CLICK_ORDER = ['households', 'units', 'grids', 'villages', 'communities', 'towns', 'county'];

const haloText = (color, haloWidth = 1.6) => ({
  'text-color': color,
  'text-halo-color': 'rgba(255,255,255,0.92)',
  'text-halo-width': haloWidth,
  'text-halo-blur': 0.4,
});

/** Big layers are drawn from the zoom at which they are loaded (shared/layers.js). */
const minzoomOf = (layer) => layerOf(layer)?.minzoom ?? 0;

const visibility = (layer) => (layerOf(layer)?.visible ? 'visible' : 'none');

/** Grid fill: neighbours in one community get different colours, and the community offsets the cycle. */
function gridColorExpression() {
  const palette = COLORS.gridPalette;
  const seq = ['to-number', ['slice', ['get', 'code'], 12], 0];
  const community = ['to-number', ['slice', ['get', 'code'], 9, 12], 0];
  return ['to-color', ['at', ['%', ['+', seq, ['*', 3, community]], palette.length], ['literal', palette]]];
}

/** Label text: the shortened name computed in shared/labels.js. */
const LABEL = ['coalesce', ['get', '_label'], ['get', 'name']];

const isPoint = ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]];
const isFlagged = ['>', ['coalesce', ['get', '_tagged'], 0], 0];
/** Not visited lately (layer-data.js setUncontacted): an orange ring, whatever the fill says. */
const isUncontacted = ['==', ['coalesce', ['get', '_uncontacted'], 0], 1];

function drawLayers() {
  const z = (pairs) => ['interpolate', ['linear'], ['zoom'], ...pairs];
  return [
    // County: a light fill that sets it off from the outside, and a bold border with a soft halo.
    { id: 'county-fill', type: 'fill', source: sourceId('county'), paint: { 'fill-color': COLORS.countyFill } },

    // Grids: the main subject, soft colours under every boundary.
    {
      id: 'grids-fill',
      type: 'fill',
      source: sourceId('grids'),
      paint: { 'fill-color': gridColorExpression(), 'fill-opacity': z([9, 0.7, 14, 0.5, 17, 0.35]) },
    },
    // Invisible fills: so a click anywhere finds the town, community and village it falls in.
    ...['towns', 'communities', 'villages'].map((layer) => ({
      id: `${layer}-hit`,
      type: 'fill',
      source: sourceId(layer),
      paint: { 'fill-color': '#000000', 'fill-opacity': 0 },
    })),
    {
      id: 'units-fill',
      type: 'fill',
      source: sourceId('units'),
      minzoom: minzoomOf('units'),
      paint: { 'fill-color': '#ffffff', 'fill-opacity': z([13, 0, 16, 0.25]) },
    },
    {
      id: 'households-fill',
      type: 'fill',
      source: sourceId('households'),
      minzoom: minzoomOf('households'),
      paint: {
        'fill-color': ['case', isFlagged, COLORS.householdFlagged, COLORS.household],
        'fill-opacity': 0.85,
      },
    },
    {
      id: 'households-outline',
      type: 'line',
      source: sourceId('households'),
      minzoom: 16,
      filter: ['!', isPoint],
      paint: { 'line-color': ['case', isUncontacted, COLORS.uncontacted, '#5a2e12'], 'line-width': ['case', isUncontacted, 2.5, 0.6] },
    },

    // Boundaries, finest first so coarser ones draw on top.
    {
      id: 'units-line',
      type: 'line',
      source: sourceId('units'),
      minzoom: minzoomOf('units'),
      paint: { 'line-color': COLORS.unit, 'line-width': z([13, 0.5, 17, 1.2]), 'line-dasharray': [3, 2], 'line-opacity': 0.8 },
    },
    {
      id: 'grids-line',
      type: 'line',
      source: sourceId('grids'),
      paint: { 'line-color': COLORS.gridLine, 'line-width': z([9, 0.6, 13, 1.4, 17, 2.5]) },
    },
    {
      id: 'villages-line',
      type: 'line',
      source: sourceId('villages'),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.village, 'line-width': z([9, 1.2, 15, 2.2]), 'line-dasharray': [2, 1.5] },
    },
    {
      id: 'communities-line',
      type: 'line',
      source: sourceId('communities'),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.community, 'line-width': z([9, 1, 13, 1.8, 17, 3]) },
    },
    {
      id: 'towns-line',
      type: 'line',
      source: sourceId('towns'),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.town, 'line-width': z([9, 2, 13, 3, 17, 4.5]), 'line-dasharray': [4, 1.5] },
    },
    {
      id: 'county-halo',
      type: 'line',
      source: sourceId('county'),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.county, 'line-width': z([9, 7, 14, 12]), 'line-opacity': 0.15 },
    },
    {
      id: 'county-line',
      type: 'line',
      source: sourceId('county'),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.county, 'line-width': z([9, 2.5, 14, 4]) },
    },

    // Points over all lines.
    {
      id: 'households-point',
      type: 'circle',
      source: sourceId('households'),
      minzoom: minzoomOf('households'),
      filter: isPoint,
      paint: {
        'circle-color': ['case', isFlagged, COLORS.householdFlagged, COLORS.household],
        // Small enough at 18 that a building's flats (a metre or two apart) stay apart; "N户" counts them.
        'circle-radius': z([14, 2, 16, 4, 18, 4.5, 19, 6]),
        'circle-stroke-color': ['case', isUncontacted, COLORS.uncontacted, '#ffffff'],
        'circle-stroke-width': z([14, ['case', isUncontacted, 1.5, 0.5], 17, ['case', isUncontacted, 3, 1.5]]),
      },
    },

    // How many households share a door point (layer-data.js markStacks), where one dot stands for them.
    {
      id: 'households-stack',
      type: 'symbol',
      source: sourceId('households'),
      minzoom: 16.5,
      filter: ['>', ['coalesce', ['get', '_stack'], 0], 1],
      layout: {
        'text-field': ['concat', ['to-string', ['get', '_stack']], '户'],
        'text-font': FONT_BOLD,
        'text-size': 12,
        'text-offset': [0, -1.2],
        'text-padding': 2,
      },
      paint: haloText('#5a2e12', 1.4),
    },

    // Selection highlight, under the labels.
    {
      id: 'selection-fill',
      type: 'fill',
      source: SELECTION_SOURCE,
      paint: { 'fill-color': COLORS.selection, 'fill-opacity': 0.18 },
    },
    {
      id: 'selection-line',
      type: 'line',
      source: SELECTION_SOURCE,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.selection, 'line-width': 3.5 },
    },
    {
      id: 'selection-point',
      type: 'circle',
      source: SELECTION_SOURCE,
      filter: isPoint,
      paint: { 'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': COLORS.selection, 'circle-stroke-width': 3 },
    },

    // Labels: coarse layers at low zoom, finer ones as the map zooms in; higher ones win collisions.
    {
      id: 'units-label',
      type: 'symbol',
      source: labelSourceId('units'),
      minzoom: 15.5,
      layout: { 'text-field': LABEL, 'text-font': FONT_REGULAR, 'text-size': z([15.5, 11, 18, 13]), 'text-padding': 4 },
      paint: haloText('#4a4640', 1.4),
    },
    {
      id: 'villages-label',
      type: 'symbol',
      source: labelSourceId('villages'),
      minzoom: 11.5,
      layout: { 'text-field': LABEL, 'text-font': FONT_REGULAR, 'text-size': z([11.5, 11, 15, 13]), 'text-padding': 6 },
      paint: haloText(COLORS.village, 1.4),
    },
    {
      id: 'grids-label',
      type: 'symbol',
      source: labelSourceId('grids'),
      minzoom: 12.5,
      layout: {
        // From 14.5 the grid manager is written under the grid name: who to call is what people look for.
        'text-field': [
          'step',
          ['zoom'],
          ['get', 'name'],
          14.5,
          ['format', ['get', 'name'], {}, '\n', {}, ['coalesce', ['get', 'manager'], '未配备网格员'], { 'font-scale': 0.82 }],
        ],
        'text-font': FONT_REGULAR,
        'text-size': z([12.5, 11, 16, 14]),
        'text-max-width': 8,
        'text-padding': 4,
      },
      paint: haloText('#2b2b2b', 1.5),
    },
    {
      id: 'communities-label',
      type: 'symbol',
      source: labelSourceId('communities'),
      minzoom: 10.5,
      maxzoom: 15.5,
      layout: {
        'text-field': LABEL,
        'text-font': FONT_BOLD,
        'text-size': z([10.5, 12, 14, 15]),
        'text-padding': 6,
      },
      paint: haloText('#173a6a', 1.8),
    },
    {
      id: 'towns-label',
      type: 'symbol',
      source: labelSourceId('towns'),
      maxzoom: 13,
      layout: {
        'text-field': LABEL,
        'text-font': FONT_BOLD,
        'text-size': z([8, 14, 10, 17, 12.5, 21]),
        'text-letter-spacing': 0.15,
        'text-allow-overlap': false,
      },
      paint: { ...haloText('#4b1f5c', 2.2), 'text-opacity': z([11.5, 1, 13, 0.6]) },
    },
  ].map((layer) => {
    const logical = Object.keys(STYLE_LAYERS).find((k) => STYLE_LAYERS[k].includes(layer.id));
    if (!logical) return layer;
    return { ...layer, layout: { ...(layer.layout || {}), visibility: visibility(logical) } };
  });
}

/** Raster sources and layers of the optional online basemap (see shared/config.js). */
function basemapParts(basemap) {
  const sources = {};
  const layers = [];
  (basemap?.sources || []).forEach((s, i) => {
    sources[`basemap-${i}`] = { type: 'raster', tiles: s.tiles, tileSize: 256, attribution: s.attribution, maxzoom: 18 };
    layers.push({ id: `basemap-${i}`, type: 'raster', source: `basemap-${i}` });
  });
  return { sources, layers };
}

/**
 * The whole style. It deliberately has no `glyphs` URL: MapLibre then draws
 * all label characters locally with the fonts of shared/config.js (see web/vendor/README.md).
 */
export function buildStyle(basemap) {
  // No promoteId: MapLibre stores feature ids as 64-bit integers, and long
  // numeric codes (a household's) overflow it; features are found by properties.code.
  const sources = {};
  for (const { id } of LAYERS) sources[sourceId(id)] = { type: 'geojson', data: EMPTY };
  for (const id of LABELLED) sources[labelSourceId(id)] = { type: 'geojson', data: EMPTY };
  sources[SELECTION_SOURCE] = { type: 'geojson', data: EMPTY };
  const base = basemapParts(basemap);
  const layers = drawLayers();
  if (base.layers.length) {
    // Let the basemap show through the county fill.
    layers[0] = { ...layers[0], paint: { ...layers[0].paint, 'fill-opacity': 0.35 } };
  }
  return {
    version: 8,
    name: 'gridmap',
    sources: { ...base.sources, ...sources },
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': COLORS.background } }, ...base.layers, ...layers],
  };
}
