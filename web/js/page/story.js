// <attention-story>: a scrolling explanation with no JavaScript for its author. Its
// children are one <attention-plot> and steps (any child with data-attention-state,
// usually a <section> of prose). The plot stays in view (sticky beside the steps when the
// story is wide, above them when it is narrow) and the step crossing the middle of the
// visible prose drives it with animateTo.
//
// A step's state is written like a link (`query=1,0&customScale=2`) and read by the
// same codec (parseHash) with the same notices, which the plot shows. It is a patch over
// the plot's own attributes, so a step looks the same however the reader reached it.
// `<attention-story tour>` makes its steps from the playground's tour (tour-steps.js);
// a step's "Try this" shows only when the reader has what it asks for (TRY_NEEDS) under
// the plot's `controls` for that step: the query drags in every mode, keys only with
// controls="full", a setting only when its control is shown.
//
// Bundled with <attention-plot> (element.js imports this file). Styles are one
// constructed stylesheet adopted by the document: nothing inline, so the strict CSP holds.
import { PLAYGROUND } from '../state/schema.js';
import { applyPatch, attributeMap, defaults, encodeValue, format, parseHash } from '../state/codec.js';
import { TOUR } from '../state/tour-steps.js';

const TAG = 'attention-story';
const STEP = ':scope > [data-attention-state]';
const SIDE_MIN_WIDTH = 720;   // px of the story's own width: narrower stacks the plot above the prose
const DURATION = 900;         // ms per step change (attribute `duration`)
const ATTRS = attributeMap(PLAYGROUND);

/**
 * What each tour step's "Try this" asks the reader to do, by step title: 'query' (drag
 * the query: every `controls` mode), 'keys' (drag keys: controls="full" only) or the
 * schema fields whose controls it uses. A step missing here shows its line only with
 * the full controls (tests/browser/story-try.test.mjs checks every TOUR step is listed).
 */
export const TRY_NEEDS = Object.freeze({
  'Keys on the circle': ['keys'],
  'The query’s direction': ['query'],
  'Its length is sharpness': ['query'],
  'The radius of the query': ['query'],
  'Short means blunt': ['query'],
  'The same weights on a line': ['layout'],
  'Values and the output': ['query'],
  'Raw keys: length counts too': ['keys'],
  'A negative scale looks away': ['customScale'],
  'Sparsemax: exact zeros': ['alpha'],
  'An attention sink': ['query'],
  'Linear attention cannot sharpen': ['query', 'kernel', 'features'],
  'RoPE: position turns the keys': ['query', 'queryPosition'],
  'Long context': ['query'],
});

/** True when a reader of a plot with `controls` (full|compact|none) can do everything in `needs`. */
export function canTry(needs, controls) {
  if (!needs) return controls === 'full';
  return needs.every((need) => need === 'query' || (need === 'keys' ? controls === 'full'
    : !!PLAYGROUND.fields[need]?.controls?.includes(controls)));
}

// In a cascade layer: the page's own (unlayered) rules win over these defaults whatever
// their order or specificity, though an adopted sheet comes after the page's sheets.
const CSS = `@layer attention-story {
attention-story { display: grid; grid-template-columns: minmax(0, 1fr); column-gap: clamp(1rem, 3vw, 2.5rem);
  align-items: start; position: relative; margin: 1rem 0; }
attention-story > attention-plot { max-width: none; z-index: 1; }
attention-story > [data-attention-state] { box-sizing: border-box; margin: 0 0 55vh; padding: .8rem 1.1rem;
  border-left: 4px solid transparent; opacity: .6; transition: opacity .3s, border-color .3s; }
attention-story > [data-attention-state][aria-current="step"] { opacity: 1; border-left-color: #0072b2; }
attention-story > [data-attention-state]:focus-visible { outline: 2px solid #0072b2; outline-offset: 2px; }
attention-story[data-layout="side"] > [data-attention-state]:first-of-type { margin-top: 25vh; }
attention-story[data-layout="side"] { grid-template-columns: minmax(0, 5fr) minmax(0, 6fr); }
attention-story[data-layout="side"] > :not(attention-plot) { grid-column: 1; }
attention-story[data-layout="side"] > attention-plot { grid-column: 2; grid-row: 1 / span var(--attention-story-steps, 1);
  position: sticky; top: max(1rem, calc(50vh - 17rem)); --attention-plot-height: min(26rem, calc(100vh - 8rem)); }
attention-story[data-layout="stacked"] > attention-plot { position: sticky; top: 0; --attention-plot-height: min(40vh, 22rem); }
attention-story[data-layout="stacked"] > [data-attention-state] { margin-bottom: 35vh; }
attention-story[data-layout="stacked"] > [data-attention-state]:first-of-type { margin-top: 1rem; }
.attention-story-status { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }
@media (prefers-color-scheme: dark) {
  attention-story > [data-attention-state][aria-current="step"] { border-left-color: #56b4e9; }
}
@media (prefers-reduced-motion: reduce) {
  attention-story > [data-attention-state] { transition: none; }
}
}`;

