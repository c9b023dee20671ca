// libFuzzer target over the CLI's problem runner (attn::cli::run): bytes in, JSON result
// or attn::invalid_argument out. Besides crashes and sanitizer reports it checks the
// CLI's promises and aborts when one is broken:
//  * the only exception is attn::invalid_argument (no std::bad_alloc, no nlohmann errors);
//  * a result holds no null (how NaN and Inf leave nlohmann::json): finite in, finite out;
//    the one documented null is "log_sum_exp" with alpha > 1 (entmax has no log-partition);
//  * an error line is one line, ASCII-safe, short, and starts with "<field>: ".
// Built by scripts/fuzz.sh (clang, -fsanitize=fuzzer); replayed by fuzz_replay.cpp in
// every native build, so the corpus and every saved crash run as a ctest.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "attn/errors.hpp"
#include "cli/problem.hpp"

namespace {
[[noreturn]] void broken(const char* promise, const std::string& detail) {
  std::fprintf(stderr, "fuzz: broken promise: %s\n  %s\n", promise, detail.substr(0, 2000).c_str());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string result;
  try {
    result = attn::cli::run(text);
  } catch (const attn::invalid_argument& e) {
    const std::string line = attn::cli::error_line(e.what());
    if (line.find('\n') != std::string::npos || line.find('\r') != std::string::npos)
      broken("an error is one line", line);
    if (line.size() > attn::cli::kMaxErrorBytes + 32) broken("an error line is short", line);
    if (line.find("\xe2\x80\xa8") != std::string::npos || line.find("\xc2\x85") != std::string::npos)
      broken("line separators are escaped", line);
    const std::size_t colon = line.find(": ");
    if (colon == 0 || colon == std::string::npos) broken("an error names a field", line);
    return 0;
  } catch (const std::exception& e) {
    broken("only attn::invalid_argument escapes the runner", e.what());
  } catch (...) {
    broken("only attn::invalid_argument escapes the runner", "(not a std::exception)");
  }
  // The documented null: log_sum_exp beyond softmax (alpha > 1; the result echoes alpha).
  const std::string lse_null = "\"log_sum_exp\": null";
  const std::size_t at = result.find(lse_null);
  if (at != std::string::npos && result.find("\"alpha\": 1.0,") == std::string::npos) result.erase(at, lse_null.size());
  if (result.find("null") != std::string::npos) broken("finite input gives finite output", result);
  return 0;
}
