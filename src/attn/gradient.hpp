// How moving the query changes one key's weight: the learning signal a query gets when a
// loss wants target key t to win (the first thing backpropagation computes in attention).
//   z_j = s · q·k_j                  (k_j unit length when normalize_keys)
//   J = ∂w/∂z                        softmax: diag(w) − w wᵀ;  α-entmax: diag(u) − u uᵀ / Σu,
//                                    u_j = w_j^(2−α) on the support (w_j > 0), 0 off it
//   ∂w_t/∂q = s · Σ_j J_tj k_j
//   ∂log w_t/∂q = ∂w_t/∂q / w_t      softmax: s · (k_t − Σ_j w_j k_j), an arrow from the
//                                    weights' mean key to the target
// As the weights saturate on t the arrow shrinks to 0 (nothing left to learn); saturated on
// another key, w_t and ∂w_t/∂q vanish while ∂log w_t/∂q does not (the log rescues the signal).
// With a sink, the sink is one more entry of w (its logit does not depend on q).
#pragma once

#include "attn/attend.hpp"
#include "attn/types.hpp"

namespace attn {

template <typename T>
struct QueryGradient {
  T weight = 0;          // w_t
  Vec<T> mean_key;       // Σ_j w_j k_j (d)
  Vec<T> of_weight;      // ∂w_t/∂q (d)
  Vec<T> of_log_weight;  // ∂log w_t/∂q (d); 0 where w_t = 0 (outside entmax's support)
};

// ∂w/∂z of one row of weights (n, or n + 1 with a sink's share last), (n, n) symmetric.
template <typename T>
Mat<T> weights_jacobian(VecCRef<T> weights, double alpha);

// Throws attn::invalid_argument naming "target" (0 <= target < n), "kernel" (softmax only) or
// "rope" (not with RoPE), and whatever attend() names for the query, keys and options.
template <typename T>
QueryGradient<T> query_gradient(VecCRef<T> query, MatCRef<T> keys, Index target, const AttendOptions& opt = {});

}  // namespace attn
