// attn/softmax.hpp: softmax_into, softmax, top_k.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/layout.hpp"
#include "attn/softmax.hpp"
#include "fixtures.hpp"

using namespace attn_test;

TEMPLATE_TEST_CASE("softmax matches a hand computation", "[softmax]", float, double) {
  using T = TestType;
  // logits (1, 0, -1); s = e + 1 + 1/e = 4.0861612696304876
  //   w = (e/s, 1/s, e^-1/s) = (0.66524095577482189, 0.24472847105479765, 0.090030573170380458)
  //   log_sum_exp = log s = 1.4076059644443803
  //   H = -Σ w log w = 0.83239558183993887, exp(H) = 2.2988191587123356
  Vec<T> logits(3);
  logits << 1, 0, -1;
  attn::SoftmaxStats<T> st;
  const Vec<T> w = attn::softmax<T>(logits, &st);
  REQUIRE(w.size() == 3);
  CHECK_CLOSE(w(0), 0.66524095577482189, tol<T>(), 0);
  CHECK_CLOSE(w(1), 0.24472847105479765, tol<T>(), 0);
  CHECK_CLOSE(w(2), 0.090030573170380458, tol<T>(), 0);
  CHECK(st.max_logit == T(1));
  CHECK_CLOSE(st.log_sum_exp, 1.4076059644443803, tol<T>(), 0);
  CHECK_CLOSE(st.entropy, 0.83239558183993887, tol<T>(), 0);
  CHECK_CLOSE(st.effective_keys, 2.2988191587123356, tol<T>(), 0);
  CHECK(st.argmax == 0);
}

TEMPLATE_TEST_CASE("softmax_into writes into foreign memory and agrees with softmax", "[softmax]", float, double) {
  using T = TestType;
  std::vector<T> in = {T(0.5), T(-2), T(3), T(3), T(-0.25)};
  std::vector<T> out(in.size(), T(-7));  // garbage that must be overwritten
  Eigen::Map<const Vec<T>> logits(in.data(), static_cast<Index>(in.size()));
  Eigen::Map<Vec<T>> weights(out.data(), static_cast<Index>(out.size()));
  const attn::SoftmaxStats<T> st = attn::softmax_into<T>(logits, weights);
  attn::SoftmaxStats<T> st2;
  const Vec<T> w2 = attn::softmax<T>(logits, &st2);
  REQUIRE_ALL_CLOSE(weights, w2, 0.0);  // same algorithm, same bits
  CHECK(st.max_logit == T(3));
  CHECK(st.argmax == 2);  // first of the two tied maxima
  CHECK(st.log_sum_exp == st2.log_sum_exp);
  CHECK(st.entropy == st2.entropy);
  CHECK(is_distribution(weights, 4 * tol<T>()));
}

TEMPLATE_TEST_CASE("softmax weights are a distribution and shift-invariant", "[softmax]", float, double) {
  using T = TestType;
  attn::Rng rng(11);
  // Shifts large enough to matter, small enough that l + c stays exact to ~tol<T> in T.
  const double shifts[] = {-40.0, 0.75, 25.0};
  for (int c = 0; c < 200; ++c) {
    const Index n = 1 + static_cast<Index>(rng.uniform() * 60);
    const Vec<T> logits = (gaussian_vec<T>(n, 1000 + c) * T(3)).eval();
    attn::SoftmaxStats<T> st;
    const Vec<T> w = attn::softmax<T>(logits, &st);
    INFO("case " << c << ", n = " << n);
    REQUIRE(is_distribution(w, n * tol<T>()));
    REQUIRE(st.entropy >= T(0));
    REQUIRE(st.entropy <= T(std::log(double(n)) * (1 + tol<T>())));
    REQUIRE_CLOSE(st.effective_keys, std::exp(double(st.entropy)), tol<T>(), 0);
    Index arg;
    logits.maxCoeff(&arg);
    REQUIRE(st.argmax == arg);
    REQUIRE(st.max_logit == logits(arg));
    // log_sum_exp against a direct double evaluation.
    const Vec<double> ld = logits.template cast<double>();
    const double lse = ld.maxCoeff() + std::log((ld.array() - ld.maxCoeff()).exp().sum());
    REQUIRE_CLOSE(st.log_sum_exp, lse, tol<T>(), tol<T>());
    for (double shift : shifts) {
      const Vec<T> shifted = (logits.array() + T(shift)).matrix();
      const Vec<T> ws = attn::softmax<T>(shifted);
      INFO("shift " << shift);
      REQUIRE_ALL_CLOSE(ws, w, tol<T>() * w.maxCoeff());
    }
  }
}

TEMPLATE_TEST_CASE("softmax ties share weight exactly evenly", "[softmax]", float, double) {
  using T = TestType;
  for (Index n : {1, 2, 3, 7, 64, 1000}) {
    Vec<T> logits = Vec<T>::Constant(n, T(2.5));
    attn::SoftmaxStats<T> st;
    const Vec<T> w = attn::softmax<T>(logits, &st);
    INFO("n = " << n);
    for (Index i = 0; i < n; ++i) REQUIRE(w(i) == w(0));
    REQUIRE_CLOSE(w(0), 1.0 / n, 4 * std::numeric_limits<T>::epsilon(), 0);
    // uniform: H = log n, effective keys = n
    REQUIRE_CLOSE(st.entropy, std::log(double(n)), tol<T>(), tol<T>());
    REQUIRE_CLOSE(st.effective_keys, double(n), tol<T>(), 0);
    REQUIRE(st.argmax == 0);  // first index among equals
  }
  Vec<T> logits(4);
  logits << -1, 5, 5, 0;
  attn::SoftmaxStats<T> st;
  const Vec<T> w = attn::softmax<T>(logits, &st);
  REQUIRE(w(1) == w(2));
  REQUIRE(st.argmax == 1);
}

