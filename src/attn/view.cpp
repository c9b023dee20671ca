#include "attn/view.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <vector>

#include <Eigen/Eigenvalues>

#include "attn/attend.hpp"
#include "attn/cold.hpp"
#include "attn/entmax.hpp"
#include "attn/errors.hpp"
#include "attn/layout.hpp"

ATTN_COLD_BEGIN  // attn/cold.hpp: a view is computed when a setting changes, not per frame

    namespace attn {
  namespace {

  constexpr double kMax = std::numeric_limits<double>::max();

  // B = f · A − u wᵀ, applied as products, never formed. A: (r, d), u: (r), w: (d), f a power
  // of two (exact), so Bᵀ B stays finite for keys near ±max.
  struct Operator {
    const MatCRef<double>& a;
    const Vec<double>& u;
    const Vec<double>& w;
    double f;

    Index rows() const { return a.rows(); }
    Index cols() const { return a.cols(); }
    Vec<double> apply(const Vec<double>& v) const {  // (d) -> (r)
      const Vec<double> vf = v * f;
      return a * vf - u * w.dot(v);
    }
    Vec<double> apply_t(const Vec<double>& z) const {  // (r) -> (d)
      const Vec<double> zf = z * f;
      return a.transpose() * zf - w * u.dot(z);
    }
    Vec<double> gram(const Vec<double>& v) const { return apply_t(apply(v)); }  // Bᵀ B v
  };

  // 2^e <= the largest |entry| < 2^(e+1): the exact scale the operators divide by, so every
  // scaled entry is below 2 (1 for all zeros; 2^1023 at most, never inf).
  double power_of_two_scale(double biggest) {
    if (!(biggest > 0)) return 1;
    int e = 0;
    std::frexp(biggest, &e);  // biggest = m · 2^e, 0.5 <= m < 1
    return std::ldexp(1.0, e - 1);
  }

  // v or −v, whichever has its entry of largest magnitude (the first such) positive.
  void fix_sign(Vec<double>& v) {
    Index best = 0;
    for (Index i = 1; i < v.size(); ++i)
      if (std::abs(v(i)) > std::abs(v(best))) best = i;
    if (v(best) < 0) v = -v;
  }

  // A unit vector ⟂ e (unit): the basis vector e_j with the smallest |e_j| (the first such), made
  // orthogonal to e. d = 1 has none: the zero vector.
  Vec<double> orthogonal_fallback(const Vec<double>& e) {
    const Index d = e.size();
    Vec<double> v = Vec<double>::Zero(d);
    if (d < 2) return v;
    Index j = 0;
    for (Index i = 1; i < d; ++i)
      if (std::abs(e(i)) < std::abs(e(j))) j = i;
    v(j) = 1;
    v -= e * e(j);
    v -= e * e.dot(v);  // twice is enough (Kahan)
    return v / v.norm();
  }

  struct Directions {
    std::vector<Vec<double>> vectors;  // unit (d), top eigenvectors of Bᵀ B, largest first
    std::vector<double> values;        // their Ritz values
    Index steps = 0;
  };

  // The top `count` (1 or 2) eigenvectors of M = Bᵀ B by Lanczos with full reorthogonalisation,
  // in the smaller of the two spaces: M itself (d) or G = B Bᵀ (r rows), whose eigenvectors g
  // give M's as Bᵀ g. Start: a fixed N(0, 1) vector (attn::Rng seed 22), never orthogonal to
  // what it seeks in practice. Stops when every wanted Ritz pair has residual <= tol · λ_top,
  // when the Krylov space is invariant (exact), or after kMaxLanczosSteps.
  Directions top_directions(const Operator& b, int count) {
    const bool wide = b.rows() < b.cols();
    const Index dim = wide ? b.rows() : b.cols();
    const auto op = [&](const Vec<double>& v) -> Vec<double> { return wide ? b.apply(b.apply_t(v)) : b.gram(v); };
    const Index kmax = std::min(kMaxLanczosSteps, dim);
    Eigen::MatrixXd v(dim, kmax);  // the Lanczos basis, one column per step
    std::vector<double> alpha, beta;
    Rng rng(22);
    Vec<double> start(dim);
    for (Index i = 0; i < dim; ++i) start(i) = rng.normal();
    v.col(0) = start / start.norm();
    Eigen::MatrixXd ritz;  // eigenvectors of the tridiagonal T
    Eigen::VectorXd theta;
    Directions out;
    for (Index j = 0; j < kmax; ++j) {
      Vec<double> w = op(v.col(j));
      alpha.push_back(v.col(j).dot(w));
      for (int pass = 0; pass < 2; ++pass) w -= v.leftCols(j + 1) * (v.leftCols(j + 1).transpose() * w);
      const double bj = w.norm();
      out.steps = j + 1;
      // T: the tridiagonal (alpha on the diagonal, beta beside it) = Vᵀ M V.
      const Eigen::VectorXd diag = Eigen::Map<const Eigen::VectorXd>(alpha.data(), j + 1);
      const Eigen::VectorXd sub = Eigen::Map<const Eigen::VectorXd>(beta.data(), j);
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;
      es.computeFromTridiagonal(diag, sub, Eigen::ComputeEigenvectors);
      theta = es.eigenvalues();  // ascending
      ritz = es.eigenvectors();
      const double top = std::max(theta(j), 0.0);
      bool converged = true;
      for (int c = 0; c < count && c <= j; ++c)
        converged = converged && bj * std::abs(ritz(j, j - c)) <= kViewTolerance * top;
      if (j + 1 < count && j + 1 < dim) converged = false;
      if (converged || bj <= 1e-14 * top || bj == 0 || j + 1 == kmax) break;
      beta.push_back(bj);
      v.col(j + 1) = w / bj;
    }
    const Index k = out.steps;
    for (int c = 0; c < count && c < k; ++c) {
      Vec<double> g = v.leftCols(k) * ritz.col(k - 1 - c);
      if (wide) g = b.apply_t(g);
      const double len = g.norm();
      out.vectors.push_back(len > 0 ? Vec<double>(g / len) : Vec<double>(Vec<double>::Zero(b.cols())));
      out.values.push_back(std::max(theta(k - 1 - c), 0.0));
    }
    return out;
  }

  // |M e − λ e| / λ with λ = eᵀ M e = |B e|² (0 when λ is 0).
  double relative_residual(const Operator& b, const Vec<double>& e) {
    const Vec<double> be = b.apply(e);
    const double lambda = be.squaredNorm();
    if (!(lambda > 0)) return 0;
    return (b.apply_t(be) - e * lambda).norm() / lambda;
  }

  // The product of finite factors, saturating at ±max instead of overflowing (logits like attend's).
  double saturating_product(std::initializer_list<double> factors) {
    double p = 1;
    for (double x : factors) p *= x;
    if (std::isfinite(p)) return p;
    bool negative = false;
    double log_mag = 0;
    for (double x : factors) {
      if (x == 0) return 0;
      negative = negative != (x < 0);
      log_mag += std::log(std::abs(x));
    }
    const double mag = log_mag >= std::log(kMax) ? kMax : std::exp(log_mag);
    return negative ? -mag : mag;
  }

  double saturate(double x) { return std::isfinite(x) ? x : std::copysign(kMax, x); }

  void check_entries(const char* field, double entries, const std::string& what, const char* fewer) {
    if (entries > kMaxViewEntries)
      throw invalid_argument(field, detail::cat(what, " = ", entries, " numbers; expected at most ", kMaxViewEntries,
                                                "; use fewer ", fewer, " or a smaller d"));
  }

  // Pearson correlation of a and b; 0 when either is constant.
  double pearson(const std::vector<double>& a, const std::vector<double>& b) {
    const double n = static_cast<double>(a.size());
    double ma = 0, mb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      ma += a[i] / n;
      mb += b[i] / n;
    }
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
    if (!(saa > 0) || !(sbb > 0)) return 0;
    return std::max(-1.0, std::min(1.0, sab / std::sqrt(saa * sbb)));
  }

  }  // namespace

  QueryView query_view(VecCRef<double> query, MatCRef<double> keys, MatCRef<double> values, const ViewOptions& opt) {
    const Index n = keys.rows(), d = keys.cols();
    check_entries("keys", static_cast<double>(n) * static_cast<double>(d),
                  detail::cat("n = ", n, " keys of d = ", d, " are n · d"), "keys");
    validate_keys_values<double>(keys, values, opt.scale);
    if (query.size() != d)
      throw invalid_argument("query", detail::cat("has length ", query.size(), " but keys have dimension d = ", d,
                                                  "; expected equal lengths"));
    detail::require_all_finite("query", query);
    validate_alpha(opt.alpha);
    validate_sink(opt.sink);

    const Mat<double> unit = opt.normalize_keys ? unit_rows<double>(keys) : Mat<double>(0, 0);
    const MatCRef<double> k = opt.normalize_keys ? MatCRef<double>(unit) : keys;  // K: (n, d)

    QueryView r;
    // e1 = q / |q| from q / 2^e (exact), so a q near ±max has a direction too.
    const double qscale = power_of_two_scale(query.cwiseAbs().maxCoeff());
    const Vec<double> qs = query / qscale;
    const double qs_norm = qs.norm();
    r.query_norm = saturate(qs_norm * qscale);
    Vec<double> e1 = Vec<double>::Zero(d);
    if (qs_norm > 0)
      e1 = qs / qs_norm;
    else
      e1(0) = 1;  // a zero query has no direction: the first axis, and every logit is 0

    // Keys in units of kscale = 2^e (exact): x_s = K e1 / 2^e, R_s = K / 2^e − x_s e1ᵀ. Keys of
    // extreme size are copied scaled, so neither K e1 nor a scaled vector leaves double range.
    const double kscale = power_of_two_scale(k.cwiseAbs().maxCoeff());
    const bool extreme = kscale > 0x1p400 || kscale < 0x1p-400;
    const Mat<double> scaled = extreme ? Mat<double>(k / kscale) : Mat<double>(0, 0);
    const MatCRef<double> ks = extreme ? MatCRef<double>(scaled) : k;
    const double f = extreme ? 1.0 : 1 / kscale;  // ks · f = K / 2^e
    const Vec<double> xs = (ks * e1) * f;         // (n)
    Vec<double> e2 = Vec<double>::Zero(d);
    r.method = "plane";
    if (d == 1) {
      r.method = "fallback";
    } else if (d == 2) {
      e2 << 0.0 - e1(1), e1(0);  // +90°: a rotation of the 2-D picture, never a reflection
    } else {
      const Operator rop{ks, xs, e1, f};  // R / 2^e
      const Directions top = top_directions(rop, 1);
      r.steps = top.steps;
      const double total = (ks * f).squaredNorm();  // Σ |k_i|² in the same units
      // Nothing beside q (beyond rounding): every key is parallel to q, or zero.
      const bool flat = top.vectors.empty() || !(top.values[0] > 1e-20 * total);
      if (!flat) {
        e2 = top.vectors[0];
        e2 -= e1 * e1.dot(e2);  // exactly ⟂ e1 up to rounding
        e2 /= e2.norm();
        fix_sign(e2);
        r.residual = relative_residual(rop, e2);
        r.method = "lanczos";
      } else {
        e2 = orthogonal_fallback(e1);
        fix_sign(e2);
        r.method = "fallback";
      }
    }
    r.basis.resize(2, d);
    r.basis.row(0) = e1.transpose();
    r.basis.row(1) = e2.transpose();

    const Vec<double> ys = (ks * e2) * f;
    r.x.resize(n);
    r.y.resize(n);
    r.logits.resize(n);
    r.captured.resize(n);
    double in_plane = 0, total = 0;
    for (Index i = 0; i < n; ++i) {
      r.x(i) = saturate(xs(i) * kscale);
      r.y(i) = saturate(ys(i) * kscale);
      // logit = scale · |q| · x_i, each factor finite; only the product can overflow.
      r.logits(i) = qs_norm > 0 ? saturating_product({opt.scale, qs_norm, qscale, xs(i), kscale}) : 0.0;
      const double len = (ks.row(i) * f).norm();
      const double plane = std::hypot(xs(i), ys(i));
      r.captured(i) = len > 0 ? std::min(1.0, plane / len) : 1.0;
      in_plane += xs(i) * xs(i) + ys(i) * ys(i);
      total += len * len;
    }
    r.explained = total > 0 ? std::min(1.0, in_plane / total) : 1.0;

    r.weights.resize(n);
    r.stats = entmax_into<double>(r.logits, opt.alpha, opt.sink, r.weights);
    if (values.rows() != 0) r.output = values.transpose() * r.weights;  // (dv) = Vᵀ (dv, n) · w (n)
    return r;
  }

  Index joint_pairs(Index m, Index n, Index d) {
    const double all = static_cast<double>(m) * static_cast<double>(n);
    const double by_work = std::max(64.0, std::floor(kMaxJointPairWork / static_cast<double>(std::max<Index>(d, 1))));
    return static_cast<Index>(std::min({all, static_cast<double>(kMaxJointPairs), by_work}));
  }

  JointMap joint_map(MatCRef<double> queries, MatCRef<double> keys) {
    const Index m = queries.rows(), n = keys.rows(), d = keys.cols();
    if (m == 0) throw invalid_argument("queries", "got m = 0 queries; expected at least 1");
    if (n == 0) throw invalid_argument("keys", "got n = 0 keys; expected at least 1");
    if (d == 0) throw invalid_argument("keys", "have dimension d = 0; expected d >= 1");
    if (queries.cols() != d)
      throw invalid_argument("queries", detail::cat("have dimension ", queries.cols(), " but keys have d = ", d,
                                                    "; expected equal dimensions"));
    check_entries("queries", static_cast<double>(m + n) * static_cast<double>(d),
                  detail::cat("m = ", m, " queries and n = ", n, " keys of d = ", d, " are (m + n) · d"),
                  "queries or keys");
    detail::require_all_finite("queries", queries);
    detail::require_all_finite("keys", keys);

    // Everything in units of 2^e (exact), e from the largest entry: nothing overflows.
    const double g = power_of_two_scale(std::max(queries.cwiseAbs().maxCoeff(), keys.cwiseAbs().maxCoeff()));
    const double f = 1 / g;
    const Vec<double> qmean = (queries * f).colwise().mean().transpose();  // (d)
    const Vec<double> kmean = (keys * f).colwise().mean().transpose();
    const Vec<double> c = qmean - kmean;  // the shift, in units of g

    double qlen = 0, klen = 0;  // mean |q|, mean |k + c|, in units of g
    for (Index i = 0; i < m; ++i) qlen += (queries.row(i) * f).norm() / static_cast<double>(m);
    for (Index j = 0; j < n; ++j) klen += (keys.row(j) * f + c.transpose()).norm() / static_cast<double>(n);
    const double a = qlen > 0 && klen > 0 ? std::sqrt(klen / qlen) : 1.0;

    JointMap r;
    r.ratio = a;
    r.shift.resize(d);
    for (Index j = 0; j < d; ++j) r.shift(j) = saturate(c(j) * g);

    // P: (m + n, d) = [a Q; (K + c) / a] in units of g; centre μ; B = P − 1 μᵀ.
    Mat<double> p(m + n, d);
    p.topRows(m) = queries * (f * a);
    p.bottomRows(n) = (keys * f).rowwise() + c.transpose();
    p.bottomRows(n) /= a;
    const Vec<double> mu = p.colwise().mean().transpose();
    const Vec<double> ones = Vec<double>::Ones(m + n);
    r.center.resize(d);
    for (Index j = 0; j < d; ++j) r.center(j) = saturate(mu(j) * g);

    const MatCRef<double> pref(p);
    const Operator bop{pref, ones, mu, 1.0};
    const double variance = (p.rowwise() - mu.transpose()).squaredNorm();
    const double reference = p.squaredNorm();  // rounding is relative to the points, not to their spread
    std::vector<Vec<double>> axes;
    if (d == 1) {
      axes = {Vec<double>::Ones(1), Vec<double>::Zero(1)};
    } else {
      const Directions top = top_directions(bop, 2);
      r.steps = top.steps;
      const auto real = [&](size_t c2) {
        return c2 < top.vectors.size() && top.values[c2] > 1e-20 * reference && top.vectors[c2].norm() > 0;
      };
      Vec<double> a1 = real(0) ? top.vectors[0] : Vec<double>(Vec<double>::Unit(d, 0));
      fix_sign(a1);
      Vec<double> a2;
      if (d == 2) {
        a2 = Vec<double>(2);
        a2 << 0.0 - a1(1), a1(0);  // a rotation of the plane, never a reflection
      } else if (real(0) && real(1)) {
        a2 = top.vectors[1];
        a2 -= a1 * a1.dot(a2);
        a2 /= a2.norm();
        fix_sign(a2);
      } else {
        a2 = orthogonal_fallback(a1);
        fix_sign(a2);
      }
      if (real(0)) r.residual = relative_residual(bop, a1);
      if (real(0) && real(1) && d > 2) r.residual = std::max(r.residual, relative_residual(bop, a2));
      axes = {a1, a2};
    }
    r.axes.resize(2, d);
    r.axes.row(0) = axes[0].transpose();
    r.axes.row(1) = axes[1].transpose();

    // Map coordinates: (P − 1 μᵀ) axesᵀ, in units of g.
    Mat<double> coords = p * r.axes.transpose();  // (m + n, 2)
    coords.rowwise() -= (r.axes * mu).transpose();
    double captured = coords.squaredNorm();
    r.explained = variance > 0 ? std::min(1.0, captured / variance) : 1.0;
    r.queries = coords.topRows(m).unaryExpr([g](double v) { return saturate(v * g); });
    r.keys = coords.bottomRows(n).unaryExpr([g](double v) { return saturate(v * g); });

    // The correlation over the pairs: every pair, or a fixed-seed draw of them.
    r.pairs = joint_pairs(m, n, d);
    const bool every = static_cast<double>(r.pairs) == static_cast<double>(m) * static_cast<double>(n);
    std::vector<double> logit(static_cast<size_t>(r.pairs)), full(logit.size()), map(logit.size());
    Rng rng(22);
    for (Index t = 0; t < r.pairs; ++t) {
      const Index i = every ? t / n : static_cast<Index>(rng.next_u64() % static_cast<std::uint64_t>(m));
      const Index j = every ? t % n : static_cast<Index>(rng.next_u64() % static_cast<std::uint64_t>(n));
      const size_t s = static_cast<size_t>(t);
      logit[s] = (queries.row(i) * f).dot(keys.row(j) * f);  // q_i·k_j / g² (Pearson ignores the unit)
      full[s] = -(p.row(i) - p.row(m + j)).norm();
      map[s] = -(coords.row(i) - coords.row(m + j)).norm();
    }
    r.correlation_full = pearson(logit, full);
    r.correlation_map = pearson(logit, map);
    return r;
  }

}  // namespace attn

ATTN_COLD_END
