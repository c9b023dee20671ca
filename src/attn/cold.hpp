// Size over speed for code a plot runs when a setting changes or input is bad, never once
// per key per frame: the options beyond softmax (entmax, sink, rope, linear kernels), the
// layouts, von Mises, the overflow repairs. In the WebAssembly build (clang) such code is
// compiled like -Oz while the hot path (attend_into's fast path, the kernels, Eigen's
// loops it calls) stays -O3: whole-module -Oz makes Eigen 8-38x slower (docs/performance.md).
// The attributes live in the IR, so they survive -flto; the native build (GCC) is unchanged.
//
//   ATTN_COLD          on one function: minsize, and noinline so that an -O3 caller does
//                      not pull it back into fast code
//   ATTN_COLD_BEGIN/END  around the definitions of a whole file (after its #includes, so
//                      Eigen's and the standard library's templates keep their -O3 copies)
#pragma once

#if defined(__EMSCRIPTEN__) && defined(__clang__)
#define ATTN_COLD __attribute__((minsize, noinline))
#define ATTN_COLD_BEGIN                                                          \
  _Pragma("clang attribute push(__attribute__((minsize)), apply_to = function)") \
      _Pragma("clang attribute push(__attribute__((noinline)), apply_to = function)")
#define ATTN_COLD_END _Pragma("clang attribute pop") _Pragma("clang attribute pop")
#else
#define ATTN_COLD
#define ATTN_COLD_BEGIN
#define ATTN_COLD_END
#endif
