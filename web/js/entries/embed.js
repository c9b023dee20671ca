// embed.html: the <attention-plot> element, fed from location.hash, in a frame that
// tells its parent how tall it is (the parent may live on another origin).
import './attention-plot.js';

document.getElementById('embed-fallback')?.remove();   // the script runs: no fallback
const plot = document.querySelector('attention-plot');
const handle = plot.plot;
handle.followUrl();
window.playground = handle;  // for tests, like the page's

function postHeight() {
  if (window.parent === window) return;
  // The body's own height: documentElement.scrollHeight never drops below the frame's height.
  const height = Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY);
  try {
    window.parent.postMessage({ type: 'attention-plot:height', height }, '*');
  } catch { /* no parent to tell */ }
}
new ResizeObserver(postHeight).observe(document.body);
postHeight();
handle.ready.then(() => { document.body.dataset.ready = handle.getWeights() ? '1' : 'error'; });
