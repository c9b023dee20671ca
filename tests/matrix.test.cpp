// attn/matrix.hpp: A = softmax(scale Q Kᵀ) row by row with a mask, O = A V.
//   Q: (m, d)   K: (n, d)   V: (n, dv)   A, logits: (m, n)   O: (m, dv)   entropy, empty_row: (m)
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "attn/layout.hpp"
#include "attn/matrix.hpp"
#include "fixtures.hpp"

using namespace attn_test;
using attn::Mask;

namespace {

attn::MatrixOptions options(Mask mask, double scale = 1.0, bool normalize = false) {
  attn::MatrixOptions o;
  o.mask = mask;
  o.scale = scale;
  o.normalize_keys = normalize;
  return o;
}

// Every row of weights is a distribution (or all zero for an empty row); everything finite.
template <typename T>
void require_sane(const attn::MatrixResult<T>& r, Index m, Index n) {
  REQUIRE(r.weights.rows() == m);
  REQUIRE(r.weights.cols() == n);
  REQUIRE(r.logits.rows() == m);
  REQUIRE(r.logits.cols() == n);
  REQUIRE(r.entropy.size() == m);
  REQUIRE(r.empty_row.size() == m);
  REQUIRE(r.weights.allFinite());
  REQUIRE(r.logits.allFinite());
  REQUIRE(r.entropy.allFinite());
  REQUIRE(r.output.allFinite());
  for (Index i = 0; i < m; ++i) {
    INFO("row " << i);
    if (r.empty_row(i)) {
      REQUIRE(r.weights.row(i).isZero(0));
    } else {
      REQUIRE(is_distribution(r.weights.row(i).transpose(), n * tol<T>()));
    }
  }
}

}  // namespace

TEMPLATE_TEST_CASE("matrix: unmasked row i equals attend with query i", "[matrix]", float, double) {
  using T = TestType;
  for (int c = 0; c < 20; ++c) {
    const Index m = 1 + c % 7, n = 1 + c, d = 1 + c % 5, dv = 1 + c % 3;
    const Mat<T> Q = gaussian<T>(m, d, 10 + c), K = gaussian<T>(n, d, 20 + c), V = gaussian<T>(n, dv, 30 + c);
    for (bool norm : {false, true}) {
      const double scale = 0.5 + 0.25 * c;
      const auto r = attn::attention_matrix<T>(Q, K, V, options(Mask::none(), scale, norm));
      require_sane(r, m, n);
      REQUIRE(r.output.rows() == m);
      REQUIRE(r.output.cols() == dv);
      attn::AttendOptions ao;
      ao.scale = scale;
      ao.normalize_keys = norm;
      for (Index i = 0; i < m; ++i) {
        const auto a = attn::attend<T>(Q.row(i).transpose(), K, V, ao);
        INFO("case " << c << ", row " << i << ", normalize " << norm);
        REQUIRE_ALL_CLOSE(r.logits.row(i).transpose(), a.logits, tol<T>() * (1 + a.logits.cwiseAbs().maxCoeff()));
        REQUIRE_ALL_CLOSE(r.weights.row(i).transpose(), a.weights, tol<T>());
        REQUIRE_ALL_CLOSE(r.output.row(i).transpose(), a.output, tol<T>() * (1 + V.cwiseAbs().maxCoeff()));
        REQUIRE_CLOSE(r.entropy(i), a.stats.entropy, tol<T>(), tol<T>());
        REQUIRE_FALSE(r.empty_row(i));
      }
    }
  }
}

TEMPLATE_TEST_CASE("matrix: without values there is no output", "[matrix]", float, double) {
  using T = TestType;
  const Mat<T> Q = gaussian<T>(3, 2, 1), K = gaussian<T>(4, 2, 2);
  const auto r = attn::attention_matrix<T>(Q, K, Mat<T>(0, 0));
  require_sane(r, 3, 4);
  REQUIRE(r.output.size() == 0);
}

