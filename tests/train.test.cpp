// attn/train.hpp: every gradient against central differences (double), the optimizers, the
// tasks as the header defines them, determinism, and errors that name the field.
//
// Gradient check (llm.c's test_gpt2.c, with central differences instead of PyTorch):
//   numeric g = [8 (L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))] / (12 h),   h = 1e-3
//   (the five-point central difference: truncation error O(h⁴), about 1e-13 here, and rounding
//   error about ulp(L) / h ≈ 4e-13), against the analytic g of backward, per entry:
//   relative error = |a − b| / max(1e-8, |a| + |b|) <= 1e-6.
// That rounding floor is too coarse for entries whose analytic gradient is below 1e-6 (one
// behind a saturated softmax is ~1e-10, and must then agree to 1e-14). The loss is nearly flat
// along such an entry, so it gets large steps instead: Ridders' extrapolation of central
// differences from h = 0.1 down by 1.4 per step (Numerical Recipes' dfridr), whose rounding
// error is ~ulp(L) / 0.1 and whose truncation error it estimates and minimises itself.
// Every entry of a tensor with at most 32 entries is checked, else a fixed random subset of 24.
// entmax and sparsemax have kinks where a key enters or leaves a row's support; there the
// derivative jumps and no difference quotient converges. An input is used only if none of the
// perturbed evaluations changes any attention row's support (otherwise the next seed is
// tried), so every check is of a smooth point.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/entmax.hpp"
#include "attn/layout.hpp"
#include "attn/train.hpp"
#include "fixtures.hpp"

using namespace attn_test;
using attn::Batch;
using attn::ForwardResult;
using attn::Init;
using attn::ModelConfig;
using attn::Params;
using attn::Projections;
using attn::ScaleMode;
using attn::Task;