let sheet = null;
function adoptStyles() {
  if (sheet || typeof CSSStyleSheet !== 'function') return;
  sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

/** A TOUR step's state as a data-attention-state string (the link spelling). */
export function stepState(state) {
  return Object.entries(state).map(([k, v]) => `${k}=${encodeValue(format(PLAYGROUND, k, v))}`).join('&');
}

/** A short spoken description of a state (for the live region). */
function describe(s) {
  const len = Math.hypot(s.query[0], s.query[1]);
  const deg = Math.round(Math.atan2(s.query[1], s.query[0]) * 180 / Math.PI);
  const keys = s.longContext > 0 ? `${s.longContext.toLocaleString('en-US')} keys (long context)`
    : `${s.keys ? s.keys.length : s.n} keys, ${s.layout} layout`;
  const scale = s.scaleMode === 'custom' ? String(s.customScale) : s.scaleMode === 'invsqrt' ? '1/√2' : '1';
  const extra = [!s.normalizeKeys && 'keys not normalised', s.randomLengths && 'random key lengths'].filter(Boolean);
  return `The plot: ${keys}; query at ${deg}°, length ${+len.toFixed(2)}; scale ${scale}${extra.length ? `; ${extra.join(', ')}` : ''}.`;
}

function stepTitle(el) {
  return el.querySelector('h1, h2, h3, h4, h5, h6')?.textContent.trim() || el.getAttribute('aria-label') || '';
}

// (In node, where the npm package's entry imports this file, there is no HTMLElement to extend
// and nothing is defined.)
const ElementBase = /** @type {typeof HTMLElement} */ (typeof HTMLElement === 'undefined' ? class {} : HTMLElement);

class AttentionStoryElement extends ElementBase {
  #steps = [];        // [{el, given, notices}]
  #active = -1;
  #plotEl = null;
  #status = null;
  #frame = 0;
  #cleanup = [];
  #builtTour = false;
  #labels = new Map();  // step element → the aria-label we gave it

  /** The index of the step driving the plot (-1 before the first). */
  get step() { return this.#active; }
  /** The step elements, in order. */
  get steps() { return this.#steps.map((s) => s.el); }
  /** The plot's handle (the <attention-plot>'s `plot`). */
  get plot() { return this.#plotEl?.plot ?? null; }

  connectedCallback() {
    const start = () => customElements.whenDefined('attention-plot').then(() => { if (this.isConnected) this.#setup(); });
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
    else start();
  }

  disconnectedCallback() {
    for (const off of this.#cleanup) off();
    this.#cleanup = [];
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }

  #setup() {
    if (this.#cleanup.length) return;
    adoptStyles();
    this.#plotEl = this.querySelector(':scope > attention-plot');
    if (!this.#plotEl) {
      this.#plotEl = document.createElement('attention-plot');
      this.#plotEl.setAttribute('controls', 'none');
      this.prepend(this.#plotEl);
    }
    if (this.hasAttribute('tour') && !this.#builtTour) this.#buildTour();
    if (!this.#status) {
      this.#status = document.createElement('p');
      this.#status.className = 'attention-story-status';
      this.#status.setAttribute('role', 'status');
      this.#status.setAttribute('aria-live', 'polite');
      this.append(this.#status);
    }
    const listen = (target, type, fn, opts) => {
      target.addEventListener(type, fn, opts);
      this.#cleanup.push(() => target.removeEventListener(type, fn, opts));
    };
    const later = () => {
      if (!this.#frame) this.#frame = requestAnimationFrame(() => { this.#frame = 0; this.#update(); });
    };
    listen(document, 'scroll', later, { capture: true, passive: true });
    listen(window, 'resize', later, { passive: true });
    listen(this, 'keydown', (e) => this.#onKey(e));
    listen(this, 'focusin', (e) => this.#onFocus(e));
    const resize = new ResizeObserver(() => { this.#layout(); later(); });
    resize.observe(this);
    this.#cleanup.push(() => resize.disconnect());
    // Steps added, removed or rewritten later are picked up.
    const watch = new MutationObserver(() => { this.#collect(); later(); });
    watch.observe(this, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-attention-state', 'controls'] });
    this.#cleanup.push(() => watch.disconnect());
    this.#layout();
    this.#collect();
    this.#update();
  }

  /** `tour`: the playground's tour as steps (after any steps the author wrote). */
  #buildTour() {
    this.#builtTour = true;
    for (const step of TOUR) {
      const section = document.createElement('section');
      section.dataset.attentionState = stepState(step.state);
      const h = document.createElement('h3');
      h.textContent = step.title;
      const text = document.createElement('p');
      text.textContent = step.text;
      const tryThis = document.createElement('p');
      tryThis.className = 'attention-story-try';
      tryThis.dataset.needs = (TRY_NEEDS[step.title] ?? ['full']).join(' ');
      const b = document.createElement('strong');
      b.textContent = 'Try this: ';
      tryThis.append(b, step.tryThis);
      section.append(h, text, tryThis);
      this.append(section);
    }
  }

  #layout() {
    const side = this.getBoundingClientRect().width >= SIDE_MIN_WIDTH;
    const layout = side ? 'side' : 'stacked';
    if (this.dataset.layout !== layout) this.dataset.layout = layout;
  }

  /** Reads the steps, validates each state once and shows the problems in the plot. */
  #collect() {
    const els = Array.from(/** @type {NodeListOf<HTMLElement>} */ (this.querySelectorAll(STEP)));
    const old = new Map(this.#steps.map((s) => [s.el, s]));
    const n = els.length;
    this.#steps = els.map((el, i) => {
      const text = el.getAttribute('data-attention-state') ?? '';
      const prev = old.get(el);
      const step = prev && prev.text === text ? prev : { el, text, ...parseHash(PLAYGROUND, text) };
      if (!el.hasAttribute('tabindex')) el.tabIndex = 0;
      const label = `Step ${i + 1} of ${n}${stepTitle(el) ? `: ${stepTitle(el)}` : ''}`;
      // Our own label only: an author's aria-label stays.
      if (!el.hasAttribute('aria-label') || this.#labels.get(el) === el.getAttribute('aria-label')) {
        el.setAttribute('aria-label', label);
        this.#labels.set(el, label);
      }
      return step;
    });
    // Beside the plot: every child but the plot and the live region takes a row.
    const rows = Array.from(this.children).filter((c) => c !== this.#plotEl && c !== this.#status).length;
    this.style.setProperty('--attention-story-steps', String(Math.max(1, rows)));
    const notices = [];
    this.#steps.forEach((s, i) => {
      for (const t of s.notices) notices.push(`Story step ${i + 1} (data-attention-state): ${t}`);
    });
    this.plot?.notice('story', notices);
    if (this.#active >= n) this.#active = -1;
    this.#showTries();
  }

  /** Shows a step's "Try this" only when the plot's controls for that step let the reader do it. */
  #showTries() {
    this.#steps.forEach((s, i) => {
      const tries = /** @type {NodeListOf<HTMLElement>} */ (s.el.querySelectorAll('.attention-story-try[data-needs]'));
      if (!tries.length) return;
      const { controls } = this.target(i);
      for (const t of tries) {
        const needs = t.dataset.needs.split(' ');
        const show = needs.includes('full') ? controls === 'full' : canTry(needs, controls);
        if (t.hidden === show) t.hidden = !show;
      }
    });
  }

  /** The plot's attributes over the defaults: what every step's patch applies to. */
  #base() {
    const patch = {};
    for (const a of this.#plotEl.getAttributeNames()) {
      const f = ATTRS.get(a);
      if (f) patch[f] = this.#plotEl.getAttribute(a);
    }
    return applyPatch(PLAYGROUND, defaults(PLAYGROUND), patch).state;
  }

  /** The full state step `i` shows. */
  target(i) {
    const step = this.#steps[i];
    if (!step) throw new Error(`target: no step ${i}; the story has ${this.#steps.length} steps (0…${this.#steps.length - 1}).`);
    const { state } = applyPatch(PLAYGROUND, this.#base(), step.given);
    delete state.tour;
    return state;
  }

  /** The step under the reading line: the middle of the viewport, or of the prose below a stacked plot. */
  #pick() {
    let top = 0;
    if (this.dataset.layout === 'stacked' && this.#plotEl) top = Math.max(0, this.#plotEl.getBoundingClientRect().bottom);
    const line = (top + window.innerHeight) / 2;
    let active = 0;
    this.#steps.forEach((s, i) => { if (s.el.getBoundingClientRect().top <= line) active = i; });
    return active;
  }

  #update() {
    const handle = this.plot;
    if (!this.#steps.length || !handle) return;
    this.#go(this.#pick());
  }

  #go(i) {
    if (i === this.#active) return;
    const first = this.#active < 0;
    this.#active = i;
    this.#steps.forEach((s, j) => {
      if (j === i) s.el.setAttribute('aria-current', 'step');
      else s.el.removeAttribute('aria-current');
    });
    const target = this.target(i);
    const duration = first ? 0 : Math.max(0, Number(this.getAttribute('duration') ?? DURATION) || 0);
    this.plot.animateTo(target, { duration }).catch((e) => this.plot?.notice('story-step', [e.message]));
    if (!first) {
      const title = stepTitle(this.#steps[i].el);
      this.#status.textContent = `Step ${i + 1} of ${this.#steps.length}${title ? `: ${title}` : ''}. ${describe(target)}`;
    }
    this.dispatchEvent(new CustomEvent('step', { detail: { index: i, element: this.#steps[i].el, state: target } }));
  }

  // A focused step becomes the reading step, scrolled to where scrolling agrees: the
  // middle of the viewport, or just below a stacked plot.
  #onFocus(e) {
    const i = this.#steps.findIndex((s) => s.el === e.target);
    if (i < 0) return;
    if (this.dataset.layout === 'stacked') {
      const below = this.#plotEl.getBoundingClientRect().height + 16;
      window.scrollBy({ top: e.target.getBoundingClientRect().top - below, behavior: 'instant' });
    } else {
      e.target.scrollIntoView({ block: 'center', behavior: 'instant' });
    }
    this.#go(i);
  }

  #onKey(e) {
    const i = this.#steps.findIndex((s) => s.el === e.target);
    if (i < 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    const last = this.#steps.length - 1;
    const to = { ArrowDown: i + 1, ArrowRight: i + 1, ArrowUp: i - 1, ArrowLeft: i - 1, Home: 0, End: last }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    this.#steps[Math.max(0, Math.min(this.#steps.length - 1, to))].el.focus();
  }
}

function defineStory() {
  if (typeof customElements === 'undefined' || customElements.get(TAG)) return;
  customElements.define(TAG, AttentionStoryElement);
}

if (typeof window !== 'undefined') defineStory();
