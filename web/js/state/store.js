// The one store of a view: commit(patch, source) → validate against the schema →
// notices → URL write (throttled) → one render per animation frame, however many
// commits came in that frame. Handlers only commit; nothing else writes state.
//
// `ui` holds what is not a setting (hover, selection, drag): it never reaches the URL.
import { applyPatch, defaults, parseHash, serialize } from './codec.js';

// Chromium ignores (and warns about) more than ~200 history updates per 10 s, so URL
// writes are spaced at least this far apart; the last state always lands.
const URL_MIN_INTERVAL_MS = 120;

export class Store {
  /**
   * @param {object} schema  a table from schema.js
   * @param {object} options
   *   render(state, ui)    draws; called at most once per animation frame
   *   notices              a Notices (notices.js) or null
   *   url                  true: read location.hash now and on hashchange, write it back
   *   onCommit(state, source, changed)  after every accepted commit (events, announcements)
   *   upgrade(hash)        rewrites an old link's spelling before it is read
   */
  constructor(schema, { render, notices = null, url = false, onCommit = null, upgrade = (h) => h } = {}) {
    this.schema = schema;
    this.upgrade = upgrade;
    this.state = defaults(schema);
    this.ui = {};
    this.uiVersion = 0;       // bumps on every ui change (scene memo key)
    this.renderFn = render;
    this.notices = notices;
    this.onCommit = onCommit;
    this.frame = 0;
    this.frames = 0;          // renders so far (tests read it)
    this.url = false;
    this.urlTimer = 0;
    this.lastUrlWrite = -Infinity;
    this.destroyed = false;
    if (url) this.bindUrl();
  }

  /** From now on the state follows location.hash (hashchange) and is written back to it. */
  bindUrl() {
    if (this.url) return;
    this.url = true;
    this.onHashChange = () => {
      if (location.hash !== this.writtenHash) this.loadHash(location.hash);
    };
    window.addEventListener('hashchange', this.onHashChange);
  }

  /**
   * Validates and applies a patch. Returns the notices. With strict, a bad field throws
   * (and nothing changes). Notices are shown under `source` (a new commit from the same
   * source replaces them; other sources' notices stay until dismissed).
   */
  commit(patch, source = 'api', { strict = false, notify = true } = {}) {
    const { state, notices } = applyPatch(this.schema, this.state, patch, { strict });
    const changed = Object.keys(patch ?? {}).filter((k) => Object.hasOwn(this.schema.fields, k));
    this.state = state;
    if (this.notices && notify) this.notices.set(source, notices);
    this.onCommit?.(this.state, source, changed);
    this.schedule();
    if (this.url) this.scheduleUrl();
    return notices;
  }

  /**
   * Replaces the whole state from a hash (load, hashchange); its notices go under 'link'.
   * A link that was read is written back in today's form (only what differs from the defaults).
   */
  loadHash(hash) {
    const { state, notices } = parseHash(this.schema, this.upgrade(hash));
    this.state = state;
    this.notices?.set('link', notices.length ? notices.map((n) => `The link's settings: ${n}`) : []);
    this.onCommit?.(this.state, 'link', Object.keys(this.schema.fields));
    this.schedule();
    if (this.url && typeof hash === 'string' && hash.replace(/^#/, '') !== '') this.scheduleUrl();
    return notices;
  }

  /** Changes ui-only state (hover, selection): a render, no URL write, no validation. */
  setUi(patch) {
    let dirty = false;
    for (const [k, v] of Object.entries(patch)) if (this.ui[k] !== v) { this.ui[k] = v; dirty = true; }
    if (dirty) { this.uiVersion++; this.schedule(); }
  }

  /** Asks for one render on the next animation frame. */
  schedule() {
    if (this.frame || this.destroyed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderNow();
    });
  }

  /** Renders at once (a pending frame is dropped). */
  renderNow() {
    if (this.frame) { cancelAnimationFrame(this.frame); this.frame = 0; }
    if (this.destroyed) return;
    this.frames++;
    this.renderFn(this.state, this.ui);
  }

  /** The state as a link hash ("v=1&…"). */
  hash() {
    return serialize(this.schema, this.state);
  }

  scheduleUrl() {
    if (this.urlTimer) return;
    const wait = Math.max(16, this.lastUrlWrite + URL_MIN_INTERVAL_MS - performance.now());
    this.urlTimer = setTimeout(() => {
      this.urlTimer = 0;
      this.writeUrl();
    }, wait);
  }

  writeUrl() {
    if (this.destroyed) return;
    // All defaults: a clean URL (no hash at all).
    const clean = this.hash() === `v=${this.schema.version}`;
    const hash = clean ? '' : `#${this.hash()}`;
    if (location.hash === hash) return;
    this.lastUrlWrite = performance.now();
    this.writtenHash = hash;
    try {
      history.replaceState(history.state, '', clean ? location.pathname + location.search : hash);
    } catch { /* some sandboxed contexts refuse; the link button still works */ }
  }

  destroy() {
    this.destroyed = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.urlTimer) clearTimeout(this.urlTimer);
    if (this.onHashChange) window.removeEventListener('hashchange', this.onHashChange);
  }
}
