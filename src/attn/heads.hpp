// Self-attention with learned projections, and multi-head / multi-query / grouped-query attention.
//   X: (m, d_model) tokens as rows.  A projection W: (d_head, d_model) maps a token x to W x,
//   so Q = X Wᵀ: (m, d_head). Column c of W is where W sends basis vector e_c (what the page drags).
#pragma once

#include <vector>

#include "attn/matrix.hpp"
#include "attn/types.hpp"

namespace attn {

template <typename T>
struct SelfAttentionResult {
  Mat<T> q, k, v;             // (m, d_head) each: X W_Qᵀ, X W_Kᵀ, X W_Vᵀ
  MatrixResult<T> attention;  // logits (m, m), weights A (m, m), output O = A V (m, d_head)
  T logit_asymmetry = 0;      // max |L − Lᵀ| over the logit matrix: 0 when W_Q = W_K
  T weight_asymmetry = 0;     // max |A − Aᵀ|: generally > 0 even when tied (each row is normalised on its own)
};

// One head: Q = X W_Qᵀ, K = X W_Kᵀ, V = X W_Vᵀ, then attention_matrix(Q, K, V, opt).
template <typename T>
SelfAttentionResult<T> self_attention(MatCRef<T> x, MatCRef<T> wq, MatCRef<T> wk, MatCRef<T> wv,
                                      const MatrixOptions& opt = {});

template <typename T>
struct CrossAttentionResult {
  Mat<T> q;                   // (m, d_head) = X_q W_Qᵀ: the queries' tokens (e.g. the target)
  Mat<T> k, v;                // (n, d_head), (n, d_v) = X_kv W_Kᵀ, X_kv W_Vᵀ: the other tokens (the source)
  MatrixResult<T> attention;  // logits and weights (m, n), output O = A V (m, d_v)
};

// Cross-attention: queries from one token set, keys and values from another (m != n
// allowed; both share d_model). Q = X_q W_Qᵀ, K = X_kv W_Kᵀ, V = X_kv W_Vᵀ.
template <typename T>
CrossAttentionResult<T> cross_attention(MatCRef<T> x_q, MatCRef<T> x_kv, MatCRef<T> wq, MatCRef<T> wk, MatCRef<T> wv,
                                        const MatrixOptions& opt = {});

// How heads share keys and values: kv_heads == heads is multi-head attention (MHA),
// kv_heads == 1 multi-query (MQA), anything dividing heads in between grouped-query (GQA).
struct HeadLayout {
  Index heads = 1;
  Index kv_heads = 1;
  // Query head h reads key/value head h / (heads / kv_heads).
  Index kv_head_of(Index h) const { return h / (heads / kv_heads); }
  void validate() const;     // throws attn::invalid_argument
  const char* name() const;  // "MHA", "MQA" or "GQA"
};

template <typename T>
struct MultiHeadResult {
  std::vector<SelfAttentionResult<T>> heads;  // one per query head
  Mat<T> output;                              // (m, heads · d_head): head outputs side by side
};

// wq: `heads` matrices, wk and wv: `kv_heads` matrices, each (d_head, d_model).
template <typename T>
MultiHeadResult<T> multi_head_attention(MatCRef<T> x, const std::vector<Mat<T>>& wq, const std::vector<Mat<T>>& wk,
                                        const std::vector<Mat<T>>& wv, const HeadLayout& layout,
                                        const MatrixOptions& opt = {});

// Numbers a KV cache holds for one layer: 2 (K and V) · tokens · kv_heads · d_head.
// This is what MQA and GQA shrink: the cache scales with kv_heads, not heads.
double kv_cache_entries(Index tokens, Index kv_heads, Index d_head);

}  // namespace attn
