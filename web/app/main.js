// The composition root of the map page, and its only entry point (index.html loads nothing else): it creates
// the map and the services the features share, and installs each feature. Features never import one another;
// what one needs of another (whose the map's clicks are, reloading the layers) is handed to it from here.
//
//   shared/   one set of helpers: el (dom.js), the API calls (api.js), the layer table (layers.js), settings
//             (config.js), bbox, label points, defect kinds, the view button (view.js)
//   map/      the map itself: style, the loaded layers, the bbox loader, the layer switcher, the feature panel,
//             the self-report (#gridmap-status)
//   locate/   search, click-to-locate, the responsibility card, "my grid" (works before and without the map)
//   coverage/ merger/ planner/ import/   the views behind the map's buttons (?panel=NAME)
//   account/  sign-in and the account corner of the top bar
//
// Query parameters:
//   ?view=lon,lat,zoom       open there instead of fitting the county
//   ?basemap=...             optional online basemap, see shared/config.js (off by default)
//   ?panel=NAME, ?grid=CODE, ?q=TEXT   open a view, a grid's households, a search (see each feature)
//
// For tests and support the page publishes window.gridmap: {map, coverage, merger, planner, account, reloadLayers}.

import { installAccount } from './account/account.js';
import { installCoverage } from './coverage/coverage.js';
import { installImport } from './import/import.js';
import { installLocate } from './locate/locate.js';
import { BboxLoader } from './map/bbox-loader.js';
import { InfoPanel, hitsAt } from './map/feature-info.js';
import { LayerData } from './map/layer-data.js';
import { buildLayerPanel } from './map/layer-panel.js';
import { Status, holdVirtualTime } from './map/status.js';
import { STYLE_LAYERS, buildStyle } from './map/style.js';
import { installMerger } from './merger/merger.js';
import { useAccount, useLayers } from './offline/local.js';
import { forgetAccount, installOffline } from './offline/offline.js';
import { installPlanner } from './planner/planner.js';
import { fetchLayer, fetchMeta } from './shared/api.js';
import { bboxOf } from './shared/bbox.js';
import { BASEMAP_CHOICES, BASEMAP_KEY, LOCAL_IDEOGRAPH_FONT_FAMILY, MAP_LOCALE, basemapFromQuery } from './shared/config.js';
import { el, isPhone } from './shared/dom.js';
import { LAYERS, layerOf } from './shared/layers.js';
import { ButtonControl } from './shared/view.js';
import { installQueue, show as showQueue } from './visits/queue.js';
import { mayVisit } from './visits/visit.js';

const params = new URLSearchParams(location.search);
const status = new Status();
const releaseClock = holdVirtualTime();
const $ = (id) => document.getElementById(id);

