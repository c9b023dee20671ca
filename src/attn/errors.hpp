// Typed errors for the attention core. Every message names the argument,
// the value that was given and what was expected, so a user can act on it.
#pragma once

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace attn {

// Thrown for any argument the core cannot use (shape mismatch, non-finite
// number, out-of-range option). Derives from std::invalid_argument so callers
// that only know the standard library can still catch it.
class invalid_argument : public std::invalid_argument {
 public:
  invalid_argument(const std::string& argument, const std::string& problem)
      : std::invalid_argument(argument + ": " + problem), argument_(argument) {}
  // The name of the offending argument, e.g. "keys" or "window".
  const std::string& argument() const noexcept { return argument_; }

 private:
  std::string argument_;
};

namespace detail {
// Message formatting without iostreams: <sstream> pulls libc++'s locale machinery
// into the WASM build (over half its size). Numbers print like ostream at
// precision 17; NaN is spelled "nan" on every platform (C libraries disagree on "-nan").
inline void append(std::string& out, const std::string& s) { out += s; }
inline void append(std::string& out, const char* s) { out += s; }
inline void append(std::string& out, char c) { out += c; }
template <typename Number, typename = std::enable_if_t<std::is_arithmetic<Number>::value>>
void append(std::string& out, Number v) {
  char buf[40];
  if constexpr (std::is_floating_point<Number>::value) {
    if (std::isnan(v)) {
      out += "nan";
      return;
    }
    std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(v));
  } else if constexpr (std::is_signed<Number>::value) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  }
  out += buf;
}

template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (append(out, parts), ...);
  return out;
}

// Appends text with control characters (C0 and C1), line and paragraph separators and bytes
// that are not UTF-8 escaped (\n, \u0085, \u2028, \xff). quoted = true (text a user gave)
// also escapes quotes, backslashes and every other non-ASCII character. Stops once it has
// appended max_bytes (escapes count as written, so the bound holds for any text; never
// inside a character); returns how many bytes of text it consumed.
inline std::size_t escape_into(std::string& out, const std::string& text, std::size_t max_bytes, bool quoted) {
  static const char* hex = "0123456789abcdef";
  const std::size_t start = out.size();
  std::size_t i = 0;
  while (i < text.size() && out.size() - start < max_bytes) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      if (quoted && (c == '"' || c == '\\')) out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c == '\n' || c == '\t' || c == '\r') {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r";
      ++i;
      continue;
    }
    // A UTF-8 sequence -> \uXXXX (\u{XXXXX} beyond the BMP); anything else -> \xNN.
    const int len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    unsigned long cp = len == 4 ? (c & 0x07u) : len == 3 ? (c & 0x0fu) : (c & 0x1fu);
    bool ok = len > 0 && i + static_cast<std::size_t>(len) <= text.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      ok = (b & 0xc0u) == 0x80u;
      cp = (cp << 6) | (b & 0x3fu);
    }
    if (ok && ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
               (cp >= 0xd800 && cp <= 0xdfff)))
      ok = false;  // overlong, out of range or a surrogate: not UTF-8
    if (!ok) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
      ++i;
      continue;
    }
    if (!quoted && cp >= 0xa0 && cp != 0x2028 && cp != 0x2029) {
      out.append(text, i, static_cast<std::size_t>(len));  // printable: as it is (e.g. "n · d")
      i += static_cast<std::size_t>(len);
      continue;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, cp > 0xffff ? "\\u{%lx}" : "\\u%04lx", cp);
    out += buf;
    i += static_cast<std::size_t>(len);
  }
  return i;
}

// Text a user gave, as a message quotes it: in double quotes, escaped (escape_into), at
// most max_bytes of escaped text and then "... (N bytes)", so a message stays one short line.
inline std::string quoted(const std::string& text, std::size_t max_bytes = 40) {
  std::string out = "\"";
  const std::size_t used = escape_into(out, text, max_bytes, true);
  out += '"';
  if (used < text.size()) out += cat("... (", text.size(), " bytes)");
  return out;
}

// Throws unless v is finite; the message names the argument and the value.
inline void require_finite(const char* name, double v) {
  if (!(v - v == 0))  // false for NaN and ±Inf, without <cmath>
    throw invalid_argument(name, cat("is ", v, "; expected a finite number"));
}

// Throws unless every entry of the Eigen matrix/vector m is finite; names the first bad entry.
template <typename Matrix>
void require_all_finite(const char* name, const Matrix& m) {
  if (m.allFinite()) return;
  for (decltype(m.rows()) i = 0; i < m.rows(); ++i)
    for (decltype(m.cols()) j = 0; j < m.cols(); ++j)
      if (!(m(i, j) - m(i, j) == 0)) {
        const std::string where = m.cols() == 1 ? cat("entry ", i) : cat("entry (", i, ", ", j, ")");
        throw invalid_argument(name, cat(where, " is ", m(i, j), "; expected a finite number"));
      }
}
}  // namespace detail

}  // namespace attn
