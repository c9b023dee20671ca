#include "attn/layout.hpp"

#include <cmath>

#include "attn/cold.hpp"
#include "attn/errors.hpp"

ATTN_COLD_BEGIN  // attn/cold.hpp: size over speed; nothing here is on the plain softmax path

    namespace attn {
  namespace {

  constexpr double kTwoPi = 6.28318530717958647692;
  constexpr Index kMaxPoints = Index(1) << 24;  // 16,777,216: far above any plot, below memory trouble

  // π/2 split so that k · kPio2Hi is exact for |k| < 2^20 (fdlibm's Cody–Waite constants).
  constexpr double kPio2Hi = 1.57079632673412561417e+00;
  constexpr double kPio2Lo = 6.07710050650619224932e-11;
  constexpr double kTwoOverPi = 6.36619772367581382433e-01;

  // Taylor kernels on |r| <= π/4; the first omitted term is below 1e-19.
  double sin_kernel(double r) {
    const double r2 = r * r;
    double p = -1.0 / 1307674368000.0;  // -1/15!
    p = p * r2 + 1.0 / 6227020800.0;    // 1/13!
    p = p * r2 - 1.0 / 39916800.0;      // -1/11!
    p = p * r2 + 1.0 / 362880.0;        // 1/9!
    p = p * r2 - 1.0 / 5040.0;          // -1/7!
    p = p * r2 + 1.0 / 120.0;           // 1/5!
    p = p * r2 - 1.0 / 6.0;             // -1/3!
    return r + r * r2 * p;
  }
  double cos_kernel(double r) {
    const double r2 = r * r;
    double p = 1.0 / 20922789888000.0;  // 1/16!
    p = p * r2 - 1.0 / 87178291200.0;   // -1/14!
    p = p * r2 + 1.0 / 479001600.0;     // 1/12!
    p = p * r2 - 1.0 / 3628800.0;       // -1/10!
    p = p * r2 + 1.0 / 40320.0;         // 1/8!
    p = p * r2 - 1.0 / 720.0;           // -1/6!
    p = p * r2 + 1.0 / 24.0;            // 1/4!
    return 1.0 - 0.5 * r2 + r2 * r2 * p;
  }

  // Below this |x| the Cody–Waite split in reduce() is exact (|k| < 2^20, k · π/2 < 1647099.3).
  constexpr double kExactBelow = 1647000.0;

  // x mod 2π (the double kTwoPi) for large |x|, exactly: fmod is exact in IEEE 754 (the same
  // bits in every libc), so the result is deterministic and finite for every finite x.
  // Small |x| is returned unchanged, keeping the bits layouts always had there.
  double wrap(double x) { return std::abs(x) < kExactBelow ? x : std::fmod(x, kTwoPi); }

  // x = k · π/2 + r with |r| <= π/4 (approximately); returns k mod 4.
  int reduce(double x, double& r) {
    x = wrap(x);
    const double k = std::floor(x * kTwoOverPi + 0.5);
    r = (x - k * kPio2Hi) - k * kPio2Lo;
    const double q = k - 4.0 * std::floor(k / 4.0);
    return static_cast<int>(q);
  }

  void check_count(const char* name, Index n) {
    if (n < 1 || n > kMaxPoints)
      throw invalid_argument(name, detail::cat("is ", n, "; expected 1 <= ", name, " <= ", kMaxPoints));
  }

  Mat<double> points_at(const Vec<double>& angles) {
    Mat<double> p(angles.size(), 2);  // (n, 2)
    for (Index i = 0; i < angles.size(); ++i) {
      p(i, 0) = det_cos(angles(i));
      p(i, 1) = det_sin(angles(i));
    }
    return p;
  }

  }  // namespace

  std::uint64_t Rng::next_u64() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  double Rng::normal() {
    for (;;) {
      const double u = uniform(-1.0, 1.0), v = uniform(-1.0, 1.0);
      const double s = u * u + v * v;
      if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * det_log(s) / s);
    }
  }

  double det_sin(double x) {
    double r;
    switch (reduce(x, r)) {
      case 0:
        return sin_kernel(r);
      case 1:
        return cos_kernel(r);
      case 2:
        return -sin_kernel(r);
      default:
        return -cos_kernel(r);
    }
  }

  double det_cos(double x) {
    double r;
    switch (reduce(x, r)) {
      case 0:
        return cos_kernel(r);
      case 1:
        return -sin_kernel(r);
      case 2:
        return -cos_kernel(r);
      default:
        return sin_kernel(r);
    }
  }

  double det_log(double x) {
    if (!(x > 0) || !std::isfinite(x))
      throw invalid_argument("x", detail::cat("is ", x, "; det_log expects a finite positive number"));
    int e = 0;
    double m = std::frexp(x, &e);  // exact: x = m · 2^e, m in [0.5, 1)
    if (m < 0.70710678118654752440) {
      m *= 2.0;
      --e;
    }
    // log m = 2 atanh(f), f = (m − 1)/(m + 1), |f| <= 0.1716; 12 odd terms reach 1e-18.
    const double f = (m - 1.0) / (m + 1.0);
    const double f2 = f * f;
    double s = 1.0 / 23.0;
    for (int k = 21; k >= 1; k -= 2) s = s * f2 + 1.0 / k;
    constexpr double kLn2Hi = 6.93147180369123816490e-01;  // fdlibm's split of ln 2
    constexpr double kLn2Lo = 1.90821492927058770002e-10;
    return (e * kLn2Hi + (2.0 * f * s + e * kLn2Lo));
  }

  Mat<double> layout_even(Index n, double phase) {
    check_count("n", n);
    detail::require_finite("phase", phase);
    Vec<double> a(n);
    // A huge phase is taken mod 2π first: added as it is, it would swallow the spacing 2π/n.
    const double p = wrap(phase);
    for (Index i = 0; i < n; ++i) a(i) = p + kTwoPi * static_cast<double>(i) / static_cast<double>(n);
    return points_at(a);
  }

  Mat<double> layout_random(Index n, std::uint64_t seed) {
    check_count("n", n);
    Rng rng(seed);
    Vec<double> a(n);
    for (Index i = 0; i < n; ++i) a(i) = kTwoPi * rng.uniform();
    return points_at(a);
  }

  Mat<double> layout_clusters(Index n, Index clusters, double spread, std::uint64_t seed) {
    check_count("n", n);
    if (clusters < 1 || clusters > n)
      throw invalid_argument("clusters", detail::cat("is ", clusters, "; expected 1 <= clusters <= n = ", n));
    detail::require_finite("spread", spread);
    if (spread < 0) throw invalid_argument("spread", detail::cat("is ", spread, "; expected spread >= 0 (radians)"));
    Rng rng(seed);
    Vec<double> centre(clusters);
    for (Index c = 0; c < clusters; ++c) centre(c) = kTwoPi * rng.uniform();
    Vec<double> a(n);
    for (Index i = 0; i < n; ++i) {
      const double z = rng.normal();  // |z| < 40 (Marsaglia's polar method with 53-bit uniforms)
      double t = spread * z;
      if (!std::isfinite(t)) {
        // spread near DBL_MAX: the offset overflows. Its value mod 2π is still exact:
        // 64 · y with y = (spread / 64) · z (the same rounding), reduced before and after.
        const double y = (spread * 0x1.0p-6) * z;
        t = std::fmod(std::fmod(y, kTwoPi) * 64.0, kTwoPi);
      }
      a(i) = centre(i % clusters) + wrap(t);
    }
    return points_at(a);
  }

  static void check_size(Index n, Index d) {
    check_count("n", n);
    check_count("d", d);
    if (n > kMaxPoints / d)
      throw invalid_argument("n", detail::cat("· d is ", n, " · ", d, "; expected at most ", kMaxPoints, " numbers"));
  }

  Mat<double> layout_sphere(Index n, Index d, std::uint64_t seed) {
    check_size(n, d);
    Rng rng(seed);
    Mat<double> p(n, d);  // (n, d), unit rows
    for (Index i = 0; i < n; ++i) {
      double norm2 = 0;
      do {
        // A plain loop, not Eigen's squaredNorm: its SIMD reduction order differs
        // between x86 and WASM, and these bits must match.
        norm2 = 0;
        for (Index j = 0; j < d; ++j) {
          p(i, j) = rng.normal();
          norm2 += p(i, j) * p(i, j);
        }
      } while (norm2 == 0);
      p.row(i) /= std::sqrt(norm2);
    }
    return p;
  }

  Mat<double> layout_values(Index n, std::uint64_t seed) {
    check_count("n", n);
    Rng rng(seed);
    Mat<double> p(n, 2);
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < 2; ++j) p(i, j) = rng.uniform(-1.0, 1.0);
    return p;
  }

  Mat<double> layout_gaussian(Index n, Index d, std::uint64_t seed) {
    check_size(n, d);
    Rng rng(seed);
    Mat<double> p(n, d);
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < d; ++j) p(i, j) = rng.normal();
    return p;
  }

  Vec<double> angles_of(MatCRef<double> points) {
    if (points.cols() != 2)
      throw invalid_argument("points", detail::cat("have dimension ", points.cols(), "; angles need d = 2"));
    Vec<double> a(points.rows());
    for (Index i = 0; i < points.rows(); ++i) a(i) = std::atan2(points(i, 1), points(i, 0));
    return a;
  }

}  // namespace attn

ATTN_COLD_END
