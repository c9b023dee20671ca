#include "attn/rope.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "attn/cold.hpp"
#include "attn/errors.hpp"
#include "attn/layout.hpp"

ATTN_COLD_BEGIN  // attn/cold.hpp: size over speed; nothing here is on the plain softmax path

    namespace attn {
  void validate_rope(const Rope& rope, Index n, Index d, Index m) {
    if (d % 2 != 0)
      throw invalid_argument("rope", detail::cat("needs an even dimension d to rotate pairs; keys have d = ", d));
    detail::require_finite("rope.theta", rope.theta);
    detail::require_finite("rope.base", rope.base);
    if (!(rope.base > 0)) throw invalid_argument("rope.base", detail::cat("is ", rope.base, "; expected base > 0"));
    if (!rope.positions.empty() && static_cast<Index>(rope.positions.size()) != n)
      throw invalid_argument("rope.positions", detail::cat("has ", rope.positions.size(), " entries but there are ", n,
                                                           " keys; expected one position per key"));
    for (size_t i = 0; i < rope.positions.size(); ++i)
      if (!std::isfinite(rope.positions[i]))
        throw invalid_argument("rope.positions",
                               detail::cat("entry ", i, " is ", rope.positions[i], "; expected a finite number"));
    if (rope.query_position) detail::require_finite("rope.queryPosition", *rope.query_position);
    if (m > 0 && !rope.query_positions.empty() && static_cast<Index>(rope.query_positions.size()) != m)
      throw invalid_argument("rope.queryPositions",
                             detail::cat("has ", rope.query_positions.size(), " entries but there are ", m,
                                         " queries; expected one position per query"));
    for (size_t i = 0; i < rope.query_positions.size(); ++i)
      if (!std::isfinite(rope.query_positions[i]))
        throw invalid_argument("rope.queryPositions",
                               detail::cat("entry ", i, " is ", rope.query_positions[i], "; expected a finite number"));
    // The largest angle is |position| · |theta| (θ_j <= theta for base >= 1, and for base < 1
    // the slowest pair is theta · base^(−(d−2)/d)); it must stay a finite number of radians.
    double biggest = std::abs(rope.query_position.value_or(static_cast<double>(n)));
    for (double p : rope.positions) biggest = std::max(biggest, std::abs(p));
    for (double p : rope.query_positions) biggest = std::max(biggest, std::abs(p));
    if (rope.positions.empty()) biggest = std::max(biggest, static_cast<double>(n));
    const double fastest = std::abs(rope.theta) * std::max(1.0, std::pow(rope.base, -static_cast<double>(d - 2) / d));
    if (!std::isfinite(biggest * fastest))
      throw invalid_argument("rope.theta",
                             detail::cat("is ", rope.theta, " and a position is ", biggest,
                                         ": the angle position · theta overflows; expected a finite angle"));
  }

  double rope_key_position(const Rope& rope, Index i) {
    return rope.positions.empty() ? static_cast<double>(i) : rope.positions[static_cast<size_t>(i)];
  }

  double rope_query_position(const Rope& rope, Index n) { return rope.query_position.value_or(static_cast<double>(n)); }

  double rope_query_position_of_row(const Rope& rope, Index i) {
    return rope.query_positions.empty() ? static_cast<double>(i) : rope.query_positions[static_cast<size_t>(i)];
  }

  template <typename T>
  void rope_rotate(VecCRef<T> x, double position, const Rope& rope, VecRef<T> out) {
    const Index d = x.size();
    const double big = std::numeric_limits<T>::max();
    for (Index j = 0; 2 * j + 1 < d; ++j) {
      const double freq = rope.theta * std::pow(rope.base, -2.0 * static_cast<double>(j) / static_cast<double>(d));
      const double angle = position * freq;
      const double c = det_cos(angle), s = det_sin(angle);
      const double a = static_cast<double>(x(2 * j)), b = static_cast<double>(x(2 * j + 1));
      // A rotation keeps the pair's length, but a·c − b·s can round past max(T) near the top
      // of the range: halve, rotate, saturate, double.
      double u = a * c - b * s, v = a * s + b * c;
      if (!(std::abs(u) <= big) || !(std::abs(v) <= big)) {
        u = std::clamp((a / 2) * c - (b / 2) * s, -big / 2, big / 2) * 2;
        v = std::clamp((a / 2) * s + (b / 2) * c, -big / 2, big / 2) * 2;
      }
      out(2 * j) = static_cast<T>(u);
      out(2 * j + 1) = static_cast<T>(v);
    }
  }

  template <typename T>
  Mat<T> rope_rotate_rows(MatCRef<T> rows, const std::vector<double>& positions, const Rope& rope) {
    Mat<T> out(rows.rows(), rows.cols());
    Vec<T> r(rows.cols());
    for (Index i = 0; i < rows.rows(); ++i) {
      rope_rotate<T>(rows.row(i).transpose(), positions[static_cast<size_t>(i)], rope, r);
      out.row(i) = r.transpose();
    }
    return out;
  }

#define ATTN_INSTANTIATE(T)                                                 \
  template void rope_rotate<T>(VecCRef<T>, double, const Rope&, VecRef<T>); \
  template Mat<T> rope_rotate_rows<T>(MatCRef<T>, const std::vector<double>&, const Rope&);
  ATTN_INSTANTIATE(float)
  ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn

ATTN_COLD_END