TEMPLATE_TEST_CASE("matrix: causal rows are exactly zero beyond the diagonal and renormalised", "[matrix]", float,
                   double) {
  using T = TestType;
  for (auto [m, n] : std::vector<std::pair<Index, Index>>{{7, 7}, {5, 9}, {9, 5}, {1, 4}}) {
    const Mat<T> Q = gaussian<T>(m, 3, m * 100 + n), K = gaussian<T>(n, 3, 7), V = gaussian<T>(n, 2, 8);
    const auto r = attn::attention_matrix<T>(Q, K, V, options(Mask::causal(), 0.7));
    require_sane(r, m, n);
    // masked logits keep their raw value (the UI greys them)
    const Mat<double> raw = 0.7 * Q.template cast<double>() * K.template cast<double>().transpose();
    REQUIRE_ALL_CLOSE(r.logits, raw, tol<T>() * (1 + raw.cwiseAbs().maxCoeff()));
    attn::AttendOptions ao;
    ao.scale = 0.7;
    for (Index i = 0; i < m; ++i) {
      INFO("m " << m << ", n " << n << ", row " << i);
      REQUIRE_FALSE(r.empty_row(i));
      for (Index j = 0; j < n; ++j) {
        if (j > i)
          REQUIRE(r.weights(i, j) == T(0));
        else
          REQUIRE(r.weights(i, j) > T(0));
      }
      // the row is the softmax over the visible keys 0..i only
      const Index visible = std::min(i + 1, n);
      const auto a = attn::attend<T>(Q.row(i).transpose(), K.topRows(visible), V.topRows(visible), ao);
      REQUIRE_ALL_CLOSE(r.weights.row(i).head(visible).transpose(), a.weights, tol<T>());
      REQUIRE_ALL_CLOSE(r.output.row(i).transpose(), a.output, tol<T>() * 4);
      REQUIRE_CLOSE(r.entropy(i), a.stats.entropy, tol<T>(), tol<T>());
    }
  }
}

TEMPLATE_TEST_CASE("matrix: window w keeps exactly keys i - w < j <= i", "[matrix]", float, double) {
  using T = TestType;
  const Index m = 8, n = 8;
  const Mat<T> Q = gaussian<T>(m, 4, 1), K = gaussian<T>(n, 4, 2), V = gaussian<T>(n, 3, 3);
  attn::AttendOptions ao;
  for (Index w : {1, 2, 3, 5, 8, 20}) {
    const auto r = attn::attention_matrix<T>(Q, K, V, options(Mask::window(w)));
    require_sane(r, m, n);
    for (Index i = 0; i < m; ++i) {
      INFO("w " << w << ", row " << i);
      for (Index j = 0; j < n; ++j) {
        const bool visible = (i - w < j) && (j <= i);
        REQUIRE(attn::mask_allows(Mask::window(w), i, j) == visible);
        if (visible)
          REQUIRE(r.weights(i, j) > T(0));
        else
          REQUIRE(r.weights(i, j) == T(0));
      }
      const Index first = std::max<Index>(0, i - w + 1), count = i - first + 1;
      const auto a = attn::attend<T>(Q.row(i).transpose(), K.middleRows(first, count), V.middleRows(first, count), ao);
      REQUIRE_ALL_CLOSE(r.weights.row(i).segment(first, count).transpose(), a.weights, tol<T>());
      REQUIRE_ALL_CLOSE(r.output.row(i).transpose(), a.output, tol<T>() * 4);
    }
  }
  // window 1: each query sees only its own key, with weight exactly 1
  const auto r1 = attn::attention_matrix<T>(Q, K, V, options(Mask::window(1)));
  for (Index i = 0; i < m; ++i) REQUIRE(r1.weights(i, i) == T(1));
  REQUIRE_ALL_CLOSE(r1.output, V, 0.0);
}

