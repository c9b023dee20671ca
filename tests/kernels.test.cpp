// attn/kernels.hpp: the float32 SIMD kernels, each against the double reference
// (attn::attend<double>, attn::attention_matrix<double>), over many shapes: n and m
// not multiples of the SIMD width (4), the key panel (8) or the query block (16),
// d = 1..65, row strides larger than the row, masks none and causal.
//
// Margins (stated once):
//  * exp: relative 4 float ulps (4 · 2^-23 ≈ 4.8e-7) against double exp on [-87.3, 0].
//  * a logit: (d + 4) · eps_float · |scale| · Σ_k |q_k k_k| - the textbook bound of a
//    float dot product of length d (plus the final scaling), never loose by more than d.
//  * weights and entropy: tol<float>() = 2e-5 absolute (approx.hpp); softmax of logits
//    with |logit| <~ 20 and the logit error above keeps weights well inside it.
//  * outputs: tol<float>() · (1 + max |V|) absolute; O is a convex combination of V rows.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "attn/kernels.hpp"
#include "attn/matrix.hpp"
#include "fixtures.hpp"

using namespace attn_test;
using attn::Mask;
namespace k = attn::kernels;

namespace {

constexpr double kEps = std::numeric_limits<float>::epsilon();

// The largest per-logit error bound for scale · Q Kᵀ (rows of Q against rows of K).
double logit_bound(const Mat<double>& Q, const Mat<double>& K, double scale) {
  const Mat<double> mag = Q.cwiseAbs() * K.cwiseAbs().transpose();
  return (Q.cols() + 4) * kEps * std::fabs(scale) * mag.maxCoeff() + 1e-30;
}

// A row-major float matrix stored inside a wider one (row stride = cols + pad).
struct Strided {
  Mat<float> storage;
  Eigen::Block<Mat<float>> view;
  Strided(const Mat<float>& m, Index pad)
      : storage(Mat<float>::Constant(m.rows(), m.cols() + pad, std::numeric_limits<float>::quiet_NaN())),
        view(storage.leftCols(m.cols())) {
    view = m;
  }
};

attn::MatrixOptions mopts(Mask mask, double scale) {
  attn::MatrixOptions o;
  o.mask = mask;
  o.scale = scale;
  return o;
}

}  // namespace

TEST_CASE("kernels: exp within 4 ulp of exp, exact at 0, 0 below ln(FLT_MIN)", "[kernels]") {
  INFO("SIMD path: " << k::simd_name());
  std::vector<float> x, y;
  for (int i = 0; i <= 200001; ++i) x.push_back(static_cast<float>(-87.3 * i / 200001.0));
  x.push_back(-0.0f);
  x.push_back(-1e-30f);
  x.push_back(-87.33f);
  y.resize(x.size());
  k::exp_f32(x.data(), static_cast<Index>(x.size()), y.data());
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double ref = std::exp(static_cast<double>(x[i]));
    worst = std::max(worst, std::fabs(y[i] - ref) / ref);
  }
  INFO("worst relative error " << worst);
  REQUIRE(worst <= 4 * kEps / 2);
  float one = 0, zero_in = 0;
  k::exp_f32(&zero_in, 1, &one);
  REQUIRE(one == 1.0f);
  const float below[5] = {-87.34f, -90.0f, -200.0f, -3e38f, -std::numeric_limits<float>::infinity()};
  float out[5];
  k::exp_f32(below, 5, out);
  for (float v : out) REQUIRE(v == 0.0f);
}

TEST_CASE("kernels: logits_f32 against scale K q in double", "[kernels]") {
  int c = 0;
  for (Index n : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 100, 1027}) {
    for (Index d : {1, 2, 3, 4, 5, 7, 8, 9, 31, 63, 64, 65}) {
      for (Index pad : {0, 3}) {
        ++c;
        const Mat<float> K = gaussian<float>(n, d, 100 + c);
        const Vec<float> q = gaussian_vec<float>(d, 200 + c);
        const double scale = c % 3 == 0 ? -0.7 : 1.0 / std::sqrt(double(d));
        const Strided Ks(K, pad);
        Vec<float> logits(n);
        float mx = 0;
        REQUIRE(k::logits_f32(q.data(), Ks.storage.data(), n, d, d + pad, float(scale), logits.data(), &mx));
        const Mat<double> Kd = K.cast<double>();
        const Vec<double> ref = scale * (Kd * q.cast<double>());
        INFO("n " << n << ", d " << d << ", pad " << pad);
        REQUIRE_ALL_CLOSE(logits, ref, logit_bound(q.cast<double>().transpose(), Kd, scale));
        REQUIRE(mx == logits.maxCoeff());
      }
    }
  }
}

