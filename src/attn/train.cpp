#include "attn/train.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "attn/entmax.hpp"
#include "attn/errors.hpp"
#include "attn/layout.hpp"
#include "attn/softmax.hpp"

namespace attn {
namespace {

void check_range(const char* name, Index v, Index lo, Index hi) {
  if (v < lo || v > hi)
    throw invalid_argument(name, detail::cat("is ", v, "; expected ", lo, " <= ", name, " <= ", hi));
}

std::string head_name(Index l, Index h, const char* w) { return detail::cat("layer", l, ".head", h, ".", w); }

// Uniform integer in 0 … n−1 from 53 random bits (deterministic; no std:: distribution).
Index below(Rng& rng, Index n) { return std::min(n - 1, static_cast<Index>(rng.uniform() * static_cast<double>(n))); }

// Fisher–Yates: a uniform permutation of 0 … n−1.
std::vector<std::int32_t> permutation(Rng& rng, Index n) {
  std::vector<std::int32_t> p(static_cast<size_t>(n));
  for (Index i = 0; i < n; ++i) p[static_cast<size_t>(i)] = static_cast<std::int32_t>(i);
  for (Index i = n - 1; i > 0; --i) std::swap(p[static_cast<size_t>(i)], p[static_cast<size_t>(below(rng, i + 1))]);
  return p;
}

// Throws (naming `name`) unless ok; the message is built only then.
template <typename... Parts>
void require(bool ok, const char* name, const Parts&... parts) {
  if (!ok) throw invalid_argument(name, detail::cat(parts...));
}

template <typename T>
void check_shape(const std::string& name, const Mat<T>& m, Index rows, Index cols) {
  if (m.rows() != rows || m.cols() != cols)
    throw invalid_argument(name, detail::cat("is ", m.rows(), " x ", m.cols(), "; expected ", rows, " x ", cols));
}

void check_cost(const ModelConfig& c, Index batch) {
  const double work = train_work(c, batch);
  require(work <= kMaxTrainWork, "batch", "of ", batch, " sequences makes one forward ", work,
          " multiply-adds; expected at most ", kMaxTrainWork,
          " (use a smaller batch, seq_len, d_model or fewer heads)");
  const double numbers = train_numbers(c, batch);
  require(numbers <= kMaxTrainNumbers, "batch", "of ", batch, " sequences makes training hold ", numbers,
          " numbers; expected at most ", kMaxTrainNumbers, " (use a smaller batch, seq_len, classes or d_model)");
}

void check_batch(const ModelConfig& c, const Batch& b) {
  check_range("batch", b.size(), 1, kMaxBatch);
  const Index B = b.size(), T = c.seq_len;
  require(b.tokens.cols() == T, "tokens", "have ", b.tokens.cols(), " positions per sequence; expected seq_len = ", T);
  require(b.targets.rows() == B && b.targets.cols() == T, "targets", "is ", b.targets.rows(), " x ", b.targets.cols(),
          "; expected ", B, " x ", T, " (like tokens)");
  require(b.scored.rows() == B && b.scored.cols() == T, "scored", "is ", b.scored.rows(), " x ", b.scored.cols(),
          "; expected ", B, " x ", T, " (like tokens)");
  check_cost(c, B);
  Index n = 0;
  for (Index i = 0; i < B; ++i)
    for (Index t = 0; t < T; ++t) {
      const std::int32_t x = b.tokens(i, t), y = b.targets(i, t), s = b.scored(i, t);
      if (x < 0 || x >= c.vocab)
        throw invalid_argument("tokens",
                               detail::cat("(", i, ", ", t, ") is ", x, "; expected 0 <= token < vocab = ", c.vocab));
      if (s != 0 && s != 1)
        throw invalid_argument("scored", detail::cat("(", i, ", ", t, ") is ", s, "; expected 0 or 1"));
      if (s == 1 && (y < 0 || y >= c.classes))
        throw invalid_argument(
            "targets", detail::cat("(", i, ", ", t, ") is ", y, "; expected 0 <= target < classes = ", c.classes,
                                   " at a scored position"));
      n += s;
    }
  require(n > 0, "scored", "has no scored position; expected at least one (the loss is a mean over them)");
}

// ---------------------------------------------------------------- layers: forward / backward pairs

// H⁰ = E[x] + P.   tokens (B, T) -> out (B·T, D)
template <typename T>
void embed_forward(const Mat<std::int32_t>& tokens, const Mat<T>& E, const Mat<T>& P, Mat<T>& out) {
  const Index B = tokens.rows(), S = tokens.cols();
  out.resize(B * S, E.cols());
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < S; ++t) out.row(b * S + t) = E.row(tokens(b, t)) + P.row(t);
}

template <typename T>
void embed_backward(const Mat<std::int32_t>& tokens, const Mat<T>& dout, Mat<T>& dE, Mat<T>& dP) {
  const Index B = tokens.rows(), S = tokens.cols();
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < S; ++t) {
      dE.row(tokens(b, t)) += dout.row(b * S + t);
      dP.row(t) += dout.row(b * S + t);
    }
}