namespace {

constexpr double kStep = 1e-3;
constexpr double kRelTol = 1e-6;

double rel_error(double a, double b) { return std::fabs(a - b) / std::max(1e-8, std::fabs(a) + std::fabs(b)); }

// Which attention weights are > 0, over every layer and head (the supports of α > 1).
std::vector<bool> supports(const ForwardResult<double>& f) {
  std::vector<bool> s;
  for (const auto& layer : f.layers)
    for (const auto& head : layer.heads)
      for (Index i = 0; i < head.weights.size(); ++i) s.push_back(head.weights.data()[i] > 0);
  return s;
}

// Ridders' method: central differences at h = 0.1, 0.1/1.4, … extrapolated to h → 0 in a
// Neville tableau; returns the estimate with the smallest estimated error.
template <typename F>
double ridders(const F& f) {
  constexpr int n = 10;
  constexpr double shrink = 1.4, shrink2 = shrink * shrink, safe = 2.0;
  double a[n][n];
  double h = 0.1, best = 0, err = std::numeric_limits<double>::max();
  a[0][0] = (f(h) - f(-h)) / (2 * h);
  for (int i = 1; i < n; ++i) {
    h /= shrink;
    a[0][i] = (f(h) - f(-h)) / (2 * h);
    double fac = shrink2;
    for (int j = 1; j <= i; ++j) {
      a[j][i] = (a[j - 1][i] * fac - a[j - 1][i - 1]) / (fac - 1);
      fac *= shrink2;
      const double e = std::max(std::fabs(a[j][i] - a[j - 1][i]), std::fabs(a[j][i] - a[j - 1][i - 1]));
      if (e <= err) {
        err = e;
        best = a[j][i];
      }
    }
    if (std::fabs(a[i][i] - a[i - 1][i - 1]) >= safe * err) break;
  }
  return best;
}

struct GradReport {
  double worst = 0;   // the largest relative error
  std::string where;  // and its tensor, entry and values
  std::string table;  // per tensor: "name: max rel err (entries)"
  Index entries = 0;
  bool kink = false;  // some perturbation changed a support: the input is not smooth there
};

GradReport check_gradients(const ModelConfig& c, const Params<double>& params, const Batch& batch) {
  GradReport r;
  Params<double> p = params;
  const ForwardResult<double> base = attn::forward<double>(c, p, batch);
  Params<double> g = attn::zero_params<double>(c);
  attn::backward<double>(c, p, batch, base, g);
  const std::vector<bool> support = supports(base);
  auto ps = p.tensors();
  const auto gs = g.tensors();
  attn::Rng pick(2024);
  std::ostringstream table;
  table.precision(3);
  for (size_t t = 0; t < ps.size(); ++t) {
    Mat<double>& m = *ps[t].tensor;
    std::vector<Index> entries;
    if (m.size() <= 32)
      for (Index k = 0; k < m.size(); ++k) entries.push_back(k);
    else
      for (int k = 0; k < 24; ++k)
        entries.push_back(static_cast<Index>(pick.next_u64() % static_cast<std::uint64_t>(m.size())));
    double worst = 0;
    for (Index k : entries) {
      const double x0 = m.data()[k];
      const auto loss = [&](double dx) {
        m.data()[k] = x0 + dx;
        const ForwardResult<double> f = attn::forward<double>(c, p, batch);
        m.data()[k] = x0;
        if (c.alpha > 1 && supports(f) != support) r.kink = true;
        return f.loss;
      };
      const double analytic = gs[t].tensor->data()[k];
      const double numeric =
          std::fabs(analytic) < 1e-6
              ? ridders(loss)
              : (8 * (loss(kStep) - loss(-kStep)) - (loss(2 * kStep) - loss(-2 * kStep))) / (12 * kStep);
      if (r.kink) return r;
      const double e = rel_error(analytic, numeric);
      ++r.entries;
      worst = std::max(worst, e);
      if (e >= r.worst) {
        std::ostringstream w;
        w.precision(17);
        w << ps[t].name << " entry " << k << ": analytic " << analytic << ", numeric " << numeric;
        r.where = w.str();
        r.worst = e;
      }
    }
    table << "  " << ps[t].name << ": max rel err " << worst << " (" << entries.size() << " entries)\n";
  }
  r.table = table.str();
  return r;
}

// The first seed (of 20) whose input is smooth under every perturbation, checked.
void require_gradients(const ModelConfig& c, Task task, Index batch_size = 2) {
  GradReport r;
  std::uint64_t seed = 1;
  for (; seed <= 20; ++seed) {
    r = check_gradients(c, attn::init_params<double>(c, seed), attn::make_batch(task, c, batch_size, 100 + seed));
    if (!r.kink) break;
  }
  INFO("seed " << seed << ", " << r.entries << " entries\n" << r.table << "worst: " << r.where);
  REQUIRE_FALSE(r.kink);
  REQUIRE(r.entries > 0);
  REQUIRE(r.worst <= kRelTol);
}

// Tiny models (d_model 4; V, T <= 6) at the default init. Init::unit with c = 1 saturates
// (scores of standard deviation ~2-4 over 4 keys): the loss is then so curved that the
// five-point quotient's truncation error reaches 1e-10 at entries of 1e-5 (relative 5e-6,
// measured), a limit of the check, not of backward; Init::unit is checked with c = 1/√d below.
ModelConfig small_config(Task task) {
  ModelConfig c = attn::task_config(task, task == Task::lookup ? 2 : task == Task::induction ? 5 : 4);
  c.d_model = 4;
  c.scale = 0.7;
  return c;
}

// Every combination: untied / tied / no projections × causal or not × scale 1, 1/√d, 0.7 ×
// softmax, entmax 1.5, sparsemax × 1 and 2 layers × 1 and 2 heads (216 models).
void require_gradients_every_option(Task task) {
  for (int proj = 0; proj < 3; ++proj)
    for (bool causal : {true, false})
      for (ScaleMode scale : {ScaleMode::one, ScaleMode::inv_sqrt, ScaleMode::custom})
        for (double alpha : {1.0, 1.5, 2.0})
          for (Index layers : {1, 2})
            for (Index heads : {1, 2}) {
              ModelConfig c = small_config(task);
              c.tie = proj == 1;
              c.projections = proj == 2 ? Projections::none : Projections::learned;
              c.causal = causal;
              c.scale_mode = scale;
              c.alpha = alpha;
              c.layers = layers;
              c.heads = heads;
              INFO(attn::task_name(task) << ": "
                                         << (proj == 0   ? "untied"
                                             : proj == 1 ? "tied"
                                                         : "no projections")
                                         << (causal ? ", causal" : ", no mask") << ", scale "
                                         << (scale == ScaleMode::one        ? "1"
                                             : scale == ScaleMode::inv_sqrt ? "1/sqrt(d)"
                                                                            : "0.7")
                                         << ", alpha " << alpha << ", " << layers << " layer(s), " << heads
                                         << " head(s)");
              require_gradients(c, task);
            }
}

template <typename T>
bool bit_identical(const Params<T>& a, const Params<T>& b) {
  const auto ta = a.tensors(), tb = b.tensors();
  if (ta.size() != tb.size()) return false;
  for (size_t i = 0; i < ta.size(); ++i) {
    const Mat<T>& x = *ta[i].tensor;
    const Mat<T>& y = *tb[i].tensor;
    if (ta[i].name != tb[i].name || x.rows() != y.rows() || x.cols() != y.cols()) return false;
    if (std::memcmp(x.data(), y.data(), sizeof(T) * static_cast<size_t>(x.size())) != 0) return false;
  }
  return true;
}

bool same_batch(const Batch& a, const Batch& b) {
  return a.tokens == b.tokens && a.targets == b.targets && a.scored == b.scored;
}

std::vector<std::string> names(const Params<double>& p) {
  std::vector<std::string> out;
  for (const auto& t : p.tensors()) out.push_back(t.name);
  return out;
}

}  // namespace

