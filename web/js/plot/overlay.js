// Overlays: what a page adds to the one-query plot beyond what every surface draws. An overlay
// computes its data in the scene (from the state and the core, like every scene group) and
// draws it after the query; the page passes its overlays to the Playground. The element
// passes none, so their code stays out of its bundle (plot/gradient.js: the page's gradient).

/**
 * @typedef {object} OverlayInput  what an overlay's scene function gets
 * @property {any} core           the core the scene uses
 * @property {Record<string, any>} state
 * @property {any} keys           the scene's keys (keysFlat / residentKeys, n, keyPos, …)
 * @property {number} scale       the scale the core uses
 * @property {Record<string, any>} beyond  the options beyond softmax (scene.js beyondOptions)
 * @property {(what: string, e: any) => void} fail  reports a core error as the scene's problem
 */

/**
 * @typedef {object} Overlay
 * @property {string} name                                   its key in scene.extras
 * @property {(input: OverlayInput) => any} scene            its data for one frame (null: nothing)
 * @property {(pen: import('./renderer.js').Pen, data: any, scene: import('./scene.js').Scene) => void} draw
 *   draws it (data may be null)
 */

export {};
