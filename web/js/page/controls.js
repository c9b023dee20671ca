// DOM pieces around the canvas: the live weight list, the stats and the form.
// Nothing here computes attention; it formats the numbers the core returned.

const fmt3 = (v) => (Number.isFinite(v) ? v.toFixed(3) : '–');
// Long context: weights are ~1/n and the top keys are close, so use 4 significant digits.
const fmtSmall = (v) => (!Number.isFinite(v) ? '–' : v !== 0 && Math.abs(v) < 0.01 ? v.toExponential(3) : v.toFixed(4));

/** The live table of weights. Rows carry data-key-index / data-weight / data-logit. */
export class WeightList {
  /**
   * @param {HTMLTableSectionElement} tbody
   * @param {{onHover(i:number):void, onSelect(i:number):void, onDelete(i:number):void}} handlers
   */
  constructor(tbody, handlers) {
    this.tbody = tbody;
    this.handlers = handlers;
    this.rows = [];
    this.hovered = -1;

    tbody.addEventListener('pointerover', (e) => {
      const row = /** @type {HTMLTableRowElement | null} */ (
        /** @type {Element} */ (e.target).closest('tr[data-key-index]'));
      if (row) handlers.onHover(Number(row.dataset.keyIndex));
    });
    tbody.addEventListener('pointerleave', () => handlers.onHover(-1));
    tbody.addEventListener('click', (e) => {
      const row = /** @type {HTMLTableRowElement | null} */ (
        /** @type {Element} */ (e.target).closest('tr[data-key-index]'));
      if (row) handlers.onSelect(Number(row.dataset.keyIndex));
    });
    tbody.addEventListener('focusin', (e) => {
      const row = /** @type {HTMLTableRowElement | null} */ (
        /** @type {Element} */ (e.target).closest('tr[data-key-index]'));
      if (row) handlers.onSelect(Number(row.dataset.keyIndex));
    });
    tbody.addEventListener('keydown', (e) => {
      const row = /** @type {HTMLTableRowElement | null} */ (
        /** @type {Element} */ (e.target).closest('tr[data-key-index]'));
      if (!row) return;
      if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault();
        handlers.onDelete(Number(row.dataset.keyIndex));
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const next = /** @type {HTMLElement | null} */ (
          e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling);
        if (next) next.focus();
      }
    });
  }

  ensureRows(count) {
    while (this.rows.length < count) {
      const tr = document.createElement('tr');
      tr.tabIndex = 0;
      const cells = {};
      for (const name of ['key', 'angle', 'logit', 'weight']) {
        const td = document.createElement('td');
        td.className = `col-${name}`;
        tr.appendChild(td);
        cells[name] = td;
      }
      const fill = appendBar(tr);
      this.rows.push({ tr, cells, fill, index: -1 });
    }
    // attach exactly `count` rows
    for (let i = 0; i < this.rows.length; i++) {
      const { tr } = this.rows[i];
      if (i < count && tr.parentNode !== this.tbody) this.tbody.appendChild(tr);
      if (i >= count && tr.parentNode === this.tbody) tr.remove();
    }
  }

  /**
   * @param {number[]} indices keys to show, in display order
   * @param {{weights, logits, argmax}} result from core.attend (may be null)
   * @param {Float64Array} angles key angles (display)
   * @param {number} hovered
   * @param {number} selected
   */
  update(indices, result, angles, hovered, selected, small = false) {
    const fw = small ? fmtSmall : fmt3;
    this.ensureRows(indices.length);
    let wmax = 0;
    if (result) for (const i of indices) if (result.weights[i] > wmax) wmax = result.weights[i];
    // one bar scale, stated in the caption: a bar is the weight ÷ the largest weight listed
    const barScale = wmax > 0 ? 1 / wmax : 1;
    indices.forEach((keyIndex, r) => {
      const row = this.rows[r];
      const { tr, cells, fill } = row;
      const w = result ? result.weights[keyIndex] : NaN;
      const l = result ? result.logits[keyIndex] : NaN;
      if (row.index !== keyIndex) {
        row.index = keyIndex;
        tr.dataset.keyIndex = String(keyIndex);
        cells.key.textContent = `k${keyIndex}`;
      }
      cells.angle.textContent = `${(angles[keyIndex] * 180 / Math.PI).toFixed(small ? 2 : 0)}°`;
      cells.logit.textContent = fmt3(l);
      cells.weight.textContent = fw(w);
      tr.dataset.weight = result ? String(w) : '';
      tr.dataset.logit = result ? String(l) : '';
      fill.style.setProperty('--w', Number.isFinite(w) ? String(Math.min(1, w * barScale)) : '0');
      tr.classList.toggle('is-argmax', !!result && keyIndex === result.argmax);
      tr.classList.toggle('is-hover', keyIndex === hovered);
      tr.classList.toggle('is-selected', keyIndex === selected);
      tr.setAttribute('aria-label', `key ${keyIndex}: weight ${fw(w)}, logit ${fmt3(l)}${result && keyIndex === result.argmax ? ', largest' : ''}`);
    });
    this.barScale = barScale;
  }

  /**
   * The attention sink as a last row (no key, no angle: its logit and the weight it took),
   * on the keys' bar scale; removed when there is no sink.
   */
  updateSink(on, logit, weight) {
    if (!on) { this.sinkRow?.tr.remove(); return; }
    if (!this.sinkRow) {
      const tr = document.createElement('tr');
      tr.className = 'sink-row';
      const cells = ['sink', '—', '', ''].map((text) => {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
        return td;
      });
      this.sinkRow = { tr, cells, fill: appendBar(tr) };
    }
    const { tr, cells, fill } = this.sinkRow;
    if (tr.parentNode !== this.tbody || tr.nextSibling) this.tbody.appendChild(tr);
    cells[2].textContent = fmt3(logit);
    cells[3].textContent = fmt3(weight);
    tr.dataset.weight = String(weight);
    fill.style.setProperty('--w', String(Math.min(1, weight * (this.barScale ?? 1))));
    tr.setAttribute('aria-label', `attention sink: logit ${fmt3(logit)}, takes weight ${fmt3(weight)}`);
  }

  rowFor(keyIndex) {
    return this.rows.find((r) => r.index === keyIndex && r.tr.parentNode === this.tbody)?.tr ?? null;
  }

  focusRow(keyIndex) {
    this.rowFor(keyIndex)?.focus();
  }
}

