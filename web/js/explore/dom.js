// The DOM helpers explore's tabs write their controls and readouts with. Inputs take their
// limits from the EXPLORE table; nothing here computes or draws.
import { EXPLORE } from '../state/explore-schema.js';
import { fmt } from '../plot/canvas.js';

const F = EXPLORE.fields;

export const $ = (id) => document.getElementById(id);

/** A readout: its number in data-value (tests read it), `text` (or the number) as its text. */
export function setOut(el, value, text) {
  el.dataset.value = String(value);
  el.textContent = text ?? fmt(value, 4);
}

// Writes a value into an input when the state's value changed since it was last shown,
// so a render for a hover never overwrites what the reader is typing. A handler that
// commits calls forget(input): its corrected value is shown even when unchanged.
export function show(input, value) {
  const text = String(value);
  if (input.dataset.shown !== text) { input.value = text; input.dataset.shown = text; }
}
export const forget = (input) => { delete input.dataset.shown; };

/** A select's options (rebuilt only when the list changes). @param {(value: number | string) => string} [label] */
export function options(select, values, label = String) {
  const want = values.map(String).join(',');
  if (select.dataset.options === want) return;
  select.dataset.options = want;
  select.replaceChildren(...values.map((v) => new Option(label(v), String(v))));
}

/** A table cell (or any element) with its text and data-* attributes. */
export function element(tag, text, data) {
  const c = document.createElement(tag);
  c.textContent = text;
  if (data) Object.assign(c.dataset, data);
  return c;
}

/** Shows the state in every plain field of a panel (inputs with data-field). */
export function showFields(panelId, state) {
  for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (
    $(panelId).querySelectorAll('input[data-field]'))) show(input, state[input.dataset.field]);
}

/** Plain fields: limits from the table; a change sends the input's text to the store, which validates it. */
export function bindFields(host) {
  for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[data-field]'))) {
    const field = input.dataset.field;
    const f = F[field];
    input.min = String(f.min);
    input.max = String(f.max);
    if (!input.getAttribute('step')) input.step = String(f.step ?? 'any');
    input.addEventListener('change', () => { forget(input); host.commit({ [field]: input.value }); });
  }
}

/** Canvas px of a pointer event, counted from inside the border (fitCanvas draws in the client box). */
export function localPx(ev, el) {
  const r = el.getBoundingClientRect();
  return [ev.clientX - r.left - el.clientLeft, ev.clientY - r.top - el.clientTop];
}