// ---------------------------------------------------------------- entmax's backward

TEST_CASE(
    "train: entmax_backward is entmax's Jacobian (softmax, alpha 1.25, 1.5, 1.75, sparsemax) by central "
    "differences",
    "[train][entmax]") {
  // d/dz of dwᵀ entmax(z) against diag(s) − s sᵀ/Σs, s = w^(2−α) on the support. Rows are
  // drawn until no key lies within 0.05 of the threshold (a kink); h = 1e-4 moves it by less.
  for (double alpha : {1.0, 1.25, 1.5, 1.75, 2.0})
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      const Vec<double> z = gaussian_vec<double>(7, seed) * 1.5, dw = gaussian_vec<double>(7, seed + 1000);
      attn::SoftmaxStats<double> st;
      const Vec<double> w = attn::entmax<double>(z, alpha, &st);
      bool smooth = true;
      if (alpha > 1)
        for (Index i = 0; i < z.size(); ++i) smooth = smooth && std::fabs((alpha - 1) * z(i) - st.threshold) > 0.05;
      if (!smooth) continue;
      Vec<double> dz(7);
      attn::entmax_backward<double>(w, dw, alpha, dz);
      for (Index i = 0; i < z.size(); ++i) {
        const auto f = [&](double dx) {
          Vec<double> zz = z;
          zz(i) += dx;
          return dw.dot(attn::entmax<double>(zz, alpha));
        };
        const double h = 1e-4;
        const double numeric = (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h);
        INFO("alpha " << alpha << ", seed " << seed << ", entry " << i << ": analytic " << dz(i) << ", numeric "
                      << numeric);
        REQUIRE(rel_error(dz(i), numeric) <= kRelTol);
      }
    }
}

// ---------------------------------------------------------------- every gradient, every option

TEST_CASE("train: every gradient matches central differences, lookup, every option", "[train][gradient]") {
  require_gradients_every_option(Task::lookup);
}

TEST_CASE("train: every gradient matches central differences, previous, every option", "[train][gradient]") {
  require_gradients_every_option(Task::previous);
}

TEST_CASE("train: every gradient matches central differences, cycle, every option", "[train][gradient]") {
  require_gradients_every_option(Task::cycle);
}

TEST_CASE("train: every gradient matches central differences, induction, every option", "[train][gradient]") {
  require_gradients_every_option(Task::induction);
}

TEST_CASE(
    "train: gradients match central differences at Init::unit (alpha 1 to 2, untied and tied) and in a larger model",
    "[train][gradient]") {
  // Init::unit (q·k of variance d) with c = 1/√d, untied and tied, α = 1, 1.25, 1.5, 1.75, 2.
  for (Task task : {Task::lookup, Task::previous, Task::cycle, Task::induction})
    for (bool tie : {false, true}) {
      ModelConfig c = small_config(task);
      c.init = Init::unit;
      c.tie = tie;
      c.layers = 2;
      for (double alpha : {1.0, 1.25, 1.5, 1.75, 2.0}) {
        c.alpha = alpha;
        INFO(attn::task_name(task) << ", Init::unit, " << (tie ? "tied" : "untied") << ", alpha " << alpha);
        require_gradients(c, task);
      }
    }
  // Tensors past 32 entries (checked on a fixed subset of 24): d_model 8, 2 heads, 2 layers.
  ModelConfig c = attn::task_config(Task::previous, 6);
  c.d_model = 8;
  c.heads = 2;
  c.layers = 2;
  require_gradients(c, Task::previous, 3);
}

TEST_CASE("train: backward accumulates into the gradient buffer (+=)", "[train]") {
  ModelConfig c = small_config(Task::previous);
  c.layers = 2;
  const Params<double> p = attn::init_params<double>(c, 3);
  const Batch b = attn::make_batch(Task::previous, c, 3, 4);
  const ForwardResult<double> f = attn::forward<double>(c, p, b);
  Params<double> once = attn::zero_params<double>(c), twice = attn::zero_params<double>(c);
  attn::backward<double>(c, p, b, f, once);
  attn::backward<double>(c, p, b, f, twice);
  attn::backward<double>(c, p, b, f, twice);
  const auto a = once.tensors(), t = twice.tensors();
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].name);
    REQUIRE_ALL_CLOSE(*t[i].tensor, *a[i].tensor * 2.0, tol<double>());
  }
}

