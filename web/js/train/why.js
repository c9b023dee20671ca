// The sentence under the buttons: what to watch for the settings in view, and why (the seeds'
// questions: why separate W_Q and W_K, why projections, why 1/√d). Text only; the numbers it
// quotes come from the scene.

/** @param {Record<string, any>} state @param {{last: {heldAccuracy: number}, step: number}} scene */
export function explain(state, scene) {
  const acc = `${(scene.last.heldAccuracy * 100).toFixed(0)}%`;
  if (state.task === 'cycle' && state.tie) {
    return `Tied W_K = W_Q: the score of positions i and j is c·u_i·u_j, so i can prefer another position over itself only ` +
      `if that position's |u| is larger. The targets go round a cycle, where that cannot hold all the way round: tied ` +
      `training stalls well below 100% (now ${acc}; the bars show |u| by position). Untie to compare.`;
  }
  if (state.task === 'cycle' && state.init === 'unit' && state.dModel >= 32) {
    return state.scale === 'one'
      ? `c = 1 at d = ${state.dModel} with unit-variance q and k: scores have spread ≈ √d, so each row starts near one-hot ` +
        `and commits early to keys it happens to favour. Compare the 1/√d run (now ${acc}).`
      : `c = 1/√d keeps the scores' spread near 1 at any d, so attention starts soft and every key gets a gradient (now ${acc}).`;
  }
  if (state.task === 'cycle') {
    return `Untied: q_i = W_Q h_i and k_j = W_K h_j are different vectors, so the score is not symmetric and each ` +
      `position can look at its successor wherever it stands (now ${acc}). Tick "tie" to see what the symmetry costs.`;
  }
  if (state.task === 'lookup') {
    return state.projections === 'none'
      ? `No projections: the raw embeddings must serve as queries, keys and values at once; learning is slower ` +
        `(now ${acc} at step ${scene.step}). Compare learned projections.`
      : `Learned projections let the query "key k?" and the pair "key k → v" meet in their own space: ` +
        `the head looks up the pair (outlined cell) and copies its value (now ${acc}).`;
  }
  if (state.task === 'induction') {
    return `Induction needs two layers: one head copies each token's predecessor into its position, the next matches ` +
      `A and reads off what followed it (now ${acc}). Set layers to 1 to see it fail.`;
  }
  return `Each position learns to look at the one before it (the outlined diagonal): now ${acc}. Tied heads learn this ` +
    `too, because along a chain the norms |u| can grow position by position.`;
}
