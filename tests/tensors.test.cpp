// attn/tensors.hpp: .npy, safetensors and JSON files built here byte by byte, read back;
// every rule of docs/tensors.md broken once, and the hostile corpus in tests/fuzz/tensors.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "attn/errors.hpp"
#include "attn/tensors.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;
using Shape = std::vector<std::int64_t>;

void put_le(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint32_t float_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// Exact for the values used here (zero and normal numbers with at most 11 significant bits).
std::uint16_t half_bits(float f) {
  const std::uint32_t b = float_bits(f);
  const std::uint32_t sign = (b >> 16) & 0x8000u;
  if ((b & 0x7fffffffu) == 0) return static_cast<std::uint16_t>(sign);
  const std::uint32_t exp = ((b >> 23) & 0xffu) - 127 + 15;
  return static_cast<std::uint16_t>(sign | (exp << 10) | ((b >> 13) & 0x3ffu));
}

// Values as the file stores them, in the given dtype ("f2", "bf", "f4", "f8").
Bytes encode(const std::vector<double>& values, const std::string& dtype) {
  Bytes out;
  for (double v : values) {
    if (dtype == "f2")
      put_le(out, half_bits(static_cast<float>(v)), 2);
    else if (dtype == "bf")
      put_le(out, float_bits(static_cast<float>(v)) >> 16, 2);
    else if (dtype == "f4")
      put_le(out, float_bits(static_cast<float>(v)), 4);
    else {
      std::uint64_t b;
      std::memcpy(&b, &v, sizeof b);
      put_le(out, b, 8);
    }
  }
  return out;
}

std::string tuple(const Shape& s) {
  std::string out = "(";
  for (std::size_t k = 0; k < s.size(); ++k) out += (k ? ", " : "") + std::to_string(s[k]);
  if (s.size() == 1) out += ",";
  return out + ")";
}

// An .npy file as numpy.lib.format writes it: magic, version, header length, the dict padded
// with spaces to a multiple of 64 and ended by '\n', then the data.
Bytes npy(const std::string& descr, bool fortran, const Shape& shape, const Bytes& data, int version = 1,
          const std::string& dict_override = "") {
  std::string dict = dict_override.empty()
                         ? "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                               ", 'shape': " + tuple(shape) + ", }"
                         : dict_override;
  const std::size_t pre = version == 1 ? 10 : 12;
  while ((pre + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  Bytes out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(version), 0};
  put_le(out, dict.size(), version == 1 ? 2 : 4);
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes safetensors(const std::string& header, const Bytes& data) {
  Bytes out;
  put_le(out, header.size(), 8);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::vector<attn::Tensor> read(const Bytes& b, const std::string& name = "t.bin",
                               attn::TensorFormat f = attn::TensorFormat::detect) {
  return attn::read_tensors(b.data(), b.size(), name, f);
}

// The message of the attn::invalid_argument reading b throws ("" if it reads).
std::string error_of(const Bytes& b, const std::string& name = "bad.bin") {
  try {
    read(b, name);
  } catch (const attn::invalid_argument& e) {
    CHECK(e.argument() == name);
    return e.what();
  }
  return "";
}

// 0, 0.25, -0.5, ... : exact in every dtype, so the round trips compare exactly.
std::vector<double> ramp(std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = (static_cast<double>(i % 9) - 4) * 0.25 * (i % 2 ? -1 : 1);
  return v;
}

// Column-major copy of a row-major array of the given shape.
std::vector<double> to_fortran(const std::vector<double>& rowmajor, const Shape& shape) {
  std::vector<double> out(rowmajor.size());
  const std::size_t rank = shape.size();
  std::vector<std::int64_t> idx(rank, 0);
  for (std::size_t i = 0; i < rowmajor.size(); ++i) {
    std::int64_t f = 0, stride = 1;  // Fortran offset of idx
    for (std::size_t k = 0; k < rank; ++k) {
      f += idx[k] * stride;
      stride *= shape[k];
    }
    out[static_cast<std::size_t>(f)] = rowmajor[i];
    for (std::size_t k = rank; k-- > 0;)
      if (++idx[k] < shape[k])
        break;
      else
        idx[k] = 0;
  }
  return out;
}

std::vector<float> as_float(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }

}  // namespace

TEST_CASE("npy: every version, dtype and order reads back row-major", "[tensors]") {
  const std::vector<std::pair<std::string, std::string>> dtypes = {
      {"<f2", "float16"}, {"<f4", "float32"}, {"<f8", "float64"}};
  for (const Shape& shape : {Shape{2, 3}, Shape{2, 3, 4}, Shape{5}, Shape{}, Shape{1, 2, 3, 2}}) {
    std::size_t n = 1;
    for (auto d : shape) n *= static_cast<std::size_t>(d);
    const std::vector<double> values = ramp(n);
    for (int version : {1, 2, 3})
      for (const auto& [descr, name] : dtypes)
        for (bool fortran : {false, true}) {
          INFO("version " << version << ", " << descr << (fortran ? ", Fortran" : ", C") << ", shape "
                          << attn::shape_text(shape));
          const Bytes b = npy(descr, fortran, shape,
                              encode(fortran ? to_fortran(values, shape) : values, descr.substr(1)), version);
          const auto t = read(b, "a.npy");
          REQUIRE(t.size() == 1);
          CHECK(t[0].name.empty());
          CHECK(t[0].shape == shape);
          CHECK(t[0].dtype == name);
          CHECK(t[0].data == as_float(values));
        }
  }
}

TEST_CASE("npy: float16 subnormals, float64 rounding to float, and an empty array", "[tensors]") {
  Bytes data;
  put_le(data, 0x0001, 2);  // 2^-24, the smallest subnormal
  put_le(data, 0x83ff, 2);  // -(1023 · 2^-24)
  put_le(data, 0x7bff, 2);  // 65504, the largest half
  auto t = read(npy("<f2", false, {3}, data));
  CHECK(t[0].data == std::vector<float>{std::ldexp(1.0f, -24), -1023 * std::ldexp(1.0f, -24), 65504.0f});
  t = read(npy("<f8", false, {2}, encode({0.1, 3.4028235e38}, "f8")));
  CHECK(t[0].data == std::vector<float>{0.1f, 3.4028234663852886e38f});
  t = read(npy("<f4", false, {0, 3}, {}));
  CHECK(t[0].shape == Shape{0, 3});
  CHECK(t[0].data.empty());
  // Huge dimensions beside a 0 (found by the fuzzer: their strides overflowed).
  for (bool fortran : {false, true}) {
    t = read(npy("<f4", fortran, {0, std::int64_t(1) << 32, std::int64_t(1) << 32}, {}));
    CHECK(t[0].shape == Shape{0, std::int64_t(1) << 32, std::int64_t(1) << 32});
    CHECK(t[0].data.empty());
  }
}

TEST_CASE("safetensors: F16, BF16, F32, F64, several tensors, metadata, offsets in any header order", "[tensors]") {
  // Data: a (2, 2) F16, then b (3,) F32, then c () F64, then d (2, 1) BF16; the header lists them
  // in another order and pads itself with spaces like the reference writer.
  Bytes data = encode({1, -2, 0.5, 4}, "f2");
  const Bytes b = encode({0.25, -0.75, 8}, "f4"), c = encode({-3.5}, "f8"), d = encode({1.5, -64}, "bf");
  data.insert(data.end(), b.begin(), b.end());
  data.insert(data.end(), c.begin(), c.end());
  data.insert(data.end(), d.begin(), d.end());
  const std::string header =
      R"({"__metadata__": {"format": "pt", "note": "\u00e9\n"}, "c": {"dtype": "F64", "shape": [], "data_offsets": [20, 28]},)"
      R"( "a": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]}, "b": {"shape": [3], "dtype": "F32", "data_offsets": [8, 20]},)"
      R"( "d": {"dtype": "BF16", "shape": [2, 1], "data_offsets": [28, 32]}}    )";
  const auto t = read(safetensors(header, data), "m.safetensors");
  REQUIRE(t.size() == 4);
  CHECK(t[0].name == "c");
  CHECK(t[0].shape.empty());
  CHECK(t[0].dtype == "float64");
  CHECK(t[0].data == std::vector<float>{-3.5f});
  CHECK(t[1].name == "a");
  CHECK(t[1].shape == Shape{2, 2});
  CHECK(t[1].dtype == "float16");
  CHECK(t[1].data == std::vector<float>{1, -2, 0.5, 4});
  CHECK(t[2].name == "b");
  CHECK(t[2].data == std::vector<float>{0.25f, -0.75f, 8});
  CHECK(t[3].name == "d");
  CHECK(t[3].dtype == "bfloat16");
  CHECK(t[3].data == std::vector<float>{1.5f, -64});
}

TEST_CASE("safetensors: a header length whose first byte is '{' or ' ' is not taken for JSON", "[tensors]") {
  for (std::size_t len : {123u, 32u + 256u, 91u + 256u}) {  // first byte '{', ' ', '['

    std::string header = R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})";
    header.resize(len, ' ');
    const auto t = read(safetensors(header, encode({2}, "f4")));
    CHECK(t[0].data == std::vector<float>{2});
  }
  // An empty tensor takes no bytes and may sit anywhere in the tiling.
  const auto t = read(safetensors(
      R"({"e": {"dtype": "F32", "shape": [0, 4], "data_offsets": [4, 4]}, "x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
      encode({2}, "f4")));
  CHECK(t[0].shape == Shape{0, 4});
  CHECK(t[0].data.empty());
}

