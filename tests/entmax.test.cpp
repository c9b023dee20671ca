// attn/entmax.hpp: α-entmax, sparsemax and the attention sink, against hand-computed values.
#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/entmax.hpp"
#include "fixtures.hpp"

using namespace attn_test;

namespace {

template <typename T>
Vec<T> vec(std::initializer_list<double> xs) {
  Vec<T> v(static_cast<Index>(xs.size()));
  Index i = 0;
  for (double x : xs) v(i++) = static_cast<T>(x);
  return v;
}

}  // namespace

TEMPLATE_TEST_CASE("sparsemax: known logits (full support, partial support, one-hot, ties)", "[entmax]", float,
                   double) {
  using T = TestType;
  // z = (0.5, 0.3, 0.1): τ = (0.9 − 1)/3 = −1/30, every key keeps weight z − τ.
  REQUIRE_ALL_CLOSE(attn::sparsemax<T>(vec<T>({0.5, 0.3, 0.1})), vec<double>({16 / 30.0, 10 / 30.0, 4 / 30.0}),
                    tol<T>());
  // z = (1, 0.5, −1): the support is {0, 1}, τ = (1.5 − 1)/2 = 0.25 → (0.75, 0.25, 0).
  const Vec<T> partial = attn::sparsemax<T>(vec<T>({1, 0.5, -1}));
  REQUIRE_ALL_CLOSE(partial, vec<double>({0.75, 0.25, 0}), tol<T>());
  REQUIRE(partial(2) == 0);  // exactly, not a tiny number
  // One key far ahead takes everything; the others are exactly 0.
  const Vec<T> onehot = attn::sparsemax<T>(vec<T>({0, 3, 1.5, -2}));
  REQUIRE(onehot(1) == 1);
  REQUIRE((onehot(0) == 0 && onehot(2) == 0 && onehot(3) == 0));
  // Ties share exactly evenly: (2, 2, 0) → (0.5, 0.5, 0).
  const Vec<T> tie = attn::sparsemax<T>(vec<T>({2, 2, 0}));
  REQUIRE(tie(0) == tie(1));
  REQUIRE_ALL_CLOSE(tie, vec<double>({0.5, 0.5, 0}), tol<T>());
}

TEMPLATE_TEST_CASE("entmax 1.5: known logits, sum 1 and exact zeros", "[entmax]", float, double) {
  using T = TestType;
  // α = 1.5, z = (1, 0, −1): p = (z/2 − τ)², support {0, 1}: (1/2 − τ)² + τ² = 1 gives
  // τ = (1 − √7)/4, so p0 = ((1 + √7)/4)², p1 = ((√7 − 1)/4)², p2 = 0.
  attn::SoftmaxStats<T> st;
  const Vec<T> p = attn::entmax<T>(vec<T>({1, 0, -1}), 1.5, &st);
  const double r7 = std::sqrt(7.0);
  REQUIRE_ALL_CLOSE(p, vec<double>({std::pow((1 + r7) / 4, 2), std::pow((r7 - 1) / 4, 2), 0}), tol<T>());
  REQUIRE(p(2) == 0);
  REQUIRE(std::isnan(static_cast<double>(st.log_sum_exp)));  // no log-partition beyond softmax
  REQUIRE(st.argmax == 0);
  // Many keys, many α: always a distribution, and a key below the threshold is exactly 0.
  const Vec<T> z = gaussian_vec<T>(200, 5) * T(3);
  for (double alpha : {1.0001, 1.1, 1.25, 1.5, 1.75, 1.9, 1.9999, 2.0}) {
    INFO("alpha = " << alpha);
    const Vec<T> w = attn::entmax<T>(z, alpha);
    REQUIRE(is_distribution(w, 200 * tol<T>()));
    if (alpha >= 1.25) REQUIRE((w.array() == T(0)).count() > 0);
  }
}

