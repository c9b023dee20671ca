// attn/linear.hpp and attend with kernel elu+1 / favor+, and every option together.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "fixtures.hpp"

using namespace attn_test;

namespace {
double phi(double x) { return x > 0 ? x + 1 : std::exp(x); }
}  // namespace

TEMPLATE_TEST_CASE("elu+1: weights are phi(q).phi(k) over their sum, the scale is ignored", "[linear]", float, double) {
  using T = TestType;
  const Mat<T> keys = gaussian<T>(7, 3, 11);
  const Vec<T> q = gaussian_vec<T>(3, 12);
  attn::AttendOptions opt;
  opt.kernel = attn::Kernel::elu_plus_one;
  opt.scale = 5;
  const attn::AttendResult<T> r = attn::attend<T>(q, keys, opt);
  Vec<double> s(7);
  for (Index i = 0; i < 7; ++i) {
    s(i) = 0;
    for (Index j = 0; j < 3; ++j) s(i) += phi(q(j)) * phi(keys(i, j));
  }
  REQUIRE_ALL_CLOSE(r.weights, s / s.sum(), tol<T>());
  REQUIRE_CLOSE(r.stats.log_sum_exp, std::log(s.sum()), tol<T>(), 0);
  opt.scale = -0.1;
  REQUIRE_ALL_CLOSE(attn::attend<T>(q, keys, opt).weights, r.weights, tol<T>());
  // Linear attention cannot sharpen: a 1000× longer query leaves every weight above 0.
  const attn::AttendResult<T> longq = attn::attend<T>(Vec<T>(q * T(1000)), keys, opt);
  REQUIRE(longq.weights.minCoeff() > 0);
  REQUIRE(longq.weights.allFinite());
}

TEST_CASE("favor+: the error against softmax falls as the number of features grows", "[linear]") {
  const Mat<double> keys = gaussian<double>(16, 4, 21);
  const Vec<double> q = gaussian_vec<double>(4, 22);
  attn::AttendOptions soft;
  soft.scale = 0.5;
  const Vec<double> exact = attn::attend<double>(q, keys, soft).weights;
  double prev = 1e9, first = 0;
  for (Index r : {64, 1024, 16384}) {
    // Average over seeds: one draw can be lucky.
    double err = 0;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
      attn::AttendOptions opt = soft;
      opt.kernel = attn::Kernel::favor_plus;
      opt.features = r;
      opt.seed = seed;
      err += max_abs_diff(attn::attend<double>(q, keys, opt).weights, exact).max / 8;
    }
    INFO("r = " << r << ": mean max |favor+ − softmax| = " << err);
    REQUIRE(err < prev);
    if (first == 0) first = err;
    prev = err;
  }
  // 256× the features: the estimator's spread falls like 1/√r (16×); heavy tails (|q|, |k| ~ 2)
  // make the max error fall slower, but by well over 4×.
  REQUIRE(prev < first / 4);
  REQUIRE(prev < 0.05);
  // Deterministic from the seed; another seed is another draw.
  attn::AttendOptions a = soft;
  a.kernel = attn::Kernel::favor_plus;
  a.features = 32;
  attn::AttendOptions b = a;
  b.seed = 2;
  REQUIRE(attn::attend<double>(q, keys, a).weights == attn::attend<double>(q, keys, a).weights);
  REQUIRE(attn::attend<double>(q, keys, a).weights != attn::attend<double>(q, keys, b).weights);
}

TEMPLATE_TEST_CASE("beyond: every option together, float vs double, NaN-free at extreme kappa", "[linear]", float,
                   double) {
  using T = TestType;
  const Mat<double> keys = gaussian<double>(10, 4, 31), values = gaussian<double>(10, 3, 32);
  const Vec<double> q = gaussian_vec<double>(4, 33);
  for (attn::Kernel kernel : {attn::Kernel::softmax, attn::Kernel::elu_plus_one, attn::Kernel::favor_plus}) {
    for (double alpha : {1.0, 1.5, 2.0}) {
      attn::AttendOptions opt;
      opt.kernel = kernel;
      opt.alpha = alpha;
      opt.sink = 0.25;
      opt.rope = attn::Rope{};
      opt.rope->theta = 0.3;
      opt.normalize_keys = true;
      opt.scale = 1.5;
      INFO("kernel " << attn::to_string(kernel) << ", alpha " << alpha);
      const attn::AttendResult<T> f = attn::attend<T>(q.cast<T>(), keys.cast<T>(), values.cast<T>(), opt);
      const attn::AttendResult<double> d = attn::attend<double>(q, keys, values, opt);
      REQUIRE_CLOSE(d.weights.sum() + d.stats.sink_weight, 1, 1e-12, 0);
      REQUIRE_ALL_CLOSE(f.weights, d.weights, 2e-5);
      REQUIRE_ALL_CLOSE(f.output, d.output, 2e-5);
      REQUIRE_CLOSE(f.stats.sink_weight, d.stats.sink_weight, 2e-5, 2e-5);
      // Extreme κ: a huge query never gives NaN, whatever the normaliser.
      for (double len : {1e3, 1e15, 1e30}) {
        INFO("|q| scaled by " << len);
        opt.normalize_keys = false;
        const attn::AttendResult<T> x = attn::attend<T>(Vec<T>((q * len).cast<T>()), keys.cast<T>(), values.cast<T>(), opt);
        REQUIRE(x.weights.allFinite());
        REQUIRE(x.output.allFinite());
        REQUIRE(std::isfinite(static_cast<double>(x.stats.entropy)));
        REQUIRE(x.weights.sum() + x.stats.sink_weight == Approx(1).margin(1e-5));
        opt.normalize_keys = true;
      }
    }
  }
  // The plain options still take the float fast path: same bits as before the change.
  attn::AttendOptions plain;
  REQUIRE(plain.plain());
  REQUIRE(attn::attend<T>(q.cast<T>(), keys.cast<T>(), plain).stats.sink_weight == 0);
}

TEST_CASE("kernels: bad options are named", "[linear]") {
  REQUIRE_INVALID(attn::parse_kernel("relu"), "kernel: is \"relu\"; expected softmax, elu+1 or favor+");
  const Mat<double> keys = gaussian<double>(3, 2, 1);
  const Vec<double> q = gaussian_vec<double>(2, 2);
  attn::AttendOptions opt;
  opt.kernel = attn::Kernel::favor_plus;
  opt.features = 0;
  REQUIRE_INVALID(attn::attend<double>(q, keys, opt), "features: is 0; expected 1 <= features <= 65536");
  opt.features = 8;
  opt.alpha = std::nan("");
  REQUIRE_INVALID(attn::attend<double>(q, keys, opt), "alpha: is nan");
  opt.alpha = 1;
  opt.scale = 1e300;
  REQUIRE_INVALID(attn::attend<double>(Vec<double>(q * 1e300), keys, opt), "kernel: 'favor+' random features overflow");
}
