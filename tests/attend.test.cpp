// attn/attend.hpp: one query against n keys.
//   q: (d)   K: (n, d)   V: (n, dv)   logits, weights: (n)   output: (dv)
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "attn/layout.hpp"
#include "fixtures.hpp"

using namespace attn_test;

namespace {

attn::AttendOptions with_scale(double scale, bool normalize = false) {
  attn::AttendOptions o;
  o.scale = scale;
  o.normalize_keys = normalize;
  return o;
}

// q·k_i in long double.
template <typename T>
long double dot_row(const Vec<T>& q, const Mat<T>& keys, Index i) {
  long double dot = 0;
  for (Index j = 0; j < keys.cols(); ++j) dot += (long double)q(j) * (long double)keys(i, j);
  return dot;
}

// Everything a user reads off an AttendResult is finite, and the weights are a distribution.
template <typename T>
void require_sane(const attn::AttendResult<T>& r, Index n) {
  REQUIRE(r.logits.size() == n);
  REQUIRE(r.logits.allFinite());
  REQUIRE(is_distribution(r.weights, n * tol<T>()));
  REQUIRE(r.output.allFinite());
  REQUIRE(std::isfinite(r.stats.max_logit));
  REQUIRE(std::isfinite(r.stats.log_sum_exp));
  REQUIRE(std::isfinite(r.stats.entropy));
  REQUIRE(std::isfinite(r.stats.effective_keys));
}

}  // namespace

TEMPLATE_TEST_CASE("attend: keys at 0 and pi with q = (1, 0)", "[attend]", float, double) {
  using T = TestType;
  // logits (1, -1): w = e/(e + e^-1) = 0.88079707797788244, e^-1/(e + e^-1) = 0.11920292202211756
  const Vec<T> q = polar<T>(1, 0);
  for (const Mat<T>& keys : {keys_at<T>({0.0, kPi}), attn::layout_even(2).cast<T>().eval()}) {
    const attn::AttendResult<T> r = attn::attend<T>(q, keys, with_scale(1));
    CHECK_CLOSE(r.logits(0), 1.0, tol<T>(), 0);
    CHECK_CLOSE(r.logits(1), -1.0, tol<T>(), 0);
    CHECK_CLOSE(r.weights(0), 0.88079707797788244, tol<T>(), 0);
    CHECK_CLOSE(r.weights(1), 0.11920292202211756, tol<T>(), 0);
    CHECK(r.output.size() == 0);  // no values, no output
    CHECK(r.stats.argmax == 0);
  }
}

TEMPLATE_TEST_CASE("attend: three keys, O = A V by hand", "[attend]", float, double) {
  using T = TestType;
  // q = (1, 0), keys at 0, pi/2, pi -> logits (1, 0, -1), scale 1.
  //   s = e + 1 + 1/e = 4.0861612696304876
  //   w = (0.66524095577482189, 0.24472847105479765, 0.090030573170380458)
  // V = [[1, 0], [0, 2], [4, 4]]:
  //   O_x = w0 * 1 + w2 * 4 = 0.66524095577482189 + 0.36012229268152183 = 1.0253632484563437
  //   O_y = w1 * 2 + w2 * 4 = 0.48945694210959530 + 0.36012229268152183 = 0.84957923479111714
  Mat<T> keys(3, 2);
  keys << 1, 0, 0, 1, -1, 0;
  Mat<T> values(3, 2);
  values << 1, 0, 0, 2, 4, 4;
  const attn::AttendResult<T> r = attn::attend<T>(polar<T>(1, 0), keys, values, with_scale(1));
  REQUIRE(r.output.size() == 2);
  CHECK_CLOSE(r.weights(0), 0.66524095577482189, tol<T>(), 0);
  CHECK_CLOSE(r.weights(1), 0.24472847105479765, tol<T>(), 0);
  CHECK_CLOSE(r.weights(2), 0.090030573170380458, tol<T>(), 0);
  CHECK_CLOSE(r.output(0), 1.0253632484563437, tol<T>(), 0);
  CHECK_CLOSE(r.output(1), 0.84957923479111714, tol<T>(), 0);
  CHECK_CLOSE(r.stats.log_sum_exp, 1.4076059644443803, tol<T>(), 0);
  CHECK_CLOSE(r.stats.entropy, 0.83239558183993887, tol<T>(), 0);
  CHECK(r.stats.max_logit == T(1));
}

