// attn/view.hpp: the query's view and the joint map of queries and keys (issue #22).
#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Eigenvalues>
#include <catch2/catch.hpp>

#include "approx.hpp"
#include "attn/attend.hpp"
#include "attn/softmax.hpp"
#include "attn/view.hpp"
#include "fixtures.hpp"

using namespace attn_test;

namespace {

const Mat<double> kNoValues(0, 0);

// s · q·k_i summed directly, and the bound its rounding allows: 1e-12 of s · |q| · |k_i|.
void require_logits_match(const Vec<double>& logits, const Vec<double>& q, const Mat<double>& k, double s) {
  for (Index i = 0; i < k.rows(); ++i) {
    double dot = 0;
    for (Index j = 0; j < k.cols(); ++j) dot += q(j) * k(i, j);
    const double bound = 1e-12 * std::abs(s) * q.norm() * k.row(i).norm();
    INFO("key " << i << ": view " << logits(i) << ", direct " << s * dot);
    REQUIRE(std::abs(logits(i) - s * dot) <= bound);
  }
}

// The top eigenvector of a dense symmetric matrix (the reference the Lanczos result must match).
Vec<double> dense_top(const Eigen::MatrixXd& m, Index which = 0) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m);
  return es.eigenvectors().col(m.rows() - 1 - which);
}

Mat<double> softmax_rows(const Mat<double>& logits) {
  Mat<double> w(logits.rows(), logits.cols());
  for (Index i = 0; i < logits.rows(); ++i) w.row(i) = attn::softmax<double>(logits.row(i).transpose()).transpose();
  return w;
}

}  // namespace

TEST_CASE("view: logits are s·|q|·x and equal s·q·k for d = 1, 2, 3, 64, 4096", "[view]") {
  for (Index d : {1, 2, 3, 64, 4096}) {
    const Index n = d == 4096 ? 48 : 40;
    const Mat<double> k = gaussian<double>(n, d, 100 + static_cast<std::uint64_t>(d));
    const Mat<double> v = gaussian<double>(n, 3, 200 + static_cast<std::uint64_t>(d));
    const Vec<double> q = gaussian_vec<double>(d, 300 + static_cast<std::uint64_t>(d));
    for (double s : {1.0, 1 / std::sqrt(static_cast<double>(d)), -0.7}) {
      INFO("d = " << d << ", scale " << s);
      attn::ViewOptions opt;
      opt.scale = s;
      const attn::QueryView r = attn::query_view(q, k, v, opt);
      REQUIRE(r.x.size() == n);
      REQUIRE(r.basis.rows() == 2);
      REQUIRE(r.basis.cols() == d);
      for (Index i = 0; i < n; ++i) REQUIRE(r.logits(i) == s * r.query_norm * r.x(i));
      require_logits_match(r.logits, q, k, s);
      // The same weights and output as attend's (which computes K q directly).
      attn::AttendOptions a;
      a.scale = s;
      const attn::AttendResult<double> ref = attn::attend<double>(q, k, v, a);
      REQUIRE_ALL_CLOSE(r.weights, ref.weights, 1e-12);
      REQUIRE_ALL_CLOSE(r.output, ref.output, 1e-12);
      // The basis is orthonormal (e2 = 0 only for d = 1).
      REQUIRE_CLOSE(r.basis.row(0).norm(), 1, 1e-14, 0);
      if (d > 1) {
        REQUIRE_CLOSE(r.basis.row(1).norm(), 1, 1e-14, 0);
        REQUIRE(std::abs(r.basis.row(0).dot(r.basis.row(1))) <= 1e-14);
      } else {
        REQUIRE(r.basis.row(1).norm() == 0);
        REQUIRE(r.y.norm() == 0);
      }
      // captured and explained agree with the coordinates.
      for (Index i = 0; i < n; ++i)
        REQUIRE_CLOSE(r.captured(i), std::hypot(r.x(i), r.y(i)) / k.row(i).norm(), 1e-12, 0);
      REQUIRE_CLOSE(r.explained, (r.x.squaredNorm() + r.y.squaredNorm()) / k.squaredNorm(), 1e-12, 0);
      if (d <= 2) REQUIRE_CLOSE(r.explained, 1, 1e-12, 0);
    }
  }
}

