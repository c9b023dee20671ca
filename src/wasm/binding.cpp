// WebAssembly binding for the attention core. Thin on purpose: NO math here,
// only shapes -> Eigen::Map -> one call into attn:: -> copy results out.
//
// Design:
//  * Plain `extern "C"` functions, exported by name through -sEXPORTED_FUNCTIONS
//    (src/wasm/CMakeLists.txt; no EMSCRIPTEN_KEEPALIVE, so a module that does not
//    list a function leaves it and everything only it reaches out), not
//    embind: embind's generated glue needs eval/new Function (or a slower
//    DYNAMIC_EXECUTION=0 path) and runtime type tables; the page runs under
//    CSP `script-src 'self' 'wasm-unsafe-eval'`, and a C call costs the same.
//  * float for attend/matrix/stream: the playground's numbers are float32 on the
//    JS side (Float32Array), so the heap holds exactly what JS sees and the
//    buffers are half the size. Layouts and von Mises are double: layouts must
//    be bit-identical to the native build, and they are cheap.
//  * Caller-owned buffers: JS (web/js/core/heap.js) owns one scratch arena in the
//    heap, writes inputs there and passes pointers for both inputs and outputs.
//    Nothing is allocated or freed across the boundary, so no ownership rules,
//    no leaks, and attn_attend is allocation-free (attn::attend_into).
//    Every output pointer comes with its size known to the caller; the binding
//    checks the core's result against it before copying (never overruns).
//  * Errors: the core throws attn::invalid_argument (a std::invalid_argument).
//    Each entry point catches everything, stores what() in one static string
//    and returns nonzero; JS then reads attn_last_error() and throws
//    `new Error(message)`. Exceptions never cross into JS (no abort()).
//    Built with -fwasm-exceptions: zero cost when nothing throws.
//
// Conventions: return 0 on success, 1 for a core error (attn::invalid_argument
// or another std::exception, e.g. std::bad_alloc), 2 for anything else.
// Shapes are `int` (Eigen::Index is 32-bit on wasm32 anyway). An absent
// optional matrix is passed as rows = 0 (its pointer is then never read).
#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "attn/attend.hpp"
#include "attn/cold.hpp"
#include "attn/dimension.hpp"
#include "attn/errors.hpp"
#include "attn/geometry.hpp"
#include "attn/gradient.hpp"
#include "attn/heads.hpp"
#include "attn/kernels.hpp"
#include "attn/layout.hpp"
#include "attn/matrix.hpp"
#include "attn/mla.hpp"
#include "attn/paged.hpp"
#include "attn/streaming.hpp"
#include "attn/vonmises.hpp"
#include "guard.hpp"

namespace {

using attn::Index;
template <typename T>
using MatMap = Eigen::Map<const attn::Mat<T>>;
template <typename T>
using VecMap = Eigen::Map<const attn::Vec<T>>;
template <typename T>
using OutVec = Eigen::Map<attn::Vec<T>>;

using attn_wasm::guarded;

// Read-only views; a null pointer is only legal for an empty shape.
template <typename T>
MatMap<T> mat(const T* data, int rows, int cols) {
  return MatMap<T>(rows > 0 && cols > 0 ? data : nullptr, rows, cols);
}
template <typename T>
VecMap<T> vec(const T* data, int size) {
  return VecMap<T>(size > 0 ? data : nullptr, size);
}

// The binding's own contract with the JS core (web/js/core/), not an argument check of the core:
// a result bigger than the buffer JS sized for it means the two disagree.
void check_capacity(const char* what, Index got, Index capacity) {
  if (got > capacity)
    throw attn::invalid_argument(what, attn::detail::cat("result has ", got, " numbers but the buffer holds ", capacity,
                                                         " (internal binding error)"));
}

template <typename Matrix, typename T>
void copy_out(const Matrix& m, T* out) {
  for (Index i = 0; i < m.rows(); ++i)
    for (Index j = 0; j < m.cols(); ++j) *out++ = m(i, j);
}

// The outputs every matrix entry point returns, checked against the buffers the JS core sized:
// weights and logits (m·n), output (m·dv, none when nv = 0), entropy (m), empty (m, 0/1),
// masked (m·n, 1 where the mask hides the key).
void copy_matrix_result(const attn::MatrixResult<float>& r, int m, int n, int nv, int dv, float* weights, float* logits,
                        float* output, float* entropy, std::uint8_t* empty, std::uint8_t* masked) {
  const Index mn = Index(m) * n;
  check_capacity("weights", r.weights.size(), mn);
  check_capacity("logits", r.logits.size(), mn);
  check_capacity("output", r.output.size(), nv > 0 ? Index(m) * dv : 0);
  check_capacity("entropy", r.entropy.size(), m);
  check_capacity("empty_rows", r.empty_row.size(), m);
  check_capacity("masked", r.masked.size(), mn);
  copy_out(r.weights, weights);
  copy_out(r.logits, logits);
  copy_out(r.output, output);
  copy_out(r.entropy, entropy);
  for (Index i = 0; i < r.empty_row.size(); ++i) empty[i] = r.empty_row(i) ? 1 : 0;
  copy_out(r.masked, masked);
}

}  // namespace

