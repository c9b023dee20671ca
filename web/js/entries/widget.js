// The anywidget front end (`attention-plot/widget`, built to dist/widget.js with the WASM
// inlined): `export default { render({ model, el }) }`. It puts an <attention-plot>
// (element.js) in `el` and keeps it in step with the model both ways:
//   model → plot: every PLAYGROUND field the model has becomes the element's attribute, so
//                 a bad value is corrected and named in a notice inside the plot, as in HTML;
//   plot → model: after a drag or a control, the fields the model has, and always the core's
//                 `weights`, `entropy` and `output` (at most once per animation frame).
// Keys and values drawn by the layout are written back only once they are explicit (the
// model gave keys, or the reader dragged, added or removed one on the plot), so a model that
// leaves `keys` unset keeps following `n`, `layout` and `seed`.
import './element.js';
import { loadCore } from '../core/wasm.js';
import { PLAYGROUND } from '../state/schema.js';
import { kebab } from '../state/codec.js';

const FIELDS = Object.keys(PLAYGROUND.fields);
const TAG = 'attention-plot';

// A model value as attribute text. Not rounded or checked here: the element's codec does
// that and says what it corrected.
function text(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (Array.isArray(value)) return value.map((v) => (Array.isArray(v) ? v.join(',') : String(v))).join(Array.isArray(value[0]) ? ';' : ',');
  return String(value);
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function render({ model, el }) {
  const plotEl = document.createElement(TAG);
  let handle = null, core = null, frame = 0, stopped = false;
  let explicit = model.get('keys') != null;  // write the drawn keys back?
  let lastKeys = null;                       // the drawn keys at the last write-back
  // Keys that change right after the reader pressed on the canvas were edited (dragged,
  // added, removed); keys that change otherwise come from the layout (n, seed, … from the
  // model or the plot's own controls).
  let touched = false;
  const onInput = (e) => { if (e.composedPath()[0]?.localName === 'canvas') touched = true; };
  const inputs = ['pointerdown', 'pointerup', 'keydown'];
  for (const type of inputs) plotEl.addEventListener(type, onInput);

  // model → plot
  const apply = (name) => {
    const value = model.get(name);
    if (value === undefined) return;
    touched = false;
    if (name === 'keys') explicit = value !== null;
    const t = text(value), attr = kebab(name);
    if (handle && t !== null && t === text(handle.getState()[name])) return;  // our own write coming back
    if (t === null) {
      // None: back to the default (keys: the layout makes keys and values again).
      if (name === 'keys') handle?.setState({ keys: null, values: null });
      if (plotEl.hasAttribute(attr)) plotEl.removeAttribute(attr);
      else if (name !== 'keys') handle?.setState({ [name]: PLAYGROUND.fields[name].def });
      return;
    }
    // The attribute may still hold this text from before a drag: setting it again would not
    // reach the element (it ignores unchanged attributes), so clear it first.
    if (plotEl.getAttribute(attr) === t) plotEl.removeAttribute(attr);
    plotEl.setAttribute(attr, t);
  };
  const listeners = FIELDS.map((name) => [`change:${name}`, () => apply(name)]);
  for (const name of FIELDS) apply(name);
  for (const [event, fn] of listeners) model.on(event, fn);

  // plot → model
  const flush = () => {
    frame = 0;
    if (stopped || !handle || !core) return;
    const weights = handle.getWeights();
    if (!weights) return;
    const s = handle.getState();
    const keys = JSON.stringify(s.keys);
    if (touched && lastKeys !== null && keys !== lastKeys) explicit = true;
    touched = false;
    lastKeys = keys;
    let dirty = false;
    const put = (name, value) => {
      if (same(model.get(name), value)) return;
      model.set(name, value);
      dirty = true;
    };
    for (const name of FIELDS) {
      if (name === 'keys' || name === 'values') {
        if (explicit) put(name, s[name]);
      } else if (model.get(name) !== undefined) {
        put(name, s[name]);
      }
    }
    const r = core.attend({ query: s.query, keys: s.keys, values: s.values, scale: s.scale,
      normalizeKeys: s.normalizeKeys });
    put('weights', Array.from(r.weights));
    put('entropy', r.entropy);
    put('output', Array.from(r.output));
    if (dirty) model.save_changes();
  };
  const schedule = () => { if (!frame && !stopped) frame = requestAnimationFrame(flush); };
  plotEl.addEventListener('change', schedule);

  // The element makes its handle when it is connected, which may be after render returns.
  const connect = () => {
    if (stopped) return;
    handle = plotEl.plot;
    if (!handle) { frame = requestAnimationFrame(connect); return; }
    frame = 0;
    Promise.all([handle.ready, loadCore()]).then(([, c]) => { core = c; schedule(); }, () => {});
  };
  el.append(plotEl);
  connect();

  return () => {
    stopped = true;
    cancelAnimationFrame(frame);
    for (const [event, fn] of listeners) model.off(event, fn);
    plotEl.removeEventListener('change', schedule);
    for (const type of inputs) plotEl.removeEventListener(type, onInput);
    handle?.destroy();
    plotEl.remove();
  };
}

export default { render };
