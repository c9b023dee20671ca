// Rotary position embeddings (RoPE, Su et al. 2021) for the one-query picture.
//   x: (d), d even. The pair (2j, 2j+1) is rotated by the angle position · θ_j,
//   θ_j = theta · base^(−2j/d). Rotating q by m·θ and k by n·θ makes q·k depend on
//   m − n only: shifting every position by the same amount changes no logit.
#pragma once

#include <optional>
#include <vector>

#include "attn/types.hpp"

namespace attn {

struct Rope {
  double theta = 1.0;                    // θ_0, the fastest pair's angle per position (radians)
  double base = 10000.0;                 // frequencies fall as base^(−2j/d)
  std::vector<double> positions;         // one per key; empty: 0, 1, …, n−1
  std::optional<double> query_position;  // one query (attend); absent: n, the next token
  std::vector<double> query_positions;   // one per query (attention_matrix); empty: 0, 1, …, m−1
};

// Throws attn::invalid_argument naming the field: d odd, theta or base not finite (base
// must be > 0), positions not n long or not finite, a position · theta that overflows.
// m: the number of queries when query_positions is used (attention_matrix), else 0.
void validate_rope(const Rope& rope, Index n, Index d, Index m = 0);

// The position of key i and of the (i-th) query, defaults filled in.
double rope_key_position(const Rope& rope, Index i);
double rope_query_position(const Rope& rope, Index n);
double rope_query_position_of_row(const Rope& rope, Index i);

// out = x rotated for `position`. Angles use attn::det_sin / det_cos, so native and
// WASM agree bit for bit; computed in double. out may alias nothing; x, out: (d).
template <typename T>
void rope_rotate(VecCRef<T> x, double position, const Rope& rope, VecRef<T> out);

// Every row i of rows (n, d) rotated for position positions(i).
template <typename T>
Mat<T> rope_rotate_rows(MatCRef<T> rows, const std::vector<double>& positions, const Rope& rope);

}  // namespace attn
