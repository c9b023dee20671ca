#include "attn/entmax.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "attn/cold.hpp"
#include "attn/errors.hpp"

ATTN_COLD_BEGIN  // attn/cold.hpp: size over speed; nothing here is on the plain softmax path

    namespace attn {
  namespace {

  // The whole distribution in double: x = (z_1 … z_n [, s]) shifted by its max, so every
  // entry is <= 0 and the largest is exactly 0 (a shift changes no entmax weight: τ moves
  // with it). Entries spread past double's range become -inf and get weight 0.
  struct Shifted {
    std::vector<double> y;  // (n [+ 1])
    double max = 0;
  };

  template <typename T>
  Shifted shift(VecCRef<T> logits, const std::optional<double>& sink) {
    Shifted s;
    const Index n = logits.size();
    s.y.resize(static_cast<size_t>(n + (sink ? 1 : 0)));
    for (Index i = 0; i < n; ++i) s.y[static_cast<size_t>(i)] = static_cast<double>(logits(i));
    if (sink) s.y.back() = *sink;
    s.max = *std::max_element(s.y.begin(), s.y.end());
    for (double& v : s.y) v -= s.max;
    return s;
  }

  // Softmax with the sink slot: p = exp(y) / Σ exp(y). Returns log Σ exp(y).
  double softmax_shifted(const std::vector<double>& y, std::vector<double>& p) {
    double sum = 0;
    for (size_t i = 0; i < y.size(); ++i) sum += (p[i] = std::exp(y[i]));  // the max gives 1: sum >= 1
    for (double& v : p) v /= sum;
    return std::log(sum);
  }

  // Sparsemax (Martins & Astudillo 2016), exact: sort descending, the support is the
  // longest prefix with 1 + k·y_(k) > Σ_{j<=k} y_(j), τ = (Σ_{j<=k} y_(j) − 1) / k.
  double sparsemax_shifted(const std::vector<double>& y, std::vector<double>& p) {
    std::vector<double> sorted = y;
    std::sort(sorted.begin(), sorted.end(), std::greater<double>());
    double cum = 0, tau_sum = 0;
    size_t k = 0;
    for (size_t j = 0; j < sorted.size(); ++j) {
      cum += sorted[j];
      if (!(1 + static_cast<double>(j + 1) * sorted[j] > cum)) break;  // false for -inf too
      k = j + 1;
      tau_sum = cum;
    }
    const double tau = (tau_sum - 1) / static_cast<double>(k);  // k >= 1: the max (0) always qualifies
    for (size_t i = 0; i < y.size(); ++i) p[i] = std::max(y[i] - tau, 0.0);
    return tau;
  }

  // α-entmax for 1 < α < 2 by bisection (Peters et al. 2019, Algorithm 1), written with
  // τ = (α−1)·max − 1 + η so that p_i = (1 + a·y_i − η)^(1/a) = exp(log1p(a·y_i − η) / a),
  // a = α − 1. With a near 0 both terms are small and log1p keeps them exact, so the
  // weights approach softmax smoothly. η lies in [0, 1 − N^(−a)]: at 0 the max alone gives
  // Σp >= 1, at the top every p_i <= 1/N gives Σp <= 1. Σp falls as η grows.
  double entmax_bisect(const std::vector<double>& y, double alpha, std::vector<double>& p) {
    const double a = alpha - 1;
    const double N = static_cast<double>(y.size());
    const auto fill = [&](double eta) {
      double sum = 0;
      for (size_t i = 0; i < y.size(); ++i) {
        const double x = a * y[i] - eta;                    // -inf for y = -inf
        p[i] = x > -1 ? std::exp(std::log1p(x) / a) : 0.0;  // exactly 0 outside the support
        sum += p[i];
      }
      return sum;
    };
    const double top = -std::expm1(-a * std::log(N));
    double lo = 0, hi = top;
    for (int it = 0; it < 200; ++it) {  // ~55 halvings reach double precision
      const double mid = lo + (hi - lo) / 2;
      if (mid <= lo || mid >= hi || hi - lo <= 0x1p-54 * top) break;
      if (fill(mid) >= 1)
        lo = mid;
      else
        hi = mid;
    }
    const double sum = fill(lo);  // >= 1: the support is complete; normalise the rounding away
    for (double& v : p) v /= sum;
    return lo - 1;  // p_i = (a·y_i − (η − 1))^(1/a)
  }

  }  // namespace

  void validate_alpha(double alpha) {
    if (!(alpha >= 1 && alpha <= 2))
      throw invalid_argument("alpha", detail::cat("is ", alpha, "; expected 1 <= alpha <= 2 (1 softmax, 2 sparsemax)"));
  }

  void validate_sink(const std::optional<double>& sink) {
    if (sink) detail::require_finite("sink", *sink);
  }

  template <typename T>
  SoftmaxStats<T> entmax_into(VecCRef<T> logits, double alpha, const std::optional<double>& sink, VecRef<T> weights) {
    validate_alpha(alpha);
    validate_sink(sink);
    if (alpha == 1 && !sink) return softmax_into<T>(logits, weights);  // the plain path, same bits
    const Index n = logits.size();                                     // logits, weights: (n)
    if (n == 0) throw invalid_argument("logits", "got 0 entries; expected at least 1");
    if (weights.size() != n)
      throw invalid_argument("weights", detail::cat("has ", weights.size(), " entries; expected ", n));
    detail::require_all_finite("logits", logits);

    const Shifted s = shift<T>(logits, sink);
    std::vector<double> p(s.y.size());
    SoftmaxStats<T> st;
    if (alpha == 1)
      st.log_sum_exp = static_cast<T>(s.max + softmax_shifted(s.y, p));
    else {
      // τ in the logits' own units: p = [a·y − τ_y]₊^(1/a) with y = z − max, so τ = τ_y + a·max.
      const double tau_y = alpha == 2 ? sparsemax_shifted(s.y, p) : entmax_bisect(s.y, alpha, p);
      st.threshold = tau_y + (alpha - 1) * s.max;
      st.log_sum_exp = std::numeric_limits<T>::quiet_NaN();
    }
    double h = 0;
    for (double v : p)
      if (v > 0) h -= v * std::log(v);
    st.entropy = static_cast<T>(std::clamp(h, 0.0, std::log(static_cast<double>(p.size()))));
    st.effective_keys = std::exp(st.entropy);
    st.sink_weight = sink ? static_cast<T>(p.back()) : T(0);
    st.max_logit = logits(0);
    for (Index i = 0; i < n; ++i) {
      weights(i) = static_cast<T>(p[static_cast<size_t>(i)]);
      if (logits(i) > st.max_logit) st.max_logit = logits(i);
      if (weights(i) > weights(st.argmax)) st.argmax = i;
    }
    return st;
  }

  template <typename T>
  Vec<T> entmax(VecCRef<T> logits, double alpha, SoftmaxStats<T>* stats) {
    Vec<T> w(logits.size());
    const SoftmaxStats<T> s = entmax_into<T>(logits, alpha, std::nullopt, w);
    if (stats) *stats = s;
    return w;
  }

  template <typename T>
  Vec<T> sparsemax(VecCRef<T> logits) {
    return entmax<T>(logits, 2.0);
  }

#define ATTN_INSTANTIATE(T)                                                                             \
  template SoftmaxStats<T> entmax_into<T>(VecCRef<T>, double, const std::optional<double>&, VecRef<T>); \
  template Vec<T> entmax<T>(VecCRef<T>, double, SoftmaxStats<T>*);                                      \
  template Vec<T> sparsemax<T>(VecCRef<T>);
  ATTN_INSTANTIATE(float)
  ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn

ATTN_COLD_END
