#include "attn/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "attn/cold.hpp"
#include "attn/entmax.hpp"
#include "attn/errors.hpp"
#include "attn/linear.hpp"
#include "attn/vonmises.hpp"

namespace attn {

template <typename T>
QueryGeometry query_geometry(VecCRef<T> query, double scale) {
  if (query.size() < 1) throw invalid_argument("query", "is empty; expected at least one coordinate");
  if (!std::isfinite(scale)) throw invalid_argument("scale", detail::cat("is ", scale, "; expected a finite number"));
  // Scale by the largest entry first so |q| never overflows for finite input.
  double big = 0;
  for (Index i = 0; i < query.size(); ++i) {
    const double v = static_cast<double>(query(i));
    if (!std::isfinite(v))
      throw invalid_argument("query", detail::cat("entry ", i, " is ", v, "; expected a finite number"));
    big = std::max(big, std::abs(v));
  }
  // |q| = big · sqrt(Σ (q_i / big)²) and κ = (big · scale) · sqrt(…): both saturate at ±max
  // (as attend's κ does) rather than becoming ±inf or NaN for finite input.
  constexpr double kMax = std::numeric_limits<double>::max();
  QueryGeometry g;
  if (big > 0) {
    double sum = 0;
    for (Index i = 0; i < query.size(); ++i) {
      const double v = static_cast<double>(query(i)) / big;
      sum += v * v;
    }
    const double root = std::sqrt(sum);
    g.norm = std::min(big * root, kMax);
    g.kappa = std::clamp((big * scale) * root, -kMax, kMax);
  }
  if (query.size() >= 2 && big > 0) g.phi = std::atan2(static_cast<double>(query(1)), static_cast<double>(query(0)));
  return g;
}

template <typename T>
Mat<T> key_positions(MatCRef<T> keys, bool normalize) {
  Mat<T> out = keys;  // (n, d)
  if (!normalize) return out;
  for (Index i = 0; i < out.rows(); ++i) {
    const T len = out.row(i).stableNorm();
    if (len > T(0) && std::isfinite(len)) out.row(i) /= len;
  }
  return out;
}

void unit_key_weights(double kappa, double phi, double log_sum_exp, VecCRef<double> angles, VecRef<double> out) {
  const auto finite = [](const char* name, double v) {
    if (!std::isfinite(v)) throw invalid_argument(name, detail::cat("is ", v, "; expected a finite number"));
  };
  finite("kappa", kappa);
  finite("phi", phi);
  finite("logSumExp", log_sum_exp);
  if (out.size() != angles.size())
    throw invalid_argument("angles", detail::cat("has ", angles.size(), " entries but the output holds ", out.size()));
  for (Index i = 0; i < angles.size(); ++i) {
    finite("angles", angles(i));
    // κ cos(θ − φ) − log Σ <= |κ| + |log Σ|; exp of a huge positive number is +inf, which
    // only happens where no key is (the curve's peak over an empty region): cap at 1e300.
    const double e = kappa * std::cos(angle_diff(angles(i), phi)) - log_sum_exp;
    out(i) = e > 690.0 ? 1e300 : std::exp(e);
  }
}

ATTN_COLD void unit_key_curve(VecCRef<double> query, const AttendOptions& opt, double log_sum_exp, double threshold,
                              VecCRef<double> angles, VecRef<double> out) {
  if (query.size() != 2)
    throw invalid_argument("query",
                           detail::cat("has length ", query.size(), "; the curve lives in the plane: expected d = 2"));
  detail::require_all_finite("query", query);
  detail::require_finite("scale", opt.scale);
  validate_alpha(opt.alpha);
  if (opt.rope)
    throw invalid_argument("rope", "is on; a key's rotation depends on its position, so no one curve holds every key");
  if (opt.kernel == Kernel::favor_plus) validate_features(opt.features, 2);
  validate_kernel_work(opt.kernel, opt.features, static_cast<double>(angles.size()), 2, "angles",
                       detail::cat(angles.size(), " angles"), "angles");
  const bool softmax = opt.alpha == 1;
  const double c = softmax ? log_sum_exp : threshold;
  if (!std::isfinite(c))
    throw invalid_argument(softmax ? "logSumExp" : "threshold", detail::cat("is ", c, "; expected a finite number"));
  if (out.size() != angles.size())
    throw invalid_argument("angles", detail::cat("has ", angles.size(), " entries but the output holds ", out.size()));
  const Index m = angles.size();
  Mat<double> unit(m, 2);
  for (Index i = 0; i < m; ++i) {
    if (!std::isfinite(angles(i)))
      throw invalid_argument("angles", detail::cat("entry ", i, " is ", angles(i), "; expected a finite number"));
    unit(i, 0) = std::cos(angles(i));
    unit(i, 1) = std::sin(angles(i));
  }
  Vec<double> s(m);  // the scores, as attend computes them for a unit key
  if (opt.kernel == Kernel::softmax) {
    constexpr double kMax = std::numeric_limits<double>::max();
    for (Index i = 0; i < m; ++i) {
      const double v = unit.row(i).dot(query) * opt.scale;  // may overflow for |q| near DBL_MAX
      s(i) = std::isfinite(v) ? v : std::copysign(kMax, v);
    }
  } else {
    const Mat<double> omega =
        opt.kernel == Kernel::favor_plus ? favor_directions(opt.features, 2, opt.seed) : Mat<double>();
    linear_log_scores<double>(query, unit, opt.kernel, opt.scale, omega, s);
  }
  const double a = opt.alpha - 1;
  for (Index i = 0; i < m; ++i) {
    double w;
    if (softmax) {
      const double e = s(i) - c;
      w = e > 690.0 ? 1e300 : std::exp(e);
    } else {
      const double x = a * s(i) - c;
      w = x > 0 ? std::pow(x, 1 / a) : 0.0;
    }
    out(i) = std::isfinite(w) ? std::min(w, 1e300) : (w > 0 ? 1e300 : 0.0);
  }
}

#define ATTN_INSTANTIATE(T)                                     \
  template QueryGeometry query_geometry<T>(VecCRef<T>, double); \
  template Mat<T> key_positions<T>(MatCRef<T>, bool);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
