// Deterministic key and value layouts for the playground. The same seed gives
// bit-identical numbers in the native and WASM builds: we use our own PRNG and
// our own sin/cos/log (only +, -, *, /, sqrt, all exactly rounded by IEEE 754),
// never std:: distributions or libm, which differ between libstdc++/glibc and
// Emscripten's libc++/musl.
#pragma once

#include <cstdint>

#include "attn/types.hpp"

namespace attn {

// SplitMix64: tiny, fast, and passes BigCrush; enough for drawing layouts.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next_u64();
  double uniform();  // [0, 1) with 53 random bits
  double uniform(double lo, double hi);
  double normal();  // standard normal (Marsaglia polar method)

 private:
  std::uint64_t state_;
};

// Deterministic elementary functions (see the top of this file). Error < 2 ulp-ish
// (about 1e-15 absolute) on the ranges layouts use. |x| >= 1647000 is first reduced
// exactly mod the double nearest 2π (fmod), so every finite x gives a finite result
// with sin² + cos² = 1 (not libm's sin of such x, which reduces by the true π).
double det_sin(double x);
double det_cos(double x);
double det_log(double x);  // x > 0

// Every layout returns an (n, 2) matrix of points unless it says otherwise.
// n evenly spaced on the unit circle: angle_i = phase + 2π i / n.
Mat<double> layout_even(Index n, double phase = 0.0);
// n angles uniform on [0, 2π), in draw order.
Mat<double> layout_random(Index n, std::uint64_t seed);
// n keys in k clusters: cluster centres uniform on the circle, each key at
// centre angle + spread · N(0,1) radians; key i belongs to cluster i mod k.
Mat<double> layout_clusters(Index n, Index clusters, double spread, std::uint64_t seed);
// n random unit vectors in d dimensions (isotropic: normalised Gaussian vectors), (n, d).
Mat<double> layout_sphere(Index n, Index d, std::uint64_t seed);
// n random 2D values, uniform in the square [-1, 1]².
Mat<double> layout_values(Index n, std::uint64_t seed);
// n random entries N(0, 1), shape (n, d): the "random query and keys" of the √d story.
Mat<double> layout_gaussian(Index n, Index d, std::uint64_t seed);

// Angle in [-π, π] of each 2D row (uses std::atan2: for display, not bit-exactness).
Vec<double> angles_of(MatCRef<double> points);

}  // namespace attn
