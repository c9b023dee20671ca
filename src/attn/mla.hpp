// Multi-head latent attention (DeepSeek-V2): every token's keys and values are rebuilt from
// one shared low-rank latent c = W_DKV x (rank r) with per-head up-projections
//   c: (m, r) = X W_DKVᵀ,   K_h = C W_UK[h]ᵀ: (m, d_head),   V_h = C W_UV[h]ᵀ: (m, d_head),
// so a KV cache holds c (r numbers a token, plus the decoupled RoPE key) instead of 2 · heads · d_head.
// Queries are not compressed here (W_Q per head, as in MHA); the decoupled RoPE key is counted
// in the cache sizes but not computed (position plays no part in this playground's attention).
#pragma once

#include <vector>

#include "attn/heads.hpp"
#include "attn/matrix.hpp"
#include "attn/types.hpp"

namespace attn {

template <typename T>
struct LatentWeights {
  Mat<T> w_dkv;              // (r, d_model): the shared down-projection
  std::vector<Mat<T>> w_uk;  // heads x (d_head, r)
  std::vector<Mat<T>> w_uv;  // heads x (d_head, r)
};

// The best rank-r latent for given MHA projections (wk, wv: heads x (d_head, d_model)): the
// truncated SVD of the stacked [W_K[0]; ..; W_K[H-1]; W_V[0]; ..; W_V[H-1]] (2 H d_head, d_model)
// = U Σ Vᵀ gives W_DKV = V_rᵀ and up-projections from the rows of U_r Σ_r. At r = d_model
// (or the stack's rank) it reproduces W_K and W_V up to rounding. 1 <= rank <= d_model.
// Work limits (docs/cli.md, "Limits"). Every caller (the CLI's drift_by_rank, the page) sweeps
// the ranks 1..d_model with latent_drift, so the limits are on that sweep and are checked by
// its first calls, latent_from_mha and mla_attention, before any work:
//   kMaxLatentWork: an SVD of the stacked (R = 2 · heads · d_head) x d_model weights per
//     rank, d_model² · min(R, d_model) · (R + d_model) (d_model 400 used to take 38 s);
//   kMaxLatentSweepWork: MLA and MHA per rank, d_model · (m · d_model² + 2 · heads · m ·
//     (3 · d_model · d_head + 2 · m · (d_head + c / 2))), c as in attention_matrix.
constexpr double kMaxLatentWork = double(Index(1) << 26);
constexpr double kMaxLatentSweepWork = double(Index(1) << 29);

template <typename T>
LatentWeights<T> latent_from_mha(const std::vector<Mat<T>>& wk, const std::vector<Mat<T>>& wv, Index rank);

template <typename T>
struct MlaResult {
  Mat<T> latent;                              // (m, r) = X W_DKVᵀ: what the cache holds
  std::vector<SelfAttentionResult<T>> heads;  // q, k (rebuilt), v (rebuilt), attention per head
  Mat<T> output;                              // (m, heads · d_head)
};

// MLA forward: wq heads x (d_head, d_model) and the latent weights (one up-projection pair per head).
template <typename T>
MlaResult<T> mla_attention(MatCRef<T> x, const std::vector<Mat<T>>& wq, const LatentWeights<T>& latent,
                           const MatrixOptions& opt = {});

// KV-cache numbers for `tokens` tokens of one layer.
struct CacheSizes {
  double mla = 0;  // tokens · (rank + rope_dim)
  double mha = 0;  // 2 · tokens · heads · d_head
  double gqa = 0;  // 2 · tokens · kv_heads · d_head
  double mqa = 0;  // 2 · tokens · d_head
};
CacheSizes mla_cache_sizes(Index tokens, Index heads, Index kv_heads, Index d_head, Index rank, Index rope_dim);

// How far MLA at rank r (latent_from_mha) moves from MHA with the same weights.
struct LatentDrift {
  Index rank = 0;
  double projection_error = 0;  // ‖W − W_r‖_F / ‖W‖_F of the stacked key/value projections
  double max_weight_diff = 0;   // max over heads, i, j of |A_mla − A_mha|
  double max_output_diff = 0;   // max |O_mla − O_mha|
};

template <typename T>
LatentDrift latent_drift(MatCRef<T> x, const std::vector<Mat<T>>& wq, const std::vector<Mat<T>>& wk,
                         const std::vector<Mat<T>>& wv, Index rank, const MatrixOptions& opt = {});

}  // namespace attn
