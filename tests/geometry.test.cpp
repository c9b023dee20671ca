// attn/geometry.hpp: the query's κ and φ, and keys where the logits see them.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "attn/errors.hpp"
#include "attn/geometry.hpp"

using attn::Index;

TEST_CASE("query_geometry: kappa is |q| times the scale and phi the query's angle", "[geometry]") {
  attn::Vec<double> q(2);
  q << 0.9642, 1.1491;
  const attn::QueryGeometry g = attn::query_geometry<double>(q, 2.0);
  CHECK(attn_test::close(g.norm, std::hypot(0.9642, 1.1491), 1e-15));
  CHECK(attn_test::close(g.kappa, 2.0 * std::hypot(0.9642, 1.1491), 1e-15));
  CHECK(attn_test::close(g.phi, std::atan2(1.1491, 0.9642), 1e-15));
  // The same κ the rest of the core reports.
  CHECK(attn_test::close(g.kappa, attn::kappa(q, 2.0), 1e-15));
}

TEST_CASE("query_geometry: a negative scale gives a negative kappa, a zero query has phi 0", "[geometry]") {
  attn::Vec<float> q(3);
  q << -1, 0, 5;
  CHECK(attn::query_geometry<float>(q, -0.5).kappa == Approx(-0.5 * std::sqrt(26.0)));
  CHECK(attn::query_geometry<float>(q, 1).phi == Approx(M_PI));
  attn::Vec<float> zero = attn::Vec<float>::Zero(2);
  const attn::QueryGeometry g = attn::query_geometry<float>(zero, 3);
  CHECK(g.norm == 0);
  CHECK(g.kappa == 0);
  CHECK(g.phi == 0);
}

TEST_CASE("query_geometry: huge finite entries give a finite norm", "[geometry]") {
  attn::Vec<double> q(2);
  q << 1e200, 1e200;
  const attn::QueryGeometry g = attn::query_geometry<double>(q, 1);
  CHECK(std::isfinite(g.norm));
  CHECK(attn_test::close(g.norm, std::sqrt(2.0) * 1e200, 1e-14));
}

TEST_CASE("query_geometry: kappa saturates instead of overflowing", "[geometry]") {
  attn::Vec<double> q(2);
  q << -1.8e269, 0;
  const attn::QueryGeometry g = attn::query_geometry<double>(q, 1e39);
  CHECK(std::isfinite(g.kappa));
  CHECK(g.kappa == std::numeric_limits<double>::max());
  CHECK(attn::query_geometry<double>(q, -1e39).kappa == -std::numeric_limits<double>::max());
  attn::Vec<double> top(2);
  top << std::numeric_limits<double>::max(), -std::numeric_limits<double>::max();
  const attn::QueryGeometry t = attn::query_geometry<double>(top, 0);
  CHECK(t.norm == std::numeric_limits<double>::max());
  CHECK(t.kappa == 0);
}

TEST_CASE("query_geometry: bad input names the field", "[geometry]") {
  attn::Vec<double> q(2);
  q << 1, std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(attn::query_geometry<double>(q, 1), Catch::Contains("query") && Catch::Contains("entry 1"));
  attn::Vec<double> ok(2);
  ok << 1, 0;
  CHECK_THROWS_WITH(attn::query_geometry<double>(ok, INFINITY), Catch::Contains("scale"));
  CHECK_THROWS_AS(attn::query_geometry<double>(attn::Vec<double>(0), 1), attn::invalid_argument);
}

TEST_CASE("key_positions: normalised keys are the unit keys attend uses", "[geometry]") {
  attn::Mat<double> K(3, 2);
  K << 3, 4, 0, 0.5, -2, 0;
  const attn::Mat<double> unit = attn::key_positions<double>(K, true);
  CHECK(unit(0, 0) == Approx(0.6));
  CHECK(unit(0, 1) == Approx(0.8));
  CHECK(unit(1, 1) == Approx(1.0));
  CHECK(unit(2, 0) == Approx(-1.0));
  // Logits from the positions with raw attend equal attend with normalize_keys.
  attn::Vec<double> q(2);
  q << 1.5, 0.4;
  const auto a = attn::attend<double>(q, K, {1.0, true});
  const auto b = attn::attend<double>(q, unit, {1.0, false});
  for (Index i = 0; i < 3; ++i) CHECK(attn_test::close(a.logits(i), b.logits(i), 1e-14, 1e-15));
  // Unnormalised: unchanged; a zero key stays at the origin.
  CHECK(attn::key_positions<double>(K, false) == K);
  attn::Mat<double> Z = attn::Mat<double>::Zero(1, 2);
  CHECK(attn::key_positions<double>(Z, true) == Z);
}