TEST_CASE("json: a nested array, or an object of named arrays", "[tensors]") {
  auto t = read(text(" [[1, 2.5, -3e2], [0, -0, 1E-2]] \n"), "q.json");
  REQUIRE(t.size() == 1);
  CHECK(t[0].name.empty());
  CHECK(t[0].shape == Shape{2, 3});
  CHECK(t[0].dtype == "float64");
  CHECK(t[0].data == std::vector<float>{1, 2.5f, -300, 0, -0.0f, 0.01f});
  t = read(text(R"({"q": [[1], [2]], "k\u00e9": [[[3, 4]]], "e": [], "f": [[], []]})"));
  REQUIRE(t.size() == 4);
  CHECK(t[0].name == "q");
  CHECK(t[0].shape == Shape{2, 1});
  CHECK(t[1].name == "k\xc3\xa9");
  CHECK(t[1].shape == Shape{1, 1, 2});
  CHECK(t[1].data == std::vector<float>{3, 4});
  CHECK(t[2].shape == Shape{0});
  CHECK(t[3].shape == Shape{2, 0});
  // The explicit format wins over detection.
  CHECK(read(text("[1]"), "x", attn::TensorFormat::json)[0].data == std::vector<float>{1});
  CHECK_THROWS_AS(read(text("[1]"), "x", attn::TensorFormat::npy), attn::invalid_argument);
}