// One head over B sequences of T.   x (B·T, D), W (d, D) -> q, k, v (B·T, d), scores and
// weights (B·T, T), out (B·T, d). Without projections wq = wk = wv = nullptr (identity).
template <typename T>
void head_forward(const ModelConfig& c, Index T_, const Mat<T>& x, const Mat<T>* wq, const Mat<T>* wk, const Mat<T>* wv,
                  HeadActivations<T>& a, Mat<T>& out, Index layer, Index head) {
  if (wq) {
    a.q.noalias() = x * wq->transpose();
    a.k.noalias() = x * wk->transpose();
    a.v.noalias() = x * wv->transpose();
  } else {
    a.q = a.k = a.v = x;
  }
  const Index B = x.rows() / T_, d = a.q.cols();
  const T scale = static_cast<T>(c.score_scale());
  a.scores.resize(B * T_, T_);
  a.weights.setZero(B * T_, T_);
  out.resize(B * T_, d);
  Vec<T> z(T_), w(T_);
  for (Index b = 0; b < B; ++b) {
    const auto rows = Eigen::seqN(b * T_, T_);
    // 1) scores S = c · Q Kᵀ (every pair; the mask only limits what is normalised).
    a.scores(rows, Eigen::all).noalias() = scale * (a.q(rows, Eigen::all) * a.k(rows, Eigen::all).transpose());
    if (!a.scores(rows, Eigen::all).allFinite())
      throw invalid_argument("params",
                             detail::cat("give a non-finite attention score in layer ", layer, ", head ", head,
                                         "; training has diverged (lower the learning rate and re-init)"));
    // 2) normalise each row over the keys it may see (entmax shifts by the max inside).
    for (Index i = 0; i < T_; ++i) {
      const Index n = c.causal ? i + 1 : T_;
      z.head(n) = a.scores.row(b * T_ + i).head(n).transpose();
      entmax_into<T>(z.head(n), c.alpha, std::nullopt, w.head(n));
      a.weights.row(b * T_ + i).head(n) = w.head(n).transpose();
    }
    // 3) O = A V.
    out(rows, Eigen::all).noalias() = a.weights(rows, Eigen::all) * a.v(rows, Eigen::all);
  }
}

// dout (B·T, d) -> dx (B·T, D) +=, dW +=. Tied: dwk == dwq and wk == wq, so both
// contributions land in the one tensor.
template <typename T>
void head_backward(const ModelConfig& c, Index T_, const Mat<T>& x, const Mat<T>* wq, const Mat<T>* wk,
                   const Mat<T>* wv, const HeadActivations<T>& a, const Mat<T>& dout, Mat<T>& dx, Mat<T>* dwq,
                   Mat<T>* dwk, Mat<T>* dwv) {
  const Index B = x.rows() / T_, d = a.q.cols();
  const T scale = static_cast<T>(c.score_scale());
  Mat<T> dq(B * T_, d), dk(B * T_, d), dv(B * T_, d);  // (B·T, d)
  Mat<T> dA(T_, T_), dS = Mat<T>::Zero(T_, T_);        // (T, T)
  Vec<T> dz(T_);
  for (Index b = 0; b < B; ++b) {
    const auto rows = Eigen::seqN(b * T_, T_);
    // O = A V: dA = dO Vᵀ, dV = Aᵀ dO.
    dA.noalias() = dout(rows, Eigen::all) * a.v(rows, Eigen::all).transpose();
    dv(rows, Eigen::all).noalias() = a.weights(rows, Eigen::all).transpose() * dout(rows, Eigen::all);
    // A_i = entmax(S_i over the visible keys); masked entries have no gradient.
    for (Index i = 0; i < T_; ++i) {
      const Index n = c.causal ? i + 1 : T_;
      entmax_backward<T>(a.weights.row(b * T_ + i).head(n).transpose(), dA.row(i).head(n).transpose(), c.alpha,
                         dz.head(n));
      dS.row(i).head(n) = dz.head(n).transpose();
    }
    // S = c · Q Kᵀ: dQ = c · dS K, dK = c · dSᵀ Q.
    dq(rows, Eigen::all).noalias() = scale * (dS * a.k(rows, Eigen::all));
    dk(rows, Eigen::all).noalias() = scale * (dS.transpose() * a.q(rows, Eigen::all));
  }
  if (!wq) {  // identity projections
    dx += dq + dk + dv;
    return;
  }
  // Q = X W_Qᵀ: dW_Q = dQᵀ X, dX = dQ W_Q (and alike for K, V).
  dwq->noalias() += dq.transpose() * x;
  dwk->noalias() += dk.transpose() * x;
  dwv->noalias() += dv.transpose() * x;
  dx.noalias() += dq * *wq;
  dx.noalias() += dk * *wk;
  dx.noalias() += dv * *wv;
}

