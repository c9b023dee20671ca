// Self-attention with projections, and MHA / MQA / GQA.
#include "attn/heads.hpp"

#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/matrix.hpp"
#include "fixtures.hpp"

using namespace attn_test;

TEST_CASE("self_attention projects tokens as W x and attends over Q Kᵀ", "[heads]") {
  // X: (3, 2), W: (2, 2). q_i = W_Q x_i, so Q = X W_Qᵀ.
  Mat<double> x(3, 2), wq(2, 2), wk(2, 2), wv(2, 2);
  x << 1, 0, 0, 1, 1, 1;
  wq << 2, 0, 0, 1;   // stretches e1
  wk << 0, 1, 1, 0;   // swaps the axes
  wv << 1, 0, 0, -1;  // flips e2
  const auto r = attn::self_attention<double>(x, wq, wk, wv);
  Mat<double> q(3, 2), k(3, 2), v(3, 2);
  q << 2, 0, 0, 1, 2, 1;
  k << 0, 1, 1, 0, 1, 1;
  v << 1, 0, 0, -1, 1, -1;
  REQUIRE_ALL_CLOSE(r.q, q, 0.0);
  REQUIRE_ALL_CLOSE(r.k, k, 0.0);
  REQUIRE_ALL_CLOSE(r.v, v, 0.0);
  const auto ref = attn::attention_matrix<double>(q, k, v);
  REQUIRE_ALL_CLOSE(r.attention.weights, ref.weights, 0.0);
  REQUIRE_ALL_CLOSE(r.attention.output, ref.output, 0.0);
  // Logit L(0,1) = q0·k1 = 2, L(1,0) = q1·k0 = 1: not symmetric.
  REQUIRE(r.attention.logits(0, 1) == 2.0);
  REQUIRE(r.attention.logits(1, 0) == 1.0);
  REQUIRE(r.logit_asymmetry > 0.5);
}

TEST_CASE("tying W_Q = W_K makes the logit matrix symmetric but not A", "[heads]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const Mat<double> x = gaussian<double>(6, 2, seed);
    const Mat<double> w = gaussian<double>(2, 2, seed + 100);
    const Mat<double> wv = gaussian<double>(2, 2, seed + 200);
    const auto tied = attn::self_attention<double>(x, w, w, wv);
    CHECK(tied.logit_asymmetry <= 1e-12);
    REQUIRE_ALL_CLOSE(tied.attention.logits, Mat<double>(tied.attention.logits.transpose()), 1e-12);
    // Each row is normalised on its own, so A itself is not symmetric in general.
    CHECK(tied.weight_asymmetry > 1e-6);
    const Mat<double> wk = gaussian<double>(2, 2, seed + 300);
    CHECK(attn::self_attention<double>(x, w, wk, wv).logit_asymmetry > 1e-6);
  }
}

TEST_CASE("self_attention applies masks like attention_matrix", "[heads]") {
  const Mat<double> x = gaussian<double>(5, 2, 7);
  const Mat<double> w = Mat<double>::Identity(2, 2);
  attn::MatrixOptions opt;
  opt.mask = attn::Mask::causal();
  const auto r = attn::self_attention<double>(x, w, w, w, opt);
  for (Index i = 0; i < 5; ++i)
    for (Index j = i + 1; j < 5; ++j) REQUIRE(r.attention.weights(i, j) == 0.0);
}

TEST_CASE("HeadLayout names MHA, MQA and GQA and maps query heads to shared K/V heads", "[heads]") {
  REQUIRE(std::string(attn::HeadLayout{4, 4}.name()) == "MHA");
  REQUIRE(std::string(attn::HeadLayout{4, 1}.name()) == "MQA");
  REQUIRE(std::string(attn::HeadLayout{4, 2}.name()) == "GQA");
  const attn::HeadLayout gqa{8, 2};
  REQUIRE(gqa.kv_head_of(0) == 0);
  REQUIRE(gqa.kv_head_of(3) == 0);
  REQUIRE(gqa.kv_head_of(4) == 1);
  REQUIRE(gqa.kv_head_of(7) == 1);
  REQUIRE_INVALID(attn::HeadLayout({4, 3}).validate(), "kv_heads");
  REQUIRE_INVALID(attn::HeadLayout({0, 1}).validate(), "heads");
  REQUIRE_INVALID(attn::HeadLayout({2, 4}).validate(), "kv_heads");
}

