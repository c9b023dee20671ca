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

TEST_CASE("mla: the rank sweep's work is a named error before any SVD", "[mla][limits]") {
  // d_model 400 took 38.5 s: drift by rank does an SVD per rank.
  const auto wk = heads_of(1, 1, 400, 1), wv = heads_of(1, 1, 400, 2);
  REQUIRE_INVALID(
      attn::latent_from_mha<double>(wk, wv, 1),
      "W_K: has d_model = 400 columns and 2 · heads · d_head = 2 stacked rows of keys and values: the latent "
      "at every rank 1..d_model (drift by rank) costs d_model² · min(rows, d_model) · (rows + d_model) = "
      "128640000; expected at most 67108864");
  // MLA and MHA once per rank: many tokens make the sweep too long even for a small d_model.
  const auto q8 = heads_of(1, 8, 8, 3), k8 = heads_of(1, 8, 8, 4), v8 = heads_of(1, 8, 8, 5);
  const attn::LatentWeights<double> lat = attn::latent_from_mha<double>(k8, v8, 8);
  REQUIRE_INVALID(attn::mla_attention<double>(Mat<double>::Ones(2048, 8), q8, lat),
                  "tokens: has m = 2048 rows with d_model = 8, 1 heads and d_head = 8: MLA and MHA at every rank");
  CHECK(attn::mla_attention<double>(Mat<double>::Ones(64, 8), q8, lat).output.rows() == 64);
}

TEST_CASE("mla: errors name the weights the caller wrote, never the latent's", "[mla]") {
  const Mat<double> x = gaussian<double>(3, 2, 1);
  const auto wq = heads_of(2, 1, 2, 1), wk = heads_of(2, 1, 2, 2), wv = heads_of(2, 1, 2, 3);
  const attn::LatentWeights<double> lat = attn::latent_from_mha<double>(wk, wv, 2);
  // Tokens with another d_model used to be "W_DKV: is 2 x 2 ..."; a wq of another shape or
  // count "W_UK: ...".
  REQUIRE_INVALID(attn::mla_attention<double>(gaussian<double>(3, 3, 1), wq, lat),
                  "tokens: have d_model = 3 columns but the weights have 2");
  REQUIRE_INVALID(attn::mla_attention<double>(x, heads_of(2, 2, 2, 1), lat), "W_Q: matrix 0 is 2 x 2; expected 1 x 2");
  REQUIRE_INVALID(attn::mla_attention<double>(x, heads_of(3, 1, 2, 1), lat), "W_Q: has 3 matrices but there are 2");
  // A bad W_K is W_K's (the check used to pass W_K as W_Q).
  auto bad = wk;
  bad[1] = gaussian<double>(1, 3, 9);
  REQUIRE_INVALID(attn::latent_from_mha<double>(bad, wv, 1), "W_K: matrix 1 is 1 x 3");
  REQUIRE_INVALID(attn::latent_drift<double>(x, wq, wk, heads_of(1, 1, 2, 3), 1), "W_V: has 1 matrices");
  // Finite weights near the largest double: a named overflow, not "W_UK: entry (0, 0) is nan".
  std::vector<Mat<double>> huge_k = {Mat<double>(1, 3)}, huge_v = {Mat<double>(1, 3)};
  huge_k[0] << 1.7e308, 1.7e308, 0;
  huge_v[0] << 1.7e308, -1.7e308, 0;
  REQUIRE_INVALID(attn::latent_from_mha<double>(huge_k, huge_v, 3), "W_K: head 0: the up-projection");
}

TEST_CASE("mla: ranks beyond the stack complete an orthonormal down-projection", "[mla]") {
  // d_model 5, one head of d_head 1: the stack has rank 2, ranks 3..5 add orthonormal
  // directions. With weights of 1e300 the old completion (an SVD of Wᵀ W) overflowed and left
  // rows of garbage (1e219) in W_DKV.
  for (double size : {1.0, 1e300}) {
    INFO("weights of size " << size);
    const auto wk = heads_of(1, 1, 5, 6), wv = heads_of(1, 1, 5, 7);
    std::vector<Mat<double>> k = {wk[0] * size}, v = {wv[0] * size};
    const attn::LatentWeights<double> lat = attn::latent_from_mha<double>(k, v, 5);
    REQUIRE(lat.w_dkv.allFinite());
    CHECK_ALL_CLOSE(Mat<double>(lat.w_dkv * lat.w_dkv.transpose()), Mat<double>::Identity(5, 5), 1e-14);
  }
}
