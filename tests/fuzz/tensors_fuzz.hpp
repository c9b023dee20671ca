// The checks both tensor fuzz targets (npy_fuzz.cpp, safetensors_fuzz.cpp) run on every input:
//  * the only exception is attn::invalid_argument, and its message is one line (no control
//    characters) that starts with the file's name and is short;
//  * every tensor read keeps the promises of attn/tensors.hpp: rank <= kMaxTensorRank, dims >= 0,
//    data.size() == product(shape), every value finite, a known dtype, unique names, at most
//    kMaxTensorElements in all; heads_shape either throws attn::invalid_argument or gives
//    H · T · d == product(shape) within the limits.
// A broken promise aborts, so libFuzzer saves the input and fuzz_replay fails on it.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <string>

#include "attn/errors.hpp"
#include "attn/tensors.hpp"

namespace attn_fuzz {

[[noreturn]] inline void broken(const char* promise, const std::string& detail) {
  std::fprintf(stderr, "fuzz: broken promise: %s\n  %s\n", promise, detail.substr(0, 2000).c_str());
  std::abort();
}

inline void check_message(const std::string& message, const std::string& file) {
  if (message.rfind(file + ": ", 0) != 0) broken("an error starts with the file's name", message);
  for (char c : message)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      broken("an error is one line without control characters", message);
  if (message.size() > 1000) broken("an error is short", message);
}

inline int read_and_check(const std::uint8_t* data, std::size_t size, attn::TensorFormat format) {
  const std::string file = "fuzz.bin";
  std::vector<attn::Tensor> tensors;
  try {
    tensors = attn::read_tensors(data, size, file, format);
  } catch (const attn::invalid_argument& e) {
    check_message(e.what(), file);
    return 0;
  } catch (const std::exception& e) {
    broken("only attn::invalid_argument escapes read_tensors", e.what());
  } catch (...) {
    broken("only attn::invalid_argument escapes read_tensors", "(not a std::exception)");
  }
  if (tensors.empty()) broken("a file that reads holds a tensor", "");
  std::set<std::string> names;
  std::int64_t total = 0;
  for (const attn::Tensor& t : tensors) {
    if (!names.insert(t.name).second) broken("names are unique", t.name);
    if (t.shape.size() > static_cast<std::size_t>(attn::kMaxTensorRank)) broken("rank <= 8", attn::shape_text(t.shape));
    std::int64_t n = 1;
    for (std::int64_t d : t.shape) {
      if (d < 0) broken("dims >= 0", attn::shape_text(t.shape));
      // Saturating at kMaxTensorElements + 1: no overflow here, and 0 still wins.
      n = d != 0 && n > attn::kMaxTensorElements / d ? attn::kMaxTensorElements + 1 : n * d;
    }
    if (n > attn::kMaxTensorElements || static_cast<std::int64_t>(t.data.size()) != n)
      broken("data.size() == product(shape)", attn::shape_text(t.shape));
    total += n;
    if (t.dtype != "float16" && t.dtype != "bfloat16" && t.dtype != "float32" && t.dtype != "float64")
      broken("a known dtype", t.dtype);
    for (float v : t.data)
      if (!std::isfinite(v)) broken("every value is finite", t.name);
    try {
      const attn::HeadsShape h = attn::heads_shape(t, file);
      if (h.heads < 1 || h.heads > attn::kMaxTensorHeads || h.tokens < 1 || h.tokens > attn::kMaxTensorTokens ||
          h.dim < 1 || h.dim > attn::kMaxTensorDim || h.heads * h.tokens * h.dim != n)
        broken("heads_shape fits the shape and the limits", attn::shape_text(t.shape));
    } catch (const attn::invalid_argument& e) {
      check_message(e.what(), file);
    }
  }
  if (total > attn::kMaxTensorElements) broken("at most kMaxTensorElements in a file", "");
  return 0;
}

}  // namespace attn_fuzz
