// Shared test inputs and the "throws attn::invalid_argument naming X" assertion.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>

#include <catch2/catch.hpp>

#include "attn/errors.hpp"
#include "attn/layout.hpp"
#include "attn/types.hpp"

namespace attn_test {

using attn::Index;
template <typename T>
using Mat = attn::Mat<T>;
template <typename T>
using Vec = attn::Vec<T>;

constexpr double kPi = 3.14159265358979323846;

// (n, d) independent N(0, 1) entries from the core's deterministic generator, as T.
template <typename T>
Mat<T> gaussian(Index n, Index d, std::uint64_t seed) {
  return attn::layout_gaussian(n, d, seed).cast<T>();
}

// (d) N(0, 1) vector.
template <typename T>
Vec<T> gaussian_vec(Index d, std::uint64_t seed) {
  return attn::layout_gaussian(1, d, seed).row(0).transpose().cast<T>();
}

// (n, 2) unit keys at the given angles.
template <typename T>
Mat<T> keys_at(std::initializer_list<double> angles) {
  Mat<T> k(static_cast<Index>(angles.size()), 2);
  Index i = 0;
  for (double a : angles) {
    k(i, 0) = static_cast<T>(std::cos(a));
    k(i, 1) = static_cast<T>(std::sin(a));
    ++i;
  }
  return k;
}

// (2) vector r (cos a, sin a).
template <typename T>
Vec<T> polar(double r, double a) {
  Vec<T> v(2);
  v << static_cast<T>(r * std::cos(a)), static_cast<T>(r * std::sin(a));
  return v;
}

// 2x2 rotation by theta; rows of an (n, 2) matrix X rotate as X Rᵀ.
template <typename T>
Eigen::Matrix<T, 2, 2> rotation(double theta) {
  Eigen::Matrix<T, 2, 2> r;
  r << static_cast<T>(std::cos(theta)), static_cast<T>(-std::sin(theta)), static_cast<T>(std::sin(theta)),
      static_cast<T>(std::cos(theta));
  return r;
}

// A valid probability vector: every entry finite and >= 0, sum within `sum_tol` of 1.
template <typename Derived>
bool is_distribution(const Eigen::MatrixBase<Derived>& w, double sum_tol) {
  if (w.size() == 0 || !w.allFinite()) return false;
  double sum = 0;
  for (Index i = 0; i < w.size(); ++i) {
    if (!(w(i) >= 0)) return false;
    sum += static_cast<double>(w(i));
  }
  return std::fabs(sum - 1.0) <= sum_tol;
}

template <typename T>
constexpr T inf() {
  return std::numeric_limits<T>::infinity();
}
template <typename T>
constexpr T nan() {
  return std::numeric_limits<T>::quiet_NaN();
}

}  // namespace attn_test

// `expr` throws attn::invalid_argument and its message names `name`.
#define REQUIRE_INVALID(expr, name)                   \
  do {                                                \
    REQUIRE_THROWS_AS(expr, attn::invalid_argument);  \
    REQUIRE_THROWS_WITH(expr, Catch::Contains(name)); \
  } while (0)
