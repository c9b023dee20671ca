#include "attn/heads.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "attn/errors.hpp"

namespace attn {
namespace {

template <typename T>
void check_projection(const char* name, MatCRef<T> w, Index d_model, Index d_head) {
  if (w.cols() != d_model || (d_head >= 0 && w.rows() != d_head))
    throw invalid_argument(name, detail::cat("is ", w.rows(), " x ", w.cols(), "; expected ",
                                             d_head >= 0 ? detail::cat(d_head) : std::string("d_head"), " x ", d_model,
                                             " (d_head x d_model)"));
  if (w.rows() == 0) throw invalid_argument(name, "has d_head = 0 rows; expected at least 1");
  detail::require_all_finite(name, w);
}

// tokens · Wᵀ of finite inputs can still overflow; say so under W's name (and not, later,
// as a non-finite entry of "queries" or "values", names the user never wrote).
template <typename T>
void check_projection_finite(const char* name, const char* what, const Mat<T>& p) {
  if (p.allFinite()) return;
  for (Index i = 0; i < p.rows(); ++i)
    for (Index j = 0; j < p.cols(); ++j)
      if (!std::isfinite(p(i, j)))
        throw invalid_argument(name, detail::cat("the projection ", what, " = tokens · ", name, "ᵀ overflows at (", i,
                                                 ", ", j, "); expected |tokens| · |", name, "| products within ±",
                                                 static_cast<double>(std::numeric_limits<T>::max()),
                                                 " (scale the tokens or ", name, " down)"));
}

// Work of one head: the projections (m query tokens, n key/value tokens) and the attention
// over them, m · n · (d_k + d_v + c) as attention_matrix counts it. Checked before projecting:
// the projections of a small input can be huge (d_head 8000 for 1024 one-number tokens).
double head_work(Index m, Index n, Index d_model, Index dq, Index dk, Index dv, Index c) {
  const double dm = static_cast<double>(d_model), mm = static_cast<double>(m), nn = static_cast<double>(n);
  return mm * dm * static_cast<double>(dq) + nn * dm * static_cast<double>(dk + dv) +
         mm * nn * static_cast<double>(dk + dv + c);
}

void check_work(double work, const std::string& what) {
  if (work > kMaxAttentionWork)
    throw invalid_argument("tokens", detail::cat(what, " = ", work, " operations; expected at most ", kMaxAttentionWork,
                                                 "; use fewer tokens or a smaller d_head (fewer rows in wq, wk, wv)"));
}

void check_entries(Index m, Index n) {
  if (m > kMaxMatrixEntries / n)
    throw invalid_argument(
        "tokens", detail::cat("make an m x n = ", m, " x ", n,
                              " attention matrix; expected m · n <= ", kMaxMatrixEntries, " entries (4096 x 4096)"));
}

}  // namespace

template <typename T>
SelfAttentionResult<T> self_attention(MatCRef<T> x, MatCRef<T> wq, MatCRef<T> wk, MatCRef<T> wv,
                                      const MatrixOptions& opt) {
  if (x.rows() == 0) throw invalid_argument("tokens", "got m = 0 tokens; expected at least 1");
  if (x.cols() == 0) throw invalid_argument("tokens", "have d_model = 0; expected at least 1");
  detail::require_all_finite("tokens", x);
  check_projection<T>("W_Q", wq, x.cols(), -1);
  check_projection<T>("W_K", wk, x.cols(), wq.rows());
  check_projection<T>("W_V", wv, x.cols(), -1);
  const Index m = x.rows(), dm = x.cols();
  check_entries(m, m);
  const Index c = attention_entry_work(opt, wk.rows());
  check_work(head_work(m, m, dm, wq.rows(), wk.rows(), wv.rows(), c),
             detail::cat(
                 "with m = ", m, " rows, d_model = ", dm, " and d_head = ", wq.rows(), ", ", wk.rows(), ", ", wv.rows(),
                 " (q, k, v), the projections and attention take m · d_model · (d_q + d_k + d_v) + m² · (d_k + d_v + ",
                 c, ")"));

  SelfAttentionResult<T> r;
  r.q.noalias() = x * wq.transpose();  // (m, d_head)
  r.k.noalias() = x * wk.transpose();
  r.v.noalias() = x * wv.transpose();
  check_projection_finite<T>("W_Q", "Q", r.q);
  check_projection_finite<T>("W_K", "K", r.k);
  check_projection_finite<T>("W_V", "V", r.v);
  r.attention = attention_matrix<T>(r.q, r.k, r.v, opt);
  // Asymmetry readouts (square: m queries against the same m tokens). Logits saturate at
  // ±max, so their difference is taken in halves and saturates too (never inf).
  const T big = std::numeric_limits<T>::max();
  const T half = (r.attention.logits * T(0.5) - r.attention.logits.transpose() * T(0.5)).cwiseAbs().maxCoeff();
  r.logit_asymmetry = std::min(half, big / 2) * 2;
  r.weight_asymmetry = (r.attention.weights - r.attention.weights.transpose()).cwiseAbs().maxCoeff();
  return r;
}

template <typename T>
CrossAttentionResult<T> cross_attention(MatCRef<T> x_q, MatCRef<T> x_kv, MatCRef<T> wq, MatCRef<T> wk, MatCRef<T> wv,
                                        const MatrixOptions& opt) {
  if (x_q.rows() == 0) throw invalid_argument("tokens", "got m = 0 query tokens; expected at least 1");
  if (x_kv.rows() == 0) throw invalid_argument("source", "got n = 0 source tokens; expected at least 1");
  if (x_q.cols() == 0) throw invalid_argument("tokens", "have d_model = 0; expected at least 1");
  if (x_kv.cols() != x_q.cols())
    throw invalid_argument("source", detail::cat("has d_model = ", x_kv.cols(), " but tokens have ", x_q.cols(),
                                                 "; expected one d_model for both sequences"));
  detail::require_all_finite("tokens", x_q);
  detail::require_all_finite("source", x_kv);
  check_projection<T>("W_Q", wq, x_q.cols(), -1);
  check_projection<T>("W_K", wk, x_q.cols(), wq.rows());
  check_projection<T>("W_V", wv, x_q.cols(), -1);
  const Index m = x_q.rows(), n = x_kv.rows(), dm = x_q.cols();
  check_entries(m, n);
  const Index c = attention_entry_work(opt, wk.rows());
  check_work(
      head_work(m, n, dm, wq.rows(), wk.rows(), wv.rows(), c),
      detail::cat("with m = ", m, " rows, source n = ", n, ", d_model = ", dm, " and d_head = ", wq.rows(), ", ",
                  wk.rows(), ", ", wv.rows(), " (q, k, v), the projections and attention take m · d_model · d_q + ",
                  "n · d_model · (d_k + d_v) + m · n · (d_k + d_v + ", c, ")"));
  CrossAttentionResult<T> r;
  r.q.noalias() = x_q * wq.transpose();   // (m, d_head)
  r.k.noalias() = x_kv * wk.transpose();  // (n, d_head)
  r.v.noalias() = x_kv * wv.transpose();  // (n, d_v)
  check_projection_finite<T>("W_Q", "Q", r.q);
  check_projection_finite<T>("W_K", "K", r.k);
  check_projection_finite<T>("W_V", "V", r.v);
  r.attention = attention_matrix<T>(r.q, r.k, r.v, opt);
  return r;
}

void HeadLayout::validate() const {
  if (heads < 1 || heads > 64) throw invalid_argument("heads", detail::cat("is ", heads, "; expected 1..64"));
  if (kv_heads < 1 || kv_heads > heads || heads % kv_heads != 0)
    throw invalid_argument("kv_heads", detail::cat("is ", kv_heads, "; expected a divisor of heads = ", heads));
}

const char* HeadLayout::name() const {
  if (kv_heads == heads) return "MHA";
  if (kv_heads == 1) return "MQA";
  return "GQA";
}

template <typename T>
MultiHeadResult<T> multi_head_attention(MatCRef<T> x, const std::vector<Mat<T>>& wq, const std::vector<Mat<T>>& wk,
                                        const std::vector<Mat<T>>& wv, const HeadLayout& layout,
                                        const MatrixOptions& opt) {
  layout.validate();
  if (static_cast<Index>(wq.size()) != layout.heads)
    throw invalid_argument("W_Q",
                           detail::cat("has ", wq.size(), " matrices; expected one per head (", layout.heads, ")"));
  if (static_cast<Index>(wk.size()) != layout.kv_heads || static_cast<Index>(wv.size()) != layout.kv_heads)
    throw invalid_argument("W_K", detail::cat("W_K and W_V have ", wk.size(), " and ", wv.size(),
                                              " matrices; expected one per key/value head (", layout.kv_heads, ")"));
  if (x.rows() > 0 && layout.heads > kMaxMatrixEntries / x.rows() / x.rows())
    throw invalid_argument("tokens", detail::cat("has m = ", x.rows(), " rows: ", layout.heads, " heads of ", x.rows(),
                                                 " x ", x.rows(), " attention matrices exceed ", kMaxMatrixEntries,
                                                 " entries in all; expected heads · m² <= ", kMaxMatrixEntries));
  // Every query head projects and attends on its own (kv heads share weights, not work).
  double work = 0;
  for (Index h = 0; h < layout.heads; ++h) {
    const auto g = static_cast<size_t>(layout.kv_head_of(h));
    work += head_work(x.rows(), x.rows(), x.cols(), wq[static_cast<size_t>(h)].rows(), wk[g].rows(), wv[g].rows(),
                      attention_entry_work(opt, wk[g].rows()));
  }
  check_work(work,
             detail::cat("with m = ", x.rows(), " rows, d_model = ", x.cols(), ", ", layout.heads,
                         " heads and d_head = ", wq.front().rows(), ", the projections and attention take heads · (",
                         "m · d_model · (d_q + d_k + d_v) + m² · (d_k + d_v + ",
                         attention_entry_work(opt, wk.front().rows()), "))"));
  MultiHeadResult<T> r;
  for (Index h = 0; h < layout.heads; ++h) {
    const auto g = static_cast<size_t>(layout.kv_head_of(h));
    r.heads.push_back(self_attention<T>(x, wq[static_cast<size_t>(h)], wk[g], wv[g], opt));
  }
  const Index dv = r.heads.front().v.cols();
  r.output.resize(x.rows(), dv * layout.heads);  // (m, heads · d_head)
  for (Index h = 0; h < layout.heads; ++h) {
    const Mat<T>& o = r.heads[static_cast<size_t>(h)].attention.output;
    if (o.cols() != dv) throw invalid_argument("W_V", "matrices differ in d_head; expected one shape for every head");
    r.output.middleCols(h * dv, dv) = o;
  }
  return r;
}

double kv_cache_entries(Index tokens, Index kv_heads, Index d_head) {
  if (tokens < 0 || kv_heads < 1 || d_head < 1)
    throw invalid_argument("kv_cache", detail::cat("got tokens = ", tokens, ", kv_heads = ", kv_heads, ", d_head = ",
                                                   d_head, "; expected tokens >= 0 and the others >= 1"));
  return 2.0 * static_cast<double>(tokens) * static_cast<double>(kv_heads) * static_cast<double>(d_head);
}

#define ATTN_INSTANTIATE(T)                                                                                       \
  template SelfAttentionResult<T> self_attention<T>(MatCRef<T>, MatCRef<T>, MatCRef<T>, MatCRef<T>,               \
                                                    const MatrixOptions&);                                        \
  template CrossAttentionResult<T> cross_attention<T>(MatCRef<T>, MatCRef<T>, MatCRef<T>, MatCRef<T>, MatCRef<T>, \
                                                      const MatrixOptions&);                                      \
  template MultiHeadResult<T> multi_head_attention<T>(MatCRef<T>, const std::vector<Mat<T>>&,                     \
                                                      const std::vector<Mat<T>>&, const std::vector<Mat<T>>&,     \
                                                      const HeadLayout&, const MatrixOptions&);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