/** Appends a weight bar cell to a row; returns its fill (width: the CSS variable --w). */
function appendBar(tr) {
  const td = document.createElement('td');
  td.className = 'bar-cell';
  const bar = document.createElement('span');
  bar.className = 'bar';
  const fill = document.createElement('span');
  fill.className = 'bar-fill';
  bar.appendChild(fill);
  td.appendChild(bar);
  tr.appendChild(td);
  return fill;
}

/** Writes a stat value (text + data-value with full precision). */
export function setStat(el, text, value) {
  el.textContent = text;
  if (value !== undefined) el.dataset.value = String(value);
}

/**
 * Binds every control of `form` whose name is a schema field: its min/max/step come
 * from the schema, and a change commits {field: value} (plus the field's `sets`, e.g.
 * moving the custom scale selects the custom mode). Returns sync(state), which writes
 * the state back into the controls.
 */
export function bindForm(form, schema, commit) {
  const fields = schema.fields;
  const controls = [...form.querySelectorAll('input[name], select[name]')].filter((el) => Object.hasOwn(fields, el.name));
  for (const el of controls) {
    const f = fields[el.name];
    if (el.type === 'range' || el.type === 'number') {
      const [lo, hi] = el.type === 'range' && f.slider ? f.slider : [f.min, f.max];
      if (!el.hasAttribute('min')) el.min = String(lo);
      if (!el.hasAttribute('max')) el.max = String(hi);
      if (!el.hasAttribute('step')) el.step = String(f.step ?? 'any');
    }
  }
  const read = (el) => (el.type === 'checkbox' ? el.checked : el.value);
  const onEvent = (e) => {
    const el = e.target;
    if (!controls.includes(el)) return;
    // Sliders commit while moving; everything else when the value is settled.
    if (e.type === 'input' && el.type !== 'range') return;
    if (e.type === 'change' && el.type === 'range') return;
    if (el.type === 'radio' && !el.checked) return;
    commit({ ...(fields[el.name].sets ?? {}), [el.name]: read(el) });
  };
  form.addEventListener('input', onEvent);
  form.addEventListener('change', onEvent);
  form.addEventListener('submit', (e) => e.preventDefault());

  const outputs = new Map(controls.map((el) => [el.name, form.querySelector(`output[data-for="${el.name}"]`)]));
  return function sync(state) {
    for (const el of controls) {
      const f = fields[el.name];
      const v = state[el.name];
      // Write only what changed: this runs every frame.
      if (el.type === 'checkbox') {
        if (el.checked !== !!v) el.checked = !!v;
      } else if (el.type === 'radio') {
        if (el.checked !== (el.value === String(v))) el.checked = el.value === String(v);
      } else if ((document.activeElement !== el || el.type === 'range') && el.value !== String(v)) {
        if (el.tagName === 'SELECT' && ![...el.options].some((o) => o.value === String(v))) {
          el.add(new Option(String(v), String(v)));  // e.g. a long-context size from a link
        }
        el.value = String(v);
      }
      const disabled = f.enabledWhen ? !f.enabledWhen(state) : false;
      if (el.disabled !== disabled) el.disabled = disabled;
      const out = outputs.get(el.name);
      const text = f.valueText ? f.valueText(v) : String(v);   // e.g. α: "1.5 (entmax)"
      if (out && el.type !== 'radio' && out.textContent !== text) out.textContent = text;
    }
  };
}

