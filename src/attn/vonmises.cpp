#include "attn/vonmises.hpp"

#include <cmath>

#include "attn/cold.hpp"
#include "attn/errors.hpp"

ATTN_COLD_BEGIN  // attn/cold.hpp: size over speed; nothing here is on the plain softmax path

    namespace attn {
  namespace {
  constexpr double kTwoPi = 6.28318530717958647692;

  }  // namespace

  double angle_diff(double theta, double phi) {
    const double d = theta - phi;
    return std::isfinite(d) ? d : std::remainder(theta, kTwoPi) - std::remainder(phi, kTwoPi);
  }

  double bessel_i0e(double kappa) {
    detail::require_finite("kappa", kappa);
    const double x = std::abs(kappa);
    if (x <= 20.0) {
      // Power series I0(x) = Σ (x²/4)^k / (k!)²; all terms positive, so no cancellation.
      const double q = 0.25 * x * x;
      double term = 1.0, sum = 1.0;
      for (int k = 1; k < 500 && term > sum * 1e-17; ++k) {
        term *= q / (static_cast<double>(k) * k);
        sum += term;
      }
      return sum * std::exp(-x);
    }
    // Asymptotic series e^-x I0(x) ~ 1/√(2πx) · Σ ((2k−1)!!)² / (k! (8x)^k); for x > 20
    // the terms shrink until k ≈ 2x, far past double precision.
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < 60; ++k) {
      const double odd = 2.0 * k - 1.0;
      term *= odd * odd / (static_cast<double>(k) * 8.0 * x);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return sum / (std::sqrt(kTwoPi) * std::sqrt(x));  // two roots: 2πx overflows near DBL_MAX
  }

  double wrap_angle(double a) {
    detail::require_finite("angle", a);
    double r = std::remainder(a, kTwoPi);  // in [−π, π]
    return r;
  }

  double von_mises_density(double delta, double kappa) {
    detail::require_finite("delta", delta);
    detail::require_finite("kappa", kappa);
    // exp(κ cos Δ) / (2π I0(κ)) = exp(κ cos Δ − |κ|) / (2π e^{-|κ|} I0(κ)): the exponent is
    // <= 0, so nothing overflows; for huge κ it underflows to 0 away from the peak, as it should.
    const double a = std::abs(kappa);
    return std::exp(kappa * std::cos(delta) - a) / kTwoPi / bessel_i0e(kappa);
  }

  double von_mises_gaussian(double delta, double kappa) {
    detail::require_finite("delta", delta);
    detail::require_finite("kappa", kappa);
    if (!(kappa > 0))
      throw invalid_argument("kappa", detail::cat("is ", kappa, "; the Gaussian approximation needs kappa > 0"));
    const double w = wrap_angle(delta);
    // σ = 1/√κ, so 1/(σ√(2π)) = √(κ/(2π)) and Δ²/(2σ²) = κΔ²/2.
    return std::sqrt(kappa / kTwoPi) * std::exp(-0.5 * kappa * w * w);
  }

  Vec<double> von_mises_density(VecCRef<double> angles, double kappa, double phi) {
    detail::require_finite("phi", phi);
    detail::require_all_finite("angles", angles);
    Vec<double> out(angles.size());
    for (Index i = 0; i < angles.size(); ++i) out(i) = von_mises_density(angle_diff(angles(i), phi), kappa);
    return out;
  }

  Vec<double> von_mises_gaussian(VecCRef<double> angles, double kappa, double phi) {
    detail::require_finite("phi", phi);
    detail::require_all_finite("angles", angles);
    Vec<double> out(angles.size());
    for (Index i = 0; i < angles.size(); ++i) out(i) = von_mises_gaussian(angle_diff(angles(i), phi), kappa);
    return out;
  }

}  // namespace attn

ATTN_COLD_END