TEST_CASE("train: the float instantiation agrees with double (loss, accuracy, every gradient)", "[train]") {
  for (Task task : {Task::lookup, Task::previous, Task::cycle, Task::induction})
    for (double alpha : {1.0, 1.5, 2.0}) {
      ModelConfig c = attn::task_config(task, task == Task::lookup ? 3 : 6);
      c.d_model = 8;
      c.heads = 2;
      c.alpha = alpha;
      const Params<double> pd = attn::init_params<double>(c, 9);
      const Params<float> pf = attn::init_params<float>(c, 9);
      const Batch b = attn::make_batch(task, c, 4, 10);
      const ForwardResult<double> fd = attn::forward<double>(c, pd, b);
      const ForwardResult<float> ff = attn::forward<float>(c, pf, b);
      INFO(attn::task_name(task) << ", alpha " << alpha);
      // float parameters are the double ones rounded: ~6e-8 relative, amplified a little by the model.
      REQUIRE_CLOSE(ff.loss, fd.loss, 1e-5, 1e-6);
      Params<double> gd = attn::zero_params<double>(c);
      Params<float> gf = attn::zero_params<float>(c);
      attn::backward<double>(c, pd, b, fd, gd);
      attn::backward<float>(c, pf, b, ff, gf);
      const auto td = gd.tensors();
      const auto tf = gf.tensors();
      for (size_t i = 0; i < td.size(); ++i) {
        INFO(td[i].name);
        const double scale = std::max(1e-3, td[i].tensor->cwiseAbs().maxCoeff());
        REQUIRE_ALL_CLOSE(*tf[i].tensor, *td[i].tensor, 1e-4 * scale);
      }
    }
}

// ---------------------------------------------------------------- forward's outputs

TEST_CASE("train: forward keeps each head's weights: rows are distributions, masked entries exactly 0", "[train]") {
  for (bool causal : {true, false})
    for (double alpha : {1.0, 1.5, 2.0}) {
      ModelConfig c = attn::task_config(Task::previous, 5);
      c.layers = 2;
      c.heads = 2;
      c.d_model = 8;
      c.causal = causal;
      c.alpha = alpha;
      const Batch b = attn::make_batch(Task::previous, c, 3, 1);
      const ForwardResult<double> f = attn::forward<double>(c, attn::init_params<double>(c, 2), b);
      REQUIRE(f.layers.size() == 2);
      REQUIRE(f.scored == 3 * 4);
      REQUIRE((f.accuracy >= 0 && f.accuracy <= 1));
      REQUIRE(f.loss > 0);
      for (const auto& layer : f.layers) {
        REQUIRE(layer.heads.size() == 2);
        for (const auto& head : layer.heads) {
          REQUIRE(head.weights.rows() == 3 * 5);
          REQUIRE(head.weights.cols() == 5);
          for (Index r = 0; r < head.weights.rows(); ++r) {
            const Index i = r % 5;
            REQUIRE(is_distribution(head.weights.row(r), 1e-12));
            for (Index j = i + 1; causal && j < 5; ++j) REQUIRE(head.weights(r, j) == 0);
          }
        }
      }
      for (Index r = 0; r < f.probs.rows(); ++r) REQUIRE(is_distribution(f.probs.row(r), 1e-12));
    }
}

TEST_CASE("train: tied and projection-free models hold the tensors their names say", "[train]") {
  ModelConfig c = attn::task_config(Task::cycle, 4);
  c.d_model = 4;
  c.heads = 2;
  c.layers = 2;
  REQUIRE(names(attn::zero_params<double>(c)) ==
          std::vector<std::string>{"token_embedding", "position_embedding", "layer0.head0.W_Q", "layer0.head0.W_K",
                                   "layer0.head0.W_V", "layer0.head1.W_Q", "layer0.head1.W_K", "layer0.head1.W_V",
                                   "layer0.W_O", "layer1.head0.W_Q", "layer1.head0.W_K", "layer1.head0.W_V",
                                   "layer1.head1.W_Q", "layer1.head1.W_K", "layer1.head1.W_V", "layer1.W_O",
                                   "unembedding"});
  c.layers = 1;
  c.tie = true;
  const Params<double> tied = attn::zero_params<double>(c);
  REQUIRE(names(tied) == std::vector<std::string>{"token_embedding", "position_embedding", "layer0.head0.W_Q",
                                                  "layer0.head0.W_V", "layer0.head1.W_Q", "layer0.head1.W_V",
                                                  "layer0.W_O", "unembedding"});
  REQUIRE(tied.layers[0].heads[0].w_q.rows() == 2);  // d_head = 4 / 2
  REQUIRE(tied.count() == 4 * 4 + 4 * 4 + 4 * (2 * 4) + 4 * 4 + 4 * 4);
  c.tie = false;
  c.projections = Projections::none;
  const Params<double> none = attn::zero_params<double>(c);
  REQUIRE(names(none) ==
          std::vector<std::string>{"token_embedding", "position_embedding", "layer0.W_O", "unembedding"});
  REQUIRE(none.layers[0].w_o.cols() == 2 * 4);  // d_head = d_model without projections
}