TEST_CASE("view: every key lies on the curve w(x) = exp(s|q|x - logsumexp)", "[view]") {
  for (Index d : {2, 3, 64}) {
    const Mat<double> k = gaussian<double>(30, d, 7);
    const Vec<double> q = gaussian_vec<double>(d, 8);
    attn::ViewOptions opt;
    opt.scale = 0.8;
    const attn::QueryView r = attn::query_view(q, k, kNoValues, opt);
    const double kappa = opt.scale * r.query_norm;
    for (Index i = 0; i < k.rows(); ++i)
      REQUIRE_CLOSE(r.weights(i), std::exp(kappa * r.x(i) - r.stats.log_sum_exp), 1e-12, 0);
  }
}

TEST_CASE("view: alpha-entmax and the sink are attend's", "[view]") {
  const Mat<double> k = gaussian<double>(12, 5, 41), v = gaussian<double>(12, 2, 42);
  const Vec<double> q = gaussian_vec<double>(5, 43);
  for (double alpha : {1.0, 1.5, 2.0}) {
    attn::ViewOptions opt;
    opt.alpha = alpha;
    opt.sink = 0.3;
    opt.normalize_keys = true;
    opt.scale = 2;
    const attn::QueryView r = attn::query_view(q, k, v, opt);
    attn::AttendOptions a;
    a.alpha = alpha;
    a.sink = 0.3;
    a.normalize_keys = true;
    a.scale = 2;
    const attn::AttendResult<double> ref = attn::attend<double>(q, k, v, a);
    INFO("alpha " << alpha);
    REQUIRE_ALL_CLOSE(r.weights, ref.weights, 1e-12);
    REQUIRE_ALL_CLOSE(r.output, ref.output, 1e-12);
    REQUIRE_CLOSE(r.stats.sink_weight, ref.stats.sink_weight, 1e-12, 1e-15);
    // Unit keys: the plane holds each key's share, and every key is on the unit circle's slice.
    for (Index i = 0; i < k.rows(); ++i) REQUIRE_CLOSE(r.captured(i), std::hypot(r.x(i), r.y(i)), 1e-12, 0);
  }
}

TEST_CASE("view: for d = 2 it is the 2-D picture turned so that q points along +x", "[view]") {
  const Mat<double> k = gaussian<double>(9, 2, 51);
  for (double phi : {0.0, 0.4, 2.5, -1.9, kPi}) {
    const Vec<double> q = polar<double>(1.7, phi);
    const attn::QueryView r = attn::query_view(q, k, kNoValues);
    INFO("phi " << phi);
    REQUIRE(r.method == std::string("plane"));
    const Eigen::Matrix<double, 2, 2> back = rotation<double>(-phi);  // turns q onto +x
    for (Index i = 0; i < k.rows(); ++i) {
      const Eigen::Vector2d turned = back * k.row(i).transpose();
      REQUIRE_CLOSE(r.x(i), turned(0), 1e-13, 1e-15);
      REQUIRE_CLOSE(r.y(i), turned(1), 1e-13, 1e-15);
    }
    // A rotation, not a reflection: det(basis) = +1.
    REQUIRE_CLOSE(r.basis(0, 0) * r.basis(1, 1) - r.basis(0, 1) * r.basis(1, 0), 1, 1e-15, 0);
    // Turning the whole scene leaves the view as it is.
    const Eigen::Matrix<double, 2, 2> turn = rotation<double>(0.9);
    const Mat<double> k2 = k * turn.transpose();
    const Vec<double> q2 = turn * q;
    const attn::QueryView r2 = attn::query_view(q2, k2, kNoValues);
    REQUIRE_ALL_CLOSE(r2.x, r.x, 1e-13);
    REQUIRE_ALL_CLOSE(r2.y, r.y, 1e-13);
  }
}

