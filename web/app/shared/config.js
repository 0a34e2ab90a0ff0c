// Settings of the map page: API location, bbox loading, fonts, colours and
// the optional online basemap. Everything a deployment might want to change
// lives here (the layers themselves are in layers.js); the other modules only read it.

/** Same-origin API of the gridmap server. */
export const API_BASE = '/api/v1';

/** Wait this long after the map stops moving before fetching by bbox. */
export const BBOX_DEBOUNCE_MS = 250;
/** Fetch this much more than the view on each side, so small pans need no new request. */
export const BBOX_PAD = 0.25;

/**
 * Fonts. The style has no `glyphs` URL, so MapLibre draws every label
 * character (Chinese, digits, latin) in the browser with these CSS font
 * families: no glyph server and no internet needed. The first name of a
 * stack only tells MapLibre the weight ("Bold"/"Regular"); the rest are real
 * families found on Linux (Noto/Source Han), Windows (YaHei) and phones
 * (PingFang, Noto), with the generic sans-serif last.
 */
const CJK_FAMILIES = ['Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', 'Hiragino Sans GB', 'sans-serif'];
export const FONT_REGULAR = ['Noto Sans CJK SC Regular', ...CJK_FAMILIES];
export const FONT_BOLD = ['Noto Sans CJK SC Bold', ...CJK_FAMILIES];
/** Used for CJK text in any layer still on MapLibre's default font stack (e.g. of an online basemap style). */
export const LOCAL_IDEOGRAPH_FONT_FAMILY = CJK_FAMILIES.map((f) => (f.includes(' ') ? `'${f}'` : f)).join(', ');

/** Colours, chosen to read on a plain light background and on a printout. */
export const COLORS = {
  background: '#e8e5de', // outside the county
  countyFill: '#fbfaf6',
  county: '#8b1a1a',
  town: '#7b3f8c',
  community: '#2f5d9a',
  village: '#c26a00',
  gridLine: '#ffffff',
  unit: '#6f6a60',
  household: '#a0522d',
  householdFlagged: '#d62828', // households with tags (独居老人, 残疾, 低保)
  uncontacted: '#ff8c00', // households not visited in the contact window (ring)
  selection: '#00b4d8',
  // Grid fills: soft, distinct neighbours (grid sequence numbers run west to east).
  gridPalette: ['#a8d5ba', '#f6d186', '#b5c7ed', '#f4a9a8', '#cdb4db', '#9bd0d6', '#d8e2a4', '#e6b8d0'],
};

/** MapLibre's own control texts in Chinese. */
export const MAP_LOCALE = {
  'NavigationControl.ResetBearing': '重置为正北',
  'NavigationControl.ZoomIn': '放大',
  'NavigationControl.ZoomOut': '缩小',
  'ScaleControl.Meters': '米',
  'ScaleControl.Kilometers': '公里',
  'AttributionControl.ToggleAttribution': '数据来源',
  'Map.Title': '地图',
  'Popup.Close': '关闭',
  'Marker.Title': '地图标记',
  'FullscreenControl.Enter': '全屏',
  'FullscreenControl.Exit': '退出全屏',
};

// ---------------------------------------------------------------------------
// OPTIONAL ONLINE BASEMAP — OFF BY DEFAULT.
//
// The page must work with no internet, so by default it draws only the county's own layers on a plain
// background. A server started with `--tianditu-key` offers 天地图 (meta.basemaps), fetched through the server:
// the key stays there, the tiles come from this origin (the CSP stays 'self') and are kept for offline use.
//
//   index.html?basemap=tianditu       天地图 vector map + Chinese labels
//   index.html?basemap=tianditu-img   天地图 imagery + Chinese labels
//
// The layer panel's 底图 choice is remembered on the device (localStorage BASEMAP_KEY). 天地图 is in
// CGCS2000, as our layers are; AMap, Tencent and Baidu tiles (GCJ-02/BD-09) would sit hundreds of metres off.
// ---------------------------------------------------------------------------
const TIANDITU = { tianditu: ['vec', 'cva'], 'tianditu-img': ['img', 'cia'] };
export const BASEMAP_KEY = 'gm-basemap';
/** The choices of the layer panel's 底图 select: value (?basemap=) and words. */
export const BASEMAP_CHOICES = [
  ['', '无(离线可用)'],
  ['tianditu', '天地图 矢量'],
  ['tianditu-img', '天地图 影像'],
];

/** The basemap `?basemap=` asks for, else `stored` (the device's choice); null for none. */
export function basemapFromQuery(params, stored = null) {
  const value = params.get('basemap') ?? stored;
  if (!value) return null;
  const layers = TIANDITU[value];
  if (!layers) return { error: `无法识别的底图参数: ${value}` };
  return { name: value, sources: layers.map((l) => ({ tiles: [`${API_BASE}/basemap/tianditu/${l}/{z}/{x}/{y}`], attribution: '天地图' })) };
}
