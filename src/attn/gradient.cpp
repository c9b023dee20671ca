#include "attn/gradient.hpp"

#include <cmath>

#include "attn/errors.hpp"
#include "attn/train.hpp"  // entmax_backward

namespace attn {

template <typename T>
Mat<T> weights_jacobian(VecCRef<T> weights, double alpha) {
  // Column j of J is J e_j, and entmax_backward applies J to an upstream gradient.
  const Index n = weights.size();
  Mat<T> J(n, n);
  Vec<T> e = Vec<T>::Zero(n), col(n);
  for (Index j = 0; j < n; ++j) {
    e(j) = 1;
    entmax_backward<T>(weights, e, alpha, col);
    J.col(j) = col;
    e(j) = 0;
  }
  return J;
}

template <typename T>
QueryGradient<T> query_gradient(VecCRef<T> query, MatCRef<T> keys, Index target, const AttendOptions& opt) {
  if (opt.kernel != Kernel::softmax)
    throw invalid_argument("kernel", "the query's gradient is computed for softmax and α-entmax; use kernel softmax");
  if (opt.rope) throw invalid_argument("rope", "the query's gradient is computed without RoPE; turn RoPE off");
  const AttendResult<T> r = attend<T>(query, keys, opt);
  const Index n = keys.rows();
  if (target < 0 || target >= n)
    throw invalid_argument("target", detail::cat("is ", target, "; expected a key index 0 <= target < n = ", n));
  const Index d = keys.cols();
  // u_j = w_j^(2−α) on the support (u = w for softmax), the sink's share included in Σu; row t
  // of J is u_t (e_t − u / Σu), so ∂w_t/∂q = s·u_t·(k_t − ū) with ū = Σ_keys u_j k_j / Σu, and
  // ∂log w_t/∂q = s·w_t^(1−α)·(k_t − ū): written out, so a tiny w_t loses no precision. Plain
  // loops: the plot's lean WASM module carries this, and Eigen's product kernels cost 8 KB there.
  const auto share = [&](T w) -> T {
    if (!(w > 0)) return 0;
    return opt.alpha == 1 ? w : static_cast<T>(std::pow(static_cast<double>(w), 2 - opt.alpha));
  };
  QueryGradient<T> g;
  g.mean_key = Vec<T>::Zero(d);
  Vec<T> ubar = Vec<T>::Zero(d), kt(d);
  T total = opt.sink ? share(r.stats.sink_weight) : T(0);
  for (Index j = 0; j < n; ++j) {
    const T len = opt.normalize_keys ? key_length<T>(keys, j) : T(1);
    const T u = share(r.weights(j));
    total += u;
    for (Index c = 0; c < d; ++c) {
      const T k = keys(j, c) / len;
      g.mean_key(c) += r.weights(j) * k;
      ubar(c) += u * k;
      if (j == target) kt(c) = k;
    }
  }
  const T s = static_cast<T>(opt.scale), w_t = r.weights(target);
  const Vec<T> toward = kt - ubar / total;  // k_t − ū
  g.weight = w_t;
  g.of_weight = (s * share(w_t)) * toward;
  const T log_factor =
      w_t > 0 ? (opt.alpha == 1 ? T(1) : static_cast<T>(std::pow(static_cast<double>(w_t), 1 - opt.alpha))) : T(0);
  g.of_log_weight = (s * log_factor) * toward;
  return g;
}

#define ATTN_INSTANTIATE(T)                                \
  template Mat<T> weights_jacobian<T>(VecCRef<T>, double); \
  template QueryGradient<T> query_gradient<T>(VecCRef<T>, MatCRef<T>, Index, const AttendOptions&);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