TEMPLATE_TEST_CASE("matrix: window past the last key leaves empty rows, never NaN", "[matrix]", float, double) {
  using T = TestType;
  // m = 6 queries, n = 3 keys, window 1: query i sees only key i, so rows 3..5 see nothing.
  const Mat<T> Q = gaussian<T>(6, 2, 4), K = gaussian<T>(3, 2, 5), V = gaussian<T>(3, 2, 6);
  const auto r = attn::attention_matrix<T>(Q, K, V, options(Mask::window(1), 3.0));
  require_sane(r, 6, 3);
  REQUIRE(r.output.rows() == 6);
  for (Index i = 0; i < 3; ++i) {
    INFO("row " << i);
    REQUIRE_FALSE(r.empty_row(i));
    REQUIRE(r.weights(i, i) == T(1));
    REQUIRE(r.entropy(i) == T(0));
    REQUIRE_ALL_CLOSE(r.output.row(i), V.row(i), 0.0);
  }
  for (Index i = 3; i < 6; ++i) {
    INFO("row " << i);
    REQUIRE(r.empty_row(i));
    REQUIRE(r.weights.row(i).isZero(0));
    REQUIRE(r.output.row(i).isZero(0));
    REQUIRE(r.entropy(i) == T(0));
    REQUIRE(r.logits.row(i).allFinite());
  }
  // causal never empties a row when m > n: rows past n see every key
  const auto c = attn::attention_matrix<T>(Q, K, V, options(Mask::causal()));
  for (Index i = 0; i < 6; ++i) REQUIRE_FALSE(c.empty_row(i));
}

TEMPLATE_TEST_CASE("matrix: top-k keeps exactly the k largest logits per row", "[matrix]", float, double) {
  using T = TestType;
  const Index m = 10, n = 12;
  const Mat<T> Q = gaussian<T>(m, 3, 40), K = gaussian<T>(n, 3, 41), V = gaussian<T>(n, 2, 42);
  attn::AttendOptions ao;
  for (Index k = 1; k <= n; ++k) {
    const auto r = attn::attention_matrix<T>(Q, K, V, options(Mask::top_k(k)));
    require_sane(r, m, n);
    for (Index i = 0; i < m; ++i) {
      INFO("k " << k << ", row " << i);
      REQUIRE((r.weights.row(i).array() > T(0)).count() == k);
      T min_kept = std::numeric_limits<T>::infinity(), max_dropped = -std::numeric_limits<T>::infinity();
      std::vector<Index> kept;
      for (Index j = 0; j < n; ++j) {
        if (r.weights(i, j) > T(0))
          min_kept = std::min(min_kept, r.logits(i, j)), kept.push_back(j);
        else
          max_dropped = std::max(max_dropped, r.logits(i, j));
      }
      REQUIRE(min_kept >= max_dropped);
      // renormalised over the kept keys
      Mat<T> ks(k, 3), vs(k, 2);
      for (Index t = 0; t < k; ++t) ks.row(t) = K.row(kept[size_t(t)]), vs.row(t) = V.row(kept[size_t(t)]);
      const auto a = attn::attend<T>(Q.row(i).transpose(), ks, vs, ao);
      for (Index t = 0; t < k; ++t) REQUIRE_CLOSE(r.weights(i, kept[size_t(t)]), a.weights(t), tol<T>(), tol<T>());
      REQUIRE_ALL_CLOSE(r.output.row(i).transpose(), a.output, tol<T>() * 4);
    }
  }
  // ties are broken by the lower key index: identical keys give identical logits
  const Mat<T> same = Mat<T>::Ones(5, 2);
  const auto t = attn::attention_matrix<T>(Q.leftCols(2), same, Mat<T>(0, 0), options(Mask::top_k(2)));
  for (Index i = 0; i < m; ++i) {
    INFO("row " << i);
    REQUIRE(t.weights(i, 0) == T(0.5));
    REQUIRE(t.weights(i, 1) == T(0.5));
    REQUIRE(t.weights.row(i).tail(3).isZero(0));
  }
}

TEMPLATE_TEST_CASE("matrix: finite input never gives NaN or Inf", "[matrix]", float, double) {
  using T = TestType;
  const T big = std::numeric_limits<T>::max();
  const Mat<T> Q = gaussian<T>(6, 2, 50) * T(std::sqrt(double(big))),
               K = gaussian<T>(6, 2, 51) * T(std::sqrt(double(big)));
  const Mat<T> V = attn::layout_values(6, 52).cast<T>() * (big / 2);
  for (const Mask& mask : {Mask::none(), Mask::causal(), Mask::window(2), Mask::top_k(3)}) {
    for (double scale : {1.0, 1e30, -1e30}) {
      INFO("mask " << mask.to_string() << ", scale " << scale);
      const auto r = attn::attention_matrix<T>(Q, K, V, options(mask, scale));
      require_sane(r, 6, 6);
    }
  }
}

