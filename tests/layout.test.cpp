// attn/layout.hpp: Rng (SplitMix64), det_sin/det_cos/det_log, the key/value layouts.
#include <cmath>
#include <cstdint>
#include <limits>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/layout.hpp"
#include "fixtures.hpp"

using namespace attn_test;

namespace {

// Every layout kind at (n, seed), as (n, d) matrices; d = 2 unless the kind takes d.
Mat<double> make(int kind, Index n, std::uint64_t seed) {
  switch (kind) {
    case 0:
      return attn::layout_random(n, seed);
    case 1:
      return attn::layout_clusters(n, 3, 0.3, seed);
    case 2:
      return attn::layout_sphere(n, 5, seed);
    case 3:
      return attn::layout_values(n, seed);
    default:
      return attn::layout_gaussian(n, 4, seed);
  }
}

double circular_distance(double a, double b) {
  double d = std::fmod(std::fabs(a - b), 2 * kPi);
  return d > kPi ? 2 * kPi - d : d;
}

}  // namespace

TEST_CASE("Rng::next_u64 is SplitMix64", "[layout]") {
  // Reference: state += 0x9e3779b97f4a7c15; z = (z ^ z>>30) * 0xbf58476d1ce4e5b9;
  // z = (z ^ z>>27) * 0x94d049bb133111eb; return z ^ z>>31 (computed in Python).
  attn::Rng a(0);
  CHECK(a.next_u64() == 0xe220a8397b1dcdafULL);
  CHECK(a.next_u64() == 0x6e789e6aa1b965f4ULL);
  CHECK(a.next_u64() == 0x06c45d188009454fULL);
  attn::Rng b(42);
  CHECK(b.next_u64() == 0xbdd732262feb6e95ULL);
  CHECK(b.next_u64() == 0x28efe333b266f103ULL);
  CHECK(b.next_u64() == 0x47526757130f9f52ULL);
}

TEST_CASE("Rng::uniform lies in 0 <= u < 1 on a 2^-53 grid", "[layout]") {
  attn::Rng rng(7);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    const double scaled = std::ldexp(u, 53);  // 53 random bits: an integer times 2^-53
    REQUIRE(scaled == std::floor(scaled));
    sum += u;
  }
  CHECK(std::fabs(sum / n - 0.5) < 0.005);  // sd of the mean = 0.29 / sqrt(1e5) = 0.0009
  attn::Rng r2(8);
  for (int i = 0; i < 10000; ++i) {
    const double u = r2.uniform(-3.0, 5.0);
    REQUIRE(u >= -3.0);
    REQUIRE(u < 5.0);
  }
}

TEST_CASE("Rng::normal has mean 0 and variance 1", "[layout]") {
  attn::Rng rng(12345);
  const int n = 100000;
  double sum = 0, sum2 = 0, max_abs = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.normal();
    REQUIRE(std::isfinite(x));
    sum += x;
    sum2 += x * x;
    max_abs = std::max(max_abs, std::fabs(x));
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  INFO("mean " << mean << ", variance " << var << ", max |x| " << max_abs);
  // sd(mean) = 0.0032, sd(var) = sqrt(2 / n) = 0.0045: margins of about 6 sd.
  CHECK(std::fabs(mean) < 0.02);
  CHECK(std::fabs(var - 1) < 0.03);
  CHECK(max_abs > 3.5);  // tails exist (P(max of 1e5 draws < 3.5) ~ 1e-20)
  CHECK(max_abs < 7.0);
}

TEST_CASE("det_sin and det_cos agree with std on a grid", "[layout]") {
  // Absolute 1e-14: the header promises about 1e-15 on the ranges layouts use.
  double worst_sin = 0, worst_cos = 0;
  for (int i = -40000; i <= 40000; ++i) {
    const double x = i * (8 * kPi / 40000.0) + 1e-3 * (i % 7);  // [-8pi, 8pi], not only multiples
    worst_sin = std::max(worst_sin, std::fabs(attn::det_sin(x) - std::sin(x)));
    worst_cos = std::max(worst_cos, std::fabs(attn::det_cos(x) - std::cos(x)));
  }
  INFO("max |det_sin - sin| = " << worst_sin << ", max |det_cos - cos| = " << worst_cos);
  CHECK(worst_sin <= 1e-14);
  CHECK(worst_cos <= 1e-14);
  CHECK(attn::det_sin(0.0) == 0.0);
  CHECK(attn::det_cos(0.0) == 1.0);
}

TEST_CASE("det_log agrees with std::log on a grid", "[layout]") {
  // Relative 1e-14 of |log x|, with an absolute floor of 1e-14 near x = 1 where log x -> 0.
  double worst = 0, worst_x = 0;
  auto check = [&](double x) {
    const double err = std::fabs(attn::det_log(x) - std::log(x)) / std::max(1.0, std::fabs(std::log(x)));
    if (!(err <= worst)) worst = err, worst_x = x;
  };
  for (int i = 1; i <= 100000; ++i) check(i / 50000.0);                  // (0, 2]: the polar method's range
  for (double e = -300; e <= 300; e += 0.173) check(std::pow(10.0, e));  // wide range
  check(std::numeric_limits<double>::min());
  check(std::numeric_limits<double>::max());
  INFO("worst relative error " << worst << " at x = " << worst_x);
  CHECK(worst <= 1e-14);
  CHECK(attn::det_log(1.0) == 0.0);
}