TEST_CASE("train: no projections and tied projections compute what they say", "[train]") {
  // Without projections every head's Q, K and V are the layer's input; tied, K = Q.
  ModelConfig c = attn::task_config(Task::cycle, 5);
  c.d_model = 6;
  c.heads = 2;
  c.projections = Projections::none;
  const Batch b = attn::make_batch(Task::cycle, c, 2, 3);
  const ForwardResult<double> f = attn::forward<double>(c, attn::init_params<double>(c, 4), b);
  for (const auto& head : f.layers[0].heads) {
    REQUIRE(head.q == f.layers[0].input);
    REQUIRE(head.k == f.layers[0].input);
    REQUIRE(head.v == f.layers[0].input);
  }
  c.projections = Projections::learned;
  c.tie = true;
  const ForwardResult<double> t = attn::forward<double>(c, attn::init_params<double>(c, 4), b);
  const auto& head = t.layers[0].heads[1];
  REQUIRE(head.q == head.k);
  // A Gram matrix: the scores of one sequence are symmetric.
  const Mat<double> s = head.scores.topRows(5);
  REQUIRE_ALL_CLOSE(s, s.transpose(), 1e-14);
}

// ---------------------------------------------------------------- optimizers

TEST_CASE("train: SGD and Adam decrease the loss on a tiny problem", "[train][optimizer]") {
  ModelConfig c = attn::task_config(Task::previous, 6);
  c.d_model = 8;
  const Batch eval = attn::make_batch(Task::previous, c, 64, 999);
  for (attn::OptimizerKind kind : {attn::OptimizerKind::sgd, attn::OptimizerKind::adam}) {
    Params<double> p = attn::init_params<double>(c, 1);
    Params<double> g = attn::zero_params<double>(c);
    attn::Optimizer<double> opt;
    opt.kind = kind;
    opt.learning_rate = kind == attn::OptimizerKind::sgd ? 0.5 : 0.01;
    const double before = attn::forward<double>(c, p, eval).loss;
    for (int step = 0; step < 300; ++step)
      attn::train_step<double>(c, p, g, opt, attn::make_batch(Task::previous, c, 16, step));
    const ForwardResult<double> after = attn::forward<double>(c, p, eval);
    INFO((kind == attn::OptimizerKind::sgd ? "SGD" : "Adam")
         << ": loss " << before << " -> " << after.loss << ", accuracy " << after.accuracy);
    REQUIRE(opt.steps == 300);
    REQUIRE(after.loss < 0.5 * before);
  }
}

TEST_CASE("train: one SGD step is θ − lr·g, and the first Adam step moves each entry by lr·sign(g)",
          "[train][optimizer]") {
  ModelConfig c = attn::task_config(Task::previous, 4);
  c.d_model = 4;
  const Params<double> p0 = attn::init_params<double>(c, 5);
  Params<double> g = attn::zero_params<double>(c);
  const Batch b = attn::make_batch(Task::previous, c, 2, 6);
  attn::backward<double>(c, p0, b, attn::forward<double>(c, p0, b), g);
  attn::Optimizer<double> sgd;
  sgd.kind = attn::OptimizerKind::sgd;
  sgd.learning_rate = 0.1;
  Params<double> p = p0;
  sgd.step(p, g);
  const auto a = p.tensors();
  const auto a0 = p0.tensors();
  const auto ga = g.tensors();
  for (size_t i = 0; i < a.size(); ++i) REQUIRE_ALL_CLOSE(*a[i].tensor, *a0[i].tensor - 0.1 * *ga[i].tensor, 1e-15);
  // Adam's first step: m̂ = g, v̂ = g², so the update is lr · g / (|g| + ε).
  attn::Optimizer<double> adam;
  adam.learning_rate = 0.01;
  p = p0;
  adam.step(p, g);
  const auto b2 = p.tensors();
  for (size_t i = 0; i < b2.size(); ++i) {
    const Mat<double> want =
        (a0[i].tensor->array() - 0.01 * ga[i].tensor->array() / (ga[i].tensor->array().abs() + 1e-8)).matrix();
    REQUIRE_ALL_CLOSE(*b2[i].tensor, want, 1e-15);
  }
}

// ---------------------------------------------------------------- tasks and determinism

