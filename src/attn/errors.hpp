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