window.addEventListener('error', (e) => status.error(`脚本错误: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => status.error(e.reason));

/** Shows an error to the user for a while, and reports it. */
function reportError(err) {
  status.error(err);
  const toast = $('toast');
  toast.textContent = `出错了: ${err instanceof Error ? err.message : err}`;
  toast.hidden = false;
  clearTimeout(reportError.timer);
  reportError.timer = setTimeout(() => (toast.hidden = true), 8000);
}

/** An error after which the page cannot become ready. */
function fail(err) {
  reportError(err);
  releaseClock();
}

/** Makes `value` reachable as window.gridmap[name], for tests and support. */
function publish(name, value) {
  window.gridmap = Object.assign(window.gridmap || {}, { [name]: value });
}

/** What the features get from the page: `reloadLayers()` once the first load is done (null before). */
const page = { reloadLayers: null };

// While a draft is being edited, the map's clicks are the planner's tools'.
let planner = null;
const clicksTaken = () => !!planner?.ownsClicks();

// Households not visited lately, shaded on the map ("my grid" and the coverage view ask for it); asked for
// perhaps before the map's data exists, and applied then.
let layerData = null;
let uncontacted = null;
function shadeUncontacted(codes) {
  uncontacted = codes;
  layerData?.setUncontacted(codes);
}

// Search and "my grid" work before (and without) the map: mounted first.
const locate = installLocate({ clicksTaken, onUncontacted: shadeUncontacted });

const visible = {};
for (const l of LAYERS) visible[l.id] = l.visible;

/** Room the side panel takes, so fitting the county does not hide it under the panel. */
function fitPadding() {
  if (isPhone() || !document.body.classList.contains('panel-open')) return 24;
  return { top: 24, bottom: 24, right: 24, left: $('panel').offsetWidth + 36 };
}

function fitTo(map, bbox, animate) {
  map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: fitPadding(), duration: animate ? 600 : 0 });
}


function showSummary(meta) {
  const name = meta.county?.name || '';
  if (name) {
    // A phone shows the county's name alone, so the search box keeps its room (main.css).
    $('title').replaceChildren(el('span', { class: 'title-full', text: `${name}网格化管理地图` }), el('span', { class: 'title-short', text: name }));
    document.title = `${name} · 网格地图`;
  }
  const c = meta.counts || {};
  const parts = [
    ['towns', '个镇/街道'],
    ['communities', '个社区'],
    ['grids', '个网格'],
    ['households', '户'],
  ]
    .filter(([k]) => Number.isFinite(c[k]))
    .map(([k, unit]) => `${c[k].toLocaleString('zh-CN')} ${unit}`);
  $('summary').textContent = parts.join(' · ');
}

/** The 底图 select under the layers, when the server offers online basemaps; a choice reloads the page with it. */
function offerBasemaps(meta, current, map) {
  const offered = meta.basemaps || [];
  if (current && !current.error && !offered.includes(current.name)) {
    // Chosen on this device, but this server offers it no more: back to the offline map.
    localStorage.removeItem(BASEMAP_KEY);
    for (const id of Object.keys(map.getStyle().sources)) if (id.startsWith('basemap-')) map.setLayoutProperty(id, 'visibility', 'none');
  }
  if (!offered.length) return;
  const select = el('select', { id: 'basemap-select', 'aria-label': '底图' });
  for (const [value, words] of BASEMAP_CHOICES) {
    if (value && !offered.includes(value)) continue;
    select.append(el('option', { value, text: words, selected: (current?.name || '') === value }));
  }
  select.addEventListener('change', () => {
    if (select.value) localStorage.setItem(BASEMAP_KEY, select.value);
    else localStorage.removeItem(BASEMAP_KEY);
    const q = new URLSearchParams(location.search);
    if (select.value) q.set('basemap', select.value);
    else q.delete('basemap');
    location.search = q.toString();
  });
  $('layers').append(el('label', { class: 'basemap-choice' }, '底图 ', select));
}

function setupPanelToggle() {
  const button = $('panel-toggle');
  const set = (open) => {
    document.body.classList.toggle('panel-open', open);
    button.setAttribute('aria-expanded', String(open));
  };
  set(!isPhone());
  button.addEventListener('click', () => set(!document.body.classList.contains('panel-open')));
  return set;
}

async function start() {
  const setPanel = setupPanelToggle();
  if (!window.maplibregl) {
    fail(new Error('地图组件未加载 (vendor/maplibre-gl/maplibre-gl.js)'));
    return;
  }
  const basemap = basemapFromQuery(params, localStorage.getItem(BASEMAP_KEY));
  if (basemap?.error) reportError(new Error(basemap.error));

  let map;
  try {
    map = new maplibregl.Map({
      container: 'map',
      style: buildStyle(basemap?.error ? null : basemap),
      center: [110.3, 34.52],
      zoom: 10,
      maxZoom: 19,
      // Labels appear at once rather than fading in: calmer when panning, and drawn in the first frame.
      fadeDuration: 0,
      localIdeographFontFamily: LOCAL_IDEOGRAPH_FONT_FAMILY,
      locale: MAP_LOCALE,
      attributionControl: basemap && !basemap.error ? { compact: true } : false,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
    });
  } catch (err) {
    // Typically no WebGL: nothing else can work, so say so plainly.
    fail(new Error(`无法创建地图 (需要 WebGL): ${err.message}`));
    return;
  }
  map.touchZoomRotate.disableRotation();
  window.gridmap = { map };
  locate.setMap(map);

  const data = new LayerData(map);
  useLayers(data);
  layerData = data;
  if (uncontacted) data.setUncontacted(uncontacted);
  status.map = map;
  status.data = data;
  let basemapFailed = false;
  map.on('error', (e) => {
    const message = e.error?.message || e.message || 'unknown error';
    if (e.sourceId?.startsWith('basemap-')) {
      // An online basemap fails tile by tile when offline: say it once, the county's layers still work.
      if (!basemapFailed) reportError(new Error(`在线底图无法加载 (无网络?): ${message}`));
      basemapFailed = true;
      return;
    }
    reportError(new Error(`地图: ${message}`));
  });

  let countyBbox = null;
  const fitCounty = (animate) => countyBbox && fitTo(map, countyBbox, animate);
  // Until the user moves the map, keep the whole county in view when the window changes (phone rotation).
  let userMoved = false;
  map.on('movestart', (e) => {
    if (e.originalEvent) userMoved = true;
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  // A map button that brings the whole county back into view.
  map.addControl(new ButtonControl({ className: 'fit-button', title: '显示全县', label: '全县', onClick: () => fitCounty(true) }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-left');

  const view = (params.get('view') || '').split(',').map(Number);
  // ?grid=CODE frames that grid ("my grid" fits the map to it): the county must not be fitted over it.
  const hasView = (view.length === 3 && view.every(Number.isFinite)) || !!params.get('grid');
  if (hasView && !params.get('grid')) map.jumpTo({ center: [view[0], view[1]], zoom: view[2] });
  map.on('resize', () => {
    if (!userMoved && !hasView) fitCounty(false);
  });

  // Layer visibility; a switch flipped before the style has loaded is applied on load.
  let styleReady = false;
  const applyVisibility = (layer) => {
    for (const id of STYLE_LAYERS[layer]) map.setLayoutProperty(id, 'visibility', visible[layer] ? 'visible' : 'none');
  };
  const panel = buildLayerPanel($('layers'), {
    onToggle(layer, on) {
      visible[layer] = on;
      if (!styleReady) return;
      applyVisibility(layer);
      const whole = layerOf(layer);
      if (on && !whole?.bbox && !wholeLoaded.has(layer)) {
        loadWhole(whole)
          .then(([id, fc]) => data.set(id, fc))
          .then(updateHints, reportError);
      }
      if (layerOf(layer)?.bbox) loader.refresh();
      updateHints();
    },
  });
  const loader = new BboxLoader(map, data, {
    isVisible: (layer) => visible[layer],
    onError: reportError,
    onChange: () => updateHints(),
    onBusy: (busy) => ($('loading').hidden = !busy),
  });
  function updateHints() {
    for (const l of LAYERS) {
      if (l.bbox && loader.needsZoom(l.id)) panel.setHint(l.id, '放大后显示');
      else if (visible[l.id] && data.counts[l.id] !== undefined) panel.setHint(l.id, data.counts[l.id].toLocaleString('zh-CN'));
      else panel.setHint(l.id, '');
    }
  }
  map.on('zoomend', updateHints);

  const info = new InfoPanel($('info'), map, data);
  map.on('click', (e) => {
    if (clicksTaken()) return;
    if (isPhone()) {
      // On a phone a tap opens one sheet: the card of what is here (locate/), which leads with the tapped
      // household or grid. Keep the tapped spot above that bottom sheet (at most half the screen).
      info.close();
      setPanel(false);
      const sheetTop = $('map').getBoundingClientRect().height * 0.5;
      if (e.point.y > sheetTop - 40) map.panBy([0, e.point.y - sheetTop / 2], { duration: 300 });
      return;
    }
    const hits = hitsAt(map, e.point, visible);
    if (hits.length) info.show(hits);
    else info.close();
  });

  // Initial load: meta and every whole layer at once; the map style must be loaded before data goes in.
  $('loading').hidden = false;
  const styleLoaded = new Promise((resolve) => map.once('load', resolve));
  const metaLoaded = fetchMeta()
    .then((meta) => {
      showSummary(meta);
      offerBasemaps(meta, basemap, map);
      if (Array.isArray(meta.bbox) && meta.bbox.length === 4) countyBbox = meta.bbox;
      if (!hasView) fitCounty(false);
    })
    .catch(reportError);
  // Whole layers that start hidden (the legacy villages) load when first switched on, not for every visitor.
  const wholeLoaded = new Set();
  const loadWhole = (l) =>
    fetchLayer(l.id).then((fc) => {
      wholeLoaded.add(l.id);
      return [l.id, fc];
    });
  const layersLoaded = LAYERS.filter((l) => !l.bbox && visible[l.id]).map((l) =>
    loadWhole(l)
      .catch((err) => {
        reportError(err);
        return null;
      }),
  );

  // The views behind the map's buttons, in the order of their buttons; each adds its button once the style
  // has loaded.
  publish('coverage', installCoverage(map, { onUncontacted: shadeUncontacted }));
  publish('merger', installMerger(map));
  planner = installPlanner(map, page);
  publish('planner', planner);
  publish('import', installImport(map, page));

  await styleLoaded;
  styleReady = true;
  for (const l of LAYERS) applyVisibility(l.id);
  const results = await Promise.all(layersLoaded);
  for (const r of results) if (r) data.set(r[0], r[1]);
  await metaLoaded;
  if (!countyBbox) {
    countyBbox = bboxOf(data.byCode.county && { features: [...data.byCode.county.values()] });
    if (!hasView) fitCounty(false);
  }
  await loader.start();
  $('loading').hidden = true;
  updateHints();
  // Fetches every layer again, e.g. after a plan was published (the planner).
  page.reloadLayers = async () => {
    const whole = await Promise.all(LAYERS.filter((l) => !l.bbox && (visible[l.id] || wholeLoaded.has(l.id))).map(loadWhole));
    for (const [id, fc] of whole) data.set(id, fc);
    await loader.reload();
    updateHints();
  };
  publish('reloadLayers', page.reloadLayers);

  // Report once the map has drawn all it has loaded, then keep the report current. A frame in which
  // everything is loaded counts as well as 'idle', which needs one more animation frame that a headless
  // browser may not deliver in time. (triggerRepaint: in case that frame has passed while we awaited.)
  const stuck = setTimeout(() => fail(new Error('地图 30 秒内未完成绘制')), 30000);
  await new Promise((resolve) => {
    const check = () => {
      if (!map.loaded() || map.isMoving()) return;
      map.off('render', check);
      map.off('idle', check);
      resolve();
    };
    map.on('render', check);
    map.on('idle', check);
    map.triggerRepaint();
  });
  clearTimeout(stuck);
  await new Promise((resolve) => setTimeout(resolve, 0)); // out of the render frame
  status.markReady();
  releaseClock();
  let pending = null;
  map.on('idle', () => {
    clearTimeout(pending);
    pending = setTimeout(() => status.write(), 100);
  });
}

start().catch(fail);
installAccount({
  publish: (me) => {
    publish('account', me);
    useAccount(me);
    // The visit form and the rows' visit buttons are shown to the roles that visit households.
    document.body.classList.toggle('gm-may-visit', mayVisit(me));
    document.dispatchEvent(new CustomEvent('gm-account', { detail: me }));
    installOffline(me);
    // Visits queued with no signal go out now (writes need the session's CSRF token, known from here on).
    if (mayVisit(me)) installQueue();
    else showQueue().catch(() => null);
  },
  beforeSignOut: forgetAccount,
});
