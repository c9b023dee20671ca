// attn/vonmises.hpp: bessel_i0e, von_mises_density, von_mises_gaussian, wrap_angle.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "attn/layout.hpp"
#include "attn/vonmises.hpp"
#include "fixtures.hpp"

using namespace attn_test;

namespace {

// Trapezoid rule over one period [-pi, pi] with `steps` intervals (spectrally accurate
// for smooth periodic integrands once the bump is resolved).
double integrate_density(double kappa, int steps) {
  const double h = 2 * kPi / steps;
  double sum = 0;
  for (int i = 0; i < steps; ++i) sum += attn::von_mises_density(-kPi + i * h, kappa);
  return sum * h;  // endpoints are equal by periodicity, so the sum over [0, steps) is the rule
}

}  // namespace

TEST_CASE("bessel_i0e matches reference values", "[vonmises]") {
  // I0 from mpmath (30 digits); i0e = I0(k) e^-k. Margin 5e-14 relative (header: < 1e-14).
  struct Ref {
    double kappa, i0e;
  };
  const Ref refs[] = {
      {0.0, 1.0},
      {0.5, 0.64503527044915006811},   // I0(0.5) = 1.0634833707413235
      {1.0, 0.4657596075936404365},    // I0(1) = 1.2660658777520082
      {3.75, 0.21445705123004871846},  // the classic polynomial-fit breakpoint
      {5.0, 0.18354081260932835307},
      {10.0, 0.12783333716342860732},  // I0(10) = 2815.716628466254
      {15.0, 0.10389953144882272143},
      {50.0, 0.05656162664745419253},
      {700.0, 0.015081295651531357587},
      {1e4, 0.0039894726746047321064},
  };
  for (const Ref& r : refs) {
    INFO("kappa " << r.kappa);
    CHECK_CLOSE(attn::bessel_i0e(r.kappa), r.i0e, 5e-14, 0);
    CHECK_CLOSE(attn::bessel_i0e(-r.kappa), r.i0e, 5e-14, 0);  // even function
  }
  // The same values through I0 itself.
  CHECK_CLOSE(attn::bessel_i0e(1.0) * std::exp(1.0), 1.2660658777520082, 5e-14, 0);
  CHECK_CLOSE(attn::bessel_i0e(10.0) * std::exp(10.0), 2815.716628466254, 5e-14, 0);
  // Large kappa: i0e(k) = (1 + 1/(8k) + 9/(128k^2) + ...) / sqrt(2 pi k)
  for (double k : {1e4, 1e6, 1e10, 1e30, 1e300}) {
    const double asym = (1 + 1 / (8 * k) + 9 / (128 * k * k)) / std::sqrt(2 * kPi * k);
    INFO("kappa " << k);
    CHECK_CLOSE(attn::bessel_i0e(k), asym, 1e-13, 0);
  }
  CHECK(attn::bessel_i0e(std::numeric_limits<double>::max()) > 0);
}

TEST_CASE("von Mises density integrates to 1", "[vonmises]") {
  for (double kappa : {0.0, 0.5, 5.0, 50.0, 500.0, -5.0}) {
    INFO("kappa " << kappa);
    CHECK_CLOSE(integrate_density(kappa, 20000), 1.0, 1e-9, 0);
  }
  // kappa = 0 is the uniform density 1 / (2 pi)
  for (double d : {-3.0, 0.0, 1.0, 2.5}) CHECK_CLOSE(attn::von_mises_density(d, 0.0), 1 / (2 * kPi), 1e-14, 0);
}