TEST_CASE("Mask: parse and to_string round trip", "[matrix]") {
  for (const std::string text : {"none", "causal", "window:3", "topk:2", "window:1", "topk:100"}) {
    INFO(text);
    REQUIRE(Mask::parse(text).to_string() == text);
  }
  CHECK(Mask::parse("none").kind == Mask::Kind::none);
  CHECK(Mask::parse("causal").kind == Mask::Kind::causal);
  const Mask w = Mask::parse("window:3");
  CHECK(w.kind == Mask::Kind::window);
  CHECK(w.size == 3);
  const Mask k = Mask::parse("topk:2");
  CHECK(k.kind == Mask::Kind::top_k);
  CHECK(k.size == 2);
  CHECK(Mask::none().to_string() == "none");
  CHECK(Mask::causal().to_string() == "causal");
  CHECK(Mask::window(7).to_string() == "window:7");
  CHECK(Mask::top_k(4).to_string() == "topk:4");
}

TEST_CASE("Mask: parse rejects malformed text", "[matrix]") {
  for (const std::string bad :
       {"", "bogus", "Causal", "window", "window:", "window:x", "window:3x", "topk", "topk:", "topk:2.5", "topk:two"}) {
    INFO("'" << bad << "'");
    REQUIRE_THROWS_AS(Mask::parse(bad), attn::invalid_argument);
  }
}

TEST_CASE("Mask: sizes below 1 are rejected however the mask was made", "[matrix]") {
  // parse only checks syntax; attention_matrix checks sizes (it knows n), so text and
  // Mask::window(w) give the same error naming the argument.
  const Mat<double> Q = gaussian<double>(3, 2, 1), K = gaussian<double>(4, 2, 2);
  for (const std::string bad : {"window:0", "window:-2", "topk:0", "topk:-1"}) {
    INFO("'" << bad << "'");
    attn::MatrixOptions opt;
    REQUIRE_NOTHROW(opt.mask = Mask::parse(bad));
    REQUIRE_INVALID(attn::attention_matrix<double>(Q, K, Mat<double>(0, 0), opt), bad.substr(0, bad.find(':')));
  }
  for (const std::string malformed : {"window:+3", "window: 3", "window:", "topk:x", "window:3.5"}) {
    INFO("'" << malformed << "'");
    REQUIRE_INVALID(Mask::parse(malformed), "mask");
  }
}

TEST_CASE("Mask: mask_allows for none and causal", "[matrix]") {
  for (Index i = 0; i < 5; ++i)
    for (Index j = 0; j < 5; ++j) {
      CHECK(attn::mask_allows(Mask::none(), i, j));
      CHECK(attn::mask_allows(Mask::causal(), i, j) == (j <= i));
    }
}

