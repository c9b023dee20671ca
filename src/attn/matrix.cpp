#include "attn/matrix.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "attn/attend.hpp"
#include "attn/entmax.hpp"
#include "attn/errors.hpp"
#include "attn/kernels.hpp"

namespace attn {

std::string Mask::to_string() const {
  switch (kind) {
    case Kind::none:
      return "none";
    case Kind::causal:
      return "causal";
    case Kind::window:
      return detail::cat("window:", size);
    case Kind::top_k:
      return detail::cat("topk:", size);
    case Kind::sparse: {
      std::string g;
      for (const Index t : sparse.global) g += detail::cat(g.empty() ? "" : ",", t);
      return detail::cat("sparse:w=", sparse.window, ",s=", sparse.stride, ",global=[", g, "],",
                         sparse.causal ? "causal" : "bidirectional");
    }
  }
  return "none";
}

Mask Mask::parse(const std::string& text) {
  if (text == "none") return none();
  if (text == "causal") return causal();
  const auto colon = text.find(':');
  if (colon != std::string::npos) {
    const std::string name = text.substr(0, colon), number = text.substr(colon + 1);
    // An optional '-' then digits: no '+', spaces or junk, so the text round-trips through
    // to_string. Sizes are checked where they are used (attention_matrix knows n), so a
    // mask says the same thing whether it came from text or from Mask::window(w).
    const size_t start = (!number.empty() && number[0] == '-') ? 1 : 0;
    const bool digits = number.size() > start && number.size() <= start + 9 &&
                        number.find_first_not_of("0123456789", start) == std::string::npos;
    const Index v = digits ? static_cast<Index>(std::stoll(number)) : 0;
    if (digits && name == "window") return window(v);
    if (digits && (name == "topk" || name == "top_k")) return top_k(v);
  }
  throw invalid_argument("mask",
                         detail::cat("is ", detail::quoted(text), "; expected none, causal, window:<w> or topk:<k>"));
}

bool mask_allows(const Mask& mask, Index i, Index j) {
  switch (mask.kind) {
    case Mask::Kind::causal:
      return j <= i;
    case Mask::Kind::window:
      return j <= i && j > i - mask.size;
    case Mask::Kind::sparse: {
      const SparsePattern& p = mask.sparse;
      if (p.causal && j > i) return false;
      const Index gap = i > j ? i - j : j - i;
      if (gap < p.window || (p.stride > 0 && gap % p.stride == 0)) return true;
      return std::find(p.global.begin(), p.global.end(), i) != p.global.end() ||
             std::find(p.global.begin(), p.global.end(), j) != p.global.end();
    }
    default:
      return true;
  }
}

void validate_sparse(const SparsePattern& p, Index m, Index n) {
  if (p.window < 1)
    throw invalid_argument("window",
                           detail::cat("is ", p.window, "; expected a local width w >= 1 (1 = the diagonal only)"));
  if (p.stride < 0)
    throw invalid_argument("stride", detail::cat("is ", p.stride, "; expected s >= 0 (0 = no strided keys)"));
  const Index tokens = std::max(m, n);
  for (size_t t = 0; t < p.global.size(); ++t)
    if (p.global[t] < 0 || p.global[t] >= tokens)
      throw invalid_argument("global", detail::cat("entry ", t, " is ", p.global[t], "; expected a token index 0..",
                                                   tokens - 1, " (max(m, n) = ", tokens, " tokens)"));
}

namespace {

// The sparse pattern, computing only the visible scores: per row, 1) gather the visible
// keys and their logits, 2) softmax over them (max subtracted for stability only),
// 3) scatter the weights, 4) accumulate values. Hidden scores are never computed.
template <typename T>
MatrixResult<T> sparse_matrix(MatCRef<T> queries, MatCRef<T> keys, MatCRef<T> values, const MatrixOptions& opt) {
  const Index m = queries.rows(), n = keys.rows();
  const SparsePattern& p = opt.mask.sparse;
  std::vector<bool> global(static_cast<size_t>(std::max(m, n)), false);
  for (const Index g : p.global) global[static_cast<size_t>(g)] = true;

  MatrixResult<T> r;
  r.logits.setZero(m, n);   // (m, n); hidden scores stay 0 (never computed)
  r.weights.setZero(m, n);  // (m, n)
  r.entropy.setZero(m);
  r.empty_row.setConstant(m, false);
  r.masked.setConstant(m, n, true);
  if (values.rows() != 0) r.output.setZero(m, values.cols());
  const AttendOptions row_opt{opt.scale, opt.normalize_keys};

  std::vector<Index> visible;
  Vec<T> picked, picked_w;
  Mat<T> picked_keys;
  for (Index i = 0; i < m; ++i) {
    visible.clear();
    const Index hi = p.causal ? std::min(i, n - 1) : n - 1;
    for (Index j = 0; j <= hi; ++j) {
      const Index gap = i > j ? i - j : j - i;
      if (gap < p.window || (p.stride > 0 && gap % p.stride == 0) || global[static_cast<size_t>(i)] ||
          global[static_cast<size_t>(j)])
        visible.push_back(j);
    }
    const Index len = static_cast<Index>(visible.size());
    r.scores_computed += len;
    if (len == 0) {
      r.empty_row(i) = true;
      continue;
    }
    picked_keys.resize(len, keys.cols());
    for (Index t = 0; t < len; ++t) picked_keys.row(t) = keys.row(visible[static_cast<size_t>(t)]);
    picked.resize(len);
    picked_w.resize(len);
    logits_into<T>(queries.row(i).transpose(), picked_keys, row_opt, picked);
    r.entropy(i) = softmax_into<T>(picked, picked_w).entropy;
    for (Index t = 0; t < len; ++t) {
      const Index j = visible[static_cast<size_t>(t)];
      r.logits(i, j) = picked(t);
      r.weights(i, j) = picked_w(t);
      r.masked(i, j) = false;
      if (values.rows() != 0) r.output.row(i) += picked_w(t) * values.row(j);
    }
  }
  return r;
}

}  // namespace

Index attention_entry_work(const MatrixOptions& opt, Index d) {
  if (opt.alpha != 1 || opt.mask.kind == Mask::Kind::top_k) return 256;
  return opt.mask.kind == Mask::Kind::sparse ? 16 + d : 16;  // sparse gathers each visible key first
}

template <typename T>
MatrixResult<T> attention_matrix(MatCRef<T> queries, MatCRef<T> keys, MatCRef<T> values, const MatrixOptions& opt) {
  validate_keys_values<T>(keys, values, opt.scale);
  const Index m = queries.rows(), n = keys.rows(), d = keys.cols();
  if (m == 0) throw invalid_argument("queries", "got m = 0 queries; expected at least 1");
  if (queries.cols() != d)
    throw invalid_argument("queries", detail::cat("have dimension ", queries.cols(), " but keys have d = ", d,
                                                  "; expected equal dimensions"));
  if (m > kMaxMatrixEntries / n)
    throw invalid_argument(
        "queries", detail::cat("and keys make an m x n = ", m, " x ", n,
                               " attention matrix; expected m · n <= ", kMaxMatrixEntries, " entries (4096 x 4096)"));
  const Index dv = values.rows() != 0 ? values.cols() : 0;
  const Index c = attention_entry_work(opt, d);
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(d + dv + c);
  if (work > kMaxAttentionWork)
    throw invalid_argument(
        "queries",
        detail::cat("and keys make m · n · (d + dv + c) = ", m, " · ", n, " · (", d, " + ", dv, " + ", c, ") = ", work,
                    " operations (logits, output and c = ", c,
                    c == 256  ? " to sort or bisect each row"
                    : c == 16 ? " for softmax's exp"
                              : " for the exp and gathering keys",
                    "); expected at most ", kMaxAttentionWork, "; use fewer queries or keys, or a smaller d or dv"));
  detail::require_all_finite("queries", queries);
  const Mask& mask = opt.mask;
  if (mask.kind == Mask::Kind::window && mask.size < 1)
    throw invalid_argument("window", detail::cat("is ", mask.size, "; expected a width w >= 1"));
  if (mask.kind == Mask::Kind::top_k && (mask.size < 1 || mask.size > n))
    throw invalid_argument("topk", detail::cat("is ", mask.size, "; expected 1 <= k <= n = ", n));
  if (mask.kind == Mask::Kind::sparse) {
    validate_sparse(mask.sparse, m, n);
    return sparse_matrix<T>(queries, keys, values, opt);
  }

  if constexpr (std::is_same<T, float>::value) {
    // float, no mask or causal, raw keys: the blocked SIMD kernel (attn/kernels.hpp).
    // It declines (false) on a non-finite logit or output - overflow - and the
    // reference loop below then handles those inputs exactly as before.
    const float scale_f = static_cast<float>(opt.scale);
    if (opt.plain() && !opt.normalize_keys && (mask.kind == Mask::Kind::none || mask.kind == Mask::Kind::causal) &&
        std::isfinite(scale_f)) {
      MatrixResult<float> r;
      r.logits.resize(m, n);
      r.weights.resize(m, n);
      r.entropy.resize(m);
      r.empty_row.setConstant(m, false);  // n >= 1: key 0 is always visible
      r.masked.setConstant(m, n, false);
      r.sink_weight.setZero(m);
      if (mask.kind == Mask::Kind::causal)
        for (Index i = 0; i < m; ++i)
          for (Index j = i + 1; j < n; ++j) r.masked(i, j) = true;
      if (values.rows() != 0) r.output.resize(m, values.cols());
      kernels::AttentionProblem p;
      p.Q = queries.data();
      p.m = m;
      p.ldq = queries.outerStride();
      p.K = keys.data();
      p.n = n;
      p.ldk = keys.outerStride();
      p.d = d;
      p.V = values.rows() != 0 ? values.data() : nullptr;
      p.ldv = values.outerStride();
      p.dv = values.rows() != 0 ? values.cols() : 0;
      p.scale = scale_f;
      p.causal = mask.kind == Mask::Kind::causal;
      kernels::AttentionOutputs o;
      o.O = values.rows() != 0 ? r.output.data() : nullptr;
      o.ldo = p.dv;
      o.logits = r.logits.data();
      o.weights = r.weights.data();
      o.lds = n;
      o.entropy = r.entropy.data();
      std::vector<float> workspace(static_cast<size_t>(kernels::attention_workspace_floats(m, n, d, false)));
      r.scores_computed = m * n;
      if (kernels::attention_f32(p, o, workspace.data())) return r;
    }
  }

  // Options beyond softmax: checked once for the whole matrix (attn/attend.hpp).
  AttendOptions beyond;
  beyond.alpha = opt.alpha;
  beyond.sink = opt.sink;
  beyond.kernel = opt.kernel;
  beyond.features = opt.features;
  validate_options(beyond, n, d);
  validate_kernel_work(
      opt.kernel, opt.features, static_cast<double>(m) * static_cast<double>(n), d, "keys",
      detail::cat(static_cast<double>(m) * static_cast<double>(n), " query-key pairs (m · n = ", m, " · ", n, ")"),
      "queries or keys");
  if (opt.rope) validate_rope(*opt.rope, n, d, m);

  MatrixResult<T> r;
  r.scores_computed = m * n;  // every logit is computed (top_k needs all of them to choose)
  r.logits.resize(m, n);      // (m, n)
  r.weights.setZero(m, n);    // (m, n); masked entries stay 0
  r.entropy.setZero(m);
  r.sink_weight.setZero(m);
  r.empty_row.setConstant(m, false);
  r.masked.setConstant(m, n, true);  // cleared below for every key a row may see
  AttendOptions row_opt;
  row_opt.scale = opt.scale;
  row_opt.normalize_keys = opt.normalize_keys;

  // Keys the rows see when they are rotated or fed to a kernel: normalised, then rotated.
  const bool own_keys = opt.rope || opt.kernel != Kernel::softmax;
  Mat<T> used;  // (n, d)
  if (own_keys) {
    used = opt.normalize_keys ? unit_rows<T>(keys) : Mat<T>(keys);
  }
  if (opt.rope) {
    std::vector<double> pos(static_cast<size_t>(n)), qpos(static_cast<size_t>(m));
    for (Index j = 0; j < n; ++j) pos[static_cast<size_t>(j)] = rope_key_position(*opt.rope, j);
    for (Index i = 0; i < m; ++i) qpos[static_cast<size_t>(i)] = rope_query_position_of_row(*opt.rope, i);
    r.rotated_keys = rope_rotate_rows<T>(used, pos, *opt.rope);
    r.rotated_queries = rope_rotate_rows<T>(queries, qpos, *opt.rope);
    used = r.rotated_keys;
  }
  const Mat<double> omega =
      opt.kernel == Kernel::favor_plus ? favor_directions(opt.features, d, opt.seed) : Mat<double>();
  AttendOptions dot;  // scale only: rotated keys are already normalised
  dot.scale = opt.scale;

  // The normaliser over some of a row's keys: the logits themselves (softmax kernel, in T, so
  // the plain options are softmax_into bit for bit) or the kernel's log-scores (double).
  Vec<T> row_logits(n), row_weights(n), picked, picked_w;  // scratch, reused by every row
  Vec<double> scores(n), picked_d, picked_wd;
  const auto normalise = [&](Index i, const std::vector<Index>& which, Index lo, Index len) {
    const bool listed = !which.empty();
    const Index count = listed ? static_cast<Index>(which.size()) : len;
    SoftmaxStats<T> st;
    if (opt.kernel == Kernel::softmax) {
      picked.resize(count);
      picked_w.resize(count);
      for (Index t = 0; t < count; ++t) picked(t) = row_logits(listed ? which[static_cast<size_t>(t)] : lo + t);
      st = entmax_into<T>(picked, opt.alpha, opt.sink, picked_w);
    } else {
      picked_d.resize(count);
      picked_wd.resize(count);
      for (Index t = 0; t < count; ++t) picked_d(t) = scores(listed ? which[static_cast<size_t>(t)] : lo + t);
      const SoftmaxStats<double> sd = entmax_into<double>(picked_d, opt.alpha, opt.sink, picked_wd);
      picked_w = picked_wd.cast<T>();
      st.entropy = static_cast<T>(sd.entropy);
      st.sink_weight = static_cast<T>(sd.sink_weight);
    }
    r.entropy(i) = st.entropy;
    r.sink_weight(i) = st.sink_weight;
    for (Index t = 0; t < count; ++t) {
      const Index j = listed ? which[static_cast<size_t>(t)] : lo + t;
      r.weights(i, j) = picked_w(t);
      r.masked(i, j) = false;
    }
  };

  for (Index i = 0; i < m; ++i) {
    if (opt.rope)
      logits_into<T>(r.rotated_queries.row(i).transpose(), used, dot, row_logits);
    else
      logits_into<T>(queries.row(i).transpose(), keys, row_opt, row_logits);
    r.logits.row(i) = row_logits.transpose();
    if (opt.kernel != Kernel::softmax) {
      const Vec<T> q = opt.rope ? Vec<T>(r.rotated_queries.row(i).transpose()) : Vec<T>(queries.row(i).transpose());
      linear_log_scores<T>(q, used, opt.kernel, opt.scale, omega, scores);
    }

    if (mask.kind == Mask::Kind::top_k) {
      // Keep the k largest logits (ties: lower key index) and renormalise over them.
      normalise(i, top_k<T>(row_logits, mask.size), 0, 0);
      continue;
    }
    // none, causal and window all keep one contiguous run of keys [lo, hi].
    Index lo = 0, hi = n - 1;
    if (mask.kind != Mask::Kind::none) hi = std::min(i, n - 1);
    if (mask.kind == Mask::Kind::window) lo = std::max<Index>(0, i - mask.size + 1);
    if (lo > hi) {
      r.empty_row(i) = true;               // nothing visible: zero weights, zero output, zero entropy
      if (opt.sink) r.sink_weight(i) = 1;  // ... and a sink, if any, takes everything
      continue;
    }
    normalise(i, {}, lo, hi - lo + 1);
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
