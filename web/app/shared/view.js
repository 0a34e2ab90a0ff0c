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

/**
 * fitBounds padding that frames a feature in the part of the map the open panels leave free: each visible
 * side panel or bottom sheet (the layer panel, the views' panels, the card, my grid) pushes that edge in.
 */
export function freePadding(map, margin = 24) {
  const box = map.getContainer().getBoundingClientRect();
  const pad = { top: margin, right: margin, bottom: margin, left: margin };
  const panels = ['.coverage-panel', '#gm-mygrid', '#gm-chain', '#info'];
  if (document.body.classList.contains('panel-open')) panels.push('#panel');
  for (const sel of panels) {
    for (const p of document.querySelectorAll(sel)) {
      if (p.hidden || p.closest('[hidden]')) continue;
      const r = p.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      const wide = r.width > box.width * 0.8; // a bottom or top sheet (a phone), not a side panel
      if (wide && r.top > box.top + box.height / 2) pad.bottom = Math.max(pad.bottom, box.bottom - r.top + margin);
      else if (wide) pad.top = Math.max(pad.top, r.bottom - box.top + margin);
      else if (r.left > box.left + box.width / 2) pad.right = Math.max(pad.right, box.right - r.left + margin);
      else pad.left = Math.max(pad.left, r.right - box.left + margin);
    }
  }
  // Never more padding than the map has room for.
  const fit = (a, b, size) => (a + b > size - 40 ? [margin, margin] : [a, b]);
  [pad.left, pad.right] = fit(pad.left, pad.right, box.width);
  [pad.top, pad.bottom] = fit(pad.top, pad.bottom, box.height);
  return pad;
}
