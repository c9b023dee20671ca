// Softmax over one row of logits, and the statistics the playground shows.
#pragma once

#include <limits>

#include <vector>

#include "attn/types.hpp"

namespace attn {

template <typename T>
struct SoftmaxStats {
  T max_logit = 0;       // the largest logit (subtracted before exp for stability only)
  T log_sum_exp = 0;     // log Σ exp(logit_i)
  T entropy = 0;         // H = -Σ w_i log w_i, in nats, within [0, log n]
  T effective_keys = 1;  // exp(H): 1 for one-hot, n for uniform
  Index argmax = 0;      // first index with the largest weight
  T sink_weight = 0;     // the share of an attention sink (attn/entmax.hpp); 0 without one
  // α-entmax (α > 1) only: τ with weight_i = [(α−1)·logit_i − τ]₊^(1/(α−1)) (to rounding; the
  // sink's logit counts as a logit). NaN for softmax, whose constant is log_sum_exp.
  double threshold = std::numeric_limits<double>::quiet_NaN();
};

// weights = softmax(logits); weights must already have logits.size() entries.
// Passes: 1) max, 2) exp(l - max) and sum, 3) normalise, 4) entropy.
// Never produces NaN/Inf for finite logits; ties share weight exactly evenly.
// Throws attn::invalid_argument for an empty row or a non-finite logit.
template <typename T>
SoftmaxStats<T> softmax_into(VecCRef<T> logits, VecRef<T> weights);

// Allocating convenience form.
template <typename T>
Vec<T> softmax(VecCRef<T> logits, SoftmaxStats<T>* stats = nullptr);

// Indices of the k largest weights, largest first; equal weights keep index order.
// Throws unless 1 <= k <= weights.size().
template <typename T>
std::vector<Index> top_k(VecCRef<T> weights, Index k);

}  // namespace attn
