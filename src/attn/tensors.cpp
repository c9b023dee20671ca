#include "attn/tensors.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>

#include "attn/cold.hpp"
#include "attn/errors.hpp"

ATTN_COLD_BEGIN  // attn/cold.hpp: a file is read once per drop, never per frame

    namespace attn {
  namespace {

  using detail::cat;
  using detail::quoted;

  enum class Dtype { f16, bf16, f32, f64 };

  const char* dtype_name(Dtype t) {
    switch (t) {
      case Dtype::f16:
        return "float16";
      case Dtype::bf16:
        return "bfloat16";
      case Dtype::f32:
        return "float32";
      default:
        return "float64";
    }
  }

  std::size_t dtype_bytes(Dtype t) { return t == Dtype::f64 ? 8 : t == Dtype::f32 ? 4 : 2; }

  // Everything a message needs to say where: the file (the error's argument) and the tensor.
  struct Where {
    std::string file;    // as the argument of attn::invalid_argument: escaped, short
    std::string tensor;  // "" before a name is known
    bool named = false;
  };

  std::string file_label(const std::string& file_name) {
    if (file_name.empty()) return "tensor file";
    std::string out;
    const std::size_t used = detail::escape_into(out, file_name, 120, false);
    if (used < file_name.size()) out += "...";
    return out;
  }

  [[noreturn]] ATTN_COLD void fail(const Where& w, const std::string& problem) {
    if (w.named) throw invalid_argument(w.file, cat("tensor ", quoted(w.tensor), ": ", problem));
    throw invalid_argument(w.file, problem);
  }

  std::uint64_t read_le(const std::uint8_t* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }

  float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    std::uint32_t bits;
    if (exp == 0x1f)
      bits = sign | 0x7f800000u | (man << 13);  // Inf or NaN: rejected by the caller
    else if (exp == 0) {
      // Zero or subnormal: man · 2^-24, exact in float.
      const float v = static_cast<float>(man) * (1.0f / 16777216.0f);
      return sign ? -v : v;
    } else
      bits = sign | ((exp + 112) << 23) | (man << 13);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }

  // Checked product of the dimensions: throws on overflow of 2^63 or beyond the element limit.
  std::int64_t element_count(const std::vector<std::int64_t>& shape, const Where& w) {
    std::int64_t n = 1;
    for (std::int64_t dim : shape) {
      if (dim != 0 && n > std::numeric_limits<std::int64_t>::max() / dim)
        fail(w, cat("shape ", shape_text(shape), ": the product of its dimensions overflows 64 bits"));
      n *= dim;
    }
    for (std::int64_t dim : shape)
      if (dim == 0) n = 0;
    if (n > kMaxTensorElements)
      fail(w, cat("shape ", shape_text(shape), " has ", n, " elements; expected at most ", kMaxTensorElements));
    return n;
  }

  // Multi-index of a row-major flat index, for messages: "[1, 2]".
  std::string index_text(const std::vector<std::int64_t>& shape, std::int64_t flat) {
    std::vector<std::int64_t> idx(shape.size());
    for (std::size_t k = shape.size(); k-- > 0;) {
      idx[k] = shape[k] ? flat % shape[k] : 0;
      flat = shape[k] ? flat / shape[k] : 0;
    }
    std::string out = "[";
    for (std::size_t k = 0; k < idx.size(); ++k) out += cat(k ? ", " : "", idx[k]);
    return out + "]";
  }

  // A double as float, or an error naming the entry: NaN, ±Inf, or a value that would round to ±Inf.
  float to_float(double v, const Tensor& t, std::int64_t flat, const Where& w, bool shape_known = true) {
    // 2^128 − 2^103: the smallest magnitude that rounds to infinity in float.
    constexpr double kOverflow = 340282356779733661637539395458142568448.0;
    if (!(v - v == 0) || v >= kOverflow || v <= -kOverflow) {
      const std::string what =
          !(v - v == 0) ? "expected a finite number" : "beyond float range (±3.4028234663852886e38)";
      fail(w, shape_known ? cat("entry ", index_text(t.shape, flat), " (flat index ", flat, ") is ", v, "; ", what)
                          : cat("number ", flat, " (flat index, row-major) is ", v, "; ", what));
    }
    return static_cast<float>(v);
  }

  // Element i of an array of dtype at p, as double (exact for every dtype).
  double element(const std::uint8_t* p, Dtype dtype, std::int64_t i) {
    switch (dtype) {
      case Dtype::f16:
        return half_to_float(static_cast<std::uint16_t>(read_le(p + 2 * i, 2)));
      case Dtype::bf16:
      case Dtype::f32: {
        const std::uint32_t bits = dtype == Dtype::bf16 ? static_cast<std::uint32_t>(read_le(p + 2 * i, 2)) << 16
                                                        : static_cast<std::uint32_t>(read_le(p + 4 * i, 4));
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return f;
      }
      default: {
        const std::uint64_t bits = read_le(p + 8 * i, 8);
        double v;
        std::memcpy(&v, &bits, sizeof v);
        return v;
      }
    }
  }

  // Decodes count elements of type dtype from p into t.data (row-major). fortran: p holds them
  // column-major (first index fastest).
  void decode(const std::uint8_t* p, Dtype dtype, std::int64_t count, bool fortran, Tensor& t, const Where& w) {
    t.data.assign(static_cast<std::size_t>(count), 0.0f);
    // An empty tensor may have huge dimensions beside its 0 (the fuzzer's (0, 2^32, 2^32)):
    // their products would overflow. With count > 0 every product of dimensions is <= count.
    if (count == 0) return;
    const std::size_t rank = t.shape.size();
    if (!fortran || rank < 2) {
      for (std::int64_t i = 0; i < count; ++i)
        t.data[static_cast<std::size_t>(i)] = to_float(element(p, dtype, i), t, i, w);
      return;
    }
    // Fortran order reverses the axes. Element (i0, m, ib) — first axis, the middle axes as one
    // index, last axis — is stored at i0 + A·mf + A·M·ib (mf: m's column-major index) and goes to
    // i0·M·B + m·B + ib. Copied in 32 × 32 tiles of (i0, ib) so that reads and writes both stay
    // in cache: element by element, a 2^13 × 2^14 float32 array took 11 s instead of ~1.
    const std::int64_t A = t.shape[0], B = t.shape[rank - 1], M = count / A / B;
    std::vector<std::int64_t> mid(rank, 0);  // m's multi-index over axes 1 .. rank-2
    constexpr std::int64_t kTile = 32;
    for (std::int64_t m = 0; m < M; ++m) {
      std::int64_t mf = 0, stride = 1;
      for (std::size_t k = 1; k + 1 < rank; ++k) {
        mf += mid[k] * stride;
        stride *= t.shape[k];
      }
      for (std::int64_t i0 = 0; i0 < A; i0 += kTile)
        for (std::int64_t ib = 0; ib < B; ib += kTile) {
          const std::int64_t i1 = std::min(A, i0 + kTile), ibe = std::min(B, ib + kTile);
          for (std::int64_t i = i0; i < i1; ++i)
            for (std::int64_t j = ib; j < ibe; ++j) {
              const std::int64_t at = (i * M + m) * B + j;
              t.data[static_cast<std::size_t>(at)] = to_float(element(p, dtype, i + A * mf + A * M * j), t, at, w);
            }
        }
      for (std::size_t k = rank - 1; k-- > 1;)  // next m, row-major over the middle axes
        if (++mid[k] < t.shape[k])
          break;
        else
          mid[k] = 0;
    }
  }

  // ---- A small strict JSON reader (RFC 8259), shared by the safetensors header and JSON files.

  struct Json {
    const std::uint8_t* p;
    const std::uint8_t* end;
    const std::uint8_t* begin;
    const Where* w;
    const char* what;  // "header" or "JSON"

    bool at_end() const { return p >= end; }
    std::size_t offset() const { return static_cast<std::size_t>(p - begin); }

    [[noreturn]] void error(const std::string& problem) const {
      fail(*w, cat(what, " byte ", offset(), ": ", problem));
    }

    void skip_ws() {
      while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
    }

    std::string describe_next() const {
      if (at_end()) return "the end";
      const auto c = *p;
      if (c >= 0x20 && c < 0x7f) return cat("'", static_cast<char>(c), "'");
      return cat("byte ", static_cast<unsigned>(c));
    }

    void expect(char c) {
      skip_ws();
      if (at_end() || *p != static_cast<std::uint8_t>(c))
        error(cat("expected '", c, "' but found ", describe_next(),
                  at_end() ? " (the text ends early: truncated, or a declared length too short?)" : ""));
      ++p;
    }

    // Peeks the next non-space character (0 at the end).
    char peek() {
      skip_ws();
      return at_end() ? '\0' : static_cast<char>(*p);
    }

    unsigned hex4() {
      unsigned v = 0;
      for (int i = 0; i < 4; ++i, ++p) {
        if (at_end()) error("the text ends inside a \\u escape");
        const unsigned c = *p;
        const unsigned d = c >= '0' && c <= '9'   ? c - '0'
                           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : 16;
        if (d == 16) error("expected four hex digits after \\u");
        v = v * 16 + d;
      }
      return v;
    }

    static void put_utf8(std::string& out, unsigned long cp) {
      if (cp < 0x80)
        out += static_cast<char>(cp);
      else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      }
    }

    std::string string() {
      expect('"');
      std::string out;
      for (;;) {
        if (at_end()) error("the text ends inside a string");
        const std::uint8_t c = *p;
        if (c == '"') {
          ++p;
          return out;
        }
        if (c < 0x20) error("a control character inside a string (escape it)");
        if (c == '\\') {
          ++p;
          if (at_end()) error("the text ends inside a string");
          const char e = static_cast<char>(*p++);
          switch (e) {
            case '"':
            case '\\':
            case '/':
              out += e;
              break;
            case 'b':
              out += '\b';
              break;
            case 'f':
              out += '\f';
              break;
            case 'n':
              out += '\n';
              break;
            case 'r':
              out += '\r';
              break;
            case 't':
              out += '\t';
              break;
            case 'u': {
              unsigned long cp = hex4();
              if (cp >= 0xdc00 && cp <= 0xdfff) error("a lone low surrogate in a \\u escape");
              if (cp >= 0xd800 && cp <= 0xdbff) {
                if (end - p < 2 || p[0] != '\\' || p[1] != 'u') error("a high surrogate without its low half");
                p += 2;
                const unsigned lo = hex4();
                if (lo < 0xdc00 || lo > 0xdfff) error("a high surrogate without its low half");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              }
              put_utf8(out, cp);
              break;
            }
            default:
              --p;
              error(cat("an unknown escape \\", describe_next()));
          }
          continue;
        }
        // Raw UTF-8: check the sequence (no overlongs, surrogates or code points past U+10FFFF).
        const int len = c < 0x80                ? 1
                        : c >= 0xc2 && c < 0xe0 ? 2
                        : c >= 0xe0 && c < 0xf0 ? 3
                        : c >= 0xf0 && c < 0xf5 ? 4
                                                : 0;
        if (len == 0 || end - p < len) error("a string that is not UTF-8");
        unsigned long cp = len == 1 ? c : len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
        for (int k = 1; k < len; ++k) {
          if ((p[k] & 0xc0u) != 0x80u) error("a string that is not UTF-8");
          cp = (cp << 6) | (p[k] & 0x3fu);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
          error("a string that is not UTF-8");
        out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
        p += len;
      }
    }

    // A JSON number's text (strict grammar); integer = no fraction and no exponent.
    std::string number_text(bool& integer) {
      skip_ws();
      const std::uint8_t* s = p;
      const auto digits = [&] {
        const std::uint8_t* d = p;
        while (p < end && *p >= '0' && *p <= '9') ++p;
        return p > d;
      };
      integer = true;
      if (p < end && *p == '-') ++p;
      if (p < end && *p == '0')
        ++p;
      else if (!digits()) {
        p = s;
        error(cat("expected a number but found ", describe_next()));
      }
      if (p < end && *p == '.') {
        ++p;
        integer = false;
        if (!digits()) error("expected digits after '.'");
      }
      if (p < end && (*p == 'e' || *p == 'E')) {
        ++p;
        integer = false;
        if (p < end && (*p == '+' || *p == '-')) ++p;
        if (!digits()) error("expected digits in the exponent");
      }
      if (p - s > 400) {
        p = s;
        error("a number longer than 400 characters");
      }
      return std::string(reinterpret_cast<const char*>(s), static_cast<std::size_t>(p - s));
    }

    double number() {
      bool integer;
      const std::size_t at = (skip_ws(), offset());
      const std::string text = number_text(integer);
      const double v = std::strtod(text.c_str(), nullptr);
      if (!(v - v == 0)) {
        p = begin + at;
        error(cat("the number ", quoted(text), " is beyond double range"));
      }
      return v;
    }

    // A non-negative whole number (a dimension or an offset), at most 2^53.
    std::int64_t whole(const char* field) {
      const std::size_t at = (skip_ws(), offset());
      bool integer;
      const std::string text = number_text(integer);
      const auto back = [&](const std::string& problem) {
        p = begin + at;
        error(cat(field, ": ", problem));
      };
      if (!integer) back(cat("is ", text, "; expected a whole number"));
      if (text[0] == '-') back(cat("is ", text, "; expected a whole number >= 0"));
      if (text.size() > 16) back(cat("is ", text, "; expected at most 2^53"));
      const std::int64_t v = std::strtoll(text.c_str(), nullptr, 10);
      if (v > (std::int64_t(1) << 53)) back(cat("is ", text, "; expected at most 2^53"));
      return v;
    }

    // The rest of the text must be whitespace.
    void finish(const char* after) {
      skip_ws();
      if (!at_end()) error(cat("unexpected ", describe_next(), " after ", after));
    }
  };

  // Calls f(key) for each member of an object, the cursor after the key's ':'; f reads the value.
  // No trailing comma.
  template <typename F>
  void members(Json& j, F&& f) {
    j.expect('{');
    if (j.peek() == '}') {
      ++j.p;
      return;
    }
    for (;;) {
      const std::string key = j.string();
      j.expect(':');
      f(key);
      if (j.peek() != ',') break;
      ++j.p;
    }
    j.expect('}');
  }

  // ---- .npy

  // The header dict's Python literal: strings ('..' or ".."), True/False, tuples of whole numbers.
  struct PyLiteral {
    const std::uint8_t* p;
    const std::uint8_t* end;
    const Where* w;

    [[noreturn]] void error(const std::string& problem) const {
      fail(*w, cat(".npy header: ", problem,
                   p >= end ? " (the header ends early: truncated, or its declared length too short?)" : ""));
    }

    void skip_ws() {
      while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
    }
    char peek() {
      skip_ws();
      return p < end ? static_cast<char>(*p) : '\0';
    }
    void expect(char c) {
      if (peek() == c) {
        ++p;
        return;
      }
      const unsigned found = p < end ? *p : 0;
      error(cat("expected '", c, "' but found ",
                p >= end                        ? std::string("the end")
                : found >= 0x20 && found < 0x7f ? cat("'", static_cast<char>(found), "'")
                                                : cat("byte ", found)));
    }
    std::string string() {
      const char q = peek();
      if (q != '\'' && q != '"') error("expected a quoted string");
      ++p;
      std::string out;
      while (p < end && *p != q) {
        if (*p == '\\' || *p < 0x20) error("expected a plain string (no escapes)");
        out += static_cast<char>(*p++);
        if (out.size() > 64) error("a string longer than 64 characters");
      }
      if (p >= end) error("the text ends inside a string");
      ++p;
      return out;
    }
    bool boolean() {
      skip_ws();
      const auto word = [&](const char* s) {
        const std::size_t n = std::strlen(s);
        if (static_cast<std::size_t>(end - p) < n || std::memcmp(p, s, n) != 0) return false;
        p += n;
        return true;
      };
      if (word("True")) return true;
      if (word("False")) return false;
      error("fortran_order: expected True or False");
    }
    std::vector<std::int64_t> tuple() {
      expect('(');
      std::vector<std::int64_t> dims;
      while (peek() != ')') {
        if (peek() == '-') error("shape: has a negative dimension");
        if (!(peek() >= '0' && peek() <= '9')) error("shape: expected whole numbers in a tuple, like (3, 4)");
        std::int64_t v = 0;
        while (p < end && *p >= '0' && *p <= '9') {
          v = v * 10 + (*p++ - '0');  // no overflow: v <= 2^53 before
          if (v > (std::int64_t(1) << 53)) error("shape: a dimension beyond 2^53");
        }
        if (p < end && (*p == 'L' || *p == 'l')) ++p;  // Python 2's long
        if (peek() == '.' || peek() == 'e' || peek() == 'E') error("shape: has a dimension that is not a whole number");
        dims.push_back(v);
        if (dims.size() > static_cast<std::size_t>(kMaxTensorRank))
          error(cat("shape: has more than ", kMaxTensorRank, " dimensions"));
        if (peek() == ',')
          ++p;
        else if (peek() != ')')
          error("shape: expected ',' or ')' in the tuple");
      }
      ++p;
      return dims;
    }
  };

  Dtype npy_dtype(const std::string& descr, const Where& w) {
    if (descr == "<f2") return Dtype::f16;
    if (descr == "<f4") return Dtype::f32;
    if (descr == "<f8") return Dtype::f64;
    if (descr.size() == 3 && descr[0] == '>' && descr[1] == 'f')
      fail(w, cat("dtype ", quoted(descr),
                  " is big-endian; expected little-endian '<f2', '<f4' or '<f8' "
                  "(numpy: a.astype(a.dtype.newbyteorder('<')))"));
    fail(w, cat("dtype ", quoted(descr),
                " is not supported; expected '<f2', '<f4' or '<f8' (float16/32/64, little-endian)"));
  }

  std::vector<Tensor> read_npy(const std::uint8_t* b, std::size_t size, const Where& w0) {
    Where w = w0;
    if (size < 10) fail(w, cat("truncated .npy file: ", size, " bytes, shorter than the 10-byte preamble"));
    if (std::memcmp(b, "\x93NUMPY", 6) != 0) fail(w, "not an .npy file: it does not start with \\x93NUMPY");
    const int major = b[6], minor = b[7];
    if (!((major == 1 || major == 2 || major == 3) && minor == 0))
      fail(w, cat(".npy format version ", major, ".", minor, " is not supported; expected 1.0, 2.0 or 3.0"));
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    if (size < 8 + len_bytes) fail(w, "truncated .npy file: it ends inside the header length");
    const std::uint64_t header_len = read_le(b + 8, static_cast<int>(len_bytes));
    const std::size_t start = 8 + len_bytes;
    if (header_len > kMaxNpyHeaderBytes)
      fail(w, cat(".npy header declares ", header_len, " bytes; expected at most ", kMaxNpyHeaderBytes));
    if (header_len > size - start)
      fail(w, cat("truncated .npy file: the header declares ", header_len, " bytes but only ", size - start,
                  " follow the preamble"));
    PyLiteral lit{b + start, b + start + header_len, &w};
    std::string descr;
    bool fortran = false, have_descr = false, have_order = false, have_shape = false;
    std::vector<std::int64_t> shape;
    lit.expect('{');
    while (lit.peek() != '}') {
      const std::string key = lit.string();
      lit.expect(':');
      bool* seen = key == "descr"           ? &have_descr
                   : key == "fortran_order" ? &have_order
                   : key == "shape"         ? &have_shape
                                            : nullptr;
      if (!seen) lit.error(cat("unexpected key ", quoted(key), "; expected descr, fortran_order and shape"));
      if (*seen) lit.error(cat("key ", quoted(key), " appears twice"));
      *seen = true;
      if (key == "descr") {
        if (lit.peek() != '\'' && lit.peek() != '"')
          lit.error("descr: a structured dtype (a list) is not supported; expected '<f2', '<f4' or '<f8'");
        descr = lit.string();
      } else if (key == "fortran_order")
        fortran = lit.boolean();
      else
        shape = lit.tuple();
      if (lit.peek() == ',')
        ++lit.p;
      else if (lit.peek() != '}')
        lit.error("expected ',' or '}' after a value");
    }
    ++lit.p;
    lit.skip_ws();
    if (lit.p != lit.end)
      lit.error("text after the dict; the header is longer than its dict (or the declared length is wrong)");
    if (!have_descr || !have_order || !have_shape) lit.error("expected the keys descr, fortran_order and shape");
    const Dtype dtype = npy_dtype(descr, w);
    const std::int64_t count = element_count(shape, w);
    const std::uint64_t need = static_cast<std::uint64_t>(count) * dtype_bytes(dtype);
    const std::uint64_t have = size - start - header_len;
    if (have < need)
      fail(w, cat("truncated data: shape ", shape_text(shape), " of ", dtype_name(dtype), " needs ", need,
                  " bytes but the file has ", have, " after the header"));
    if (have > need)
      fail(w, cat(have - need, " bytes of trailing garbage after the data (shape ", shape_text(shape), " of ",
                  dtype_name(dtype), " is ", need, " bytes)"));
    Tensor t;
    t.shape = shape;
    t.dtype = dtype_name(dtype);
    decode(b + start + header_len, dtype, count, fortran, t, w);
    std::vector<Tensor> out;
    out.push_back(std::move(t));
    return out;
  }

  // ---- safetensors

  struct Entry {
    Tensor tensor;
    Dtype dtype = Dtype::f32;
    std::uint64_t begin = 0, end = 0;
  };

  Dtype safetensors_dtype(const std::string& s, const Where& w) {
    if (s == "F16") return Dtype::f16;
    if (s == "BF16") return Dtype::bf16;
    if (s == "F32") return Dtype::f32;
    if (s == "F64") return Dtype::f64;
    fail(w, cat("dtype ", quoted(s), " is not supported; expected F16, BF16, F32 or F64"));
  }

  std::vector<std::int64_t> whole_array(Json& j, const char* field, std::size_t max_len) {
    std::vector<std::int64_t> out;
    j.expect('[');
    if (j.peek() == ']') {
      ++j.p;
      return out;
    }
    for (;;) {
      if (out.size() >= max_len) j.error(cat(field, ": has more than ", max_len, " entries"));
      out.push_back(j.whole(field));
      if (j.peek() == ']') {
        ++j.p;
        return out;
      }
      j.expect(',');
    }
  }

  std::vector<Tensor> read_safetensors(const std::uint8_t* b, std::size_t size, const Where& w0) {
    Where w = w0;
    if (size < 8) fail(w, cat("truncated safetensors file: ", size, " bytes, shorter than the 8-byte header length"));
    const std::uint64_t n = read_le(b, 8);
    if (n > kMaxSafetensorsHeaderBytes)
      fail(w, cat("safetensors header length is ", n, " bytes; expected at most ", kMaxSafetensorsHeaderBytes,
                  " (or not a tensor file: formats are .npy, safetensors and JSON)"));
    if (n > size - 8)
      fail(w, cat("truncated safetensors file: the header declares ", n, " bytes but only ", size - 8,
                  " follow the length"));
    if (n < 2 || b[8] != '{') fail(w, "safetensors header does not start with '{'");
    Json j{b + 8, b + 8 + n, b + 8, &w, "header"};
    const std::uint64_t data_size = size - 8 - n;
    std::vector<Entry> entries;
    std::set<std::string> names;  // a set: a header may name ~20,000 tensors
    bool metadata = false;
    members(j, [&](const std::string& name) {
      if (name == "__metadata__") {
        if (metadata) j.error("__metadata__ appears twice");
        metadata = true;
        // Free-form text to text: checked as such, then ignored.
        members(j, [&](const std::string&) {
          if (j.peek() != '"') j.error("__metadata__: expected string values");
          j.string();
        });
        return;
      }
      if (!names.insert(name).second) j.error(cat("tensor ", quoted(name), " appears twice; names must be unique"));
      if (names.size() > static_cast<std::size_t>(kMaxTensorsPerFile))
        j.error(cat("more than ", kMaxTensorsPerFile, " tensors"));
      Where tw = w;
      tw.tensor = name;
      tw.named = true;
      j.w = &tw;
      Entry e;
      e.tensor.name = name;
      bool have_dtype = false, have_shape = false, have_offsets = false;
      std::string dtype;
      std::vector<std::int64_t> offsets;
      if (j.peek() != '{') j.error("expected an object {dtype, shape, data_offsets}");
      members(j, [&](const std::string& key) {
        bool* seen = key == "dtype"          ? &have_dtype
                     : key == "shape"        ? &have_shape
                     : key == "data_offsets" ? &have_offsets
                                             : nullptr;
        if (!seen) j.error(cat("unexpected key ", quoted(key), "; expected dtype, shape and data_offsets"));
        if (*seen) j.error(cat("key ", quoted(key), " appears twice"));
        *seen = true;
        if (key == "dtype") {
          if (j.peek() != '"') j.error("dtype: expected a string like \"F32\"");
          dtype = j.string();
        } else if (key == "shape")
          e.tensor.shape = whole_array(j, "shape", kMaxTensorRank);
        else
          offsets = whole_array(j, "data_offsets", 2);
      });
      if (!have_dtype || !have_shape || !have_offsets) fail(tw, "expected the keys dtype, shape and data_offsets");
      if (offsets.size() != 2) fail(tw, "data_offsets: expected [begin, end]");
      e.dtype = safetensors_dtype(dtype, tw);
      e.tensor.dtype = dtype_name(e.dtype);
      const std::int64_t count = element_count(e.tensor.shape, tw);
      e.begin = static_cast<std::uint64_t>(offsets[0]);
      e.end = static_cast<std::uint64_t>(offsets[1]);
      if (e.end < e.begin) fail(tw, cat("data_offsets [", e.begin, ", ", e.end, "] end before they begin"));
      const std::uint64_t need = static_cast<std::uint64_t>(count) * dtype_bytes(e.dtype);
      if (e.end - e.begin != need)
        fail(tw, cat("shape ", shape_text(e.tensor.shape), " of ", dtype, " needs ", need, " bytes but data_offsets [",
                     e.begin, ", ", e.end, "] hold ", e.end - e.begin));
      if (e.end > data_size)
        fail(tw, cat("data_offsets [", e.begin, ", ", e.end, "] reach past the data, which has ", data_size,
                     " bytes (truncated file?)"));
      entries.push_back(std::move(e));
      j.w = &w;
    });
    // Whitespace may pad the header (the reference writer pads it to a multiple of 8 bytes).
    j.finish("the header's closing '}' (the JSON is shorter than the declared header length)");
    if (entries.empty()) fail(w, "holds no tensors");
    // The reference implementation's rule: sorted by offset, the tensors tile the data exactly,
    // no gap, no overlap, nothing after the last.
    std::vector<const Entry*> order;
    for (const Entry& e : entries) order.push_back(&e);
    std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* c) {
      return a->begin != c->begin ? a->begin < c->begin : a->end < c->end;
    });
    std::uint64_t at = 0;
    std::int64_t total = 0;
    for (const Entry* e : order) {
      Where tw = w;
      tw.tensor = e->tensor.name;
      tw.named = true;
      if (e->begin > at)
        fail(tw, cat("data_offsets [", e->begin, ", ", e->end, "] leave a gap: bytes ", at, " to ", e->begin,
                     " belong to no tensor; safetensors requires the tensors to cover the data contiguously"));
      if (e->begin < at)
        fail(tw, cat("data_offsets [", e->begin, ", ", e->end, "] overlap another tensor's bytes (up to ", at, ")"));
      at = e->end;
      total += static_cast<std::int64_t>((e->end - e->begin) / dtype_bytes(e->dtype));
    }
    if (at != data_size)
      fail(w, cat(data_size - at, " bytes after the last tensor's data (", data_size, " bytes of data, tensors cover ",
                  at, "); safetensors requires the tensors to cover the data"));
    if (total > kMaxTensorElements)
      fail(w, cat("holds ", total, " elements in all; expected at most ", kMaxTensorElements));
    std::vector<Tensor> out;
    for (Entry& e : entries) {
      Where tw = w;
      tw.tensor = e.tensor.name;
      tw.named = true;
      const std::int64_t count = static_cast<std::int64_t>((e.end - e.begin) / dtype_bytes(e.dtype));
      decode(b + 8 + n + e.begin, e.dtype, count, false, e.tensor, tw);
      out.push_back(std::move(e.tensor));
    }
    return out;
  }

  // ---- JSON tensors

  struct JsonTensor {
    Json& j;
    Tensor& t;
    const Where& w;
    int base_depth;       // 1 inside a named object
    std::int64_t* total;  // numbers so far in the file
    int rank = -1;        // fixed by the first number or empty array
    std::vector<std::int64_t> dims;
    std::vector<bool> known;

    void ragged() {
      j.error(
          "the nested arrays are ragged (rows of different lengths or depths); expected a rectangular array of "
          "numbers");
    }

    void array(int level) {
      if (base_depth + level + 1 > kMaxTensorJsonDepth)
        j.error(cat("nested deeper than ", kMaxTensorJsonDepth, " levels of arrays and objects"));
      j.expect('[');
      std::int64_t count = 0;
      if (j.peek() == ']') {
        ++j.p;
        if (rank < 0) rank = level + 1;
        if (rank != level + 1) ragged();
      } else
        for (;;) {
          if (j.peek() == '[') {
            if (rank >= 0 && level + 1 >= rank) ragged();
            array(level + 1);
          } else {
            if (rank < 0) rank = level + 1;
            if (rank != level + 1) ragged();
            if (*total >= kMaxTensorElements) j.error(cat("more than ", kMaxTensorElements, " numbers in the file"));
            const double v = j.number();
            ++*total;
            t.data.push_back(0);
            t.data.back() = to_float(v, t, static_cast<std::int64_t>(t.data.size() - 1), w, false);
          }
          ++count;
          if (j.peek() == ']') {
            ++j.p;
            break;
          }
          j.expect(',');
        }
      if (static_cast<std::size_t>(level) >= dims.size()) {
        dims.resize(static_cast<std::size_t>(level) + 1, 0);
        known.resize(static_cast<std::size_t>(level) + 1, false);
      }
      if (!known[static_cast<std::size_t>(level)]) {
        dims[static_cast<std::size_t>(level)] = count;
        known[static_cast<std::size_t>(level)] = true;
      } else if (dims[static_cast<std::size_t>(level)] != count)
        ragged();
    }
  };

  Tensor json_tensor(Json& j, const std::string& name, int base_depth, std::int64_t* total, const Where& w) {
    Tensor t;
    t.name = name;
    t.dtype = "float64";
    if (j.peek() != '[') j.error("expected a nested array of numbers");
    JsonTensor r{j, t, w, base_depth, total, -1, {}, {}};
    r.array(0);
    t.shape = r.dims;
    t.shape.resize(static_cast<std::size_t>(r.rank), 0);
    return t;
  }

  std::vector<Tensor> read_json(const std::uint8_t* b, std::size_t size, const Where& w) {
    Json j{b, b + size, b, &w, "JSON"};
    std::vector<Tensor> out;
    std::set<std::string> names;  // a set: a 512 MiB file can name millions
    std::int64_t total = 0;
    if (j.peek() == '[') {
      out.push_back(json_tensor(j, "", 0, &total, w));
    } else {
      members(j, [&](const std::string& name) {
        if (!names.insert(name).second) j.error(cat("tensor ", quoted(name), " appears twice; names must be unique"));
        if (names.size() > static_cast<std::size_t>(kMaxTensorsPerFile))
          j.error(cat("more than ", kMaxTensorsPerFile, " tensors"));
        Where tw = w;
        tw.tensor = name;
        tw.named = true;
        j.w = &tw;
        out.push_back(json_tensor(j, name, 1, &total, tw));
        j.w = &w;
      });
      if (out.empty()) fail(w, "holds no tensors (an empty object)");
    }
    j.finish("the JSON value");
    return out;
  }

  TensorFormat detect(const std::uint8_t* b, std::size_t size) {
    if (size >= 6 && std::memcmp(b, "\x93NUMPY", 6) == 0) return TensorFormat::npy;
    // A safetensors length can start with '{' or a space (N = 123, 32); JSON text cannot pass
    // this test: eight bytes >= 0x09 as u64 LE are >= 9 · 2^56, far past any file we read.
    if (size >= 9 && b[8] == '{' && read_le(b, 8) <= size - 8) return TensorFormat::safetensors;
    std::size_t i = 0;
    while (i < size && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) ++i;
    if (i < size && (b[i] == '[' || b[i] == '{')) return TensorFormat::json;
    return TensorFormat::safetensors;
  }

  }  // namespace

  std::string to_string(TensorFormat format) {
    switch (format) {
      case TensorFormat::npy:
        return "npy";
      case TensorFormat::safetensors:
        return "safetensors";
      case TensorFormat::json:
        return "json";
      default:
        return "detect";
    }
  }

  TensorFormat parse_tensor_format(const std::string& text) {
    for (TensorFormat f : {TensorFormat::detect, TensorFormat::npy, TensorFormat::safetensors, TensorFormat::json})
      if (text == to_string(f)) return f;
    throw invalid_argument("format", cat("is ", quoted(text), "; expected detect, npy, safetensors or json"));
  }

  std::string shape_text(const std::vector<std::int64_t>& shape) {
    std::string out = "(";
    for (std::size_t k = 0; k < shape.size(); ++k) out += cat(k ? ", " : "", shape[k]);
    if (shape.size() == 1) out += ',';
    return out + ")";
  }

  std::vector<Tensor> read_tensors(const std::uint8_t* bytes, std::size_t size, const std::string& file_name,
                                   TensorFormat format) {
    Where w;
    w.file = file_label(file_name);
    if (size > kMaxTensorFileBytes)
      fail(w, cat("the file has ", size, " bytes; expected at most ", kMaxTensorFileBytes, " (512 MiB)"));
    if (size == 0) fail(w, "the file is empty");
    if (bytes == nullptr) fail(w, "no bytes");
    if (format == TensorFormat::detect) format = detect(bytes, size);
    switch (format) {
      case TensorFormat::npy:
        return read_npy(bytes, size, w);
      case TensorFormat::json:
        return read_json(bytes, size, w);
      default:
        return read_safetensors(bytes, size, w);
    }
  }

  HeadsShape heads_shape(const Tensor& tensor, const std::string& file_name) {
    Where w;
    w.file = file_label(file_name);
    w.tensor = tensor.name;
    w.named = !tensor.name.empty();
    const auto& s = tensor.shape;
    HeadsShape h{};
    if (s.size() == 2)
      h = {1, s[0], s[1]};
    else if (s.size() == 3)
      h = {s[0], s[1], s[2]};
    else if (s.size() == 4 && s[0] == 1)
      h = {s[1], s[2], s[3]};
    else
      fail(w, cat("shape ", shape_text(s), " is not attention heads; expected (T, d), (H, T, d) or (1, H, T, d)"));
    if (h.heads < 1 || h.heads > kMaxTensorHeads)
      fail(w, cat("shape ", shape_text(s), " has H = ", h.heads, " heads; expected 1 <= H <= ", kMaxTensorHeads));
    if (h.tokens < 1 || h.tokens > kMaxTensorTokens)
      fail(w, cat("shape ", shape_text(s), " has T = ", h.tokens, " tokens; expected 1 <= T <= ", kMaxTensorTokens));
    if (h.dim < 1 || h.dim > kMaxTensorDim)
      fail(w, cat("shape ", shape_text(s), " has d = ", h.dim, "; expected 1 <= d <= ", kMaxTensorDim));
    return h;
  }

}  // namespace attn

ATTN_COLD_END
