// The one-query picture read as geometry: what the page draws but must not compute.
//   q: (d)   K: (n, d)
#pragma once

#include "attn/attend.hpp"
#include "attn/types.hpp"

namespace attn {

// The query as direction + sharpness. κ = |q| · scale is the softmax's concentration
// for unit keys; φ = atan2(q_1, q_0) is its direction in the plane of the first two
// coordinates (0 for a zero query or d = 1).
struct QueryGeometry {
  double norm = 0;   // |q|
  double kappa = 0;  // |q| · scale
  double phi = 0;    // radians in (−π, π]
};

// Throws attn::invalid_argument for an empty or non-finite query or a non-finite scale.
template <typename T>
QueryGeometry query_geometry(VecCRef<T> query, double scale);

// Keys where the logits see them: unit length when `normalize` (as attend does), else
// unchanged. A zero key stays at the origin here (attend itself rejects it when
// normalising); the page draws it there and shows the core's error.
template <typename T>
Mat<T> key_positions(MatCRef<T> keys, bool normalize);

// The strip's curve: the weight a unit key at angle θ would get with the current
// normaliser, exp(κ cos(θ − φ) − log Σ), where log Σ is the log-sum-exp of the logits
// attend reported. Every unit key's weight lies on it, whatever the layout; a longer or
// shorter key (normalisation off) sits above or below. angles, out: (count).
// Throws attn::invalid_argument for a non-finite κ, φ or log Σ, or sizes that differ.
void unit_key_weights(double kappa, double phi, double log_sum_exp, VecCRef<double> angles, VecRef<double> out);

// The same curve for every normaliser and kernel of attend (d = 2): the weight a unit key
// k(θ) = (cos θ, sin θ) would get beside the keys attend saw, their normalisation held
// fixed. Its score s(θ) is scale · q·k(θ) (softmax kernel) or the linear kernel's log-score
// log φ(q)·φ(k(θ)) (same features and seed); then
//   α = 1:  exp(s(θ) − log Σ)                  log Σ = the result's log_sum_exp
//   α > 1:  [(α−1)·s(θ) − τ]₊^(1/(α−1))        τ = the result's stats.threshold
// (a sink is already inside log Σ or τ). Every unit key's weight lies on it; entmax's zero
// region is where the curve is 0. query: (2); angles, out: (count); opt: scale, alpha,
// kernel, features, seed. Throws attn::invalid_argument for d != 2, a non-finite input,
// rope (a key's rotation depends on its position: no one curve holds every key), a bad
// option, or sizes that differ. A weight past 1e300 (only where no key is) is capped there.
void unit_key_curve(VecCRef<double> query, const AttendOptions& opt, double log_sum_exp, double threshold,
                    VecCRef<double> angles, VecRef<double> out);

}  // namespace attn
