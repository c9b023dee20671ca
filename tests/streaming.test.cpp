// attn/streaming.hpp: the FlashAttention recurrence for one query.
//   q: (d)   K: (n, d)   V: (n, dv)   blocks of b keys   output: (dv)
#include <algorithm>
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "attn/layout.hpp"
#include "attn/streaming.hpp"
#include "fixtures.hpp"

using namespace attn_test;

namespace {

attn::AttendOptions with_scale(double scale) {
  attn::AttendOptions o;
  o.scale = scale;
  return o;
}

}  // namespace

TEST_CASE("streaming equals two-pass attention for every block size", "[streaming]") {
  // n = 37 random keys in d = 4, dv = 3; block sizes 1..n (and past n).
  const Index n = 37, d = 4, dv = 3;
  const Mat<double> K = gaussian<double>(n, d, 1), V = gaussian<double>(n, dv, 2);
  const Vec<double> q = gaussian_vec<double>(d, 3);
  const attn::AttendOptions opt = with_scale(1.7);
  const auto two_pass = attn::attend<double>(q, K, V, opt);
  for (Index b = 1; b <= n + 3; ++b) {
    INFO("block size " << b);
    const auto s = attn::streaming_attend<double>(q, K, V, opt, b);
    REQUIRE_ALL_CLOSE(s.output, two_pass.output, 1e-12);
    REQUIRE(std::fabs(s.log_sum_exp - two_pass.stats.log_sum_exp) <= 1e-12);

    // blocks cover [0, n) in order, each of size b except possibly the last
    const Index expected_blocks = (n + b - 1) / b;
    REQUIRE(Index(s.blocks.size()) == expected_blocks);
    Index next = 0;
    double prev_max = -std::numeric_limits<double>::infinity();
    for (size_t t = 0; t < s.blocks.size(); ++t) {
      const attn::StreamState<double>& st = s.blocks[t];
      INFO("block " << t << " = [" << st.begin << ", " << st.end << ")");
      REQUIRE(st.begin == next);
      REQUIRE(st.end == std::min(n, st.begin + b));
      next = st.end;
      // block and running maxima, from the two-pass logits
      const double block_max = two_pass.logits.segment(st.begin, st.end - st.begin).maxCoeff();
      const double running_max = two_pass.logits.head(st.end).maxCoeff();
      REQUIRE_CLOSE(st.block_max, block_max, 1e-15, 1e-15);
      REQUIRE_CLOSE(st.running_max, running_max, 1e-15, 1e-15);
      REQUIRE(st.running_max >= prev_max);  // non-decreasing
      // rescale = exp(m_before - m_after), 0 for the first block
      if (t == 0)
        REQUIRE(st.rescale == 0);
      else
        REQUIRE_CLOSE(st.rescale, std::exp(prev_max - st.running_max), 1e-14, 0);
      prev_max = st.running_max;
      // l = Σ_{j < end} exp(logit_j - m)
      const double l = (two_pass.logits.head(st.end).array() - st.running_max).exp().sum();
      REQUIRE_CLOSE(st.running_sum, l, 1e-13, 0);
      // the partial output is attention over the keys seen so far
      const auto prefix = attn::attend<double>(q, K.topRows(st.end), V.topRows(st.end), opt);
      REQUIRE_ALL_CLOSE(st.partial_output, prefix.output, 1e-12);
    }
    REQUIRE(next == n);
    REQUIRE_ALL_CLOSE(s.blocks.back().partial_output, s.output, 1e-15);
  }
}

TEST_CASE("streaming: record_blocks off keeps the result and drops the trace", "[streaming]") {
  const Mat<double> K = gaussian<double>(20, 2, 4), V = gaussian<double>(20, 2, 5);
  const Vec<double> q = gaussian_vec<double>(2, 6);
  const auto a = attn::streaming_attend<double>(q, K, V, with_scale(2), 3, true);
  const auto b = attn::streaming_attend<double>(q, K, V, with_scale(2), 3, false);
  REQUIRE(b.blocks.empty());
  REQUIRE(a.blocks.size() == 7);
  REQUIRE_ALL_CLOSE(a.output, b.output, 0.0);
  REQUIRE(a.log_sum_exp == b.log_sum_exp);
}

TEST_CASE("streaming in float agrees with two-pass", "[streaming]") {
  const Index n = 37;
  const Mat<float> K = gaussian<float>(n, 3, 7), V = gaussian<float>(n, 3, 8);
  const Vec<float> q = gaussian_vec<float>(3, 9);
  const auto two_pass = attn::attend<float>(q, K, V, with_scale(1.3));
  for (Index b = 1; b <= n; ++b) {
    INFO("block size " << b);
    const auto s = attn::streaming_attend<float>(q, K, V, with_scale(1.3), b);
    REQUIRE_ALL_CLOSE(s.output, two_pass.output, 1e-5);
    REQUIRE_CLOSE(s.log_sum_exp, two_pass.stats.log_sum_exp, 1e-5, 1e-5);
  }
}

