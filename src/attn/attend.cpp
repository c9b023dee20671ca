#include "attn/attend.hpp"

#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "attn/cold.hpp"
#include "attn/entmax.hpp"
#include "attn/errors.hpp"
#include "attn/kernels.hpp"

namespace attn {
namespace {

// Saturating a·b·c·s with a = dot of rescaled vectors: done in the log domain so
// that no intermediate product overflows. Used only when the fast path overflowed.
template <typename T>
ATTN_COLD T saturating_product(double dot, double qmax, double kmax, double scale) {
  if (dot == 0 || qmax == 0 || kmax == 0 || scale == 0) return T(0);
  const double sign = ((dot < 0) != (scale < 0)) ? -1.0 : 1.0;
  const double logmag = std::log(std::abs(dot)) + std::log(qmax) + std::log(kmax) + std::log(std::abs(scale));
  const double limit = static_cast<double>(std::numeric_limits<T>::max());
  if (logmag >= std::log(limit)) return static_cast<T>(sign * limit);
  return static_cast<T>(sign * std::exp(logmag));
}

// One logit computed without overflow: both vectors are divided by their largest
// magnitude first, so the dot product is at most d in size.
template <typename T>
ATTN_COLD T robust_logit(VecCRef<T> q, const Eigen::Ref<const Vec<T>>& k, bool normalize, double scale) {
  const Vec<double> qd = q.template cast<double>();
  const Vec<double> kd = k.template cast<double>();
  const double qmax = qd.cwiseAbs().maxCoeff();
  const double kmax = kd.cwiseAbs().maxCoeff();
  if (qmax == 0 || kmax == 0) return T(0);
  const Vec<double> kn = kd / kmax;
  double dot = (qd / qmax).dot(kn);
  double kfactor = kmax;
  if (normalize) {
    dot /= kn.norm();  // |k| = kmax · |k / kmax|, and the kmax cancels
    kfactor = 1.0;
  }
  return saturating_product<T>(dot, qmax, kfactor, scale);
}

// float fast path of attend_into (attn/kernels.hpp): one pass over the keys, one over
// the values. Returns false whenever it cannot vouch for the result - an unusual
// shape, normalize_keys, a non-finite query/scale, or a non-finite logit or output
// (bad input or overflow) - and the caller then runs the reference path, which
// validates and throws exactly as before (the buffers may have been written).
bool attend_fast_f32(VecCRef<float> query, MatCRef<float> keys, MatCRef<float> values, const AttendOptions& opt,
                     VecRef<float> logits, VecRef<float> weights, VecRef<float> output, SoftmaxStats<float>& stats) {
  const Index n = keys.rows(), d = keys.cols();
  const bool has_values = values.rows() != 0;
  if (!opt.plain() || opt.normalize_keys || n < 1 || d < 1 || query.size() != d) return false;
  if (has_values && (values.rows() != n || values.cols() < 1 || output.size() != values.cols())) return false;
  if (logits.size() != n || weights.size() != n) return false;
  if (!std::isfinite(opt.scale) || !std::isfinite(static_cast<float>(opt.scale)) || !query.allFinite()) return false;
  float max_logit = 0;
  if (!kernels::logits_f32(query.data(), keys.data(), n, d, keys.outerStride(), static_cast<float>(opt.scale),
                           logits.data(), &max_logit))
    return false;
  const kernels::SoftmaxOut s = kernels::softmax_f32(logits.data(), n, max_logit, weights.data());
  if (has_values &&
      !kernels::weighted_sum_f32(weights.data(), values.data(), n, values.cols(), values.outerStride(), output.data()))
    return false;
  stats.max_logit = s.max_logit;
  stats.log_sum_exp = s.log_sum_exp;
  stats.entropy = s.entropy;
  stats.effective_keys = s.effective_keys;
  stats.argmax = s.argmax;
  return true;
}

}  // namespace

template <typename T>
T key_length(MatCRef<T> keys, Index i) {
  T norm = keys.row(i).norm();
  if (!(norm > 0) || !std::isfinite(norm)) norm = keys.row(i).stableNorm();  // under/overflow
  if (norm == 0)
    throw invalid_argument("keys", detail::cat("row ", i, " has length 0; normalisation needs a non-zero key"));
  return norm;
}

template <typename T>
ATTN_COLD Mat<T> unit_rows(MatCRef<T> keys) {
  Mat<T> out = keys;
  for (Index i = 0; i < keys.rows(); ++i)
    out.row(i) = (keys.row(i).template cast<double>() / static_cast<double>(key_length<T>(keys, i))).template cast<T>();
  return out;
}

namespace {

// output (dv) = Vᵀ weights, a convex combination of the value rows (sub-convex with a sink).
template <typename T>
void weighted_values(MatCRef<T> values, VecCRef<T> weights, VecRef<T> output) {
  output.noalias() = values.transpose() * weights;
  if (!output.allFinite()) {
    // Values near the type's max: sum halves, then double with saturation.
    output.noalias() = (values * T(0.5)).transpose() * weights;
    const T big = std::numeric_limits<T>::max() / 2;
    output = output.cwiseMax(-big).cwiseMin(big) * T(2);
  }
}

// Every option beyond plain softmax. Passes: 1) keys normalised and rotated (rope),
// 2) logits = scale · K' q', 3) the scores to normalise: the logits (softmax kernel) or
// the kernel's log-scores, 4) α-entmax with the sink over them, 5) values.
template <typename T>
ATTN_COLD AttendResult<T> attend_beyond(VecCRef<T> query, MatCRef<T> keys, MatCRef<T> values,
                                        const AttendOptions& opt) {
  validate_attend<T>(query, keys, values, opt);
  const Index n = keys.rows(), d = keys.cols();
  validate_options(opt, n, d);
  validate_kernel_work(opt.kernel, opt.features, static_cast<double>(n), d, "keys", detail::cat(n, " keys"), "keys");
  AttendResult<T> r;
  r.logits.resize(n);
  r.weights.resize(n);
  r.output.resize(values.rows() != 0 ? values.cols() : 0);
  AttendOptions dot;  // scale only: keys are already normalised when rotated
  dot.scale = opt.scale;
  // The kernels read the keys as given unless they are normalised or rotated: no copy then.
  const bool own_keys = opt.rope || (opt.kernel != Kernel::softmax && opt.normalize_keys);
  Mat<T> used = own_keys ? (opt.normalize_keys ? unit_rows<T>(keys) : Mat<T>(keys)) : Mat<T>();  // (n, d)
  Vec<T> q = query;                                                                              // (d)
  if (opt.rope) {
    const Rope& rope = *opt.rope;
    r.rotated_query.resize(d);
    rope_rotate<T>(query, rope_query_position(rope, n), rope, r.rotated_query);
    std::vector<double> pos(static_cast<size_t>(n));
    for (Index i = 0; i < n; ++i) pos[static_cast<size_t>(i)] = rope_key_position(rope, i);
    r.rotated_keys = rope_rotate_rows<T>(used, pos, rope);
    used = r.rotated_keys;
    q = r.rotated_query;
    logits_into<T>(q, used, dot, r.logits);
  } else {
    logits_into<T>(query, keys, opt, r.logits);  // the plain path's logits, bit for bit
  }
  if (opt.kernel == Kernel::softmax) {
    r.stats = entmax_into<T>(r.logits, opt.alpha, opt.sink, r.weights);
  } else {
    // Linear kernels: weights = normaliser(log-scores), in double (a float cannot hold them all).
    const Mat<double> omega =
        opt.kernel == Kernel::favor_plus ? favor_directions(opt.features, d, opt.seed) : Mat<double>();
    Vec<double> u(n), w(n);
    linear_log_scores<T>(q, own_keys ? MatCRef<T>(used) : keys, opt.kernel, opt.scale, omega, u);
    const SoftmaxStats<double> s = entmax_into<double>(u, opt.alpha, opt.sink, w);
    r.weights = w.cast<T>();
    // A float cannot hold every log-score (favor+ with |q| = 1e20 gives -5e39): saturate at
    // ±max like the logits, never ±inf (NaN for alpha > 1 stays: there is no log-partition).
    const double big = static_cast<double>(std::numeric_limits<T>::max());
    r.stats.log_sum_exp =
        static_cast<T>(std::isnan(s.log_sum_exp) ? s.log_sum_exp : std::max(-big, std::min(big, s.log_sum_exp)));
    r.stats.entropy = static_cast<T>(s.entropy);
    r.stats.effective_keys = static_cast<T>(s.effective_keys);
    r.stats.sink_weight = static_cast<T>(s.sink_weight);
    r.stats.threshold = s.threshold;
    r.stats.argmax = s.argmax;
    r.stats.max_logit = r.logits.maxCoeff();
  }
  if (values.rows() != 0) weighted_values<T>(values, r.weights, r.output);
  return r;
}

}  // namespace

template <typename T>
void validate_keys_values(MatCRef<T> keys, MatCRef<T> values, double scale) {
  if (keys.rows() == 0) throw invalid_argument("keys", "got n = 0 keys; expected at least 1");
  if (keys.cols() == 0) throw invalid_argument("keys", "have dimension d = 0; expected d >= 1");
  if (values.rows() != 0 && values.rows() != keys.rows())
    throw invalid_argument("values", detail::cat("have ", values.rows(), " rows but there are ", keys.rows(),
                                                 " keys; expected one value per key"));
  if (values.rows() != 0 && values.cols() == 0) throw invalid_argument("values", "have width dv = 0; expected dv >= 1");
  detail::require_finite("scale", scale);
  detail::require_all_finite("keys", keys);
  detail::require_all_finite("values", values);
}

void validate_options(const AttendOptions& opt, Index n, Index d) {
  validate_alpha(opt.alpha);
  validate_sink(opt.sink);
  if (opt.rope) validate_rope(*opt.rope, n, d);
  if (opt.kernel == Kernel::favor_plus) validate_features(opt.features, d);
}

template <typename T>
void validate_attend(VecCRef<T> query, MatCRef<T> keys, MatCRef<T> values, const AttendOptions& opt) {
  validate_keys_values<T>(keys, values, opt.scale);
  if (query.size() != keys.cols())
    throw invalid_argument("query", detail::cat("has length ", query.size(), " but keys have dimension d = ",
                                                keys.cols(), "; expected equal lengths"));
  detail::require_all_finite("query", query);
}

template <typename T>
void logits_into(VecCRef<T> query, MatCRef<T> keys, const AttendOptions& opt, VecRef<T> logits) {
  // logits: (n) = scale · K (n, d) · q (d)
  if constexpr (std::is_same<T, float>::value) {
    if (!opt.normalize_keys && query.size() == keys.cols() && logits.size() == keys.rows() && keys.rows() > 0 &&
        keys.cols() > 0) {
      // float: the SIMD kernel (same bits as attend_into's fast path); overflow is repaired below.
      float max_logit = 0;
      if (kernels::logits_f32(query.data(), keys.data(), keys.rows(), keys.cols(), keys.outerStride(),
                              static_cast<float>(opt.scale), logits.data(), &max_logit))
        return;
      for (Index i = 0; i < keys.rows(); ++i)
        if (!std::isfinite(logits(i)))
          logits(i) = robust_logit<T>(query, keys.row(i).transpose(), opt.normalize_keys, opt.scale);
      return;
    }
  }
  logits.noalias() = keys * query;
  if (opt.normalize_keys) {
    for (Index i = 0; i < keys.rows(); ++i) logits(i) /= key_length<T>(keys, i);
  }
  logits *= static_cast<T>(opt.scale);
  if (logits.allFinite()) return;
  // Rare: a product overflowed. Recompute those logits safely; they saturate at ±max.
  for (Index i = 0; i < keys.rows(); ++i)
    if (!std::isfinite(logits(i)))
      logits(i) = robust_logit<T>(query, keys.row(i).transpose(), opt.normalize_keys, opt.scale);
}

template <typename T>
SoftmaxStats<T> attend_into(VecCRef<T> query, MatCRef<T> keys, MatCRef<T> values, const AttendOptions& opt,
                            VecRef<T> logits, VecRef<T> weights, VecRef<T> output) {
  if (!opt.plain()) {
    const AttendResult<T> r = attend_beyond<T>(query, keys, values, opt);
    if (logits.size() != r.logits.size() || weights.size() != r.weights.size() ||
        (values.rows() != 0 && output.size() != r.output.size()))
      throw invalid_argument("logits", "buffers do not match n keys and dv values (attend_into)");
    logits = r.logits;
    weights = r.weights;
    if (values.rows() != 0) output = r.output;
    return r.stats;
  }
  if constexpr (std::is_same<T, float>::value) {
    SoftmaxStats<float> fast;
    if (attend_fast_f32(query, keys, values, opt, logits, weights, output, fast)) return fast;
  }
  validate_attend<T>(query, keys, values, opt);
  logits_into<T>(query, keys, opt, logits);
  const SoftmaxStats<T> stats = softmax_into<T>(logits, weights);
  if (values.rows() != 0) weighted_values<T>(values, weights, output);  // (dv) = Vᵀ (dv, n) · weights (n)
  return stats;
}

template <typename T>
AttendResult<T> attend(VecCRef<T> query, MatCRef<T> keys, MatCRef<T> values, const AttendOptions& opt) {
  if (!opt.plain()) return attend_beyond<T>(query, keys, values, opt);
  AttendResult<T> r;
  r.logits.resize(keys.rows());
  r.weights.resize(keys.rows());
  r.output.resize(values.rows() != 0 ? values.cols() : 0);
  r.stats = attend_into<T>(query, keys, values, opt, r.logits, r.weights, r.output);
  return r;
}

template <typename T>
AttendResult<T> attend(VecCRef<T> query, MatCRef<T> keys, const AttendOptions& opt) {
  return attend<T>(query, keys, Mat<T>(0, 0), opt);
}

double kappa(const Vec<double>& query, double scale) {
  // stableNorm: |q| of a finite q is finite unless it truly exceeds DBL_MAX (the plain
  // norm squares first: |q| = 1.4e200 would overflow). The product saturates at ±max,
  // like the logits; for d = 2 the von Mises density is finite for every finite κ.
  const double big = std::numeric_limits<double>::max();
  const double k = std::min(query.stableNorm(), big) * scale;
  return std::isfinite(k) ? k : std::copysign(big, k);
}

double inv_sqrt_d(Index d) {
  if (d < 1) throw invalid_argument("d", detail::cat("is ", d, "; expected d >= 1"));
  return 1.0 / std::sqrt(static_cast<double>(d));
}

#define ATTN_INSTANTIATE(T)                                                                                    \
  template void validate_keys_values<T>(MatCRef<T>, MatCRef<T>, double);                                       \
  template void validate_attend<T>(VecCRef<T>, MatCRef<T>, MatCRef<T>, const AttendOptions&);                  \
  template void logits_into<T>(VecCRef<T>, MatCRef<T>, const AttendOptions&, VecRef<T>);                       \
  template T key_length<T>(MatCRef<T>, Index);                                                                 \
  template Mat<T> unit_rows<T>(MatCRef<T>);                                                                    \
  template SoftmaxStats<T> attend_into<T>(VecCRef<T>, MatCRef<T>, MatCRef<T>, const AttendOptions&, VecRef<T>, \
                                          VecRef<T>, VecRef<T>);                                               \
  template AttendResult<T> attend<T>(VecCRef<T>, MatCRef<T>, MatCRef<T>, const AttendOptions&);                \
  template AttendResult<T> attend<T>(VecCRef<T>, MatCRef<T>, const AttendOptions&);
ATTN_INSTANTIATE(float)
ATTN_INSTANTIATE(double)
#undef ATTN_INSTANTIATE

}  // namespace attn
