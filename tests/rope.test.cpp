// attn/rope.hpp and attend with rope: rotations by position, relative positions only.
#include <cmath>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "fixtures.hpp"

using namespace attn_test;

TEMPLATE_TEST_CASE("rope: pairs rotate by position times theta_j, lengths are kept", "[rope]", float, double) {
  using T = TestType;
  attn::Rope rope;
  rope.theta = 0.5;
  rope.base = 100;
  Vec<T> x(4), out(4);
  x << 1, 0, 0, 2;
  attn::rope_rotate<T>(x, 3.0, rope, out);
  // θ_0 = 0.5, θ_1 = 0.5 · 100^(−1/2) = 0.05: angles 1.5 and 0.15.
  Vec<double> want(4);
  want << std::cos(1.5), std::sin(1.5), -2 * std::sin(0.15), 2 * std::cos(0.15);
  REQUIRE_ALL_CLOSE(out, want, tol<T>());
  REQUIRE_CLOSE(out.norm(), x.norm(), tol<T>(), 0);
}

TEMPLATE_TEST_CASE("rope: shifting every position changes no weight", "[rope]", float, double) {
  using T = TestType;
  const Mat<T> keys = gaussian<T>(9, 6, 3), values = gaussian<T>(9, 2, 4);
  const Vec<T> q = gaussian_vec<T>(6, 5);
  attn::AttendOptions opt;
  opt.scale = 0.8;
  opt.rope = attn::Rope{};
  opt.rope->theta = 0.7;
  opt.rope->positions = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  opt.rope->query_position = 9;
  const attn::AttendResult<T> a = attn::attend<T>(q, keys, values, opt);
  for (double shift : {1.0, -4.5, 100.0, 12345.0}) {
    INFO("shift = " << shift);
    attn::AttendOptions o = opt;
    for (double& p : o.rope->positions) p += shift;
    o.rope->query_position = 9 + shift;
    const attn::AttendResult<T> b = attn::attend<T>(q, keys, values, o);
    // Logits depend on position differences only (up to the rounding of the angles).
    const double t = std::is_same<T, float>::value ? 2e-4 : 1e-9;
    REQUIRE_ALL_CLOSE(b.logits, a.logits, t);
    REQUIRE_ALL_CLOSE(b.weights, a.weights, t);
  }
  // Defaults: positions 0 … n−1 and the query at n, as written out above.
  attn::AttendOptions d = opt;
  d.rope->positions.clear();
  d.rope->query_position.reset();
  REQUIRE(attn::attend<T>(q, keys, values, d).weights == a.weights);
  REQUIRE(a.rotated_query.size() == 6);
  REQUIRE(a.rotated_keys.rows() == 9);
  REQUIRE(a.rotated_keys.cols() == 6);
}

TEMPLATE_TEST_CASE("rope: the logit is the one of the key rotated by the position difference", "[rope]", float,
                   double) {
  using T = TestType;
  // d = 2, theta = 1: q at position m and k at position j give q·R((j − m))k.
  attn::AttendOptions opt;
  opt.rope = attn::Rope{};
  opt.rope->positions = {2, 5};
  opt.rope->query_position = 3;
  const Vec<T> q = polar<T>(2, 0.3);
  const Mat<T> keys = keys_at<T>({1.0, -0.4});
  const attn::AttendResult<T> r = attn::attend<T>(q, keys, opt);
  REQUIRE_CLOSE(r.logits(0), 2 * std::cos(1.0 + (2 - 3) - 0.3), tol<T>(), tol<T>());
  REQUIRE_CLOSE(r.logits(1), 2 * std::cos(-0.4 + (5 - 3) - 0.3), tol<T>(), tol<T>());
  // Normalised keys are rotated after normalisation: lengths do not matter.
  Mat<T> longer = keys * T(7);
  attn::AttendOptions n = opt;
  n.normalize_keys = true;
  REQUIRE_ALL_CLOSE(attn::attend<T>(q, longer, n).weights, r.weights, tol<T>());
}

TEST_CASE("rope: bad options are named", "[rope]") {
  const Mat<double> keys = gaussian<double>(3, 3, 1), keys4 = gaussian<double>(3, 4, 1);
  const Vec<double> q = gaussian_vec<double>(3, 2), q4 = gaussian_vec<double>(4, 2);
  attn::AttendOptions opt;
  opt.rope = attn::Rope{};
  REQUIRE_INVALID(attn::attend<double>(q, keys, opt),
                  "rope: needs an even dimension d to rotate pairs; keys have d = 3");
  opt.rope->positions = {1, 2};
  REQUIRE_INVALID(attn::attend<double>(q4, keys4, opt), "rope.positions: has 2 entries but there are 3 keys");
  opt.rope->positions = {1, 2, std::nan("")};
  REQUIRE_INVALID(attn::attend<double>(q4, keys4, opt), "rope.positions: entry 2 is nan");
  opt.rope->positions.clear();
  opt.rope->base = 0;
  REQUIRE_INVALID(attn::attend<double>(q4, keys4, opt), "rope.base: is 0; expected base > 0");
  opt.rope->base = 10000;
  opt.rope->theta = 1e308;
  opt.rope->query_position = 1e10;
  REQUIRE_INVALID(attn::attend<double>(q4, keys4, opt), "rope.theta");
}