TEST_CASE("train: the tasks are what train.hpp defines", "[train][tasks]") {
  SECTION("lookup: n keys once each, a query, its value as the target") {
    const Index n = 5;
    const ModelConfig c = attn::task_config(Task::lookup, n);
    REQUIRE((c.vocab == 30 && c.seq_len == 6 && c.classes == 30));
    const Batch b = attn::make_batch(Task::lookup, c, 50, 1);
    for (Index s = 0; s < 50; ++s) {
      std::vector<int> seen(n, 0);
      for (Index t = 0; t < n; ++t) {
        REQUIRE(b.tokens(s, t) < n * n);
        ++seen[static_cast<size_t>(b.tokens(s, t) / n)];
        REQUIRE(b.scored(s, t) == 0);
      }
      REQUIRE(std::count(seen.begin(), seen.end(), 1) == n);
      const std::int32_t query = b.tokens(s, n);
      REQUIRE(query >= n * n);
      REQUIRE(b.scored(s, n) == 1);
      int found = 0;
      for (Index t = 0; t < n; ++t)
        if (b.tokens(s, t) / n == query - n * n) {
          REQUIRE(b.targets(s, n) == b.tokens(s, t) % n);
          ++found;
        }
      REQUIRE(found == 1);
    }
  }
  SECTION("previous: every position but the first, the token before it") {
    const ModelConfig c = attn::task_config(Task::previous, 7);
    const Batch b = attn::make_batch(Task::previous, c, 20, 2);
    for (Index s = 0; s < 20; ++s) {
      REQUIRE(b.scored(s, 0) == 0);
      REQUIRE(b.targets(s, 0) == -1);
      for (Index t = 1; t < 7; ++t) {
        REQUIRE(b.scored(s, t) == 1);
        REQUIRE(b.targets(s, t) == b.tokens(s, t - 1));
      }
    }
  }
  SECTION("cycle: a permutation; each target holds the successor; the targets form one cycle") {
    const Index n = 16;
    const ModelConfig c = attn::task_config(Task::cycle, n);
    REQUIRE((c.vocab == n && c.seq_len == n && c.classes == n && !c.causal));
    const Batch b = attn::make_batch(Task::cycle, c, 30, 3);
    for (Index s = 0; s < 30; ++s) {
      std::vector<int> seen(n, 0);
      for (Index t = 0; t < n; ++t) {
        ++seen[static_cast<size_t>(b.tokens(s, t))];
        REQUIRE(b.scored(s, t) == 1);
        REQUIRE(b.tokens(s, b.targets(s, t)) == (b.tokens(s, t) + 1) % n);
      }
      REQUIRE(std::count(seen.begin(), seen.end(), 1) == n);
      Index at = 0, length = 0;
      do {
        at = b.targets(s, at);
        ++length;
      } while (at != 0 && length <= n);
      REQUIRE(length == n);
    }
  }
  SECTION("induction: distinct tokens, the last repeats one, the target is the token after it") {
    const ModelConfig c = attn::task_config(Task::induction, 8);
    REQUIRE((c.layers == 2 && c.causal));
    const Batch b = attn::make_batch(Task::induction, c, 40, 4);
    for (Index s = 0; s < 40; ++s) {
      std::vector<int> seen(8, 0);
      for (Index t = 0; t < 7; ++t) ++seen[static_cast<size_t>(b.tokens(s, t))];
      REQUIRE(std::count(seen.begin(), seen.end(), 1) == 7);
      REQUIRE(b.scored.row(s).sum() == 1);
      REQUIRE(b.scored(s, 7) == 1);
      Index p = -1;
      for (Index t = 0; t < 6; ++t)
        if (b.tokens(s, t) == b.tokens(s, 7)) p = t;
      REQUIRE(p >= 0);  // never the position just before the query: p <= T − 3
      REQUIRE(b.targets(s, 7) == b.tokens(s, p + 1));
    }
  }
}

TEST_CASE("train: the same seed gives bit-identical params and batches, and other seeds differ",
          "[train][determinism]") {
  ModelConfig c = attn::task_config(Task::cycle, 6);
  c.d_model = 6;
  c.heads = 2;
  c.layers = 2;
  REQUIRE(bit_identical(attn::init_params<double>(c, 7), attn::init_params<double>(c, 7)));
  REQUIRE(bit_identical(attn::init_params<float>(c, 7), attn::init_params<float>(c, 7)));
  REQUIRE_FALSE(bit_identical(attn::init_params<double>(c, 7), attn::init_params<double>(c, 8)));
  // float params are the double draws rounded (one draw, two precisions).
  const Params<double> d = attn::init_params<double>(c, 7);
  const Params<float> f = attn::init_params<float>(c, 7);
  const auto td = d.tensors();
  const auto tf = f.tensors();
  for (size_t i = 0; i < td.size(); ++i) REQUIRE(td[i].tensor->cast<float>() == *tf[i].tensor);
  for (Task task : {Task::lookup, Task::previous, Task::cycle, Task::induction}) {
    const ModelConfig tc = attn::task_config(task, 6);
    REQUIRE(same_batch(attn::make_batch(task, tc, 8, 11), attn::make_batch(task, tc, 8, 11)));
    REQUIRE_FALSE(same_batch(attn::make_batch(task, tc, 8, 11), attn::make_batch(task, tc, 8, 12)));
  }
  // Pinned values: the generator is the core's own (no std:: distribution), so every build,
  // native or WebAssembly, must draw exactly these.
  const Batch b = attn::make_batch(Task::previous, attn::task_config(Task::previous, 16), 1, 42);
  const std::vector<std::int32_t> first(b.tokens.data(), b.tokens.data() + 8);
  CAPTURE(first);
  REQUIRE(first == std::vector<std::int32_t>{11, 2, 4, 5, 0, 13, 3, 12});
  const double e00 = attn::init_params<double>(attn::task_config(Task::previous, 16), 42).token_embedding(0, 0);
  CAPTURE(e00);
  REQUIRE(e00 == 0x1.f8c80e851c08cp-4);  // 0.12323766395434371
}

