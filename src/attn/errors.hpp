// Typed errors for the attention core. Every message names the argument,
// the value that was given and what was expected, so a user can act on it.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

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
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream out;
  out.precision(17);
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

}  // namespace attn
