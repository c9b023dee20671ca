#include "attn/matrix.hpp"

#include <cstdlib>

#include "attn/attend.hpp"
#include "attn/errors.hpp"

namespace attn {

std::string Mask::to_string() const {
  switch (kind) {
    case Kind::none: return "none";
    case Kind::causal: return "causal";
    case Kind::window: return detail::cat("window:", size);
    case Kind::top_k: return detail::cat("topk:", size);
  }
  return "none";
}

Mask Mask::parse(const std::string& text) {
  if (text == "none") return none();
  if (text == "causal") return causal();
  const auto colon = text.find(':');
  if (colon != std::string::npos) {
    const std::string name = text.substr(0, colon), number = text.substr(colon + 1);
    char* end = nullptr;
    const long long v = number.empty() ? 0 : std::strtoll(number.c_str(), &end, 10);
    const bool whole = !number.empty() && end && *end == '\0';
    if (whole && name == "window") return window(static_cast<Index>(v));
    if (whole && (name == "topk" || name == "top_k")) return top_k(static_cast<Index>(v));
  }
  throw invalid_argument("mask", detail::cat("is \"", text,
                                             "\"; expected none, causal, window:<w> or topk:<k>"));
}

bool mask_allows(const Mask& mask, Index i, Index j) {
  switch (mask.kind) {
    case Mask::Kind::causal: return j <= i;
    case Mask::Kind::window: return j <= i && j > i - mask.size;
    default: return true;
  }
}

template <typename T>
MatrixResult<T> attention_matrix(MatCRef<T> queries, MatCRef<T> keys, MatCRef<T> values, const MatrixOptions& opt) {
  validate_keys_values<T>(keys, values, opt.scale);
  const Index m = queries.rows(), n = keys.rows(), d = keys.cols();
  if (m == 0) throw invalid_argument("queries", "got m = 0 queries; expected at least 1");
  if (queries.cols() != d)
    throw invalid_argument("queries", detail::cat("have dimension ", queries.cols(), " but keys have d = ", d,
                                                  "; expected equal dimensions"));
  detail::require_all_finite("queries", queries);
  const Mask& mask = opt.mask;
  if (mask.kind == Mask::Kind::window && mask.size < 1)
    throw invalid_argument("window", detail::cat("is ", mask.size, "; expected a width w >= 1"));
  if (mask.kind == Mask::Kind::top_k && (mask.size < 1 || mask.size > n))
    throw invalid_argument("topk", detail::cat("is ", mask.size, "; expected 1 <= k <= n = ", n));

  MatrixResult<T> r;
  r.logits.resize(m, n);   // (m, n)
  r.weights.setZero(m, n);  // (m, n); masked entries stay 0
  r.entropy.setZero(m);
  r.empty_row.setConstant(m, false);
  const AttendOptions row_opt{opt.scale, opt.normalize_keys};

  Vec<T> row_logits(n), picked, picked_w;
  for (Index i = 0; i < m; ++i) {
    const Vec<T> q = queries.row(i).transpose();
    logits_into<T>(q, keys, row_opt, row_logits);
    r.logits.row(i) = row_logits.transpose();

    if (mask.kind == Mask::Kind::top_k) {
      // Keep the k largest logits (ties: lower key index) and renormalise over them.
      const std::vector<Index> keep = top_k<T>(row_logits, mask.size);
      picked.resize(mask.size);
      picked_w.resize(mask.size);
      for (Index t = 0; t < mask.size; ++t) picked(t) = row_logits(keep[static_cast<size_t>(t)]);
      r.entropy(i) = softmax_into<T>(picked, picked_w).entropy;
      for (Index t = 0; t < mask.size; ++t) r.weights(i, keep[static_cast<size_t>(t)]) = picked_w(t);
      continue;
    }
    // none, causal and window all keep one contiguous run of keys [lo, hi].
    Index lo = 0, hi = n - 1;
    if (mask.kind != Mask::Kind::none) hi = std::min(i, n - 1);
    if (mask.kind == Mask::Kind::window) lo = std::max<Index>(0, i - mask.size + 1);
    if (lo > hi) {
      r.empty_row(i) = true;  // nothing visible: zero weights, zero output, zero entropy
      continue;
    }
    const Index len = hi - lo + 1;
    Vec<T> w(len);
    r.entropy(i) = softmax_into<T>(row_logits.segment(lo, len), w).entropy;
    r.weights.row(i).segment(lo, len) = w.transpose();
  }
  if (values.rows() != 0) r.output.noalias() = r.weights * values;  // (m, dv) = (m, n)(n, dv)
  return r;
}

#define ATTN_INSTANTIATE(T) \
  template MatrixResult<T> attention_matrix<T>(MatCRef<T>, MatCRef<T>, MatCRef<T>, const MatrixOptions&);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
