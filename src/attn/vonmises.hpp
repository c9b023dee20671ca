// The von Mises picture of 2D unit keys: with q = κ(cos φ, sin φ), a key at
// angle θ gets weight ∝ exp(κ cos(θ − φ)). For many evenly spaced keys the
// discrete weights approach density(θ) · 2π / n.
#pragma once

#include "attn/types.hpp"

namespace attn {

// exp(-|κ|) · I0(κ), the exponentially scaled modified Bessel function of order 0
// (finite for every finite κ; relative error < 1e-14).
double bessel_i0e(double kappa);

// exp(κ cos Δ) / (2π I0(κ)), evaluated without overflow for any finite κ
// (negative κ points the bump at φ + π). Δ = θ − φ.
double von_mises_density(double delta, double kappa);

// Gaussian approximation for κ > 0: N(wrap(Δ); 0, σ²) with σ = 1/√κ, Δ wrapped to [−π, π].
// Throws attn::invalid_argument for κ <= 0 (there is no bump to approximate).
double von_mises_gaussian(double delta, double kappa);

// Both evaluated at each angle θ_i, Δ = θ_i − φ.
Vec<double> von_mises_density(VecCRef<double> angles, double kappa, double phi);
Vec<double> von_mises_gaussian(VecCRef<double> angles, double kappa, double phi);

// Wrap an angle into [−π, π].
double wrap_angle(double a);

// θ − φ where only its value mod 2π matters (densities, cosines). Finite angles can still
// differ by more than DBL_MAX (1e308 − (−1e308)); then each is reduced mod 2π first
// (remainder is exact), so the result is finite for finite input.
double angle_diff(double theta, double phi);

}  // namespace attn
