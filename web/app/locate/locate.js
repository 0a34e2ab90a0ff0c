// Finding a household and who is responsible for it: the search box (search.js), the "my grid" view
// (my-grid.js), the card that shows a spot's or a hit's chain of responsibility (card.js), and click-to-locate.
//
// installLocate() mounts the search box (with ?q=TEXT, already searched) and, with ?grid=CODE, the "my grid"
// list; both work before (and without) the map. The composition root then calls setMap(map) once the map
// exists: a click anywhere asks /api/v1/locate and shows the chain of responsibility for that spot.
//
// Names and phones come masked unless the signed-in account (account/; the session cookie goes with every
// request) may see that household. With no signal, a click is answered from what the phone holds
// (offline/local.js).

import { getJSON, isAbort, isNetworkError } from '../shared/api.js';
import { locateHere } from '../offline/local.js';
import { el } from '../shared/dom.js';
import { ChainCard } from './card.js';
import { esc } from './html.js';
import { MyGrid } from './my-grid.js';
import { SearchBox } from './search.js';

/** How far a picked search hit zooms in, per layer. */
const ZOOM = { households: 18, units: 17, grids: 15, villages: 14, communities: 14, towns: 12, county: 10 };

/**
 * Mounts the card, the "my grid" view and the search box into the page. `clicksTaken()` says whether another
 * feature owns the map's clicks just now (the planner's tools); `onUncontacted(codes | null)` shades the grid's
 * households not visited lately on the map. Returns `{setMap(map)}`.
 */
export function installLocate({ clicksTaken = () => false, onUncontacted } = {}) {
  const params = new URLSearchParams(location.search);
  const card = new ChainCard();
  let map = null;
  let marker = null;

  function mark(lonlat) {
    if (!map || !Array.isArray(lonlat) || !window.maplibregl) return;
    if (!marker) marker = new maplibregl.Marker({ element: el('div', { class: 'gm-marker' }) });
    marker.setLngLat(lonlat).addTo(map);
  }

  card.onClose = () => marker?.remove();

  const myGrid = new MyGrid({
    onUncontacted,
    onLocate(household) {
      if (map && household.lonlat) map.flyTo({ center: household.lonlat, zoom: Math.max(map.getZoom(), 18) });
      mark(household.lonlat);
    },
    onVisit(household, grid) {
      card.showHousehold(household, grid);
      mark(household.lonlat);
    },
  });
  card.onOpenGrid = (code) => {
    card.close();
    myGrid.open(code);
  };

  const bar = document.querySelector('.topbar') || document.body;
  const search = new SearchBox(bar, {
    onPick(hit) {
      if (map && hit.lonlat) map.flyTo({ center: hit.lonlat, zoom: ZOOM[hit.layer] ?? 15 });
      mark(hit.lonlat);
      card.showHit(hit);
    },
  });

  if (params.get('grid')) myGrid.open(params.get('grid').trim());
  // /?q=TEXT opens with that search's suggestions (a link a manager can share).
  if (params.get('q')) {
    search.input.value = params.get('q');
    search.run();
  }

  return {
    /** Wires the map: click-to-locate, and fitting the "my grid" view. */
    setMap(m) {
      map = m;
      myGrid.setMap(m);
      let pending = null;
      map.on('click', async (e) => {
        if (clicksTaken()) return; // the planner's tools take the clicks
        pending?.abort();
        pending = new AbortController();
        const { lng, lat } = e.lngLat;
        try {
          const a = await getJSON(`/locate?lon=${lng.toFixed(7)}&lat=${lat.toFixed(7)}`, pending.signal);
          mark([lng, lat]);
          card.showLocate(a);
        } catch (err) {
          if (isAbort(err)) return;
          const here = isNetworkError(err) ? await locateHere([lng, lat]) : null;
          if (here) {
            mark([lng, lat]);
            card.showLocate(here);
          } else card.show(`<p class="gm-warn">${esc(err.message)}</p>`);
        }
      });
    },
  };
}