TEMPLATE_TEST_CASE("matrix: bad input throws attn::invalid_argument naming it", "[matrix]", float, double) {
  using T = TestType;
  const Mat<T> Q = gaussian<T>(3, 2, 1), K = gaussian<T>(4, 2, 2), V = gaussian<T>(4, 2, 3);
  REQUIRE_NOTHROW(attn::attention_matrix<T>(Q, K, V));
  SECTION("shapes") {
    REQUIRE_INVALID(attn::attention_matrix<T>(gaussian<T>(3, 3, 1), K, V), "quer");
    REQUIRE_INVALID(attn::attention_matrix<T>(Q, K, gaussian<T>(5, 2, 3)), "values");
    REQUIRE_INVALID(attn::attention_matrix<T>(Q, Mat<T>(0, 2), Mat<T>(0, 0)), "keys");
    REQUIRE_THROWS_AS(attn::attention_matrix<T>(Mat<T>(3, 0), Mat<T>(4, 0), Mat<T>(0, 0)), attn::invalid_argument);
  }
  SECTION("non-finite numbers") {
    for (T bad : {nan<T>(), inf<T>()}) {
      INFO("bad " << bad);
      Mat<T> bq = Q, bk = K, bv = V;
      bq(1, 1) = bad, bk(2, 0) = bad, bv(3, 1) = bad;
      REQUIRE_INVALID(attn::attention_matrix<T>(bq, K, V), "quer");
      REQUIRE_INVALID(attn::attention_matrix<T>(Q, bk, V), "keys");
      REQUIRE_INVALID(attn::attention_matrix<T>(Q, K, bv), "values");
      REQUIRE_INVALID(attn::attention_matrix<T>(Q, K, V, options(Mask::none(), double(bad))), "scale");
    }
  }
  SECTION("zero-length key with normalisation") {
    Mat<T> bk = K;
    bk.row(2).setZero();
    REQUIRE_INVALID(attn::attention_matrix<T>(Q, bk, V, options(Mask::none(), 1, true)), "keys");
    REQUIRE_THROWS_WITH(attn::attention_matrix<T>(Q, bk, V, options(Mask::none(), 1, true)), Catch::Contains("row 2"));
  }
  SECTION("mask sizes") {
    REQUIRE_INVALID(attn::attention_matrix<T>(Q, K, V, options(Mask::window(0))), "window");
    REQUIRE_INVALID(attn::attention_matrix<T>(Q, K, V, options(Mask::window(-1))), "window");
    REQUIRE_INVALID(attn::attention_matrix<T>(Q, K, V, options(Mask::top_k(0))), "k");
    REQUIRE_INVALID(attn::attention_matrix<T>(Q, K, V, options(Mask::top_k(-2))), "k");
    REQUIRE_INVALID(attn::attention_matrix<T>(Q, K, V, options(Mask::top_k(5))), "k");  // n = 4
    REQUIRE_NOTHROW(attn::attention_matrix<T>(Q, K, V, options(Mask::top_k(4))));
  }
}

TEST_CASE("masked flags: exactly the cells the mask hides, in every kernel path", "[matrix][mask]") {
  const Index m = 5, n = 5;
  attn::Mat<float> Q(m, 2), K(n, 2);
  for (Index i = 0; i < m; ++i) {
    Q(i, 0) = std::cos(0.7f * i);
    Q(i, 1) = std::sin(0.7f * i);
    K(i, 0) = std::cos(1.3f * i);
    K(i, 1) = std::sin(1.3f * i);
  }
  for (const Mask mask : {Mask::none(), Mask::causal(), Mask::window(2), Mask::top_k(2)}) {
    for (const bool normalize : {false, true}) {  // raw float keys take the SIMD kernel
      const auto r = attn::attention_matrix<float>(Q, K, attn::Mat<float>(0, 0), options(mask, 1.0, normalize));
      REQUIRE(r.masked.rows() == m);
      REQUIRE(r.masked.cols() == n);
      for (Index i = 0; i < m; ++i) {
        Index visible = 0;
        for (Index j = 0; j < n; ++j) {
          if (mask.kind != Mask::Kind::top_k) CHECK(r.masked(i, j) == !attn::mask_allows(mask, i, j));
          if (r.masked(i, j)) CHECK(r.weights(i, j) == 0.0f);
          visible += r.masked(i, j) ? 0 : 1;
        }
        if (mask.kind == Mask::Kind::top_k) CHECK(visible == 2);
      }
    }
  }
}

TEMPLATE_TEST_CASE("attention_matrix: too large is a named error before any allocation", "[matrix]", float, double) {
  // 8192 x 8192 queries against keys needs 2^26 entries per matrix: refused with the limit
  // (it used to end in std::bad_alloc in the browser).
  using T = TestType;
  const Mat<T> Q = Mat<T>::Zero(8192, 1), K = Mat<T>::Zero(8192, 1);
  REQUIRE_INVALID(attn::attention_matrix<T>(Q, K, Mat<T>(0, 0)), "queries");
  REQUIRE_THROWS_WITH(attn::attention_matrix<T>(Q, K, Mat<T>(0, 0)),
                      Catch::Contains("8192 x 8192") && Catch::Contains("16777216"));
  CHECK(attn::attention_matrix<T>(Mat<T>::Zero(2, 1), K, Mat<T>(0, 0)).weights.rows() == 2);
}

