// Typed errors for the attention core. Every message names the argument,
// the value that was given and what was expected, so a user can act on it.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "attn/cold.hpp"

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
// Message formatting without iostreams or printf: <sstream> pulls libc++'s locale
// machinery into the WASM build (over half its size), and printf's formatter is another
// ~8 KB of it (5 KB gzip). Numbers print exactly like C's "%.17g" / "%lld" / "%llu"
// (tests/errors.test.cpp compares with snprintf); NaN is spelled "nan" on every platform
// (C libraries disagree on "-nan").
inline void append(std::string& out, const std::string& s) { out += s; }
inline void append(std::string& out, const char* s) { out += s; }
inline void append(std::string& out, char c) { out += c; }

inline void append_unsigned(std::string& out, unsigned long long v) {
  char buf[20];
  int i = 20;
  do buf[--i] = static_cast<char>('0' + v % 10);
  while ((v /= 10) != 0);
  out.append(buf + i, static_cast<std::size_t>(20 - i));
}

// C's "%.17g" of a non-NaN double: the exact binary value's first 17 significant digits,
// rounded half to even, in %g's layout (fixed for 1e-4 <= |v| < 1e17, else d.ddde±XX;
// trailing zeros dropped). The digits come from a small big integer: v = m · 2^e exactly.
ATTN_COLD inline void append_g17(std::string& out, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  if (bits >> 63) out += '-';
  const int biased = static_cast<int>((bits >> 52) & 0x7ff);
  std::uint64_t m = bits & ((std::uint64_t(1) << 52) - 1);
  if (biased == 0x7ff) {
    out += "inf";
    return;
  }
  if (m == 0 && biased == 0) {
    out += '0';
    return;
  }
  int e = biased == 0 ? -1074 : biased - 1075;
  if (biased != 0) m |= std::uint64_t(1) << 52;

  // The first 18 significant digits, whether any digit after them is non-zero, and the
  // decimal exponent of the first.
  char dig[18];
  int nd = 0, exp10 = -1;
  bool sticky = false;
  const auto put = [&](int d) {
    if (nd == 0 && d == 0) return;  // leading zeros
    if (nd < 18)
      dig[nd++] = static_cast<char>(d);
    else
      sticky = sticky || d != 0;
  };
  std::uint32_t L[36] = {};  // little-endian 32-bit limbs: <= 1024 + 32 bits either way
  if (e >= 0) {
    // Integer m · 2^e: split into base-1e9 chunks (least significant first), then digits.
    const int q = e / 32, r = e % 32;
    const std::uint64_t lo = m << r, hi = r ? m >> (64 - r) : 0;
    L[q] = static_cast<std::uint32_t>(lo);
    L[q + 1] = static_cast<std::uint32_t>(lo >> 32);
    L[q + 2] = static_cast<std::uint32_t>(hi);
    int top = q + 3;
    std::uint32_t chunks[40];
    int nc = 0;
    while (top > 0) {
      std::uint64_t rem = 0;
      for (int i = top - 1; i >= 0; --i) {
        const std::uint64_t cur = (rem << 32) | L[i];
        L[i] = static_cast<std::uint32_t>(cur / 1000000000u);
        rem = cur % 1000000000u;
      }
      chunks[nc++] = static_cast<std::uint32_t>(rem);
      while (top > 0 && L[top - 1] == 0) --top;
    }
    for (int c = nc - 1; c >= 0; --c)
      for (std::uint32_t p = 100000000u; p > 0; p /= 10) {
        const int d = static_cast<int>(chunks[c] / p % 10);
        if (nd > 0 || d != 0) ++exp10;
        put(d);
      }
  } else {
    // m / 2^k: the integer part (< 2^53), then the fraction's digits one by one, the
    // fraction kept as W limbs below a binary point on a limb boundary.
    const int k = -e;
    std::uint64_t ip = k < 64 ? m >> k : 0;
    const std::uint64_t f = k < 64 ? m & ((std::uint64_t(1) << k) - 1) : m;
    if (ip != 0) {
      char buf[20];
      int n = 0;
      for (; ip != 0; ip /= 10) buf[n++] = static_cast<char>(ip % 10);
      exp10 = n - 1;
      while (n > 0) put(buf[--n]);
    }
    const int W = (k + 31) / 32, s = 32 * W - k;
    const std::uint64_t lo = f << s, hi = s ? f >> (64 - s) : 0;
    L[0] = static_cast<std::uint32_t>(lo);
    L[1] = static_cast<std::uint32_t>(lo >> 32);
    L[2] = static_cast<std::uint32_t>(hi);
    bool rest = f != 0;
    for (int place = -1; rest && nd < 18; --place) {
      std::uint64_t carry = 0;
      rest = false;
      for (int i = 0; i < W; ++i) {
        const std::uint64_t t = std::uint64_t(L[i]) * 10 + carry;
        L[i] = static_cast<std::uint32_t>(t);
        carry = t >> 32;
        rest = rest || L[i] != 0;
      }
      if (nd == 0 && carry != 0) exp10 = place;
      put(static_cast<int>(carry));
    }
    sticky = rest;  // a non-zero fraction left has a non-zero digit further on
  }
  while (nd < 18) dig[nd++] = 0;
  // Round to 17 digits, half to even.
  if (dig[17] > 5 || (dig[17] == 5 && (sticky || (dig[16] & 1)))) {
    int i = 16;
    while (i >= 0 && dig[i] == 9) dig[i--] = 0;
    if (i >= 0)
      ++dig[i];
    else {
      dig[0] = 1;  // 99…9 -> 100…0
      ++exp10;
    }
  }
  int last = 16;  // the last digit kept: trailing zeros go
  while (last > 0 && dig[last] == 0) --last;
  if (exp10 < -4 || exp10 >= 17) {
    out += static_cast<char>('0' + dig[0]);
    if (last > 0) out += '.';
    for (int i = 1; i <= last; ++i) out += static_cast<char>('0' + dig[i]);
    out += exp10 < 0 ? "e-" : "e+";
    const int a = exp10 < 0 ? -exp10 : exp10;
    if (a < 10) out += '0';
    append_unsigned(out, static_cast<unsigned long long>(a));
  } else if (exp10 >= 0) {
    for (int i = 0; i <= exp10; ++i) out += static_cast<char>('0' + dig[i]);
    if (last > exp10) out += '.';
    for (int i = exp10 + 1; i <= last; ++i) out += static_cast<char>('0' + dig[i]);
  } else {
    out += "0.";
    out.append(static_cast<std::size_t>(-exp10 - 1), '0');
    for (int i = 0; i <= last; ++i) out += static_cast<char>('0' + dig[i]);
  }
}

