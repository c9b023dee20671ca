#include "attn/mla.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/QR>
#include <Eigen/SVD>

#include "attn/errors.hpp"

namespace attn {
namespace {

// One name per list of matrices, the one its caller wrote (W_Q, W_K or W_V).
template <typename T>
void check_list(const char* name, const std::vector<Mat<T>>& w, Index rows, Index cols) {
  for (size_t h = 0; h < w.size(); ++h) {
    if (w[h].rows() != rows || w[h].cols() != cols || w[h].size() == 0)
      throw invalid_argument(name, detail::cat("matrix ", h, " is ", w[h].rows(), " x ", w[h].cols(), "; expected ",
                                               rows, " x ", cols, " (d_head x d_model) for every head"));
    detail::require_all_finite(name, w[h]);
  }
}

// W_K and W_V: one matrix per head each, all of W_K[0]'s shape.
template <typename T>
void check_kv(const std::vector<Mat<T>>& wk, const std::vector<Mat<T>>& wv) {
  if (wk.empty()) throw invalid_argument("W_K", "has 0 matrices; expected one per head");
  if (wv.size() != wk.size())
    throw invalid_argument("W_V", detail::cat("has ", wv.size(), " matrices but there are ", wk.size(),
                                              " key matrices; expected one per head, as in MHA"));
  if (wk[0].size() == 0) throw invalid_argument("W_K", "matrix 0 is empty; expected d_head x d_model with both >= 1");
  check_list<T>("W_K", wk, wk[0].rows(), wk[0].cols());
  check_list<T>("W_V", wv, wk[0].rows(), wk[0].cols());
}

template <typename T>
void check_heads(const std::vector<Mat<T>>& wq, const std::vector<Mat<T>>& wk, const std::vector<Mat<T>>& wv) {
  check_kv<T>(wk, wv);
  if (wq.size() != wk.size())
    throw invalid_argument("W_Q", detail::cat("has ", wq.size(), " matrices but there are ", wk.size(),
                                              " key and value matrices; expected one per head, as in MHA"));
  check_list<T>("W_Q", wq, wk[0].rows(), wk[0].cols());
}

template <typename T>
Mat<double> stacked(const std::vector<Mat<T>>& wk, const std::vector<Mat<T>>& wv) {
  const Index dh = wk[0].rows(), heads = static_cast<Index>(wk.size());
  Mat<double> w(2 * heads * dh, wk[0].cols());  // (2 H d_head, d_model)
  for (Index h = 0; h < heads; ++h) {
    w.middleRows(h * dh, dh) = wk[static_cast<size_t>(h)].template cast<double>();
    w.middleRows((heads + h) * dh, dh) = wv[static_cast<size_t>(h)].template cast<double>();
  }
  return w;
}

}  // namespace

template <typename T>
LatentWeights<T> latent_from_mha(const std::vector<Mat<T>>& wk, const std::vector<Mat<T>>& wv, Index rank) {
  check_kv<T>(wk, wv);
  const Index d_model = wk[0].cols(), dh = wk[0].rows(), heads = static_cast<Index>(wk.size());
  if (rank < 1 || rank > d_model)
    throw invalid_argument("rank", detail::cat("is ", rank, "; expected 1 <= r <= d_model = ", d_model));
  const double c = static_cast<double>(d_model), rows = 2 * static_cast<double>(heads) * static_cast<double>(dh);
  const double work = c * c * std::min(rows, c) * (rows + c);
  if (work > kMaxLatentWork)
    throw invalid_argument(
        "W_K", detail::cat("has d_model = ", d_model, " columns and 2 · heads · d_head = ", rows,
                           " stacked rows of keys and values: the latent at every rank 1..d_model (drift by rank) ",
                           "costs d_model² · min(rows, d_model) · (rows + d_model) = ", work, "; expected at most ",
                           kMaxLatentWork, "; use a smaller d_model, fewer heads or a smaller d_head"));
  const Mat<double> w = stacked<T>(wk, wv);
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(w, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Index k = svd.singularValues().size();  // min(2 H d_head, d_model)
  // Ranks beyond the stack's size add zero directions (still a valid down-projection).
  Mat<double> down = Mat<double>::Zero(rank, d_model), up = Mat<double>::Zero(w.rows(), rank);
  const Index used = std::min(rank, k);
  down.topRows(used) = svd.matrixV().leftCols(used).transpose();
  up.leftCols(used) = svd.matrixU().leftCols(used) * svd.singularValues().head(used).asDiagonal();
  if (rank > k) {
    // Complete V's rows to an orthonormal basis: the last columns of Q in V_k = Q R. (An SVD
    // of Wᵀ W did this before: d_model³ work per rank, and Wᵀ W overflows from |W| ~ 1e154.)
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(svd.matrixV());
    const Mat<double> q = qr.householderQ();
    down.bottomRows(rank - k) = q.middleCols(k, rank - k).transpose();
  }
  LatentWeights<T> r;
  r.w_dkv = down.cast<T>();
  for (Index h = 0; h < heads; ++h) {
    r.w_uk.push_back(up.middleRows(h * dh, dh).cast<T>());
    r.w_uv.push_back(up.middleRows((heads + h) * dh, dh).cast<T>());
    // U_r Σ_r of finite weights overflows only for entries near the type's max: say so here,
    // under the names the caller wrote (the latent's own names mean nothing to them).
    for (const Mat<T>* u : {&r.w_uk.back(), &r.w_uv.back()})
      if (!u->allFinite())
        throw invalid_argument(u == &r.w_uk.back() ? "W_K" : "W_V",
                               detail::cat("head ", h, ": the up-projection U_r Σ_r of the best rank-", rank,
                                           " latent overflows (the key and value weights reach ",
                                           w.cwiseAbs().maxCoeff(), "); expected entries well within ±",
                                           static_cast<double>(std::numeric_limits<T>::max()), " (scale them down)"));
  }
  return r;
}

template <typename T>
MlaResult<T> mla_attention(MatCRef<T> x, const std::vector<Mat<T>>& wq, const LatentWeights<T>& latent,
                           const MatrixOptions& opt) {
  if (x.rows() == 0) throw invalid_argument("tokens", "got m = 0 tokens; expected at least 1");
  detail::require_all_finite("tokens", x);
  const Index rank = latent.w_dkv.rows();
  // The latent came from W_K and W_V (latent_from_mha): a d_model that differs is the tokens'.
  if (latent.w_dkv.cols() != x.cols())
    throw invalid_argument("tokens", detail::cat("have d_model = ", x.cols(), " columns but the weights have ",
                                                 latent.w_dkv.cols(), "; expected one d_model for tokens and weights"));
  if (rank < 1) throw invalid_argument("W_DKV", "has 0 rows; expected r x d_model with r >= 1");
  if (wq.empty()) throw invalid_argument("W_Q", "has 0 matrices; expected one per head");
  if (latent.w_uk.size() != wq.size() || latent.w_uv.size() != wq.size())
    throw invalid_argument("W_Q", detail::cat("has ", wq.size(), " matrices but there are ", latent.w_uk.size(),
                                              " key and ", latent.w_uv.size(), " value heads; expected one per head"));
  const Index dh = latent.w_uk[0].rows();
  check_list<T>("W_Q", wq, dh, x.cols());
  detail::require_all_finite("W_DKV", latent.w_dkv);
  // drift by rank runs this and MHA once per rank 1..d_model: that sweep is what is limited.
  const Index half_c = attention_entry_work(opt, dh) / 2;  // per entry of MLA's and MHA's weights
  const double m = static_cast<double>(x.rows()), c = static_cast<double>(x.cols()),
               heads = static_cast<double>(wq.size()), d = static_cast<double>(dh);
  const double work = c * (m * c * c + 2 * heads * m * (3 * c * d + 2 * m * (d + static_cast<double>(half_c))));
  if (work > kMaxLatentSweepWork)
    throw invalid_argument(
        "tokens",
        detail::cat("has m = ", x.rows(), " rows with d_model = ", x.cols(), ", ", wq.size(),
                    " heads and d_head = ", dh, ": MLA and MHA at every rank 1..d_model (drift ",
                    "by rank) take d_model · (m · d_model² + 2 · heads · m · (3 · d_model · ",
                    "d_head + 2 · m · (d_head + ", half_c, "))) = ", work, " operations; expected at most ",
                    kMaxLatentSweepWork, "; use fewer tokens, a smaller d_model, fewer heads or a smaller d_head"));
  MlaResult<T> r;
  r.latent.noalias() = x * latent.w_dkv.transpose();  // (m, r): the cache
  r.output.resize(x.rows(), dh * static_cast<Index>(wq.size()));
  for (size_t h = 0; h < wq.size(); ++h) {
    if (latent.w_uk[h].rows() != dh || latent.w_uk[h].cols() != rank || latent.w_uv[h].rows() != dh ||
        latent.w_uv[h].cols() != rank)
      throw invalid_argument("W_UK",
                             detail::cat("head ", h, ": expected W_UK and W_UV ", dh, " x ", rank, " (d_head x r)"));
    detail::require_all_finite("W_UK", latent.w_uk[h]);
    detail::require_all_finite("W_UV", latent.w_uv[h]);
    SelfAttentionResult<T> s;
    s.q.noalias() = x * wq[h].transpose();                  // (m, d_head)
    s.k.noalias() = r.latent * latent.w_uk[h].transpose();  // (m, d_head), rebuilt from c
    s.v.noalias() = r.latent * latent.w_uv[h].transpose();  // (m, d_head)
    if (!s.q.allFinite() || !s.k.allFinite() || !s.v.allFinite())
      throw invalid_argument("tokens", "the projections overflow; expected smaller tokens or weights");
    s.attention = attention_matrix<T>(s.q, s.k, s.v, opt);
    r.output.middleCols(static_cast<Index>(h) * dh, dh) = s.attention.output;
    r.heads.push_back(std::move(s));
  }
  return r;
}

CacheSizes mla_cache_sizes(Index tokens, Index heads, Index kv_heads, Index d_head, Index rank, Index rope_dim) {
  HeadLayout{heads, kv_heads}.validate();
  if (rank < 1) throw invalid_argument("rank", detail::cat("is ", rank, "; expected r >= 1"));
  if (rope_dim < 0) throw invalid_argument("rope_dim", detail::cat("is ", rope_dim, "; expected >= 0"));
  CacheSizes c;
  c.mla = static_cast<double>(tokens) * static_cast<double>(rank + rope_dim);
  c.mha = kv_cache_entries(tokens, heads, d_head);
  c.gqa = kv_cache_entries(tokens, kv_heads, d_head);
  c.mqa = kv_cache_entries(tokens, 1, d_head);
  return c;
}

template <typename T>
LatentDrift latent_drift(MatCRef<T> x, const std::vector<Mat<T>>& wq, const std::vector<Mat<T>>& wk,
                         const std::vector<Mat<T>>& wv, Index rank, const MatrixOptions& opt) {
  check_heads<T>(wq, wk, wv);
  const LatentWeights<T> lat = latent_from_mha<T>(wk, wv, rank);
  const MlaResult<T> mla = mla_attention<T>(x, wq, lat, opt);
  const HeadLayout layout{static_cast<Index>(wq.size()), static_cast<Index>(wq.size())};
  const MultiHeadResult<T> mha = multi_head_attention<T>(x, wq, wk, wv, layout, opt);
  LatentDrift d;
  d.rank = rank;
  const Mat<double> w = stacked<T>(wk, wv);
  Mat<double> wr(w.rows(), w.cols());
  const Index dh = wk[0].rows(), heads = static_cast<Index>(wk.size());
  for (Index h = 0; h < heads; ++h) {
    wr.middleRows(h * dh, dh) = (lat.w_uk[static_cast<size_t>(h)] * lat.w_dkv).template cast<double>();
    wr.middleRows((heads + h) * dh, dh) = (lat.w_uv[static_cast<size_t>(h)] * lat.w_dkv).template cast<double>();
  }
  // stableNorm: weights near ±max would overflow a plain sum of squares.
  const double norm = w.stableNorm();
  d.projection_error = norm > 0 ? std::min(1e300, (w - wr).stableNorm() / norm) : 0.0;
  for (size_t h = 0; h < wq.size(); ++h)
    d.max_weight_diff = std::max(
        d.max_weight_diff,
        static_cast<double>((mla.heads[h].attention.weights - mha.heads[h].attention.weights).cwiseAbs().maxCoeff()));
  d.max_output_diff = static_cast<double>((mla.output - mha.output).cwiseAbs().maxCoeff());
  return d;
}

#define ATTN_INSTANTIATE(T)                                                                                    \
  template LatentWeights<T> latent_from_mha<T>(const std::vector<Mat<T>>&, const std::vector<Mat<T>>&, Index); \
  template MlaResult<T> mla_attention<T>(MatCRef<T>, const std::vector<Mat<T>>&, const LatentWeights<T>&,      \
                                         const MatrixOptions&);                                                \
  template LatentDrift latent_drift<T>(MatCRef<T>, const std::vector<Mat<T>>&, const std::vector<Mat<T>>&,     \
                                       const std::vector<Mat<T>>&, Index, const MatrixOptions&);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