TEMPLATE_TEST_CASE("attend: logits are scale K q and attend_into matches attend", "[attend]", float, double) {
  using T = TestType;
  for (int c = 0; c < 40; ++c) {
    const Index n = 1 + c, d = 1 + c % 9, dv = 1 + c % 4;
    const Mat<T> keys = gaussian<T>(n, d, 10 + c);
    const Mat<T> values = gaussian<T>(n, dv, 20 + c);
    const Vec<T> q = gaussian_vec<T>(d, 30 + c);
    const double scale = 0.3 + 0.1 * c;
    INFO("case " << c);
    for (bool norm : {false, true}) {
      const attn::AttendOptions opt = with_scale(scale, norm);
      const attn::AttendResult<T> r = attn::attend<T>(q, keys, values, opt);
      Mat<double> kd = keys.template cast<double>();
      if (norm) kd.rowwise().normalize();
      const Vec<double> expect = scale * (kd * q.template cast<double>());
      REQUIRE_ALL_CLOSE(r.logits, expect, tol<T>() * (1 + expect.cwiseAbs().maxCoeff()));
      Vec<T> logits(n);
      attn::logits_into<T>(q, keys, opt, logits);
      REQUIRE_ALL_CLOSE(logits, r.logits, 0.0);
      // output = weightsᵀ V
      const Vec<double> out = values.template cast<double>().transpose() * r.weights.template cast<double>();
      REQUIRE_ALL_CLOSE(r.output, out, tol<T>() * (1 + values.cwiseAbs().maxCoeff()));
      // allocation-free kernel over caller buffers gives the same bits
      Vec<T> l2(n), w2(n), o2(dv);
      const attn::SoftmaxStats<T> st = attn::attend_into<T>(q, keys, values, opt, l2, w2, o2);
      REQUIRE_ALL_CLOSE(l2, r.logits, 0.0);
      REQUIRE_ALL_CLOSE(w2, r.weights, 0.0);
      REQUIRE_ALL_CLOSE(o2, r.output, 0.0);
      REQUIRE(st.log_sum_exp == r.stats.log_sum_exp);
      REQUIRE(st.argmax == r.stats.argmax);
    }
  }
}

TEMPLATE_TEST_CASE("attend: normalize_keys ignores key length", "[attend]", float, double) {
  using T = TestType;
  const Mat<T> keys = gaussian<T>(9, 3, 5);
  Vec<T> lengths(9);
  lengths << 0.01, 1, 2, 7, 100, 0.5, 3, 1e3, 1e-3;
  const Mat<T> stretched = lengths.asDiagonal() * keys;
  const Vec<T> q = gaussian_vec<T>(3, 6);
  const auto a = attn::attend<T>(q, keys, with_scale(2, true));
  const auto b = attn::attend<T>(q, stretched, with_scale(2, true));
  REQUIRE_ALL_CLOSE(a.weights, b.weights, tol<T>());
  // and without normalisation, length matters
  const auto c = attn::attend<T>(q, stretched, with_scale(2, false));
  REQUIRE(max_abs_diff(a.weights, c.weights).max > 0.1);
}