TEST_CASE("train: a training run is reproducible bit for bit", "[train][determinism]") {
  ModelConfig c = attn::task_config(Task::lookup, 3);
  c.d_model = 8;
  Params<float> runs[2];
  for (auto& p : runs) {
    p = attn::init_params<float>(c, 3);
    Params<float> g = attn::zero_params<float>(c);
    attn::Optimizer<float> opt;
    for (int step = 0; step < 20; ++step)
      attn::train_step<float>(c, p, g, opt, attn::make_batch(Task::lookup, c, 8, step));
  }
  REQUIRE(bit_identical(runs[0], runs[1]));
}

// ---------------------------------------------------------------- errors

TEST_CASE("train: bad input throws attn::invalid_argument naming the field", "[train][errors]") {
  const auto with = [](auto change) {
    ModelConfig c = attn::task_config(Task::previous, 8);
    change(c);
    return c;
  };
  REQUIRE_INVALID(attn::parse_task("copy"), "task");
  REQUIRE(attn::parse_task("cycle") == Task::cycle);
  REQUIRE_INVALID(with([](ModelConfig& c) { c.d_model = 0; }).validate(), "d_model");
  REQUIRE_INVALID(with([](ModelConfig& c) {
                    c.d_model = 10;
                    c.heads = 3;
                  }).validate(),
                  "heads");
  REQUIRE_INVALID(with([](ModelConfig& c) { c.heads = 0; }).validate(), "heads");
  REQUIRE_INVALID(with([](ModelConfig& c) { c.layers = 3; }).validate(), "layers");
  REQUIRE_INVALID(with([](ModelConfig& c) { c.layers = 0; }).validate(), "layers");
  REQUIRE_INVALID(with([](ModelConfig& c) { c.alpha = 2.5; }).validate(), "alpha");
  REQUIRE_INVALID(with([](ModelConfig& c) { c.alpha = 0.5; }).validate(), "alpha");
  REQUIRE_INVALID(with([](ModelConfig& c) { c.alpha = nan<double>(); }).validate(), "alpha");
  REQUIRE_INVALID(with([](ModelConfig& c) {
                    c.scale_mode = ScaleMode::custom;
                    c.scale = -1;
                  }).validate(),
                  "scale");
  REQUIRE_INVALID(with([](ModelConfig& c) {
                    c.scale_mode = ScaleMode::custom;
                    c.scale = inf<double>();
                  }).validate(),
                  "scale");
  REQUIRE_INVALID(with([](ModelConfig& c) {
                    c.tie = true;
                    c.projections = Projections::none;
                  }).validate(),
                  "tie");
  REQUIRE_INVALID(with([](ModelConfig& c) { c.vocab = 0; }).validate(), "vocab");
  REQUIRE_INVALID(with([](ModelConfig& c) { c.seq_len = attn::kMaxSeqLen + 1; }).validate(), "seq_len");
  REQUIRE_INVALID(with([](ModelConfig& c) { c.classes = 1; }).validate(), "classes");
  // Heads need not divide d_model without projections (d_head = d_model there).
  REQUIRE_NOTHROW(with([](ModelConfig& c) {
                    c.d_model = 10;
                    c.heads = 3;
                    c.projections = Projections::none;
                  }).validate());
  REQUIRE_INVALID(attn::task_config(Task::induction, 2), "n");
  REQUIRE_INVALID(attn::task_config(Task::lookup, 0), "n");

  // A config that does not fit the task.
  const ModelConfig prev = attn::task_config(Task::previous, 8);
  REQUIRE_INVALID(attn::make_batch(Task::cycle, with([](ModelConfig& c) {
                                     c.seq_len = 7;
                                     c.classes = 7;
                                   }),
                                   4, 1),
                  "seq_len");
  REQUIRE_INVALID(attn::make_batch(Task::cycle, with([](ModelConfig& c) { c.classes = 9; }), 4, 1), "classes");
  REQUIRE_INVALID(attn::make_batch(Task::lookup, prev, 4, 1), "vocab");
  REQUIRE_INVALID(attn::make_batch(Task::previous, with([](ModelConfig& c) { c.classes = 9; }), 4, 1), "classes");
  REQUIRE_INVALID(attn::make_batch(Task::induction, with([](ModelConfig& c) {
                                     c.vocab = 4;
                                     c.classes = 4;
                                   }),
                                   4, 1),
                  "seq_len");
  REQUIRE_INVALID(attn::make_batch(Task::previous, prev, 0, 1), "batch");
  // The cost bound: B · (L·H·(3·T·D·d + T²·(2d + c)) + L·T·H·d·D + T·D·C) <= 2^26.
  ModelConfig big = attn::task_config(Task::previous, 64);
  big.d_model = 64;
  REQUIRE(attn::train_work(big, 1) == 3 * 64 * 64 * 64 + 64 * 64 * (2 * 64 + 16) + 64 * 64 * 64 + 64 * 64 * 64);
  REQUIRE_NOTHROW(attn::make_batch(Task::previous, big, 16, 1));
  REQUIRE_INVALID(attn::make_batch(Task::previous, big, 64, 1), "batch");
  // The memory bound: 4 · parameters + activations <= 2^24 numbers.
  ModelConfig wide = attn::task_config(Task::previous, 16);
  wide.vocab = wide.classes = 4096;
  wide.d_model = 512;
  REQUIRE_INVALID(wide.validate(), "d_model");  // (4096 + 16 + 4096) · 512 · 4 > 2^24
  wide.d_model = 1;
  REQUIRE(attn::train_work(wide, 200) < attn::kMaxTrainWork);
  REQUIRE_INVALID(attn::make_batch(Task::previous, wide, 200, 1), "batch");  // 200 · 16 · 2 · 4096 logits and probs
  REQUIRE_THROWS_WITH(attn::make_batch(Task::previous, wide, 200, 1), Catch::Contains("numbers"));
  REQUIRE_NOTHROW(attn::make_batch(Task::previous, wide, 100, 1));

  // Params and batches that do not match the config.
  ModelConfig c = attn::task_config(Task::previous, 6);
  c.d_model = 4;
  c.heads = 2;
  const Params<double> p = attn::init_params<double>(c, 1);
  const Batch b = attn::make_batch(Task::previous, c, 2, 1);
  Params<double> wrong = p;
  wrong.layers[0].heads[1].w_v.resize(3, 4);
  REQUIRE_INVALID(attn::forward<double>(c, wrong, b), "layer0.head1.W_V");
  wrong = p;
  wrong.unembedding.resize(5, 4);
  REQUIRE_INVALID(attn::forward<double>(c, wrong, b), "unembedding");
  ModelConfig tied = c;
  tied.tie = true;
  REQUIRE_INVALID(attn::forward<double>(tied, p, b), "layer0.head0.W_K");  // a tied model has no W_K
  Batch bad = b;
  bad.tokens(1, 2) = 6;
  REQUIRE_INVALID(attn::forward<double>(c, p, bad), "tokens");
  bad = b;
  bad.targets(0, 3) = -1;
  REQUIRE_INVALID(attn::forward<double>(c, p, bad), "targets");
  bad = b;
  bad.scored.setZero();
  REQUIRE_INVALID(attn::forward<double>(c, p, bad), "scored");
  bad = b;
  bad.tokens.resize(2, 5);
  REQUIRE_INVALID(attn::forward<double>(c, p, bad), "tokens");
  // A diverged model is named as such, not as a NaN somewhere downstream.
  wrong = p;
  wrong.token_embedding.setConstant(1e200);
  REQUIRE_INVALID(attn::forward<double>(c, wrong, b), "params");

  // Optimizer settings.
  Params<double> q = p;
  const Params<double> g = attn::zero_params<double>(c);
  attn::Optimizer<double> opt;
  opt.learning_rate = 0;
  REQUIRE_INVALID(opt.step(q, g), "learning_rate");
  opt.learning_rate = 0.1;
  opt.beta1 = 1;
  REQUIRE_INVALID(opt.step(q, g), "beta1");
  opt.beta1 = 0.9;
  opt.beta2 = -0.1;
  REQUIRE_INVALID(opt.step(q, g), "beta2");
  opt.beta2 = 0.999;
  opt.epsilon = 0;
  REQUIRE_INVALID(opt.step(q, g), "epsilon");
  opt.epsilon = 1e-8;
  Params<double> g_wrong = g;
  g_wrong.position_embedding.resize(2, 2);
  REQUIRE_INVALID(opt.step(q, g_wrong), "position_embedding");
}
