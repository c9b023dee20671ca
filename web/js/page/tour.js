// The playground's guided tour: a card beside the plot that walks through TOUR
// (tour-steps.js). The step is the `tour` field of the state, so every step has a link
// (#tour=3) and the back button of a shared link works; each step animates the plot to
// its state and ends with a "try this" for the reader's own hands.
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
    try { this.last = Math.min(TOUR.length, Math.max(1, Number(localStorage.getItem('attention-plot:tour')) || 1)); } catch { /* no storage */ }
    el.prev.addEventListener('click', () => this.go(this.shown - 1));
    el.next.addEventListener('click', () => this.go(this.shown + 1));
    el.leave.addEventListener('click', () => this.go(0));
    el.start.addEventListener('click', () => this.go(this.last));
    this.label();
  }

  /** Goes to step k (1-based; 0 leaves the tour). */
  go(k) {
    if (k > TOUR.length) k = 0;
    this.pg.commit({ tour: Math.max(0, k) }, 'tour');
  }

  /** Per frame: show the step the state names; a new step animates to its state. */
  sync(state) {
    const k = state.tour;
    if (k === this.shown) return;
    this.shown = k;
    const { card } = this.el;
    card.hidden = k === 0;
    this.label();
    if (k === 0) return;
    this.last = k;
    try { localStorage.setItem('attention-plot:tour', String(k)); } catch { /* no storage */ }
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

  label() {
    this.el.start.textContent = this.shown ? 'Tour: in progress' : this.last > 1 ? `Resume the tour (step ${this.last})` : 'Take the tour';
    this.el.start.disabled = this.shown > 0;
  }
}
