#include "attn/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "attn/errors.hpp"

namespace attn {

template <typename T>
QueryGeometry query_geometry(VecCRef<T> query, double scale) {
  if (query.size() < 1) throw invalid_argument("query", "is empty; expected at least one coordinate");
  if (!std::isfinite(scale)) throw invalid_argument("scale", detail::cat("is ", scale, "; expected a finite number"));
  // Scale by the largest entry first so |q| never overflows for finite input.
  double big = 0;
  for (Index i = 0; i < query.size(); ++i) {
    const double v = static_cast<double>(query(i));
    if (!std::isfinite(v)) throw invalid_argument("query", detail::cat("entry ", i, " is ", v, "; expected a finite number"));
    big = std::max(big, std::abs(v));
  }
  QueryGeometry g;
  if (big > 0) {
    double sum = 0;
    for (Index i = 0; i < query.size(); ++i) {
      const double v = static_cast<double>(query(i)) / big;
      sum += v * v;
    }
    g.norm = big * std::sqrt(sum);
  }
  // |q| and κ saturate at ±max (as attend's κ does) rather than becoming ±inf for finite
  // input (two entries near max make |q| > max); scale 0 gives κ = 0, never inf · 0.
  constexpr double kMax = std::numeric_limits<double>::max();
  g.norm = std::min(g.norm, kMax);
  g.kappa = scale == 0 ? 0.0 : std::clamp(g.norm * scale, -kMax, kMax);
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
    // θ − φ of two finite angles can overflow (−max − 1e300 = −inf, whose cos is NaN):
    // then expand cos(θ − φ) = cos θ cos φ + sin θ sin φ, which stays finite.
    const double diff = angles(i) - phi;
    const double c = std::isfinite(diff) ? std::cos(diff)
                                         : std::cos(angles(i)) * std::cos(phi) + std::sin(angles(i)) * std::sin(phi);
    const double e = kappa * c - log_sum_exp;
    out(i) = e > 690.0 ? 1e300 : std::exp(e);
  }
}

#define ATTN_INSTANTIATE(T)                                                 \
  template QueryGeometry query_geometry<T>(VecCRef<T>, double);             \
  template Mat<T> key_positions<T>(MatCRef<T>, bool);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