template <typename Number, typename = std::enable_if_t<std::is_arithmetic<Number>::value>>
void append(std::string& out, Number v) {
  if constexpr (std::is_floating_point<Number>::value) {
    if (std::isnan(v))
      out += "nan";
    else
      append_g17(out, static_cast<double>(v));
  } else if constexpr (std::is_signed<Number>::value) {
    const long long x = static_cast<long long>(v);
    if (x < 0) out += '-';
    append_unsigned(out, x < 0 ? 0ull - static_cast<unsigned long long>(x) : static_cast<unsigned long long>(x));
  } else {
    append_unsigned(out, static_cast<unsigned long long>(v));
  }
}

// Out of line and small: only a throw builds a message, and inlined into a kernel's
// error branch it could cost the kernel its registers.
template <typename... Parts>
ATTN_COLD std::string cat(const Parts&... parts) {
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
    if (ok &&
        ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)))
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
    // \uXXXX (four hex digits at least), \u{XXXXX} beyond the BMP
    out += cp > 0xffff ? "\\u{" : "\\u";
    int shift = 28;
    while (shift > 12 && (cp >> shift) == 0) shift -= 4;
    for (; shift >= 0; shift -= 4) out += hex[(cp >> shift) & 15];
    if (cp > 0xffff) out += '}';
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