TEST_CASE("view: e2 is the top eigenvector of R^T R, with a deterministic sign", "[view]") {
  for (Index d : {3, 16, 64}) {
    const Mat<double> k = gaussian<double>(200, d, 60 + static_cast<std::uint64_t>(d));
    const Vec<double> q = gaussian_vec<double>(d, 61);
    const attn::QueryView r = attn::query_view(q, k, kNoValues);
    INFO("d = " << d << ", steps " << r.steps << ", residual " << r.residual);
    REQUIRE(r.method == std::string("lanczos"));
    REQUIRE(r.residual <= 1e-8);
    const Vec<double> e1 = q / q.norm();
    const Mat<double> rr = k - (k * e1) * e1.transpose();
    const Eigen::MatrixXd m = rr.transpose() * rr;
    const Vec<double> top = dense_top(m);
    REQUIRE_CLOSE(std::abs(top.dot(r.basis.row(1).transpose())), 1, 1e-10, 0);
    // Sign: the entry of largest magnitude is positive.
    Index big = 0;
    r.basis.row(1).cwiseAbs().maxCoeff(&big);
    REQUIRE(r.basis(1, big) > 0);
    // Deterministic: the same bits again; keys in another order give the same basis.
    const attn::QueryView again = attn::query_view(q, k, kNoValues);
    REQUIRE(again.basis == r.basis);
    REQUIRE(again.y == r.y);
    const Mat<double> flipped = k.colwise().reverse();
    const attn::QueryView reordered = attn::query_view(q, flipped, kNoValues);
    REQUIRE_ALL_CLOSE(reordered.basis, r.basis, 1e-9);
    REQUIRE_ALL_CLOSE(Vec<double>(reordered.y.reverse()), r.y, 1e-8);
    // Keys twice as long: coordinates exactly twice (the power-of-two scaling is exact).
    const attn::QueryView doubled = attn::query_view(q, Mat<double>(k * 2), kNoValues);
    REQUIRE_ALL_CLOSE(doubled.x, Vec<double>(r.x * 2), 1e-12);
    REQUIRE_ALL_CLOSE(doubled.y, Vec<double>(r.y * 2), 1e-9);
  }
}

TEST_CASE("view: large inputs: d = 4096 and n = 65536", "[view]") {
  SECTION("d = 4096, n = 256") {
    const Mat<double> k = gaussian<double>(256, 4096, 71);
    const Vec<double> q = gaussian_vec<double>(4096, 72);
    const attn::QueryView r = attn::query_view(q, k, kNoValues);
    INFO("steps " << r.steps << ", residual " << r.residual);
    REQUIRE(r.method == std::string("lanczos"));
    REQUIRE(r.residual <= 1e-8);
    require_logits_match(r.logits, q, k, 1);
    // n < d: the Gram route; the same direction as the dense n x n eigenproblem gives.
    const Vec<double> e1 = q / q.norm();
    const Mat<double> rr = k - (k * e1) * e1.transpose();
    const Vec<double> g = dense_top(rr * rr.transpose());
    const Vec<double> ref = (rr.transpose() * g).normalized();
    REQUIRE_CLOSE(std::abs(ref.dot(r.basis.row(1).transpose())), 1, 1e-10, 0);
  }
  SECTION("n = 65536, d = 32") {
    const Mat<double> k = gaussian<double>(65536, 32, 73);
    const Vec<double> q = gaussian_vec<double>(32, 74);
    const attn::QueryView r = attn::query_view(q, k, kNoValues);
    INFO("steps " << r.steps << ", residual " << r.residual);
    REQUIRE(r.residual <= 1e-8);
    REQUIRE(is_distribution(r.weights, 1e-12));
    require_logits_match(r.logits, q, k, 1);
  }
}

