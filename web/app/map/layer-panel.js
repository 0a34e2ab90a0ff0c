// The layer switcher, which doubles as the legend: each row has the layer's
// checkbox, a swatch drawn like the layer, and a hint when the layer waits
// for the user to zoom in.

import { COLORS } from '../shared/config.js';
import { el } from '../shared/dom.js';
import { LAYERS } from '../shared/layers.js';

function lineSwatch(color, width, dashed) {
  const s = el('span', { class: 'swatch swatch-line' });
  s.style.borderTop = `${width}px ${dashed ? 'dashed' : 'solid'} ${color}`;
  return s;
}

function swatch(layer) {
  switch (layer) {
    case 'county':
      return lineSwatch(COLORS.county, 4, false);
    case 'towns':
      return lineSwatch(COLORS.town, 3, true);
    case 'communities':
      return lineSwatch(COLORS.community, 2, false);
    case 'villages':
      return lineSwatch(COLORS.village, 2, true);
    case 'units':
      return lineSwatch(COLORS.unit, 1.5, true);
    case 'grids': {
      const s = el('span', { class: 'swatch swatch-grid' });
      for (const c of COLORS.gridPalette.slice(0, 4)) {
        const cell = el('i');
        cell.style.background = c;
        s.appendChild(cell);
      }
      return s;
    }
    case 'households': {
      const s = el('span', { class: 'swatch swatch-household' });
      s.style.background = COLORS.household;
      return s;
    }
    default:
      return el('span', { class: 'swatch' });
  }
}

/**
 * Fills `container` with one row per logical layer.
 * @returns {{setHint(layer, text): void}}
 */
export function buildLayerPanel(container, { onToggle }) {
  const hints = {};
  const list = el('ul', { class: 'layer-list' });
  for (const layer of LAYERS) {
    const li = el('li');
    const label = el('label', { class: 'layer-row' });
    const box = el('input');
    box.type = 'checkbox';
    box.checked = layer.visible;
    box.dataset.layer = layer.id;
    box.addEventListener('change', () => onToggle(layer.id, box.checked));
    const text = el('span', { class: 'layer-name', text: layer.label });
    hints[layer.id] = el('span', { class: 'layer-hint' });
    label.append(box, swatch(layer.id), text, hints[layer.id]);
    li.appendChild(label);
    list.appendChild(li);
  }
  container.appendChild(list);

  // What colours mean beyond the rows above.
  const notes = el('ul', { class: 'legend-notes' });
  const note = (color, text, round) => {
    const li = el('li');
    const s = el('span', { class: `swatch ${round ? 'swatch-dot' : 'swatch-household'}` });
    s.style.background = color;
    li.append(s, el('span', { text }));
    notes.appendChild(li);
  };
  note(COLORS.householdFlagged, '重点关注户 (独居老人、残疾人、低保户)', true);
  note(COLORS.household, '城镇户为圆点,农村户为院落', false);
  note(COLORS.uncontacted, '橙色圈: 近30天未走访的住户 (网格员、书记可见)', true);
  container.appendChild(notes);

  return {
    setHint(layer, text) {
      if (hints[layer]) hints[layer].textContent = text || '';
    },
  };
}