TEST_CASE("StreamingSoftmax driven by hand", "[streaming]") {
  // logits (0, 2 | 1, 5 | -3), values = identity-ish rows: the output is the weight vector.
  Vec<double> logits(5);
  logits << 0, 2, 1, 5, -3;
  const Mat<double> V = Mat<double>::Identity(5, 5);
  attn::StreamingSoftmax<double> s(5);
  REQUIRE(s.keys_seen() == 0);
  REQUIRE_THROWS(s.output());
  s.push(logits.segment(0, 2), V.middleRows(0, 2), 0);
  REQUIRE(s.keys_seen() == 2);
  REQUIRE(s.state().running_max == 2);
  REQUIRE(s.state().rescale == 0);
  REQUIRE_CLOSE(s.state().running_sum, 1 + std::exp(-2.0), 1e-15, 0);
  const attn::StreamState<double>& st = s.push(logits.segment(2, 2), V.middleRows(2, 2), 2);
  REQUIRE(st.begin == 2);
  REQUIRE(st.end == 4);
  REQUIRE(st.block_max == 5);
  REQUIRE(st.running_max == 5);
  REQUIRE_CLOSE(st.rescale, std::exp(-3.0), 1e-15, 0);
  s.push(logits.segment(4, 1), V.middleRows(4, 1), 4);
  REQUIRE(s.keys_seen() == 5);
  REQUIRE(s.state().running_max == 5);
  REQUIRE(s.state().rescale == 1);  // max did not grow
  const Vec<double> w = attn::softmax<double>(logits);
  REQUIRE_ALL_CLOSE(s.output(), w, 1e-15);
  REQUIRE_CLOSE(s.log_sum_exp(), 5 + std::log((logits.array() - 5).exp().sum()), 1e-15, 0);
}

TEMPLATE_TEST_CASE("streaming: huge logits stay finite", "[streaming]", float, double) {
  using T = TestType;
  const Mat<T> K = attn::layout_even(16).cast<T>(), V = attn::layout_values(16, 3).cast<T>();
  const Vec<T> q = polar<T>(1, 0.3);
  for (double scale : {1e6, 1e30, -1e30, 1e300}) {
    INFO("scale " << scale);
    const auto two_pass = attn::attend<T>(q, K, V, with_scale(scale));
    for (Index b : {1, 3, 16}) {
      const auto s = attn::streaming_attend<T>(q, K, V, with_scale(scale), b);
      REQUIRE(s.output.allFinite());
      REQUIRE(std::isfinite(s.log_sum_exp));
      REQUIRE_ALL_CLOSE(s.output, two_pass.output, tol<T>());
      for (const auto& st : s.blocks) {
        REQUIRE(std::isfinite(st.running_max));
        REQUIRE(std::isfinite(st.running_sum));
        REQUIRE(std::isfinite(st.rescale));
        REQUIRE(st.partial_output.allFinite());
      }
    }
  }
}

TEMPLATE_TEST_CASE("streaming: bad input throws attn::invalid_argument", "[streaming]", float, double) {
  using T = TestType;
  const Mat<T> K = gaussian<T>(5, 2, 1), V = gaussian<T>(5, 2, 2);
  const Vec<T> q = gaussian_vec<T>(2, 3);
  const attn::AttendOptions opt;
  REQUIRE_INVALID(attn::streaming_attend<T>(q, K, V, opt, 0), "block_size");
  REQUIRE_INVALID(attn::streaming_attend<T>(q, K, V, opt, -4), "block_size");
  REQUIRE_INVALID(attn::streaming_attend<T>(gaussian_vec<T>(3, 3), K, V, opt, 2), "query");
  REQUIRE_INVALID(attn::streaming_attend<T>(q, K, gaussian<T>(4, 2, 2), opt, 2), "values");
  REQUIRE_THROWS_AS(attn::streaming_attend<T>(q, Mat<T>(0, 2), Mat<T>(0, 2), opt, 2), attn::invalid_argument);  // n = 0
  Mat<T> bk = K;
  bk(1, 1) = nan<T>();
  REQUIRE_INVALID(attn::streaming_attend<T>(q, bk, V, opt, 2), "keys");
  attn::AttendOptions bo;
  bo.scale = std::numeric_limits<double>::infinity();
  REQUIRE_INVALID(attn::streaming_attend<T>(q, K, V, bo, 2), "scale");
  REQUIRE_INVALID(attn::streaming_attend<T>(q, K, Mat<T>(0, 2), opt, 2), "values");  // values are required
}

TEMPLATE_TEST_CASE("streaming: values near the type's max give a finite output", "[streaming]", float, double) {
  // The running output is kept normalised (a convex combination of value rows), so it
  // cannot overflow where the raw sum Σ p v would (two values of 1e308: 2e308 = inf).
  using T = TestType;
  const T big = std::numeric_limits<T>::max() * T(0.9);
  const Mat<T> K = attn::layout_even(6).cast<T>();
  Mat<T> V(6, 2);
  for (Index i = 0; i < 6; ++i) V.row(i) << big, (i % 2 ? -big : big);
  const Vec<T> q = Vec<T>::Zero(2);  // uniform weights: the output is the mean of the values
  for (Index b : {1, 2, 6}) {
    INFO("block " << b);
    const auto s = attn::streaming_attend<T>(q, K, V, {}, b);
    REQUIRE(s.output.allFinite());
    for (const auto& st : s.blocks) REQUIRE(st.partial_output.allFinite());
    CHECK(std::abs(s.output(0) / big - 1) < 1e-5);
    CHECK(std::abs(s.output(1) / big) < 1e-5);
  }
}