TEMPLATE_TEST_CASE("attend: permuting keys permutes weights", "[attend]", float, double) {
  using T = TestType;
  attn::Rng rng(3);
  for (int c = 0; c < 50; ++c) {
    const Index n = 2 + c, d = 2 + c % 5;
    const Mat<T> keys = gaussian<T>(n, d, 100 + c);
    const Mat<T> values = gaussian<T>(n, 2, 200 + c);
    const Vec<T> q = gaussian_vec<T>(d, 300 + c);
    std::vector<Index> perm(static_cast<size_t>(n));
    std::iota(perm.begin(), perm.end(), Index(0));
    for (size_t i = perm.size() - 1; i > 0; --i)  // Fisher-Yates with the core's RNG
      std::swap(perm[i], perm[static_cast<size_t>(rng.uniform() * double(i + 1))]);
    Mat<T> pk(n, d), pv(n, 2);
    for (Index i = 0; i < n; ++i) {
      pk.row(i) = keys.row(perm[size_t(i)]);
      pv.row(i) = values.row(perm[size_t(i)]);
    }
    const auto a = attn::attend<T>(q, keys, values, with_scale(1.5));
    const auto b = attn::attend<T>(q, pk, pv, with_scale(1.5));
    Vec<T> expect(n);
    for (Index i = 0; i < n; ++i) expect(i) = a.weights(perm[size_t(i)]);
    INFO("case " << c);
    REQUIRE_ALL_CLOSE(b.weights, expect, tol<T>() * a.weights.maxCoeff());
    REQUIRE_ALL_CLOSE(b.output, a.output, tol<T>() * (1 + values.cwiseAbs().maxCoeff()));
  }
}

TEMPLATE_TEST_CASE("attend: rotating q and all keys together changes nothing", "[attend]", float, double) {
  using T = TestType;
  for (int c = 0; c < 50; ++c) {
    const Index n = 1 + c;
    const Mat<T> keys = attn::layout_random(n, 40 + c).cast<T>();
    const Vec<T> q = polar<T>(0.5 + 0.1 * c, 0.37 * c);
    const double theta = 0.91 * c - 7;
    const Eigen::Matrix<T, 2, 2> R = rotation<T>(theta);
    const Mat<T> rk = keys * R.transpose();
    const Vec<T> rq = R * q;
    const auto a = attn::attend<T>(q, keys, with_scale(2));
    const auto b = attn::attend<T>(rq, rk, with_scale(2));
    INFO("case " << c << ", theta " << theta);
    // |logit| <= 2 |q| <= 11: rotation perturbs logits by ~ tol * 11
    REQUIRE_ALL_CLOSE(b.weights, a.weights, 16 * tol<T>() * a.weights.maxCoeff());
    REQUIRE(b.stats.argmax == a.stats.argmax);
  }
}

TEMPLATE_TEST_CASE("attend: output is a convex combination of the values", "[attend]", float, double) {
  using T = TestType;
  for (int c = 0; c < 60; ++c) {
    const Index n = 1 + c;
    const Mat<T> keys = attn::layout_random(n, 70 + c).cast<T>();
    const Mat<T> values = attn::layout_values(n, 80 + c).cast<T>();
    const Vec<T> q = polar<T>(0.2 * c, 1.1 * c);
    const auto r = attn::attend<T>(q, keys, values, with_scale(1 + c % 4));
    INFO("case " << c);
    require_sane(r, n);
    Vec<double> combo = Vec<double>::Zero(2);
    for (Index i = 0; i < n; ++i) combo += double(r.weights(i)) * values.row(i).transpose().template cast<double>();
    REQUIRE_ALL_CLOSE(r.output, combo, tol<T>());
    for (Index j = 0; j < 2; ++j) {  // inside the bounding box of V
      REQUIRE(double(r.output(j)) >= double(values.col(j).minCoeff()) - tol<T>());
      REQUIRE(double(r.output(j)) <= double(values.col(j).maxCoeff()) + tol<T>());
    }
  }
}

