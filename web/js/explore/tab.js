// The one contract every tab of explore.html keeps (tabs/*.js), and the pages to come
// ('Your model', 'Learn') will keep too. explore.js only dispatches: for the open tab, once
// per animation frame,
//
//   scene = tab.scene(state, core)              only when the state changed (a commit)
//   tab.refine?.(scene, core)                   false: more to compute, so one more frame
//   tab.form(state)                             the tab's controls, from the state
//   tab.text(scene, ui)                         readouts, tables, notes, data-* for tests
//   frame = tab.draw(scene, tab.canvases(), theme, ui, previousFrame)
//
// and once, at start, tab.wire(host) for the tab's own handlers. Each step has one source:
// the scene never touches the DOM, the form never reads a scene, the text and the drawing
// never read the form or the URL and never write into the scene or the state; handlers
// only commit (or change ui) and read the last frame's geometry, never the core.

import { EXPLORE } from '../state/explore-schema.js';

/** @typedef {import('../core/attention-core.js').AttentionCore} Core  what a scene asks */

/**
 * @typedef {object} Tab
 * @property {string} id      the `mode` value (explore-schema.js); the DOM's #tab-<id>, #panel-<id>
 * @property {string} title   what the tab is called (its button)
 * @property {Readonly<Record<string, string>>} fields
 *   readable name → EXPLORE field (the link's short spelling, e.g. {window: 'spw'}); the
 *   scene and the text read the state through these names (settingsOf)
 * @property {(state: object, core: Core) => Scene} scene
 *   the core's results as plain data (structuredClone keeps it): no DOM, no drawing
 * @property {(scene: Scene, core: object, ms?: number) => boolean} [refine]
 *   more work on a scene that fills in over frames (the √d sweep), for about `ms`; true when done
 * @property {(state: object) => void} form
 *   writes the tab's controls from the state (values, options, limits)
 * @property {(scene: Scene, ui: object) => void} text
 *   writes readouts, tables and notes from the scene (and the hovered cell in `ui`)
 * @property {() => object} canvases  the tab's canvases by name (looked up each frame)
 * @property {(scene: Scene, canvases: object, theme: object, ui: object, previous: object|null) => object} draw
 *   draws the scene; returns the frame the next hit test needs (views, cell sizes)
 * @property {(host: Host) => void} wire   adds the tab's handlers (once)
 *
 * What must outlive a frame stays in the tab's own properties, never in module variables:
 * `tabled` (the scene its tables were last built for: a hover keeps them), dim's `job` (the
 * sweep, kept while n and the seed stay). The stepper's position is a field (`step`, `pstep`).
 */

/**
 * @typedef {object} Scene
 * @property {object} config  what the core was asked (window.explore.lastResult.config)
 * @property {object} result  what it answered (window.explore.lastResult.result)
 */

/**
 * What explore.js gives a tab's handlers.
 * @typedef {object} Host
 * @property {() => object} state     the store's state now
 * @property {() => object} ui        hover, drag and selection (never in the URL)
 * @property {(patch: object, source?: string) => void} commit   validated by the store ('form' by default)
 * @property {(patch: object) => void} setUi
 * @property {() => void} schedule    one more frame without a commit
 * @property {() => object|null} frame   what this tab's last draw returned
 * @property {(state: object) => number[][]} tokens   the state's m tokens (the layout's where none were moved)
 */

const MEMBERS = ['scene', 'form', 'text', 'canvases', 'draw', 'wire'];

/** Checks a tab against the contract (once, at load); throws a sentence naming what is wrong. */
export function defineTab(tab) {
  const where = `explore tab ${JSON.stringify(tab?.id)}`;
  if (!EXPLORE.fields.mode.values.includes(tab?.id)) throw new Error(`${where}: the id is not one of the modes ${EXPLORE.fields.mode.values.join(', ')}.`);
  if (typeof tab.title !== 'string' || tab.title === '') throw new Error(`${where}: needs a title.`);
  for (const name of MEMBERS) if (typeof tab[name] !== 'function') throw new Error(`${where}: ${name} must be a function.`);
  if (tab.refine !== undefined && typeof tab.refine !== 'function') throw new Error(`${where}: refine, when given, must be a function.`);
  if (tab.fields === null || typeof tab.fields !== 'object') throw new Error(`${where}: fields must map readable names to explore-schema.js fields.`);
  for (const [name, field] of Object.entries(tab.fields)) {
    if (!Object.hasOwn(EXPLORE.fields, field)) throw new Error(`${where}: field ${name} names ${JSON.stringify(field)}, which explore-schema.js does not have.`);
  }
  return tab;
}

/** The tab's settings under their readable names: {window: state.spw, …}. */
export function settingsOf(fields, state) {
  const out = {};
  for (const [name, field] of Object.entries(fields)) out[name] = state[field];
  return out;
}