TEMPLATE_TEST_CASE("entmax: alpha to 1 approaches softmax, alpha to 2 approaches sparsemax", "[entmax]", float,
                   double) {
  using T = TestType;
  const Vec<T> z = gaussian_vec<T>(12, 9);
  const Vec<T> soft = attn::softmax<T>(z), sparse = attn::sparsemax<T>(z);
  // The weights are smooth in α: the distance shrinks with α − 1 (and 2 − α).
  double prev_soft = 1, prev_sparse = 1;
  for (double eps : {1e-2, 1e-3, 1e-4, 1e-6}) {
    const double to_soft = max_abs_diff(attn::entmax<T>(z, 1 + eps), soft).max;
    const double to_sparse = max_abs_diff(attn::entmax<T>(z, 2 - eps), sparse).max;
    INFO("eps = " << eps << ": |entmax − softmax| = " << to_soft << ", |entmax − sparsemax| = " << to_sparse);
    REQUIRE(to_soft <= 10 * eps + tol<T>());
    REQUIRE(to_sparse <= 10 * eps + tol<T>());
    REQUIRE(to_soft <= prev_soft);
    REQUIRE(to_sparse <= prev_sparse + tol<T>());
    prev_soft = to_soft;
    prev_sparse = to_sparse;
  }
  // α = 1 exactly is softmax_into itself (same bits).
  REQUIRE(attn::entmax<T>(z, 1.0) == soft);
}

TEMPLATE_TEST_CASE("sink: weight of the sink slot for known logits", "[entmax]", float, double) {
  using T = TestType;
  // Logits (1, 0, −1), sink 0 (softmax + 1): Σ = e + 1 + e⁻¹ + 1.
  const Vec<T> z = vec<T>({1, 0, -1});
  Vec<T> w(3);
  const attn::SoftmaxStats<T> s = attn::entmax_into<T>(z, 1.0, 0.0, w);
  const double sum = std::exp(1.0) + 2 + std::exp(-1.0);
  REQUIRE_CLOSE(s.sink_weight, 1 / sum, tol<T>(), 0);
  REQUIRE_ALL_CLOSE(w, vec<double>({std::exp(1.0) / sum, 1 / sum, std::exp(-1.0) / sum}), tol<T>());
  REQUIRE_CLOSE(w.sum() + s.sink_weight, 1, tol<T>(), 0);
  REQUIRE_CLOSE(s.log_sum_exp, std::log(sum), tol<T>(), 0);  // still w_i = exp(z_i − log_sum_exp)
  // A sink far above every key takes (nearly) all the weight; far below, none of it.
  REQUIRE(attn::entmax_into<T>(z, 1.0, 60.0, w).sink_weight > T(0.999999));
  REQUIRE(attn::entmax_into<T>(z, 1.0, -200.0, w).sink_weight < T(1e-80) + std::numeric_limits<T>::min());
  // Sparsemax with a sink: slots (1, 0, −1, 0.8) → support {0, 3}, τ = 0.4: weights (0.6, 0, 0), sink 0.4.
  const attn::SoftmaxStats<T> sp = attn::entmax_into<T>(z, 2.0, 0.8, w);
  REQUIRE_ALL_CLOSE(w, vec<double>({0.6, 0, 0}), tol<T>());
  REQUIRE(w(1) == 0);
  REQUIRE_CLOSE(sp.sink_weight, 0.4, tol<T>(), 0);
}

TEMPLATE_TEST_CASE("entmax: NaN-free at extreme logits, bad options are named", "[entmax]", float, double) {
  using T = TestType;
  const T big = std::numeric_limits<T>::max();
  for (double alpha : {1.0, 1.3, 1.5, 2.0}) {
    INFO("alpha = " << alpha);
    Vec<T> w(4);
    // The logits span twice the type's range; float also gets a sink.
    const std::optional<double> sink = std::is_same<T, float>::value ? std::optional<double>(1.0) : std::nullopt;
    const attn::SoftmaxStats<T> s =
        attn::entmax_into<T>(vec<T>({double(big), double(-big), 0, double(big)}), alpha, sink, w);
    REQUIRE(w.allFinite());
    REQUIRE(std::isfinite(static_cast<double>(s.entropy)));
    REQUIRE(w(0) == w(3));  // the tie at the top
    REQUIRE(w(1) == 0);
    REQUIRE_CLOSE(w(0) + w(3), 1, tol<T>(), 0);
  }
  Vec<T> w(2);
  const Vec<T> z = vec<T>({0, 1});
  REQUIRE_INVALID(attn::entmax_into<T>(z, 0.5, std::nullopt, w), "alpha: is 0.5; expected 1 <= alpha <= 2");
  REQUIRE_INVALID(attn::entmax_into<T>(z, 2.5, std::nullopt, w), "alpha");
  REQUIRE_INVALID(attn::entmax_into<T>(z, std::nan(""), std::nullopt, w), "alpha: is nan");
  REQUIRE_INVALID(attn::entmax_into<T>(z, 1.0, std::numeric_limits<double>::infinity(), w), "sink: is inf");
}