TEST_CASE("multi_head_attention: each head equals a single head with its shared K/V", "[heads]") {
  const Mat<double> x = gaussian<double>(4, 2, 11);
  std::vector<Mat<double>> wq, wk, wv;
  for (int h = 0; h < 4; ++h) wq.push_back(gaussian<double>(2, 2, 20 + h));
  for (int g = 0; g < 2; ++g) {
    wk.push_back(gaussian<double>(2, 2, 40 + g));
    wv.push_back(gaussian<double>(2, 2, 60 + g));
  }
  const attn::HeadLayout gqa{4, 2};
  const auto r = attn::multi_head_attention<double>(x, wq, wk, wv, gqa);
  REQUIRE(r.heads.size() == 4);
  REQUIRE(r.output.rows() == 4);
  REQUIRE(r.output.cols() == 8);  // heads side by side
  for (Index h = 0; h < 4; ++h) {
    const auto g = static_cast<size_t>(gqa.kv_head_of(h));
    const auto one = attn::self_attention<double>(x, wq[static_cast<size_t>(h)], wk[g], wv[g]);
    REQUIRE_ALL_CLOSE(r.heads[static_cast<size_t>(h)].attention.weights, one.attention.weights, 0.0);
    REQUIRE_ALL_CLOSE(r.output.middleCols(h * 2, 2), one.attention.output, 0.0);
  }
  // Heads that share K (0 and 1) have the same keys; heads in different groups do not.
  REQUIRE_ALL_CLOSE(r.heads[0].k, r.heads[1].k, 0.0);
  REQUIRE(attn_test::max_abs_diff(r.heads[0].k, r.heads[2].k).max > 1e-3);
  REQUIRE_INVALID(attn::multi_head_attention<double>(x, wq, wk, {wv[0]}, gqa), "W_K");
}

TEST_CASE("kv_cache_entries scales with key/value heads, not query heads", "[heads]") {
  REQUIRE(attn::kv_cache_entries(1024, 8, 64) == 2.0 * 1024 * 8 * 64);
  REQUIRE(attn::kv_cache_entries(1024, 1, 64) * 8 == attn::kv_cache_entries(1024, 8, 64));
  REQUIRE(attn::kv_cache_entries(0, 1, 1) == 0.0);
  REQUIRE_INVALID(attn::kv_cache_entries(10, 0, 64), "kv_cache");
}

TEST_CASE("self_attention rejects bad projections and tokens", "[heads]") {
  const Mat<double> x = gaussian<double>(3, 2, 1);
  const Mat<double> w = Mat<double>::Identity(2, 2);
  REQUIRE_INVALID(attn::self_attention<double>(x, Mat<double>::Identity(2, 3), w, w), "W_Q");
  REQUIRE_INVALID(attn::self_attention<double>(x, w, Mat<double>::Identity(3, 2), w), "W_K");
  REQUIRE_INVALID(attn::self_attention<double>(Mat<double>(0, 2), w, w, w), "tokens");
  Mat<double> bad = w;
  bad(1, 1) = nan<double>();
  REQUIRE_INVALID(attn::self_attention<double>(x, w, w, bad), "W_V");
  Mat<double> xbad = x;
  xbad(2, 0) = inf<double>();
  REQUIRE_INVALID(attn::self_attention<double>(xbad, w, w, w), "tokens");
}

TEST_CASE("self_attention: huge projections saturate, overflowing ones are named", "[heads]") {
  Mat<double> x(2, 2), big(2, 2), eye = Mat<double>::Identity(2, 2);
  x << 1, 0, 0, 1;
  big << 1e300, 1, 0, 1e300;
  // Logits of 1e600 saturate at ±DBL_MAX; their asymmetry is measured without overflow.
  Mat<double> big_k = big.transpose();
  // L = Q Kᵀ = [[sat, 2e300], [0, sat]]: the asymmetry is 2e300, and L - Lᵀ is not inf.
  const auto r = attn::self_attention<double>(x, big, big_k, eye);
  CHECK(r.attention.logits(0, 0) == std::numeric_limits<double>::max());
  CHECK(std::isfinite(r.logit_asymmetry));
  CHECK_CLOSE(r.logit_asymmetry, 2e300, 1e-15, 0);
  CHECK(r.attention.weights.allFinite());
  // tokens · W_Kᵀ itself overflowing is an error under W_K's name, not a non-finite
  // entry of "keys" or "values" (names the user never wrote).
  Mat<double> xs(2, 2);
  xs << 1e300, 0, 0, 1;
  REQUIRE_INVALID(attn::self_attention<double>(xs, eye, big, eye), "W_K");
  REQUIRE_THROWS_WITH(attn::self_attention<double>(xs, eye, big, eye), Catch::Contains("overflows"));
  REQUIRE_INVALID(attn::self_attention<float>(Mat<float>::Constant(2, 2, 1e20f), Mat<float>::Constant(2, 2, 1e20f),
                                              Mat<float>::Identity(2, 2), Mat<float>::Identity(2, 2)),
                  "W_Q");
}

