// attn/gradient.hpp: the query's gradient against central differences of attend()'s weights
// (double), the closed form s·(k_t − Σ w_j k_j) for softmax, its vanishing as the weights
// saturate, the Jacobian's properties, and errors that name the argument.
#include <cmath>

#include <catch2/catch.hpp>

#include "attn/attend.hpp"
#include "attn/gradient.hpp"
#include "fixtures.hpp"

using namespace attn_test;
using attn::AttendOptions;

namespace {

// ∂f/∂q_i by five-point central differences, h = 1e-4.
template <typename F>
Vec<double> numeric(const Vec<double>& q, F f) {
  Vec<double> g(q.size());
  const double h = 1e-4;
  for (Index i = 0; i < q.size(); ++i) {
    auto at = [&](double dx) {
      Vec<double> p = q;
      p(i) += dx;
      return f(p);
    };
    g(i) = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
  }
  return g;
}

double rel(const Vec<double>& a, const Vec<double>& b) { return (a - b).norm() / std::max(1e-12, a.norm() + b.norm()); }

}  // namespace

TEST_CASE("query gradient: matches central differences for softmax, entmax, sparsemax, a sink, unit keys",
          "[gradient]") {
  for (int seed = 1; seed <= 6; ++seed)
    for (double alpha : {1.0, 1.5, 2.0})
      for (bool sink : {false, true})
        for (bool unit : {false, true}) {
          const Index n = 6, d = 3;
          const Mat<double> K = gaussian<double>(n, d, 100 + seed);
          const Vec<double> q = gaussian_vec<double>(d, 200 + seed) * 0.8;
          AttendOptions opt;
          opt.scale = 0.9;
          opt.alpha = alpha;
          opt.normalize_keys = unit;
          if (sink) opt.sink = 0.3;
          const Index t = seed % n;
          const auto g = attn::query_gradient<double>(q, K, t, opt);
          const auto weight = [&](const Vec<double>& p) { return attn::attend<double>(p, K, opt).weights(t); };
          CHECK(g.weight == Approx(weight(q)).epsilon(1e-15));
          if (g.weight == 0) {
            CHECK(g.of_weight.norm() == 0);  // outside the support nothing reaches it
            CHECK(g.of_log_weight.norm() == 0);
            continue;
          }
          // Skip points where a perturbation changes entmax's support (a kink: no derivative).
          const Vec<double> num = numeric(q, weight);
          INFO("seed " << seed << " alpha " << alpha << " sink " << sink << " unit " << unit);
          CHECK(rel(g.of_weight, num) < 1e-8);
          const Vec<double> num_log = numeric(q, [&](const Vec<double>& p) { return std::log(weight(p)); });
          CHECK(rel(g.of_log_weight, num_log) < 1e-8);
        }
}

TEST_CASE("query gradient: softmax's log gradient is s·(k_t − Σ w_j k_j), the arrow to the target", "[gradient]") {
  const Mat<double> K = keys_at<double>({0.0, 1.0, 2.5, 4.0});
  const Vec<double> q = Vec<double>::Constant(2, 0.7);
  AttendOptions opt;
  opt.scale = 1.3;
  const auto r = attn::attend<double>(q, K, opt);
  for (Index t = 0; t < 4; ++t) {
    const auto g = attn::query_gradient<double>(q, K, t, opt);
    const Vec<double> mean = K.transpose() * r.weights;
    CHECK((g.mean_key - mean).cwiseAbs().maxCoeff() < 1e-15);
    CHECK((g.of_log_weight - 1.3 * (Vec<double>(K.row(t).transpose()) - mean)).cwiseAbs().maxCoeff() < 1e-14);
    CHECK((g.of_weight - r.weights(t) * g.of_log_weight).cwiseAbs().maxCoeff() < 1e-15);
  }
}

TEST_CASE("query gradient: the signal left falls to 0 as the softmax saturates on the target", "[gradient]") {
  const Mat<double> K = keys_at<double>({0.0, 0.8, 2.0, 3.5});
  double last = INFINITY;
  for (double kappa : {1.0, 4.0, 16.0, 64.0, 256.0}) {
    const Vec<double> q = (Vec<double>(2) << kappa, 0.0).finished();  // points at key 0
    const auto g = attn::query_gradient<double>(q, K, 0);
    CHECK(g.of_log_weight.norm() < last);
    last = g.of_log_weight.norm();
  }
  CHECK(last < 1e-30);  // the other keys weigh e^(256·(cos 0.8 − 1)) ≈ 1e-34
  // Saturated on another key: w_t and ∂w_t/∂q vanish, the log gradient does not.
  const Vec<double> away = (Vec<double>(2) << 256.0, 0.0).finished();
  const auto g = attn::query_gradient<double>(away, K, 2);
  CHECK(g.of_weight.norm() < 1e-100);
  CHECK(g.of_log_weight.norm() > 1);
}

TEST_CASE("weights Jacobian: symmetric, rows sum to 0, diag(w) − w wᵀ for softmax", "[gradient]") {
  const Vec<double> w = (Vec<double>(4) << 0.1, 0.2, 0.3, 0.4).finished();
  const Mat<double> J = attn::weights_jacobian<double>(w, 1.0);
  const Mat<double> expected = Mat<double>(w.asDiagonal()) - w * w.transpose();
  CHECK((J - expected).cwiseAbs().maxCoeff() < 1e-16);
  const Vec<double> sparse = (Vec<double>(4) << 0.0, 0.25, 0.75, 0.0).finished();
  const Mat<double> S = attn::weights_jacobian<double>(sparse, 2.0);
  CHECK((S - S.transpose()).cwiseAbs().maxCoeff() == 0);
  CHECK(S.rowwise().sum().cwiseAbs().maxCoeff() < 1e-16);
  CHECK(S.row(0).cwiseAbs().maxCoeff() == 0);  // off the support
  CHECK(S(1, 1) == Approx(0.5));               // sparsemax: I − 11ᵀ/|support| on the support
}

TEST_CASE("query gradient: errors name the argument", "[gradient]") {
  const Mat<double> K = keys_at<double>({0.0, 1.0});
  const Vec<double> q = Vec<double>::Constant(2, 1.0);
  CHECK_THROWS_WITH(attn::query_gradient<double>(q, K, 2), Catch::StartsWith("target: is 2"));
  CHECK_THROWS_WITH(attn::query_gradient<double>(q, K, -1), Catch::StartsWith("target: is -1"));
  AttendOptions opt;
  opt.kernel = attn::Kernel::elu_plus_one;
  CHECK_THROWS_WITH(attn::query_gradient<double>(q, K, 0, opt), Catch::StartsWith("kernel:"));
  CHECK_THROWS_WITH(attn::query_gradient<double>(Vec<double>::Constant(3, 1.0), K, 0), Catch::Contains("query"));
}