// Z = H Uᵀ, probs = softmax(Z), loss = mean −log probs[y] over the scored rows.
//   h (B·T, D), U (C, D) -> logits, probs (B·T, C)
template <typename T>
void crossentropy_forward(const Mat<T>& h, const Mat<T>& U, const Batch& batch, ForwardResult<T>& r) {
  r.logits.noalias() = h * U.transpose();
  if (!r.logits.allFinite())
    throw invalid_argument("params",
                           "give a non-finite output logit; training has diverged (lower the learning rate "
                           "and re-init)");
  r.probs.resize(r.logits.rows(), r.logits.cols());
  const Index S = batch.tokens.cols();
  double loss = 0;
  Index right = 0, n = 0;
  for (Index row = 0; row < r.logits.rows(); ++row) {
    // Subtracting the max keeps exp() in range; it does not change the result.
    Index arg = 0;
    const T m = r.logits.row(row).maxCoeff(&arg);
    double sum = 0;
    for (Index j = 0; j < r.logits.cols(); ++j) sum += std::exp(static_cast<double>(r.logits(row, j) - m));
    const double lse = static_cast<double>(m) + std::log(sum);
    for (Index j = 0; j < r.logits.cols(); ++j)
      r.probs(row, j) = static_cast<T>(std::exp(static_cast<double>(r.logits(row, j)) - lse));
    const Index b = row / S, t = row % S;
    if (batch.scored(b, t) == 0) continue;
    const std::int32_t y = batch.targets(b, t);
    loss += lse - static_cast<double>(r.logits(row, y));
    right += arg == y ? 1 : 0;
    ++n;
  }
  r.scored = n;
  r.loss = loss / static_cast<double>(n);
  r.accuracy = static_cast<double>(right) / static_cast<double>(n);
}

// dZ = (probs − onehot(y)) / N on scored rows, 0 elsewhere; dU += dZᵀ H, dh = dZ U.
template <typename T>
void crossentropy_backward(const Mat<T>& h, const Mat<T>& U, const Batch& batch, const ForwardResult<T>& r, Mat<T>& dU,
                           Mat<T>& dh) {
  const Index S = batch.tokens.cols();
  Mat<T> dZ = Mat<T>::Zero(r.probs.rows(), r.probs.cols());  // (B·T, C)
  const T inv_n = T(1) / static_cast<T>(r.scored);
  for (Index row = 0; row < dZ.rows(); ++row) {
    const Index b = row / S, t = row % S;
    if (batch.scored(b, t) == 0) continue;
    dZ.row(row) = r.probs.row(row) * inv_n;
    dZ(row, batch.targets(b, t)) -= inv_n;
  }
  dU.noalias() += dZ.transpose() * h;
  dh.noalias() = dZ * U;
}

}  // namespace

// ---------------------------------------------------------------- config and tasks

const char* task_name(Task task) {
  switch (task) {
    case Task::lookup:
      return "lookup";
    case Task::previous:
      return "previous";
    case Task::cycle:
      return "cycle";
    default:
      return "induction";
  }
}

Task parse_task(const std::string& name) {
  for (Task t : {Task::lookup, Task::previous, Task::cycle, Task::induction})
    if (name == task_name(t)) return t;
  throw invalid_argument("task",
                         detail::cat("is ", detail::quoted(name), "; expected lookup, previous, cycle or induction"));
}

Index ModelConfig::d_head() const { return projections == Projections::none ? d_model : d_model / heads; }

