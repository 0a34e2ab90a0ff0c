// Installing a view (coverage, merger, planner) on the map: a map button that toggles it, and opening it at
// once when the address asks for it (?panel=NAME). One place, so every view waits for the map's style alike.

import { button, el } from './dom.js';

/** A MapLibre control holding one button. */
export class ButtonControl {
  constructor({ label, title, className, id, onClick }) {
    Object.assign(this, { label, title, className, id, onClick });
  }
  onAdd() {
    const b = button(this.label, this.onClick, { class: this.className, id: this.id, title: this.title });
    this.container = el('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group' }, b);
    return this.container;
  }
  onRemove() {
    this.container.remove();
  }
}

/** Whether the address asks for view `name` (?panel=NAME). */
export const panelAsked = (name) => new URLSearchParams(location.search).get('panel') === name;

/**
 * Adds `view`'s button (`{label, title, className, id}`) to `map` once its style has loaded, and opens the view
 * when `opens()` says the address asks for it (default: ?panel=NAME). Returns the view.
 */
export function installView(map, name, view, button, opens = () => panelAsked(name)) {
  const ready = () => {
    const onClick = () => Promise.resolve(view.toggle()).catch((err) => console.error(err));
    map.addControl(new ButtonControl({ className: 'coverage-button', ...button, onClick }), 'top-right');
    if (opens()) Promise.resolve(view.open()).catch((err) => console.error(err));
  };
  if (map.loaded()) ready();
  else map.once('load', ready);
  return view;
}
