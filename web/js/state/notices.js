// The notice queue: every problem stays visible until dismissed, each with its own
// dismiss button. It is drawn as an overlay (CSS: .notices is absolutely positioned
// over the top of the plot), so a notice never moves the plot mid-drag. Text only:
// a bad value is never interpreted as HTML.

export class Notices {
  /** @param {HTMLElement} root  the overlay container (an empty element) */
  constructor(root) {
    this.root = root;
    this.bySource = new Map();   // source → [text]
    this.dismissed = new Set();  // `${source}\n${text}` the reader closed
    root.classList.add('notices');
    root.setAttribute('role', 'status');
    root.setAttribute('aria-live', 'polite');
    root.addEventListener('click', (e) => {
      const btn = /** @type {HTMLElement} */ (e.target).closest?.('button[data-notice]');
      if (!(btn instanceof HTMLElement)) return;
      this.dismissed.add(btn.dataset.notice);
      this.draw();
    });
  }

  /** Replaces the notices of one source (an empty list clears them). */
  set(source, texts) {
    const list = (texts ?? []).filter(Boolean);
    const old = this.bySource.get(source) ?? [];
    if (old.length === list.length && old.every((t, i) => t === list[i])) return;
    // A text that went away and comes back later is shown again.
    for (const t of old) if (!list.includes(t)) this.dismissed.delete(`${source}\n${t}`);
    if (list.length) this.bySource.set(source, list); else this.bySource.delete(source);
    this.draw();
  }

  clear(source) { this.set(source, []); }

  /** Every notice currently shown, in order. */
  get texts() {
    const out = [];
    for (const [source, list] of this.bySource) for (const t of list) if (!this.dismissed.has(`${source}\n${t}`)) out.push(t);
    return out;
  }

  draw() {
    const items = [];
    for (const [source, list] of this.bySource) {
      for (const text of list) {
        const key = `${source}\n${text}`;
        if (this.dismissed.has(key)) continue;
        const li = document.createElement('div');
        li.className = 'notice';
        li.dataset.source = source;
        const p = document.createElement('p');
        p.className = 'notice-text';
        p.textContent = text;
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'notice-dismiss';
        btn.dataset.notice = key;
        btn.setAttribute('aria-label', 'Dismiss this notice');
        li.append(p, btn);
        items.push(li);
      }
    }
    this.root.replaceChildren(...items);
    this.root.hidden = items.length === 0;
  }
}