/** The folded group's summary (the page's <details id="beyond"> and the element's). */
export const BEYOND_TITLE = 'Beyond softmax: α, sink, kernels, RoPE';

/**
 * Builds labelled controls for `names` from the schema (the element's controls): a
 * slider for bounded numbers, a select for a list, a checkbox for a flag. With `fold`,
 * the fields of `group: 'beyond'` go in one <details class="beyond">, closed.
 */
export function buildControls(container, schema, names, { fold = false } = {}) {
  let body = null;
  for (const name of names) {
    const f = schema.fields[name];
    const label = buildControl(name, f);
    if (fold && f.group === 'beyond') {
      if (!body) {
        const details = document.createElement('details');
        details.className = 'beyond';
        const summary = document.createElement('summary');
        summary.textContent = BEYOND_TITLE;
        body = document.createElement('div');
        body.className = 'beyond-body';
        details.append(summary, body);
        container.append(details);
      }
      body.append(label);
    } else container.append(label);
  }
}

/**
 * A folded group that opens itself when the state starts to use it (a link, a preset, the
 * API, a tour step); the reader may close it again. Returns the per-frame sync.
 * @param {HTMLDetailsElement | null} details
 * @param {(state: object) => boolean} uses
 */
export function followFold(details, uses) {
  let used = false;
  return (state) => {
    const now = uses(state);
    if (details && now && !used) details.open = true;
    used = now;
  };
}

/** One labelled control for a schema field. */
function buildControl(name, f) {
  const label = document.createElement('label');
  label.className = `control control-${f.type}`;
  const text = document.createElement('span');
  text.textContent = f.label ?? name;
  let input;
  if (f.type === 'enum') {
    input = document.createElement('select');
    for (const v of f.values) input.add(new Option(f.labels?.[v] ?? String(v), String(v)));
  } else if (f.type === 'bool') {
    input = document.createElement('input');
    input.type = 'checkbox';
  } else {
    input = document.createElement('input');
    input.type = f.slider || f.max - f.min <= 256 ? 'range' : 'number';
  }
  input.name = name;
  if (f.type === 'bool') label.append(input, text);
  else if (input.type !== 'range') label.append(text, input);
  else {
    const out = document.createElement('output');
    out.dataset.for = name;
    text.append(' ', out);
    label.append(text, input);
  }
  return label;
}