extern "C" {

// The message of the last failed call ("" if none failed yet). Owned by the binding.
const char* attn_last_error() { return attn_wasm::last_error().c_str(); }

// One query against n keys (attn::attend_into; allocation-free).
//   q (dq), K (n, d), V (nv, dv) with nv = 0 for "no values".
//   Outputs: logits (n), weights (n), output (dv; untouched when nv = 0),
//   stats (5 doubles): [maxLogit, logSumExp, entropy, effectiveKeys, argmax].
int attn_attend(const float* q, int dq, const float* K, int n, int d, const float* V, int nv, int dv, double scale,
                int normalize, float* logits, float* weights, float* output, double* stats) {
  return guarded([&] {
    const attn::AttendOptions opt{scale, normalize != 0};
    const int out_dim = nv > 0 ? dv : 0;
    const attn::SoftmaxStats<float> s = attn::attend_into<float>(
        vec(q, dq), mat(K, n, d), mat(V, nv, dv), opt, OutVec<float>(n > 0 ? logits : nullptr, n),
        OutVec<float>(n > 0 ? weights : nullptr, n), OutVec<float>(out_dim > 0 ? output : nullptr, out_dim));
    stats[0] = s.max_logit;
    stats[1] = s.log_sum_exp;
    stats[2] = s.entropy;
    stats[3] = s.effective_keys;
    stats[4] = static_cast<double>(s.argmax);
  });
}

// attn_attend_ex's options, one double each (mirrored in web/js/core/args.js as EX). Whole numbers
// (codes, features, the seed's uint32 halves) are exact in a double.
enum ExOption {
  kExAlpha = 0,
  kExHasSink,  // 0/1
  kExSink,
  kExKernel,  // KernelCode
  kExFeatures,
  kExSeedLo,
  kExSeedHi,
  kExHasRope,  // 0/1
  kExRopeTheta,
  kExRopeBase,
  kExHasQueryPosition,  // 0/1
  kExQueryPosition,
  kExCount
};
enum KernelCode { kKernelSoftmax = 0, kKernelElu = 1, kKernelFavor = 2 };

// The AttendOptions the opts array and the positions stand for; the core checks the values.
static attn::AttendOptions options_from(double scale, int normalize, const double* opts, const double* positions,
                                        int npositions) {
  attn::AttendOptions opt;
  opt.scale = scale;
  opt.normalize_keys = normalize != 0;
  opt.alpha = opts[kExAlpha];
  if (opts[kExHasSink] != 0) opt.sink = opts[kExSink];
  switch (static_cast<int>(opts[kExKernel])) {
    case kKernelSoftmax:
      opt.kernel = attn::Kernel::softmax;
      break;
    case kKernelElu:
      opt.kernel = attn::Kernel::elu_plus_one;
      break;
    case kKernelFavor:
      opt.kernel = attn::Kernel::favor_plus;
      break;
    default:
      throw attn::invalid_argument("kernel",
                                   attn::detail::cat("code ", opts[kExKernel], " is unknown (internal binding error)"));
  }
  opt.features = static_cast<Index>(opts[kExFeatures]);
  opt.seed = (static_cast<std::uint64_t>(opts[kExSeedHi]) << 32) | static_cast<std::uint64_t>(opts[kExSeedLo]);
  if (opts[kExHasRope] != 0) {
    attn::Rope rope;
    rope.theta = opts[kExRopeTheta];
    rope.base = opts[kExRopeBase];
    rope.positions.assign(positions, positions + (npositions > 0 ? npositions : 0));
    if (opts[kExHasQueryPosition] != 0) rope.query_position = opts[kExQueryPosition];
    opt.rope = rope;
  }
  return opt;
}

// attn_attend with the options beyond softmax (alpha, sink, rope, kernel; attn::attend).
//   opts: kExCount doubles (ExOption); positions: npositions doubles (rope; 0 = the default).
//   Outputs as attn_attend, stats 6 doubles: [..., sinkWeight], and with rope
//   rotated_query (d floats) and rotated_keys (n·d floats).
ATTN_COLD int attn_attend_ex(const float* q, int dq, const float* K, int n, int d, const float* V, int nv, int dv,
                             double scale, int normalize, const double* opts, const double* positions, int npositions,
                             float* logits, float* weights, float* output, double* stats, float* rotated_query,
                             float* rotated_keys) {
  return guarded([&] {
    const attn::AttendOptions opt = options_from(scale, normalize, opts, positions, npositions);
    const attn::AttendResult<float> r = attn::attend<float>(vec(q, dq), mat(K, n, d), mat(V, nv, dv), opt);
    check_capacity("logits", r.logits.size(), n);
    check_capacity("weights", r.weights.size(), n);
    check_capacity("output", r.output.size(), nv > 0 ? dv : 0);
    check_capacity("rotated_query", r.rotated_query.size(), opt.rope ? d : 0);
    check_capacity("rotated_keys", r.rotated_keys.size(), opt.rope ? Index(n) * d : 0);
    copy_out(r.logits, logits);
    copy_out(r.weights, weights);
    copy_out(r.output, output);
    copy_out(r.rotated_query, rotated_query);
    copy_out(r.rotated_keys, rotated_keys);
    stats[0] = r.stats.max_logit;
    stats[1] = r.stats.log_sum_exp;  // NaN for alpha > 1 (JS: null)
    stats[2] = r.stats.entropy;
    stats[3] = r.stats.effective_keys;
    stats[4] = static_cast<double>(r.stats.argmax);
    stats[5] = r.stats.sink_weight;
    stats[6] = r.stats.threshold;  // NaN for alpha = 1 (JS: null)
  });
}

// The query's gradient toward key `target` (attn::query_gradient), options as attn_attend_ex
// (opts may be null: plain softmax). out (3·d + 1 floats): w_t, mean_key, ∂w_t/∂q, ∂log w_t/∂q.
ATTN_COLD int attn_query_gradient(const float* q, int dq, const float* K, int n, int d, double scale, int normalize,
                                  const double* opts, int target, float* out) {
  return guarded([&] {
    attn::AttendOptions opt;
    opt.scale = scale;
    opt.normalize_keys = normalize != 0;
    if (opts) opt = options_from(scale, normalize, opts, nullptr, 0);
    const attn::QueryGradient<float> g = attn::query_gradient<float>(vec(q, dq), mat(K, n, d), target, opt);
    check_capacity("gradient", g.of_weight.size(), d);
    *out++ = g.weight;
    for (const attn::Vec<float>* v : {&g.mean_key, &g.of_weight, &g.of_log_weight}) {
      copy_out(*v, out);
      out += d;
    }
  });
}

// Mask kinds for attn_matrix (mirrored in web/js/core/attention-core.js, MASK_CODE).
enum MaskCode { kMaskNone = 0, kMaskCausal = 1, kMaskWindow = 2, kMaskTopK = 3 };

// The mask a (kind code, size) pair from the JS core stands for; sizes are checked by the core.
static attn::Mask mask_from(int kind, int size) {
  switch (kind) {
    case kMaskNone:
      return attn::Mask::none();
    case kMaskCausal:
      return attn::Mask::causal();
    case kMaskWindow:
      return attn::Mask::window(size);
    case kMaskTopK:
      return attn::Mask::top_k(size);
    default:
      throw attn::invalid_argument("mask",
                                   attn::detail::cat("kind code ", kind, " is unknown (internal binding error)"));
  }
}

// Many queries: Q (m, dq), K (n, d), V (nv, dv). Outputs (row-major): weights (m·n),
// logits (m·n), output (m·dv; untouched when nv = 0), entropy (m), empty (m, 0/1),
// masked (m·n, 1 where the mask hides the key).
int attn_matrix(const float* Q, int m, int dq, const float* K, int n, int d, const float* V, int nv, int dv,
                double scale, int normalize, int mask_kind, int mask_size, float* weights, float* logits, float* output,
                float* entropy, std::uint8_t* empty, std::uint8_t* masked) {
  return guarded([&] {
    attn::MatrixOptions opt;
    opt.scale = scale;
    opt.normalize_keys = normalize != 0;
    opt.mask = mask_from(mask_kind, mask_size);
    const attn::MatrixResult<float> r = attn::attention_matrix<float>(mat(Q, m, dq), mat(K, n, d), mat(V, nv, dv), opt);
    copy_matrix_result(r, m, n, nv, dv, weights, logits, output, entropy, empty, masked);
  });
}

// attn_matrix with the options beyond softmax (attn::attention_matrix): opts as for
// attn_attend_ex (its query position unused); positions (npositions doubles, key j) and
// qpositions (nqpositions doubles, query i) for rope, 0 = the default. Outputs as attn_matrix,
// plus sink (m floats) and, with rope, rotated_queries (m·d) and rotated_keys (n·d).
int attn_matrix_ex(const float* Q, int m, int dq, const float* K, int n, int d, const float* V, int nv, int dv,
                   double scale, int normalize, int mask_kind, int mask_size, const double* opts,
                   const double* positions, int npositions, const double* qpositions, int nqpositions, float* weights,
                   float* logits, float* output, float* entropy, std::uint8_t* empty, std::uint8_t* masked, float* sink,
                   float* rotated_queries, float* rotated_keys) {
  return guarded([&] {
    const attn::AttendOptions a = options_from(scale, normalize, opts, positions, npositions);
    attn::MatrixOptions opt;
    opt.scale = scale;
    opt.normalize_keys = normalize != 0;
    opt.mask = mask_from(mask_kind, mask_size);
    opt.alpha = a.alpha;
    opt.sink = a.sink;
    opt.rope = a.rope;
    if (opt.rope) {
      opt.rope->query_position.reset();
      opt.rope->query_positions.assign(qpositions, qpositions + (nqpositions > 0 ? nqpositions : 0));
    }
    opt.kernel = a.kernel;
    opt.features = a.features;
    opt.seed = a.seed;
    const attn::MatrixResult<float> r = attn::attention_matrix<float>(mat(Q, m, dq), mat(K, n, d), mat(V, nv, dv), opt);
    copy_matrix_result(r, m, n, nv, dv, weights, logits, output, entropy, empty, masked);
    check_capacity("sink_weight", r.sink_weight.size(), m);
    check_capacity("rotated_queries", r.rotated_queries.size(), opt.rope ? Index(m) * d : 0);
    check_capacity("rotated_keys", r.rotated_keys.size(), opt.rope ? Index(n) * d : 0);
    copy_out(r.sink_weight, sink);
    copy_out(r.rotated_queries, rotated_queries);
    copy_out(r.rotated_keys, rotated_keys);
  });
}

// The query as the page labels it: out = [|q|, κ = |q|·scale, φ] (attn::query_geometry).
ATTN_COLD int attn_query_geometry(const double* q, int dq, double scale, double* out) {
  return guarded([&] {
    const attn::QueryGeometry g = attn::query_geometry<double>(vec(q, dq), scale);
    out[0] = g.norm;
    out[1] = g.kappa;
    out[2] = g.phi;
  });
}

// Keys (n, d) where the logits see them (unit length when normalize): out (n·d).
ATTN_COLD int attn_key_positions(const double* K, int n, int d, int normalize, double* out) {
  return guarded([&] { copy_out(attn::key_positions<double>(mat(K, n, d), normalize != 0), out); });
}

// Indices of the k largest of n weights, largest first (ties: lower index): out (k).
int attn_top_k(const float* weights, int n, int k, int* out) {
  return guarded([&] {
    const std::vector<Index> top = attn::top_k<float>(vec(weights, n), k);
    for (size_t i = 0; i < top.size(); ++i) out[i] = static_cast<int>(top[i]);
  });
}

// The strip's curve: out[i] = exp(κ cos(angles[i] − φ) − log Σ) (attn::unit_key_weights).
ATTN_COLD int attn_unit_key_weights(double kappa, double phi, double log_sum_exp, const double* angles, int count,
                                    double* out) {
  return guarded([&] {
    attn::unit_key_weights(kappa, phi, log_sum_exp, vec(angles, count),
                           OutVec<double>(count > 0 ? out : nullptr, count));
  });
}

// The strip's curve for any normaliser and kernel (attn::unit_key_curve): q (dq doubles),
// opts as attn_attend_ex's (rope is the core's error here), out (count doubles).
ATTN_COLD int attn_unit_key_curve(const double* q, int dq, double scale, const double* opts, double log_sum_exp,
                                  double threshold, const double* angles, int count, double* out) {
  return guarded([&] {
    const attn::AttendOptions opt = options_from(scale, 0, opts, nullptr, 0);
    attn::unit_key_curve(vec(q, dq), opt, log_sum_exp, threshold, vec(angles, count),
                         OutVec<double>(count > 0 ? out : nullptr, count));
  });
}

// The transformer's default scale 1/√d: *out.
ATTN_COLD int attn_inv_sqrt_d(int d, double* out) {
  return guarded([&] { *out = attn::inv_sqrt_d(d); });
}

// Layout kinds for attn_layout (mirrored in web/js/core/plot-core.js, LAYOUT_CODE).
enum LayoutCode { kEven = 0, kRandom = 1, kClusters = 2, kSphere = 3, kValues = 4, kGaussian = 5 };

// Deterministic points. The seed arrives as two uint32 halves (JS has no uint64
// number). points: capacity doubles, filled row-major with (n, cols) where cols is 2,
// or d for sphere/gaussian. angles (capacity_angles doubles) is filled when cols = 2
// and angles is non-null. *out_cols receives cols.
ATTN_COLD int attn_layout(int kind, int n, int d, int clusters, double spread, double phase, std::uint32_t seed_lo,
                          std::uint32_t seed_hi, double* points, int capacity, double* angles, int capacity_angles,
                          int* out_cols) {
  return guarded([&] {
    const std::uint64_t seed = (std::uint64_t(seed_hi) << 32) | seed_lo;
    attn::Mat<double> p;
    switch (kind) {
      case kEven:
        p = attn::layout_even(n, phase);
        break;
      case kRandom:
        p = attn::layout_random(n, seed);
        break;
      case kClusters:
        p = attn::layout_clusters(n, clusters, spread, seed);
        break;
      case kSphere:
        p = attn::layout_sphere(n, d, seed);
        break;
      case kValues:
        p = attn::layout_values(n, seed);
        break;
      case kGaussian:
        p = attn::layout_gaussian(n, d, seed);
        break;
      default:
        throw attn::invalid_argument("kind", attn::detail::cat("code ", kind, " is unknown (internal binding error)"));
    }
    check_capacity("points", p.size(), capacity);
    copy_out(p, points);
    *out_cols = static_cast<int>(p.cols());
    if (angles != nullptr && p.cols() == 2) {
      const attn::Vec<double> a = attn::angles_of(p);
      check_capacity("angles", a.size(), capacity_angles);
      copy_out(a, angles);
    }
  });
}

// von Mises density (gaussian = 0) or its Gaussian approximation (gaussian != 0)
// at each of count angles. out: count doubles.
ATTN_COLD int attn_von_mises(const double* angles, int count, double kappa, double phi, int gaussian, double* out) {
  return guarded([&] {
    const attn::Vec<double> r = gaussian != 0 ? attn::von_mises_gaussian(vec(angles, count), kappa, phi)
                                              : attn::von_mises_density(vec(angles, count), kappa, phi);
    check_capacity("density", r.size(), count);
    copy_out(r, out);
  });
}

// Number of doubles per block record in attn_stream's states buffer, before partial_output.
enum { kStateHeader = 6 };

// Streaming softmax over blocks of block_size keys: q (dq), K (n, d), V (nv, dv).
// Outputs: output (dv floats), lse (1 float), states: up to capacity_blocks records of
// (6 + dv) doubles each: [begin, end, block_max, running_max, rescale, running_sum,
// partial_output (dv)]. Doubles so begin/end stay exact beyond 2^24 keys (the float
// fields convert exactly). *out_blocks receives the number of records written.
int attn_stream(const float* q, int dq, const float* K, int n, int d, const float* V, int nv, int dv, double scale,
                int normalize, int block_size, float* output, float* lse, double* states, int capacity_blocks,
                int* out_blocks) {
  return guarded([&] {
    const attn::AttendOptions opt{scale, normalize != 0};
    const attn::StreamResult<float> r =
        attn::streaming_attend<float>(vec(q, dq), mat(K, n, d), mat(V, nv, dv), opt, block_size, true);
    check_capacity("output", r.output.size(), dv);
    check_capacity("blocks", static_cast<Index>(r.blocks.size()), capacity_blocks);
    copy_out(r.output, output);
    *lse = r.log_sum_exp;
    const Index stride = kStateHeader + dv;
    for (std::size_t b = 0; b < r.blocks.size(); ++b) {
      const attn::StreamState<float>& s = r.blocks[b];
      check_capacity("partial_output", s.partial_output.size(), dv);
      double* rec = states + static_cast<Index>(b) * stride;
      rec[0] = static_cast<double>(s.begin);
      rec[1] = static_cast<double>(s.end);
      rec[2] = s.block_max;
      rec[3] = s.running_max;
      rec[4] = s.rescale;
      rec[5] = s.running_sum;
      copy_out(s.partial_output, rec + kStateHeader);
    }
    *out_blocks = static_cast<int>(r.blocks.size());
  });
}

// Self-attention with projections, one or more heads (attn::multi_head_attention).
//   tokens X (m, d_model); wq: heads matrices, wk / wv: kv_heads matrices, each
//   (d_head, d_model) row-major, stored one after another.
// Outputs (row-major, head after head): q, k, v, output (heads·m·d_head floats each),
// logits, weights (heads·m·m), entropy (heads·m), empty (heads·m, 0/1),
// asym (heads·2: [logit_asymmetry, weight_asymmetry]), concat (m·heads·d_head),
// kv (2 doubles: KV-cache entries for this layout and for MHA), *out_variant:
// 0 MHA, 1 MQA, 2 GQA.
int attn_self_attention(const float* X, int m, int d_model, int heads, int kv_heads, const float* wq, const float* wk,
                        const float* wv, int d_head, double scale, int mask_kind, int mask_size, float* q, float* k,
                        float* v, float* logits, float* weights, float* output, float* entropy, std::uint8_t* empty,
                        float* asym, float* concat, double* kv, int* out_variant, std::uint8_t* masked, int* kv_head) {
  return guarded([&] {
    if (heads < 1 || kv_heads < 1 || d_head < 1 || d_model < 1)
      throw attn::invalid_argument(
          "heads", attn::detail::cat("heads = ", heads, ", kv_heads = ", kv_heads, ", d_head = ", d_head,
                                     ", d_model = ", d_model, "; expected all >= 1"));
    attn::MatrixOptions opt;
    opt.scale = scale;
    opt.mask = mask_from(mask_kind, mask_size);
    const Index wsize = Index(d_head) * d_model;
    auto unpack = [&](const float* w, int count) {
      std::vector<attn::Mat<float>> out;
      for (int h = 0; h < count; ++h) out.emplace_back(mat(w + h * wsize, d_head, d_model));
      return out;
    };
    const attn::HeadLayout layout{heads, kv_heads};
    const attn::MultiHeadResult<float> r = attn::multi_head_attention<float>(
        mat(X, m, d_model), unpack(wq, heads), unpack(wk, kv_heads), unpack(wv, kv_heads), layout, opt);
    check_capacity("heads", static_cast<Index>(r.heads.size()), heads);
    const Index md = Index(m) * d_head, mm = Index(m) * m;
    for (int h = 0; h < heads; ++h) {
      const attn::SelfAttentionResult<float>& s = r.heads[h];
      check_capacity("q", s.q.size(), md);
      check_capacity("k", s.k.size(), md);
      check_capacity("v", s.v.size(), md);
      check_capacity("output", s.attention.output.size(), md);
      check_capacity("logits", s.attention.logits.size(), mm);
      check_capacity("weights", s.attention.weights.size(), mm);
      check_capacity("entropy", s.attention.entropy.size(), m);
      check_capacity("empty_rows", s.attention.empty_row.size(), m);
      copy_out(s.q, q + h * md);
      copy_out(s.k, k + h * md);
      copy_out(s.v, v + h * md);
      copy_out(s.attention.output, output + h * md);
      copy_out(s.attention.logits, logits + h * mm);
      copy_out(s.attention.weights, weights + h * mm);
      copy_out(s.attention.entropy, entropy + Index(h) * m);
      for (Index i = 0; i < s.attention.empty_row.size(); ++i)
        empty[Index(h) * m + i] = s.attention.empty_row(i) ? 1 : 0;
      check_capacity("masked", s.attention.masked.size(), mm);
      copy_out(s.attention.masked, masked + h * mm);
      kv_head[h] = static_cast<int>(layout.kv_head_of(h));
      asym[2 * h] = s.logit_asymmetry;
      asym[2 * h + 1] = s.weight_asymmetry;
    }
    check_capacity("concat", r.output.size(), md * heads);
    copy_out(r.output, concat);
    kv[0] = attn::kv_cache_entries(m, kv_heads, d_head);
    kv[1] = attn::kv_cache_entries(m, heads, d_head);
    const std::string name = layout.name();
    *out_variant = name == "MHA" ? 0 : name == "MQA" ? 1 : 2;
  });
}

// One draw of attn::dimension_stats (d, n, seed as two uint32 halves, scaled 0/1).
// Outputs: logits (n doubles), weights (n doubles),
// stats (6 doubles): [logit_mean, logit_std, max_weight, entropy, effective_keys, scale].
int attn_dimension_stats(int d, int n, std::uint32_t seed_lo, std::uint32_t seed_hi, int scaled, double* logits,
                         double* weights, int capacity, double* stats) {
  return guarded([&] {
    const std::uint64_t seed = (std::uint64_t(seed_hi) << 32) | seed_lo;
    const attn::DimensionStats s = attn::dimension_stats(d, n, seed, scaled != 0);
    check_capacity("logits", s.logits.size(), capacity);
    check_capacity("weights", s.weights.size(), capacity);
    copy_out(s.logits, logits);
    copy_out(s.weights, weights);
    stats[0] = s.logit_mean;
    stats[1] = s.logit_std;
    stats[2] = s.max_weight;
    stats[3] = s.entropy;
    stats[4] = s.effective_keys;
    stats[5] = s.scale;
    stats[6] = s.gradient_norm;
  });
}

// ---- benchmark-only raw entry points (bench/workloads.mjs; not used by the JS core) ----

// Floats of workspace attn_bench_attention needs for (m, n, d).
int attn_bench_workspace_floats(int m, int n, int d) {
  return static_cast<int>(attn::kernels::attention_workspace_floats(m, n, d, true));
}

// O (m, dv) = softmax(scale · Q Kᵀ [causal]) V through the blocked kernel in lean mode
// (output only, like onnxruntime / tfjs). Q (m, d), K (n, d), V (n, dv) row-major,
// workspace: attn_bench_workspace_floats(m, n, d) floats. Returns 0, or 1 for a
// non-finite result. No validation: benchmark inputs only.
int attn_bench_attention(const float* Q, int m, const float* K, int n, int d, const float* V, int dv, double scale,
                         int causal, float* O, float* workspace) {
  attn::kernels::AttentionProblem p;
  p.Q = Q;
  p.m = m;
  p.ldq = d;
  p.K = K;
  p.n = n;
  p.ldk = d;
  p.d = d;
  p.V = V;
  p.ldv = dv;
  p.dv = dv;
  p.scale = static_cast<float>(scale);
  p.causal = causal != 0;
  attn::kernels::AttentionOutputs o;
  o.O = O;
  o.ldo = dv;
  return attn::kernels::attention_f32(p, o, workspace) ? 0 : 1;
}

// ---- the rest of the glossary: sparse patterns, cross-attention, paged KV cache, MLA ----

// attn_matrix under a sparse pattern (attn::SparsePattern): window, stride, global
// (nglobal ints), causal 0/1. Outputs as attn_matrix, plus computed (2 doubles):
// [scores_computed, computed_fraction].
int attn_matrix_sparse(const float* Q, int m, int dq, const float* K, int n, int d, const float* V, int nv, int dv,
                       double scale, int normalize, int window, int stride, const int* global, int nglobal, int causal,
                       float* weights, float* logits, float* output, float* entropy, std::uint8_t* empty,
                       std::uint8_t* masked, double* computed) {
  return guarded([&] {
    attn::SparsePattern p;
    p.window = window;
    p.stride = stride;
    p.causal = causal != 0;
    for (int g = 0; g < nglobal; ++g) p.global.push_back(global[g]);
    attn::MatrixOptions opt;
    opt.scale = scale;
    opt.normalize_keys = normalize != 0;
    opt.mask = attn::Mask::sparse_pattern(p);
    const attn::MatrixResult<float> r = attn::attention_matrix<float>(mat(Q, m, dq), mat(K, n, d), mat(V, nv, dv), opt);
    copy_matrix_result(r, m, n, nv, dv, weights, logits, output, entropy, empty, masked);
    computed[0] = static_cast<double>(r.scores_computed);
    computed[1] = r.computed_fraction();
  });
}

// Cross-attention (attn::cross_attention): X (m, d_model) asks, Y (n, d_model) is read;
// wq, wk (d_head, d_model), wv (dv, d_model). Outputs: q (m·d_head), k (n·d_head), v (n·dv),
// logits, weights (m·n), output (m·dv), entropy (m), empty (m), masked (m·n).
int attn_cross_attention(const float* X, int m, const float* Y, int n, int d_model, const float* wq, const float* wk,
                         int d_head, const float* wv, int dv, double scale, int mask_kind, int mask_size, float* q,
                         float* k, float* v, float* logits, float* weights, float* output, float* entropy,
                         std::uint8_t* empty, std::uint8_t* masked) {
  return guarded([&] {
    attn::MatrixOptions opt;
    opt.scale = scale;
    opt.mask = mask_from(mask_kind, mask_size);
    const attn::CrossAttentionResult<float> r =
        attn::cross_attention<float>(mat(X, m, d_model), mat(Y, n, d_model), mat(wq, d_head, d_model),
                                     mat(wk, d_head, d_model), mat(wv, dv, d_model), opt);
    check_capacity("q", r.q.size(), Index(m) * d_head);
    check_capacity("k", r.k.size(), Index(n) * d_head);
    check_capacity("v", r.v.size(), Index(n) * dv);
    check_capacity("weights", r.attention.weights.size(), Index(m) * n);
    check_capacity("output", r.attention.output.size(), Index(m) * dv);
    copy_out(r.q, q);
    copy_out(r.k, k);
    copy_out(r.v, v);
    copy_out(r.attention.logits, logits);
    copy_out(r.attention.weights, weights);
    copy_out(r.attention.output, output);
    copy_out(r.attention.entropy, entropy);
    for (Index i = 0; i < r.attention.empty_row.size(); ++i) empty[i] = r.attention.empty_row(i) ? 1 : 0;
    copy_out(r.attention.masked, masked);
  });
}

// Ints in attn_paged_decode's info buffer.
enum { kPagedInfo = 13 };

// The paged-KV decode after `steps` steps (attn::paged_decode): A's queries, keys (n_a, d),
// values (n_a, dv); B's own (n_b rows; n_b = 0 for none) after shared_prefix tokens of A.
// Outputs: info (13 ints): [steps, total_steps, forked, sequences, blocks_allocated,
//   blocks_used, slots_filled, wasted_slots, blocks_without_sharing, last_seq, last_position,
//   length_a, length_b]; tables: A's block table then B's (capacity_tables ints);
//   blocks: [ref_count, filled] per physical block (2 · capacity_tables ints);
//   weights, contiguous_weights (capacity_len floats: the last step's, over its sequence);
//   output, contiguous_output (dv floats); diffs (2 doubles): [last step, worst step].
int attn_paged_decode(int block_size, const float* Qa, const float* Ka, const float* Va, int n_a, int d, int dv,
                      int shared_prefix, const float* Qb, const float* Kb, const float* Vb, int n_b, int steps,
                      double scale, int normalize, int* info, int* tables, int* blocks, int capacity_tables,
                      float* weights, float* contiguous_weights, int capacity_len, float* output,
                      float* contiguous_output, double* diffs) {
  return guarded([&] {
    attn::PagedScenario<float> s;
    s.block_size = block_size;
    s.queries = mat(Qa, n_a, d);
    s.keys = mat(Ka, n_a, d);
    s.values = mat(Va, n_a, dv);
    s.shared_prefix = shared_prefix;
    if (n_b > 0) {
      s.queries_b = mat(Qb, n_b, d);
      s.keys_b = mat(Kb, n_b, d);
      s.values_b = mat(Vb, n_b, dv);
    }
    const attn::PagedDecode<float> r = attn::paged_decode<float>(s, steps, attn::AttendOptions{scale, normalize != 0});
    const attn::PagedKVCache<float>& c = r.cache;
    const Index seqs = c.sequences();
    const Index len_a = c.length(0), len_b = seqs > 1 ? c.length(1) : 0;
    const Index ta = static_cast<Index>(c.block_table(0).size()),
                tb = seqs > 1 ? static_cast<Index>(c.block_table(1).size()) : 0;
    check_capacity("block_table", ta + tb, capacity_tables);
    check_capacity("blocks", c.blocks_allocated(), capacity_tables);
    for (Index t = 0; t < ta; ++t) tables[t] = static_cast<int>(c.block_table(0)[static_cast<size_t>(t)]);
    for (Index t = 0; t < tb; ++t) tables[ta + t] = static_cast<int>(c.block_table(1)[static_cast<size_t>(t)]);
    for (Index b = 0; b < c.blocks_allocated(); ++b) {
      blocks[2 * b] = static_cast<int>(c.ref_count(b));
      blocks[2 * b + 1] = static_cast<int>(c.filled(b));
    }
    const int head[kPagedInfo] = {static_cast<int>(r.steps),
                                  static_cast<int>(r.total_steps),
                                  r.forked ? 1 : 0,
                                  static_cast<int>(seqs),
                                  static_cast<int>(c.blocks_allocated()),
                                  static_cast<int>(c.blocks_used()),
                                  static_cast<int>(c.slots_filled()),
                                  static_cast<int>(c.wasted_slots()),
                                  static_cast<int>(c.blocks_without_sharing()),
                                  -1,
                                  -1,
                                  static_cast<int>(len_a),
                                  static_cast<int>(len_b)};
    for (int i = 0; i < kPagedInfo; ++i) info[i] = head[i];
    diffs[0] = diffs[1] = 0;
    for (const auto& st : r.history) diffs[1] = std::max(diffs[1], st.max_abs_diff);
    if (!r.history.empty()) {
      const attn::PagedStep<float>& st = r.history.back();
      info[9] = static_cast<int>(st.seq);
      info[10] = static_cast<int>(st.position);
      check_capacity("weights", st.paged.weights.size(), capacity_len);
      check_capacity("output", st.paged.output.size(), dv);
      copy_out(st.paged.weights, weights);
      copy_out(st.contiguous.weights, contiguous_weights);
      copy_out(st.paged.output, output);
      copy_out(st.contiguous.output, contiguous_output);
      diffs[0] = st.max_abs_diff;
    }
  });
}

// MLA at rank r from MHA weights (attn::latent_from_mha + attn::mla_attention), beside MHA.
//   X (m, d_model); wq, wk, wv: heads matrices (d_head, d_model) each, one after another.
// Outputs: latent (m·r), w_dkv (r·d_model), k, v (heads·m·d_head, rebuilt), weights,
// mha_weights (heads·m·m), output, mha_output (m·heads·d_head), drift (d_model records of
// 4 doubles: [rank, projection_error, max_weight_diff, max_output_diff] for r = 1..d_model),
// cache (4 doubles: [mla, mha, gqa, mqa] entries for m tokens).
int attn_mla(const float* X, int m, int d_model, int heads, const float* wq, const float* wk, const float* wv,
             int d_head, int rank, int rope_dim, int kv_heads, double scale, int mask_kind, int mask_size,
             float* latent, float* w_dkv, float* k, float* v, float* weights, float* mha_weights, float* output,
             float* mha_output, double* drift, double* cache) {
  return guarded([&] {
    if (heads < 1 || d_head < 1 || d_model < 1)
      throw attn::invalid_argument("heads", attn::detail::cat("heads = ", heads, ", d_head = ", d_head,
                                                              ", d_model = ", d_model, "; expected all >= 1"));
    attn::MatrixOptions opt;
    opt.scale = scale;
    opt.mask = mask_from(mask_kind, mask_size);
    const Index wsize = Index(d_head) * d_model;
    auto unpack = [&](const float* w) {
      std::vector<attn::Mat<float>> out;
      for (int h = 0; h < heads; ++h) out.emplace_back(mat(w + h * wsize, d_head, d_model));
      return out;
    };
    const std::vector<attn::Mat<float>> WQ = unpack(wq), WK = unpack(wk), WV = unpack(wv);
    const attn::LatentWeights<float> lat = attn::latent_from_mha<float>(WK, WV, rank);
    const auto x = mat(X, m, d_model);
    const attn::MlaResult<float> mla = attn::mla_attention<float>(x, WQ, lat, opt);
    const attn::MultiHeadResult<float> mha =
        attn::multi_head_attention<float>(x, WQ, WK, WV, attn::HeadLayout{heads, heads}, opt);
    const attn::CacheSizes c = attn::mla_cache_sizes(m, heads, kv_heads, d_head, rank, rope_dim);
    const Index md = Index(m) * d_head, mm = Index(m) * m;
    check_capacity("latent", mla.latent.size(), Index(m) * rank);
    check_capacity("w_dkv", lat.w_dkv.size(), Index(rank) * d_model);
    copy_out(mla.latent, latent);
    copy_out(lat.w_dkv, w_dkv);
    for (int h = 0; h < heads; ++h) {
      check_capacity("k", mla.heads[h].k.size(), md);
      check_capacity("weights", mla.heads[h].attention.weights.size(), mm);
      copy_out(mla.heads[h].k, k + h * md);
      copy_out(mla.heads[h].v, v + h * md);
      copy_out(mla.heads[h].attention.weights, weights + h * mm);
      copy_out(mha.heads[h].attention.weights, mha_weights + h * mm);
    }
    check_capacity("output", mla.output.size(), md * heads);
    copy_out(mla.output, output);
    copy_out(mha.output, mha_output);
    for (int r = 1; r <= d_model; ++r) {
      const attn::LatentDrift d = attn::latent_drift<float>(x, WQ, WK, WV, r, opt);
      double* rec = drift + 4 * (r - 1);
      rec[0] = static_cast<double>(d.rank);
      rec[1] = d.projection_error;
      rec[2] = d.max_weight_diff;
      rec[3] = d.max_output_diff;
    }
    cache[0] = c.mla;
    cache[1] = c.mha;
    cache[2] = c.gqa;
    cache[3] = c.mqa;
  });
}

}  // extern "C"
