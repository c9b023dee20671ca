// Float32 fast kernels behind attn::attend<float>, attn::logits_into<float> and
// attn::attention_matrix<float> (none / causal masks), and behind the raw WASM
// bench exports. Plain pointers + row strides, no Eigen, no allocation: the
// caller owns every buffer (including the workspace of attention_f32).
//
// One implementation, two instruction sets:
//  * WebAssembly with -msimd128 (__wasm_simd128__): <wasm_simd128.h> intrinsics.
//  * everything else: the same 4-lane algorithm written with GCC/Clang vector
//    extensions (or plain arrays on other compilers), which the compiler maps to
//    SSE/AVX/NEON. The lanes, the order of every sum and the exp polynomial are
//    the same in both, and the core is built with -ffp-contract=off, so native and
//    WASM give the same bits.
//
// Accuracy (checked against the double reference in tests/kernels.test.cpp):
//  * dot products: float sums over 4 lanes, combined as (l0 + l2) + (l1 + l3);
//  * exp: Cephes-style range reduction + degree-6 polynomial, <= 2 ulp for
//    x in [-87.3, 0]; exp(x) = 0 below ln(FLT_MIN) (std::exp would give a
//    subnormal < 1.2e-38 there); exp(0) == 1 exactly, so ties and one-hot rows
//    are exact as in the reference;
//  * sums over keys (Σ exp, and the entropy's Σ w (l - max)): float lanes within blocks
//    of 64 keys, the block sums added in double, so Σw = 1 to float rounding at any n
//    (a float running sum over 2^24 keys was off by up to ~0.4%);
//  * weights = e / sum (a true division), entropy as in attn::softmax_into.
#pragma once

#include <cstddef>

namespace attn {
namespace kernels {

using Index = std::ptrdiff_t;  // == Eigen::Index

// "wasm-simd128", "vector-extensions" or "scalar": which path this build uses.
const char* simd_name();

// exp(x) for every x[i] (the kernels' own exp; exposed for the tests).
void exp_f32(const float* x, Index n, float* out);

// logits[i] = scale · (K_i · q) for the n rows of K (n, d), row stride ldk >= d.
// Writes *max_logit. Returns false if any logit is NaN or ±Inf (then the
// caller must not use them: non-finite input or an overflowing product).
bool logits_f32(const float* q, const float* K, Index n, Index d, Index ldk, float scale, float* logits,
                float* max_logit);

struct SoftmaxOut {
  float max_logit = 0;
  float log_sum_exp = 0;
  float entropy = 0;
  float effective_keys = 1;
  Index argmax = 0;
};

// weights = softmax(logits) with the statistics of attn::softmax_into. Needs
// n >= 1, finite logits and their maximum max_logit (as logits_f32 returns it).
SoftmaxOut softmax_f32(const float* logits, Index n, float max_logit, float* weights);

// out (dv) = Σ_i w_i · V_i over the n rows of V (n, dv), row stride ldv >= dv.
// Returns false if any output entry is NaN or ±Inf.
bool weighted_sum_f32(const float* w, const float* V, Index n, Index dv, Index ldv, float* out);

// Self-attention / many queries: O = softmax(scale · Q Kᵀ [+ causal mask]) V.
//   Q (m, d), K (n, d), V (n, dv); all row-major with the given row strides.
struct AttentionProblem {
  const float* Q = nullptr;
  Index m = 0, ldq = 0;
  const float* K = nullptr;
  Index n = 0, ldk = 0, d = 0;
  const float* V = nullptr;  // may be null when dv == 0 (no values)
  Index ldv = 0, dv = 0;
  float scale = 1;
  bool causal = false;  // query i sees keys j <= i
};

// Where the results go. Two modes:
//  * full (logits and weights both non-null, (m, n) with row stride lds): every
//    logit is written, masked ones too (raw value, as attn::attention_matrix);
//    weights are normalised and exactly 0 where masked; O = weights · V.
//  * lean (logits == weights == nullptr): only what O needs. Masked logits are
//    never computed (causal: whole 8-key panels above the diagonal are skipped),
//    probabilities stay in the workspace, O = (e · V) / Σe.
// entropy (m) is optional in both modes; O may be null when dv == 0.
struct AttentionOutputs {
  float* O = nullptr;
  Index ldo = 0;
  float* logits = nullptr;
  float* weights = nullptr;
  Index lds = 0;
  float* entropy = nullptr;
};

// Floats of workspace attention_f32 needs for this shape (lean = no logits/weights).
Index attention_workspace_floats(Index m, Index n, Index d, bool lean);

// Returns false (results unusable) if a logit or an output entry is not finite.
// Needs m, n, d >= 1. The workspace must hold attention_workspace_floats(...) floats.
bool attention_f32(const AttentionProblem& p, const AttentionOutputs& out, float* workspace);

}  // namespace kernels
}  // namespace attn
