// The √d story: unscaled logits grow like √d and saturate the softmax; 1/√d keeps them near 1.
#include "attn/dimension.hpp"

#include <numeric>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "fixtures.hpp"

using namespace attn_test;

TEST_CASE("dimension_stats: logit spread is about sqrt(d) unscaled and about 1 scaled", "[dimension]") {
  for (Index d : {4, 64, 1024}) {
    // Average over seeds: one draw of n = 512 logits has a ~5% sampling error in its std.
    double raw = 0, scaled = 0;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
      raw += attn::dimension_stats(d, 512, seed, false).logit_std / 8;
      scaled += attn::dimension_stats(d, 512, seed, true).logit_std / 8;
    }
    INFO("d = " << d << ", unscaled std " << raw << ", scaled std " << scaled);
    // logit = q·k is a sum of d products of independent N(0,1): variance d·|q|²/d ≈ |q|² ≈ d.
    CHECK(raw / std::sqrt(static_cast<double>(d)) > 0.6);
    CHECK(raw / std::sqrt(static_cast<double>(d)) < 1.6);
    CHECK(scaled > 0.6);
    CHECK(scaled < 1.6);
  }
}

TEST_CASE("dimension_stats: without 1/sqrt(d) the softmax saturates as d grows", "[dimension]") {
  const auto low = attn::dimension_stats(2, 64, 5, false);
  const auto high = attn::dimension_stats(1024, 64, 5, false);
  const auto high_scaled = attn::dimension_stats(1024, 64, 5, true);
  CHECK(high.max_weight > 0.9);  // near one-hot
  CHECK(high.effective_keys < 1.5);
  CHECK(high_scaled.max_weight < 0.5);  // still spread out
  CHECK(high_scaled.effective_keys > 10);
  CHECK(low.effective_keys > high.effective_keys);
  // Internal consistency: the summaries are those of the returned weights.
  REQUIRE(high.weights.size() == 64);
  REQUIRE_CLOSE(high.max_weight, high.weights.maxCoeff(), 0, 0);
  REQUIRE_CLOSE(high.effective_keys, std::exp(high.entropy), 1e-12, 0);
  REQUIRE(high_scaled.scale == 1.0 / 32.0);
}

TEST_CASE("dimension_stats is deterministic and sweeps match single draws", "[dimension]") {
  const auto a = attn::dimension_stats(64, 32, 9, true);
  const auto b = attn::dimension_stats(64, 32, 9, true);
  REQUIRE(a.logits == b.logits);
  const auto sweep = attn::dimension_sweep({2, 64, 256}, 32, 9, true);
  REQUIRE(sweep.size() == 3);
  REQUIRE(sweep[1].max_weight == a.max_weight);
  REQUIRE(sweep[1].logits.size() == 0);  // summaries only
  REQUIRE_INVALID(attn::dimension_stats(0, 32, 1, true), "d");
  REQUIRE_INVALID(attn::dimension_stats(4, 0, 1, true), "n");
}

TEST_CASE("histogram counts every value once, clamping outliers into the end bins", "[dimension]") {
  Vec<double> v(7);
  v << -5, 0, 0.1, 0.5, 0.99, 1.0, 7;
  const auto h = attn::histogram(v, 2, 0.0, 1.0);
  REQUIRE(h == std::vector<Index>({3, 4}));  // [-5, 0, 0.1] and [0.5, 0.99, 1.0, 7]
  REQUIRE(std::accumulate(h.begin(), h.end(), Index(0)) == v.size());
  REQUIRE_INVALID(attn::histogram(v, 0, 0.0, 1.0), "bins");
  REQUIRE_INVALID(attn::histogram(v, 3, 1.0, 1.0), "hi");
  v(2) = nan<double>();
  REQUIRE_INVALID(attn::histogram(v, 3, 0.0, 1.0), "values");
}

TEST_CASE("dimension_stats: a draw too large names n, d and the real limit", "[dimension]") {
  // The draw holds the query and the n keys: (n + 1) · d numbers. The message used to
  // come from the layout and say "n · d is 257 · 65536" for n = 256.
  REQUIRE_INVALID(attn::dimension_stats(65536, 256, 1, true), "n");
  REQUIRE_THROWS_WITH(attn::dimension_stats(65536, 256, 1, true),
                      Catch::Contains("is 256 with d = 65536") && Catch::Contains("(n + 1) · d <= 16777216"));
  CHECK_NOTHROW(attn::dimension_stats(65536, 255, 1, true));
}

TEST_CASE("dimension_stats: the draw's size is computed in 64 bits in the message", "[dimension]") {
  // 65537 · 65536 wrapped to 65536 where Index is 32-bit (WASM).
  REQUIRE_INVALID(attn::dimension_stats(65536, 65536, 1, true),
                  "n: is 65536 with d = 65536: the query and keys are (n + 1) · d = 4295032832 numbers");
}

TEST_CASE("dimension: gradient_norm is the Frobenius norm of diag(w) − w wᵀ, and it vanishes unscaled as d grows",
          "[dimension]") {
  for (bool scaled : {false, true}) {
    const attn::DimensionStats s = attn::dimension_stats(16, 12, 3, scaled);
    const attn::Mat<double> J = attn::Mat<double>(s.weights.asDiagonal()) - s.weights * s.weights.transpose();
    CHECK(s.gradient_norm == Approx(J.norm()).epsilon(1e-12));
  }
  // The median over 31 draws (the mean is carried by the few draws whose top two logits nearly tie):
  // without 1/√d it falls by orders of magnitude from d = 4 to d = 1024 (measured 0.27 → 3e-4);
  // with it, it stays within a factor of 2 (0.17 → 0.18).
  auto median = [](attn::Index d, bool scaled) {
    std::vector<double> v;
    for (std::uint64_t seed = 1; seed <= 31; ++seed)
      v.push_back(attn::dimension_stats(d, 64, seed, scaled).gradient_norm);
    std::nth_element(v.begin(), v.begin() + 15, v.end());
    return v[15];
  };
  CHECK(median(1024, false) < median(4, false) / 100);
  CHECK(median(1024, true) > median(4, true) / 2);
  CHECK(median(1024, true) < median(4, true) * 2);
}