double ModelConfig::score_scale() const {
  switch (scale_mode) {
    case ScaleMode::one:
      return 1.0;
    case ScaleMode::inv_sqrt:
      return 1.0 / std::sqrt(static_cast<double>(d_head()));
    default:
      return scale;
  }
}

void ModelConfig::validate() const {
  check_range("vocab", vocab, 1, kMaxVocab);
  check_range("seq_len", seq_len, 1, kMaxSeqLen);
  check_range("classes", classes, 2, kMaxVocab);
  check_range("d_model", d_model, 1, kMaxDModel);
  check_range("heads", heads, 1, kMaxHeads);
  if (projections == Projections::learned && d_model % heads != 0)
    throw invalid_argument("heads", detail::cat("is ", heads, " and does not divide d_model = ", d_model,
                                                "; expected a divisor (d_head = d_model / heads)"));
  check_range("layers", layers, 1, 2);
  if (tie && projections == Projections::none)
    throw invalid_argument("tie",
                           "is set without projections; expected learned projections (W_K ≡ W_Q ties two "
                           "learned matrices; without projections Q = K = X already)");
  if (scale_mode == ScaleMode::custom && !(std::isfinite(scale) && scale > 0))
    throw invalid_argument("scale", detail::cat("is ", scale, "; expected a finite number > 0"));
  validate_alpha(alpha);
  const double params = parameter_count(*this);
  if (4 * params > kMaxTrainNumbers)
    throw invalid_argument(
        "d_model", detail::cat("is ", d_model, ": the model has ", params, " parameters, ", 4 * params,
                               " numbers with gradients and Adam's moments; expected at most ", kMaxTrainNumbers,
                               " (use a smaller d_model, vocab or classes)"));
}

double parameter_count(const ModelConfig& c) {
  const double D = static_cast<double>(c.d_model), HD = static_cast<double>(c.heads * c.d_head());
  const double projections = c.projections == Projections::none ? 0 : c.tie ? 2 : 3;
  return static_cast<double>(c.vocab + c.seq_len + c.classes) * D +
         static_cast<double>(c.layers) * (projections + 1) * HD * D;
}

double train_numbers(const ModelConfig& c, Index batch) {
  const double L = static_cast<double>(c.layers), H = static_cast<double>(c.heads), S = static_cast<double>(c.seq_len);
  const double D = static_cast<double>(c.d_model), d = static_cast<double>(c.d_head()),
               C = static_cast<double>(c.classes);
  return 4 * parameter_count(c) +
         static_cast<double>(batch) * S * (L * D + L * H * (3 * d + 2 * S) + L * H * d + D + 2 * C);
}

double train_work(const ModelConfig& c, Index batch) {
  const double B = static_cast<double>(batch), L = static_cast<double>(c.layers), H = static_cast<double>(c.heads);
  const double S = static_cast<double>(c.seq_len), D = static_cast<double>(c.d_model);
  const double d = static_cast<double>(c.d_head()), C = static_cast<double>(c.classes);
  const double per_entry = c.alpha == 1 ? 16 : 256;
  return B * (L * H * (3 * S * D * d + S * S * (2 * d + per_entry)) + L * S * H * d * D + S * D * C);
}

ModelConfig task_config(Task task, Index n) {
  ModelConfig c;
  // lookup: V = n² + n <= kMaxVocab; induction: T = n >= 3; previous and cycle: T = n >= 2.
  const Index lo = task == Task::induction ? 3 : task == Task::lookup ? 1 : 2;
  check_range("n", n, lo, task == Task::lookup ? 63 : kMaxSeqLen);
  switch (task) {
    case Task::lookup:
      c.vocab = n * n + n;
      c.seq_len = n + 1;
      c.classes = c.vocab;
      break;
    case Task::cycle:
      c.vocab = c.seq_len = c.classes = n;
      c.causal = false;
      break;
    case Task::induction:
      c.vocab = c.seq_len = c.classes = n;
      c.layers = 2;
      break;
    default:
      c.vocab = c.seq_len = c.classes = n;
  }
  return c;
}