TEMPLATE_TEST_CASE("softmax of a one-hot row has zero entropy and no NaN", "[softmax]", float, double) {
  using T = TestType;
  // exp(-1000 - 0) underflows to exactly 0, so 0 * log 0 must be taken as 0.
  Vec<T> logits(4);
  logits << -1000, 0, -1000, -2000;
  attn::SoftmaxStats<T> st;
  const Vec<T> w = attn::softmax<T>(logits, &st);
  REQUIRE(w(1) == T(1));
  REQUIRE(w(0) == T(0));
  REQUIRE(w(2) == T(0));
  REQUIRE(w(3) == T(0));
  REQUIRE(st.entropy == T(0));
  REQUIRE(st.effective_keys == T(1));
  REQUIRE(st.argmax == 1);
  REQUIRE(st.log_sum_exp == T(0));
}

TEMPLATE_TEST_CASE("softmax is finite for logits spanning the whole range of T", "[softmax]", float, double) {
  using T = TestType;
  const T big = std::numeric_limits<T>::max();
  Vec<T> logits(5);
  logits << big, -big, T(0), big / 2, -big / 3;
  attn::SoftmaxStats<T> st;
  const Vec<T> w = attn::softmax<T>(logits, &st);
  REQUIRE(w.allFinite());
  REQUIRE(w(0) == T(1));
  REQUIRE(w.tail(4).isZero(0));
  REQUIRE(std::isfinite(st.log_sum_exp));
  REQUIRE(st.log_sum_exp == big);
  REQUIRE(st.entropy == T(0));
  REQUIRE(st.effective_keys == T(1));
  // all at -max(T): uniform, not NaN
  const Vec<T> wl = attn::softmax<T>(Vec<T>::Constant(3, -big).eval());
  REQUIRE(wl.allFinite());
  REQUIRE_CLOSE(wl(0), 1.0 / 3, tol<T>(), 0);
  REQUIRE(wl(0) == wl(2));
}

TEMPLATE_TEST_CASE("softmax rejects an empty row and non-finite logits", "[softmax]", float, double) {
  using T = TestType;
  REQUIRE_THROWS_AS(attn::softmax<T>(Vec<T>()), attn::invalid_argument);
  for (T bad : {nan<T>(), inf<T>(), -inf<T>()}) {
    Vec<T> logits(3);
    logits << 0, bad, 1;
    INFO("bad logit " << bad);
    REQUIRE_INVALID(attn::softmax<T>(logits), "logit");
    Vec<T> out(3);
    REQUIRE_THROWS_AS(attn::softmax_into<T>(logits, out), attn::invalid_argument);
  }
}

TEMPLATE_TEST_CASE("top_k returns the largest weights in order with ties in index order", "[softmax]", float, double) {
  using T = TestType;
  Vec<T> w(7);
  w << T(0.1), T(0.25), T(0.05), T(0.25), T(0.2), T(0.05), T(0.1);
  using V = std::vector<Index>;
  CHECK(attn::top_k<T>(w, 1) == V{1});
  CHECK(attn::top_k<T>(w, 2) == V{1, 3});
  CHECK(attn::top_k<T>(w, 3) == V{1, 3, 4});
  CHECK(attn::top_k<T>(w, 4) == V{1, 3, 4, 0});
  CHECK(attn::top_k<T>(w, 5) == V{1, 3, 4, 0, 6});
  CHECK(attn::top_k<T>(w, 7) == V{1, 3, 4, 0, 6, 2, 5});
  // all equal: index order
  CHECK(attn::top_k<T>(Vec<T>::Constant(4, T(0.25)).eval(), 4) == V{0, 1, 2, 3});
  // random rows: against a stable sort
  for (int c = 0; c < 50; ++c) {
    const Index n = 1 + c;
    Vec<T> r = gaussian_vec<T>(n, 500 + c);
    for (Index i = 0; i < n; i += 3) r(i) = T(0.5);  // plant ties
    V order(static_cast<size_t>(n));
    for (Index i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
    std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return r(a) > r(b); });
    const Index k = 1 + (c * 7) % n;
    REQUIRE(attn::top_k<T>(r, k) == V(order.begin(), order.begin() + k));
  }
}

TEMPLATE_TEST_CASE("top_k rejects k outside 1..n", "[softmax]", float, double) {
  using T = TestType;
  const Vec<T> w = Vec<T>::Constant(3, T(1) / 3);
  REQUIRE_INVALID(attn::top_k<T>(w, 0), "k");
  REQUIRE_INVALID(attn::top_k<T>(w, -1), "k");
  REQUIRE_INVALID(attn::top_k<T>(w, 4), "k");
  REQUIRE_NOTHROW(attn::top_k<T>(w, 3));
}
