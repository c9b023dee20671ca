// What every WASM entry point shares (binding.cpp, train_binding.cpp): the last error's
// message and guarded(), which turns any exception into a return code.
#pragma once

#include <exception>
#include <string>

namespace attn_wasm {

// The one global: a C return value can only carry an int, and the message must outlive the
// failing call so JS can read it afterwards (attn_last_error). WASM here is single-threaded
// and JS reads it immediately, so one slot is enough.
inline std::string& last_error() {
  static std::string message;
  return message;
}

// 0 on success, 1 for a core error (attn::invalid_argument or another std::exception, e.g.
// std::bad_alloc), 2 for anything else. Exceptions never cross into JS (no abort()).
template <typename F>
int guarded(F&& body) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    last_error() = e.what();
    return 1;
  } catch (...) {
    last_error() = "unknown error in the attention core";
    return 2;
  }
}

}  // namespace attn_wasm
