// Normalisers beyond plain softmax, over one row of logits z (n):
//   α-entmax (Peters, Niculae & Martins 2019): p_i = [(α−1)·z_i − τ]₊^(1/(α−1)), τ such that Σp = 1.
//   α = 1 is softmax, α = 2 is sparsemax; keys below the threshold get exactly 0.
//   An optional sink logit s adds one slot that takes part in the normalisation but has
//   no value (s = 0 with α = 1 is "softmax + 1"); the n weights then sum to 1 − sink weight.
#pragma once

#include <optional>

#include "attn/softmax.hpp"
#include "attn/types.hpp"

namespace attn {

// Throws attn::invalid_argument unless 1 <= alpha <= 2 (NaN included).
void validate_alpha(double alpha);
// Throws attn::invalid_argument unless the sink (when present) is finite.
void validate_sink(const std::optional<double>& sink);

// weights (n) = α-entmax over (logits, sink). Statistics:
//   max_logit, argmax  over the n logits / weights;
//   entropy            Shannon entropy of the whole distribution (the sink is one slot);
//   effective_keys     exp(entropy);
//   log_sum_exp        α = 1: log(Σ exp z_i + exp s), so w_i = exp(z_i − log_sum_exp);
//                      α > 1: NaN (entmax has no log-partition; the CLI prints null);
//   sink_weight        the sink's share (0 without a sink).
// α = 1 without a sink is exactly softmax_into. α = 2 is solved exactly by sorting; in
// between τ is found by bisection to double precision (floats are solved in double).
// Never NaN for finite logits. Throws for an empty row, a non-finite logit, a bad α or sink.
template <typename T>
SoftmaxStats<T> entmax_into(VecCRef<T> logits, double alpha, const std::optional<double>& sink, VecRef<T> weights);

// Allocating forms.
template <typename T>
Vec<T> entmax(VecCRef<T> logits, double alpha, SoftmaxStats<T>* stats = nullptr);
template <typename T>
Vec<T> sparsemax(VecCRef<T> logits);

}  // namespace attn