TEST_CASE("kernels: logits_f32 reports non-finite logits", "[kernels]") {
  Mat<float> K = gaussian<float>(9, 5, 1);
  const Vec<float> q = gaussian_vec<float>(5, 2);
  Vec<float> logits(9);
  float mx = 0;
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    for (Index row : {0, 3, 8}) {
      Mat<float> Kb = K;
      Kb(row, 4) = bad;
      REQUIRE_FALSE(k::logits_f32(q.data(), Kb.data(), 9, 5, 5, 1.0f, logits.data(), &mx));
    }
  }
  Mat<float> huge = K * 1e30f;
  REQUIRE_FALSE(k::logits_f32(q.data(), huge.data(), 9, 5, 5, 1e20f, logits.data(), &mx));
}

TEST_CASE("kernels: attend<float> (fast path) against attend<double>", "[kernels]") {
  int c = 0;
  for (Index n : {1, 2, 3, 5, 8, 13, 64, 100, 1001, 4099}) {
    for (Index d : {1, 2, 3, 4, 6, 64, 65}) {
      for (Index dv : {1, 2, 3, 4, 5, 16, 17, 64}) {
        if ((n > 1000) && dv != 2 && dv != 64) continue;
        ++c;
        const Mat<double> K = attn::layout_gaussian(n, d, 300 + c), V = attn::layout_gaussian(n, dv, 400 + c);
        const Vec<double> q = attn::layout_gaussian(1, d, 500 + c).row(0).transpose() * 2.0;
        attn::AttendOptions opt;
        opt.scale = (c % 4 == 0) ? -1.3 : 1.0 / std::sqrt(double(d));
        const auto ref = attn::attend<double>(q, K, V, opt);
        const Index pad = c % 2;
        const Strided Ks(K.cast<float>(), pad), Vs(V.cast<float>(), pad);
        const Vec<float> qf = q.cast<float>();
        const auto got = attn::attend<float>(qf, Ks.view, Vs.view, opt);
        INFO("n " << n << ", d " << d << ", dv " << dv << ", pad " << pad);
        const double lb = logit_bound(q.transpose(), K, opt.scale);
        REQUIRE_ALL_CLOSE(got.logits, ref.logits, lb + 1e-6 * ref.logits.cwiseAbs().maxCoeff());
        REQUIRE_ALL_CLOSE(got.weights, ref.weights, tol<float>());
        REQUIRE_ALL_CLOSE(got.output, ref.output, tol<float>() * (1 + V.cwiseAbs().maxCoeff()));
        REQUIRE_CLOSE(got.stats.entropy, ref.stats.entropy, tol<float>(), tol<float>());
        REQUIRE_CLOSE(got.stats.log_sum_exp, ref.stats.log_sum_exp, tol<float>(), tol<float>());
        REQUIRE_CLOSE(got.stats.max_logit, ref.stats.max_logit, tol<float>(), lb);
        REQUIRE_CLOSE(got.stats.effective_keys, ref.stats.effective_keys, 1e-4, 0);
        REQUIRE(got.stats.argmax == ref.stats.argmax);
        REQUIRE(std::fabs(got.weights.cast<double>().sum() - 1.0) <= 1e-5);
      }
    }
  }
}

TEST_CASE("kernels: softmax_f32 statistics against softmax<double>", "[kernels]") {
  for (Index n : {1, 2, 3, 4, 5, 7, 9, 100, 1001}) {
    for (double spread : {0.0, 1.0, 30.0, 1e6}) {
      Vec<float> l = (gaussian_vec<double>(n, 7 + n) * spread).cast<float>();
      Vec<float> w(n);
      const auto s = k::softmax_f32(l.data(), n, l.maxCoeff(), w.data());
      attn::SoftmaxStats<double> ref;
      const Vec<double> wr = attn::softmax<double>(l.cast<double>(), &ref);
      INFO("n " << n << ", spread " << spread);
      REQUIRE_ALL_CLOSE(w, wr, tol<float>());
      REQUIRE_CLOSE(s.entropy, ref.entropy, tol<float>(), tol<float>());
      REQUIRE_CLOSE(s.log_sum_exp, ref.log_sum_exp, tol<float>(), tol<float>());
      REQUIRE(s.argmax == ref.argmax);
      if (spread == 0.0) {
        for (Index i = 0; i < n; ++i) REQUIRE(w(i) == w(0));
      }
    }
  }
}

