// Linear attention: weights from a feature map instead of exp of the logits.
//   q: (d)   K: (n, d)   φ: R^d -> R^r_+   score_i = φ(q)·φ(k_i) > 0
//   weights w_i = score_i / Σ_j score_j
//   'elu+1'  φ(x) = elu(x) + 1 elementwise (Katharopoulos et al. 2020); the scale is ignored.
//   'favor+' φ(x) = exp(ω_l·x − |x|²/2) / √r for r Gaussian ω_l (Choromanski et al. 2021):
//            E[φ(x)·φ(y)] = exp(x·y), applied to x = ±√|scale|·q, y = √|scale|·k so the
//            weights approximate softmax(scale · K q); the error falls like 1/√r.
// Scores are computed as log-scores u_i = log score_i (log-sum-exp over the features),
// so nothing overflows or underflows: w = softmax(u) exactly.
#pragma once

#include <cstdint>
#include <string>

#include "attn/types.hpp"

namespace attn {

enum class Kernel { softmax, elu_plus_one, favor_plus };

// "softmax", "elu+1", "favor+" (the CLI / JS spelling). parse throws attn::invalid_argument.
std::string to_string(Kernel k);
Kernel parse_kernel(const std::string& text);

// Throws unless 1 <= features <= kMaxFeatures and features · d <= 2^24.
constexpr Index kMaxFeatures = 65536;
void validate_features(Index features, Index d);

// Work limits, checked before any work (docs/cli.md, "Limits"): about half a second natively.
//   favor+: pairs · features · (d + 16): d multiply-adds per feature for ω·x and one exp
//           (worth ~16) in the log-sum-exp over the features, for every query-key pair
//           (drawing ω, features · d <= 2^24 normals, takes another half second at most);
//   elu+1:  pairs · (d + 2): a log1p and an exp for every coordinate, a log for every pair.
constexpr double kMaxFavorWork = double(Index(1) << 29);
constexpr double kMaxEluWork = double(Index(1) << 25);

// Throws attn::invalid_argument unless the kernel's work for `pairs` query-key scores of
// dimension d is within the limits above (softmax: nothing to check). pairs_text says what
// the pairs are ("10000 keys", "16384 query-key pairs (m · n = 128 · 128)"); elu+1's error
// names `field`; `fewer` is what to shrink ("keys", "queries or keys").
void validate_kernel_work(Kernel kernel, Index features, double pairs, Index d, const char* field,
                          const std::string& pairs_text, const char* fewer);

// favor+'s random directions ω: (features, d), N(0, 1) entries from attn::Rng(seed):
// the same seed gives the same ω in the native and WASM builds.
Mat<double> favor_directions(Index features, Index d, std::uint64_t seed);

// u (n, double: a float could not hold every log-score) = log φ(q)·φ(k_i) for kernel elu+1 (omega unused) or favor+ (omega from
// favor_directions, scale as in attend). Throws attn::invalid_argument if favor+'s
// |x|² overflows a double (|q|·√|scale| beyond ~1e154).
template <typename T>
void linear_log_scores(VecCRef<T> query, MatCRef<T> keys, Kernel kernel, double scale, const Mat<double>& omega,
                       VecRef<double> u);

}  // namespace attn
