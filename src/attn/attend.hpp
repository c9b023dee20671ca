// One query against n keys: the picture in the seed plot.
//   q: (d)   K: (n, d)   V: (n, dv), optional
//   logits = scale · K q      (optionally with every key normalised to unit length)
//   weights = softmax(logits) output = weightsᵀ V
// Beyond softmax (all optional, all composable): α-entmax and an attention sink
// (attn/entmax.hpp), rotary positions (attn/rope.hpp), linear-attention kernels
// (attn/linear.hpp). Order: normalise keys, rotate, logits (or kernel scores), normalise.
#pragma once

#include <cstdint>
#include <optional>

#include "attn/linear.hpp"
#include "attn/rope.hpp"
#include "attn/softmax.hpp"
#include "attn/types.hpp"

namespace attn {

struct AttendOptions {
  double scale = 1.0;                         // any finite value; negative attends to the far side
  bool normalize_keys = false;                // put keys on the unit sphere (nGPT); zero keys are an error
  double alpha = 1.0;                         // α-entmax, 1 <= α <= 2: 1 softmax, 2 sparsemax
  std::optional<double> sink = std::nullopt;  // an attention sink's logit: one more slot, no value
  std::optional<Rope> rope = std::nullopt;    // rotate query and keys by their positions first
  Kernel kernel = Kernel::softmax;            // elu+1 / favor+: linear attention
  Index features = 64;                        // favor+: the number r of random features
  std::uint64_t seed = 1;                     // favor+: which random features (attn::Rng)

  // The plain softmax: the float SIMD fast path applies (attn/kernels.hpp).
  bool plain() const { return alpha == 1 && !sink && !rope && kernel == Kernel::softmax; }
};

// Checks alpha, sink, rope (against n keys of dimension d) and the kernel's features;
// throws attn::invalid_argument naming the option, the value and what was expected.
void validate_options(const AttendOptions& opt, Index n, Index d);

template <typename T>
struct AttendResult {
  Vec<T> logits;   // (n)
  Vec<T> weights;  // (n)
  Vec<T> output;   // (dv); empty when no values were given
  // The normaliser's statistics (stats.sink_weight: the sink's share). With a kernel other
  // than softmax, log_sum_exp is log(Σ score_i [+ exp(sink)]); for alpha > 1 it is NaN.
  SoftmaxStats<T> stats;
  Vec<T> rotated_query;  // (d) with rope, else empty
  Mat<T> rotated_keys;   // (n, d) with rope (after normalisation), else empty
};

// Checks keys (n >= 1, d >= 1, finite), values (none, or one finite row per key) and
// the scale; throws attn::invalid_argument naming the problem. Shared by every mode.
template <typename T>
void validate_keys_values(MatCRef<T> keys, MatCRef<T> values, double scale);

// Checks shapes and finiteness; throws attn::invalid_argument naming the problem.
// values may have zero rows (then there is no output); otherwise values.rows() == keys.rows().
template <typename T>
void validate_attend(VecCRef<T> query, MatCRef<T> keys, MatCRef<T> values, const AttendOptions& opt);

// What normalize_keys divides key i by: its length, recomputed without under/overflow when the
// fast norm fails. A zero key has no direction: an error naming the row. unit_rows: every key so.
template <typename T>
T key_length(MatCRef<T> keys, Index i);
template <typename T>
Mat<T> unit_rows(MatCRef<T> keys);

// logits = scale · K q (normalised keys if asked). A dot product that overflows is
// recomputed with rescaled operands and saturates at ±max(T), so logits are always finite.
template <typename T>
void logits_into(VecCRef<T> query, MatCRef<T> keys, const AttendOptions& opt, VecRef<T> logits);

// The allocation-free kernel: validates, then fills logits (n), weights (n) and
// output (dv, ignored when values has zero rows). Returns the softmax statistics.
// Allocation-free for plain options only; the rotated query and keys are in attend().
template <typename T>
SoftmaxStats<T> attend_into(VecCRef<T> query, MatCRef<T> keys, MatCRef<T> values, const AttendOptions& opt,
                            VecRef<T> logits, VecRef<T> weights, VecRef<T> output);

template <typename T>
AttendResult<T> attend(VecCRef<T> query, MatCRef<T> keys, MatCRef<T> values, const AttendOptions& opt = {});
template <typename T>
AttendResult<T> attend(VecCRef<T> query, MatCRef<T> keys, const AttendOptions& opt = {});

// The query read as direction + sharpness: κ = |q| · scale, φ = atan2(q_y, q_x) for d = 2.
// Finite for every finite q and scale: saturates at ±DBL_MAX like the logits.
double kappa(const Vec<double>& query, double scale);

// Scale 1/√d, the transformer default.
double inv_sqrt_d(Index d);

}  // namespace attn