TEST_CASE("unit_key_weights: every unit key's weight lies on the curve, for any layout", "[geometry]") {
  attn::Mat<double> K(5, 2);
  const double th[5] = {0.1, 0.3, 2.0, -2.5, 3.0};  // uneven: the von Mises density would miss them
  for (Index i = 0; i < 5; ++i) {
    K(i, 0) = std::cos(th[i]);
    K(i, 1) = std::sin(th[i]);
  }
  attn::Vec<double> q(2);
  q << 1.2, 0.7;
  const double scale = 1.7;
  const auto r = attn::attend<double>(q, K, {scale, true});
  const attn::QueryGeometry g = attn::query_geometry<double>(q, scale);
  attn::Vec<double> angles(5), out(5);
  for (Index i = 0; i < 5; ++i) angles(i) = th[i];
  attn::unit_key_weights(g.kappa, g.phi, r.stats.log_sum_exp, angles, out);
  for (Index i = 0; i < 5; ++i) CHECK(attn_test::close(out(i), r.weights(i), 1e-12));
}

TEST_CASE("unit_key_weights: bad input names the field, a huge kappa stays finite", "[geometry]") {
  attn::Vec<double> a(2), o(2), small(1);
  a << 0, 1;
  CHECK_THROWS_WITH(attn::unit_key_weights(NAN, 0, 0, a, o), Catch::Contains("kappa"));
  CHECK_THROWS_WITH(attn::unit_key_weights(1, 0, INFINITY, a, o), Catch::Contains("logSumExp"));
  CHECK_THROWS_WITH(attn::unit_key_weights(1, 0, 0, a, small), Catch::Contains("angles"));
  attn::Vec<double> far(2);
  far << 1.7976931348623157e308, 0;
  attn::unit_key_weights(0, -1.7976931348623157e308, 0, far, o);  // θ − φ overflows: reduced first
  CHECK(std::isfinite(o(0)));
  attn::unit_key_weights(1e6, 0, 0, a, o);
  CHECK(std::isfinite(o(0)));
  CHECK(std::isfinite(o(1)));
}

TEST_CASE("unit_key_weights stays finite when theta - phi overflows", "[geometry]") {
  attn::Vec<double> angles(2), out(2);
  angles << -std::numeric_limits<double>::max(), 1.0;
  attn::unit_key_weights(0.5, 1e300, 0.0, angles, out);
  REQUIRE(out.allFinite());
  // The expansion agrees with the direct formula where both are defined.
  attn::unit_key_weights(0.5, 0.25, 0.0, angles.tail(1), out.tail(1));
  REQUIRE_CLOSE(out(1), std::exp(0.5 * std::cos(1.0 - 0.25)), 1e-15, 0.0);
}

TEST_CASE("query_geometry: |q| beyond max saturates and scale 0 gives kappa 0", "[geometry]") {
  attn::Vec<double> q(2);
  q << -std::numeric_limits<double>::max(), -std::numeric_limits<double>::max();
  const auto g = attn::query_geometry<double>(q, 0.0);
  REQUIRE(g.norm == std::numeric_limits<double>::max());
  REQUIRE(g.kappa == 0.0);
  REQUIRE(std::isfinite(attn::query_geometry<double>(q, 2.0).kappa));
}

