#include "attn/dimension.hpp"

#include <algorithm>
#include <cmath>

#include "attn/attend.hpp"
#include "attn/errors.hpp"
#include "attn/layout.hpp"

namespace attn {

DimensionStats dimension_stats(Index d, Index n, std::uint64_t seed, bool scaled) {
  if (d < 1 || d > 65536) throw invalid_argument("d", detail::cat("is ", d, "; expected 1 <= d <= 65536"));
  if (n < 1 || n > 65536) throw invalid_argument("n", detail::cat("is ", n, "; expected 1 <= n <= 65536"));
  // One draw holds the query and the n keys: (n + 1) · d numbers, within layout_gaussian's limit.
  constexpr Index kMaxDraw = Index(1) << 24;
  if (n + 1 > kMaxDraw / d)
    // The product in 64 bits: Index is 32-bit in WASM, where 65537 · 65536 wrapped to 65536.
    throw invalid_argument("n", detail::cat("is ", n, " with d = ", d, ": the query and keys are (n + 1) · d = ",
                                            static_cast<long long>(n + 1) * static_cast<long long>(d),
                                            " numbers; expected (n + 1) · d <= ", kMaxDraw));
  const Mat<double> draw = layout_gaussian(n + 1, d, seed);  // row 0 is q, rows 1..n are the keys
  DimensionStats s;
  s.d = d;
  s.scale = scaled ? inv_sqrt_d(d) : 1.0;
  const AttendResult<double> r =
      attend<double>(draw.row(0).transpose(), draw.bottomRows(n), AttendOptions{s.scale, false});
  s.logits = r.logits;
  s.weights = r.weights;
  s.logit_mean = r.logits.mean();
  s.logit_std = std::sqrt((r.logits.array() - s.logit_mean).square().mean());
  s.max_weight = r.weights.maxCoeff();
  s.entropy = r.stats.entropy;
  s.effective_keys = r.stats.effective_keys;
  // ‖J‖_F² = Σᵢ (wᵢ − wᵢ²)² + Σ_{i≠j} wᵢ² wⱼ² = Σ w² − 2 Σ w³ + (Σ w²)²: O(n), no n × n matrix.
  const double w2 = r.weights.squaredNorm(), w3 = r.weights.array().cube().sum();
  s.gradient_norm = std::sqrt(std::max(0.0, w2 - 2 * w3 + w2 * w2));
  return s;
}

std::vector<DimensionStats> dimension_sweep(const std::vector<Index>& ds, Index n, std::uint64_t seed, bool scaled) {
  std::vector<DimensionStats> out;
  out.reserve(ds.size());
  for (Index d : ds) {
    DimensionStats s = dimension_stats(d, n, seed, scaled);
    s.logits.resize(0);
    s.weights.resize(0);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Index> histogram(VecCRef<double> values, Index bins, double lo, double hi) {
  if (bins < 1 || bins > 100000) throw invalid_argument("bins", detail::cat("is ", bins, "; expected 1..100000"));
  detail::require_finite("lo", lo);
  detail::require_finite("hi", hi);
  if (!(hi > lo)) throw invalid_argument("hi", detail::cat("is ", hi, "; expected hi > lo = ", lo));
  detail::require_all_finite("values", values);
  std::vector<Index> counts(static_cast<size_t>(bins), 0);
  const double width = (hi - lo) / static_cast<double>(bins);
  for (Index i = 0; i < values.size(); ++i) {
    const double b = std::floor((values(i) - lo) / width);
    const Index k = b < 0 ? 0 : (b >= static_cast<double>(bins) ? bins - 1 : static_cast<Index>(b));
    ++counts[static_cast<size_t>(k)];
  }
  return counts;
}

}  // namespace attn