TEST_CASE("kernels: attention_matrix<float> (blocked kernel) against attention_matrix<double>", "[kernels]") {
  int c = 0;
  for (auto [m, n] : std::vector<std::pair<Index, Index>>{{1, 1},
                                                          {1, 9},
                                                          {3, 3},
                                                          {4, 8},
                                                          {5, 7},
                                                          {7, 5},
                                                          {16, 16},
                                                          {17, 17},
                                                          {33, 20},
                                                          {20, 33},
                                                          {61, 67},
                                                          {130, 130}}) {
    for (Index d : {1, 2, 3, 5, 8, 64, 65}) {
      for (Index dv : {0, 1, 2, 4, 7, 8, 13, 64}) {
        for (Mask mask : {Mask::none(), Mask::causal()}) {
          ++c;
          const Mat<double> Q = attn::layout_gaussian(m, d, 600 + c), K = attn::layout_gaussian(n, d, 700 + c);
          const Mat<double> V = dv ? attn::layout_gaussian(n, dv, 800 + c) : Mat<double>(0, 0);
          const double scale = (c % 5 == 0) ? -0.8 : 1.0 / std::sqrt(double(d));
          const auto ref = attn::attention_matrix<double>(Q, K, V, mopts(mask, scale));
          const Index pad = c % 3;
          const Strided Qs(Q.cast<float>(), pad), Ks(K.cast<float>(), pad);
          const Mat<float> Vf = V.cast<float>();
          const auto got = attn::attention_matrix<float>(Qs.view, Ks.view, Vf, mopts(mask, scale));
          INFO("m " << m << ", n " << n << ", d " << d << ", dv " << dv << ", mask " << mask.to_string() << ", pad "
                    << pad);
          REQUIRE_ALL_CLOSE(got.logits, ref.logits, logit_bound(Q, K, scale));
          REQUIRE_ALL_CLOSE(got.weights, ref.weights, tol<float>());
          REQUIRE_ALL_CLOSE(got.entropy, ref.entropy, tol<float>());
          REQUIRE(got.output.rows() == (dv ? m : 0));
          if (dv) REQUIRE_ALL_CLOSE(got.output, ref.output, tol<float>() * (1 + V.cwiseAbs().maxCoeff()));
          for (Index i = 0; i < m; ++i) {
            REQUIRE_FALSE(got.empty_row(i));
            if (mask.kind == Mask::Kind::causal)
              for (Index j = i + 1; j < n; ++j) REQUIRE(got.weights(i, j) == 0.0f);
          }
        }
      }
    }
  }
}

TEST_CASE("kernels: lean attention_f32 (output only, causal panels skipped) against double", "[kernels]") {
  int c = 0;
  for (auto [m, n] : std::vector<std::pair<Index, Index>>{
           {1, 1}, {2, 5}, {5, 2}, {8, 8}, {15, 15}, {16, 16}, {17, 17}, {31, 40}, {40, 31}, {100, 100}, {257, 257}}) {
    for (Index d : {1, 3, 4, 64}) {
      for (Index dv : {1, 5, 8, 12, 64}) {
        for (bool causal : {false, true}) {
          ++c;
          const Mat<double> Q = attn::layout_gaussian(m, d, 900 + c), K = attn::layout_gaussian(n, d, 1000 + c),
                            V = attn::layout_gaussian(n, dv, 1100 + c);
          const double scale = 1.0 / std::sqrt(double(d));
          const auto ref =
              attn::attention_matrix<double>(Q, K, V, mopts(causal ? Mask::causal() : Mask::none(), scale));
          const Mat<float> Qf = Q.cast<float>(), Kf = K.cast<float>(), Vf = V.cast<float>();
          Mat<float> O = Mat<float>::Constant(m, dv, std::numeric_limits<float>::quiet_NaN());
          Vec<float> entropy(m);
          std::vector<float> ws(static_cast<size_t>(k::attention_workspace_floats(m, n, d, true)));
          k::AttentionProblem p;
          p.Q = Qf.data();
          p.m = m;
          p.ldq = d;
          p.K = Kf.data();
          p.n = n;
          p.ldk = d;
          p.d = d;
          p.V = Vf.data();
          p.ldv = dv;
          p.dv = dv;
          p.scale = float(scale);
          p.causal = causal;
          k::AttentionOutputs o;
          o.O = O.data();
          o.ldo = dv;
          o.entropy = entropy.data();
          INFO("m " << m << ", n " << n << ", d " << d << ", dv " << dv << ", causal " << causal);
          REQUIRE(k::attention_f32(p, o, ws.data()));
          REQUIRE_ALL_CLOSE(O, ref.output, tol<float>() * (1 + V.cwiseAbs().maxCoeff()));
          REQUIRE_ALL_CLOSE(entropy, ref.entropy, tol<float>());
        }
      }
    }
  }
}

