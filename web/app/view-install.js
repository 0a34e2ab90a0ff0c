// Installing a view (coverage, merger, planner) on the map that main.js publishes as window.gridmap.map: a map
// button that toggles it, and opening it at once when the address asks for it (?panel=NAME). One place, so
// every view waits for the map and its style alike.

/** A MapLibre control holding one button. */
class ViewButton {
  constructor(view, { label, title, className, id }) {
    Object.assign(this, { view, label, title, className, id });
  }
  onAdd() {
    this.container = document.createElement('div');
    this.container.className = 'maplibregl-ctrl maplibregl-ctrl-group';
    const b = document.createElement('button');
    b.type = 'button';
    b.className = this.className;
    if (this.id) b.id = this.id;
    b.title = this.title;
    b.textContent = this.label;
    b.addEventListener('click', () => Promise.resolve(this.view.toggle()).catch((err) => console.error(err)));
    this.container.append(b);
    return this.container;
  }
  onRemove() {
    this.container.remove();
  }
}

/**
 * Waits for the map, makes `new View(map)`, publishes it as window.gridmap[name], adds its button once the
 * style has loaded, and opens it when `opens()` says the address asks for it (default: ?panel=NAME).
 */
export function installView(name, View, button, opens = () => new URLSearchParams(location.search).get('panel') === name) {
  if (typeof window === 'undefined' || typeof document === 'undefined') return;
  const map = window.gridmap?.map;
  if (!map) {
    setTimeout(() => installView(name, View, button, opens), 100);
    return;
  }
  const view = new View(map);
  window.gridmap[name] = view;
  const ready = () => {
    map.addControl(new ViewButton(view, { className: 'coverage-button', ...button }), 'top-right');
    if (opens()) Promise.resolve(view.open()).catch((err) => console.error(err));
  };
  if (map.loaded()) ready();
  else map.once('load', ready);
}