TEST_CASE("heads_shape: (T, d), (H, T, d) and (1, H, T, d), and anything else names the shape", "[tensors]") {
  attn::Tensor t;
  t.name = "q";
  t.shape = {5, 3};
  auto h = attn::heads_shape(t, "f.npy");
  CHECK((h.heads == 1 && h.tokens == 5 && h.dim == 3));
  t.shape = {2, 5, 3};
  h = attn::heads_shape(t, "f.npy");
  CHECK((h.heads == 2 && h.tokens == 5 && h.dim == 3));
  t.shape = {1, 4, 5, 3};
  h = attn::heads_shape(t, "f.npy");
  CHECK((h.heads == 4 && h.tokens == 5 && h.dim == 3));
  const auto message = [&](Shape s) {
    t.shape = s;
    try {
      attn::heads_shape(t, "f.npy");
    } catch (const attn::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message({7}) ==
        "f.npy: tensor \"q\": shape (7,) is not attention heads; expected (T, d), (H, T, d) or (1, H, T, d)");
  CHECK(message({2, 4, 5, 3}).find("shape (2, 4, 5, 3) is not attention heads") != std::string::npos);
  CHECK(message({65537, 2}).find("T = 65537") != std::string::npos);
  CHECK(message({3, 4097}).find("d = 4097") != std::string::npos);
  CHECK(message({257, 1, 1}).find("H = 257") != std::string::npos);
  CHECK(message({0, 1}).find("T = 0") != std::string::npos);
  CHECK(message({65536, 4096}).empty());
}

TEST_CASE("format names parse and print", "[tensors]") {
  for (auto f :
       {attn::TensorFormat::detect, attn::TensorFormat::npy, attn::TensorFormat::safetensors, attn::TensorFormat::json})
    CHECK(attn::parse_tensor_format(attn::to_string(f)) == f);
  CHECK_THROWS_WITH(attn::parse_tensor_format("pt"), "format: is \"pt\"; expected detect, npy, safetensors or json");
}

TEST_CASE("npy: every broken rule is an error naming the file and the problem", "[tensors]") {
  const Bytes good = npy("<f4", false, {2, 3}, encode(ramp(6), "f4"));
  REQUIRE(error_of(good).empty());
  const auto has = [](const std::string& message, const std::string& part) {
    INFO(message);
    CHECK(message.rfind("bad.bin: ", 0) == 0);
    CHECK(message.find(part) != std::string::npos);
  };
  has(error_of(Bytes(good.begin(), good.end() - 1)),
      "truncated data: shape (2, 3) of float32 needs 24 bytes but the file has 23");
  Bytes longer = good;
  longer.push_back(0);
  has(error_of(longer), "1 bytes of trailing garbage");
  has(error_of(Bytes(good.begin(), good.begin() + 9)), "truncated .npy file: 9 bytes");
  has(error_of(Bytes(good.begin(), good.begin() + 40)), "truncated .npy file: the header declares");
  has(error_of(npy(">f4", false, {2, 3}, encode(ramp(6), "f4"))), "is big-endian");
  has(error_of(npy("|f4", false, {2, 3}, encode(ramp(6), "f4"))), "dtype \"|f4\" is not supported");
  has(error_of(npy("<i4", false, {2, 3}, encode(ramp(6), "f4"))), "dtype \"<i4\" is not supported");
  has(error_of(npy("", false, {}, {}, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }")),
      "negative dimension");
  has(error_of(npy("", false, {}, {}, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 3), }")),
      "not a whole number");
  has(error_of(npy("", false, {}, {}, 1, "{'descr': '<f4', 'descr': '<f4', 'shape': (2,), }")), "appears twice");
  has(error_of(npy("", false, {}, {}, 1, "{'descr': '<f4', 'fortran_order': False}")), "expected the keys");
  has(error_of(npy("", false, {}, {}, 1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}")),
      "structured dtype");
  has(error_of(npy("", false, {}, {}, 1,
                   "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }")),
      "overflows 64 bits");
  has(error_of(npy("<f4", false, {1 << 14, 1 << 14}, {})), "has 268435456 elements; expected at most 134217728");
  Bytes v4 = good;
  v4[6] = 4;
  has(error_of(v4), "version 4.0 is not supported");
  Bytes nan = npy("<f4", false, {2, 2}, encode({1, 2, NAN, 4}, "f4"));
  has(error_of(nan), "entry [1, 0] (flat index 2) is nan; expected a finite number");
  // Fortran order: the message gives the row-major position.
  Bytes inf = npy("<f8", true, {2, 2}, encode({1, 2, INFINITY, 4}, "f8"));
  has(error_of(inf), "entry [0, 1] (flat index 1) is inf");
  has(error_of(npy("<f8", false, {1}, encode({1e39}, "f8"))),
      "(flat index 0) is 9.9999999999999994e+38; beyond float range");
  has(error_of(npy("<f2", false, {1}, {0x00, 0x7c})), "is inf");
}

TEST_CASE("safetensors: every broken rule is an error naming the file, the tensor and the problem", "[tensors]") {
  const auto st = [](const std::string& header, std::size_t data_bytes) {
    return safetensors(header, Bytes(data_bytes, 0));
  };
  const auto has = [](const std::string& message, const std::string& part) {
    INFO(message);
    CHECK(message.rfind("bad.bin: ", 0) == 0);
    CHECK(message.find(part) != std::string::npos);
  };
  const std::string one = R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})";
  REQUIRE(error_of(st(one, 8)).empty());
  has(error_of(st(one, 7)), "tensor \"w\": data_offsets [0, 8] reach past the data, which has 7 bytes");
  has(error_of(st(one, 9)), "1 bytes after the last tensor's data");
  has(error_of(Bytes{1, 2, 3}), "truncated safetensors file: 3 bytes");
  Bytes cut = st(one, 8);
  cut.resize(30);
  has(error_of(cut), "truncated safetensors file: the header declares");
  Bytes huge;
  put_le(huge, 2u << 20, 8);
  huge.resize(64, '{');
  has(error_of(huge), "header length is 2097152 bytes; expected at most 1048576");
  // Declared length longer than the JSON: the rest must be whitespace.
  has(error_of(st(one + "xy", 8)), "after the header's closing '}'");
  // Declared length shorter than the JSON.
  Bytes shorter = st(one, 8);
  shorter[0] = static_cast<std::uint8_t>(one.size() - 1);
  has(error_of(shorter), "the text ends early");
  has(error_of(st(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8)),
      "tensor \"w\": shape (3,) of F32 needs 12 bytes but data_offsets [0, 8] hold 8");
  has(error_of(st(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}})", 8)), "needs 4 bytes");
  has(error_of(st(R"({"w": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}})", 8)),
      "tensor \"w\": dtype \"I32\" is not supported; expected F16, BF16, F32 or F64");
  has(error_of(st(R"({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", 8)),
      "shape: is -2; expected a whole number >= 0");
  has(error_of(st(R"({"w": {"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]}})", 8)),
      "shape: is 2.0; expected a whole number");
  has(error_of(st(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}})", 8)),
      "overflows 64 bits");
  has(error_of(st(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})", 8)), "end before they begin");
  has(error_of(st(
          R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
          4)),
      "overlap");
  has(error_of(st(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8)), "leave a gap: bytes 0 to 4");
  has(error_of(st(
          R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
          8)),
      "tensor \"a\" appears twice");
  has(error_of(st(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, })", 4)), "expected '\"'");
  has(error_of(st(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}})", 4)),
      "unexpected key \"x\"");
  has(error_of(st(R"({"a": {"dtype": "F32", "shape": [1]}})", 0)), "expected the keys dtype, shape and data_offsets");
  has(error_of(st(R"({"__metadata__": {"k": 1}})", 0)), "__metadata__: expected string values");
  has(error_of(st(R"({"__metadata__": {}})", 0)), "holds no tensors");
  has(error_of(st("[1]", 0)), "header does not start with '{'");
  has(error_of(st("{\"a\x01\": 1}", 0)), "control character");
  has(error_of(st("{\"\xff\": 1}", 0)), "not UTF-8");
  const Bytes nan =
      safetensors(R"({"x": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}})", Bytes{0x80, 0x3f, 0xc0, 0x7f});
  has(error_of(nan), "tensor \"x\": entry [1] (flat index 1) is nan");
}

