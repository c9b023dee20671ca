// playground.html: the page and explore in one self-contained file (scripts/bundle.mjs
// inlines this bundle, the CSS and both pages' markup). `?explore` in the address picks
// explore, anything else the page; each view keeps its own #hash as on the site. Only the
// chosen view's module runs (esbuild turns these imports into lazily run closures within
// the one script), and both share one inlined WASM.
const view = new URLSearchParams(location.search).has('explore') ? 'explore' : 'page';
const template = /** @type {HTMLTemplateElement} */ (document.getElementById(`view-${view}`));
document.title = template.dataset.title;
document.body.replaceChildren(template.content.cloneNode(true));
if (view === 'explore') import('../explore/explore.js');
else import('./app.js');
