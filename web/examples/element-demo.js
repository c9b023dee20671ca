// The mount() half of web/examples/element.html (no inline scripts under the CSP).
const handle = window.AttentionPlot.mount(document.getElementById('c'), {
  n: 10, layout: 'random', seed: 7, query: [1.2, -0.3], controls: 'none',
});
window.demoHandle = handle;
handle.on('change', ({ weights }) => {
  document.getElementById('c-log').textContent =
    `mounted plot: max weight ${Math.max(...weights).toFixed(3)}`;
});