TEST_CASE("view: degenerate inputs have a deterministic basis and no NaN", "[view]") {
  SECTION("every key parallel to q") {
    Vec<double> q(5);
    q << 1, -2, 0.5, 3, 0;
    Mat<double> k(4, 5);
    for (Index i = 0; i < 4; ++i) k.row(i) = q.transpose() * (0.5 * static_cast<double>(i) - 0.7);
    const attn::QueryView r = attn::query_view(q, k, kNoValues);
    REQUIRE(r.method == std::string("fallback"));
    // e_j with the smallest |q_j| (j = 4, q_4 = 0) needs no correction.
    REQUIRE(r.basis(1, 4) == 1);
    REQUIRE(r.y.cwiseAbs().maxCoeff() <= 1e-14);
    REQUIRE_CLOSE(r.explained, 1, 1e-12, 0);
    REQUIRE(r.captured.minCoeff() >= 1 - 1e-14);
  }
  SECTION("one key") {
    const Mat<double> k = gaussian<double>(1, 6, 81);
    const Vec<double> q = gaussian_vec<double>(6, 82);
    const attn::QueryView r = attn::query_view(q, k, kNoValues);
    REQUIRE(r.method == std::string("lanczos"));
    REQUIRE(r.weights(0) == 1);
    REQUIRE(std::abs(r.y(0)) > 1);  // the key's own remainder (sign: e2's largest entry is positive)
    REQUIRE_CLOSE(std::hypot(r.x(0), r.y(0)), k.row(0).norm(), 1e-13, 0);
    REQUIRE_CLOSE(r.captured(0), 1, 1e-13, 0);
  }
  SECTION("d = 1") {
    Mat<double> k(3, 1);
    k << 2, -1, 0;
    const attn::QueryView r = attn::query_view(Vec<double>::Constant(1, -3), k, kNoValues);
    REQUIRE(r.basis(0, 0) == -1);
    REQUIRE(r.basis(1, 0) == 0);
    REQUIRE(r.x == Vec<double>(-k.col(0)));
    REQUIRE(r.captured == Vec<double>::Ones(3));  // a zero key counts as captured
  }
  SECTION("a zero query: e1 = first axis, uniform weights") {
    const Mat<double> k = gaussian<double>(5, 4, 83);
    const attn::QueryView r = attn::query_view(Vec<double>::Zero(4), k, kNoValues);
    REQUIRE(r.basis(0, 0) == 1);
    REQUIRE(r.basis.row(0).tail(3).norm() == 0);
    REQUIRE(r.logits == Vec<double>::Zero(5));
    REQUIRE_ALL_CLOSE(r.weights, Vec<double>::Constant(5, 0.2), 1e-15);
    REQUIRE(std::abs(r.basis(1, 0)) <= 1e-15);
  }
  SECTION("all keys zero") {
    const attn::QueryView r = attn::query_view(gaussian_vec<double>(4, 84), Mat<double>::Zero(3, 4), kNoValues);
    REQUIRE(r.method == std::string("fallback"));
    REQUIRE(r.explained == 1);
    REQUIRE(r.captured == Vec<double>::Ones(3));
    REQUIRE_ALL_CLOSE(r.weights, Vec<double>::Constant(3, 1.0 / 3), 1e-15);
  }
  SECTION("extreme magnitudes stay finite") {
    const Mat<double> k = gaussian<double>(6, 5, 85) * 5e307;
    const Vec<double> q = gaussian_vec<double>(5, 86) * 5e307;
    const attn::QueryView r = attn::query_view(q, k, kNoValues);
    REQUIRE(r.logits.allFinite());
    REQUIRE(r.x.allFinite());
    REQUIRE(r.captured.allFinite());
    REQUIRE(std::isfinite(r.explained));
    REQUIRE(is_distribution(r.weights, 1e-12));
    const attn::QueryView small = attn::query_view(Vec<double>(q * 1e-300), Mat<double>(k * 1e-300), kNoValues);
    const attn::QueryView plain = attn::query_view(Vec<double>(q / 5e307), Mat<double>(k / 5e307), kNoValues);
    REQUIRE_ALL_CLOSE(small.basis, plain.basis, 1e-12);
    REQUIRE_ALL_CLOSE(r.basis, plain.basis, 1e-12);
  }
}

