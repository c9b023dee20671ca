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
  const Mat<T> K = opt.normalize_keys ? unit_rows<T>(keys) : Mat<T>(keys);
  // u_j = w_j^(2−α) on the support (u = w for softmax), the sink's share included in Σu; row t
  // of J is u_t (e_t − u / Σu), so ∂w_t/∂q = s·u_t·(k_t − ū) with ū = Σ_keys u_j k_j / Σu, and
  // ∂log w_t/∂q = s·w_t^(1−α)·(k_t − ū): written out, so a tiny w_t loses no precision.
  const auto share = [&](T w) -> T {
    if (!(w > 0)) return 0;
    return opt.alpha == 1 ? w : static_cast<T>(std::pow(static_cast<double>(w), 2 - opt.alpha));
  };
  Vec<T> u(n);
  for (Index j = 0; j < n; ++j) u(j) = share(r.weights(j));
  const T total = u.sum() + (opt.sink ? share(r.stats.sink_weight) : T(0));
  const Vec<T> toward = K.row(target).transpose() - K.transpose() * (u / total);  // k_t − ū
  const T s = static_cast<T>(opt.scale), w_t = r.weights(target);
  QueryGradient<T> g;
  g.weight = w_t;
  g.mean_key = K.transpose() * r.weights;
  g.of_weight = (s * u(target)) * toward;
  const T log_factor = w_t > 0 ? (opt.alpha == 1 ? T(1) : static_cast<T>(std::pow(static_cast<double>(w_t), 1 - opt.alpha))) : T(0);
  g.of_log_weight = (s * log_factor) * toward;
  return g;
}

#define ATTN_INSTANTIATE(T)                                           \
  template Mat<T> weights_jacobian<T>(VecCRef<T>, double);            \
  template QueryGradient<T> query_gradient<T>(VecCRef<T>, MatCRef<T>, Index, const AttendOptions&);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
