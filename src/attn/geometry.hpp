// The one-query picture read as geometry: what the page draws but must not compute.
//   q: (d)   K: (n, d)
#pragma once

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

}  // namespace attn
