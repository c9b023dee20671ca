#include "attn/mla.hpp"

#include <algorithm>
#include <cmath>

#include <Eigen/SVD>

#include "attn/errors.hpp"

namespace attn {
namespace {

template <typename T>
void check_heads(const std::vector<Mat<T>>& wq, const std::vector<Mat<T>>& wk, const std::vector<Mat<T>>& wv) {
  if (wq.empty()) throw invalid_argument("W_Q", "has 0 matrices; expected one per head");
  if (wk.size() != wq.size() || wv.size() != wq.size())
    throw invalid_argument("W_K", detail::cat("W_K and W_V have ", wk.size(), " and ", wv.size(),
                                              " matrices; expected one per head (", wq.size(), "), as in MHA"));
  for (size_t h = 0; h < wq.size(); ++h) {
    const Mat<T>* all[] = {&wq[h], &wk[h], &wv[h]};
    for (const Mat<T>* w : all)
      if (w->rows() != wq[0].rows() || w->cols() != wq[0].cols() || w->size() == 0)
        throw invalid_argument(w == &wq[h] ? "W_Q" : w == &wk[h] ? "W_K" : "W_V",
                               detail::cat("matrix ", h, " is ", w->rows(), " x ", w->cols(), "; expected ",
                                           wq[0].rows(), " x ", wq[0].cols(), " (d_head x d_model) for every head"));
    detail::require_all_finite("W_Q", wq[h]);
    detail::require_all_finite("W_K", wk[h]);
    detail::require_all_finite("W_V", wv[h]);
  }
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
  check_heads<T>(wk, wk, wv);
  const Index d_model = wk[0].cols(), dh = wk[0].rows(), heads = static_cast<Index>(wk.size());
  if (rank < 1 || rank > d_model)
    throw invalid_argument("rank", detail::cat("is ", rank, "; expected 1 <= r <= d_model = ", d_model));
  const Mat<double> w = stacked<T>(wk, wv);
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(w, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Index k = svd.singularValues().size();  // min(2 H d_head, d_model)
  // Ranks beyond the stack's size add zero directions (still a valid down-projection).
  Mat<double> down = Mat<double>::Zero(rank, d_model), up = Mat<double>::Zero(w.rows(), rank);
  const Index used = std::min(rank, k);
  down.topRows(used) = svd.matrixV().leftCols(used).transpose();
  up.leftCols(used) = svd.matrixU().leftCols(used) * svd.singularValues().head(used).asDiagonal();
  if (rank > k) {
    // Complete V's rows with directions orthogonal to them (a full orthonormal basis).
    const Eigen::JacobiSVD<Eigen::MatrixXd> full(w.transpose() * w, Eigen::ComputeFullU);
    down.bottomRows(rank - k) = full.matrixU().rightCols(d_model - k).leftCols(rank - k).transpose();
  }
  LatentWeights<T> r;
  r.w_dkv = down.cast<T>();
  for (Index h = 0; h < heads; ++h) {
    r.w_uk.push_back(up.middleRows(h * dh, dh).cast<T>());
    r.w_uv.push_back(up.middleRows((heads + h) * dh, dh).cast<T>());
  }
  return r;
}

template <typename T>
MlaResult<T> mla_attention(MatCRef<T> x, const std::vector<Mat<T>>& wq, const LatentWeights<T>& latent,
                           const MatrixOptions& opt) {
  if (x.rows() == 0) throw invalid_argument("tokens", "got m = 0 tokens; expected at least 1");
  detail::require_all_finite("tokens", x);
  const Index rank = latent.w_dkv.rows();
  if (rank < 1 || latent.w_dkv.cols() != x.cols())
    throw invalid_argument("W_DKV", detail::cat("is ", rank, " x ", latent.w_dkv.cols(), "; expected r x d_model with r >= 1, d_model = ",
                                                x.cols()));
  if (wq.empty() || latent.w_uk.size() != wq.size() || latent.w_uv.size() != wq.size())
    throw invalid_argument("W_UK", detail::cat("W_Q, W_UK and W_UV have ", wq.size(), ", ", latent.w_uk.size(), " and ",
                                               latent.w_uv.size(), " matrices; expected one per head each"));
  detail::require_all_finite("W_DKV", latent.w_dkv);
  MlaResult<T> r;
  r.latent.noalias() = x * latent.w_dkv.transpose();  // (m, r): the cache
  const Index dh = wq[0].rows();
  r.output.resize(x.rows(), dh * static_cast<Index>(wq.size()));
  for (size_t h = 0; h < wq.size(); ++h) {
    if (wq[h].rows() != dh || wq[h].cols() != x.cols() || latent.w_uk[h].rows() != dh ||
        latent.w_uk[h].cols() != rank || latent.w_uv[h].rows() != dh || latent.w_uv[h].cols() != rank)
      throw invalid_argument("W_UK", detail::cat("head ", h, ": expected W_Q ", dh, " x ", x.cols(), " and W_UK, W_UV ", dh,
                                                 " x ", rank, " (d_head x r)"));
    detail::require_all_finite("W_Q", wq[h]);
    detail::require_all_finite("W_UK", latent.w_uk[h]);
    detail::require_all_finite("W_UV", latent.w_uv[h]);
    SelfAttentionResult<T> s;
    s.q.noalias() = x * wq[h].transpose();                // (m, d_head)
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
    d.max_weight_diff = std::max(d.max_weight_diff, static_cast<double>((mla.heads[h].attention.weights -
                                                                         mha.heads[h].attention.weights).cwiseAbs().maxCoeff()));
  d.max_output_diff = static_cast<double>((mla.output - mha.output).cwiseAbs().maxCoeff());
  return d;
}

#define ATTN_INSTANTIATE(T)                                                                                  \
  template LatentWeights<T> latent_from_mha<T>(const std::vector<Mat<T>>&, const std::vector<Mat<T>>&, Index); \
  template MlaResult<T> mla_attention<T>(MatCRef<T>, const std::vector<Mat<T>>&, const LatentWeights<T>&,    \
                                         const MatrixOptions&);                                              \
  template LatentDrift latent_drift<T>(MatCRef<T>, const std::vector<Mat<T>>&, const std::vector<Mat<T>>&,   \
                                       const std::vector<Mat<T>>&, Index, const MatrixOptions&);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