// ---- sparse patterns -------------------------------------------------------------------

namespace {
attn::Mask sparse_mask(Index w, Index s, std::vector<Index> global, bool causal) {
  attn::SparsePattern p;
  p.window = w;
  p.stride = s;
  p.global = std::move(global);
  p.causal = causal;
  return attn::Mask::sparse_pattern(p);
}
}  // namespace

TEMPLATE_TEST_CASE("matrix: sparse visibility follows the stated rule cell by cell", "[matrix][sparse]", float,
                   double) {
  const Index n = 12;
  const Mat<TestType> q = gaussian<TestType>(n, 3, 3), k = gaussian<TestType>(n, 3, 4), v = gaussian<TestType>(n, 2, 5);
  for (const bool causal : {true, false})
    for (const Index w : {1, 2, 3})
      for (const Index s : {0, 3, 4}) {
        const std::vector<Index> global = {0, 7};
        attn::MatrixOptions opt;
        opt.mask = sparse_mask(w, s, global, causal);
        const auto r = attn::attention_matrix<TestType>(q, k, v, opt);
        Index visible = 0;
        for (Index i = 0; i < n; ++i)
          for (Index j = 0; j < n; ++j) {
            const Index gap = std::abs(i - j);
            const bool g = i == 0 || i == 7 || j == 0 || j == 7;
            const bool see = (!causal || j <= i) && (gap < w || (s > 0 && gap % s == 0) || g);
            INFO("causal " << causal << " w " << w << " s " << s << " (" << i << ", " << j << ")");
            REQUIRE(r.masked(i, j) == !see);
            REQUIRE(attn::mask_allows(opt.mask, i, j) == see);
            if (!see) REQUIRE(r.weights(i, j) == 0);
            visible += see;
          }
        REQUIRE(r.scores_computed == visible);
        REQUIRE(r.computed_fraction() == static_cast<double>(visible) / static_cast<double>(n * n));
      }
}

TEMPLATE_TEST_CASE("matrix: a sparse row equals attend over its visible keys", "[matrix][sparse]", float, double) {
  const Mat<TestType> q = gaussian<TestType>(10, 4, 6), k = gaussian<TestType>(10, 4, 7),
                      v = gaussian<TestType>(10, 3, 8);
  attn::MatrixOptions opt;
  opt.scale = 0.7;
  opt.mask = sparse_mask(2, 4, {5}, false);
  const auto r = attn::attention_matrix<TestType>(q, k, v, opt);
  for (Index i = 0; i < 10; ++i) {
    std::vector<Index> vis;
    for (Index j = 0; j < 10; ++j)
      if (!r.masked(i, j)) vis.push_back(j);
    Mat<TestType> ks(static_cast<Index>(vis.size()), 4), vs(static_cast<Index>(vis.size()), 3);
    for (size_t t = 0; t < vis.size(); ++t) {
      ks.row(static_cast<Index>(t)) = k.row(vis[t]);
      vs.row(static_cast<Index>(t)) = v.row(vis[t]);
    }
    const auto ref = attn::attend<TestType>(q.row(i).transpose(), ks, vs, attn::AttendOptions{0.7, false});
    for (size_t t = 0; t < vis.size(); ++t)
      REQUIRE_CLOSE(r.weights(i, vis[t]), ref.weights(static_cast<Index>(t)), tol<TestType>(), tol<TestType>());
    REQUIRE_ALL_CLOSE(r.output.row(i).transpose(), ref.output, tol<TestType>());
  }
}