TEST_CASE("json: every broken rule is an error naming the file and the problem", "[tensors]") {
  const auto has = [](const std::string& message, const std::string& part) {
    INFO(message);
    CHECK(message.rfind("bad.bin: ", 0) == 0);
    CHECK(message.find(part) != std::string::npos);
  };
  has(error_of(text("[[1, 2], [3]]")), "ragged");
  has(error_of(text("[1, [2]]")), "ragged");
  has(error_of(text("[[1], 2]")), "ragged");
  has(error_of(text("[[[1]], []]")), "ragged");
  has(error_of(text("[1, 2,]")), "expected a number but found ']'");
  has(error_of(text("[1, 2] x")), "unexpected 'x' after the JSON value");
  has(error_of(text("[1e400]")), "beyond double range");
  has(error_of(text("[1e39]")), "beyond float range");
  has(error_of(text("[NaN]")), "expected a number");
  has(error_of(text("[01]")), "expected ',' but found '1'");
  has(error_of(text("[[[[[[[[[1]]]]]]]]]")), "nested deeper than 8");
  CHECK(error_of(text("[[[[[[[[1]]]]]]]]")).empty());
  has(error_of(text(R"({"a": [[[[[[[[1]]]]]]]]})")), "tensor \"a\": JSON byte");
  has(error_of(text(R"({"a": [1], "a": [2]})")), "tensor \"a\" appears twice");
  has(error_of(text(R"({"a": 1})")), "expected a nested array of numbers");
  has(error_of(text("{}")), "holds no tensors");
  has(error_of(text("[1, 2")), "the text ends early");
  has(error_of(Bytes{}), "the file is empty");
  // A file naming many tensors: unique names are checked in a set, and there is a limit.
  std::string many = "{";
  for (int i = 0; i <= 65536; ++i) many += (i ? ",\"" : "\"") + std::to_string(i) + "\":[]";
  has(error_of(text(many + "}")), "more than 65536 tensors");
  many.resize(many.rfind(','));
  CHECK(read(text(many + "}")).size() == 65536);
}

