// Why divide by √d: with q and keys drawn with unit-variance entries in d dimensions,
// each logit q·k has variance d, so without the 1/√d scale the softmax saturates
// towards one-hot as d grows. These functions measure it.
#pragma once

#include <cstdint>
#include <vector>

#include "attn/softmax.hpp"
#include "attn/types.hpp"

namespace attn {

struct DimensionStats {
  Index d = 0;
  double scale = 1;     // 1 or 1/√d
  Vec<double> logits;   // (n)
  Vec<double> weights;  // (n)
  double logit_mean = 0;
  double logit_std = 0;  // ≈ √d unscaled, ≈ 1 scaled
  double max_weight = 0;
  double entropy = 0;         // nats
  double effective_keys = 0;  // exp(entropy)
  // ‖∂w/∂z‖_F = ‖diag(w) − w wᵀ‖_F, the softmax's Jacobian: how much of any gradient on the
  // weights reaches the logits (and through them W_Q and W_K). It vanishes as the weights
  // saturate to one-hot: the textbook reason for 1/√d.
  double gradient_norm = 0;
};

// One draw: q (d) and K (n, d) with N(0, 1) entries from the seed (q first, then K),
// logits = scale · K q with scale = 1/√d when scaled, else 1.
DimensionStats dimension_stats(Index d, Index n, std::uint64_t seed, bool scaled);

// The same for each d in ds, each with the same seed (so d = 2 is a prefix of nothing: every d
// draws afresh). Summaries only: logits/weights are left empty to keep sweeps light.
std::vector<DimensionStats> dimension_sweep(const std::vector<Index>& ds, Index n, std::uint64_t seed, bool scaled);

// Counts of values in `bins` equal bins over [lo, hi); values outside are clamped into the
// end bins so nothing is lost. Throws for bins < 1 or a non-finite / empty range.
std::vector<Index> histogram(VecCRef<double> values, Index bins, double lo, double hi);

}  // namespace attn