TEMPLATE_TEST_CASE("cross_attention: queries from one sequence, keys and values from another", "[heads][cross]", float,
                   double) {
  const Mat<TestType> target = gaussian<TestType>(3, 4, 1), source = gaussian<TestType>(5, 4, 2);
  const Mat<TestType> wq = gaussian<TestType>(2, 4, 3), wk = gaussian<TestType>(2, 4, 4),
                      wv = gaussian<TestType>(3, 4, 5);
  const auto r = attn::cross_attention<TestType>(target, source, wq, wk, wv);
  REQUIRE(r.attention.weights.rows() == 3);
  REQUIRE(r.attention.weights.cols() == 5);
  REQUIRE(r.attention.output.cols() == 3);
  const Mat<TestType> q = target * wq.transpose(), k = source * wk.transpose(), v = source * wv.transpose();
  const auto ref = attn::attention_matrix<TestType>(q, k, v);
  REQUIRE_ALL_CLOSE(r.attention.weights, ref.weights, tol<TestType>());
  REQUIRE_ALL_CLOSE(r.attention.output, ref.output, tol<TestType>());
  // Each target token's output is a convex mix of the source's values.
  for (Index i = 0; i < 3; ++i) REQUIRE(is_distribution(r.attention.weights.row(i).transpose().eval(), 1e-5));
}

TEST_CASE("cross_attention with the same tokens on both sides is self-attention", "[heads][cross]") {
  const Mat<double> x = gaussian<double>(4, 3, 7), wq = gaussian<double>(2, 3, 8), wk = gaussian<double>(2, 3, 9),
                    wv = gaussian<double>(2, 3, 10);
  REQUIRE_ALL_CLOSE(attn::cross_attention<double>(x, x, wq, wk, wv).attention.weights,
                    attn::self_attention<double>(x, wq, wk, wv).attention.weights, 0.0);
}

TEST_CASE("cross_attention names a source with a different d_model", "[heads][cross]") {
  const Mat<double> x = gaussian<double>(3, 2, 1), y = gaussian<double>(4, 3, 2), w = gaussian<double>(2, 2, 3);
  REQUIRE_INVALID(attn::cross_attention<double>(x, y, w, w, w), "source: has d_model = 3");
}

TEST_CASE("self and cross attention: too much work is a named error before projecting", "[heads][limits]") {
  // d_head 8000 for 1024 one-number tokens: 8.4e9 multiply-adds (and 843 MB of CLI output).
  const Mat<double> x = Mat<double>::Ones(1024, 1), w = Mat<double>::Ones(8000, 1);
  REQUIRE_INVALID(
      attn::self_attention<double>(x, w, w, w),
      "tokens: with m = 1024 rows, d_model = 1 and d_head = 8000, 8000, 8000 (q, k, v), the projections and "
      "attention take m · d_model · (d_q + d_k + d_v) + m² · (d_k + d_v + 16) = 16818569216 operations; "
      "expected at most 1073741824; use fewer tokens or a smaller d_head");
  REQUIRE_INVALID(attn::multi_head_attention<double>(x, {w, w}, {w}, {w}, attn::HeadLayout{2, 1}),
                  "tokens: with m = 1024 rows, d_model = 1, 2 heads and d_head = 8000");
  REQUIRE_INVALID(attn::cross_attention<double>(x, x, w, w, w), "tokens: with m = 1024 rows, source n = 1024");
  // The attention matrix's own size limit is named by the tokens too (not "queries").
  const Mat<double> eye = Mat<double>::Identity(1, 1);
  REQUIRE_INVALID(attn::self_attention<double>(Mat<double>::Ones(4097, 1), eye, eye, eye),
                  "tokens: make an m x n = 4097 x 4097");
  CHECK(attn::self_attention<double>(Mat<double>::Ones(64, 1), Mat<double>::Ones(64, 1), Mat<double>::Ones(64, 1),
                                     Mat<double>::Ones(64, 1))
            .attention.weights.rows() == 64);
}