TEST_CASE("view: bad input is a named error", "[view]") {
  const Mat<double> k = gaussian<double>(3, 2, 91);
  const Vec<double> q = gaussian_vec<double>(2, 92);
  REQUIRE_INVALID(attn::query_view(gaussian_vec<double>(3, 1), k, kNoValues),
                  "query: has length 3 but keys have dimension d = 2");
  REQUIRE_INVALID(attn::query_view(q, Mat<double>(0, 2), kNoValues), "keys: got n = 0 keys");
  Mat<double> bad = k;
  bad(1, 0) = nan<double>();
  REQUIRE_INVALID(attn::query_view(q, bad, kNoValues), "keys: entry (1, 0) is nan");
  Vec<double> badq = q;
  badq(1) = inf<double>();
  REQUIRE_INVALID(attn::query_view(badq, k, kNoValues), "query: entry 1 is inf");
  REQUIRE_INVALID(attn::query_view(q, k, Mat<double>::Ones(2, 1)), "values: have 2 rows but there are 3 keys");
  attn::ViewOptions opt;
  opt.alpha = 3;
  REQUIRE_INVALID(attn::query_view(q, k, kNoValues, opt), "alpha");
  opt = {};
  opt.scale = nan<double>();
  REQUIRE_INVALID(attn::query_view(q, k, kNoValues, opt), "scale");
  opt = {};
  opt.normalize_keys = true;
  REQUIRE_INVALID(attn::query_view(q, Mat<double>::Zero(2, 2), kNoValues, opt), "keys");
  // The size limit is checked before any work: 2^23 + 1 rows over one number (stride 0, no copy).
  const double one = 1;
  const Eigen::Map<const Mat<double>, 0, Eigen::OuterStride<>> huge(&one, (Index(1) << 23) + 1, 1,
                                                                    Eigen::OuterStride<>(0));
  REQUIRE_INVALID(
      attn::query_view(Vec<double>::Ones(1), huge, kNoValues),
      "keys: n = 8388609 keys of d = 1 are n · d = 8388609 numbers; expected at most 8388608; use fewer keys or "
      "a smaller d");
  REQUIRE_INVALID(
      attn::joint_map(huge, Mat<double>::Ones(1, 1)),
      "queries: m = 8388609 queries and n = 1 keys of d = 1 are (m + n) · d = 8388610 numbers; expected at most "
      "8388608; use fewer queries or keys or a smaller d");
}

