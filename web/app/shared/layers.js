// The one table of the county's logical layers: their order (bottom to top), their Chinese names, and how the
// map loads and shows them. The map's style, the layer switcher, the feature panel, the search's badges and
// the self-report all read it.

/**
 * `name`: what a feature of the layer is (the feature panel, search hits); `label`: the row in the layer
 * switcher; `visible`: on at first. `bbox` layers are too big to load whole: they are fetched for the visible
 * area only, from `minzoom` on.
 */
export const LAYERS = [
  { id: 'county', name: '县', label: '县界', visible: true },
  { id: 'towns', name: '镇/街道', label: '镇/街道', visible: true },
  { id: 'communities', name: '社区', label: '社区', visible: true },
  { id: 'villages', name: '原行政村', label: '原行政村', visible: false },
  { id: 'grids', name: '网格', label: '网格', visible: true },
  { id: 'units', name: '巷道/楼栋', label: '巷道/楼栋', visible: true, bbox: true, minzoom: 13 },
  { id: 'households', name: '户', label: '户', visible: true, bbox: true, minzoom: 14.5 },
];

/** Layer id -> its Chinese name (县, 镇/街道, ...). */
export const LAYER_NAMES = Object.fromEntries(LAYERS.map((l) => [l.id, l.name]));

/** The Chinese name of a layer, or its id when it is not one of ours. */
export const layerName = (id) => LAYER_NAMES[id] || id;

/** The entry of a layer, if it is one of ours. */
export const layerOf = (id) => LAYERS.find((l) => l.id === id);
