// The one shared comparison helper of the test suite.
//
// Margins (stated once, used everywhere through tol<T>()):
//   double: 1e-12 - thousands of ulps at 1.0, ample for the O(n) sums these tests do,
//           yet a wrong formula (missing term, wrong sign, off-by-one key) is off by far more.
//   float : 2e-5  - about 170 float ulps at 1.0 (float eps = 1.2e-7), for the same sums.
// Tests that need something else say so where they do it.
#pragma once

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <ostream>
#include <type_traits>

#include <Eigen/Core>
#include <catch2/catch.hpp>

namespace attn_test {

template <typename T>
constexpr double tol() {
  return std::is_same<T, float>::value ? 2e-5 : 1e-12;
}

// True when |a - b| <= max(abs, rel * max(|a|, |b|)). NaN is never close to anything.
inline bool close(double a, double b, double rel, double abs = 0.0) {
  if (std::isnan(a) || std::isnan(b)) return false;
  if (a == b) return true;  // also equal infinities
  const double diff = std::fabs(a - b);
  return diff <= std::max(abs, rel * std::max(std::fabs(a), std::fabs(b)));
}

// The largest elementwise |a - b| and where it is (llm.c-style "max diff" report).
struct Diff {
  double max = 0.0;
  Eigen::Index row = -1, col = -1;
  bool shape_mismatch = false;
};

inline std::ostream& operator<<(std::ostream& os, const Diff& d) {
  if (d.shape_mismatch) return os << "shape mismatch";
  return os << "max |a - b| = " << d.max << " at (" << d.row << ", " << d.col << ")";
}

// Works for any two Eigen arrays of the same shape (float and double mixed).
// A shape mismatch or a NaN on either side gives +inf, so it can never pass.
template <typename A, typename B>
Diff max_abs_diff(const Eigen::DenseBase<A>& a, const Eigen::DenseBase<B>& b) {
  Diff d;
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    d.max = std::numeric_limits<double>::infinity();
    d.shape_mismatch = true;
    return d;
  }
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
      const double x = static_cast<double>(a.derived().coeff(i, j));
      const double y = static_cast<double>(b.derived().coeff(i, j));
      double diff = std::fabs(x - y);
      if (std::isnan(diff)) diff = (x == y) ? 0.0 : std::numeric_limits<double>::infinity();
      if (d.row < 0 || diff > d.max) d = Diff{diff, i, j, false};
    }
  if (d.row < 0) d.max = 0.0;  // empty arrays
  return d;
}

}  // namespace attn_test

// Two arrays agree within `tolerance` (absolute). The largest difference and its
// position are shown on failure, and with `-s` for passing checks too.
#define REQUIRE_ALL_CLOSE(a, b, tolerance)                                                                  \
  do {                                                                                                      \
    const ::attn_test::Diff attn_diff_ = ::attn_test::max_abs_diff((a), (b));                               \
    INFO(std::setprecision(17) << #a " vs " #b ": " << attn_diff_ << " (tolerance " << (tolerance) << ")"); \
    REQUIRE(attn_diff_.max <= (tolerance));                                                                 \
  } while (0)

#define CHECK_ALL_CLOSE(a, b, tolerance)                                                                    \
  do {                                                                                                      \
    const ::attn_test::Diff attn_diff_ = ::attn_test::max_abs_diff((a), (b));                               \
    INFO(std::setprecision(17) << #a " vs " #b ": " << attn_diff_ << " (tolerance " << (tolerance) << ")"); \
    CHECK(attn_diff_.max <= (tolerance));                                                                   \
  } while (0)

// A scalar agrees with an expected value (relative `rel`, absolute floor `abs`).
#define REQUIRE_CLOSE(actual, expected, rel, abs)                                                           \
  do {                                                                                                      \
    const double attn_a_ = static_cast<double>(actual);                                                     \
    const double attn_e_ = static_cast<double>(expected);                                                   \
    INFO(std::setprecision(17) << #actual " = " << attn_a_ << ", expected " << attn_e_ << " (rel " << (rel) \
                               << ", abs " << (abs) << ")");                                                \
    REQUIRE(::attn_test::close(attn_a_, attn_e_, (rel), (abs)));                                            \
  } while (0)

#define CHECK_CLOSE(actual, expected, rel, abs)                                                             \
  do {                                                                                                      \
    const double attn_a_ = static_cast<double>(actual);                                                     \
    const double attn_e_ = static_cast<double>(expected);                                                   \
    INFO(std::setprecision(17) << #actual " = " << attn_a_ << ", expected " << attn_e_ << " (rel " << (rel) \
                               << ", abs " << (abs) << ")");                                                \
    CHECK(::attn_test::close(attn_a_, attn_e_, (rel), (abs)));                                              \
  } while (0)
