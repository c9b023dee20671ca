// train.html's settings form, built from the TRAIN table (state/train-schema.js): one control
// per field, limits and labels from the table. A change sends the control's value to the
// store, which validates it; show() writes the state back without overwriting what the reader
// is typing. Nothing here computes or draws.
import { TRAIN } from '../state/train-schema.js';

// The form's groups, in order: what the model is, how it learns, what is shown.
/** @type {Array<[string, string[]]>} */
const GROUPS = [
  ['Task and model', ['task', 'size', 'dModel', 'heads', 'layers', 'tie', 'projections', 'mask', 'scale', 'alpha', 'init']],
  ['Training', ['optimizer', 'lr', 'batch', 'seed', 'until']],
  ['What is shown', ['layer', 'head', 'sample']],
];

function control(name, f) {
  const label = document.createElement('label');
  label.className = f.type === 'bool' ? 't-check' : '';
  let input;
  if (f.type === 'enum') {
    input = document.createElement('select');
    for (const v of f.values) input.append(new Option(f.labels?.[v] ?? v, v));
  } else {
    input = document.createElement('input');
    input.type = f.type === 'bool' ? 'checkbox' : 'number';
    if (f.type !== 'bool') {
      input.min = String(f.min);
      input.max = String(f.max);
      input.step = String(f.step ?? 'any');
    }
  }
  input.id = `t-${name}`;
  input.dataset.field = name;
  const text = document.createElement('span');
  text.textContent = f.label ?? name;
  if (f.type === 'bool') label.append(input, ' ', text); else label.append(text, ' ', input);
  return { label, input };
}

export class Form {
  /** @param {HTMLFormElement} root @param {(patch: object) => void} commit */
  constructor(root, commit) {
    /** @type {Map<string, HTMLInputElement | HTMLSelectElement>} */
    this.inputs = new Map();
    for (const [title, names] of GROUPS) {
      const set = document.createElement('fieldset');
      const legend = document.createElement('legend');
      legend.textContent = title;
      set.append(legend);
      for (const name of names) {
        const { label, input } = control(name, TRAIN.fields[name]);
        this.inputs.set(name, input);
        set.append(label);
        input.addEventListener('change', () => {
          delete input.dataset.shown;
          const value = input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value;
          commit({ [name]: value });
        });
      }
      root.append(set);
    }
    root.addEventListener('submit', (e) => e.preventDefault());
  }

  /** Writes the state into every control whose value changed since it was last shown. */
  show(state) {
    for (const [name, input] of this.inputs) {
      const text = String(state[name]);
      if (input.dataset.shown === text) continue;
      input.dataset.shown = text;
      if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = !!state[name];
      else input.value = text;
    }
  }
}