TEMPLATE_TEST_CASE("attend: scale 0 gives uniform weights 1/n", "[attend]", float, double) {
  using T = TestType;
  for (Index n : {1, 2, 5, 33, 1000}) {
    const Mat<T> keys = gaussian<T>(n, 4, 900 + n);
    const auto r = attn::attend<T>(gaussian_vec<T>(4, 7), keys, with_scale(0));
    INFO("n = " << n);
    for (Index i = 0; i < n; ++i) REQUIRE(r.weights(i) == r.weights(0));
    REQUIRE_CLOSE(r.weights(0), 1.0 / n, tol<T>(), 0);
    REQUIRE_CLOSE(r.stats.entropy, std::log(double(n)), tol<T>(), tol<T>());
    REQUIRE_CLOSE(r.stats.effective_keys, double(n), tol<T>(), 0);
  }
}

TEMPLATE_TEST_CASE("attend: huge scale is one-hot on the nearest key", "[attend]", float, double) {
  using T = TestType;
  // 12 even keys (spacing 2pi/12); q within 0.2 spacing of key k keeps the logit gap
  // to the runner-up >= cos(0.2 s) - cos(0.8 s) = 0.08, so exp(-scale * 0.08) == 0.
  const Index n = 12;
  const Mat<T> keys = attn::layout_even(n).cast<T>();
  attn::Rng rng(99);
  for (double scale : {1e6, 1e30}) {
    for (int c = 0; c < 40; ++c) {
      const Index k = c % n;
      const double offset = (rng.uniform() - 0.5) * 0.4 * (2 * kPi / n);
      const Vec<T> q = polar<T>(0.5 + rng.uniform(), 2 * kPi * k / n + offset);
      const auto r = attn::attend<T>(q, keys, with_scale(scale));
      INFO("scale " << scale << ", key " << k << ", offset " << offset);
      require_sane(r, n);
      REQUIRE(r.weights(k) == T(1));
      REQUIRE(r.weights.sum() == T(1));
      REQUIRE(r.stats.argmax == k);
      REQUIRE(r.stats.entropy == T(0));
      REQUIRE(r.stats.effective_keys == T(1));
    }
  }
}

TEMPLATE_TEST_CASE("attend: exact ties split evenly even at huge scale", "[attend]", float, double) {
  using T = TestType;
  // keys (a, b) and (b, a) are mirror images around q = c (1, 1): q·k is bitwise equal.
  Mat<T> keys(3, 2);
  keys << T(0.9), T(0.2), T(0.2), T(0.9), T(-0.7), T(-0.7);
  Vec<T> q(2);
  q << T(0.6), T(0.6);
  for (double scale : {1.0, 1e6, 1e30}) {
    const auto r = attn::attend<T>(q, keys, with_scale(scale));
    INFO("scale " << scale);
    require_sane(r, 3);
    REQUIRE(r.weights(0) == r.weights(1));
    if (scale > 1) {
      REQUIRE(r.weights(0) == T(0.5));
      REQUIRE(r.weights(2) == T(0));
      REQUIRE_CLOSE(r.stats.effective_keys, 2.0, tol<T>(), 0);
    }
    REQUIRE(r.stats.argmax == 0);
  }
}

TEMPLATE_TEST_CASE("attend: negative scale attends to the far side", "[attend]", float, double) {
  using T = TestType;
  const Mat<T> keys = attn::layout_even(8).cast<T>();
  const auto r = attn::attend<T>(polar<T>(1, 0), keys, with_scale(-5));
  REQUIRE(r.stats.argmax == 4);  // the key at angle pi, opposite q
  REQUIRE(r.weights(4) == r.weights.maxCoeff());
  REQUIRE(r.weights(0) == r.weights.minCoeff());
  // random keys: argmax is the key with the smallest q·k
  for (int c = 0; c < 30; ++c) {
    const Index n = 2 + c;
    const Mat<T> k = attn::layout_random(n, 600 + c).cast<T>();
    const Vec<T> q = polar<T>(1, 0.3 * c);
    const auto rr = attn::attend<T>(q, k, with_scale(-3));
    long double min_dot = dot_row<T>(q, k, 0);
    for (Index i = 1; i < n; ++i) min_dot = std::min(min_dot, dot_row<T>(q, k, i));
    INFO("case " << c);
    // the chosen key has the smallest q·k, up to rounding of the logits in T
    REQUIRE(dot_row<T>(q, k, rr.stats.argmax) <= min_dot + 4 * std::numeric_limits<T>::epsilon());
  }
}