TEST_CASE("unit_key_curve: every unit key lies on it for entmax, sparsemax, a sink and the linear kernels",
          "[geometry]") {
  attn::Mat<double> K(6, 2);
  const double th[6] = {0.1, 0.35, 0.5, 2.0, -2.5, 3.0};
  for (Index i = 0; i < 6; ++i) {
    K(i, 0) = std::cos(th[i]);
    K(i, 1) = std::sin(th[i]);
  }
  attn::Vec<double> q(2);
  q << 2.4, 1.1;
  attn::Vec<double> angles(6), out(6);
  for (Index i = 0; i < 6; ++i) angles(i) = th[i];
  struct Case {
    double alpha;
    bool sink;
    attn::Kernel kernel;
  };
  const Case cases[] = {{1, false, attn::Kernel::softmax},    {1.5, false, attn::Kernel::softmax},
                        {2, false, attn::Kernel::softmax},    {1, true, attn::Kernel::softmax},
                        {1.3, true, attn::Kernel::softmax},   {1, false, attn::Kernel::elu_plus_one},
                        {1, false, attn::Kernel::favor_plus}, {2, true, attn::Kernel::favor_plus}};
  for (const Case& c : cases) {
    attn::AttendOptions opt;
    opt.scale = 1.3;
    opt.normalize_keys = true;
    opt.alpha = c.alpha;
    if (c.sink) opt.sink = 0.5;
    opt.kernel = c.kernel;
    opt.features = 16;
    opt.seed = 7;
    const auto r = attn::attend<double>(q, K, opt);
    CAPTURE(c.alpha, c.sink, attn::to_string(c.kernel));
    CHECK(std::isnan(r.stats.threshold) == (c.alpha == 1));
    attn::unit_key_curve(q, opt, r.stats.log_sum_exp, r.stats.threshold, angles, out);
    for (Index i = 0; i < 6; ++i) CHECK(std::abs(out(i) - r.weights(i)) <= 1e-12);
  }
}

TEST_CASE("unit_key_curve: sparsemax's threshold by hand, zero outside the support", "[geometry]") {
  // logits z = (2, 1, −2) (unit keys at 0, π/3, π; q = (2, 0)). The support is the longest
  // sorted prefix with 1 + k·z_(k) > Σ_{j<=k} z_(j): k = 1: 3 > 2; k = 2: 3 > 3 fails. So
  // the support is {0}, τ = (2 − 1) / 1 = 1 and the weights are (1, 0, 0).
  attn::Mat<double> K(3, 2);
  K << 1, 0, 0.5, std::sqrt(0.75), -1, 0;
  attn::Vec<double> q(2);
  q << 2, 0;
  attn::AttendOptions opt;
  opt.alpha = 2;
  const auto r = attn::attend<double>(q, K, opt);
  CHECK(r.stats.threshold == Approx(1.0).margin(1e-15));
  CHECK(r.weights(0) == 1.0);
  CHECK(r.weights(1) == 0.0);
  attn::Vec<double> a(3), out(3);
  a << 0.0, std::acos(0.75), M_PI / 2;  // scores 2, 1.5, 0: weights 1, 0.5, 0
  attn::unit_key_curve(q, opt, r.stats.log_sum_exp, r.stats.threshold, a, out);
  CHECK(out(0) == Approx(1.0).margin(1e-15));
  CHECK(out(1) == Approx(0.5).margin(1e-15));
  CHECK(out(2) == 0.0);
}

TEST_CASE("unit_key_curve: bad input names the field", "[geometry]") {
  attn::Vec<double> q(2), q3(3), a(2), o(2), small(1);
  q << 1, 0;
  q3 << 1, 0, 0;
  a << 0, 1;
  attn::AttendOptions opt;
  CHECK_THROWS_WITH(attn::unit_key_curve(q3, opt, 0, NAN, a, o), Catch::Contains("query") && Catch::Contains("d = 2"));
  CHECK_THROWS_WITH(attn::unit_key_curve(q, opt, NAN, NAN, a, o), Catch::Contains("logSumExp"));
  CHECK_THROWS_WITH(attn::unit_key_curve(q, opt, 0, NAN, a, small), Catch::Contains("angles"));
  opt.alpha = 1.5;
  CHECK_THROWS_WITH(attn::unit_key_curve(q, opt, 0, NAN, a, o), Catch::Contains("threshold"));
  opt.alpha = 3;
  CHECK_THROWS_WITH(attn::unit_key_curve(q, opt, 0, 0, a, o), Catch::Contains("alpha"));
  opt.alpha = 1;
  opt.rope = attn::Rope{};
  CHECK_THROWS_WITH(attn::unit_key_curve(q, opt, 0, 0, a, o), Catch::Contains("rope"));
  opt.rope.reset();
  q << 1e308, 1e308;
  opt.scale = 1e10;
  attn::unit_key_curve(q, opt, 0, 0, a, o);  // scores saturate, weights cap at 1e300
  CHECK(std::isfinite(o(0)));
  CHECK(std::isfinite(o(1)));
}
