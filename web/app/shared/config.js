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
// The page must work with no internet, so by default it draws only the
// county's own layers on a plain background. A deployment that has internet
// may add raster tiles under the layers with a query parameter:
//
//   index.html?basemap=tianditu&tk=YOUR_KEY      天地图 vector map + Chinese annotation
//   index.html?basemap=https://host/{z}/{x}/{y}.png   any XYZ raster template
//
// Only use tiles in WGS84/CGCS2000 (天地图 is): AMap, Tencent and Baidu tiles
// are in GCJ-02/BD-09 and would sit hundreds of metres off our layers.
// ---------------------------------------------------------------------------
export function basemapFromQuery(params) {
  const value = params.get('basemap');
  if (!value) return null;
  if (value === 'tianditu') {
    const tk = params.get('tk');
    if (!tk) return { error: '天地图底图需要 tk 参数 (?basemap=tianditu&tk=密钥)' };
    const tiles = (layer) =>
      [0, 1, 2, 3, 4, 5, 6, 7].map(
        (s) => `https://t${s}.tianditu.gov.cn/DataServer?T=${layer}_w&x={x}&y={y}&l={z}&tk=${encodeURIComponent(tk)}`,
      );
    return {
      sources: [
        { tiles: tiles('vec'), attribution: '天地图' },
        { tiles: tiles('cva'), attribution: '天地图' },
      ],
    };
  }
  if (/^https?:\/\//.test(value) && value.includes('{z}')) {
    return { sources: [{ tiles: [value], attribution: params.get('attribution') || '' }] };
  }
  return { error: `无法识别的底图参数: ${value}` };
}
