// Reading tensors from files a user drops on the page or hands the CLI: NumPy .npy, safetensors
// and JSON. The bytes are hostile until proven otherwise: every length, offset and dimension is
// checked (in 64 bits, with checked multiplication) before it is used or allocated, and every
// problem is an attn::invalid_argument naming the file, the tensor when known, and what is wrong
// (docs/tensors.md lists the rules and the limits below).
//
//   .npy         format 1.0, 2.0, 3.0; '<f2', '<f4', '<f8'; C or Fortran order
//   safetensors  u64 LE header length N, N bytes of JSON header, the data; F16, BF16, F32, F64;
//                data_offsets must tile the data exactly (the reference implementation's rule)
//   JSON         a nested array of numbers, or an object of name -> nested array
//
// Data always comes out row-major as float; NaN, ±Inf and float64 values beyond float range
// are errors. No nlohmann-json here: the WASM core does not link it, so a small strict JSON
// reader lives in tensors.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attn {

enum class TensorFormat { detect, npy, safetensors, json };

// "detect", "npy", "safetensors", "json". parse throws attn::invalid_argument("format", ...).
std::string to_string(TensorFormat format);
TensorFormat parse_tensor_format(const std::string& text);

// One tensor as stored: the shape as written in the file (any rank up to kMaxTensorRank, 0 for
// a scalar), the stored element type ("float16", "bfloat16", "float32", "float64"; JSON numbers
// are "float64"), and the values in row-major order. data.size() == product(shape).
// An .npy file and a bare JSON array hold one tensor named "".
struct Tensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::string dtype;
  std::vector<float> data;  // row-major
};

// Limits, checked before any allocation (docs/tensors.md).
constexpr std::uint64_t kMaxTensorFileBytes = std::uint64_t(512) << 20;       // 512 MiB
constexpr std::uint64_t kMaxSafetensorsHeaderBytes = std::uint64_t(1) << 20;  // 1 MiB
constexpr std::uint64_t kMaxNpyHeaderBytes = std::uint64_t(64) << 10;         // 64 KiB
constexpr std::int64_t kMaxTensorElements = std::int64_t(1) << 27;            // over all tensors of a file
constexpr std::int64_t kMaxTensorsPerFile = 65536;
constexpr int kMaxTensorRank = 8;
constexpr int kMaxTensorJsonDepth = 8;            // nesting of arrays and objects in a JSON tensor file
constexpr std::int64_t kMaxTensorTokens = 65536;  // T, for heads_shape
constexpr std::int64_t kMaxTensorDim = 4096;      // d
constexpr std::int64_t kMaxTensorHeads = 256;     // H

// Reads every tensor in the file, in the order the file lists them. format detect looks at
// the bytes: "\x93NUMPY" is .npy, '[' or '{' after whitespace is JSON, anything else is tried
// as safetensors. file_name is only used in messages. Throws attn::invalid_argument (argument
// = the file name) for any file that breaks a rule or a limit, or that holds no tensor.
std::vector<Tensor> read_tensors(const std::uint8_t* bytes, std::size_t size, const std::string& file_name,
                                 TensorFormat format = TensorFormat::detect);

// A tensor read as attention heads: (T, d) is one head, (H, T, d) and (1, H, T, d) are H.
struct HeadsShape {
  std::int64_t heads;
  std::int64_t tokens;  // T
  std::int64_t dim;     // d
};

// Throws attn::invalid_argument naming the file, the tensor and its shape for any other rank,
// a leading batch above 1, or H, T, d outside 1..kMaxTensorHeads / kMaxTensorTokens / kMaxTensorDim.
HeadsShape heads_shape(const Tensor& tensor, const std::string& file_name);

// "(2, 3, 4)", "(5,)", "()": a shape as messages write it (Python's tuple spelling).
std::string shape_text(const std::vector<std::int64_t>& shape);

}  // namespace attn
