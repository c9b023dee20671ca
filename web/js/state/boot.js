// How a chart page starts (explore.html, train.html, model.html): load the core (the page
// passes its loader, so this file needs no core), say so if it cannot, make the page, redraw
// when the layout width or the colour scheme changes, read the link, draw the first frame and
// mark the page ready (document.body.dataset.ready, which tests wait for).

/**
 * @template P
 * @param {object} o
 * @param {() => Promise<any>} o.loadCore        the page's core loader (core/wasm.js)
 * @param {HTMLElement} o.region                 the page's main element (aria-busy until ready)
 * @param {HTMLElement} o.status                 where the loading message and a failure go
 * @param {string} o.errorClass                  the failure's CSS class
 * @param {(core: any) => P & {store: import('./store.js').Store}} o.make  makes the page (and wires it)
 * @param {(page: P, core: any) => void} [o.expose]  puts the page's test/console API on window
 * @returns {Promise<P|null>}  the page, or null when the core could not load
 */
export async function bootPage({ loadCore, region, status, errorClass, make, expose = () => {} }) {
  let core;
  try {
    core = await loadCore();
  } catch (err) {
    status.textContent = err.message;
    status.classList.add(errorClass);
    status.setAttribute('role', 'alert');
    region.removeAttribute('aria-busy');
    return null;
  }
  const page = make(core);
  const { store } = page;
  // Canvases follow their CSS width: redraw when the layout width or the colour scheme changes.
  let width = 0;
  new ResizeObserver(([e]) => {
    if (Math.round(e.contentRect.width) !== width) { width = Math.round(e.contentRect.width); store.schedule(); }
  }).observe(region);
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => store.schedule());
  expose(page, core);
  store.loadHash(location.hash);
  status.hidden = true;
  region.removeAttribute('aria-busy');
  store.renderNow();
  document.body.dataset.ready = '1';
  return page;
}