TEST_CASE("messages name the file, escaped, even a hostile file name", "[tensors]") {
  const Bytes b = text("[1,");
  try {
    read(b, "a\nb\xe2\x80\xa8.json");
    FAIL("no error");
  } catch (const attn::invalid_argument& e) {
    CHECK(e.argument() == "a\\nb\\u2028.json");
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  try {
    read(b, "");
  } catch (const attn::invalid_argument& e) {
    CHECK(e.argument() == "tensor file");
  }
}

#ifdef ATTN_TENSOR_CORPUS
// tests/fuzz/tensors: every hostile file (scripts/make-hostile-tensors.py) is an
// attn::invalid_argument whose message names the file; every seed reads.
TEST_CASE("tensor corpus: hostile files fail with the file's name, seeds read", "[tensors]") {
  namespace fs = std::filesystem;
  const auto files = [](const char* sub) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(fs::path(ATTN_TENSOR_CORPUS) / sub))
      if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto bytes = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const auto hostile = files("hostile");
  CHECK(hostile.size() >= 50);
  for (const fs::path& p : hostile) {
    const std::string name = p.filename().string();
    INFO(name);
    const Bytes b = bytes(p);
    try {
      read(b, name);
      FAIL("read without an error: " << name);
    } catch (const attn::invalid_argument& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).rfind(name + ": ", 0) == 0);
    }
  }
  const auto seeds = files("seeds");
  CHECK(seeds.size() >= 6);
  for (const fs::path& p : seeds) {
    INFO(p.filename().string());
    const Bytes b = bytes(p);
    const auto t = read(b, p.filename().string());
    CHECK(!t.empty());
  }
}
#endif
