// Multi-head latent attention: keys and values from a shared low-rank latent.
#include "attn/mla.hpp"

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "fixtures.hpp"

using namespace attn_test;

namespace {
std::vector<Mat<double>> heads_of(Index heads, Index dh, Index dm, std::uint64_t seed) {
  std::vector<Mat<double>> w;
  for (Index h = 0; h < heads; ++h) w.push_back(gaussian<double>(dh, dm, seed + static_cast<std::uint64_t>(h)));
  return w;
}
}  // namespace

TEST_CASE("mla: an identity down-projection with W_UK = W_K, W_UV = W_V is exactly MHA", "[mla]") {
  const Mat<double> x = gaussian<double>(5, 3, 1);
  const auto wq = heads_of(2, 2, 3, 10), wk = heads_of(2, 2, 3, 20), wv = heads_of(2, 2, 3, 30);
  attn::LatentWeights<double> lat;
  lat.w_dkv = Mat<double>::Identity(3, 3);
  lat.w_uk = wk;
  lat.w_uv = wv;
  const auto mla = attn::mla_attention<double>(x, wq, lat);
  const auto mha = attn::multi_head_attention<double>(x, wq, wk, wv, attn::HeadLayout{2, 2});
  REQUIRE_ALL_CLOSE(mla.latent, x, 0.0);
  for (size_t h = 0; h < 2; ++h) REQUIRE_ALL_CLOSE(mla.heads[h].attention.weights, mha.heads[h].attention.weights, 0.0);
  REQUIRE_ALL_CLOSE(mla.output, mha.output, 0.0);
}

TEST_CASE("mla: the best latent at full rank equals MHA with the same weights", "[mla]") {
  const Mat<double> x = gaussian<double>(6, 4, 2);
  const auto wq = heads_of(2, 3, 4, 11), wk = heads_of(2, 3, 4, 21), wv = heads_of(2, 3, 4, 31);
  const auto d = attn::latent_drift<double>(x, wq, wk, wv, 4);
  REQUIRE(d.projection_error < 1e-12);
  REQUIRE(d.max_weight_diff < 1e-12);
  REQUIRE(d.max_output_diff < 1e-12);
}

TEST_CASE("mla: the projection error grows as the rank shrinks", "[mla]") {
  const Mat<double> x = gaussian<double>(6, 6, 3);
  const auto wq = heads_of(2, 2, 6, 12), wk = heads_of(2, 2, 6, 22), wv = heads_of(2, 2, 6, 32);
  double last = -1;
  for (Index r = 6; r >= 1; --r) {
    const auto d = attn::latent_drift<double>(x, wq, wk, wv, r);
    REQUIRE(d.projection_error >= last - 1e-12);
    last = d.projection_error;
  }
  REQUIRE(last > 0.1);
  REQUIRE(attn::latent_drift<double>(x, wq, wk, wv, 1).max_weight_diff > 1e-3);
}

TEST_CASE("mla: the latent cache is r + rope_dim per token against 2 · kv_heads · d_head", "[mla]") {
  const auto c = attn::mla_cache_sizes(10, 8, 2, 16, 32, 8);
  REQUIRE(c.mla == 10 * 40);
  REQUIRE(c.mha == 2 * 10 * 8 * 16);
  REQUIRE(c.gqa == 2 * 10 * 2 * 16);
  REQUIRE(c.mqa == 2 * 10 * 16);
  REQUIRE_INVALID(attn::mla_cache_sizes(10, 8, 3, 16, 32, 0), "kv_heads");
  REQUIRE_INVALID(attn::mla_cache_sizes(10, 8, 2, 16, 0, 0), "rank: is 0");
}

TEST_CASE("mla: rank outside 1..d_model is a named error", "[mla]") {
  const auto wk = heads_of(1, 2, 3, 1), wv = heads_of(1, 2, 3, 2);
  REQUIRE_INVALID(attn::latent_from_mha<double>(wk, wv, 0), "rank: is 0");
  REQUIRE_INVALID(attn::latent_from_mha<double>(wk, wv, 4), "rank: is 4");
  // r beyond the stack's rank (2 · 1 · 2 = 4 > 3 here is not; use d_model 6): still exact.
  const Mat<double> x = gaussian<double>(4, 6, 5);
  const auto q6 = heads_of(1, 2, 6, 7), k6 = heads_of(1, 2, 6, 8), v6 = heads_of(1, 2, 6, 9);
  REQUIRE(attn::latent_drift<double>(x, q6, k6, v6, 6).max_weight_diff < 1e-12);
}
