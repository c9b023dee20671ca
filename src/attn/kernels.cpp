#include "attn/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace attn {
namespace kernels {
namespace {

// ---------------------------------------------------------------------------
// A 4 x float32 vector and the handful of operations the kernels use. Every
// operation has the same lane semantics in both implementations.
// ---------------------------------------------------------------------------
#if defined(__wasm_simd128__)
constexpr const char* kSimdName = "wasm-simd128";
using f4 = v128_t;
inline f4 ld(const float* p) { return wasm_v128_load(p); }
inline void st(float* p, f4 v) { wasm_v128_store(p, v); }
inline f4 set1(float x) { return wasm_f32x4_splat(x); }
inline f4 ld1(const float* p) { return wasm_v128_load32_splat(p); }  // splat *p
inline f4 zero() { return wasm_f32x4_const(0, 0, 0, 0); }
inline f4 add(f4 a, f4 b) { return wasm_f32x4_add(a, b); }
inline f4 sub(f4 a, f4 b) { return wasm_f32x4_sub(a, b); }
inline f4 mul(f4 a, f4 b) { return wasm_f32x4_mul(a, b); }
inline f4 div(f4 a, f4 b) { return wasm_f32x4_div(a, b); }
inline f4 vmax(f4 a, f4 b) { return wasm_f32x4_pmax(a, b); }  // a < b ? b : a
// v where x < lo is false, else 0
inline f4 zero_where_lt(f4 x, f4 lo, f4 v) { return wasm_v128_andnot(v, wasm_f32x4_lt(x, lo)); }
// v where w > 0, else 0
inline f4 keep_where_pos(f4 w, f4 v) { return wasm_v128_and(v, wasm_f32x4_gt(w, zero())); }
// 2^fn for integral fn in [-126, 127]
inline f4 pow2(f4 fn) {
  return wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(fn), wasm_i32x4_splat(127)), 23);
}
inline float lane0(f4 v) { return wasm_f32x4_extract_lane(v, 0); }
inline float lane1(f4 v) { return wasm_f32x4_extract_lane(v, 1); }
inline float lane2(f4 v) { return wasm_f32x4_extract_lane(v, 2); }
inline float lane3(f4 v) { return wasm_f32x4_extract_lane(v, 3); }
#define ATTN_SHUF(a, b, i0, i1, i2, i3) wasm_i32x4_shuffle((a), (b), i0, i1, i2, i3)
#elif defined(__GNUC__)
constexpr const char* kSimdName = "vector-extensions";
typedef float f4 __attribute__((vector_size(16)));
typedef int i4 __attribute__((vector_size(16)));
inline f4 ld(const float* p) {
  f4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void st(float* p, f4 v) { std::memcpy(p, &v, sizeof v); }
inline f4 set1(float x) { return f4{x, x, x, x}; }
inline f4 ld1(const float* p) { return set1(*p); }
inline f4 zero() { return f4{0, 0, 0, 0}; }
inline f4 add(f4 a, f4 b) { return a + b; }
inline f4 sub(f4 a, f4 b) { return a - b; }
inline f4 mul(f4 a, f4 b) { return a * b; }
inline f4 div(f4 a, f4 b) { return a / b; }
inline f4 vmax(f4 a, f4 b) {
  const i4 m = a < b;
  return (f4)(((i4)b & m) | ((i4)a & ~m));
}
inline f4 zero_where_lt(f4 x, f4 lo, f4 v) { return (f4)((i4)v & ~(x < lo)); }
inline f4 keep_where_pos(f4 w, f4 v) { return (f4)((i4)v & (w > zero())); }
inline f4 pow2(f4 fn) { return (f4)((__builtin_convertvector(fn, i4) + 127) << 23); }
inline float lane0(f4 v) { return v[0]; }
inline float lane1(f4 v) { return v[1]; }
inline float lane2(f4 v) { return v[2]; }
inline float lane3(f4 v) { return v[3]; }
#define ATTN_SHUF(a, b, i0, i1, i2, i3) __builtin_shufflevector((a), (b), i0, i1, i2, i3)
#else
constexpr const char* kSimdName = "scalar";
struct f4 {
  float v[4];
};
inline f4 ld(const float* p) {
  f4 r;
  std::memcpy(r.v, p, sizeof r.v);
  return r;
}
inline void st(float* p, f4 a) { std::memcpy(p, a.v, sizeof a.v); }
inline f4 set1(float x) { return f4{{x, x, x, x}}; }
inline f4 ld1(const float* p) { return set1(*p); }
inline f4 zero() { return set1(0); }
#define ATTN_LANEWISE(name, expr)              \
  inline f4 name(f4 a, f4 b) {                 \
    f4 r;                                      \
    for (int l = 0; l < 4; ++l) r.v[l] = expr; \
    return r;                                  \
  }
ATTN_LANEWISE(add, a.v[l] + b.v[l])
ATTN_LANEWISE(sub, a.v[l] - b.v[l])
ATTN_LANEWISE(mul, a.v[l] * b.v[l])
ATTN_LANEWISE(div, a.v[l] / b.v[l])
ATTN_LANEWISE(vmax, a.v[l] < b.v[l] ? b.v[l] : a.v[l])
#undef ATTN_LANEWISE
inline f4 zero_where_lt(f4 x, f4 lo, f4 v) {
  for (int l = 0; l < 4; ++l)
    if (x.v[l] < lo.v[l]) v.v[l] = 0;
  return v;
}
inline f4 keep_where_pos(f4 w, f4 v) {
  for (int l = 0; l < 4; ++l)
    if (!(w.v[l] > 0)) v.v[l] = 0;
  return v;
}
inline f4 pow2(f4 fn) {
  f4 r;
  for (int l = 0; l < 4; ++l) {
    const unsigned bits = static_cast<unsigned>(static_cast<int>(fn.v[l]) + 127) << 23;
    std::memcpy(&r.v[l], &bits, 4);
  }
  return r;
}
inline float lane0(f4 v) { return v.v[0]; }
inline float lane1(f4 v) { return v.v[1]; }
inline float lane2(f4 v) { return v.v[2]; }
inline float lane3(f4 v) { return v.v[3]; }
inline f4 shuf(f4 a, f4 b, int i0, int i1, int i2, int i3) {
  const float* s[2] = {a.v, b.v};
  const int idx[4] = {i0, i1, i2, i3};
  f4 r;
  for (int l = 0; l < 4; ++l) r.v[l] = s[idx[l] / 4][idx[l] % 4];
  return r;
}
#define ATTN_SHUF(a, b, i0, i1, i2, i3) shuf((a), (b), i0, i1, i2, i3)
#endif

// The one order of a horizontal sum: (l0 + l2) + (l1 + l3).
inline float hsum(f4 v) { return (lane0(v) + lane2(v)) + (lane1(v) + lane3(v)); }
inline float hmax(f4 v) {
  const float a = std::max(lane0(v), lane2(v)), b = std::max(lane1(v), lane3(v));
  return std::max(a, b);
}

// The horizontal sums of four vectors at once, each in hsum's order.
inline f4 reduce4(f4 a0, f4 a1, f4 a2, f4 a3) {
  const f4 s01 = add(ATTN_SHUF(a0, a1, 0, 4, 1, 5), ATTN_SHUF(a0, a1, 2, 6, 3, 7));  // (a0xz a1xz a0yw a1yw)
  const f4 s23 = add(ATTN_SHUF(a2, a3, 0, 4, 1, 5), ATTN_SHUF(a2, a3, 2, 6, 3, 7));
  return add(ATTN_SHUF(s01, s23, 0, 1, 4, 5), ATTN_SHUF(s01, s23, 2, 3, 6, 7));
}

// exp(x), Cephes expf: x = n ln2 + r, |r| <= ln2 / 2, e^r by a degree-6 polynomial.
// Inputs below ln(FLT_MIN) give 0, inputs above 88 are clamped to 88.
inline f4 exp4(f4 x) {
  const f4 lo = set1(-87.33654475f);
  const f4 xc = vmax(x, lo);
  const f4 hi = set1(88.0f);
  const f4 xx = sub(xc, vmax(sub(xc, hi), zero()));  // min(xc, 88) without a min op
  const f4 t = mul(xx, set1(1.44269504088896341f));
  const f4 magic = set1(12582912.0f);  // 1.5 · 2^23: adding it rounds to an integer
  const f4 fn = sub(add(t, magic), magic);
  f4 r = sub(xx, mul(fn, set1(0.693359375f)));
  r = sub(r, mul(fn, set1(-2.12194440e-4f)));
  f4 p = set1(1.9875691500e-4f);
  p = add(mul(p, r), set1(1.3981999507e-3f));
  p = add(mul(p, r), set1(8.3334519073e-3f));
  p = add(mul(p, r), set1(4.1665795894e-2f));
  p = add(mul(p, r), set1(1.6666665459e-1f));
  p = add(mul(p, r), set1(5.0000001201e-1f));
  const f4 y = add(add(mul(p, mul(r, r)), r), set1(1.0f));
  return zero_where_lt(x, lo, mul(y, pow2(fn)));
}
inline float exp1(float x) { return lane0(exp4(set1(x))); }

constexpr Index kWsumMaxBlocked = 256;  // dv up to this: weighted_sum_f32 blocks over rows
// Softmax sums: float lanes within a block of this many keys, double across blocks.
constexpr Index kSumBlock = 64;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// One key: the dot product in the order logits_f32 uses for every key.
inline float dot_one(const float* q, const float* k, Index d, Index d4) {
  f4 a = zero();
  for (Index c = 0; c < d4; c += 4) a = add(a, mul(ld(k + c), ld(q + c)));
  float t = hsum(a);
  for (Index c = d4; c < d; ++c) t += q[c] * k[c];
  return t;
}

// ---------------------------------------------------------------------------
// Self-attention building blocks.
// ---------------------------------------------------------------------------
constexpr Index kPanel = 8;   // keys per packed panel (two vectors)
constexpr Index kBlock = 16;  // query rows per block (lean mode's workspace rows)

inline Index round_up(Index x, Index to) { return (x + to - 1) / to * to; }

// K (n, d) -> panels of 8 keys: panel p holds, for k = 0..d-1, the 8 values
// K[8p + t][k] (t = 0..7) contiguously; keys past n are 0.
void pack_keys(const float* K, Index n, Index d, Index ldk, float* out) {
  const Index np = round_up(n, kPanel) / kPanel;
  for (Index p = 0; p < np; ++p) {
    float* dst = out + p * kPanel * d;
    for (Index t = 0; t < kPanel; ++t) {
      const Index j = p * kPanel + t;
      if (j < n) {
        const float* src = K + j * ldk;
        for (Index k = 0; k < d; ++k) dst[k * kPanel + t] = src[k];
      } else {
        for (Index k = 0; k < d; ++k) dst[k * kPanel + t] = 0;
      }
    }
  }
}

// 4 query rows x one 8-key panel: S = scale · (q_r · k_j), sums in k order.
inline void s_tile(const float* const q[4], const float* panel, Index d, f4 sc, f4 out[4][2]) {
  f4 a00 = zero(), a01 = zero(), a10 = zero(), a11 = zero();
  f4 a20 = zero(), a21 = zero(), a30 = zero(), a31 = zero();
  const float *q0 = q[0], *q1 = q[1], *q2 = q[2], *q3 = q[3];
  for (Index k = 0; k < d; ++k) {
    const f4 b0 = ld(panel + k * kPanel), b1 = ld(panel + k * kPanel + 4);
    f4 a = ld1(q0 + k);
    a00 = add(a00, mul(a, b0));
    a01 = add(a01, mul(a, b1));
    a = ld1(q1 + k);
    a10 = add(a10, mul(a, b0));
    a11 = add(a11, mul(a, b1));
    a = ld1(q2 + k);
    a20 = add(a20, mul(a, b0));
    a21 = add(a21, mul(a, b1));
    a = ld1(q3 + k);
    a30 = add(a30, mul(a, b0));
    a31 = add(a31, mul(a, b1));
  }
  out[0][0] = mul(a00, sc);
  out[0][1] = mul(a01, sc);
  out[1][0] = mul(a10, sc);
  out[1][1] = mul(a11, sc);
  out[2][0] = mul(a20, sc);
  out[2][1] = mul(a21, sc);
  out[3][0] = mul(a30, sc);
  out[3][1] = mul(a31, sc);
}

// acc[r][c] = Σ_{j < len} P_r[j] · V[j][c0 + c] for 4 rows and 8 columns (sums in j order).
inline void pv_tile8(const float* const P[4], const float* V, Index ldv, Index c0, Index len, f4 acc[4][2]) {
  f4 a00 = zero(), a01 = zero(), a10 = zero(), a11 = zero();
  f4 a20 = zero(), a21 = zero(), a30 = zero(), a31 = zero();
  const float *p0 = P[0], *p1 = P[1], *p2 = P[2], *p3 = P[3];
  const float* v = V + c0;
  for (Index j = 0; j < len; ++j, v += ldv) {
    const f4 b0 = ld(v), b1 = ld(v + 4);
    f4 a = ld1(p0 + j);
    a00 = add(a00, mul(a, b0));
    a01 = add(a01, mul(a, b1));
    a = ld1(p1 + j);
    a10 = add(a10, mul(a, b0));
    a11 = add(a11, mul(a, b1));
    a = ld1(p2 + j);
    a20 = add(a20, mul(a, b0));
    a21 = add(a21, mul(a, b1));
    a = ld1(p3 + j);
    a30 = add(a30, mul(a, b0));
    a31 = add(a31, mul(a, b1));
  }
  acc[0][0] = a00;
  acc[0][1] = a01;
  acc[1][0] = a10;
  acc[1][1] = a11;
  acc[2][0] = a20;
  acc[2][1] = a21;
  acc[3][0] = a30;
  acc[3][1] = a31;
}

inline void pv_tile4(const float* const P[4], const float* V, Index ldv, Index c0, Index len, f4 acc[4]) {
  f4 a0 = zero(), a1 = zero(), a2 = zero(), a3 = zero();
  const float* v = V + c0;
  for (Index j = 0; j < len; ++j, v += ldv) {
    const f4 b = ld(v);
    a0 = add(a0, mul(ld1(P[0] + j), b));
    a1 = add(a1, mul(ld1(P[1] + j), b));
    a2 = add(a2, mul(ld1(P[2] + j), b));
    a3 = add(a3, mul(ld1(P[3] + j), b));
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

}  // namespace

const char* simd_name() { return kSimdName; }

void exp_f32(const float* x, Index n, float* out) {
  Index i = 0;
  for (; i + 4 <= n; i += 4) st(out + i, exp4(ld(x + i)));
  for (; i < n; ++i) out[i] = exp1(x[i]);
}

bool logits_f32(const float* q, const float* K, Index n, Index d, Index ldk, float scale, float* logits,
                float* max_logit) {
  const f4 sc = set1(scale);
  f4 vmx = set1(kNegInf), fin = zero();  // fin stays 0 unless a logit is NaN/Inf (x · 0)
  Index i = 0;
  const Index d4 = d & ~Index(3);
  if (d == 2 && ldk == 2) {
    // Points in the plane: 4 keys per step, deinterleaved into x and y lanes.
    const f4 qx = set1(q[0]), qy = set1(q[1]);
    for (; i + 4 <= n; i += 4) {
      const f4 a = ld(K + 2 * i), b = ld(K + 2 * i + 4);
      const f4 x = ATTN_SHUF(a, b, 0, 2, 4, 6), y = ATTN_SHUF(a, b, 1, 3, 5, 7);
      const f4 r = mul(add(mul(x, qx), mul(y, qy)), sc);
      st(logits + i, r);
      vmx = vmax(vmx, r);
      fin = add(fin, mul(r, zero()));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const float *k0 = K + i * ldk, *k1 = k0 + ldk, *k2 = k1 + ldk, *k3 = k2 + ldk;
      f4 a0 = zero(), a1 = zero(), a2 = zero(), a3 = zero();
      for (Index c = 0; c < d4; c += 4) {
        const f4 qv = ld(q + c);
        a0 = add(a0, mul(ld(k0 + c), qv));
        a1 = add(a1, mul(ld(k1 + c), qv));
        a2 = add(a2, mul(ld(k2 + c), qv));
        a3 = add(a3, mul(ld(k3 + c), qv));
      }
      f4 r = reduce4(a0, a1, a2, a3);
      if (d4 < d) {
        float t[4];
        st(t, r);
        for (Index c = d4; c < d; ++c) {
          t[0] += q[c] * k0[c];
          t[1] += q[c] * k1[c];
          t[2] += q[c] * k2[c];
          t[3] += q[c] * k3[c];
        }
        r = ld(t);
      }
      r = mul(r, sc);
      st(logits + i, r);
      vmx = vmax(vmx, r);
      fin = add(fin, mul(r, zero()));
    }
  }
  float mx = hmax(vmx), sfin = hsum(fin);
  for (; i < n; ++i) {
    const float l = dot_one(q, K + i * ldk, d, d4) * scale;
    logits[i] = l;
    mx = std::max(mx, l);
    sfin += l * 0.0f;
  }
  *max_logit = mx;
  return sfin == 0;
}

SoftmaxOut softmax_f32(const float* logits, Index n, float max_logit, float* weights) {
  SoftmaxOut s;
  s.max_logit = max_logit;
  // argmax: the first index holding the maximum.
  for (Index i = 0; i < n; ++i)
    if (logits[i] == max_logit) {
      s.argmax = i;
      break;
    }
  // exp and sum; the max contributes exactly 1, so sum >= 1. Sums run in float lanes over
  // blocks of kSumBlock keys and the block sums add up in double: a float running sum
  // over 2^24 keys drifts by ~0.4% (Σw = 1.0039), blocks keep the error at float rounding.
  const f4 mv = set1(max_logit);
  double total = 0;
  Index i = 0;
  for (;;) {
    const Index end = std::min(n, i + kSumBlock);
    f4 acc = zero();
    for (; i + 4 <= end; i += 4) {
      const f4 e = exp4(sub(ld(logits + i), mv));
      st(weights + i, e);
      acc = add(acc, e);
    }
    float part = hsum(acc);
    for (; i < end; ++i) {  // only in the last block
      weights[i] = exp1(logits[i] - max_logit);
      part += weights[i];
    }
    total += part;
    if (end == n) break;
  }
  const float sum = static_cast<float>(total);
  // normalise, and Σ w (l - max) over w > 0 for the entropy (as attn::softmax_into).
  const f4 sv = set1(sum);
  double dot_total = 0;
  i = 0;
  for (;;) {
    const Index end = std::min(n, i + kSumBlock);
    f4 dacc = zero();
    for (; i + 4 <= end; i += 4) {
      const f4 w = div(ld(weights + i), sv);
      st(weights + i, w);
      dacc = add(dacc, keep_where_pos(w, mul(w, sub(ld(logits + i), mv))));
    }
    float part = hsum(dacc);
    for (; i < end; ++i) {
      weights[i] /= sum;
      if (weights[i] > 0) part += weights[i] * (logits[i] - max_logit);
    }
    dot_total += part;
    if (end == n) break;
  }
  const float dot = static_cast<float>(dot_total);
  const float log_sum = std::log(sum);
  s.log_sum_exp = max_logit + log_sum;
  s.entropy = std::clamp<float>(log_sum - dot, 0.0f, std::log(static_cast<float>(n)));
  s.effective_keys = std::exp(s.entropy);
  return s;
}

bool weighted_sum_f32(const float* w, const float* V, Index n, Index dv, Index ldv, float* out) {
  // Rows alternate between two accumulator sets (even / odd row) for latency;
  // out = even + odd.
  f4 fin = zero();
  Index c = 0;
  if (dv == 2 && ldv == 2) {
    // 2 rows per vector: (V_i0, V_i1, V_{i+1}0, V_{i+1}1) · (w_i, w_i, w_{i+1}, w_{i+1}).
    f4 e = zero(), o = zero();
    Index i = 0;
    for (; i + 4 <= n; i += 4) {
      const f4 wv = ld(w + i);
      e = add(e, mul(ld(V + 2 * i), ATTN_SHUF(wv, wv, 0, 0, 1, 1)));
      o = add(o, mul(ld(V + 2 * i + 4), ATTN_SHUF(wv, wv, 2, 2, 3, 3)));
    }
    const f4 t = add(e, o);
    float s0 = lane0(t) + lane2(t), s1 = lane1(t) + lane3(t);
    for (; i < n; ++i) {
      s0 += w[i] * V[2 * i];
      s1 += w[i] * V[2 * i + 1];
    }
    out[0] = s0;
    out[1] = s1;
    return s0 * 0.0f + s1 * 0.0f == 0;
  }
  if (dv >= 16 && dv <= kWsumMaxBlocked) {
    // Rows in blocks of 64 (a block of V stays in L1 while every 16-column chunk
    // visits it): V streams from memory once. The accumulators live in two small
    // stack arrays between blocks, so every sum has the same order as below.
    alignas(16) float even[kWsumMaxBlocked], odd[kWsumMaxBlocked];
    const Index c16 = dv & ~Index(15);
    std::fill(even, even + c16, 0.0f);
    std::fill(odd, odd + c16, 0.0f);
    constexpr Index kRows = 64;
    for (Index b = 0; b < n; b += kRows) {
      const Index end = std::min(n, b + kRows);
      // Touch the block row by row first: a sequential stream the hardware
      // prefetcher follows (the column chunks below would walk it with a stride).
      // The touch doubles as the finiteness check of V (v · 0).
      for (Index i = b; i < end; ++i)
        for (Index cc = 0; cc < c16; cc += 16) fin = add(fin, mul(ld(V + i * ldv + cc), zero()));
      for (Index cc = 0; cc < c16; cc += 16) {
        f4 e0 = ld(even + cc), e1 = ld(even + cc + 4), e2 = ld(even + cc + 8), e3 = ld(even + cc + 12);
        f4 o0 = ld(odd + cc), o1 = ld(odd + cc + 4), o2 = ld(odd + cc + 8), o3 = ld(odd + cc + 12);
        const float* v = V + b * ldv + cc;
        Index i = b;
        for (; i + 2 <= end; i += 2, v += 2 * ldv) {
          const f4 we = ld1(w + i), wo = ld1(w + i + 1);
          e0 = add(e0, mul(we, ld(v)));
          e1 = add(e1, mul(we, ld(v + 4)));
          e2 = add(e2, mul(we, ld(v + 8)));
          e3 = add(e3, mul(we, ld(v + 12)));
          o0 = add(o0, mul(wo, ld(v + ldv)));
          o1 = add(o1, mul(wo, ld(v + ldv + 4)));
          o2 = add(o2, mul(wo, ld(v + ldv + 8)));
          o3 = add(o3, mul(wo, ld(v + ldv + 12)));
        }
        if (i < end) {  // only in the last block (blocks have an even length)
          const f4 we = ld1(w + i);
          e0 = add(e0, mul(we, ld(v)));
          e1 = add(e1, mul(we, ld(v + 4)));
          e2 = add(e2, mul(we, ld(v + 8)));
          e3 = add(e3, mul(we, ld(v + 12)));
        }
        st(even + cc, e0);
        st(even + cc + 4, e1);
        st(even + cc + 8, e2);
        st(even + cc + 12, e3);
        st(odd + cc, o0);
        st(odd + cc + 4, o1);
        st(odd + cc + 8, o2);
        st(odd + cc + 12, o3);
      }
    }
    for (; c < c16; c += 4) {
      const f4 r = add(ld(even + c), ld(odd + c));
      st(out + c, r);
      fin = add(fin, mul(r, zero()));
    }
  }
  for (; c + 16 <= dv; c += 16) {
    f4 e0 = zero(), e1 = zero(), e2 = zero(), e3 = zero();
    f4 o0 = zero(), o1 = zero(), o2 = zero(), o3 = zero();
    const float* v = V + c;
    Index i = 0;
    for (; i + 2 <= n; i += 2, v += 2 * ldv) {
      const f4 we = ld1(w + i), wo = ld1(w + i + 1);
      e0 = add(e0, mul(we, ld(v)));
      e1 = add(e1, mul(we, ld(v + 4)));
      e2 = add(e2, mul(we, ld(v + 8)));
      e3 = add(e3, mul(we, ld(v + 12)));
      o0 = add(o0, mul(wo, ld(v + ldv)));
      o1 = add(o1, mul(wo, ld(v + ldv + 4)));
      o2 = add(o2, mul(wo, ld(v + ldv + 8)));
      o3 = add(o3, mul(wo, ld(v + ldv + 12)));
    }
    if (i < n) {
      const f4 we = ld1(w + i);
      e0 = add(e0, mul(we, ld(v)));
      e1 = add(e1, mul(we, ld(v + 4)));
      e2 = add(e2, mul(we, ld(v + 8)));
      e3 = add(e3, mul(we, ld(v + 12)));
    }
    const f4 r0 = add(e0, o0), r1 = add(e1, o1), r2 = add(e2, o2), r3 = add(e3, o3);
    st(out + c, r0);
    st(out + c + 4, r1);
    st(out + c + 8, r2);
    st(out + c + 12, r3);
    fin = add(fin, mul(add(add(r0, r1), add(r2, r3)), zero()));
  }
  for (; c + 4 <= dv; c += 4) {
    f4 e = zero(), o = zero();
    const float* v = V + c;
    Index i = 0;
    for (; i + 2 <= n; i += 2, v += 2 * ldv) {
      e = add(e, mul(ld1(w + i), ld(v)));
      o = add(o, mul(ld1(w + i + 1), ld(v + ldv)));
    }
    if (i < n) e = add(e, mul(ld1(w + i), ld(v)));
    const f4 r = add(e, o);
    st(out + c, r);
    fin = add(fin, mul(r, zero()));
  }
  float sfin = hsum(fin);
  for (; c < dv; ++c) {
    float e = 0, o = 0;
    Index i = 0;
    for (; i + 2 <= n; i += 2) {
      e += w[i] * V[i * ldv + c];
      o += w[i + 1] * V[(i + 1) * ldv + c];
    }
    if (i < n) e += w[i] * V[i * ldv + c];
    out[c] = e + o;
    sfin += out[c] * 0.0f;
  }
  return sfin == 0;
}

Index attention_workspace_floats(Index m, Index n, Index d, bool lean) {
  (void)m;
  const Index n8 = round_up(std::max<Index>(n, 1), kPanel);
  Index total = n8 * d;                           // packed keys
  total += round_up(d, 4);                        // a zero query row (pads the last quad)
  total += n8 + 8;                                // a zero probability row (pads the last quad)
  if (lean) total += kBlock * (n8 + 8) + kBlock;  // logits / probabilities of one block, row sums
  return total + 16;
}

bool attention_f32(const AttentionProblem& p, const AttentionOutputs& out, float* ws) {
  const Index m = p.m, n = p.n, d = p.d, dv = p.V ? p.dv : 0;
  const bool lean = out.logits == nullptr || out.weights == nullptr;
  const Index n8 = round_up(n, kPanel);
  float* kp = ws;
  float* zq = kp + n8 * d;
  float* zp = zq + round_up(d, 4);
  float* sblock = zp + n8 + 8;
  const Index lds_ws = n8 + 8;  // workspace row stride (room for a padded tile store)
  float* sums = sblock + kBlock * lds_ws;
  std::fill(zq, zq + round_up(d, 4), 0.0f);
  std::fill(zp, zp + n8 + 8, 0.0f);
  pack_keys(p.K, n, d, p.ldk, kp);

  const f4 sc = set1(p.scale);
  f4 fin = zero();
  float sfin = 0;
  float* srow[kBlock];  // the logit row of each query of the block
  float* prow[kBlock];  // its probability row
  Index len[kBlock];    // visible keys of the row: [0, len)

  for (Index i0 = 0; i0 < m; i0 += kBlock) {
    const Index rows = std::min(kBlock, m - i0);
    for (Index r = 0; r < rows; ++r) {
      const Index i = i0 + r;
      len[r] = p.causal ? std::min(i + 1, n) : n;
      srow[r] = lean ? sblock + r * lds_ws : out.logits + i * out.lds;
      prow[r] = lean ? srow[r] : out.weights + i * out.lds;
    }
    // 1) logits, panel by panel (the panel stays in L1 across the block's quads).
    for (Index qd = 0; qd < rows; qd += 4) {
      const Index qrows = std::min<Index>(4, rows - qd);
      const float* qp[4];
      for (Index r = 0; r < 4; ++r) qp[r] = r < qrows ? p.Q + (i0 + qd + r) * p.ldq : zq;
      // Lean + causal: panels entirely above the diagonal of this quad are skipped.
      const Index keys_needed = lean ? len[qd + qrows - 1] : n;
      const Index panels = round_up(keys_needed, kPanel) / kPanel;
      for (Index pj = 0; pj < panels; ++pj) {
        f4 t[4][2];
        s_tile(qp, kp + pj * kPanel * d, d, sc, t);
        const Index j0 = pj * kPanel;
        const bool whole = lean || j0 + kPanel <= n;
        for (Index r = 0; r < qrows; ++r) {
          float* dst = srow[qd + r] + j0;
          if (whole) {
            st(dst, t[r][0]);
            st(dst + 4, t[r][1]);
          } else {
            float tmp[8];
            st(tmp, t[r][0]);
            st(tmp + 4, t[r][1]);
            for (Index c = 0; c < n - j0; ++c) dst[c] = tmp[c];
          }
        }
      }
    }
    // 2) row softmax over the visible keys.
    for (Index r = 0; r < rows; ++r) {
      const float* s = srow[r];
      float* w = prow[r];
      const Index L = len[r];
      // max, and the finiteness of every logit written (full mode: all n).
      const Index check = lean ? L : n;
      f4 vm = set1(kNegInf);
      Index j = 0;
      for (; j + 4 <= L; j += 4) vm = vmax(vm, ld(s + j));
      float mx = hmax(vm);
      for (; j < L; ++j) mx = std::max(mx, s[j]);
      for (j = 0; j + 4 <= check; j += 4) fin = add(fin, mul(ld(s + j), zero()));
      for (; j < check; ++j) sfin += s[j] * 0.0f;
      // exp and sum (and Σ e (l - max) for the lean entropy)
      // (blocks of kSumBlock in float lanes, block sums in double, as in softmax_f32)
      const f4 mv = set1(mx);
      double sum_total = 0, edot_total = 0;
      j = 0;
      for (;;) {
        const Index end = std::min(L, j + kSumBlock);
        f4 acc = zero(), eacc = zero();
        for (; j + 4 <= end; j += 4) {
          const f4 x = sub(ld(s + j), mv);
          const f4 e = exp4(x);
          st(w + j, e);
          acc = add(acc, e);
          eacc = add(eacc, keep_where_pos(e, mul(e, x)));
        }
        float part = hsum(acc), epart = hsum(eacc);
        for (; j < end; ++j) {
          const float x = s[j] - mx;
          w[j] = exp1(x);
          part += w[j];
          if (w[j] > 0) epart += w[j] * x;
        }
        sum_total += part;
        edot_total += epart;
        if (end >= L) break;
      }
      const float sum = static_cast<float>(sum_total), edot = static_cast<float>(edot_total);
      const float log_sum = std::log(sum);
      float dot;
      if (lean) {
        sums[r] = sum;
        dot = edot / sum;
        // zeros up to the quad's longest row, so P · V may read them
        const Index quad_end = std::min<Index>((r / 4) * 4 + 4, rows);
        const Index Lq = len[quad_end - 1];
        std::fill(w + L, w + Lq, 0.0f);
      } else {
        const f4 sv = set1(sum);
        double dot_total = 0;
        j = 0;
        for (;;) {
          const Index end = std::min(L, j + kSumBlock);
          f4 dacc = zero();
          for (; j + 4 <= end; j += 4) {
            const f4 wv = div(ld(w + j), sv);
            st(w + j, wv);
            dacc = add(dacc, keep_where_pos(wv, mul(wv, sub(ld(s + j), mv))));
          }
          float part = hsum(dacc);
          for (; j < end; ++j) {
            w[j] /= sum;
            if (w[j] > 0) part += w[j] * (s[j] - mx);
          }
          dot_total += part;
          if (end >= L) break;
        }
        dot = static_cast<float>(dot_total);
        std::fill(w + L, w + n, 0.0f);  // masked: exactly 0
      }
      if (out.entropy) out.entropy[i0 + r] = std::clamp<float>(log_sum - dot, 0.0f, std::log(static_cast<float>(L)));
    }
    // 3) O = P V for each quad, over the quad's longest visible prefix.
    if (dv > 0 && out.O) {
      for (Index qd = 0; qd < rows; qd += 4) {
        const Index qrows = std::min<Index>(4, rows - qd);
        const float* pp[4];
        for (Index r = 0; r < 4; ++r) pp[r] = r < qrows ? prow[qd + r] : zp;
        const Index L = len[qd + qrows - 1];
        float* orow[4];
        for (Index r = 0; r < qrows; ++r) orow[r] = out.O + (i0 + qd + r) * out.ldo;
        f4 inv[4];
        for (Index r = 0; r < 4; ++r) inv[r] = set1(lean && r < qrows ? sums[qd + r] : 1.0f);
        Index c = 0;
        for (; c + 8 <= dv; c += 8) {
          f4 acc[4][2];
          pv_tile8(pp, p.V, p.ldv, c, L, acc);
          for (Index r = 0; r < qrows; ++r) {
            const f4 o0 = lean ? div(acc[r][0], inv[r]) : acc[r][0];
            const f4 o1 = lean ? div(acc[r][1], inv[r]) : acc[r][1];
            st(orow[r] + c, o0);
            st(orow[r] + c + 4, o1);
            fin = add(fin, mul(add(o0, o1), zero()));
          }
        }
        for (; c + 4 <= dv; c += 4) {
          f4 acc[4];
          pv_tile4(pp, p.V, p.ldv, c, L, acc);
          for (Index r = 0; r < qrows; ++r) {
            const f4 o = lean ? div(acc[r], inv[r]) : acc[r];
            st(orow[r] + c, o);
            fin = add(fin, mul(o, zero()));
          }
        }
        for (; c < dv; ++c)
          for (Index r = 0; r < qrows; ++r) {
            float a = 0;
            for (Index j = 0; j < L; ++j) a += pp[r][j] * p.V[j * p.ldv + c];
            if (lean) a /= sums[qd + r];
            orow[r][c] = a;
            sfin += a * 0.0f;
          }
      }
    }
  }
  return hsum(fin) == 0 && sfin == 0;
}

}  // namespace kernels
}  // namespace attn