Batch make_batch(Task task, const ModelConfig& c, Index batch, std::uint64_t seed) {
  c.validate();
  check_range("batch", batch, 1, kMaxBatch);
  const Index V = c.vocab, S = c.seq_len;
  const Index want_classes = task == Task::cycle ? S : V;
  require(c.classes == want_classes, "classes", "is ", c.classes, "; expected ", want_classes,
          task == Task::cycle ? " (= seq_len: cycle predicts a position)" : " (= vocab)");
  switch (task) {
    case Task::lookup: {
      const Index n = S - 1;
      require(n >= 1, "seq_len", "is ", S, "; expected n + 1 >= 2 for lookup's n pairs and a query");
      require(V == n * n + n, "vocab", "is ", V, "; expected n² + n = ", n * n + n,
              " for lookup with n = seq_len − 1 = ", n, " keys");
      break;
    }
    case Task::previous:
      require(S >= 2, "seq_len", "is ", S, "; expected at least 2 for previous");
      break;
    case Task::cycle:
      require(S == V, "seq_len", "is ", S, "; expected vocab = ", V, " (cycle is a permutation of the vocab)");
      require(S >= 2, "seq_len", "is ", S, "; expected at least 2 for cycle");
      break;
    case Task::induction:
      require(S >= 3 && S <= V + 1, "seq_len", "is ", S, "; expected 3 <= seq_len <= vocab + 1 = ", V + 1,
              " for induction (seq_len − 1 distinct tokens)");
      break;
  }
  check_cost(c, batch);

  Batch out;
  out.tokens.setZero(batch, S);
  out.targets.setConstant(batch, S, -1);
  out.scored.setZero(batch, S);
  Rng rng(seed);
  for (Index b = 0; b < batch; ++b) {
    auto x = out.tokens.row(b);
    auto y = out.targets.row(b);
    auto s = out.scored.row(b);
    switch (task) {
      case Task::lookup: {
        const Index n = S - 1;
        const std::vector<std::int32_t> keys = permutation(rng, n);
        std::vector<std::int32_t> values(static_cast<size_t>(n));
        for (Index t = 0; t < n; ++t) {
          values[static_cast<size_t>(t)] = static_cast<std::int32_t>(below(rng, n));
          x(t) = static_cast<std::int32_t>(keys[static_cast<size_t>(t)] * n + values[static_cast<size_t>(t)]);
        }
        const Index at = below(rng, n);  // the queried pair's position
        x(n) = static_cast<std::int32_t>(n * n + keys[static_cast<size_t>(at)]);
        y(n) = values[static_cast<size_t>(at)];
        s(n) = 1;
        break;
      }
      case Task::previous:
        for (Index t = 0; t < S; ++t) x(t) = static_cast<std::int32_t>(below(rng, V));
        for (Index t = 1; t < S; ++t) {
          y(t) = x(t - 1);
          s(t) = 1;
        }
        break;
      case Task::cycle: {
        const std::vector<std::int32_t> p = permutation(rng, S);
        std::vector<std::int32_t> where(static_cast<size_t>(S));
        for (Index t = 0; t < S; ++t) {
          x(t) = p[static_cast<size_t>(t)];
          where[static_cast<size_t>(p[static_cast<size_t>(t)])] = static_cast<std::int32_t>(t);
        }
        for (Index t = 0; t < S; ++t) {
          y(t) = where[static_cast<size_t>((x(t) + 1) % S)];
          s(t) = 1;
        }
        break;
      }
      case Task::induction: {
        // The first S − 1 entries of a uniform permutation are a uniform draw without replacement.
        const std::vector<std::int32_t> p = permutation(rng, V);
        for (Index t = 0; t + 1 < S; ++t) x(t) = p[static_cast<size_t>(t)];
        const Index at = below(rng, S - 2);
        x(S - 1) = x(at);
        y(S - 1) = x(at + 1);
        s(S - 1) = 1;
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- parameters

template <typename T>
std::vector<NamedTensor<Mat<T>>> Params<T>::tensors() {
  std::vector<NamedTensor<Mat<T>>> out;
  out.push_back({"token_embedding", &token_embedding});
  out.push_back({"position_embedding", &position_embedding});
  for (size_t l = 0; l < layers.size(); ++l) {
    const Index li = static_cast<Index>(l);
    for (size_t h = 0; h < layers[l].heads.size(); ++h) {
      HeadParams<T>& hp = layers[l].heads[h];
      const Index hi = static_cast<Index>(h);
      if (hp.w_q.size() > 0) out.push_back({head_name(li, hi, "W_Q"), &hp.w_q});
      if (hp.w_k.size() > 0) out.push_back({head_name(li, hi, "W_K"), &hp.w_k});
      if (hp.w_v.size() > 0) out.push_back({head_name(li, hi, "W_V"), &hp.w_v});
    }
    out.push_back({detail::cat("layer", li, ".W_O"), &layers[l].w_o});
  }
  out.push_back({"unembedding", &unembedding});
  return out;
}

template <typename T>
std::vector<NamedTensor<const Mat<T>>> Params<T>::tensors() const {
  std::vector<NamedTensor<const Mat<T>>> out;
  for (const NamedTensor<Mat<T>>& t : const_cast<Params<T>*>(this)->tensors()) out.push_back({t.name, t.tensor});
  return out;
}

template <typename T>
Index Params<T>::count() const {
  Index n = 0;
  for (const auto& t : tensors()) n += t.tensor->size();
  return n;
}

template <typename T>
void Params<T>::set_zero() {
  for (auto& t : tensors()) t.tensor->setZero();
}

template <typename T>
Params<T> zero_params(const ModelConfig& c) {
  c.validate();
  const Index D = c.d_model, d = c.d_head();
  Params<T> p;
  p.token_embedding.setZero(c.vocab, D);
  p.position_embedding.setZero(c.seq_len, D);
  p.layers.resize(static_cast<size_t>(c.layers));
  for (LayerParams<T>& l : p.layers) {
    l.heads.resize(static_cast<size_t>(c.heads));
    if (c.projections == Projections::learned)
      for (HeadParams<T>& h : l.heads) {
        h.w_q.setZero(d, D);
        if (!c.tie) h.w_k.setZero(d, D);
        h.w_v.setZero(d, D);
      }
    l.w_o.setZero(D, c.heads * d);
  }
  p.unembedding.setZero(c.classes, D);
  return p;
}

template <typename T>
Params<T> init_params(const ModelConfig& c, std::uint64_t seed) {
  Params<T> p = zero_params<T>(c);
  Rng rng(seed);
  const double D = static_cast<double>(c.d_model), HD = static_cast<double>(c.heads * c.d_head());
  for (auto& t : p.tensors()) {
    const bool embedding = t.name == "token_embedding" || t.name == "position_embedding";
    const bool out = t.name.size() >= 3 && t.name.compare(t.name.size() - 3, 3, "W_O") == 0;
    const double sd = embedding ? (c.init == Init::unit ? std::sqrt(0.5) : 1 / std::sqrt(D))
                      : out     ? 1 / std::sqrt(HD)
                                : 1 / std::sqrt(D);
    Mat<T>& m = *t.tensor;
    for (Index i = 0; i < m.rows(); ++i)
      for (Index j = 0; j < m.cols(); ++j) m(i, j) = static_cast<T>(sd * rng.normal());
  }
  return p;
}

template <typename T>
void check_params(const ModelConfig& c, const Params<T>& p) {
  c.validate();
  const Index D = c.d_model, d = c.d_head();
  check_shape<T>("token_embedding", p.token_embedding, c.vocab, D);
  check_shape<T>("position_embedding", p.position_embedding, c.seq_len, D);
  require(static_cast<Index>(p.layers.size()) == c.layers, "params", "have ", p.layers.size(),
          " layers; expected layers = ", c.layers);
  for (Index l = 0; l < c.layers; ++l) {
    const LayerParams<T>& lp = p.layers[static_cast<size_t>(l)];
    require(static_cast<Index>(lp.heads.size()) == c.heads, "params", "have ", lp.heads.size(), " heads in layer ", l,
            "; expected heads = ", c.heads);
    const bool learned = c.projections == Projections::learned;
    for (Index h = 0; h < c.heads; ++h) {
      const HeadParams<T>& hp = lp.heads[static_cast<size_t>(h)];
      check_shape<T>(head_name(l, h, "W_Q"), hp.w_q, learned ? d : 0, learned ? D : 0);
      check_shape<T>(head_name(l, h, "W_K"), hp.w_k, learned && !c.tie ? d : 0, learned && !c.tie ? D : 0);
      check_shape<T>(head_name(l, h, "W_V"), hp.w_v, learned ? d : 0, learned ? D : 0);
    }
    check_shape<T>(detail::cat("layer", l, ".W_O"), lp.w_o, D, c.heads * d);
  }
  check_shape<T>("unembedding", p.unembedding, c.classes, D);
}

// ---------------------------------------------------------------- forward and backward

template <typename T>
void entmax_backward(VecCRef<T> w, VecCRef<T> dw, double alpha, VecRef<T> dz) {
  const Index n = w.size();  // w, dw, dz: (n)
  // s_i = w_i^(2−α) on the support; α = 1 and 2 without pow (exact, and no libm).
  T s_sum = 0, s_dot = 0;
  for (Index i = 0; i < n; ++i) {
    const T s = w(i) > 0 ? (alpha == 1 ? w(i) : alpha == 2 ? T(1) : static_cast<T>(std::pow(w(i), 2 - alpha))) : T(0);
    dz(i) = s;
    s_sum += s;
    s_dot += s * dw(i);
  }
  const T mean = s_dot / s_sum;  // s_sum > 0: the weights sum to 1, so some w_i > 0
  for (Index i = 0; i < n; ++i) dz(i) = dz(i) * (dw(i) - mean);
}

template <typename T>
ForwardResult<T> forward(const ModelConfig& c, const Params<T>& p, const Batch& batch) {
  check_params(c, p);
  check_batch(c, batch);
  const Index S = c.seq_len, d = c.d_head();
  const bool learned = c.projections == Projections::learned;
  ForwardResult<T> r;
  r.layers.resize(static_cast<size_t>(c.layers));
  Mat<T> h;  // (B·T, D)
  embed_forward<T>(batch.tokens, p.token_embedding, p.position_embedding, h);
  Mat<T> o;  // (B·T, d)
  for (Index l = 0; l < c.layers; ++l) {
    LayerActivations<T>& la = r.layers[static_cast<size_t>(l)];
    const LayerParams<T>& lp = p.layers[static_cast<size_t>(l)];
    la.input = h;
    la.heads.resize(static_cast<size_t>(c.heads));
    la.concat.resize(h.rows(), c.heads * d);
    for (Index k = 0; k < c.heads; ++k) {
      const HeadParams<T>& hp = lp.heads[static_cast<size_t>(k)];
      const Mat<T>* wk = c.tie ? &hp.w_q : &hp.w_k;
      head_forward<T>(c, S, la.input, learned ? &hp.w_q : nullptr, learned ? wk : nullptr, learned ? &hp.w_v : nullptr,
                      la.heads[static_cast<size_t>(k)], o, l, k);
      la.concat.middleCols(k * d, d) = o;
    }
    h.noalias() += la.concat * lp.w_o.transpose();  // the residual: Hˡ⁺¹ = Hˡ + concat W_Oᵀ
  }
  r.output = std::move(h);
  crossentropy_forward<T>(r.output, p.unembedding, batch, r);
  return r;
}

template <typename T>
void backward(const ModelConfig& c, const Params<T>& p, const Batch& batch, const ForwardResult<T>& r, Params<T>& g) {
  check_params(c, p);
  check_params(c, g);
  require(r.layers.size() == p.layers.size() && r.output.rows() == batch.tokens.size(), "forward",
          "does not belong to this batch and config; expected forward(config, params, batch) of the same three");
  const Index S = c.seq_len, d = c.d_head();
  const bool learned = c.projections == Projections::learned;
  Mat<T> dh;  // ∂loss/∂Hˡ⁺¹ (B·T, D)
  crossentropy_backward<T>(r.output, p.unembedding, batch, r, g.unembedding, dh);
  for (Index l = c.layers - 1; l >= 0; --l) {
    const LayerActivations<T>& la = r.layers[static_cast<size_t>(l)];
    const LayerParams<T>& lp = p.layers[static_cast<size_t>(l)];
    LayerParams<T>& lg = g.layers[static_cast<size_t>(l)];
    // Hˡ⁺¹ = Hˡ + concat W_Oᵀ: dW_O += dHᵀ concat, dconcat = dH W_O, and dHˡ starts as dHˡ⁺¹.
    lg.w_o.noalias() += dh.transpose() * la.concat;
    const Mat<T> dconcat = dh * lp.w_o;  // (B·T, H·d)
    for (Index k = 0; k < c.heads; ++k) {
      const HeadParams<T>& hp = lp.heads[static_cast<size_t>(k)];
      HeadParams<T>& hg = lg.heads[static_cast<size_t>(k)];
      const Mat<T> dout = dconcat.middleCols(k * d, d);
      if (!learned)
        head_backward<T>(c, S, la.input, nullptr, nullptr, nullptr, la.heads[static_cast<size_t>(k)], dout, dh, nullptr,
                         nullptr, nullptr);
      else
        head_backward<T>(c, S, la.input, &hp.w_q, c.tie ? &hp.w_q : &hp.w_k, &hp.w_v, la.heads[static_cast<size_t>(k)],
                         dout, dh, &hg.w_q, c.tie ? &hg.w_q : &hg.w_k, &hg.w_v);
    }
  }
  embed_backward<T>(batch.tokens, dh, g.token_embedding, g.position_embedding);
}

// ---------------------------------------------------------------- optimizers

template <typename T>
void Optimizer<T>::step(Params<T>& params, const Params<T>& grads) {
  if (!(std::isfinite(learning_rate) && learning_rate > 0))
    throw invalid_argument("learning_rate", detail::cat("is ", learning_rate, "; expected a finite number > 0"));
  if (kind == OptimizerKind::adam) {
    if (!(beta1 >= 0 && beta1 < 1))
      throw invalid_argument("beta1", detail::cat("is ", beta1, "; expected 0 <= beta1 < 1"));
    if (!(beta2 >= 0 && beta2 < 1))
      throw invalid_argument("beta2", detail::cat("is ", beta2, "; expected 0 <= beta2 < 1"));
    if (!(std::isfinite(epsilon) && epsilon > 0))
      throw invalid_argument("epsilon", detail::cat("is ", epsilon, "; expected a finite number > 0"));
  }
  auto ps = params.tensors();
  const auto gs = grads.tensors();
  require(ps.size() == gs.size(), "grads", "have ", gs.size(), " tensors; expected ", ps.size(), " like params");
  for (size_t i = 0; i < ps.size(); ++i)
    check_shape<T>(gs[i].name, *gs[i].tensor, ps[i].tensor->rows(), ps[i].tensor->cols());
  ++steps;
  const T lr = static_cast<T>(learning_rate);
  if (kind == OptimizerKind::sgd) {
    for (size_t i = 0; i < ps.size(); ++i) *ps[i].tensor -= lr * *gs[i].tensor;
    return;
  }
  if (steps == 1 || m.count() != params.count()) {
    m = params;
    m.set_zero();
    v = m;
    beta1_power = beta2_power = 1;
  }
  // β1ᵗ, β2ᵗ: the same products in the same order as a loop over t would make, one per step
  // (a loop from 1 made step t cost O(t)).
  beta1_power *= beta1;
  beta2_power *= beta2;
  const double b1t = beta1_power, b2t = beta2_power;
  const T b1 = static_cast<T>(beta1), b2 = static_cast<T>(beta2), eps = static_cast<T>(epsilon);
  const T c1 = static_cast<T>(1 / (1 - b1t)), c2 = static_cast<T>(1 / (1 - b2t));
  auto ms = m.tensors();
  auto vs = v.tensors();
  for (size_t i = 0; i < ps.size(); ++i) {
    const auto& gi = gs[i].tensor->array();
    ms[i].tensor->array() = b1 * ms[i].tensor->array() + (1 - b1) * gi;
    vs[i].tensor->array() = b2 * vs[i].tensor->array() + (1 - b2) * gi.square();
    ps[i].tensor->array() -= lr * (ms[i].tensor->array() * c1) / ((vs[i].tensor->array() * c2).sqrt() + eps);
  }
}

template <typename T>
ForwardResult<T> train_step(const ModelConfig& c, Params<T>& params, Params<T>& grads, Optimizer<T>& opt,
                            const Batch& batch) {
  ForwardResult<T> r = forward<T>(c, params, batch);
  grads.set_zero();
  backward<T>(c, params, batch, r, grads);
  opt.step(params, grads);
  return r;
}

#define ATTN_INSTANTIATE(T)                                                                                           \
  template struct Params<T>;                                                                                          \
  template struct Optimizer<T>;                                                                                       \
  template Params<T> zero_params<T>(const ModelConfig&);                                                              \
  template Params<T> init_params<T>(const ModelConfig&, std::uint64_t);                                               \
  template void check_params<T>(const ModelConfig&, const Params<T>&);                                                \
  template ForwardResult<T> forward<T>(const ModelConfig&, const Params<T>&, const Batch&);                           \
  template void backward<T>(const ModelConfig&, const Params<T>&, const Batch&, const ForwardResult<T>&, Params<T>&); \
  template void entmax_backward<T>(VecCRef<T>, VecCRef<T>, double, VecRef<T>);                                        \
  template ForwardResult<T> train_step<T>(const ModelConfig&, Params<T>&, Params<T>&, Optimizer<T>&, const Batch&);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
