#include "attn/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

#include "attn/errors.hpp"

namespace attn {

template <typename T>
SoftmaxStats<T> softmax_into(VecCRef<T> logits, VecRef<T> weights) {
  const Index n = logits.size();  // logits: (n)
  if (n == 0) throw invalid_argument("logits", "got 0 entries; expected at least 1");
  if (weights.size() != n)
    throw invalid_argument("weights", detail::cat("has ", weights.size(), " entries; expected ", n));

  // 1) max. Subtracting it only keeps exp() in range; the result is unchanged.
  SoftmaxStats<T> s;
  s.max_logit = logits(0);
  for (Index i = 0; i < n; ++i) {
    if (!std::isfinite(logits(i)))
      throw invalid_argument("logits", detail::cat("entry ", i, " is ", logits(i), "; expected a finite number"));
    if (logits(i) > s.max_logit) {
      s.max_logit = logits(i);
      s.argmax = i;
    }
  }
  // 2) exp and sum. Shifted logits are <= 0, so each term is in [0, 1] and the max
  //    contributes exactly 1: sum >= 1, never 0, never Inf. The shift itself can
  //    overflow to -Inf (logits spread past the type's range); exp(-Inf) = 0 is right.
  //    float sums in double: a float running sum over millions of keys drifts (2^24
  //    keys: Σw = 1.0039); the double sum keeps Σw = 1 to float rounding at any n.
  using Acc = std::conditional_t<std::is_same<T, float>::value, double, T>;
  Acc acc = 0;
  for (Index i = 0; i < n; ++i) {
    weights(i) = std::exp(logits(i) - s.max_logit);
    acc += weights(i);
  }
  const T sum = static_cast<T>(acc);
  // 3) normalise.
  weights /= sum;
  // 4) entropy H = -Σ w log w = log(sum) - Σ w (l - max), over keys with w > 0
  //    (w = 0 contributes 0; skipping it also avoids 0 · (-Inf)).
  Acc dot_acc = 0;
  for (Index i = 0; i < n; ++i)
    if (weights(i) > 0) dot_acc += weights(i) * (logits(i) - s.max_logit);
  const T dot = static_cast<T>(dot_acc);
  const T log_sum = std::log(sum);
  s.log_sum_exp = s.max_logit + log_sum;
  s.entropy = std::clamp<T>(log_sum - dot, T(0), std::log(static_cast<T>(n)));
  s.effective_keys = std::exp(s.entropy);
  return s;
}

template <typename T>
Vec<T> softmax(VecCRef<T> logits, SoftmaxStats<T>* stats) {
  Vec<T> w(logits.size());
  const SoftmaxStats<T> s = softmax_into<T>(logits, w);
  if (stats) *stats = s;
  return w;
}

template <typename T>
std::vector<Index> top_k(VecCRef<T> weights, Index k) {
  const Index n = weights.size();
  if (k < 1 || k > n) throw invalid_argument("k", detail::cat("is ", k, "; expected 1 <= k <= n = ", n));
  std::vector<Index> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), Index(0));
  // Larger weight first; equal weights keep index order (stable and deterministic).
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [&](Index a, Index b) { return weights(a) > weights(b) || (weights(a) == weights(b) && a < b); });
  idx.resize(static_cast<size_t>(k));
  return idx;
}

#define ATTN_INSTANTIATE(T)                                        \
  template SoftmaxStats<T> softmax_into<T>(VecCRef<T>, VecRef<T>); \
  template Vec<T> softmax<T>(VecCRef<T>, SoftmaxStats<T>*);        \
  template std::vector<Index> top_k<T>(VecCRef<T>, Index);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