TEST_CASE("kernels: the float fast paths fall back to the reference behaviour", "[kernels]") {
  const Mat<float> K = gaussian<float>(10, 4, 1), V = gaussian<float>(10, 3, 2);
  const Vec<float> q = gaussian_vec<float>(4, 3);
  SECTION("a non-finite key or value still throws naming it") {
    Mat<float> Kb = K;
    Kb(7, 2) = std::numeric_limits<float>::infinity();
    REQUIRE_THROWS_WITH(attn::attend<float>(q, Kb, V), Catch::Contains("keys") && Catch::Contains("(7, 2)"));
    Mat<float> Vb = V;
    Vb(4, 1) = std::numeric_limits<float>::quiet_NaN();
    REQUIRE_THROWS_WITH(attn::attend<float>(q, K, Vb), Catch::Contains("values") && Catch::Contains("(4, 1)"));
    REQUIRE_THROWS_WITH(attn::attention_matrix<float>(K, Kb, V), Catch::Contains("keys"));
  }
  SECTION("overflowing logits saturate instead of turning into NaN") {
    const Mat<float> huge = K * 1e20f;
    const auto r = attn::attend<float>(q * 1e20f, huge, V);
    REQUIRE(r.logits.allFinite());
    REQUIRE(r.weights.allFinite());
    const auto mr = attn::attention_matrix<float>(huge.topRows(3), huge, V, mopts(Mask::causal(), 1.0));
    REQUIRE(mr.logits.allFinite());
    REQUIRE(mr.weights.allFinite());
    REQUIRE(mr.output.allFinite());
  }
  SECTION("logits_into<float> gives the fast path's logits bit for bit") {
    const auto r = attn::attend<float>(q, K, V, attn::AttendOptions{0.37, false});
    Vec<float> l(10);
    attn::logits_into<float>(q, K, attn::AttendOptions{0.37, false}, l);
    REQUIRE_ALL_CLOSE(l, r.logits, 0.0);
  }
}

TEST_CASE("kernels: softmax sums stay at 1 for millions of keys", "[kernels]") {
  // softmax_f32 and one row of attention_f32 (the matrix kernel) over 2^22 keys: blocks of
  // 64 summed in float, blocks in double. A float running sum drifted by ~1e-3 here.
  const Index n = Index(1) << 22;
  attn::Rng rng(3);
  std::vector<float> logits(static_cast<size_t>(n)), w(static_cast<size_t>(n));
  float mx = -std::numeric_limits<float>::infinity();
  for (auto& l : logits) {
    l = static_cast<float>(rng.uniform(-4, 4));
    mx = std::max(mx, l);
  }
  attn::kernels::softmax_f32(logits.data(), n, mx, w.data());
  double sum = 0;
  for (float x : w) sum += x;
  CHECK(std::abs(sum - 1) < 1e-6);

  // One query (d = 1, q = 1) against keys equal to the logits: row of the full matrix.
  std::vector<float> q = {1.0f}, ws(static_cast<size_t>(attn::kernels::attention_workspace_floats(1, n, 1, false)));
  std::vector<float> L(static_cast<size_t>(n)), W(static_cast<size_t>(n));
  float entropy = 0;
  attn::kernels::AttentionProblem p;
  p.Q = q.data();
  p.m = 1;
  p.ldq = 1;
  p.K = logits.data();
  p.n = n;
  p.ldk = 1;
  p.d = 1;
  attn::kernels::AttentionOutputs o;
  o.logits = L.data();
  o.weights = W.data();
  o.lds = n;
  o.entropy = &entropy;
  REQUIRE(attn::kernels::attention_f32(p, o, ws.data()));
  sum = 0;
  for (float x : W) sum += x;
  CHECK(std::abs(sum - 1) < 1e-6);
}