TEST_CASE("joint: the transform keeps every query's softmax weights", "[view][joint]") {
  for (Index d : {2, 3, 64, 512}) {
    const Mat<double> q = gaussian<double>(11, d, 400 + static_cast<std::uint64_t>(d)) * 1.5;
    Mat<double> k = gaussian<double>(17, d, 500 + static_cast<std::uint64_t>(d)) * 0.4;
    k.rowwise() += Vec<double>::Constant(d, 0.8).transpose();  // keys off-centre, shorter
    const attn::JointMap r = attn::joint_map(q, k);
    INFO("d = " << d << ", ratio " << r.ratio << ", steps " << r.steps << ", residual " << r.residual);
    REQUIRE(r.queries.rows() == 11);
    REQUIRE(r.keys.rows() == 17);
    REQUIRE(r.queries.cols() == 2);
    // The shift is the difference of the means; the ratio evens the mean norms.
    REQUIRE_ALL_CLOSE(r.shift, Vec<double>((q.colwise().mean() - k.colwise().mean()).transpose()), 1e-14);
    const Mat<double> qt = q * r.ratio;
    const Mat<double> kt = (k.rowwise() + r.shift.transpose()) / r.ratio;
    REQUIRE_CLOSE(qt.rowwise().norm().mean(), kt.rowwise().norm().mean(), 1e-12, 0);
    // Softmax weights per query are unchanged (logits shift by the constant q_i·c per row).
    const Mat<double> before = softmax_rows(q * k.transpose()), after = softmax_rows(qt * kt.transpose());
    REQUIRE_ALL_CLOSE(after, before, 1e-12);
    // The map is the PCA of the stacked transformed points.
    Mat<double> pts(28, d);
    pts << qt, kt;
    const Vec<double> mu = pts.colwise().mean().transpose();
    REQUIRE_ALL_CLOSE(r.center, mu, 1e-13);
    const Mat<double> centred = pts.rowwise() - mu.transpose();
    Mat<double> coords(28, 2);
    coords << r.queries, r.keys;
    REQUIRE_ALL_CLOSE(coords, Mat<double>(centred * r.axes.transpose()), 1e-12);
    if (d > 2) {
      REQUIRE(r.residual <= 1e-8);
      const Eigen::MatrixXd cov = centred.transpose() * centred;
      REQUIRE_CLOSE(std::abs(dense_top(cov, 0).dot(r.axes.row(0).transpose())), 1, 1e-10, 0);
      REQUIRE_CLOSE(std::abs(dense_top(cov, 1).dot(r.axes.row(1).transpose())), 1, 1e-9, 0);
    } else {
      // d = 2: the map is the centred points turned (a rotation): distances are kept.
      REQUIRE_CLOSE(r.correlation_map, r.correlation_full, 1e-12, 1e-14);
      REQUIRE_CLOSE(r.explained, 1, 1e-12, 0);
    }
    REQUIRE(std::abs(r.axes.row(0).dot(r.axes.row(1))) <= 1e-13);
    REQUIRE(r.pairs == 11 * 17);
    REQUIRE(r.correlation_full >= -1);
    REQUIRE(r.correlation_full <= 1);
    REQUIRE(r.correlation_map >= -1);
    REQUIRE(r.correlation_map <= 1);
    // Deterministic.
    const attn::JointMap again = attn::joint_map(q, k);
    REQUIRE(again.queries == r.queries);
    REQUIRE(again.correlation_map == r.correlation_map);
  }
}

TEST_CASE("joint: correlation is the Pearson r of logits and minus distances", "[view][joint]") {
  const Index d = 6;
  const Mat<double> q = gaussian<double>(5, d, 601), k = gaussian<double>(7, d, 602);
  const attn::JointMap r = attn::joint_map(q, k);
  const Mat<double> qt = q * r.ratio, kt = (k.rowwise() + r.shift.transpose()) / r.ratio;
  std::vector<double> a, full, map;
  for (Index i = 0; i < 5; ++i)
    for (Index j = 0; j < 7; ++j) {
      a.push_back(q.row(i).dot(k.row(j)));
      full.push_back(-(qt.row(i) - kt.row(j)).norm());
      map.push_back(-(r.queries.row(i) - r.keys.row(j)).norm());
    }
  const auto pearson = [](const std::vector<double>& x, const std::vector<double>& y) {
    const Eigen::Map<const Eigen::VectorXd> u(x.data(), Index(x.size())), v(y.data(), Index(y.size()));
    const Eigen::VectorXd cu = u.array() - u.mean(), cv = v.array() - v.mean();
    return cu.dot(cv) / std::sqrt(cu.squaredNorm() * cv.squaredNorm());
  };
  REQUIRE_CLOSE(r.correlation_full, pearson(a, full), 1e-12, 1e-14);
  REQUIRE_CLOSE(r.correlation_map, pearson(a, map), 1e-12, 1e-14);
  // Many pairs: a fixed-seed sample of 2^20, the same every time.
  const Mat<double> q2 = gaussian<double>(1100, 3, 603), k2 = gaussian<double>(1000, 3, 604);
  const attn::JointMap big = attn::joint_map(q2, k2);
  REQUIRE(big.pairs == attn::kMaxJointPairs);
  REQUIRE(attn::joint_map(q2, k2).correlation_full == big.correlation_full);
  REQUIRE(attn::joint_pairs(10, 10, 4096) == 100);
  REQUIRE(attn::joint_pairs(4096, 4096, 4096) == 4096);   // pairs · d <= 2^24
  REQUIRE(attn::joint_pairs(4096, 4096, 1 << 22) == 64);  // but never fewer than 64
}

