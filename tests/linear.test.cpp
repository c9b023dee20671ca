// attn/linear.hpp and attend with kernel elu+1 / favor+, and every option together.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "attn/geometry.hpp"
#include "attn/matrix.hpp"
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
        const attn::AttendResult<T> x =
            attn::attend<T>(Vec<T>((q * len).cast<T>()), keys.cast<T>(), values.cast<T>(), opt);
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

// ---- work limits (robustness round 2): checked before any work, named, with the limit --------

TEST_CASE("favor+: too much work is a named error before any work", "[linear][limits]") {
  // 10^4 keys with 65,536 features took 6.5 s; 128 x 128 queries and keys 13.7 s.
  attn::AttendOptions opt;
  opt.kernel = attn::Kernel::favor_plus;
  opt.features = 65536;
  const Vec<double> q = Vec<double>::Ones(1);
  REQUIRE_INVALID(attn::attend<double>(q, Mat<double>::Ones(10000, 1), opt),
                  "features: is 65536 with 10000 keys and d = 1: favor+ costs pairs · features · (d + 16) = "
                  "11141120000; expected at most 536870912; use fewer features or fewer keys");
  attn::MatrixOptions mopt;
  mopt.kernel = attn::Kernel::favor_plus;
  mopt.features = 65536;
  const Mat<double> x = Mat<double>::Ones(128, 1);
  REQUIRE_INVALID(attn::attention_matrix<double>(x, x, Mat<double>(0, 0), mopt),
                  "features: is 65536 with 16384 query-key pairs (m · n = 128 · 128) and d = 1");
  // The strip's curve counts its angles as keys.
  const Vec<double> angles = Vec<double>::LinSpaced(1000, -3, 3);
  Vec<double> out(1000);
  REQUIRE_INVALID(attn::unit_key_curve(Vec<double>::Ones(2), opt, 0.0, 0.0, angles, out),
                  "features: is 65536 with 1000 angles and d = 2");
  // Just under the limit runs: 481 keys · 65536 features · 17 <= 2^29.
  CHECK(attn::attend<double>(q, Mat<double>::Ones(481, 1), opt).weights.allFinite());
  REQUIRE_INVALID(attn::attend<double>(q, Mat<double>::Ones(482, 1), opt), "expected at most 536870912");
}

TEST_CASE("elu+1: too much work is a named error before any allocation", "[linear][limits]") {
  // It used to end in a bare std::bad_alloc for large inputs (the keys were copied first).
  attn::MatrixOptions opt;
  opt.kernel = attn::Kernel::elu_plus_one;
  const Mat<float> x = Mat<float>::Ones(4096, 2);
  REQUIRE_INVALID(attn::attention_matrix<float>(x, x, Mat<float>(0, 0), opt),
                  "keys: with 16777216 query-key pairs (m · n = 4096 · 4096) and d = 2, elu+1 costs pairs · (d + 2) = "
                  "67108864; expected at most 33554432; use fewer queries or keys or a smaller d");
  REQUIRE_INVALID(
      attn::validate_kernel_work(attn::Kernel::elu_plus_one, 64, 1 << 20, 31, "keys", "1048576 keys", "keys"),
      "keys: with 1048576 keys and d = 31, elu+1 costs pairs · (d + 2) = 34603008");
  CHECK_NOTHROW(
      attn::validate_kernel_work(attn::Kernel::elu_plus_one, 64, 1 << 20, 30, "keys", "1048576 keys", "keys"));
  CHECK_NOTHROW(attn::validate_kernel_work(attn::Kernel::softmax, 65536, 1e12, 4096, "keys", "many keys", "keys"));
}

TEST_CASE("favor+ in float: finite input gives a finite log_sum_exp", "[linear]") {
  // query [1e20, 0]: the log-scores are about -5e39, beyond float; log_sum_exp was -inf
  // (null in the CLI). It saturates at -max like the logits; the weights are unchanged.
  attn::AttendOptions opt;
  opt.kernel = attn::Kernel::favor_plus;
  Vec<float> q(2);
  q << 1e20f, 0;
  const attn::AttendResult<float> f = attn::attend<float>(q, keys_at<float>({0, kPi / 2}), opt);
  CHECK(f.stats.log_sum_exp == -std::numeric_limits<float>::max());
  CHECK(f.weights.allFinite());
  const attn::AttendResult<double> d = attn::attend<double>(q.cast<double>(), keys_at<double>({0, kPi / 2}), opt);
  CHECK(d.stats.log_sum_exp < -1e39);
  CHECK_ALL_CLOSE(f.weights.cast<double>(), d.weights, 1e-7);
}