TEST_CASE("matrix: a sparse pattern that sees everything equals no mask", "[matrix][sparse]") {
  const Mat<double> q = gaussian<double>(6, 2, 1), k = gaussian<double>(6, 2, 2), v = gaussian<double>(6, 2, 3);
  attn::MatrixOptions opt;
  opt.mask = sparse_mask(6, 0, {}, false);
  const auto r = attn::attention_matrix<double>(q, k, v, opt);
  const auto ref = attn::attention_matrix<double>(q, k, v);
  REQUIRE_ALL_CLOSE(r.weights, ref.weights, tol<double>());
  REQUIRE(r.computed_fraction() == 1.0);
  opt.mask = sparse_mask(6, 0, {}, true);
  attn::MatrixOptions causal;
  causal.mask = attn::Mask::causal();
  REQUIRE_ALL_CLOSE(attn::attention_matrix<double>(q, k, v, opt).weights,
                    attn::attention_matrix<double>(q, k, v, causal).weights, tol<double>());
}

TEST_CASE("matrix: local, strided and global patterns compute fewer scores than dense", "[matrix][sparse]") {
  const Mat<double> x = gaussian<double>(32, 2, 9);
  attn::MatrixOptions opt;
  opt.mask = sparse_mask(3, 0, {}, false);  // local: at most 5 per row
  const auto local = attn::attention_matrix<double>(x, x, Mat<double>(0, 0), opt);
  REQUIRE(local.scores_computed == 32 * 5 - 2 * 3);
  REQUIRE(local.computed_fraction() < 0.2);
  // Hidden scores are skipped, so their logits are 0 (never computed).
  REQUIRE(local.logits(0, 31) == 0.0);
}

TEST_CASE("matrix: sparse settings out of range are named errors", "[matrix][sparse]") {
  const Mat<double> x = gaussian<double>(4, 2, 1);
  attn::MatrixOptions opt;
  opt.mask = sparse_mask(0, 0, {}, true);
  REQUIRE_INVALID(attn::attention_matrix<double>(x, x, x, opt), "window: is 0");
  opt.mask = sparse_mask(1, -1, {}, true);
  REQUIRE_INVALID(attn::attention_matrix<double>(x, x, x, opt), "stride: is -1");
  opt.mask = sparse_mask(1, 0, {4}, true);
  REQUIRE_INVALID(attn::attention_matrix<double>(x, x, x, opt), "global: entry 0 is 4");
  opt.mask = sparse_mask(1, 0, {-1}, true);
  REQUIRE_INVALID(attn::attention_matrix<double>(x, x, x, opt), "global");
}