TEST_CASE("joint: degenerate inputs and named errors", "[view][joint]") {
  SECTION("d = 1") {
    Mat<double> q(2, 1), k(3, 1);
    q << 1, 2;
    k << -1, 0, 4;
    const attn::JointMap r = attn::joint_map(q, k);
    REQUIRE(r.axes(0, 0) == 1);
    REQUIRE(r.axes(1, 0) == 0);
    REQUIRE(r.queries.col(1).norm() == 0);
  }
  SECTION("every point on one line, and every point the same") {
    Mat<double> q(3, 4), k(2, 4);
    const Vec<double> dir = gaussian_vec<double>(4, 611);
    for (Index i = 0; i < 3; ++i) q.row(i) = dir.transpose() * static_cast<double>(i + 1);
    for (Index j = 0; j < 2; ++j) k.row(j) = dir.transpose() * (0.5 - static_cast<double>(j));
    const attn::JointMap line = attn::joint_map(q, k);
    REQUIRE(line.queries.allFinite());
    REQUIRE(std::abs(line.axes.row(0).dot(line.axes.row(1))) <= 1e-14);
    REQUIRE_CLOSE(line.explained, 1, 1e-12, 0);
    const attn::JointMap same = attn::joint_map(Mat<double>::Ones(2, 3), Mat<double>::Ones(2, 3));
    REQUIRE(same.axes(0, 0) == 1);
    REQUIRE(same.queries.allFinite());
    REQUIRE(same.correlation_full == 0);  // constant logits: no correlation to speak of
  }
  SECTION("extreme magnitudes stay finite, and the map scales with the points") {
    const Mat<double> q = gaussian<double>(4, 5, 613), k = gaussian<double>(6, 5, 614);
    const attn::JointMap plain = attn::joint_map(q, k);
    const attn::JointMap big = attn::joint_map(Mat<double>(q * 0x1p1020), Mat<double>(k * 0x1p1020));
    REQUIRE(big.queries.allFinite());
    REQUIRE(big.keys.allFinite());
    REQUIRE(big.shift.allFinite());
    REQUIRE_ALL_CLOSE(Mat<double>(big.queries * 0x1p-1020), plain.queries, 1e-12);
    REQUIRE_CLOSE(big.correlation_map, plain.correlation_map, 1e-12, 1e-14);
  }
  SECTION("a zero query set keeps the ratio at 1") {
    const attn::JointMap r = attn::joint_map(Mat<double>::Zero(2, 3), gaussian<double>(3, 3, 612));
    REQUIRE(r.ratio == 1);
    REQUIRE(r.queries.allFinite());
  }
  SECTION("errors") {
    REQUIRE_INVALID(attn::joint_map(Mat<double>::Ones(2, 3), Mat<double>::Ones(2, 2)),
                    "queries: have dimension 3 but keys have d = 2");
    REQUIRE_INVALID(attn::joint_map(Mat<double>(0, 2), Mat<double>::Ones(2, 2)), "queries: got m = 0");
    REQUIRE_INVALID(attn::joint_map(Mat<double>::Ones(2, 2), Mat<double>(0, 2)), "keys: got n = 0");
    Mat<double> bad = Mat<double>::Ones(2, 2);
    bad(0, 1) = nan<double>();
    REQUIRE_INVALID(attn::joint_map(bad, Mat<double>::Ones(2, 2)), "queries: entry (0, 1) is nan");
    REQUIRE_INVALID(attn::joint_map(Mat<double>::Ones(2, 2), bad), "keys: entry (0, 1) is nan");
  }
}
