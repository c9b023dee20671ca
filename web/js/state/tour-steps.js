// The guided tour, as data: the seed's explanation told in steps. Each step is a state
// (a patch over the playground's defaults, so a step's link works on its own), a text,
// and a "try this" the reader does by hand. The page's tour (tour.js) and stories
// (<attention-story>) read the same list.

const polar = (r, deg) => [
  +(r * Math.cos(deg * Math.PI / 180)).toFixed(4),
  +(r * Math.sin(deg * Math.PI / 180)).toFixed(4),
];

export const TOUR = Object.freeze([
  {
    title: 'Keys on the circle',
    text: 'Each green dot is a key: one per earlier token. Keys are normalised, so they sit on the unit circle and only their direction matters. Together with their values (purple diamonds) they form a small vector database.',
    tryThis: 'Drag a green key around the circle and watch its weight change.',
    state: { n: 8, layout: 'even', query: polar(1.5, 50) },
  },
  {
    title: 'The query’s direction',
    text: 'The black dot is the query. Its direction is the point being asked about: keys close to that direction get large weights, keys on the far side small ones.',
    tryThis: 'Drag the query around the circle: the largest weight (★ in the list) follows it.',
    state: { n: 8, layout: 'even', query: polar(1.5, 90) },
  },
  {
    title: 'Its length is sharpness',
    text: 'The query’s length, times the scale, is κ: how sharp the look is. Logits are κ·cos(angle to the key), so a longer query turns small angle differences into large weight differences. Beyond |q| = 1.5 (the tick marked “log”) the radius is drawn on a log scale, so equal drags multiply κ by equal steps; the ticks on the query’s line give κ.',
    tryThis: 'Drag the query outward to the edge of the plot: κ passes 100 and one key takes almost all the weight.',
    state: { n: 8, layout: 'even', query: polar(8, 90) },
  },
  {
    title: 'The radius of the query',
    text: 'The comment says it this way: “the vector magnitude describes the radius of the query”. The shaded arc on the circle is that radius: the part of the circle the query gathers from, where a unit key gets at least half the largest weight. Beside it are its width in degrees and σ ≈ 1/√κ, the width of the Gaussian the weights approach as κ grows (the dashed curve on the strip): the comment’s “smooth Gaussian falloff”.',
    tryThis: 'Drag the query outward: the arc narrows and σ shrinks with it. Drag it in towards the centre and the arc opens to the whole circle.',
    state: { n: 12, layout: 'even', showGaussian: true, query: polar(1.5, 70) },
  },
  {
    title: 'Short means blunt',
    text: 'Each blue dot sits outside its key by the weight that key gets (weight × 1 unit). A short query gives every key nearly the same weight, 1/n: the blue dots form an even ring.',
    tryThis: 'Shrink the query towards the centre until every blue dot is the same distance out.',
    state: { n: 8, layout: 'even', query: polar(0.3, 90) },
  },
  {
    title: 'The same weights on a line',
    text: 'The orange dots lay the weights out along a line, at each key’s angle. The curve is the weight a unit key would get at each angle, so every unit key’s dot lies on it, however the keys are spread.',
    tryThis: 'Switch the layout to “random” or “clusters”: the dots move but stay on the curve.',
    state: { n: 12, layout: 'random', seed: 3, query: polar(2.5, 20) },
  },
  {
    title: 'Values and the output',
    text: 'The output is the weighted average of the values, Σ wᵢvᵢ (the orange target). It always lies inside the values’ convex hull (dashed): a soft lookup. A sharp query moves it onto one value; a blunt one pulls it to the centre.',
    tryThis: 'Lengthen and shorten the query and follow the output between the hull’s corners.',
    state: { n: 8, layout: 'even', showValues: true, query: polar(3, 130) },
  },
  {
    title: 'Raw keys: length counts too',
    text: 'With normalisation off, a key’s length scales its logit: a long key can win against a key that points closer to the query. Its orange dot then sits above the unit-key curve.',
    tryThis: 'Drag one key far out from the circle and watch it pull the weight.',
    state: { n: 8, layout: 'even', normalizeKeys: false, randomLengths: true, seed: 4, query: polar(2, 60) },
  },
  {
    title: 'A negative scale looks away',
    text: 'A negative scale flips every logit: the query now prefers the keys on the far side (the dashed line shows where it looks).',
    tryThis: 'Move the scale slider under the plot from negative to positive and watch the weight jump across.',
    state: { n: 12, layout: 'even', scaleMode: 'custom', customScale: -2, query: polar(1.5, 30) },
  },
  {
    title: 'Sparsemax: exact zeros',
    text: 'Softmax never gives a key exactly 0. Sparsemax (α = 2; α-entmax in between) is the projection of the scores onto the simplex: keys far enough from the query get exactly 0 — the hollow dots on the line, where the curve touches 0 — and the rest share the weight. The grey rings are what softmax would give the same keys.',
    tryThis: 'Move the normaliser α from 2 back to 1 and watch the hollow dots fill in.',
    state: { n: 12, layout: 'even', alpha: 2, compare: true, query: polar(2, 20) },
  },
  {
    title: 'An attention sink',
    text: 'A sink is an extra slot with a fixed logit and no value (logit 0 is “softmax + 1”). When no key matches the query well, the sink absorbs the weight instead of the keys: streaming LLMs keep such a slot.',
    tryThis: 'Shorten the query, then lengthen it: the sink’s bar at the end of the line falls as the keys win.',
    state: { n: 8, layout: 'even', sinkOn: true, sink: 1, query: polar(0.5, 50) },
  },
  {
    title: 'Linear attention cannot sharpen',
    text: 'Linear attention replaces exp(q·k) with a product of feature maps, φ(q)·φ(k), so its cost grows linearly with the context. With elu+1 features the weights stay close to even however long the query grows: the grey rings (softmax) go one-hot, the orange dots hardly move. Favor+ uses r random features whose product estimates exp(q·k) without bias: at small κ and many features it comes close to softmax, but its variance grows fast with κ, so sharp attention is out of its reach too.',
    tryThis: 'Drag the query outward and watch the grey rings and the orange dots part. Then pick favor+ in the kernel menu under the plot, shorten the query to κ ≈ 1 and raise the random features r: the dots close in on the grey rings. Lengthen the query again and the estimate falls apart.',
    state: { n: 8, layout: 'even', kernel: 'elu+1', compare: true, query: polar(4, 50) },
  },
  {
    title: 'RoPE: position turns the keys',
    text: 'Here all eight keys point the same way, to the right (their rings sit under key 0, which stays put), so without positions they would share the weight evenly. Rotary position embedding turns key i by i·θ and the query by its own position times θ before the dot product: the arcs show each key’s turn, the ○ on the circle the turned query. Turning both by the same amount changes no dot product, so what counts is how far apart query and key are.',
    tryThis: 'Move the query position slider: the largest weight follows the key at the same position. Then turn the query back a little: it now picks a key a fixed distance behind it, at every position.',
    state: {
      keys: Array.from({ length: 8 }, () => [1, 0]), rope: true, ropeTheta: 0.6, queryPosition: 5, query: polar(3, 0),
    },
  },
  {
    title: 'Long context',
    text: 'With 4,096 keys the circle becomes a density ring and the blue ring shows the weight per angle. Many keys near the query share the weight; only a long query singles out a few.',
    tryThis: 'Drag the query outward and watch the blue ring narrow to a spike.',
    state: { longContext: 4096, layout: 'random', seed: 7, query: polar(3, 60) },
  },
]);