TEMPLATE_TEST_CASE("matrix: alpha, sink, rope and kernels give attend's numbers row by row", "[matrix]", float,
                   double) {
  using T = TestType;
  const Mat<T> queries = gaussian<T>(5, 4, 41), keys = gaussian<T>(6, 4, 42), values = gaussian<T>(6, 3, 43);
  for (attn::Kernel kernel : {attn::Kernel::softmax, attn::Kernel::elu_plus_one, attn::Kernel::favor_plus}) {
    for (double alpha : {1.0, 1.5, 2.0}) {
      attn::MatrixOptions opt;
      opt.scale = 0.9;
      opt.normalize_keys = true;
      opt.alpha = alpha;
      opt.sink = -0.3;
      opt.kernel = kernel;
      opt.features = 16;
      opt.seed = 4;
      opt.rope = attn::Rope{};
      opt.rope->theta = 0.6;
      opt.rope->positions = {0, 2, 4, 6, 8, 10};
      opt.rope->query_positions = {1, 3, 5, 7, 9};
      INFO("kernel " << attn::to_string(kernel) << ", alpha " << alpha);
      const attn::MatrixResult<T> r = attn::attention_matrix<T>(queries, keys, values, opt);
      REQUIRE(r.rotated_queries.rows() == 5);
      REQUIRE(r.rotated_keys.rows() == 6);
      for (Index i = 0; i < 5; ++i) {
        attn::AttendOptions a;
        a.scale = opt.scale;
        a.normalize_keys = true;
        a.alpha = alpha;
        a.sink = opt.sink;
        a.kernel = kernel;
        a.features = 16;
        a.seed = 4;
        a.rope = opt.rope;
        a.rope->query_positions.clear();
        a.rope->query_position = opt.rope->query_positions[static_cast<size_t>(i)];
        const attn::AttendResult<T> row = attn::attend<T>(queries.row(i).transpose(), keys, values, a);
        REQUIRE_ALL_CLOSE(r.weights.row(i).transpose(), row.weights, tol<T>());
        REQUIRE_ALL_CLOSE(r.output.row(i).transpose(), row.output, tol<T>());
        REQUIRE_CLOSE(r.sink_weight(i), row.stats.sink_weight, tol<T>(), tol<T>());
        REQUIRE_CLOSE(r.entropy(i), row.stats.entropy, tol<T>(), tol<T>());
      }
    }
  }
  // Masks still apply: causal sparsemax with a sink; an empty window row gives the sink everything.
  attn::MatrixOptions causal;
  causal.mask = attn::Mask::causal();
  causal.alpha = 2;
  causal.sink = 0;
  const attn::MatrixResult<T> c = attn::attention_matrix<T>(queries, keys, values, causal);
  for (Index i = 0; i < 5; ++i) {
    for (Index j = i + 1; j < 6; ++j) REQUIRE(c.weights(i, j) == 0);
    REQUIRE_CLOSE(c.weights.row(i).sum() + c.sink_weight(i), 1, tol<T>(), 0);
  }
  attn::MatrixOptions window;
  window.mask = attn::Mask::window(1);
  window.sink = 1;
  const Mat<T> many = gaussian<T>(8, 4, 44);
  const attn::MatrixResult<T> w = attn::attention_matrix<T>(many, keys, values, window);
  REQUIRE(w.empty_row(7));
  REQUIRE(w.sink_weight(7) == 1);
  REQUIRE(w.output.row(7).isZero());
  // Bad options are named, and rope's query positions must match the queries.
  attn::MatrixOptions bad;
  bad.rope = attn::Rope{};
  bad.rope->query_positions = {1, 2};
  REQUIRE_INVALID(attn::attention_matrix<T>(queries, keys, values, bad),
                  "rope.queryPositions: has 2 entries but there are 5 queries");
  bad.rope.reset();
  bad.alpha = 3;
  REQUIRE_INVALID(attn::attention_matrix<T>(queries, keys, values, bad), "alpha: is 3");
}

TEMPLATE_TEST_CASE("attention_matrix: too much work is a named error before any allocation", "[matrix][limits]", float,
                   double) {
  // m · n · (d + dv + c): 4096 x 4096 fits the size limit, but not with d = 64.
  using T = TestType;
  const Mat<T> Q = Mat<T>::Zero(4096, 64);
  REQUIRE_INVALID(attn::attention_matrix<T>(Q, Q, Mat<T>(0, 0)),
                  "queries: and keys make m · n · (d + dv + c) = 4096 · 4096 · (64 + 0 + 16) = 1342177280 operations "
                  "(logits, output and c = 16 for softmax's exp); expected at most 1073741824");
  // Sorting or bisecting rows costs more per entry: entmax and top-k take c = 256.
  const Mat<T> x = Mat<T>::Zero(4096, 1);
  attn::MatrixOptions opt;
  opt.alpha = 1.5;
  REQUIRE_INVALID(attn::attention_matrix<T>(x, x, Mat<T>(0, 0), opt), "(1 + 0 + 256) = 4311744512 operations");
  opt.alpha = 1;
  opt.mask = Mask::top_k(3);
  REQUIRE_INVALID(attn::attention_matrix<T>(x, x, Mat<T>(0, 0), opt), "c = 256 to sort or bisect each row");
  // A sparse pattern gathers the keys it sees: c = 16 + d.
  opt.mask = sparse_mask(1, 0, {}, true);
  const Mat<T> q32 = Mat<T>::Zero(4096, 32);
  REQUIRE_INVALID(attn::attention_matrix<T>(q32, q32, Mat<T>(0, 0), opt), "(32 + 0 + 48) = 1342177280");
  CHECK(attn::attention_matrix<T>(Mat<T>::Zero(4, 32), q32, Mat<T>(0, 0), opt).weights.rows() == 4);
}