TEMPLATE_TEST_CASE("attend: argmax and entropy statistics", "[attend]", float, double) {
  using T = TestType;
  for (int c = 0; c < 50; ++c) {
    const Index n = 1 + c;
    const Mat<T> keys = gaussian<T>(n, 3, 1200 + c);
    const Vec<T> q = gaussian_vec<T>(3, 1300 + c);
    const auto r = attn::attend<T>(q, keys, with_scale(1));
    Index arg;
    r.logits.maxCoeff(&arg);
    INFO("case " << c);
    REQUIRE(r.stats.argmax == arg);
    REQUIRE(r.stats.max_logit == r.logits(arg));
    REQUIRE(r.stats.entropy >= T(0));
    REQUIRE(double(r.stats.entropy) <= std::log(double(n)) + tol<T>());
    double h = 0;
    for (Index i = 0; i < n; ++i)
      if (r.weights(i) > 0) h -= double(r.weights(i)) * std::log(double(r.weights(i)));
    REQUIRE_CLOSE(r.stats.entropy, h, tol<T>(), tol<T>());
    REQUIRE_CLOSE(r.stats.effective_keys, std::exp(h), tol<T>(), 0);
  }
}

TEST_CASE("attend: float and double agree up to n = 65536 in d = 64", "[attend]") {
  // d = 64 random unit keys and query, scale 8: logits in [-8, 8], weights far from uniform.
  // Margin: |w_float - w_double| <= 1e-5 * max(w_double) + 1e-7 absolute floor; the floor covers
  // float rounding of tiny weights (float keeps ~7 significant digits of each logit).
  const Index d = 64;
  const Vec<double> q = attn::layout_sphere(1, d, 4242).row(0).transpose();
  for (Index n : {16, 1024, 65536}) {
    const Mat<double> keys = attn::layout_sphere(n, d, 77 + n);
    const Mat<double> values = attn::layout_gaussian(n, 3, 88 + n);
    attn::AttendOptions opt;
    opt.scale = 8;
    const auto rd = attn::attend<double>(q, keys, values, opt);
    const auto rf = attn::attend<float>(q.cast<float>(), keys.cast<float>(), values.cast<float>(), opt);
    const double wmax = rd.weights.maxCoeff();
    INFO("n = " << n << ", max weight " << wmax << ", min weight " << rd.weights.minCoeff());
    REQUIRE(wmax > 2.0 / n);  // not uniform
    REQUIRE_ALL_CLOSE(rf.weights, rd.weights, 1e-5 * wmax + 1e-7);
    REQUIRE_ALL_CLOSE(rf.output, rd.output, 1e-4);
    REQUIRE_CLOSE(rf.stats.log_sum_exp, rd.stats.log_sum_exp, 1e-5, 1e-5);
    REQUIRE(rf.stats.argmax == rd.stats.argmax);
  }
}

