// The playground's guided tour: a card beside the plot that walks through TOUR
// (tour-steps.js). The step is the `tour` field of the state, so every step has a link
// (#tour=3) and the back button of a shared link works; each step animates the plot to
// its state and ends with a "try this" for the reader's own hands. On a narrow screen the
// card is a sheet fixed under the sticky plot (style.css), so the plot, the step and Back /
// Next are on screen together; starting the tour there scrolls the plot to the top.
import { TOUR } from '../state/tour-steps.js';
import { PLAYGROUND } from '../state/schema.js';
import { contentDefaults } from './playground.js';

export class Tour {
  /**
   * @param {import('./playground.js').Playground} pg
   * @param {object} el  {card, count, title, text, tryThis, prev, next, leave, link, start}
   */
  constructor(pg, el) {
    this.pg = pg;
    this.el = el;
    this.shown = 0;
    this.last = 1;   // the step to resume at
    this.done = false;   // the last step was reached: the button offers the tour again
    try {
      const saved = localStorage.getItem('attention-plot:tour');
      this.done = saved === 'done';
      this.last = this.done ? 1 : Math.min(TOUR.length, Math.max(1, Number(saved) || 1));
    } catch { /* no storage */ }
    el.prev.addEventListener('click', () => this.go(this.shown - 1));
    el.next.addEventListener('click', () => this.go(this.shown + 1));
    el.leave.addEventListener('click', () => this.go(0));
    el.start.addEventListener('click', () => this.go(this.last));
    this.label();
  }

  /** Goes to step k (1-based; 0 leaves the tour). */
  go(k) {
    if (k > TOUR.length) k = 0;
    if (k === 0 && this.shown === TOUR.length) this.finish();
    this.pg.commit({ tour: Math.max(0, k) }, 'tour');
  }

  /** Per frame: show the step the state names; a new step animates to its state. */
  sync(state) {
    const k = state.tour;
    if (k === this.shown) return;
    this.shown = k;
    const { card } = this.el;
    const starting = card.hidden && k > 0;
    card.hidden = k === 0;
    if (k === 0) { this.label(); return; }
    this.last = k;
    this.done = false;
    this.label();
    try { localStorage.setItem('attention-plot:tour', String(k)); } catch { /* no storage */ }
    if (starting) this.showPlot();
    const step = TOUR[k - 1];
    const { count, title, text, tryThis, prev, next, link } = this.el;
    count.textContent = `${k} of ${TOUR.length}`;
    title.textContent = step.title;
    text.textContent = step.text;
    tryThis.textContent = step.tryThis;
    prev.disabled = k === 1;
    next.textContent = k === TOUR.length ? 'Finish' : 'Next';
    link.href = `#v=${PLAYGROUND.version}&tour=${k}`;
    // The step's state over the defaults, so a step looks the same however it was reached.
    this.pg.animateTo({ ...contentDefaults(), ...step.state }, { duration: 900 }).catch(() => {});
  }

  /** Leaving from the last step (Finish or Leave): the next start is step 1 again. */
  finish() {
    this.done = true;
    this.last = 1;
    try { localStorage.setItem('attention-plot:tour', 'done'); } catch { /* no storage */ }
  }

  /** Narrow screens (the card is a sheet under the sticky plot): bring the plot to the top. */
  showPlot() {
    if (typeof matchMedia !== 'function' || !matchMedia('(max-width: 820px)').matches) return;
    const wrap = this.pg.canvas.closest('.canvas-wrap') ?? this.pg.canvas;
    const dy = wrap.getBoundingClientRect().top;   // 0 once the sticky plot is at the top
    if (Math.abs(dy) > 1) scrollBy({ top: dy, behavior: 'instant' });
  }

  label() {
    const { start } = this.el;
    start.textContent = this.shown ? 'Tour: in progress'
      : this.done ? 'Take the tour again'
        : this.last > 1 ? `Resume the tour (step ${this.last})` : 'Take the tour';
    start.disabled = this.shown > 0;
  }
}