TEST_CASE("von Mises density values, symmetry and negative kappa", "[vonmises]") {
  // kappa = 4, delta = 0: e^4 / (2 pi I0(4)), I0(4) = 11.301921952136330
  CHECK_CLOSE(attn::von_mises_density(0.0, 4.0), std::exp(4.0) / (2 * kPi * 11.301921952136330), 1e-13, 0);
  CHECK_CLOSE(attn::von_mises_density(kPi, 4.0), std::exp(-4.0) / (2 * kPi * 11.301921952136330), 1e-13, 0);
  for (double kappa : {0.3, 2.0, 40.0}) {
    for (double d : {0.1, 1.0, 2.0, 3.0}) {
      INFO("kappa " << kappa << ", delta " << d);
      CHECK_CLOSE(attn::von_mises_density(d, kappa), attn::von_mises_density(-d, kappa), 1e-14, 0);
      CHECK_CLOSE(attn::von_mises_density(d + 2 * kPi, kappa), attn::von_mises_density(d, kappa), 1e-12, 0);
      // negative kappa points the bump at phi + pi
      CHECK_CLOSE(attn::von_mises_density(d, -kappa), attn::von_mises_density(d + kPi, kappa), 1e-12, 0);
    }
  }
  // the vector form evaluates density(theta_i - phi)
  Vec<double> angles(4);
  angles << -2, 0, 0.5, 3;
  const Vec<double> v = attn::von_mises_density(angles, 3.0, 0.7);
  REQUIRE(v.size() == 4);
  for (Index i = 0; i < 4; ++i) CHECK_CLOSE(v(i), attn::von_mises_density(angles(i) - 0.7, 3.0), 1e-14, 0);
}

TEST_CASE("von Mises: discrete weights of 720 even keys match density times 2 pi / n", "[vonmises]") {
  // For n evenly spaced keys, sum_i exp(k cos(theta_i - phi)) = n I0(k) up to terms in I_n(k),
  // which for n = 720 are below 1e-300: so the weights equal density * 2 pi / n to rounding.
  const Index n = 720;
  const Mat<double> keys = attn::layout_even(n);
  for (double kappa : {0.5, 4.0, 50.0}) {
    for (double phi : {0.0, 0.3, -2.0, 3.1}) {
      attn::AttendOptions opt;  // q = kappa (cos phi, sin phi), scale 1
      const auto r = attn::attend<double>(polar<double>(kappa, phi), keys, opt);
      Vec<double> theta(n);
      for (Index i = 0; i < n; ++i) theta(i) = 2 * kPi * double(i) / double(n);
      const Vec<double> expect = attn::von_mises_density(theta, kappa, phi) * (2 * kPi / n);
      double worst = 0;
      for (Index i = 0; i < n; ++i) worst = std::max(worst, std::fabs(r.weights(i) / expect(i) - 1));
      INFO("kappa " << kappa << ", phi " << phi << ": worst relative error " << worst);
      CHECK(worst <= 1e-9);
      CHECK_CLOSE(attn::kappa(polar<double>(kappa, phi), 1.0), kappa, 1e-15, 0);
    }
  }
}

TEST_CASE("von Mises: Gaussian approximation", "[vonmises]") {
  // kappa = 200, sigma = 1/sqrt(200) = 0.0707: peak ratio ~ 1 - 1/(8 kappa) = 0.9994.
  const double kappa = 200, sigma = 1 / std::sqrt(kappa);
  for (double d : {0.0, 0.5 * sigma, sigma, -sigma}) {
    INFO("delta " << d);
    CHECK_CLOSE(attn::von_mises_gaussian(d, kappa), attn::von_mises_density(d, kappa), 0.01, 0);
  }
  // exact normal density, with delta wrapped to [-pi, pi]
  CHECK_CLOSE(attn::von_mises_gaussian(0.0, 4.0), std::sqrt(4.0 / (2 * kPi)), 1e-14, 0);
  CHECK_CLOSE(attn::von_mises_gaussian(0.5, 4.0), std::sqrt(4.0 / (2 * kPi)) * std::exp(-0.5 * 4.0 * 0.25), 1e-14, 0);
  CHECK_CLOSE(attn::von_mises_gaussian(0.5 + 2 * kPi, 4.0), attn::von_mises_gaussian(0.5, 4.0), 1e-12, 0);
  CHECK_CLOSE(attn::von_mises_gaussian(0.5 - 4 * kPi, 4.0), attn::von_mises_gaussian(0.5, 4.0), 1e-12, 0);
  // and for small kappa the approximation is visibly off (it does not wrap the tails)
  // kappa = 1: Gaussian peak 1/sqrt(2 pi) = 0.399 vs von Mises e / (2 pi I0(1)) = 0.342
  CHECK(std::fabs(attn::von_mises_gaussian(0.0, 1.0) - attn::von_mises_density(0.0, 1.0)) > 0.04);
  Vec<double> angles(3);
  angles << 0.0, 0.2, -0.2;
  const Vec<double> g = attn::von_mises_gaussian(angles, 50.0, 0.2);
  CHECK_CLOSE(g(1), attn::von_mises_gaussian(0.0, 50.0), 1e-14, 0);
  CHECK_CLOSE(g(0), attn::von_mises_gaussian(-0.2, 50.0), 1e-14, 0);
  // no bump to approximate
  REQUIRE_INVALID(attn::von_mises_gaussian(0.0, 0.0), "kappa");
  REQUIRE_INVALID(attn::von_mises_gaussian(0.0, -1.0), "kappa");
  REQUIRE_INVALID(attn::von_mises_gaussian(angles, 0.0, 0.0), "kappa");
}