TEST_CASE("layouts: same seed gives bit-identical points, another seed different ones", "[layout]") {
  for (int kind = 0; kind < 5; ++kind) {
    INFO("kind " << kind);
    const Mat<double> a = make(kind, 50, 1), b = make(kind, 50, 1), c = make(kind, 50, 2);
    REQUIRE(a.rows() == 50);
    REQUIRE(a == b);
    REQUIRE(a != c);
    REQUIRE((a - c).cwiseAbs().maxCoeff() > 0.1);
    REQUIRE(a.allFinite());
  }
  REQUIRE(attn::layout_even(17, 0.3) == attn::layout_even(17, 0.3));
}

TEST_CASE("layout_even: angles phase + 2 pi i / n", "[layout]") {
  Mat<double> four = attn::layout_even(4);
  Mat<double> expect(4, 2);
  expect << 1, 0, 0, 1, -1, 0, 0, -1;
  REQUIRE(four.rows() == 4);
  REQUIRE(four.cols() == 2);
  REQUIRE_ALL_CLOSE(four, expect, 1e-15);
  for (Index n : {1, 3, 7, 360, 1000}) {
    for (double phase : {0.0, 0.25, -1.0, 3 * kPi}) {
      const Mat<double> p = attn::layout_even(n, phase);
      REQUIRE(p.rows() == n);
      Mat<double> e(n, 2);
      for (Index i = 0; i < n; ++i) {
        const double a = phase + 2 * kPi * double(i) / double(n);
        e(i, 0) = std::cos(a);
        e(i, 1) = std::sin(a);
      }
      INFO("n = " << n << ", phase " << phase);
      REQUIRE_ALL_CLOSE(p, e, 1e-14);
    }
  }
}

TEST_CASE("layout_random and layout_sphere: unit rows, no preferred direction", "[layout]") {
  const Mat<double> r = attn::layout_random(4000, 3);
  REQUIRE(r.cols() == 2);
  REQUIRE_ALL_CLOSE(r.rowwise().norm(), Vec<double>::Ones(4000), 1e-14);
  // mean resultant length of n uniform angles ~ 1/sqrt(n) = 0.016
  CHECK(r.colwise().mean().norm() < 0.08);
  for (Index d : {1, 2, 3, 64}) {
    const Mat<double> s = attn::layout_sphere(4000, d, 9);
    REQUIRE(s.rows() == 4000);
    REQUIRE(s.cols() == d);
    INFO("d = " << d);
    REQUIRE_ALL_CLOSE(s.rowwise().norm(), Vec<double>::Ones(4000), 1e-14);
    if (d > 1) CHECK(s.colwise().mean().norm() < 0.08);
  }
  // angles of random points cover [-pi, pi] roughly evenly: every quarter gets a share
  const Vec<double> ang = attn::angles_of(r);
  for (int quarter = 0; quarter < 4; ++quarter) {
    const double lo = -kPi + quarter * kPi / 2, hi = lo + kPi / 2;
    const auto count = ((ang.array() >= lo) && (ang.array() < hi)).count();
    CHECK(count > 850);  // expected 1000, sd 27
    CHECK(count < 1150);
  }
}

TEST_CASE("layout_clusters: keys sit near their cluster centre", "[layout]") {
  const Index n = 300, k = 5;
  const double spread = 0.02;
  const Mat<double> p = attn::layout_clusters(n, k, spread, 21);
  REQUIRE(p.rows() == n);
  REQUIRE(p.cols() == 2);
  REQUIRE_ALL_CLOSE(p.rowwise().norm(), Vec<double>::Ones(n), 1e-14);
  const Vec<double> ang = attn::angles_of(p);
  for (Index c = 0; c < k; ++c) {
    // key i belongs to cluster i mod k; its circular mean estimates the centre
    double sx = 0, sy = 0;
    for (Index i = c; i < n; i += k) sx += p(i, 0), sy += p(i, 1);
    const double centre = std::atan2(sy, sx);
    for (Index i = c; i < n; i += k) {
      INFO("cluster " << c << ", key " << i);
      REQUIRE(circular_distance(ang(i), centre) < 8 * spread);
    }
  }
  // spread 0: every key of a cluster is the centre itself
  const Mat<double> z = attn::layout_clusters(12, 4, 0.0, 5);
  for (Index i = 4; i < 12; ++i) REQUIRE_ALL_CLOSE(z.row(i), z.row(i - 4), 1e-15);
  // and different clusters really are different points (centres are random on the circle)
  REQUIRE((z.row(0) - z.row(1)).norm() > 1e-6);
}

