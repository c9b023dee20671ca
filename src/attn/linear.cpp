#include "attn/linear.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "attn/cold.hpp"
#include "attn/errors.hpp"
#include "attn/layout.hpp"

ATTN_COLD_BEGIN  // attn/cold.hpp: size over speed; nothing here is on the plain softmax path

    namespace attn {
  namespace {

  // log(elu(x) + 1): x ≥ 0 → log1p(x), x < 0 → x (elu(x) + 1 = exp(x) there).
  double log_elu1(double x) { return x >= 0 ? std::log1p(x) : x; }

  // log Σ exp(a_l) over a non-empty list; -inf only if every entry is -inf.
  double log_sum_exp(const std::vector<double>& a) {
    const double m = *std::max_element(a.begin(), a.end());
    if (!std::isfinite(m)) return m;
    double s = 0;
    for (double v : a) s += std::exp(v - m);
    return m + std::log(s);
  }

  }  // namespace

  std::string to_string(Kernel k) {
    switch (k) {
      case Kernel::elu_plus_one:
        return "elu+1";
      case Kernel::favor_plus:
        return "favor+";
      default:
        return "softmax";
    }
  }

  Kernel parse_kernel(const std::string& text) {
    if (text == "softmax") return Kernel::softmax;
    if (text == "elu+1") return Kernel::elu_plus_one;
    if (text == "favor+") return Kernel::favor_plus;
    throw invalid_argument("kernel", detail::cat("is ", detail::quoted(text), "; expected softmax, elu+1 or favor+"));
  }

  void validate_features(Index features, Index d) {
    if (features < 1 || features > kMaxFeatures)
      throw invalid_argument("features", detail::cat("is ", features, "; expected 1 <= features <= ", kMaxFeatures));
    if (features > (Index(1) << 24) / std::max<Index>(d, 1))
      throw invalid_argument("features",
                             detail::cat("is ", features, " with d = ", d, ": features · d must be <= 16777216"));
  }

  void validate_kernel_work(Kernel kernel, Index features, double pairs, Index d, const char* field,
                            const std::string& pairs_text, const char* fewer) {
    const double dd = static_cast<double>(d);
    if (kernel == Kernel::favor_plus) {
      const double work = pairs * static_cast<double>(features) * (dd + 16);
      if (work > kMaxFavorWork)
        throw invalid_argument("features",
                               detail::cat("is ", features, " with ", pairs_text, " and d = ", d,
                                           ": favor+ costs pairs · features · (d + 16) = ", work, "; expected at most ",
                                           kMaxFavorWork, "; use fewer features or fewer ", fewer));
    } else if (kernel == Kernel::elu_plus_one) {
      const double work = pairs * (dd + 2);
      if (work > kMaxEluWork)
        throw invalid_argument(
            field, detail::cat("with ", pairs_text, " and d = ", d, ", elu+1 costs pairs · (d + 2) = ", work,
                               "; expected at most ", kMaxEluWork, "; use fewer ", fewer, " or a smaller d"));
    }
  }

  Mat<double> favor_directions(Index features, Index d, std::uint64_t seed) {
    Rng rng(seed);
    Mat<double> omega(features, d);  // (r, d)
    for (Index l = 0; l < features; ++l)
      for (Index j = 0; j < d; ++j) omega(l, j) = rng.normal();
    return omega;
  }

  template <typename T>
  void linear_log_scores(VecCRef<T> query, MatCRef<T> keys, Kernel kernel, double scale, const Mat<double>& omega,
                         VecRef<double> u) {
    const Index n = keys.rows(), d = keys.cols();
    const Vec<double> q = query.template cast<double>();
    if (kernel == Kernel::elu_plus_one) {
      std::vector<double> lq(static_cast<size_t>(d)), terms(static_cast<size_t>(d));
      for (Index j = 0; j < d; ++j) lq[static_cast<size_t>(j)] = log_elu1(q(j));
      for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < d; ++j)
          terms[static_cast<size_t>(j)] = lq[static_cast<size_t>(j)] + log_elu1(static_cast<double>(keys(i, j)));
        u(i) = log_sum_exp(terms);  // finite: every term is finite
      }
      return;
    }
    // favor+: log φ(x)_l = ω_l·x − |x|²/2 − ½ log r, x = sign(scale)·√|scale|·q, y_i = √|scale|·k_i.
    const double root = std::sqrt(std::abs(scale));
    const Vec<double> x = q * (scale < 0 ? -root : root);
    const Index r = omega.rows();
    const auto log_features = [&](const Vec<double>& v, std::vector<double>& out, const char* what) {
      const double half_sq = 0.5 * v.squaredNorm();
      const Vec<double> proj = omega * v;  // (r)
      if (!std::isfinite(half_sq) || !proj.allFinite())
        throw invalid_argument("kernel",
                               detail::cat("'favor+' random features overflow for ", what,
                                           " (|x|² beyond double range); expected smaller |scale| · |q| · |k|"));
      for (Index l = 0; l < r; ++l) out[static_cast<size_t>(l)] = proj(l) - half_sq;
    };
    std::vector<double> fq(static_cast<size_t>(r)), fk(static_cast<size_t>(r));
    log_features(x, fq, "the query");
    const double log_r = std::log(static_cast<double>(r));  // the two 1/√r factors
    for (Index i = 0; i < n; ++i) {
      log_features(keys.row(i).transpose().template cast<double>() * root, fk, "a key");
      for (Index l = 0; l < r; ++l) fk[static_cast<size_t>(l)] += fq[static_cast<size_t>(l)];
      u(i) = log_sum_exp(fk) - log_r;
    }
  }

#define ATTN_INSTANTIATE(T) \
  template void linear_log_scores<T>(VecCRef<T>, MatCRef<T>, Kernel, double, const Mat<double>&, VecRef<double>);
  ATTN_INSTANTIATE(float)
  ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn

ATTN_COLD_END