TEMPLATE_TEST_CASE("attend: finite input never gives NaN or Inf", "[attend]", float, double) {
  using T = TestType;
  const T big = std::numeric_limits<T>::max();
  const Mat<T> unit = attn::layout_even(16).cast<T>();
  const Mat<T> values = attn::layout_values(16, 5).cast<T>();
  SECTION("kappa up to 1e30 and 1e38, both signs") {
    for (double scale : {1e6, 1e30, 1e38, -1e30, -1e38}) {
      const auto r = attn::attend<T>(polar<T>(1, 0.1), unit, values, with_scale(scale));
      INFO("scale " << scale);
      require_sane(r, 16);
      REQUIRE(r.stats.argmax == (scale > 0 ? 0 : 8));
    }
  }
  SECTION("a scale beyond the range of T saturates instead of overflowing") {
    for (double scale : {1e300, -1e300}) {
      const auto r = attn::attend<T>(polar<T>(1, 0.1), unit, values, with_scale(scale));
      INFO("scale " << scale);
      require_sane(r, 16);
      REQUIRE(r.logits.cwiseAbs().maxCoeff() <= big);
    }
  }
  SECTION("keys and query of size sqrt(max) / 2^k: dot products up to and past max(T)") {
    // logits spread over [-max, max] (1e38 in float, 1e308 in double) and beyond.
    for (double f : {0.01, 0.5, 1.0, 4.0, 1e3}) {
      const T s = T(std::sqrt(double(big)) * (f > 1 ? 1.0 : f));
      const T qs = T(std::sqrt(double(big)) * (f > 1 ? f : 1.0));
      const Mat<T> keys = unit * s;
      const Vec<T> q = polar<T>(1, 0.1) * qs;
      for (double scale : {1.0, 1e10, -1.0}) {
        const auto r = attn::attend<T>(q, keys, values, with_scale(scale));
        INFO("key length " << s << ", |q| " << qs << ", scale " << scale);
        require_sane(r, 16);
        REQUIRE(r.logits.cwiseAbs().maxCoeff() <= big);
        // direction survives saturation: the nearest key keeps the largest weight
        const Index best = scale > 0 ? 0 : 8;
        REQUIRE(r.weights(best) == r.weights.maxCoeff());
      }
    }
  }
  SECTION("huge values stay inside their bounding box") {
    Mat<T> hv = values * (big / 2);
    for (double scale : {0.0, 1.0, 1e6}) {
      const auto r = attn::attend<T>(polar<T>(1, 0.4), unit, hv, with_scale(scale));
      INFO("scale " << scale);
      require_sane(r, 16);
      for (Index j = 0; j < 2; ++j) {
        const double lo = hv.col(j).minCoeff(), hi = hv.col(j).maxCoeff();
        REQUIRE(double(r.output(j)) >= lo - 1e-5 * std::fabs(lo));
        REQUIRE(double(r.output(j)) <= hi + 1e-5 * std::fabs(hi));
      }
    }
    Mat<T> same_sign = Mat<T>::Constant(16, 2, big / 2);
    const auto r = attn::attend<T>(polar<T>(1, 0.4), unit, same_sign, with_scale(0));
    require_sane(r, 16);
    REQUIRE_CLOSE(r.output(0), big / 2, tol<T>(), 0);
  }
}