TEST_CASE("layout_values and layout_gaussian: shapes and distributions", "[layout]") {
  const Mat<double> v = attn::layout_values(5000, 4);
  REQUIRE(v.rows() == 5000);
  REQUIRE(v.cols() == 2);
  REQUIRE(v.minCoeff() >= -1.0);
  REQUIRE(v.maxCoeff() <= 1.0);
  CHECK(v.minCoeff() < -0.99);
  CHECK(v.maxCoeff() > 0.99);
  CHECK(v.colwise().mean().cwiseAbs().maxCoeff() < 0.05);  // sd 0.008
  const Mat<double> g = attn::layout_gaussian(20000, 5, 4);
  REQUIRE(g.rows() == 20000);
  REQUIRE(g.cols() == 5);
  const double mean = g.mean();
  const double var = (g.array() - mean).square().mean();
  CHECK(std::fabs(mean) < 0.01);  // sd 0.0045
  CHECK(std::fabs(var - 1) < 0.03);
}

TEST_CASE("angles_of: angle of each 2D row within -pi..pi", "[layout]") {
  Mat<double> p(5, 2);
  p << 1, 0, 0, 2, -3, 0.0, 0, -1, 1, 1;
  const Vec<double> a = attn::angles_of(p);
  REQUIRE(a.size() == 5);
  CHECK(a(0) == 0.0);
  CHECK_CLOSE(a(1), kPi / 2, 1e-15, 0);
  CHECK_CLOSE(a(2), kPi, 1e-15, 0);
  CHECK_CLOSE(a(3), -kPi / 2, 1e-15, 0);
  CHECK_CLOSE(a(4), kPi / 4, 1e-15, 0);
  const Vec<double> e = attn::angles_of(attn::layout_even(8, 0.1));
  for (Index i = 0; i < 8; ++i) {
    INFO("key " << i);
    CHECK(e(i) >= -kPi);
    CHECK(e(i) <= kPi);
    CHECK(circular_distance(e(i), 0.1 + 2 * kPi * i / 8) < 1e-14);
  }
}

TEST_CASE("layouts reject empty and impossible shapes", "[layout]") {
  REQUIRE_INVALID(attn::layout_even(0), "n");
  REQUIRE_INVALID(attn::layout_even(-3), "n");
  REQUIRE_INVALID(attn::layout_random(0, 1), "n");
  REQUIRE_INVALID(attn::layout_values(0, 1), "n");
  REQUIRE_INVALID(attn::layout_clusters(0, 3, 0.3, 1), "n");
  REQUIRE_INVALID(attn::layout_clusters(10, 0, 0.3, 1), "clusters");
  REQUIRE_INVALID(attn::layout_clusters(10, -2, 0.3, 1), "clusters");
  REQUIRE_INVALID(attn::layout_sphere(0, 3, 1), "n");
  REQUIRE_INVALID(attn::layout_sphere(5, 0, 1), "d");
  REQUIRE_INVALID(attn::layout_gaussian(0, 3, 1), "n");
  REQUIRE_INVALID(attn::layout_gaussian(5, 0, 1), "d");
  REQUIRE_THROWS_AS(attn::angles_of(Mat<double>(4, 3)), attn::invalid_argument);
}

TEST_CASE("det_sin/det_cos: every finite angle gives a point on the unit circle", "[layout]") {
  // Beyond |x| ~ 1.6e6 the angle is reduced exactly mod the double 2π (fmod) first; before
  // that, 1e300 gave NaN and 1e20 a "point" of norm 3e32.
  for (double x : {1e6, -1e6, 5e37, 1e20, -1e20, 1e300, -1e300, std::numeric_limits<double>::max(),
                   -std::numeric_limits<double>::max(), 0x1p52 + 1, 1646999.9, 1647000.0}) {
    INFO("x = " << x);
    const double s = attn::det_sin(x), c = attn::det_cos(x);
    REQUIRE(std::isfinite(s));
    REQUIRE(std::isfinite(c));
    REQUIRE(std::abs(s * s + c * c - 1) < 1e-14);
  }
  // Below the threshold nothing changes: sin agrees with libm to rounding.
  for (double x : {0.5, 100.0, -777.0, 1646999.0}) CHECK(std::abs(attn::det_sin(x) - std::sin(x)) < 1e-9);
}

TEST_CASE("layout_even and layout_clusters: huge phase and spread stay on the unit circle", "[layout]") {
  const double big = std::numeric_limits<double>::max();
  for (double phase : {1e20, 5e37, 1e300, -1e300, big}) {
    INFO("phase = " << phase);
    const Mat<double> p = attn::layout_even(4, phase);
    REQUIRE(p.allFinite());
    for (Index i = 0; i < 4; ++i) REQUIRE(std::abs(p.row(i).norm() - 1) < 1e-14);
    // Still evenly spaced: neighbours 90° apart (a huge phase added as it is swallowed 2πi/n).
    for (Index i = 0; i < 4; ++i) REQUIRE(std::abs(p.row(i).dot(p.row((i + 1) % 4))) < 1e-12);
  }
  for (double spread : {1e20, 1e300, big}) {
    INFO("spread = " << spread);
    const Mat<double> p = attn::layout_clusters(64, 3, spread, 5);
    REQUIRE(p.allFinite());
    for (Index i = 0; i < p.rows(); ++i) REQUIRE(std::abs(p.row(i).norm() - 1) < 1e-14);
  }
}
