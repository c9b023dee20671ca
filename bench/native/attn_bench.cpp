// Native timings of the attention core, the same workloads as bench/node/harness.mjs:
//   W1  one query against n keys (n in {16, 1024, 65536}, d in {2, 64}, values dv = d):
//       logits, softmax with statistics, output.
//   W2  self-attention, d = dv = 64, m = n in {256, 1024, 2048}, mask none or causal:
//       O = softmax(Q Kᵀ / √d [+ mask]) V.
// Inputs come from bench_inputs() (xorshift32), bit-identical to the JavaScript
// harness, so the counter `checksum` (Σ output) can be compared across runtimes.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "attn/attend.hpp"
#include "attn/kernels.hpp"
#include "attn/matrix.hpp"
#include "attn/softmax.hpp"

namespace {

using attn::Index;
using MatF = attn::Mat<float>;
using VecF = attn::Vec<float>;
using MapM = Eigen::Map<const MatF>;
using MapV = Eigen::Map<const VecF>;

// Uniform floats in [-1, 1) with 24-bit resolution: exact in float, identical in JS.
std::vector<float> bench_inputs(std::uint32_t seed, Index count) {
  std::vector<float> out(static_cast<size_t>(count));
  std::uint32_t x = seed ? seed : 1u;
  for (auto& v : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    v = static_cast<float>((x >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0);
  }
  return out;
}

// Seeds shared with the JS harness.
constexpr std::uint32_t kSeedQ = 1, kSeedK = 2, kSeedV = 3;

double sum_of(const float* p, Index n) {
  double s = 0;
  for (Index i = 0; i < n; ++i) s += p[i];
  return s;
}

// ---- W1 ---------------------------------------------------------------------
struct W1 {
  Index n, d;
  std::vector<float> q, K, V;
  VecF logits, weights, out;
  W1(Index n_, Index d_)
      : n(n_),
        d(d_),
        q(bench_inputs(kSeedQ, d_)),
        K(bench_inputs(kSeedK, n_ * d_)),
        V(bench_inputs(kSeedV, n_ * d_)),
        logits(n_),
        weights(n_),
        out(d_) {
    for (auto& v : q) v *= 4.0f;  // a peakier distribution than uniform
  }
  double scale() const { return 1.0 / std::sqrt(double(d)); }
};

// The core as the playground calls it: attn::attend_into<float> (validation + kernels).
void BM_W1_core(benchmark::State& st) {
  W1 w(st.range(0), st.range(1));
  const attn::AttendOptions opt{w.scale(), false};
  for (auto _ : st) {
    attn::attend_into<float>(MapV(w.q.data(), w.d), MapM(w.K.data(), w.n, w.d), MapM(w.V.data(), w.n, w.d), opt,
                             w.logits, w.weights, w.out);
    benchmark::DoNotOptimize(w.out.data());
    benchmark::ClobberMemory();
  }
  st.counters["checksum"] = sum_of(w.out.data(), w.d);
}

// The generic Eigen expressions the core used before the kernels (for reference only).
void BM_W1_eigen(benchmark::State& st) {
  W1 w(st.range(0), st.range(1));
  const float s = static_cast<float>(w.scale());
  const MapM K(w.K.data(), w.n, w.d), V(w.V.data(), w.n, w.d);
  const MapV q(w.q.data(), w.d);
  for (auto _ : st) {
    w.logits.noalias() = K * q;
    w.logits *= s;
    attn::softmax_into<float>(w.logits, w.weights);
    w.out.noalias() = V.transpose() * w.weights;
    benchmark::DoNotOptimize(w.out.data());
    benchmark::ClobberMemory();
  }
  st.counters["checksum"] = sum_of(w.out.data(), w.d);
}

// ---- W2 ---------------------------------------------------------------------
struct W2 {
  Index m, d = 64;
  bool causal;
  std::vector<float> Q, K, V;
  W2(Index m_, bool causal_)
      : m(m_),
        causal(causal_),
        Q(bench_inputs(kSeedQ, m_ * 64)),
        K(bench_inputs(kSeedK, m_ * 64)),
        V(bench_inputs(kSeedV, m_ * 64)) {}
  float scale() const { return 1.0f / 8.0f; }
};

// The blocked kernel in lean mode: only O (what onnxruntime / tfjs compute).
void BM_W2_kernel(benchmark::State& st) {
  W2 w(st.range(0), st.range(1) != 0);
  std::vector<float> O(static_cast<size_t>(w.m * w.d));
  std::vector<float> ws(static_cast<size_t>(attn::kernels::attention_workspace_floats(w.m, w.m, w.d, true)));
  attn::kernels::AttentionProblem p;
  p.Q = w.Q.data();
  p.m = w.m;
  p.ldq = w.d;
  p.K = w.K.data();
  p.n = w.m;
  p.ldk = w.d;
  p.d = w.d;
  p.V = w.V.data();
  p.ldv = w.d;
  p.dv = w.d;
  p.scale = w.scale();
  p.causal = w.causal;
  attn::kernels::AttentionOutputs o;
  o.O = O.data();
  o.ldo = w.d;
  for (auto _ : st) {
    if (!attn::kernels::attention_f32(p, o, ws.data())) st.SkipWithError("non-finite result");
    benchmark::DoNotOptimize(O.data());
    benchmark::ClobberMemory();
  }
  st.counters["checksum"] = sum_of(O.data(), w.m * w.d);
}

// The public API: attn::attention_matrix<float> (also returns logits, weights, entropy).
void BM_W2_matrix(benchmark::State& st) {
  W2 w(st.range(0), st.range(1) != 0);
  attn::MatrixOptions opt;
  opt.scale = w.scale();
  opt.mask = w.causal ? attn::Mask::causal() : attn::Mask::none();
  const MapM Q(w.Q.data(), w.m, w.d), K(w.K.data(), w.m, w.d), V(w.V.data(), w.m, w.d);
  double checksum = 0;
  for (auto _ : st) {
    auto r = attn::attention_matrix<float>(Q, K, V, opt);
    benchmark::DoNotOptimize(r.output.data());
    checksum = r.output.cast<double>().sum();
  }
  st.counters["checksum"] = checksum;
}

// Generic Eigen: S = Q Kᵀ s, row softmax (additive -inf mask), S V (for reference only).
void BM_W2_eigen(benchmark::State& st) {
  W2 w(st.range(0), st.range(1) != 0);
  const MapM Q(w.Q.data(), w.m, w.d), K(w.K.data(), w.m, w.d), V(w.V.data(), w.m, w.d);
  MatF S(w.m, w.m), O(w.m, w.d);
  for (auto _ : st) {
    S.noalias() = Q * K.transpose();
    S *= w.scale();
    for (Index i = 0; i < w.m; ++i) {
      if (w.causal) S.row(i).tail(w.m - i - 1).setConstant(-std::numeric_limits<float>::infinity());
      const float mx = S.row(i).maxCoeff();
      S.row(i) = (S.row(i).array() - mx).exp();
      S.row(i) /= S.row(i).sum();
    }
    O.noalias() = S * V;
    benchmark::DoNotOptimize(O.data());
    benchmark::ClobberMemory();
  }
  st.counters["checksum"] = O.cast<double>().sum();
}

// The floor for W1 at n = 65536, d = 64: just reading K and V (2 · n · d floats, 32 MiB)
// once, with an integer xor the compiler vectorises at full width. Bytes/s in the counter.
void BM_read_floor(benchmark::State& st) {
  const Index count = 2 * st.range(0) * st.range(1);
  std::vector<std::uint32_t> data(static_cast<size_t>(count));
  for (Index i = 0; i < count; ++i) data[static_cast<size_t>(i)] = static_cast<std::uint32_t>(i * 2654435761u);
  for (auto _ : st) {
    std::uint32_t acc = 0;
    for (std::uint32_t v : data) acc ^= v;
    benchmark::DoNotOptimize(acc);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * count * 4);
}

void W1Args(benchmark::internal::Benchmark* b) {
  for (int n : {16, 1024, 65536})
    for (int d : {2, 64}) b->Args({n, d});
  b->ArgNames({"n", "d"});
}
void W2Args(benchmark::internal::Benchmark* b) {
  for (int m : {256, 1024, 2048})
    for (int causal : {0, 1}) b->Args({m, causal});
  b->ArgNames({"m", "causal"})->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK(BM_W1_core)->Apply(W1Args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_W1_eigen)->Apply(W1Args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_read_floor)->Args({65536, 64})->ArgNames({"n", "d"})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_W2_kernel)->Apply(W2Args);
BENCHMARK(BM_W2_matrix)->Apply(W2Args);
BENCHMARK(BM_W2_eigen)->Apply(W2Args);

BENCHMARK_MAIN();