TEST_CASE("von Mises: no overflow for kappa up to 1e30 and beyond", "[vonmises]") {
  // 1e308: 2 pi kappa itself overflows double, so i0e and the density must avoid forming it.
  for (double kappa : {1e3, 1e6, 1e30, -1e30, 1e300, 1e308, -1e308}) {
    INFO("kappa " << kappa);
    const double peak = attn::von_mises_density(kappa > 0 ? 0.0 : kPi, kappa);
    REQUIRE(std::isfinite(peak));
    // peak ~ sqrt(kappa / 2pi) (1 - 1/(8 kappa))
    CHECK_CLOSE(peak, std::sqrt(std::fabs(kappa) / (2 * kPi)), 1e-3, 0);
    const double off = attn::von_mises_density(kappa > 0 ? 1.0 : kPi - 1.0, kappa);
    REQUIRE(std::isfinite(off));
    REQUIRE(off >= 0);
    if (std::fabs(kappa) >= 1e6) CHECK(off == 0);
    REQUIRE(std::isfinite(attn::bessel_i0e(kappa)));
    if (kappa > 0) REQUIRE(std::isfinite(attn::von_mises_gaussian(0.0, kappa)));
  }
}

TEST_CASE("wrap_angle maps into -pi..pi", "[vonmises]") {
  CHECK(attn::wrap_angle(0.0) == 0.0);
  CHECK_CLOSE(attn::wrap_angle(1.0), 1.0, 1e-15, 0);
  CHECK_CLOSE(attn::wrap_angle(1.0 + 2 * kPi), 1.0, 1e-14, 0);
  CHECK_CLOSE(attn::wrap_angle(-1.0 - 6 * kPi), -1.0, 1e-14, 0);
  CHECK_CLOSE(attn::wrap_angle(3 * kPi / 2), -kPi / 2, 1e-14, 0);
  for (int i = -1000; i <= 1000; ++i) {
    const double a = i * 0.0731;
    const double w = attn::wrap_angle(a);
    INFO("a = " << a);
    REQUIRE(w >= -kPi);
    REQUIRE(w <= kPi);
    REQUIRE(std::fabs(std::remainder(a - w, 2 * kPi)) < 1e-12);
  }
}

TEST_CASE("von_mises_density: finite angles far apart still give a finite density", "[vonmises]") {
  // θ − φ = 1e308 − (−1e308) overflows; the density only needs θ − φ mod 2π, so each
  // angle is reduced first (it used to throw "delta: is inf", a field nobody wrote).
  const double big = std::numeric_limits<double>::max();
  Vec<double> angles(3);
  angles << 1e308, -big, 0.5;
  for (double phi : {-1e308, big, -big}) {
    INFO("phi = " << phi);
    const Vec<double> d = attn::von_mises_density(angles, 2.0, phi);
    REQUIRE(d.allFinite());
    REQUIRE((d.array() >= 0).all());
    REQUIRE(attn::von_mises_gaussian(angles, 2.0, phi).allFinite());
  }
}
