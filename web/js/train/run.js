// One training run on the page: a core Trainer (core/trainer.js) and the history the charts
// draw. advance(budgetMs) trains in slices (a few steps per call, sized so one call stays within
// the budget) so a frame never stalls; every number comes from the core. The history keeps one
// point per EVERY steps: the mean batch loss and accuracy since the last point, the held-out
// loss and accuracy, and each tensor's gradient norm at that step.

/** A point every this many steps (and at step 0). */
export const EVERY = 25;
// Steps are timed as they run; the first slice is a guess.
const FIRST_SLICE = 4;

export class Run {
  /**
   * @param {import('../core/attention-core.js').AttentionCore} core
   * @param {import('../core/trainer.js').TrainSettings} settings
   */
  constructor(core, settings) {
    this.core = core;
    this.trainer = core.trainer(settings);  // throws the core's message for a setting it refuses
    this.info = this.trainer.info();
    this.names = this.trainer.names;
    /** @type {Array<{step: number, loss: number, accuracy: number, heldLoss: number, heldAccuracy: number,
     *   norms: number[]}>} */
    this.points = [];
    this.step = 0;
    this.msPerStep = 0;
    this.sumLoss = 0;
    this.sumAccuracy = 0;
    this.count = 0;
    this.error = '';
    this.version = 0;  // bumps whenever the parameters change (scene memo key)
    this.record();
  }

  // A history point: the batches since the last one, the held-out set, the gradient norms now.
  record() {
    const held = this.trainer.evaluate();
    const norms = this.step === 0 ? this.names.map(() => NaN) : this.trainer.gradientNorms().map((g) => g.norm);
    this.points.push({
      step: this.step,
      loss: this.count ? this.sumLoss / this.count : held.loss,
      accuracy: this.count ? this.sumAccuracy / this.count : held.accuracy,
      heldLoss: held.loss, heldAccuracy: held.accuracy, norms,
    });
    this.sumLoss = this.sumAccuracy = this.count = 0;
  }

  /** Trains up to `limit` more steps within about `budgetMs`; returns the steps made. */
  advance(budgetMs, limit = Infinity) {
    if (this.error) return 0;
    const started = performance.now();
    let made = 0;
    while (made < limit) {
      const left = budgetMs - (performance.now() - started);
      const guess = this.msPerStep > 0 ? Math.floor(left / this.msPerStep) : FIRST_SLICE;
      const toPoint = EVERY - (this.step % EVERY);
      const n = Math.min(guess, toPoint, limit - made);
      if (n < 1) break;
      const t0 = performance.now();
      let curve;
      try {
        curve = this.trainer.step(n);
      } catch (e) {
        this.error = e.message;
        curve = { loss: e.loss ?? [], accuracy: e.accuracy ?? [] };
      }
      const done = curve.loss.length;
      const ms = (performance.now() - t0) / Math.max(1, done);
      this.msPerStep = this.msPerStep ? 0.7 * this.msPerStep + 0.3 * ms : ms;
      for (let i = 0; i < done; i++) { this.sumLoss += curve.loss[i]; this.sumAccuracy += curve.accuracy[i]; }
      this.count += done;
      this.step += done;
      made += done;
      if (done) this.version++;
      if (this.error) break;
      if (this.step % EVERY === 0) this.record();
    }
    return made;
  }

  /** Steps per second as measured (0 before the first slice). */
  get stepsPerSecond() { return this.msPerStep > 0 ? 1000 / this.msPerStep : 0; }

  free() { this.trainer.free(); }
}
