// Paged KV cache: block tables, copy-on-write prefix sharing, and equality with a contiguous cache.
#include "attn/paged.hpp"

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "fixtures.hpp"

using namespace attn_test;

TEMPLATE_TEST_CASE("paged: attention over the paged cache equals a contiguous cache at every step", "[paged]", float,
                   double) {
  for (const Index bs : {1, 2, 3, 4, 16}) {
    attn::PagedScenario<TestType> s;
    s.block_size = bs;
    s.queries = gaussian<TestType>(9, 3, 1);
    s.keys = gaussian<TestType>(9, 3, 2);
    s.values = gaussian<TestType>(9, 2, 3);
    s.shared_prefix = 5;
    s.queries_b = gaussian<TestType>(6, 3, 4);
    s.keys_b = gaussian<TestType>(6, 3, 5);
    s.values_b = gaussian<TestType>(6, 2, 6);
    const auto r = attn::paged_decode<TestType>(s, 15, attn::AttendOptions{0.5, false});
    REQUIRE(r.history.size() == 15);
    for (const auto& step : r.history) {
      INFO("block size " << bs << ", seq " << step.seq << ", position " << step.position);
      REQUIRE(step.max_abs_diff <= tol<TestType>());
      REQUIRE(step.paged.weights.size() == step.position + 1);
    }
    // B = A's first 5 tokens, then its own: the gathered cache is exactly that.
    const Mat<TestType> kb = r.cache.keys(1);
    REQUIRE(kb.rows() == 11);
    REQUIRE_ALL_CLOSE(kb.topRows(5), s.keys.topRows(5), 0.0);
    REQUIRE_ALL_CLOSE(kb.bottomRows(6), s.keys_b, 0.0);
    REQUIRE_ALL_CLOSE(r.cache.keys(0), s.keys, 0.0);
  }
}

TEST_CASE("paged: blocks fill one slot per token and a new block starts when one is full", "[paged]") {
  attn::PagedKVCache<double> c(4, 2, 2);
  const Index a = c.add_sequence();
  const Vec<double> x = gaussian_vec<double>(2, 1);
  for (Index t = 1; t <= 9; ++t) {
    c.append(a, x, x);
    REQUIRE(c.length(a) == t);
    REQUIRE(static_cast<Index>(c.block_table(a).size()) == (t + 3) / 4);
    REQUIRE(c.blocks_used() == (t + 3) / 4);
    REQUIRE(c.wasted_slots() == c.blocks_used() * 4 - t);
  }
}

TEST_CASE("paged: a shared prefix is stored once and copied on write", "[paged]") {
  attn::PagedKVCache<double> c(4, 2, 2);
  const Index a = c.add_sequence();
  const Vec<double> x = gaussian_vec<double>(2, 1), y = gaussian_vec<double>(2, 2);
  for (int t = 0; t < 6; ++t) c.append(a, x, x);  // blocks: [4 full][2 of 4]
  const Index b = c.fork(a);
  REQUIRE(c.block_table(b) == c.block_table(a));
  REQUIRE(c.blocks_used() == 2);
  REQUIRE(c.blocks_without_sharing() == 4);
  REQUIRE(c.ref_count(c.block_table(a)[0]) == 2);
  c.append(b, y, y);  // writes into the shared partial block: B copies it first
  REQUIRE(c.block_table(b)[0] == c.block_table(a)[0]);
  REQUIRE(c.block_table(b)[1] != c.block_table(a)[1]);
  REQUIRE(c.blocks_used() == 3);
  REQUIRE(c.ref_count(c.block_table(a)[1]) == 1);
  REQUIRE(c.keys(a).bottomRows(1) == x.transpose());
  REQUIRE(c.keys(b).bottomRows(1) == y.transpose());
  REQUIRE(c.length(a) == 6);
  REQUIRE(c.length(b) == 7);
  REQUIRE(c.blocks_without_sharing() - c.blocks_used() == 1);  // the full prefix block saved
}

TEST_CASE("paged: bad settings are named errors", "[paged]") {
  REQUIRE_INVALID(attn::PagedKVCache<double>(0, 2, 2), "block_size: is 0");
  attn::PagedScenario<double> s;
  s.queries = s.keys = gaussian<double>(3, 2, 1);
  s.values = gaussian<double>(3, 2, 2);
  s.shared_prefix = 4;
  REQUIRE_INVALID(attn::paged_decode<double>(s, 1), "shared_prefix: is 4");
  s.shared_prefix = 1;
  REQUIRE_INVALID(attn::paged_decode<double>(s, 4), "steps: is 4");
  s.values = gaussian<double>(2, 2, 2);
  REQUIRE_INVALID(attn::paged_decode<double>(s, 1), "values: is 2 x 2");
}

TEST_CASE("paged: a decode whose history is too large is a named error before any step", "[paged][limits]") {
  // Each step attends over its whole sequence and keeps the weights: 10^4 tokens used 1.8 GB,
  // 3 · 10^4 ran out of memory.
  attn::PagedScenario<double> s;
  s.queries = s.keys = s.values = Mat<double>::Ones(10000, 1);
  REQUIRE_INVALID(
      attn::paged_decode<double>(s, 10000),
      "keys: have 10000 tokens (n_a + n_b) and d + dv = 2: 10000 steps attend over 50005000 cached tokens in "
      "all (Σ length, quadratic in the tokens), Σ length · (d + dv + 16) = 900090000; expected at most "
      "134217728; use fewer tokens or fewer steps");
  s.queries = s.keys = s.values = Mat<double>::Ones(30000, 1);
  REQUIRE_INVALID(attn::paged_decode<double>(s, 30000), "450015000 cached tokens");
  // Fewer steps of the same scenario fit; B's steps count the shared prefix too.
  CHECK(attn::paged_decode<double>(s, 100).history.size() == 100);
  s.queries = s.keys = s.values = Mat<double>::Ones(2000, 1);
  s.shared_prefix = 2000;
  s.queries_b = s.keys_b = s.values_b = Mat<double>::Ones(2000, 1);
  // A: Σ 1..2000 = 2001000; B: Σ 2001..4000 = 6001000; (8002000) · 18 = 144036000.
  REQUIRE_INVALID(attn::paged_decode<double>(s, 4000), "over 8002000 cached tokens");
  CHECK(attn::paged_decode<double>(s, 2000).steps == 2000);
}
