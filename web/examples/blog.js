// Figures 2 and 3 of web/examples/blog.html (no inline scripts under the CSP).
const common = { n: 8, layout: 'random', seed: 11, controls: 'none', showValues: false };
window.blogPlots = {
  sharp: window.AttentionPlot.mount(document.getElementById('plot-sharp'),
    { ...common, query: [1.4, 0.6], scaleMode: 'custom', customScale: 3 }),
  blunt: window.AttentionPlot.mount(document.getElementById('plot-blunt'),
    { ...common, query: [0.35, 0.15] }),
};

// A sandboxed frame opened from file:// may not load any local file, so from disk the
// figure drops the sandbox (the frame is our own file); over http it stays sandboxed.
const frame3 = document.getElementById('frame-unnormalised');
if (location.protocol === 'file:') frame3.removeAttribute('sandbox');
frame3.src = frame3.dataset.src;

// The embed posts its height; size the iframe to it.
addEventListener('message', (e) => {
  const frame = document.getElementById('frame-unnormalised');
  if (e.source === frame.contentWindow && e.data?.type === 'attention-plot:height' && Number.isFinite(e.data.height)) {
    frame.style.height = `${e.data.height}px`;
    frame.dataset.sized = String(e.data.height);
  }
});