TEMPLATE_TEST_CASE("attend: every bad input throws attn::invalid_argument naming it", "[attend]", float, double) {
  using T = TestType;
  const Mat<T> keys = gaussian<T>(4, 3, 1);
  const Mat<T> values = gaussian<T>(4, 2, 2);
  const Vec<T> q = gaussian_vec<T>(3, 3);
  const attn::AttendOptions opt;
  REQUIRE_NOTHROW(attn::validate_attend<T>(q, keys, values, opt));
  REQUIRE_NOTHROW(attn::validate_attend<T>(q, keys, Mat<T>(0, 2), opt));  // no values is fine

  SECTION("query length differs from key dimension") {
    REQUIRE_INVALID(attn::attend<T>(gaussian_vec<T>(2, 3), keys, values, opt), "query");
    REQUIRE_INVALID(attn::attend<T>(gaussian_vec<T>(4, 3), keys, opt), "query");
  }
  SECTION("values rows differ from keys rows") {
    REQUIRE_INVALID(attn::attend<T>(q, keys, gaussian<T>(3, 2, 2), opt), "values");
    REQUIRE_INVALID(attn::attend<T>(q, keys, gaussian<T>(5, 2, 2), opt), "values");
  }
  SECTION("no keys") { REQUIRE_INVALID(attn::attend<T>(q, Mat<T>(0, 3), opt), "keys"); }
  SECTION("zero dimension") {
    REQUIRE_THROWS_AS(attn::attend<T>(Vec<T>(0), Mat<T>(4, 0), opt), attn::invalid_argument);
  }
  SECTION("non-finite numbers") {
    for (T bad : {nan<T>(), inf<T>(), -inf<T>()}) {
      INFO("bad value " << bad);
      Vec<T> bq = q;
      bq(1) = bad;
      REQUIRE_INVALID(attn::attend<T>(bq, keys, values, opt), "query");
      Mat<T> bk = keys;
      bk(2, 1) = bad;
      REQUIRE_INVALID(attn::attend<T>(q, bk, values, opt), "keys");
      Mat<T> bv = values;
      bv(3, 0) = bad;
      REQUIRE_INVALID(attn::attend<T>(q, keys, bv, opt), "values");
      attn::AttendOptions bo;
      bo.scale = double(bad);
      REQUIRE_INVALID(attn::attend<T>(q, keys, values, bo), "scale");
      REQUIRE_INVALID(attn::validate_attend<T>(q, keys, values, bo), "scale");
    }
  }
  SECTION("a zero-length key cannot be normalised; the message names the row") {
    Mat<T> bk = keys;
    bk.row(3).setZero();
    REQUIRE_NOTHROW(attn::attend<T>(q, bk, values, with_scale(1, false)));
    REQUIRE_INVALID(attn::attend<T>(q, bk, values, with_scale(1, true)), "keys");
    REQUIRE_THROWS_WITH(attn::attend<T>(q, bk, values, with_scale(1, true)), Catch::Contains("row 3"));
  }
}

TEST_CASE("attend: kappa and inv_sqrt_d", "[attend]") {
  Vec<double> q(2);
  q << 3, 4;
  CHECK(attn::kappa(q, 2) == 10);
  CHECK(attn::kappa(q, -0.5) == -2.5);
  CHECK(attn::kappa(Vec<double>::Zero(2), 5) == 0);
  CHECK(attn::inv_sqrt_d(64) == 0.125);
  CHECK(attn::inv_sqrt_d(1) == 1);
  CHECK_CLOSE(attn::inv_sqrt_d(2), 0.70710678118654752, 1e-15, 0);
}

TEST_CASE("kappa: finite for every finite query and scale", "[attend]") {
  // |q| of (1e200, 1e200, 0) is 1.4e200; squaring first overflowed to inf.
  Vec<double> q(3);
  q << 1e200, 1e200, 0;
  CHECK_CLOSE(attn::kappa(q, 1.0), std::sqrt(2.0) * 1e200, 1e-15, 0);
  // A product beyond DBL_MAX saturates, like the logits.
  CHECK(attn::kappa(q, 1e200) == std::numeric_limits<double>::max());
  CHECK(attn::kappa(q, -1e200) == -std::numeric_limits<double>::max());
}

TEST_CASE("attend<float>: the weights sum to 1 at 2^22 keys", "[attend]") {
  // A float running sum over millions of exp terms drifts (2^24 keys gave Σw = 1.0039);
  // the kernels sum 64-key blocks in float and the blocks in double.
  const Index n = Index(1) << 22;
  attn::Rng rng(11);
  Mat<float> K(n, 2);
  for (Index i = 0; i < n; ++i) K.row(i) << float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1));
  Vec<float> q(2);
  q << 0.7f, -0.4f;
  const auto r = attn::attend<float>(q, K);
  double sum = 0;
  for (Index i = 0; i < n; ++i) sum += r.weights(i);  // in double: the check must not drift itself
  CHECK(std::abs(sum - 1) < 1e-6);
  CHECK(r.stats.entropy <= std::log(double(n)));
}
