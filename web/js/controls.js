// DOM pieces around the canvas: the live weight list, the stats and the form.
// Nothing here computes attention; it formats the numbers the core returned.

const fmt3 = (v) => (Number.isFinite(v) ? v.toFixed(3) : '–');
// Long context: weights are ~1/n, so 3 decimals would read 0.000; use 3 significant digits.
const fmtSmall = (v) => (!Number.isFinite(v) ? '–' : v !== 0 && Math.abs(v) < 0.001 ? v.toExponential(2) : v.toFixed(3));

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
      const row = e.target.closest('tr[data-key-index]');
      if (row) handlers.onHover(Number(row.dataset.keyIndex));
    });
    tbody.addEventListener('pointerleave', () => handlers.onHover(-1));
    tbody.addEventListener('click', (e) => {
      const row = e.target.closest('tr[data-key-index]');
      if (row) handlers.onSelect(Number(row.dataset.keyIndex));
    });
    tbody.addEventListener('focusin', (e) => {
      const row = e.target.closest('tr[data-key-index]');
      if (row) handlers.onSelect(Number(row.dataset.keyIndex));
    });
    tbody.addEventListener('keydown', (e) => {
      const row = e.target.closest('tr[data-key-index]');
      if (!row) return;
      if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault();
        handlers.onDelete(Number(row.dataset.keyIndex));
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
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
      const barTd = document.createElement('td');
      barTd.className = 'bar-cell';
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.className = 'bar-fill';
      bar.appendChild(fill);
      barTd.appendChild(bar);
      tr.appendChild(barTd);
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
    // bars are on an absolute 0..1 scale when the weights are large, else relative to the top key
    const barScale = wmax > 0.25 ? 1 : wmax > 0 ? 1 / wmax : 1;
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
      cells.angle.textContent = `${(angles[keyIndex] * 180 / Math.PI).toFixed(0)}°`;
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

  rowFor(keyIndex) {
    return this.rows.find((r) => r.index === keyIndex && r.tr.parentNode === this.tbody)?.tr ?? null;
  }

  focusRow(keyIndex) {
    this.rowFor(keyIndex)?.focus();
  }
}

/** Writes a stat value (text + data-value with full precision). */
export function setStat(el, text, value) {
  el.textContent = text;
  if (value !== undefined) el.dataset.value = String(value);
}

/** Small helper around the notice banner. */
export class Notice {
  constructor(root, messageEl, dismissBtn) {
    this.root = root;
    this.messageEl = messageEl;
    this.current = null;     // message currently shown (or dismissed while still true)
    this.dismissed = false;
    dismissBtn.addEventListener('click', () => this.dismiss());
  }

  /** Shows a message; the same message is not re-shown after a dismiss until it changes. */
  show(message, kind = 'core') {
    if (message === this.current && this.dismissed) return;
    if (message !== this.current) this.dismissed = false;
    this.current = message;
    this.kind = kind;
    this.messageEl.textContent = message;
    this.root.hidden = false;
  }

  /** The condition of this kind went away (e.g. a core call succeeded). */
  clear(kind = 'core') {
    if (this.current !== null && this.kind !== kind) return;
    this.current = null;
    this.dismissed = false;
    this.root.hidden = true;
  }

  dismiss() {
    this.dismissed = true;
    this.root.hidden = true;
  }
}
