// Building DOM nodes without parsing HTML (the one `el` of the page): data from the server (names, messages) only ever become text.

/**
 * `el('tag', {class, text, on: {event: fn}, ...attributes}, ...children)`. `text` sets textContent; `false`,
 * `null` and `undefined` attributes are left out; children may be nodes, strings or null.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** A `type=button` button. */
export function button(text, onClick, attrs = {}) {
  return el('button', { type: 'button', text, on: { click: onClick }, ...attrs });
}

/** Whether the page is laid out for a phone: the breakpoint of the style sheets (max-width: 699px). */
export function isPhone() {
  return window.matchMedia('(max-width: 699px)').matches;
}

const scripts = new Map();

/** Loads a classic script (a vendored UMD build) once; resolves when it has run. */
export function loadScript(src) {
  if (!scripts.has(src)) {
    scripts.set(
      src,
      new Promise((resolve, reject) => {
        const s = el('script', { src });
        s.onload = resolve;
        s.onerror = () => reject(new Error(`无法加载 ${src}`));
        document.head.appendChild(s);
      }),
    );
  }
  return scripts.get(src);
}
